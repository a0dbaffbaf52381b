// Our messages as GstRTSPMessage, for rtspsrc's before-send and handle-request signals: the application sees
// and edits them as rtspsrc's handlers expect, and its changes (URI or status, headers, body) come back.
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

// The same for a response: status, reason, headers and body there and back.
RtspMessagePtr to_rtsp_message(const core::Response& r);
bool from_rtsp_message(GstRTSPMessage* message, core::Response& r);

}  // namespace rtsp2
