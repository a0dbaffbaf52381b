// rtph264depay2: RFC 6184 H.264 depayloader (single NAL, STAP-A/B, FU-A/B; MTAP16/24 refused).
#pragma once

#include <memory>

#include "../base/depay_element.hpp"

namespace rtsp2::rtp::h264 {

extern DepayDescriptor depay_descriptor;
std::unique_ptr<DepayFormat> make_depay(const DepayContext& context);

}  // namespace rtsp2::rtp::h264
