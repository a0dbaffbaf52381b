// One selected SDP stream of rtspsrc2's controller: its transport and the data held until PLAY's answer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "src_controller.hpp"

namespace rtsp2 {

struct SrcController::Stream {
  enum class Lower { None, Udp, Mcast, Tcp };

  unsigned index = 0;        // SDP media index, also the pad number (stream_%u) and the receive path's stream
  std::size_t position = 0;  // in streams_ (the SETUP list), gives the interleaved channels 2p, 2p+1
  core::SdpStream sdp;
  CapsPtr sdp_caps;                // one structure per payload format, as upstream rtspsrc builds them
  std::unique_ptr<UdpPair> udp;    // unicast pair, bound before SETUP so that client_port is real
  std::unique_ptr<UdpPair> mcast;  // joined group, after SETUP named it
  Lower lower = Lower::None;
  std::uint8_t rtp_channel = 0;
  std::uint8_t rtcp_channel = 1;
  std::optional<std::uint32_t> ssrc;
  // Data flows once the caps for the current PLAY (RTP-Info, range) are out; until then it is held, bounded.
  bool ready = false;
  std::optional<std::uint16_t> seqnum_base;
  BufferListPtr held_rtp;
  BufferListPtr held_rtcp;
  // Interleaved frames of one read, delivered together (flush_interleaved).
  BufferListPtr tcp_rtp;
  BufferListPtr tcp_rtcp;
};

const char* lower_name(SrcController::Stream::Lower l);

}  // namespace rtsp2
