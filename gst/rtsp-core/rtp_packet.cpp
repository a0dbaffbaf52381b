#include "rtp_packet.hpp"

namespace rtsp2::core {

std::string_view to_string(RtpParseError e) {
  switch (e) {
    case RtpParseError::TooShort:
      return "shorter than the RTP header";
    case RtpParseError::BadVersion:
      return "RTP version is not 2";
    case RtpParseError::RtcpPayloadType:
      return "RTCP payload type on the RTP path";
    case RtpParseError::CsrcOverflow:
      return "CSRC list beyond the packet";
    case RtpParseError::ExtensionOverflow:
      return "header extension beyond the packet";
    case RtpParseError::BadPadding:
      return "bad padding length";
  }
  return "unknown";
}

namespace {

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

RtpParseResult failed(RtpParseError e) {
  return {std::nullopt, e};
}

}  // namespace

RtpParseResult parse_rtp_header(std::span<const std::uint8_t> bytes) {
  const std::size_t size = bytes.size();
  if (size < 12) return failed(RtpParseError::TooShort);
  const std::uint8_t* d = bytes.data();
  if ((d[0] >> 6) != 2) return failed(RtpParseError::BadVersion);
  if (d[1] >= 200 && d[1] <= 204) return failed(RtpParseError::RtcpPayloadType);
  RtpHeader h;
  h.csrc_count = d[0] & 0x0f;
  h.marker = (d[1] & 0x80) != 0;
  h.payload_type = d[1] & 0x7f;
  h.seq = be16(d + 2);
  h.timestamp = be32(d + 4);
  h.ssrc = be32(d + 8);
  std::size_t header = 12 + std::size_t{h.csrc_count} * 4;
  if (header > size) return failed(RtpParseError::CsrcOverflow);
  if (d[0] & 0x10) {
    if (header + 4 > size) return failed(RtpParseError::ExtensionOverflow);
    std::size_t ext = 4 + std::size_t{be16(d + header + 2)} * 4;
    if (header + ext > size) return failed(RtpParseError::ExtensionOverflow);
    header += ext;
  }
  std::size_t padding = 0;
  if (d[0] & 0x20) {
    padding = d[size - 1];
    if (padding == 0 || header + padding > size) return failed(RtpParseError::BadPadding);
  }
  h.header_size = header;
  h.padding = padding;
  h.payload_size = size - header - padding;
  return {h, RtpParseError::TooShort};
}

}  // namespace rtsp2::core
