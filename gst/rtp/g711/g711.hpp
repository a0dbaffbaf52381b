// rtppcmupay2/rtppcmapay2 and rtppcmudepay2/rtppcmadepay2: G.711 µ-law/A-law audio (RFC 3551).
#pragma once

#include "../base/depay_element.hpp"
#include "../base/pay_element.hpp"

namespace rtsp2::rtp::g711 {

extern PayDescriptor pcmu_pay_descriptor;
extern PayDescriptor pcma_pay_descriptor;
extern DepayDescriptor pcmu_depay_descriptor;
extern DepayDescriptor pcma_depay_descriptor;

}  // namespace rtsp2::rtp::g711
