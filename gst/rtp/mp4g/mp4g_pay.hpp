// rtpmp4gpay2: RFC 3640 mpeg4-generic AAC-hbr payloader: several AUs per packet up to max-ptime and
// the MTU, fragmentation of AUs larger than a packet.
#pragma once

#include <memory>

#include "../base/pay_element.hpp"

namespace rtsp2::rtp::mp4g {

extern PayDescriptor pay_descriptor;
std::unique_ptr<PayFormat> make_pay(const PayContext& context);

}  // namespace rtsp2::rtp::mp4g
