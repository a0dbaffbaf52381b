// What the H.264 and H.265 payloaders share: packing the NAL units of one access unit into RTP
// payloads. Consecutive NALs that fit together go into one aggregation packet (STAP-A / AP), a lone one
// goes as a single NAL packet, a NAL larger than the payload room is cut into fragmentation units
// (FU-A / FU). The marker bit goes on the last packet of the access unit.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pay_format.hpp"

namespace rtsp2::rtp {

struct NalPacketCodec {
  std::size_t nal_header_size;        // 1 (H.264) or 2 (H.265)
  std::size_t aggregate_header_size;  // STAP-A: 1, AP: 2
  std::size_t fu_header_size;         // FU-A: 2, FU: 3
  // Updates the aggregation header for one more NAL (`first`: the header holds nothing yet).
  void (*aggregate)(std::uint8_t* header, Bytes nal, bool first);
  // Writes the FU headers of a fragment of `nal`.
  void (*fu)(std::uint8_t* out, Bytes nal, bool start, bool end);
};

class NalPacketizer {
 public:
  explicit NalPacketizer(const NalPacketCodec& codec) : codec_(codec) {}
  void packetize(std::span<const Bytes> nals, PayOutput& out, bool marker_at_end);

 private:
  void flush(PayOutput& out, bool marker);
  void fragment(Bytes nal, PayOutput& out, bool marker);

  const NalPacketCodec& codec_;
  std::vector<Bytes> pieces_;        // [aggregate header] [size][NAL] [size][NAL] ...
  std::vector<std::uint8_t> sizes_;  // the 2-byte size fields the pieces point into
  std::size_t count_ = 0;
  std::size_t size_ = 0;
  std::uint8_t header_[4] = {};
};

}  // namespace rtsp2::rtp
