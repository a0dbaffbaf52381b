#include "h265_nal.hpp"

#include <algorithm>

#include "../base/bit_reader.hpp"
#include "../base/parameter_sets.hpp"

namespace rtsp2::rtp::h265 {
namespace {

// Skips profile_tier_level(1, max_sub_layers_minus1) (ISO 23008-2 7.3.3) after its 96 general bits.
bool skip_sub_layers(BitReader& r, unsigned max_sub_layers_minus1) {
  bool profile_present[8] = {}, level_present[8] = {};
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    auto p = r.read(1), l = r.read(1);
    if (!p || !l) return false;
    profile_present[i] = *p;
    level_present[i] = *l;
  }
  if (max_sub_layers_minus1 > 0 && !r.skip(2 * (8 - max_sub_layers_minus1))) return false;
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i] && !r.skip(88)) return false;
    if (level_present[i] && !r.skip(8)) return false;
  }
  return true;
}

struct SpsInfo {
  std::uint32_t id = 0;
  unsigned max_sub_layers_minus1 = 0;
  bool temporal_id_nesting = false;
  std::uint8_t ptl[12] = {};  // general profile_tier_level bytes
  unsigned chroma_format_idc = 1;
  unsigned bit_depth_luma_minus8 = 0;
  unsigned bit_depth_chroma_minus8 = 0;
};

std::optional<SpsInfo> parse_sps(Bytes nal) {
  if (nal.size() < 3) return std::nullopt;
  const ByteVector rbsp = unescape_rbsp(nal.subspan(2), 256);
  if (rbsp.size() < 13) return std::nullopt;
  SpsInfo info;
  BitReader r(rbsp);
  r.skip(4);  // sps_video_parameter_set_id
  info.max_sub_layers_minus1 = *r.read(3);
  info.temporal_id_nesting = *r.read(1);
  std::copy(rbsp.begin() + 1, rbsp.begin() + 13, info.ptl);
  r.skip(96);
  if (info.max_sub_layers_minus1 > 6 || !skip_sub_layers(r, info.max_sub_layers_minus1)) return std::nullopt;
  auto id = r.read_ue();
  auto chroma = r.read_ue();
  if (!id || *id > 15 || !chroma || *chroma > 3) return std::nullopt;
  info.id = *id;
  info.chroma_format_idc = *chroma;
  if (*chroma == 3 && !r.skip(1)) return std::nullopt;  // separate_colour_plane_flag
  auto width = r.read_ue(), height = r.read_ue();
  auto window = r.read(1);
  if (!width || !height || !window) return std::nullopt;
  if (*window) {
    for (int i = 0; i < 4; ++i) {
      if (!r.read_ue()) return std::nullopt;
    }
  }
  auto luma = r.read_ue(), chroma_depth = r.read_ue();
  if (!luma || !chroma_depth || *luma > 8 || *chroma_depth > 8) return std::nullopt;
  info.bit_depth_luma_minus8 = *luma;
  info.bit_depth_chroma_minus8 = *chroma_depth;
  return info;
}

std::optional<std::uint32_t> parameter_set_id(Bytes nal) {
  if (nal.size() < 3) return std::nullopt;
  switch (nal_type(nal.data())) {
    case kVps:
      return nal[2] >> 4;
    case kSps: {
      // Only the id is needed here, but it sits after the variable-length profile_tier_level.
      const ByteVector rbsp = unescape_rbsp(nal.subspan(2), 64);
      BitReader r(rbsp);
      r.skip(4);
      auto sub_layers = r.read(3);
      if (!sub_layers || !r.skip(1) || !r.skip(96) || !skip_sub_layers(r, *sub_layers)) return std::nullopt;
      auto id = r.read_ue();
      if (!id || *id > 15) return std::nullopt;
      return id;
    }
    case kPps: {
      const ByteVector rbsp = unescape_rbsp(nal.subspan(2), 8);
      BitReader r(rbsp);
      auto id = r.read_ue();
      if (!id || *id > 63) return std::nullopt;
      return id;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

ByteVector unescape_rbsp(Bytes payload, std::size_t max) {
  ByteVector out;
  out.reserve(std::min(max, payload.size()));
  unsigned zeros = 0;
  for (std::size_t i = 0; i < payload.size() && out.size() < max; ++i) {
    const std::uint8_t b = payload[i];
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

bool ParameterSets::store(Bytes nal) {
  if (nal.size() < 3) return false;
  std::map<std::uint32_t, ByteVector>* table = nullptr;
  switch (nal_type(nal.data())) {
    case kVps:
      table = &vps;
      break;
    case kSps:
      table = &sps;
      break;
    case kPps:
      table = &pps;
      break;
    default:
      return false;
  }
  auto id = parameter_set_id(nal);
  if (!id) return false;
  return store_parameter_set(*table, *id, nal);
}

std::vector<Bytes> ParameterSets::all() const {
  std::vector<Bytes> out;
  for (const auto* table : {&vps, &sps, &pps}) append_parameter_sets(out, *table);
  return out;
}

std::string format_sprop(const std::map<std::uint32_t, ByteVector>& sets) {
  std::vector<Bytes> nals;
  append_parameter_sets(nals, sets);
  return format_sprop_list(nals);
}

void parse_sprop(std::string_view text, ParameterSets& sets) {
  for_each_sprop_nal(text, [&sets](Bytes nal) { sets.store(nal); });
}

ByteVector build_hvcc(const ParameterSets& sets) {
  if (!sets.complete()) return {};
  auto sps = parse_sps(sets.sps.begin()->second);
  if (!sps) return {};
  ByteVector out;
  out.reserve(64);
  out.push_back(1);                                  // configurationVersion
  for (std::uint8_t b : sps->ptl) out.push_back(b);  // profile space..level_idc
  out.insert(out.end(),
             {0xf0, 0x00,  // min_spatial_segmentation_idc 0
              0xfc,        // parallelismType 0
              static_cast<std::uint8_t>(0xfc | sps->chroma_format_idc),
              static_cast<std::uint8_t>(0xf8 | sps->bit_depth_luma_minus8),
              static_cast<std::uint8_t>(0xf8 | sps->bit_depth_chroma_minus8), 0, 0,  // avgFrameRate
              static_cast<std::uint8_t>(((sps->max_sub_layers_minus1 + 1) << 3) |
                                        (sps->temporal_id_nesting ? 0x04 : 0) | 0x03),
              3});
  auto array = [&out](std::uint8_t type, const std::map<std::uint32_t, ByteVector>& nals) {
    out.push_back(static_cast<std::uint8_t>(0x80 | type));  // array_completeness: all of them are here
    out.push_back(static_cast<std::uint8_t>(nals.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(nals.size()));
    for (const auto& [id, nal] : nals) append_sized_nal(out, nal);
  };
  array(kVps, sets.vps);
  array(kSps, sets.sps);
  array(kPps, sets.pps);
  return out;
}

bool parse_hvcc(Bytes hvcc, unsigned& length_size, ParameterSets& sets) {
  if (hvcc.size() < 23 || hvcc[0] != 1) return false;
  length_size = (hvcc[21] & 0x03) + 1;
  if (length_size == 3) return false;
  std::size_t i = 23;
  for (unsigned a = 0; a < hvcc[22]; ++a) {
    if (hvcc.size() - i < 3) return false;
    const std::size_t count = (std::size_t{hvcc[i + 1]} << 8) | hvcc[i + 2];
    i += 3;
    if (!read_sized_nals(hvcc, i, count, [&sets](Bytes nal) { sets.store(nal); })) return false;
  }
  return true;
}

}  // namespace rtsp2::rtp::h265
