// rtph265depay2: RFC 7798 H.265 depayloader (single NAL, AP, FU; DONL/DOND skipped; PACI refused).
#pragma once

#include "../base/depay_element.hpp"

namespace rtsp2::rtp::h265 {

extern DepayDescriptor depay_descriptor;

}  // namespace rtsp2::rtp::h265
