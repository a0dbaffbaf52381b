// RTP time -> presentation time for one source, with the sender/receiver clock skew estimated.
//
// The first packet anchors the mapping: its RTP timestamp maps to its arrival. After that
//   pts = anchor_arrival + (ext_rtp - ext_rtp_anchor) / clock_rate + skew
// where skew follows delta = (arrival - anchor_arrival) - (ext_rtp - ext_rtp_anchor) / clock_rate, the
// transit time of each packet relative to the first one.
//
// Skew estimate (the same idea as rtpjitterbuffer's calculate_skew): the minimum of delta over a sliding
// window of 2 s is the transit of the least-delayed recent packets, which moves only with clock drift, not
// with jitter. The window is 8 blocks of 250 ms of arrival time (a constant-memory sliding minimum,
// independent of the packet rate). While the first window fills, skew is the window minimum itself, so that a
// late first packet is corrected within 2 s; afterwards skew moves 1/8 of the way to the window minimum at
// each block, so that pts changes smoothly. A packet whose delta differs from skew by more than the resync
// threshold (a timestamp jump forwards or backwards, or a sender restart) re-anchors the mapping at that
// packet.
//
// As in rtpjitterbuffer, pts does not go against the direction of the RTP timestamps: a packet whose
// timestamp is later than the previous one's never gets an earlier pts, packets with equal timestamps get
// equal pts, and a packet whose timestamp is earlier (B-frames) never gets a later pts.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

namespace rtsp2::core {

class RtpClockMapper {
 public:
  using Instant = std::chrono::steady_clock::time_point;
  using Nanos = std::chrono::nanoseconds;

  static constexpr Nanos kBlock = std::chrono::milliseconds(250);
  static constexpr std::size_t kBlocks = 8;

  // clock_rate 0: the rate is unknown and pts is the arrival time.
  RtpClockMapper(std::uint32_t clock_rate, Nanos resync_threshold);

  void reset();
  bool anchored() const { return anchored_; }
  // Maps a packet (in arrival order) to its presentation instant and learns from it.
  Instant map(std::int64_t ext_ts, Instant arrival);
  // Where `ext_ts` maps with the current estimate, learning nothing (for sender reports). Needs anchored().
  Instant instant_of(std::int64_t ext_ts) const;
  Nanos skew() const { return Nanos(skew_); }
  std::uint64_t resyncs() const { return resyncs_; }
  // RTP ticks to nanoseconds, saturating far beyond any real duration.
  Nanos ticks_to_ns(std::int64_t ticks) const;

 private:
  void anchor(std::int64_t ext_ts, Instant arrival);
  std::int64_t window_min() const;

  std::uint32_t clock_rate_;
  std::int64_t resync_threshold_;
  bool anchored_ = false;
  Instant anchor_arrival_{};
  std::int64_t anchor_ts_ = 0;
  std::int64_t skew_ = 0;  // ns
  Instant block_start_{};
  std::int64_t block_min_ = 0;
  std::array<std::int64_t, kBlocks> history_{};
  std::size_t blocks_done_ = 0;
  bool have_prev_ = false;
  std::int64_t prev_ts_ = 0;
  Instant prev_pts_{};
  std::uint64_t resyncs_ = 0;
};

}  // namespace rtsp2::core
