// rtpjpegpay2/rtpjpegdepay2: baseline JPEG (RFC 2435), quantization tables in-band (Q 255) or from Q,
// restart markers.
#pragma once

#include "../base/depay_element.hpp"
#include "../base/pay_element.hpp"

namespace rtsp2::rtp::jpeg {

extern PayDescriptor pay_descriptor;
extern DepayDescriptor depay_descriptor;

}  // namespace rtsp2::rtp::jpeg
