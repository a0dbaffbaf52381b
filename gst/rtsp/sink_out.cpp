#include "sink_out.hpp"

GST_DEBUG_CATEGORY_EXTERN(rtspsink2_debug);
#define GST_CAT_DEFAULT rtspsink2_debug

using rtsp2::sink::SinkStream;

struct _GstRtspSink2Out {
  GstBaseSink parent;
  std::shared_ptr<SinkStream>* stream;  // heap: C++ state stays out of the GObject struct
};

G_DEFINE_FINAL_TYPE(GstRtspSink2Out, gst_rtsp_sink2_out, GST_TYPE_BASE_SINK)

namespace {

GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-rtp"));

SinkStream& stream_of(GstBaseSink* sink) {
  return **GST_RTSP_SINK2_OUT(sink)->stream;
}

gboolean out_set_caps(GstBaseSink* sink, GstCaps* caps) {
  if (gst_caps_get_size(caps) < 1) return FALSE;
  stream_of(sink).set_caps(caps);
  return TRUE;
}

// A wait for room interrupted by a state change to PAUSED resumes once PLAYING again; a real flush ends it.
GstFlowReturn finish_push(GstBaseSink* sink, GstFlowReturn ret) {
  while (ret == GST_FLOW_FLUSHING) {
    ret = gst_base_sink_wait_preroll(sink);
    if (ret != GST_FLOW_OK) return ret;
    ret = stream_of(sink).resume();
  }
  return ret;
}

// Every pad's first buffer makes the SDP possible; waiting for PLAYING would deadlock a pipeline whose other
// sinks cannot preroll until this one's session runs.
GstFlowReturn out_preroll(GstBaseSink* sink, GstBuffer*) {
  stream_of(sink).mark_ready();
  return GST_FLOW_OK;
}

GstFlowReturn out_render(GstBaseSink* sink, GstBuffer* buffer) {
  return finish_push(sink, stream_of(sink).push(buffer));
}

GstFlowReturn out_render_list(GstBaseSink* sink, GstBufferList* list) {
  const guint n = gst_buffer_list_length(list);
  for (guint i = 0; i < n; ++i) {
    GstFlowReturn ret = finish_push(sink, stream_of(sink).push(gst_buffer_list_get(list, i)));
    if (ret != GST_FLOW_OK) return ret;
  }
  return GST_FLOW_OK;
}

gboolean out_event(GstBaseSink* sink, GstEvent* event) {
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_EOS: {
      SinkStream& s = stream_of(sink);
      s.end_of_stream();
      GST_DEBUG_OBJECT(sink, "EOS: waiting until everything is sent and the session is torn down");
      if (!s.wait_finished()) GST_DEBUG_OBJECT(sink, "EOS wait interrupted");
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      stream_of(sink).reset();
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS(gst_rtsp_sink2_out_parent_class)->event(sink, event);
}

gboolean out_unlock(GstBaseSink* sink) {
  stream_of(sink).set_flushing(true);
  return TRUE;
}

gboolean out_unlock_stop(GstBaseSink* sink) {
  stream_of(sink).set_flushing(false);
  return TRUE;
}

void out_finalize(GObject* object) {
  delete GST_RTSP_SINK2_OUT(object)->stream;
  G_OBJECT_CLASS(gst_rtsp_sink2_out_parent_class)->finalize(object);
}

}  // namespace

static void gst_rtsp_sink2_out_class_init(GstRtspSink2OutClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  auto* sink_class = GST_BASE_SINK_CLASS(klass);
  gobject_class->finalize = out_finalize;
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_set_static_metadata(element_class, "rtspsink2 stream output", "Sink/Network",
                                        "Internal: hands one stream's RTP packets to rtspsink2's worker",
                                        "rtsp2 project");
  sink_class->set_caps = out_set_caps;
  sink_class->preroll = out_preroll;
  sink_class->render = out_render;
  sink_class->render_list = out_render_list;
  sink_class->event = out_event;
  sink_class->unlock = out_unlock;
  sink_class->unlock_stop = out_unlock_stop;
}

static void gst_rtsp_sink2_out_init(GstRtspSink2Out* self) {
  self->stream = new std::shared_ptr<SinkStream>();
  gst_base_sink_set_sync(GST_BASE_SINK(self), TRUE);
  gst_base_sink_set_qos_enabled(GST_BASE_SINK(self), FALSE);
  gst_base_sink_set_max_lateness(GST_BASE_SINK(self), -1);
}

namespace rtsp2::sink {
GstElement* make_out_sink(std::shared_ptr<SinkStream> stream, const char* name) {
  auto* self = GST_RTSP_SINK2_OUT(g_object_new(GST_TYPE_RTSP_SINK2_OUT, "name", name, nullptr));
  *self->stream = std::move(stream);
  return GST_ELEMENT(self);
}
}  // namespace rtsp2::sink
