// rtph264pay2: RFC 6184 H.264 payloader, packetization-mode=1 (single NAL, STAP-A, FU-A).
#pragma once

#include <memory>

#include "../base/pay_element.hpp"

namespace rtsp2::rtp::h264 {

extern PayDescriptor pay_descriptor;
std::unique_ptr<PayFormat> make_pay(const PayContext& context);

}  // namespace rtsp2::rtp::h264
