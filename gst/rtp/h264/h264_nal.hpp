// H.264 NAL unit helpers shared by the payloader and the depayloader (RFC 6184, ISO 14496-10/-15).
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../base/annexb.hpp"

namespace rtsp2::rtp::h264 {

using Bytes = std::span<const std::uint8_t>;
using ByteVector = std::vector<std::uint8_t>;

enum NalType : std::uint8_t {
  kSlice = 1,
  kIdr = 5,
  kSei = 6,
  kSps = 7,
  kPps = 8,
  kAud = 9,
  kStapA = 24,
  kStapB = 25,
  kMtap16 = 26,
  kMtap24 = 27,
  kFuA = 28,
  kFuB = 29,
};

inline std::uint8_t nal_type(std::uint8_t header) {
  return header & 0x1f;
}
inline bool is_vcl(std::uint8_t type) {
  return type >= 1 && type <= 5;
}

// Parameter-set ids (nullopt when the NAL is too short to hold one).
std::optional<std::uint32_t> sps_id(Bytes sps);
std::optional<std::uint32_t> pps_id(Bytes pps);

// SPS and PPS by id, as both ends keep them.
struct ParameterSets {
  std::map<std::uint32_t, ByteVector> sps;
  std::map<std::uint32_t, ByteVector> pps;
  // Stores an SPS or PPS NAL; returns whether it was new or changed.
  bool store(Bytes nal);
  bool complete() const { return !sps.empty() && !pps.empty(); }
  void clear() {
    sps.clear();
    pps.clear();
  }
  std::vector<Bytes> all() const;  // SPS, PPS
};

// "sprop-parameter-sets" (RFC 6184 8.1): comma-separated base64 NALs.
std::string format_sprop(const ParameterSets& sets);
bool parse_sprop(std::string_view text, ParameterSets& sets);
// "profile-level-id": hex of profile_idc, constraint flags, level_idc from the first SPS.
std::string profile_level_id(const ParameterSets& sets);

// avcC (ISO 14496-15 5.2.4.1) with 4-byte lengths, from the stored sets.
ByteVector build_avcc(const ParameterSets& sets);
// Parses avcC: NAL length size and parameter sets; false when malformed.
bool parse_avcc(Bytes avcc, unsigned& length_size, ParameterSets& sets);

}  // namespace rtsp2::rtp::h264
