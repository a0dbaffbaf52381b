// The properties rtspsrc2 and rtspsink2 share (gst/rtsp/common_properties.cpp, media_properties.cpp), on both
// elements: each one set reads back as set and leaves every other shared property at its default (an id
// mapped to the wrong field fails here) and the TLS objects are held with one reference that is given back.
#include <gio/gio.h>
#include <gst/gst.h>

#include <string>

#include "check.hpp"

namespace {

const char* const kElements[] = {"rtspsrc2", "rtspsink2"};

struct Case {
  const char* name;
  const char* value;  // serialised; never the default
};
const Case kCases[] = {
    {"timeout", "1234"},
    {"tcp-timeout", "0"},
    {"user-id", "alice"},
    {"user-pw", "s3cret"},
    {"user-agent", "cam-client/1"},
    {"do-rtsp-keep-alive", "false"},
    {"tls-validation-flags", "unknown-ca"},
    {"reconnect-attempts", "7"},
    {"reconnect-max-interval", "1"},
    // gst/rtsp/media_properties.cpp
    {"port-range", "5000-5009"},
    {"retry", "3"},
    {"udp-buffer-size", "4096"},
    {"rtp-blocksize", "1000"},
    {"udp-reconnect", "false"},
    {"ntp-time-source", "unix"},
};
const char* const kObjectProperties[] = {"tls-database", "tls-interaction"};

// GTlsDatabase is abstract; a subclass with nothing in it is enough to be stored and read back.
struct TestDatabase {
  GTlsDatabase parent;
};
struct TestDatabaseClass {
  GTlsDatabaseClass parent_class;
};
G_DEFINE_TYPE(TestDatabase, test_database, G_TYPE_TLS_DATABASE)
void test_database_class_init(TestDatabaseClass*) {}
void test_database_init(TestDatabase*) {}

GstElement* make(const char* factory) {
  GstElement* e = gst_element_factory_make(factory, nullptr);
  fail_unless(e != nullptr, "%s not found", factory);
  return e;
}

// Every shared property except `except` still has its default.
void check_defaults(GstElement* e, const std::string& except, const char* what) {
  auto check_one = [&](const char* name) {
    if (except == name) return;
    GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), name);
    fail_unless(pspec != nullptr, "%s: no property %s", what, name);
    GValue got = G_VALUE_INIT;
    g_object_get_property(G_OBJECT(e), name, &got);
    fail_unless(g_param_values_cmp(pspec, &got, g_param_spec_get_default_value(pspec)) == 0,
                "%s: %s changed too", what, name);
    g_value_unset(&got);
  };
  for (const Case& c : kCases) check_one(c.name);
  for (const char* name : kObjectProperties) check_one(name);
}

GST_START_TEST(test_each_property_alone) {
  const char* factory = kElements[__i__];
  for (const Case& c : kCases) {
    GstElement* e = make(factory);
    const std::string what = std::string(factory) + "." + c.name;
    gst_util_set_object_arg(G_OBJECT(e), c.name, c.value);
    GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), c.name);
    GValue want = G_VALUE_INIT, got = G_VALUE_INIT;
    g_value_init(&want, G_PARAM_SPEC_VALUE_TYPE(pspec));
    fail_unless(gst_value_deserialize(&want, c.value), "%s", what.c_str());
    fail_unless(g_param_values_cmp(pspec, &want, g_param_spec_get_default_value(pspec)) != 0,
                "%s: the case sets the default", what.c_str());
    g_object_get_property(G_OBJECT(e), c.name, &got);
    fail_unless(g_param_values_cmp(pspec, &got, &want) == 0, "%s: not read back", what.c_str());
    g_value_unset(&want);
    g_value_unset(&got);
    check_defaults(e, c.name, what.c_str());
    gst_object_unref(e);
  }
}
GST_END_TEST;

GST_START_TEST(test_tls_objects) {
  const char* factory = kElements[__i__];
  GObject* database = G_OBJECT(g_object_new(test_database_get_type(), nullptr));
  GObject* interaction = G_OBJECT(g_object_new(G_TYPE_TLS_INTERACTION, nullptr));
  GObject* objects[] = {database, interaction};
  for (std::size_t k = 0; k < G_N_ELEMENTS(kObjectProperties); ++k) {
    const char* name = kObjectProperties[k];
    const std::string what = std::string(factory) + "." + name;
    GstElement* e = make(factory);
    g_object_set(e, name, objects[k], nullptr);
    GObject* got = nullptr;
    g_object_get(e, name, &got, nullptr);
    fail_unless(got == objects[k], "%s: not read back", what.c_str());
    g_object_unref(got);
    check_defaults(e, name, what.c_str());
    fail_unless_equals_int(objects[k]->ref_count, 2);  // ours and the element's
    g_object_set(e, name, nullptr, nullptr);
    fail_unless_equals_int(objects[k]->ref_count, 1);
    g_object_get(e, name, &got, nullptr);
    fail_unless(got == nullptr, "%s: not cleared", what.c_str());
    g_object_set(e, name, objects[k], nullptr);
    gst_object_unref(e);  // gives its reference back
    fail_unless_equals_int(objects[k]->ref_count, 1);
  }
  g_object_unref(database);
  g_object_unref(interaction);
}
GST_END_TEST;

Suite* common_properties_suite() {
  Suite* s = suite_create("common_properties");
  TCase* tc = tcase_create("properties");
  tcase_add_loop_test(tc, test_each_property_alone, 0, G_N_ELEMENTS(kElements));
  tcase_add_loop_test(tc, test_tls_objects, 0, G_N_ELEMENTS(kElements));
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

GST_CHECK_MAIN(common_properties)
