// What the payloader and depayloader element bases share: registering one concrete element as a dynamic
// subtype described by a descriptor, its class metadata and pad templates, and handing the format's own
// properties (ids from a first id on) to the format object under the object lock.
#pragma once

#include <cstddef>

#include <gst/gst.h>

namespace rtsp2::rtp {

// One concrete element: the names and caps of its descriptor plus the GType pieces of its base.
struct ElementTypeInfo {
  GType parent;
  const char* type_name;
  const char* element_name;
  std::size_t class_size;
  std::size_t instance_size;
  GClassInitFunc class_init;
  GInstanceInitFunc instance_init;
  gconstpointer class_data;  // the descriptor
};

// Registers the subtype (once per process) and the element at rank MARGINAL; creates `category` (named
// after the element) when it is still null.
bool register_element_type(GstPlugin* plugin, const ElementTypeInfo& info, const char* long_name,
                           GstDebugCategory*& category);

// Class metadata and the always "sink" / "src" pad templates.
void set_element_class(GstElementClass* klass, const char* long_name, const char* classification,
                       const char* description, const char* sink_caps, const char* src_caps);

// A property id of the format (id >= first) is handed to it as id - first under the object lock; any other
// id is invalid.
template <typename Format>
void set_format_property(GObject* object, Format& format, guint first, guint id, const GValue* value,
                         GParamSpec* pspec) {
  if (id < first) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(object);
  format.set_property(id - first, value);
  GST_OBJECT_UNLOCK(object);
}

template <typename Format>
void get_format_property(GObject* object, const Format& format, guint first, guint id, GValue* value,
                         GParamSpec* pspec) {
  if (id < first) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  GST_OBJECT_LOCK(object);
  format.get_property(id - first, value);
  GST_OBJECT_UNLOCK(object);
}

}  // namespace rtsp2::rtp
