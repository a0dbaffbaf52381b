// rtspsrc2: the RTSP PLAY client source (a GstBin with sometimes pads stream_%u of application/x-rtp).
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_RTSP_SRC2 (gst_rtsp_src2_get_type())
G_DECLARE_FINAL_TYPE(GstRtspSrc2, gst_rtsp_src2, GST, RTSP_SRC2, GstBin)

GST_ELEMENT_REGISTER_DECLARE(rtspsrc2);

G_END_DECLS
