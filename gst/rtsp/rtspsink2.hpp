// rtspsink2: publishes a pipeline's streams to an RTSP server with ANNOUNCE / SETUP (mode=record) / RECORD.
// A GstBin with request pads sink_%u (GstRtspSink2Pad) taking application/x-rtp or encoded media, for which
// it plugs a payloader.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_RTSP_SINK2 (gst_rtsp_sink2_get_type())
G_DECLARE_FINAL_TYPE(GstRtspSink2, gst_rtsp_sink2, GST, RTSP_SINK2, GstBin)

// The request pads: a ghost pad with a `payloader` property (element factory name; empty = automatic).
#define GST_TYPE_RTSP_SINK2_PAD (gst_rtsp_sink2_pad_get_type())
G_DECLARE_FINAL_TYPE(GstRtspSink2Pad, gst_rtsp_sink2_pad, GST, RTSP_SINK2_PAD, GstGhostPad)

GST_ELEMENT_REGISTER_DECLARE(rtspsink2);

G_END_DECLS
