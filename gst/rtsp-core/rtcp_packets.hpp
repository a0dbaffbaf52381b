// The RTCP a receiver needs (RFC 3550 §6): reading SR, SDES CNAME and BYE out of a compound packet, writing
// RR + SDES (+ BYE) compound packets, the report interval, and SR-based inter-stream sync.
//
// Compound structure (version, lengths adding up to the datagram, padding only at the end) is checked with
// gst_rtcp_buffer_validate_data_reduced() and packets are walked with GstRTCPBuffer. The inside of each
// packet the receiver reads is checked here before it is read: an SR must hold its sender info, a BYE its
// SSRC list, and every SDES chunk and item must end inside its packet (GStreamer's own SDES walk does not
// report a truncated item). Any violation rejects the whole compound packet, so a bad one changes nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gst/rtp/gstrtcpbuffer.h>

#include "rtp_seq.hpp"

namespace rtsp2::core {

struct SenderReport {
  std::uint32_t ssrc = 0;
  std::uint64_t ntp = 0;  // NTP timestamp, 32.32 fixed point seconds since 1900
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;
};

struct SdesCname {
  std::uint32_t ssrc = 0;
  std::string cname;
};

// What a receiver uses from one compound packet, in packet order per kind.
struct RtcpCompound {
  std::vector<SenderReport> sender_reports;
  std::vector<SdesCname> cnames;
  std::vector<std::uint32_t> bye_ssrcs;
};

enum class RtcpParseError {
  BadCompound,    // version, lengths or padding of the compound packet
  TruncatedSr,    // SR shorter than its sender info
  TruncatedSdes,  // an SDES chunk or item runs past its packet, or fewer chunks than counted
  TruncatedBye,   // BYE SSRC count beyond its packet
};
std::string_view to_string(RtcpParseError e);

struct RtcpParseResult {
  std::optional<RtcpCompound> compound;
  RtcpParseError error = RtcpParseError::BadCompound;  // meaningful when !compound
};

RtcpParseResult parse_rtcp(std::span<const std::uint8_t> bytes);

// One report block of an RR, RFC 3550 §6.4.1.
struct ReportBlock {
  std::uint32_t ssrc = 0;
  ReportBlockValues values;
  std::uint32_t jitter = 0;
  std::uint32_t lsr = 0;   // middle 32 bits of the last SR's NTP timestamp, 0 without SR
  std::uint32_t dlsr = 0;  // delay since that SR in 1/65536 s
};

// An SDES item after the CNAME (RFC 3550 §6.5: NAME 2, EMAIL 3, PHONE 4, LOC 5, TOOL 6, NOTE 7).
struct SdesItem {
  std::uint8_t type = 0;
  std::string value;
};

// The sdes property of rtspsrc2 / rtspsink2 (a GstStructure with rtpbin's field names): `cname` ("" when
// absent) and the other items in SDES type order (name, email, phone, location, tool, note).
struct SdesSettings {
  std::string cname;
  std::vector<SdesItem> items;
};
SdesSettings read_sdes_structure(const GstStructure* sdes);

// RTCP compound packets stay within kMaxRtcpSize (an MTU, as rtpsession): a report (SR or RR with one block),
// the SDES chunk with its CNAME and a BYE take at most kRtcpBaseSize; further SDES items that would not fit
// are left out.
inline constexpr unsigned kMaxRtcpSize = 1400;
inline constexpr unsigned kRtcpBaseSize = 512;
// The buffer to give gst_rtcp_buffer_new() for a report with `items`.
unsigned sdes_buffer_size(std::span<const SdesItem> items);
// Adds the SDES packet of `ssrc`: CNAME (cut at 255 bytes), then the items of types 2..8 that fit. False
// when not even the CNAME fit.
bool add_sdes_chunk(GstRTCPBuffer* rtcp, std::uint32_t ssrc, std::string_view cname,
                    std::span<const SdesItem> items);

// RR (with `block` if any) + SDES CNAME and `items`, then BYE of `ssrc` when `bye`. Values are cut at 255
// bytes; items of type 0 (END) or 1 (CNAME) are skipped.
std::vector<std::uint8_t> build_receiver_report(std::uint32_t ssrc, const std::optional<ReportBlock>& block,
                                                std::string_view cname, bool bye,
                                                std::span<const SdesItem> items = {});

// RFC 3550 §6.3.1 / A.7 without the random factor: max(min_interval, avg_rtcp_size * n / rtcp_bandwidth),
// n and the bandwidth share chosen by the sender ratio. The first report halves the minimum (§6.2).
struct RtcpIntervalInput {
  int members = 2;  // us and the sender
  int senders = 1;
  bool we_sent = false;
  double rtcp_bandwidth = 0;  // bytes/s for RTCP (5 % of the session bandwidth); 0: only the minimum counts
  double avg_rtcp_size = 0;   // bytes, including UDP/IP overhead
  bool initial = false;
  std::chrono::nanoseconds min_interval = std::chrono::seconds(5);
};
std::chrono::nanoseconds rtcp_deterministic_interval(const RtcpIntervalInput& in);
// The deterministic interval times a factor uniformly in [0.5, 1.5) for `random01` in [0, 1). RFC 3550 also
// divides by e - 3/2 to make up for timer reconsideration, which a unicast receiver does not do: it is left
// out.
std::chrono::nanoseconds randomize_interval(std::chrono::nanoseconds t, double random01);

// NTP helpers: a - b in nanoseconds (wrap-safe for values less than 68 years apart); the LSR field.
std::int64_t ntp_diff_ns(std::uint64_t a, std::uint64_t b);
inline std::uint32_t ntp_middle32(std::uint64_t ntp) {
  return static_cast<std::uint32_t>(ntp >> 16);
}
std::uint32_t to_dlsr(std::chrono::nanoseconds d);

// A sender report as one stream's receiver saw it: `pts` is where the SR's RTP timestamp falls on that
// stream's output timeline (with the mapping and skew at the time the SR arrived).
struct ReceivedSenderReport {
  SenderReport report;
  std::chrono::steady_clock::time_point arrival{};
  std::optional<std::chrono::nanoseconds> pts;
};

// What to add to the pts of stream `other` so that it plays in sync with stream `reference`: both SRs state
// which RTP instant was which NTP (wallclock) instant at the sender. Nullopt until both are mapped.
std::optional<std::chrono::nanoseconds> sync_offset(const ReceivedSenderReport& reference,
                                                    const ReceivedSenderReport& other);

}  // namespace rtsp2::core
