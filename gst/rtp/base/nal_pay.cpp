#include "nal_pay.hpp"

#include <algorithm>

namespace rtsp2::rtp {

void NalPacketizer::packetize(std::span<const Bytes> nals, PayOutput& out, bool marker_at_end) {
  const std::size_t room = out.max_payload();
  pieces_.assign(1, Bytes{});  // slot for the aggregation header
  sizes_.clear();
  sizes_.reserve(2 * nals.size());  // the pieces point into it: it must not reallocate
  count_ = 0;
  size_ = codec_.aggregate_header_size;
  for (std::size_t k = 0; k < nals.size(); ++k) {
    const Bytes nal = nals[k];
    const bool last = k + 1 == nals.size();
    if (nal.size() < codec_.nal_header_size) continue;
    if (nal.size() > room) {
      flush(out, false);
      fragment(nal, out, last && marker_at_end);
      continue;
    }
    if (count_ > 0 && size_ + 2 + nal.size() > room) flush(out, false);
    const std::size_t at = sizes_.size();
    sizes_.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
    sizes_.push_back(static_cast<std::uint8_t>(nal.size() & 0xff));
    pieces_.push_back(Bytes(sizes_).subspan(at, 2));
    pieces_.push_back(nal);
    codec_.aggregate(header_, nal, count_ == 0);
    ++count_;
    size_ += 2 + nal.size();
  }
  flush(out, marker_at_end);
}

void NalPacketizer::flush(PayOutput& out, bool marker) {
  if (count_ == 1) {
    out.add_packet({pieces_[2]}, marker);
  } else if (count_ > 1) {
    pieces_[0] = Bytes(header_, codec_.aggregate_header_size);
    out.add_packet(std::span<const Bytes>(pieces_), marker);
  }
  pieces_.resize(1);
  count_ = 0;
  size_ = codec_.aggregate_header_size;
}

void NalPacketizer::fragment(Bytes nal, PayOutput& out, bool marker) {
  const std::size_t chunk = out.max_payload() - codec_.fu_header_size;
  Bytes rest = nal.subspan(codec_.nal_header_size);
  std::uint8_t header[4];
  bool first = true;
  while (!rest.empty()) {
    const std::size_t n = std::min(chunk, rest.size());
    const bool last = n == rest.size();
    codec_.fu(header, nal, first, last);
    out.add_packet({Bytes(header, codec_.fu_header_size), rest.first(n)}, last && marker);
    rest = rest.subspan(n);
    first = false;
  }
}

}  // namespace rtsp2::rtp
