// The element at the end of each of rtspsink2's streams (inside the bin, after the payloader): a GstBaseSink
// that hands RTP packets to its SinkStream. Being a real sink gives the bin preroll, clock sync (packets
// leave at their running time, as a live publisher should), the bin's EOS aggregation and the unlock protocol
// for state changes. Not registered as a factory: rtspsink2 makes it with g_object_new.
//
// EOS is held back in the sink until the worker has written everything queued and torn the session down, so
// the pipeline's EOS message means "all of it reached the server".
#pragma once

#include <memory>

#include <gst/base/gstbasesink.h>

#include "sink_stream.hpp"

G_BEGIN_DECLS
#define GST_TYPE_RTSP_SINK2_OUT (gst_rtsp_sink2_out_get_type())
G_DECLARE_FINAL_TYPE(GstRtspSink2Out, gst_rtsp_sink2_out, GST, RTSP_SINK2_OUT, GstBaseSink)
G_END_DECLS

namespace rtsp2::sink {
// A new floating sink feeding `stream`.
GstElement* make_out_sink(std::shared_ptr<SinkStream> stream, const char* name);
}  // namespace rtsp2::sink
