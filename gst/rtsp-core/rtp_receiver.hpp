// The receive side of one RTP stream (one SSRC at a time), sans-I/O: what rtpbin's rtpsession + rtpssrcdemux
// + rtpjitterbuffer do for an RTSP client stream, without sockets, threads, timers or GstElements. The caller
// feeds it packets and the current time and polls what to push, what was lost, what RTCP to send and when to
// call again.
//
//   element (I/O loop)                                    RtpReceiver
//   RTP datagram in GstBuffer* b --handle_rtp(bytes, now, b)-->   header checks, RFC 3550 A.1 validation and
//                                                                 probation, jitter, clock mapping, window
//   RTCP datagram               --handle_rtcp(bytes, now)----->   SR (sync), SDES CNAME, BYE of the source
//   timer                       --handle_timeout(now)--------->   deadline release, RR due
//   then: poll_output()  -> Packet{b, pts, ...}: push | Lost: GstRTPPacketLost event | Sync: A/V offset |
//                           Ended: EOS, in stream order
//         poll_rtcp()    -> RR + SDES bytes for the server's RTCP port (or interleaved channel)
//         poll_timeout() -> when to call handle_timeout() next
//
// Packet ownership: the caller passes an opaque handle with each packet (the GstBuffer* holding the bytes;
// anything, or nullptr, in tests). The receiver reads the bytes only during handle_rtp() and keeps the
// handle, never looking behind it. From that call on it owns the handle and gives it back exactly once: in an
// rtp_out::Packet from poll_output(), or through RtpReceiverConfig::release when it drops the packet
// (malformed, duplicate, late, failed probation, dropped on latency, reset, destruction). So the element
// allocates nothing per packet beyond its pooled buffers.
//
// Release rule of the reorder window: a packet is output as soon as every packet before it is output or
// declared lost. Otherwise it waits until the deadline = arrival of the earliest-arrived packet still held +
// latency; then the lowest held packet is output and the gap before it is declared lost (rtp_out::Lost), and
// the in-order ones behind it follow. When max_held_packets are held, the lowest is output at once
// (drop_on_latency = false) or dropped and declared lost (true). Packets at or below what was already output
// are dropped as duplicates or late.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "rtcp_packets.hpp"

