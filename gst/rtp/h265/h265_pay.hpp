// rtph265pay2: RFC 7798 H.265 payloader (single NAL, AP, FU; no DON: sprop-max-don-diff 0).
#pragma once

#include "../base/pay_element.hpp"

namespace rtsp2::rtp::h265 {

extern PayDescriptor pay_descriptor;

}  // namespace rtsp2::rtp::h265
