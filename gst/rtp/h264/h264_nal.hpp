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

// Calls f(Bytes nal) for every NAL of an Annex B byte stream; leading/trailing zero bytes are not part
// of a NAL. Empty NALs are skipped.
template <typename F>
void for_each_annexb_nal(Bytes data, F&& f);

// Calls f(Bytes nal) for every NAL of a length-prefixed (avc) buffer; false when a length overruns.
template <typename F>
bool for_each_avc_nal(Bytes data, unsigned length_size, F&& f);

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

// ---- template definitions ----

// Offset of the next 00 00 01 at or after `from`, or data.size(). memchr finds the zero bytes (SIMD in
// glibc): compressed data has few of them, so this reads the stream far faster than a byte loop.
inline std::size_t find_start_code(Bytes data, std::size_t from) {
  const std::uint8_t* base = data.data();
  const std::size_t n = data.size();
  std::size_t i = from;
  while (n >= 3 && i + 2 < n) {
    const void* hit = std::memchr(base + i, 0, n - 2 - i);
    if (!hit) break;
    i = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - base);
    if (base[i + 1] == 0) {
      if (base[i + 2] == 1) return i;
      if (base[i + 2] == 0) {
        ++i;  // 00 00 00: the start code may begin at the next byte
        continue;
      }
      i += 3;
    } else {
      i += 2;
    }
  }
  return n;
}

template <typename F>
void for_each_annexb_nal(Bytes data, F&& f) {
  const std::size_t n = data.size();
  std::size_t at = find_start_code(data, 0);
  while (at < n) {
    const std::size_t start = at + 3;
    const std::size_t next = find_start_code(data, start);
    std::size_t end = next;
    while (end > start && data[end - 1] == 0) --end;
    if (end > start) f(data.subspan(start, end - start));
    at = next;
  }
}

template <typename F>
bool for_each_avc_nal(Bytes data, unsigned length_size, F&& f) {
  std::size_t i = 0;
  while (i < data.size()) {
    if (data.size() - i < length_size) return false;
    std::size_t len = 0;
    for (unsigned k = 0; k < length_size; ++k) len = (len << 8) | data[i + k];
    i += length_size;
    if (len > data.size() - i) return false;
    if (len > 0) f(data.subspan(i, len));
    i += len;
  }
  return true;
}

}  // namespace rtsp2::rtp::h264
