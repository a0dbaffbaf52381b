#include "h264_nal.hpp"

#include "../base/bit_reader.hpp"
#include "../base/parameter_sets.hpp"

namespace rtsp2::rtp::h264 {

std::optional<std::uint32_t> sps_id(Bytes sps) {
  // header(1) profile_idc(1) constraint flags(1) level_idc(1) then seq_parameter_set_id ue(v).
  if (sps.size() < 5) return std::nullopt;
  BitReader r(sps.subspan(4));
  auto id = r.read_ue();
  if (!id || *id > 31) return std::nullopt;
  return id;
}

std::optional<std::uint32_t> pps_id(Bytes pps) {
  if (pps.size() < 2) return std::nullopt;
  BitReader r(pps.subspan(1));
  auto id = r.read_ue();
  if (!id || *id > 255) return std::nullopt;
  return id;
}

bool ParameterSets::store(Bytes nal) {
  if (nal.empty()) return false;
  std::map<std::uint32_t, ByteVector>* table = nullptr;
  std::optional<std::uint32_t> id;
  switch (nal_type(nal[0])) {
    case kSps:
      table = &sps;
      id = sps_id(nal);
      break;
    case kPps:
      table = &pps;
      id = pps_id(nal);
      break;
    default:
      return false;
  }
  if (!id) return false;
  return store_parameter_set(*table, *id, nal);
}

std::vector<Bytes> ParameterSets::all() const {
  std::vector<Bytes> out;
  append_parameter_sets(out, sps);
  append_parameter_sets(out, pps);
  return out;
}

std::string format_sprop(const ParameterSets& sets) {
  return format_sprop_list(sets.all());
}

bool parse_sprop(std::string_view text, ParameterSets& sets) {
  return for_each_sprop_nal(text, [&sets](Bytes nal) { sets.store(nal); }) > 0;
}

std::string profile_level_id(const ParameterSets& sets) {
  if (sets.sps.empty()) return {};
  const ByteVector& sps = sets.sps.begin()->second;
  if (sps.size() < 4) return {};
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (int i = 1; i <= 3; ++i) {
    out += hex[sps[i] >> 4];
    out += hex[sps[i] & 0xf];
  }
  return out;
}

ByteVector build_avcc(const ParameterSets& sets) {
  if (!sets.complete()) return {};
  const ByteVector& first = sets.sps.begin()->second;
  if (first.size() < 4) return {};
  ByteVector out{1,        first[1], first[2],
                 first[3], 0xff,     static_cast<std::uint8_t>(0xe0 | (sets.sps.size() & 0x1f))};
  for (const auto& [id, nal] : sets.sps) append_sized_nal(out, nal);
  out.push_back(static_cast<std::uint8_t>(sets.pps.size()));
  for (const auto& [id, nal] : sets.pps) append_sized_nal(out, nal);
  return out;
}

bool parse_avcc(Bytes avcc, unsigned& length_size, ParameterSets& sets) {
  if (avcc.size() < 7 || avcc[0] != 1) return false;
  length_size = (avcc[4] & 0x03) + 1;
  if (length_size == 3) return false;
  std::size_t i = 5;
  auto store = [&sets](Bytes nal) { sets.store(nal); };
  const unsigned sps_count = avcc[i++] & 0x1f;
  if (!read_sized_nals(avcc, i, sps_count, store)) return false;
  if (i >= avcc.size()) return false;
  const unsigned pps_count = avcc[i++];
  return read_sized_nals(avcc, i, pps_count, store);
}

}  // namespace rtsp2::rtp::h264
