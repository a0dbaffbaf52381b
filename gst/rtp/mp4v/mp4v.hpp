// rtpmp4vpay2/rtpmp4vdepay2: MPEG-4 Visual elementary streams (RFC 6416 MP4V-ES).
#pragma once

#include "../base/depay_element.hpp"
#include "../base/pay_element.hpp"

namespace rtsp2::rtp::mp4v {

extern PayDescriptor pay_descriptor;
extern DepayDescriptor depay_descriptor;

}  // namespace rtsp2::rtp::mp4v
