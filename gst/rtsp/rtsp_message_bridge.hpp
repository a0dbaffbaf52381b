// Our requests as GstRTSPMessage, for rtspsrc's before-send signal: the application sees and edits the
// request as rtspsrc's handlers expect, and its changes (URI, headers, body) come back.
#pragma once

#include <gst/rtsp/gstrtspmessage.h>

#include "gst_ptr.hpp"
#include "message.hpp"

namespace rtsp2 {

struct RtspMessageRelease {
  void operator()(GstRTSPMessage* m) const { gst_rtsp_message_free(m); }
};
using RtspMessagePtr = std::unique_ptr<GstRTSPMessage, RtspMessageRelease>;

// A new request message with `r`'s method, URI, headers (names as written, in order) and body.
RtspMessagePtr to_rtsp_message(const core::Request& r);
// Takes the message's URI, headers and body into `r` (its method stays). False, with `r` unchanged, when the
// headers do not read back as RTSP headers.
bool from_rtsp_message(GstRTSPMessage* message, core::Request& r);

}  // namespace rtsp2
