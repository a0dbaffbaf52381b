#include "element_type.hpp"

#include "gst_ptr.hpp"

namespace rtsp2::rtp {

bool register_element_type(GstPlugin* plugin, const ElementTypeInfo& info, const char* long_name,
                           GstDebugCategory*& category) {
  if (!category) category = _gst_debug_category_new(info.element_name, 0, long_name);
  GType type = g_type_from_name(info.type_name);
  if (!type) {
    GTypeInfo type_info{};
    type_info.class_size = static_cast<guint16>(info.class_size);
    type_info.class_init = info.class_init;
    type_info.class_data = info.class_data;
    type_info.instance_size = static_cast<guint16>(info.instance_size);
    type_info.instance_init = info.instance_init;
    type = g_type_register_static(info.parent, info.type_name, &type_info, GTypeFlags(0));
  }
  return gst_element_register(plugin, info.element_name, GST_RANK_MARGINAL, type);
}

void set_element_class(GstElementClass* klass, const char* long_name, const char* classification,
                       const char* description, const char* sink_caps, const char* src_caps) {
  gst_element_class_set_static_metadata(klass, long_name, classification, description, "rtsp2 project");
  CapsPtr sink(gst_caps_from_string(sink_caps));
  CapsPtr src(gst_caps_from_string(src_caps));
  gst_element_class_add_pad_template(klass,
                                     gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, sink.get()));
  gst_element_class_add_pad_template(klass,
                                     gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, src.get()));
}

}  // namespace rtsp2::rtp
