#include "depay_element.hpp"

#include <gst/video/video.h>

#include "element_type.hpp"
#include "gst_ptr.hpp"

namespace rtsp2::rtp {
namespace {

struct DepayPrivate;

}  // namespace
}  // namespace rtsp2::rtp

struct GstRtp2Depay {
  GstRTPBaseDepayload parent;
  rtsp2::rtp::DepayPrivate* priv;
};

struct GstRtp2DepayClass {
  GstRTPBaseDepayloadClass parent_class;
  const rtsp2::rtp::DepayDescriptor* descriptor;
};

G_DEFINE_ABSTRACT_TYPE(GstRtp2Depay, gst_rtp2_depay, GST_TYPE_RTP_BASE_DEPAYLOAD)

namespace rtsp2::rtp {
namespace {

enum {
  PROP_0,
  PROP_WAIT_FOR_KEYFRAME,
  PROP_REQUEST_KEYFRAME,
  PROP_FORMAT_FIRST = 100,
};

GstDebugCategory* category_of(GstRtp2Depay* self) {
  return reinterpret_cast<GstRtp2DepayClass*>(G_OBJECT_GET_CLASS(self))->descriptor->category;
}

// Connects the core to the element's pads.
class ElementSink final : public DepaySink {
 public:
  explicit ElementSink(GstRtp2Depay* self) : self_(self) {}

  GstFlowReturn push(GstBuffer* buffer) override {
    return gst_rtp_base_depayload_push(GST_RTP_BASE_DEPAYLOAD(self_), buffer);
  }
  GstFlowReturn push_list(GstBufferList* list) override {
    return gst_rtp_base_depayload_push_list(GST_RTP_BASE_DEPAYLOAD(self_), list);
  }
  bool set_caps(GstCaps* caps) override {
    CapsPtr owned(caps);
    return gst_pad_set_caps(GST_RTP_BASE_DEPAYLOAD_SRCPAD(self_), caps);
  }
  void request_keyframe() override {
    GST_CAT_DEBUG_OBJECT(category_of(self_), self_, "requesting a keyframe upstream");
    // rtpsession turns this into RTCP PLI/FIR towards the sender.
    gst_pad_push_event(GST_RTP_BASE_DEPAYLOAD_SINKPAD(self_),
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
  }
  void error(const char* message) override {
    GST_ELEMENT_ERROR(self_, STREAM, FORMAT, ("%s", message), (nullptr));
  }
  void warning(const char* message) override {
    GST_CAT_WARNING_OBJECT(category_of(self_), self_, "dropping: %s", message);
  }

 private:
  GstRtp2Depay* self_;
};

struct DepayPrivate {
  explicit DepayPrivate(GstRtp2Depay* self, std::unique_ptr<DepayFormat> f)
      : format(std::move(f)), sink(self), core(*format, sink) {}
  std::unique_ptr<DepayFormat> format;
  ElementSink sink;
  DepayCore core;
};

DepayPrivate* priv_of(gpointer object) {
  return reinterpret_cast<GstRtp2Depay*>(object)->priv;
}

gboolean depay_set_caps(GstRTPBaseDepayload* base, GstCaps* caps) {
  auto* self = reinterpret_cast<GstRtp2Depay*>(base);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  GstPad* srcpad = GST_RTP_BASE_DEPAYLOAD_SRCPAD(base);
  CapsPtr templ(gst_pad_get_pad_template_caps(srcpad));
  CapsPtr downstream(gst_pad_peer_query_caps(srcpad, templ.get()));
  std::string error;
  CapsPtr out(self->priv->format->configure(s, downstream.get(), error));
  if (!out) {
    GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Unsupported RTP stream: %s", error.c_str()),
                      ("caps %" GST_PTR_FORMAT, static_cast<void*>(caps)));
    return FALSE;
  }
  return gst_pad_set_caps(srcpad, out.get());
}

GstBuffer* depay_process(GstRTPBaseDepayload* base, GstRTPBuffer* rtp) {
  auto* self = reinterpret_cast<GstRtp2Depay*>(base);
  const RtpPacket packet = packet_from_rtp(rtp);
  self->priv->core.process(packet, GST_BUFFER_IS_DISCONT(rtp->buffer));
  return nullptr;  // everything was pushed through gst_rtp_base_depayload_push(_list)
}

gboolean depay_packet_lost(GstRTPBaseDepayload* base, GstEvent* event) {
  priv_of(base)->core.on_loss();
  return GST_RTP_BASE_DEPAYLOAD_CLASS(gst_rtp2_depay_parent_class)->packet_lost(base, event);
}

gboolean depay_handle_event(GstRTPBaseDepayload* base, GstEvent* event) {
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_FLUSH_STOP:
      priv_of(base)->core.reset();
      break;
    case GST_EVENT_EOS:
      priv_of(base)->core.drain();
      break;
    default:
      break;
  }
  return GST_RTP_BASE_DEPAYLOAD_CLASS(gst_rtp2_depay_parent_class)->handle_event(base, event);
}

GstStateChangeReturn depay_change_state(GstElement* element, GstStateChange transition) {
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) priv_of(element)->core.reset();
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_rtp2_depay_parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) priv_of(element)->core.reset();
  return ret;
}

