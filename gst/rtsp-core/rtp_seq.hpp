// Per-source receive statistics of RFC 3550 appendix A: sequence number validation and extension (A.1), the
// report block values (A.3) and the interarrival jitter (A.8).
//
// SeqTracker starts at init() once the source has passed probation (the receiver holds probation packets
// itself, so that they can be output once the source is valid instead of being dropped). A jump of
// MAX_DROPOUT or more that is not a reordered old packet is answered BigJump; if the very next sequence
// number follows the jumping packet, update() answers Restart and the tracker has restarted its counts at the
// jumping packet (A.1 would lose that first packet; the receiver keeps it aside instead).
#pragma once

#include <cstdint>

namespace rtsp2::core {

inline constexpr std::uint32_t kRtpSeqMod = 1u << 16;
inline constexpr std::uint16_t kMaxDropout = 3000;
inline constexpr std::uint16_t kMaxMisorder = 100;

// The values of one RTCP report block about a source, RFC 3550 §6.4.1 and A.3.
struct ReportBlockValues {
  std::uint8_t fraction_lost = 0;    // since the previous report, in 1/256
  std::int32_t cumulative_lost = 0;  // clamped to the signed 24-bit field
  std::uint32_t extended_highest_seq = 0;
};

class SeqTracker {
 public:
  enum class Result { Valid, BigJump, Restart };

  void init(std::uint16_t seq);
  Result update(std::uint16_t seq);

  std::uint16_t max_seq() const { return max_seq_; }
  std::uint32_t extended_max() const { return cycles_ + max_seq_; }
  std::uint64_t received() const { return received_; }
  std::int64_t expected() const;
  // True when packets arrived since the last report() (RFC 3550 §6.4: only those sources get a block).
  bool received_since_report() const { return received_ != received_prior_; }
  // The report block values; moves the "prior" counters so that the next fraction covers the next interval.
  ReportBlockValues report();
  std::int32_t cumulative_lost() const;

 private:
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;  // count of wraps, shifted left 16 as in A.1
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = kRtpSeqMod + 1;  // never matches a 16-bit number
  std::uint64_t received_ = 0;
  std::uint64_t received_prior_ = 0;
  std::int64_t expected_prior_ = 0;
};

// RFC 3550 A.8 in integer form (as in the RFC's sample code): the estimate is kept scaled by 16.
class JitterEstimator {
 public:
  void reset() { *this = JitterEstimator{}; }
  // `arrival` is the arrival time in RTP timestamp units (any fixed origin).
  void update(std::uint32_t rtp_timestamp, std::uint64_t arrival);
  std::uint32_t jitter() const;  // in RTP timestamp units

 private:
  bool have_transit_ = false;
  std::uint32_t transit_ = 0;
  std::uint64_t scaled_ = 0;
};

// The extended (64-bit) value of a 32-bit RTP timestamp closest to `reference`, forwards or backwards.
std::int64_t extend_timestamp(std::uint32_t ts, std::int64_t reference);

}  // namespace rtsp2::core
