// H.264/H.265 elementary stream framing shared by the NAL-based payloaders: Annex B byte streams
// (start codes) and length-prefixed NALs (avc / hvc1 / hev1).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace rtsp2::rtp {

using Bytes = std::span<const std::uint8_t>;

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

// Calls f(Bytes nal) for every NAL of an Annex B byte stream; leading/trailing zero bytes are not part
// of a NAL. Empty NALs are skipped.
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

// Calls f(Bytes nal) for every NAL of a length-prefixed buffer; false when a length overruns.
template <typename F>
bool for_each_length_prefixed_nal(Bytes data, unsigned length_size, F&& f) {
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

}  // namespace rtsp2::rtp
