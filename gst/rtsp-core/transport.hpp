// The Transport header (RFC 2326 §12.39).
//
//   Transport: RTP/AVP;unicast;client_port=5000-5001,RTP/AVP/TCP;unicast;interleaved=0-1
//              └──────────── alternative 1 ─────────┘ └──────────── alternative 2 ────────┘
//
// A client's request may list several comma-separated alternatives in order of preference; a server's
// response names the one it chose. Unknown parameters are kept (in `extra`) and written back unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rtsp2::core {

enum class LowerTransport { Udp, Tcp };
enum class TransportProfile { Avp, Savp, Avpf, Savpf };
enum class TransportMode { Play, Record };

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  // equals first when a single port was given
  bool operator==(const PortRange&) const = default;
};

struct TransportSpec {
  TransportProfile profile = TransportProfile::Avp;
  LowerTransport lower = LowerTransport::Udp;  // "RTP/AVP" alone means UDP
  bool explicit_lower = false;                 // "RTP/AVP/UDP" written out
  bool multicast = false;                      // "multicast" vs "unicast" (unicast is the default)
  std::optional<std::string> destination;
  std::optional<std::string> source;
  std::optional<PortRange> client_port;
  std::optional<PortRange> server_port;
  std::optional<PortRange> port;         // multicast port pair
  std::optional<PortRange> interleaved;  // channel pair, 0..255
  std::optional<std::uint8_t> ttl;
  std::optional<std::uint32_t> ssrc;  // hex on the wire
  std::optional<TransportMode> mode;  // PLAY / RECORD, case-insensitive, quotes tolerated
  bool append = false;
  std::vector<std::pair<std::string, std::string>> extra;  // unknown parameters, value may be empty

  bool operator==(const TransportSpec&) const = default;
};

// Parses one header value that may hold several alternatives. nullopt when any alternative is malformed
// (unknown protocol, port out of range, reversed range, interleaved channel > 255, bad ttl/ssrc...).
std::optional<std::vector<TransportSpec>> parse_transports(std::string_view header_value);

// Writes one alternative, e.g. "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record". Mode is written in the case
// given by `mode_upper` (FFmpeg's listen mode rejects "RECORD", gst-rtsp-server accepts both).
std::string to_string(const TransportSpec& t, bool mode_upper = false);
// Writes several alternatives joined with ','.
std::string to_string(const std::vector<TransportSpec>& ts, bool mode_upper = false);

}  // namespace rtsp2::core
