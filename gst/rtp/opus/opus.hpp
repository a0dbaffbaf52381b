// rtpopuspay2/rtpopusdepay2: Opus audio (RFC 7587), one Opus packet per RTP packet.
#pragma once

#include "../base/depay_element.hpp"
#include "../base/pay_element.hpp"

namespace rtsp2::rtp::opus {

extern PayDescriptor pay_descriptor;
extern DepayDescriptor depay_descriptor;

}  // namespace rtsp2::rtp::opus
