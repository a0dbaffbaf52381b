#include "rtp_seq.hpp"

#include <algorithm>
#include <cstdlib>

namespace rtsp2::core {

void SeqTracker::init(std::uint16_t seq) {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kRtpSeqMod + 1;
  cycles_ = 0;
  received_ = 1;  // `seq` itself
  received_prior_ = 0;
  expected_prior_ = 0;
}

SeqTracker::Result SeqTracker::update(std::uint16_t seq) {
  const std::uint16_t udelta = static_cast<std::uint16_t>(seq - max_seq_);
  Result result = Result::Valid;
  if (udelta < kMaxDropout) {
    if (seq < max_seq_) cycles_ += kRtpSeqMod;  // wrapped
    max_seq_ = seq;
  } else if (udelta <= kRtpSeqMod - kMaxMisorder) {
    if (seq != bad_seq_) {
      bad_seq_ = (std::uint32_t{seq} + 1) & (kRtpSeqMod - 1);
      return Result::BigJump;
    }
    // Two sequential packets after a jump: the sender restarted. Count from the jumping packet.
    init(static_cast<std::uint16_t>(seq - 1));
    max_seq_ = seq;
    if (seq == 0) cycles_ = kRtpSeqMod;
    result = Result::Restart;
  }
  // else: a duplicate or a reordered packet from before max_seq_; A.1 counts it as received.
  received_++;
  return result;
}

std::int64_t SeqTracker::expected() const {
  return static_cast<std::int64_t>(extended_max()) - static_cast<std::int64_t>(base_seq_) + 1;
}

std::int32_t SeqTracker::cumulative_lost() const {
  const std::int64_t lost = expected() - static_cast<std::int64_t>(received_);
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(lost, -0x800000, 0x7fffff));
}

ReportBlockValues SeqTracker::report() {
  ReportBlockValues v;
  const std::int64_t expected_now = expected();
  const std::int64_t expected_interval = expected_now - expected_prior_;
  const std::int64_t received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  expected_prior_ = expected_now;
  received_prior_ = received_;
  const std::int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval > 0 && lost_interval > 0)
    v.fraction_lost =
        static_cast<std::uint8_t>(std::min<std::int64_t>((lost_interval << 8) / expected_interval, 255));
  v.cumulative_lost = cumulative_lost();
  v.extended_highest_seq = extended_max();
  return v;
}

void JitterEstimator::update(std::uint32_t rtp_timestamp, std::uint64_t arrival) {
  const std::uint32_t transit = static_cast<std::uint32_t>(arrival) - rtp_timestamp;
  if (have_transit_) {
    const std::int64_t d = std::llabs(static_cast<std::int32_t>(transit - transit_));
    // J += (|D| - J) / 16, kept scaled by 16 with rounding, as in A.8.
    scaled_ = scaled_ + static_cast<std::uint64_t>(d) - ((scaled_ + 8) >> 4);
  }
  transit_ = transit;
  have_transit_ = true;
}

std::uint32_t JitterEstimator::jitter() const {
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(scaled_ >> 4, UINT32_MAX));
}

std::int64_t extend_timestamp(std::uint32_t ts, std::int64_t reference) {
  const auto diff = static_cast<std::int32_t>(ts - static_cast<std::uint32_t>(reference));
  return reference + diff;
}

}  // namespace rtsp2::core
