// H.265 NAL unit helpers shared by rtph265pay2 and rtph265depay2 (RFC 7798, ISO 23008-2, ISO 14496-15).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../base/annexb.hpp"

namespace rtsp2::rtp::h265 {

using ByteVector = std::vector<std::uint8_t>;

enum NalType : std::uint8_t {
  kBlaWLp = 16,
  kCraNut = 21,
  kVps = 32,
  kSps = 33,
  kPps = 34,
  kAud = 35,
  kAp = 48,
  kFu = 49,
  kPaci = 50,
};

// NAL header: F(1) Type(6) LayerId(6) TID(3).
inline std::uint8_t nal_type(const std::uint8_t* header) {
  return (header[0] >> 1) & 0x3f;
}
inline bool is_vcl(std::uint8_t type) {
  return type < 32;
}
// IRAP pictures a decoder can start from: BLA, IDR, CRA.
inline bool is_irap(std::uint8_t type) {
  return type >= kBlaWLp && type <= kCraNut;
}
inline bool is_parameter_set(std::uint8_t type) {
  return type >= kVps && type <= kPps;
}

// The NAL payload with emulation prevention bytes removed (RBSP), at most `max` bytes of it.
ByteVector unescape_rbsp(Bytes nal_payload, std::size_t max);

// VPS, SPS and PPS by id, as both ends keep them.
struct ParameterSets {
  std::map<std::uint32_t, ByteVector> vps, sps, pps;
  bool store(Bytes nal);  // true when new or changed
  bool complete() const { return !vps.empty() && !sps.empty() && !pps.empty(); }
  void clear() {
    vps.clear();
    sps.clear();
    pps.clear();
  }
  std::vector<Bytes> all() const;  // VPS, SPS, PPS
};

// sprop-vps / sprop-sps / sprop-pps (RFC 7798 7.1): comma-separated base64 NALs.
std::string format_sprop(const std::map<std::uint32_t, ByteVector>& sets);
void parse_sprop(std::string_view text, ParameterSets& sets);

// hvcC (ISO 14496-15 8.3.3.1) with 4-byte NAL lengths; empty when the sets are incomplete or the SPS
// cannot be read.
ByteVector build_hvcc(const ParameterSets& sets);
// Parses hvcC: NAL length size and the parameter-set arrays; false when malformed.
bool parse_hvcc(Bytes hvcc, unsigned& length_size, ParameterSets& sets);

}  // namespace rtsp2::rtp::h265
