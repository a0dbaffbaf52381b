#include "rtp_clock.hpp"

#include <algorithm>

namespace rtsp2::core {

namespace {
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// About 146 years: saturating here keeps every later sum far from int64 overflow.
constexpr std::int64_t kMaxSeconds = std::int64_t{1} << 32;
}  // namespace

RtpClockMapper::RtpClockMapper(std::uint32_t clock_rate, Nanos resync_threshold)
    : clock_rate_(clock_rate), resync_threshold_(resync_threshold.count()) {}

void RtpClockMapper::reset() {
  anchored_ = false;
  have_prev_ = false;
  skew_ = 0;
  blocks_done_ = 0;
}

RtpClockMapper::Nanos RtpClockMapper::ticks_to_ns(std::int64_t ticks) const {
  if (clock_rate_ == 0) return Nanos(0);
  const std::int64_t q = ticks / clock_rate_;
  const std::int64_t r = ticks % clock_rate_;
  if (q > kMaxSeconds) return Nanos(kMaxSeconds * kNsPerSecond);
  if (q < -kMaxSeconds) return Nanos(-kMaxSeconds * kNsPerSecond);
  return Nanos(q * kNsPerSecond + r * kNsPerSecond / clock_rate_);
}

void RtpClockMapper::anchor(std::int64_t ext_ts, Instant arrival) {
  anchored_ = true;
  anchor_arrival_ = arrival;
  anchor_ts_ = ext_ts;
  skew_ = 0;
  block_start_ = arrival;
  block_min_ = 0;
  blocks_done_ = 0;
  have_prev_ = true;
  prev_ts_ = ext_ts;
  prev_pts_ = arrival;
}

std::int64_t RtpClockMapper::window_min() const {
  std::int64_t m = block_min_;
  for (std::size_t i = 0; i < std::min(blocks_done_, kBlocks); i++) m = std::min(m, history_[i]);
  return m;
}

RtpClockMapper::Instant RtpClockMapper::map(std::int64_t ext_ts, Instant arrival) {
  if (clock_rate_ == 0) return arrival;
  if (!anchored_) {
    anchor(ext_ts, arrival);
    return arrival;
  }
  const std::int64_t send = ticks_to_ns(ext_ts - anchor_ts_).count();
  const std::int64_t recv = std::chrono::duration_cast<Nanos>(arrival - anchor_arrival_).count();
  const std::int64_t delta = recv - send;
  if (delta - skew_ > resync_threshold_ || skew_ - delta > resync_threshold_) {
    resyncs_++;
    anchor(ext_ts, arrival);
    return arrival;
  }
  if (arrival - block_start_ >= kBlock) {
    history_[blocks_done_ % kBlocks] = block_min_;
    blocks_done_++;
    block_start_ = arrival;
    block_min_ = delta;
    if (blocks_done_ >= kBlocks) skew_ += (window_min() - skew_) / 8;
  } else {
    block_min_ = std::min(block_min_, delta);
  }
  if (blocks_done_ < kBlocks) skew_ = window_min();

  Instant pts = anchor_arrival_ + Nanos(send + skew_);
  if (have_prev_) {
    // A later timestamp gets a strictly later pts (when skew steps down, time stands almost still until the
    // mapping catches up: two audio frames never share a pts); an earlier one (B-frames) never a later pts.
    if (ext_ts > prev_ts_ && pts <= prev_pts_) {
      pts = prev_pts_ + Nanos(1);
    } else if ((ext_ts < prev_ts_ && pts > prev_pts_) || ext_ts == prev_ts_) {
      pts = prev_pts_;
    }
  }
  have_prev_ = true;
  prev_ts_ = ext_ts;
  prev_pts_ = pts;
  return pts;
}

RtpClockMapper::Instant RtpClockMapper::instant_of(std::int64_t ext_ts) const {
  if (clock_rate_ == 0 || !anchored_) return anchor_arrival_;
  return anchor_arrival_ + Nanos(ticks_to_ns(ext_ts - anchor_ts_).count() + skew_);
}

}  // namespace rtsp2::core
