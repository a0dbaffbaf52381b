// Checks that `name` means the same on two elements: same blurb, flags, type, default and range; enum types
// may have names of their own (two plugins may not register one type name), with the same values and nicks.
#pragma once

#include <glib-object.h>

#include <initializer_list>

#include "check.hpp"

inline void assert_same_property(GObject* ours, GObject* theirs, const char* name) {
  GParamSpec* a = g_object_class_find_property(G_OBJECT_GET_CLASS(ours), name);
  GParamSpec* b = g_object_class_find_property(G_OBJECT_GET_CLASS(theirs), name);
  fail_unless(a != nullptr && b != nullptr, "%s missing", name);
  fail_unless_equals_string(g_param_spec_get_blurb(a), g_param_spec_get_blurb(b));
  fail_unless_equals_int(a->flags & (G_PARAM_READABLE | G_PARAM_WRITABLE | G_PARAM_DEPRECATED),
                         b->flags & (G_PARAM_READABLE | G_PARAM_WRITABLE | G_PARAM_DEPRECATED));
  if (G_IS_PARAM_SPEC_ENUM(a)) {
    // Our enum types have names of their own (two plugins may not register one type name); same values and
    // nicks.
    fail_unless(G_IS_PARAM_SPEC_ENUM(b), "%s", name);
    GEnumClass* ea = G_PARAM_SPEC_ENUM(a)->enum_class;
    GEnumClass* eb = G_PARAM_SPEC_ENUM(b)->enum_class;
    fail_unless_equals_int(ea->n_values, eb->n_values);
    for (guint i = 0; i < ea->n_values; ++i) {
      fail_unless_equals_int(ea->values[i].value, eb->values[i].value);
      fail_unless_equals_string(ea->values[i].value_nick, eb->values[i].value_nick);
      fail_unless_equals_string(ea->values[i].value_name, eb->values[i].value_name);
    }
    fail_unless_equals_int(G_PARAM_SPEC_ENUM(a)->default_value, G_PARAM_SPEC_ENUM(b)->default_value);
    return;
  }
  fail_unless(a->value_type == b->value_type, "%s: type %s vs %s", name, g_type_name(a->value_type),
              g_type_name(b->value_type));
  const GValue* da = g_param_spec_get_default_value(a);
  const GValue* db = g_param_spec_get_default_value(b);
  if (G_VALUE_HOLDS_STRING(da)) {
    fail_unless(g_strcmp0(g_value_get_string(da), g_value_get_string(db)) == 0, "%s default '%s' vs '%s'",
                name, g_value_get_string(da), g_value_get_string(db));
  } else if (!G_VALUE_HOLDS_OBJECT(da)) {
    fail_unless_equals_int(g_param_values_cmp(a, da, db), 0);
  }
  if (G_IS_PARAM_SPEC_UINT64(a)) {
    fail_unless_equals_uint64(G_PARAM_SPEC_UINT64(a)->minimum, G_PARAM_SPEC_UINT64(b)->minimum);
    fail_unless_equals_uint64(G_PARAM_SPEC_UINT64(a)->maximum, G_PARAM_SPEC_UINT64(b)->maximum);
  } else if (G_IS_PARAM_SPEC_UINT(a)) {
    fail_unless_equals_uint64(G_PARAM_SPEC_UINT(a)->minimum, G_PARAM_SPEC_UINT(b)->minimum);
    fail_unless_equals_uint64(G_PARAM_SPEC_UINT(a)->maximum, G_PARAM_SPEC_UINT(b)->maximum);
  } else if (G_IS_PARAM_SPEC_INT64(a)) {
    fail_unless_equals_int64(G_PARAM_SPEC_INT64(a)->minimum, G_PARAM_SPEC_INT64(b)->minimum);
    fail_unless_equals_int64(G_PARAM_SPEC_INT64(a)->maximum, G_PARAM_SPEC_INT64(b)->maximum);
  } else if (G_IS_PARAM_SPEC_INT(a)) {
    fail_unless_equals_int(G_PARAM_SPEC_INT(a)->minimum, G_PARAM_SPEC_INT(b)->minimum);
    fail_unless_equals_int(G_PARAM_SPEC_INT(a)->maximum, G_PARAM_SPEC_INT(b)->maximum);
  }
}

// Checks that signal `name` has the same return type, action flag and parameter types on both elements.
inline void assert_same_signal(GObject* ours, GObject* theirs, const char* name) {
  GSignalQuery a, b;
  g_signal_query(g_signal_lookup(name, G_OBJECT_TYPE(ours)), &a);
  g_signal_query(g_signal_lookup(name, G_OBJECT_TYPE(theirs)), &b);
  fail_unless(a.signal_id != 0 && b.signal_id != 0, "%s missing", name);
  fail_unless(a.return_type == b.return_type, "%s: return type", name);
  fail_unless_equals_int(a.n_params, b.n_params);
  for (guint i = 0; i < a.n_params; ++i) {
    fail_unless(
        (a.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE) == (b.param_types[i] & ~G_SIGNAL_TYPE_STATIC_SCOPE),
        "%s: parameter %u", name, i);
  }
  fail_unless_equals_int(a.signal_flags & G_SIGNAL_ACTION, b.signal_flags & G_SIGNAL_ACTION);
}

// Makes the upstream element `upstream` (failing, with the package scripts/setup.sh installs, when it is
// missing) and checks that `ours` has each of `properties` and `signals` as it has them.
inline void assert_same_as_upstream(GstElement* ours, const char* upstream, const char* package,
                                    std::initializer_list<const char*> properties,
                                    std::initializer_list<const char*> signals) {
  GstElement* theirs = gst_element_factory_make(upstream, nullptr);
  fail_unless(theirs != nullptr, "%s not installed (scripts/setup.sh installs %s)", upstream, package);
  for (const char* name : properties) assert_same_property(G_OBJECT(ours), G_OBJECT(theirs), name);
  for (const char* name : signals) assert_same_signal(G_OBJECT(ours), G_OBJECT(theirs), name);
  gst_object_unref(theirs);
}
