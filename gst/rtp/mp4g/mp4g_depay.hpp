// rtpmp4gdepay2: RFC 3640 mpeg4-generic audio (AAC-hbr, AAC-lbr, generic AU-header layouts)
// depayloader. Interleaved streams are refused with an error.
#pragma once

#include <memory>

#include "../base/depay_element.hpp"

namespace rtsp2::rtp::mp4g {

extern DepayDescriptor depay_descriptor;
std::unique_ptr<DepayFormat> make_depay(const DepayContext& context);

}  // namespace rtsp2::rtp::mp4g
