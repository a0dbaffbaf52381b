// MSB-first bit reader over untrusted bytes: reads past the end fail instead of reading memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace rtsp2::rtp {

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> data) : data_(data) {}

  std::size_t bits_left() const { return data_.size() * 8 - pos_; }

  // Up to 32 bits; nullopt when fewer are left.
  std::optional<std::uint32_t> read(unsigned bits) {
    if (bits > 32 || bits > bits_left()) return std::nullopt;
    std::uint32_t v = 0;
    for (unsigned i = 0; i < bits; ++i) {
      const std::uint8_t byte = data_[pos_ >> 3];
      v = (v << 1) | ((byte >> (7 - (pos_ & 7))) & 1u);
      ++pos_;
    }
    return v;
  }

  bool skip(std::size_t bits) {
    if (bits > bits_left()) return false;
    pos_ += bits;
    return true;
  }

  // Exp-Golomb ue(v) as in H.264 7.2; values above 2^31 are refused.
  std::optional<std::uint32_t> read_ue() {
    unsigned zeros = 0;
    while (true) {
      auto bit = read(1);
      if (!bit) return std::nullopt;
      if (*bit) break;
      if (++zeros > 31) return std::nullopt;
    }
    auto rest = read(zeros);
    if (!rest) return std::nullopt;
    return ((1u << zeros) - 1) + *rest;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

}  // namespace rtsp2::rtp
