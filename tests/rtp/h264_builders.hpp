// Hand-made H.264 NALs and RFC 6184 payloads for the packet-level tests.
#pragma once

#include "rtp_test_util.hpp"

namespace rtptest::h264 {

// SPS id 0, PPS id 0; IDR and P slices with first_mb_in_slice 0 (first bit 1) unless said otherwise.
inline Bytes sps() {
  return {0x67, 0x42, 0xc0, 0x15, 0xd9, 0x01, 0x41, 0xfb, 0x01};
}
inline Bytes pps() {
  return {0x68, 0xcb, 0x8c, 0xb2};
}
inline Bytes idr(std::size_t size = 40, std::uint8_t seed = 1) {
  Bytes n{0x65, 0x88};
  for (std::size_t i = 2; i < size; ++i) n.push_back(static_cast<std::uint8_t>(seed + i * 7) | 0x01);
  return n;
}
inline Bytes slice(std::uint8_t seed = 3, bool first_mb_zero = true) {
  Bytes n{0x41, static_cast<std::uint8_t>(first_mb_zero ? 0x9a : 0x3a)};
  for (int i = 0; i < 20; ++i) n.push_back(static_cast<std::uint8_t>(seed * 13 + i) | 0x01);
  return n;
}

inline Bytes stap_a(const std::vector<Bytes>& nals) {
  Bytes p{0x78};  // NRI 3, type 24
  for (const Bytes& n : nals) {
    p.push_back(static_cast<std::uint8_t>(n.size() >> 8));
    p.push_back(static_cast<std::uint8_t>(n.size()));
    p.insert(p.end(), n.begin(), n.end());
  }
  return p;
}

inline Bytes stap_b(std::uint16_t don, const std::vector<Bytes>& nals) {
  Bytes a = stap_a(nals);
  Bytes p{0x79, static_cast<std::uint8_t>(don >> 8), static_cast<std::uint8_t>(don)};
  p.insert(p.end(), a.begin() + 1, a.end());
  return p;
}

// Fragment `part` (0-based) of `parts` of `nal` as FU-A.
inline Bytes fu_a(const Bytes& nal, int part, int parts) {
  const std::size_t body = nal.size() - 1;
  const std::size_t chunk = (body + parts - 1) / parts;
  const std::size_t from = 1 + part * chunk;
  const std::size_t to = std::min(nal.size(), from + chunk);
  Bytes p{
      static_cast<std::uint8_t>((nal[0] & 0xe0) | 28),
      static_cast<std::uint8_t>((part == 0 ? 0x80 : 0) | (part == parts - 1 ? 0x40 : 0) | (nal[0] & 0x1f))};
  p.insert(p.end(), nal.begin() + from, nal.begin() + to);
  return p;
}

inline Bytes annexb(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

inline Bytes avc(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& n : nals) {
    out.insert(out.end(),
               {static_cast<std::uint8_t>(n.size() >> 24), static_cast<std::uint8_t>(n.size() >> 16),
                static_cast<std::uint8_t>(n.size() >> 8), static_cast<std::uint8_t>(n.size())});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

inline std::string base64(const Bytes& b) {
  gchar* s = g_base64_encode(b.data(), b.size());
  std::string out(s);
  g_free(s);
  return out;
}

}  // namespace rtptest::h264
