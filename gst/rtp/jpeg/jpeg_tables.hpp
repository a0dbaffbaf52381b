// Baseline JPEG pieces RFC 2435 relies on: the example quantization tables and their scaling by Q
// (RFC 2435 4.2 / appendix A), the standard Huffman tables (ISO 10918-1 K.3) that every RTP/JPEG stream
// uses, and the JFIF headers a depayloader writes in front of the scan data (appendix B).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace rtsp2::rtp::jpeg {

using QuantTable = std::array<std::uint8_t, 64>;  // zig-zag order, 8-bit precision

// Luma and chroma tables for Q 1..99 (RFC 2435 appendix A MakeTables).
void make_tables(int q, QuantTable& luma, QuantTable& chroma);

struct FrameHeader {
  int type = 0;  // 0: 4:2:2, 1: 4:2:0 (restart variants are 64/65; pass type & 63)
  unsigned width = 0;
  unsigned height = 0;
  unsigned restart_interval = 0;
  // Quantization tables as carried on the wire: 1..4 tables, each 64 (8-bit) or 128 (16-bit) bytes.
  std::vector<std::uint8_t> tables;
  std::uint8_t precision = 0;  // bit i set: table i has 16-bit entries
};

// SOI, DQT, SOF0, DHT, [DRI], SOS for `header` (RFC 2435 appendix B MakeHeaders). Empty when the tables
// are not usable.
std::vector<std::uint8_t> make_headers(const FrameHeader& header);

}  // namespace rtsp2::rtp::jpeg