namespace rtsp2::core {

using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;
using Duration = std::chrono::milliseconds;
using PacketHandle = void*;

struct RtpReceiverConfig {
  std::uint32_t clock_rate = 90000;      // from the SDP rtpmap; 0: unknown (pts = arrival, no jitter)
  Duration latency{2000};                // reorder window (rtspsrc's `latency`)
  std::size_t max_held_packets = 16384;  // bound of the window whatever the latency
  bool drop_on_latency = false;          // window full: drop the oldest instead of outputting it early
  unsigned probation = 2;  // RFC 3550 MIN_SEQUENTIAL; 0 or 1: valid at once. The last 32 of the run are held
  Instant time_base{};     // pts are durations since this instant
  std::chrono::nanoseconds resync_threshold = std::chrono::seconds(1);  // timestamp jump -> re-anchor
  std::optional<std::uint32_t> local_ssrc;    // our SSRC in RR/SDES; random when unset
  std::string cname;                          // our SDES CNAME; "rtsp2-<ssrc>" when empty
  std::vector<SdesItem> sdes_items;           // SDES items sent after the CNAME
  bool send_rtcp = true;                      // false: no RR (no RTCP port)
  Duration rtcp_min_interval{5000};           // RFC 3550 §6.2 minimum
  double rtcp_bandwidth = 0;                  // bytes/s for RTCP; 0: only the minimum interval counts
  std::function<double()> random;             // uniform in [0, 1); a seeded std::mt19937 when unset
  std::function<void(PacketHandle)> release;  // called for each non-null handle the receiver drops
};

namespace rtp_out {
struct Packet {
  PacketHandle handle = nullptr;
  // Increases from packet to packet; the low 16 bits are the RTP sequence number. Between two packets of the
  // same sequence the numbers in between were announced by a Lost; across a restart or new SSRC (discont)
  // it jumps.
  std::uint64_t ext_seq = 0;
  std::int64_t ext_timestamp = 0;  // RTP timestamp extended to 64 bits (may go backwards: B-frames)
  std::uint32_t ssrc = 0;
  std::uint32_t timestamp = 0;
  std::uint16_t seq = 0;
  std::uint8_t payload_type = 0;
  bool marker = false;
  bool discont = false;             // first packet, or the first after a loss, a seq restart or a new SSRC
  std::chrono::nanoseconds pts{0};  // presentation time since config.time_base
  Instant arrival{};
};
// Packets that will not come, before the next Packet: what rtpjitterbuffer's GstRTPPacketLost events say.
struct Lost {
  std::uint64_t first_ext_seq = 0;
  std::uint16_t first_seq = 0;
  std::uint32_t count = 0;
  std::chrono::nanoseconds pts{0};       // estimated pts of the first lost packet
  std::chrono::nanoseconds duration{0};  // estimated time all of them cover
};
// A sender report of the current source arrived (or the source it announced became valid).
struct Sync {
  ReceivedSenderReport report;
};
// BYE from the current source: everything it sent was output before this.
struct Ended {
  std::uint32_t ssrc = 0;
};
}  // namespace rtp_out

using RtpOutput = std::variant<rtp_out::Packet, rtp_out::Lost, rtp_out::Sync, rtp_out::Ended>;

enum class RtpVerdict {
  Accepted,   // in the window or already output
  Probation,  // held until its source has sent `probation` sequential packets
  BigJump,    // held aside: a sequence jump, kept if the next packet confirms a restart
  Duplicate,  // dropped
  Late,       // dropped: its place was already output or declared lost
  Invalid,    // dropped: not a well-formed RTP packet
  Ended,      // dropped: its source said BYE
};

struct RtpReceiverStats {
  std::uint64_t packets_received = 0;  // well-formed RTP packets
  std::uint64_t bytes_received = 0;
  std::uint64_t packets_output = 0;
  std::uint64_t packets_lost = 0;       // announced in Lost (including dropped_on_latency)
  std::uint64_t packets_reordered = 0;  // arrived after a higher sequence number, in time
  std::uint64_t duplicates = 0;
  std::uint64_t late = 0;
  std::uint64_t dropped_on_latency = 0;
  std::uint64_t probation_dropped = 0;  // on probation: not followed by the next number, or past the 32 held
  std::uint64_t jump_dropped = 0;       // big sequence jumps not confirmed by the next packet
  std::uint64_t after_bye = 0;
  std::uint64_t invalid_rtp = 0;
  std::uint64_t invalid_rtcp = 0;
  std::uint64_t rtcp_received = 0;
  std::uint64_t rtcp_sent = 0;
  std::uint64_t rtcp_ignored = 0;  // SR/SDES/BYE about another SSRC than the current source
  std::uint64_t ssrc_changes = 0;
  std::uint64_t seq_restarts = 0;
  std::uint64_t clock_resyncs = 0;
  std::uint32_t jitter = 0;  // RFC 3550 A.8, RTP timestamp units
};

class RtpReceiver {
 public:
  RtpReceiver(RtpReceiverConfig config, Instant now);
  ~RtpReceiver();  // drops (releases) every handle it still holds
  RtpReceiver(const RtpReceiver&) = delete;
  RtpReceiver& operator=(const RtpReceiver&) = delete;

  // Time must not go backwards between calls (an earlier `now` is taken as the latest one seen).
  RtpVerdict handle_rtp(std::span<const std::uint8_t> packet, Instant arrival, PacketHandle handle = nullptr);
  bool handle_rtcp(std::span<const std::uint8_t> packet, Instant arrival);  // false: rejected, counted
  void handle_timeout(Instant now);
  // End of stream: output everything held now, the gaps as Lost.
  void drain(Instant now);
  // Flushing seek: drop everything held or queued for output and forget the source (the next one passes
  // probation again). The output ext_seq keeps increasing.
  void reset();
  // Queues RR + SDES + BYE; no RR is scheduled after it.
  void send_bye(Instant now);

  std::optional<RtpOutput> poll_output();
  std::optional<std::vector<std::uint8_t>> poll_rtcp();
  std::optional<Instant> poll_timeout() const;

  const RtpReceiverStats& stats() const;
  std::optional<std::uint32_t> remote_ssrc() const;  // the current (validated) source
  const std::string& remote_cname() const;           // its SDES CNAME, "" until known
  const std::optional<ReceivedSenderReport>& last_sender_report() const;
  std::uint32_t local_ssrc() const;
  std::size_t held_packets() const;  // in the window, on probation and aside after a jump

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rtsp2::core