void depay_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  DepayPrivate* priv = priv_of(object);
  switch (id) {
    case PROP_WAIT_FOR_KEYFRAME:
      priv->core.set_wait_for_keyframe(g_value_get_boolean(value));
      break;
    case PROP_REQUEST_KEYFRAME:
      priv->core.set_request_keyframe(g_value_get_boolean(value));
      break;
    default:
      set_format_property(object, *priv->format, PROP_FORMAT_FIRST, id, value, pspec);
  }
}

void depay_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  DepayPrivate* priv = priv_of(object);
  switch (id) {
    case PROP_WAIT_FOR_KEYFRAME:
      g_value_set_boolean(value, priv->core.wait_for_keyframe());
      break;
    case PROP_REQUEST_KEYFRAME:
      g_value_set_boolean(value, priv->core.request_keyframe());
      break;
    default:
      get_format_property(object, *priv->format, PROP_FORMAT_FIRST, id, value, pspec);
  }
}

void depay_finalize(GObject* object) {
  auto* self = reinterpret_cast<GstRtp2Depay*>(object);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(gst_rtp2_depay_parent_class)->finalize(object);
}

// Class and instance setup of one concrete element; class_data is its descriptor.
void subclass_class_init(gpointer klass, gpointer class_data) {
  auto* descriptor = static_cast<const DepayDescriptor*>(class_data);
  reinterpret_cast<GstRtp2DepayClass*>(klass)->descriptor = descriptor;
  set_element_class(GST_ELEMENT_CLASS(klass), descriptor->long_name, "Codec/Depayloader/Network/RTP",
                    descriptor->description, descriptor->sink_caps, descriptor->src_caps);
  // GObject does not inherit set_property/get_property: each class that installs properties sets them.
  G_OBJECT_CLASS(klass)->set_property = depay_set_property;
  G_OBJECT_CLASS(klass)->get_property = depay_get_property;
  if (descriptor->install_properties)
    descriptor->install_properties(G_OBJECT_CLASS(klass), PROP_FORMAT_FIRST);
}

void subclass_instance_init(GTypeInstance* instance, gpointer klass) {
  auto* self = reinterpret_cast<GstRtp2Depay*>(instance);
  const DepayDescriptor* descriptor = reinterpret_cast<GstRtp2DepayClass*>(klass)->descriptor;
  DepayContext context{GST_ELEMENT(self), descriptor->category};
  self->priv = new DepayPrivate(self, descriptor->create(context));
}

}  // namespace

bool register_depayloader(GstPlugin* plugin, DepayDescriptor& descriptor) {
  const ElementTypeInfo info{gst_rtp2_depay_get_type(), descriptor.type_name, descriptor.element_name,
                             sizeof(GstRtp2DepayClass), sizeof(GstRtp2Depay), subclass_class_init,
                             subclass_instance_init,    &descriptor};
  return register_element_type(plugin, info, descriptor.long_name, descriptor.category);
}

}  // namespace rtsp2::rtp

static void gst_rtp2_depay_class_init(GstRtp2DepayClass* klass) {
  using namespace rtsp2::rtp;
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  object_class->set_property = depay_set_property;
  object_class->get_property = depay_get_property;
  object_class->finalize = depay_finalize;

  g_object_class_install_property(
      object_class, PROP_WAIT_FOR_KEYFRAME,
      g_param_spec_boolean("wait-for-keyframe", "Wait for keyframe",
                           "After packet loss (and at start), drop output until the next keyframe", FALSE,
                           GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      object_class, PROP_REQUEST_KEYFRAME,
      g_param_spec_boolean("request-keyframe", "Request keyframe",
                           "On packet loss, send an upstream force-key-unit event (RTCP PLI/FIR in rtpbin)",
                           FALSE, GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));

  GST_ELEMENT_CLASS(klass)->change_state = depay_change_state;
  GstRTPBaseDepayloadClass* depay_class = GST_RTP_BASE_DEPAYLOAD_CLASS(klass);
  depay_class->set_caps = depay_set_caps;
  depay_class->process_rtp_packet = depay_process;
  depay_class->packet_lost = depay_packet_lost;
  depay_class->handle_event = depay_handle_event;
  gst_type_mark_as_plugin_api(gst_rtp2_depay_get_type(), GstPluginAPIFlags(0));
}

static void gst_rtp2_depay_init(GstRtp2Depay* self) {
  self->priv = nullptr;
}
