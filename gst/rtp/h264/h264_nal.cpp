#include "h264_nal.hpp"

#include <glib.h>

#include "../base/bit_reader.hpp"

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
  ByteVector& slot = (*table)[*id];
  if (slot.size() == nal.size() && std::equal(slot.begin(), slot.end(), nal.begin())) return false;
  slot.assign(nal.begin(), nal.end());
  return true;
}

std::string format_sprop(const ParameterSets& sets) {
  std::string out;
  auto add = [&out](const ByteVector& nal) {
    gchar* b64 = g_base64_encode(nal.data(), nal.size());
    if (!out.empty()) out += ',';
    out += b64;
    g_free(b64);
  };
  for (const auto& [id, nal] : sets.sps) add(nal);
  for (const auto& [id, nal] : sets.pps) add(nal);
  return out;
}

bool parse_sprop(std::string_view text, ParameterSets& sets) {
  bool any = false;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string item(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    gsize len = 0;
    guchar* raw = g_base64_decode(item.c_str(), &len);
    if (raw && len > 0) {
      sets.store(Bytes(raw, len));
      any = true;
    }
    g_free(raw);
  }
  return any;
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
  auto put = [&out](const ByteVector& nal) {
    out.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(nal.size() & 0xff));
    out.insert(out.end(), nal.begin(), nal.end());
  };
  for (const auto& [id, nal] : sets.sps) put(nal);
  out.push_back(static_cast<std::uint8_t>(sets.pps.size()));
  for (const auto& [id, nal] : sets.pps) put(nal);
  return out;
}

bool parse_avcc(Bytes avcc, unsigned& length_size, ParameterSets& sets) {
  if (avcc.size() < 7 || avcc[0] != 1) return false;
  length_size = (avcc[4] & 0x03) + 1;
  if (length_size == 3) return false;
  std::size_t i = 5;
  auto read_sets = [&](unsigned count) {
    for (unsigned k = 0; k < count; ++k) {
      if (avcc.size() - i < 2) return false;
      const std::size_t len = (std::size_t{avcc[i]} << 8) | avcc[i + 1];
      i += 2;
      if (len > avcc.size() - i) return false;
      sets.store(avcc.subspan(i, len));
      i += len;
    }
    return true;
  };
  if (!read_sets(avcc[i++] & 0x1f)) return false;
  if (i >= avcc.size()) return false;
  const unsigned pps_count = avcc[i++];
  return read_sets(pps_count);
}

}  // namespace rtsp2::rtp::h264
