#include "jpeg_tables.hpp"

#include <algorithm>

namespace rtsp2::rtp::jpeg {
namespace {

// RFC 2435 appendix A (the example tables of ISO 10918-1 K.1, natural order).
constexpr std::uint8_t kLumaQuantizer[64] = {
    16, 11,  10,  16, 24, 40, 51, 61, 12,  12,  14,  19,  26, 58, 60, 55,  14,  13,  16,  24, 40, 57,
    69, 56,  14,  17, 22, 29, 51, 87, 80,  62,  18,  22,  37, 56, 68, 109, 103, 77,  24,  35, 55, 64,
    81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98,  112, 100, 103, 99};
constexpr std::uint8_t kChromaQuantizer[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};
// Zig-zag index → natural index.
constexpr std::uint8_t kZigzag[64] = {0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
                                      12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
                                      35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
                                      58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

// ISO 10918-1 K.3: code lengths (16 counts) and symbols.
constexpr std::uint8_t kLumDcCodelens[16] = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
constexpr std::uint8_t kLumDcSymbols[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
constexpr std::uint8_t kLumAcCodelens[16] = {0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d};
constexpr std::uint8_t kLumAcSymbols[162] = {
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22,
    0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33,
    0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34,
    0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55,
    0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76,
    0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
    0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5,
    0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4,
    0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1,
    0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa};
constexpr std::uint8_t kChmDcCodelens[16] = {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
constexpr std::uint8_t kChmDcSymbols[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
constexpr std::uint8_t kChmAcCodelens[16] = {0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77};
constexpr std::uint8_t kChmAcSymbols[162] = {
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13,
    0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62,
    0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54,
    0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
    0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3,
    0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
    0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
    0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa};

void put16(std::vector<std::uint8_t>& out, unsigned v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

template <std::size_t N>
void huffman(std::vector<std::uint8_t>& out, const std::uint8_t (&codelens)[16],
             const std::uint8_t (&symbols)[N], int table_class, int id) {
  out.insert(out.end(), {0xff, 0xc4});
  put16(out, 3 + 16 + N);
  out.push_back(static_cast<std::uint8_t>((table_class << 4) | id));
  out.insert(out.end(), codelens, codelens + 16);
  out.insert(out.end(), symbols, symbols + N);
}

}  // namespace

void make_tables(int q, QuantTable& luma, QuantTable& chroma) {
  const int factor = std::clamp(q, 1, 99);
  const int scale = factor < 50 ? 5000 / factor : 200 - factor * 2;
  for (int i = 0; i < 64; ++i) {
    luma[i] = static_cast<std::uint8_t>(std::clamp((kLumaQuantizer[kZigzag[i]] * scale + 50) / 100, 1, 255));
    chroma[i] =
        static_cast<std::uint8_t>(std::clamp((kChromaQuantizer[kZigzag[i]] * scale + 50) / 100, 1, 255));
  }
}

std::vector<std::uint8_t> make_headers(const FrameHeader& h) {
  // Split the wire tables; the first is for luma, the second (or the first again) for both chroma.
  struct Table {
    const std::uint8_t* data;
    bool wide;
  };
  std::vector<Table> tables;
  std::size_t at = 0;
  for (int i = 0; i < 4 && at < h.tables.size(); ++i) {
    const bool wide = h.precision & (1u << i);
    const std::size_t size = wide ? 128 : 64;
    if (h.tables.size() - at < size) return {};
    tables.push_back({h.tables.data() + at, wide});
    at += size;
  }
  if (tables.empty() || at != h.tables.size()) return {};
  const std::size_t chroma = tables.size() > 1 ? 1 : 0;

  std::vector<std::uint8_t> out{0xff, 0xd8};
  for (std::size_t i = 0; i <= chroma; ++i) {
    const std::size_t size = tables[i].wide ? 128 : 64;
    out.insert(out.end(), {0xff, 0xdb});
    put16(out, 3 + size);
    out.push_back(static_cast<std::uint8_t>((tables[i].wide ? 0x10 : 0) | i));
    out.insert(out.end(), tables[i].data, tables[i].data + size);
  }
  // SOF0: 8-bit samples, three components (ids 0, 1, 2 as in RFC 2435 appendix B).
  out.insert(out.end(), {0xff, 0xc0});
  put16(out, 17);
  out.push_back(8);
  put16(out, h.height);
  put16(out, h.width);
  out.push_back(3);
  out.insert(out.end(), {0, static_cast<std::uint8_t>((h.type & 63) == 0 ? 0x21 : 0x22), 0});
  out.insert(out.end(), {1, 0x11, static_cast<std::uint8_t>(chroma)});
  out.insert(out.end(), {2, 0x11, static_cast<std::uint8_t>(chroma)});
  huffman(out, kLumDcCodelens, kLumDcSymbols, 0, 0);
  huffman(out, kLumAcCodelens, kLumAcSymbols, 1, 0);
  huffman(out, kChmDcCodelens, kChmDcSymbols, 0, 1);
  huffman(out, kChmAcCodelens, kChmAcSymbols, 1, 1);
  if (h.restart_interval) {
    out.insert(out.end(), {0xff, 0xdd, 0x00, 0x04});
    put16(out, h.restart_interval);
  }
  out.insert(out.end(), {0xff, 0xda, 0x00, 0x0c, 3, 0, 0x00, 1, 0x11, 2, 0x11, 0, 63, 0});
  return out;
}

}  // namespace rtsp2::rtp::jpeg
