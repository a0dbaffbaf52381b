// The RTP fixed header (RFC 3550 §5.1), read straight from the bytes. The receive path parses every packet
// here instead of through GstRTPBuffer because gst_rtp_buffer_map() needs a GstBuffer, and wrapping each
// datagram in one would cost an allocation per packet. The checks are those of gst_rtp_buffer_map() (version
// 2, CSRC list, extension and padding inside the packet, payload types 200-204 are RTCP) plus one stricter
// rule: a padding count of 0 is rejected, since RFC 3550 counts the count octet itself. The fuzz target
// compares both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rtsp2::core {

enum class RtpParseError {
  TooShort,           // fewer than 12 bytes
  BadVersion,         // version != 2
  RtcpPayloadType,    // PT 200-204 with the marker bit: an RTCP packet on the RTP port
  CsrcOverflow,       // CSRC count beyond the packet
  ExtensionOverflow,  // extension header or its length beyond the packet
  BadPadding,         // padding count 0, or beyond the payload
};
std::string_view to_string(RtpParseError e);

struct RtpHeader {
  std::uint8_t payload_type = 0;
  bool marker = false;
  std::uint16_t seq = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::uint8_t csrc_count = 0;
  std::size_t header_size = 0;   // fixed header + CSRCs + extension
  std::size_t payload_size = 0;  // without padding
  std::size_t padding = 0;
};

struct RtpParseResult {
  std::optional<RtpHeader> header;
  RtpParseError error = RtpParseError::TooShort;  // meaningful when !header
};

RtpParseResult parse_rtp_header(std::span<const std::uint8_t> bytes);

}  // namespace rtsp2::core
