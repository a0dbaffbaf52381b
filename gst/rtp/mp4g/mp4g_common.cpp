#include "mp4g_common.hpp"

#include <charconv>
#include <string_view>

#include "../base/bit_reader.hpp"

namespace rtsp2::rtp::mp4g {

std::optional<unsigned> caps_uint(const GstStructure* s, const char* name) {
  const GValue* v = gst_structure_get_value(s, name);
  if (!v) return std::nullopt;
  if (G_VALUE_HOLDS_INT(v)) {
    const int i = g_value_get_int(v);
    return i >= 0 ? std::optional<unsigned>(static_cast<unsigned>(i)) : std::nullopt;
  }
  if (G_VALUE_HOLDS_UINT(v)) return g_value_get_uint(v);
  if (G_VALUE_HOLDS_STRING(v)) {
    std::string_view text = g_value_get_string(v);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) return value;
  }
  return std::nullopt;
}

bool parse_layout(const GstStructure* s, AuLayout& layout, std::string& error) {
  layout = AuLayout{};
  struct Field {
    const char* name;
    unsigned* target;
    unsigned max;
  };
  unsigned rap = 0;
  const Field fields[] = {
      {"sizelength", &layout.size_length, 32},
      {"indexlength", &layout.index_length, 32},
      {"indexdeltalength", &layout.index_delta_length, 32},
      {"ctsdeltalength", &layout.cts_delta_length, 32},
      {"dtsdeltalength", &layout.dts_delta_length, 32},
      {"randomaccessindication", &rap, 1},
      {"streamstateindication", &layout.stream_state_indication, 32},
      {"auxiliarydatasizelength", &layout.auxiliary_data_size_length, 32},
      {"constantsize", &layout.constant_size, 1u << 24},
      {"constantduration", &layout.constant_duration, 1u << 24},
      {"maxdisplacement", &layout.max_displacement, 0xffffffffu},
  };
  for (const Field& f : fields) {
    if (!gst_structure_has_field(s, f.name)) continue;
    auto v = caps_uint(s, f.name);
    if (!v || *v > f.max) {
      error = std::string("bad value for ") + f.name;
      return false;
    }
    *f.target = *v;
  }
  layout.random_access_indication = rap != 0;
  return true;
}

std::optional<AudioConfig> parse_audio_specific_config(std::span<const std::uint8_t> asc) {
  static const unsigned kRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                    22050, 16000, 12000, 11025, 8000,  7350};
  BitReader r(asc);
  AudioConfig c;
  auto object_type = [&r]() -> std::optional<unsigned> {
    auto t = r.read(5);
    if (t && *t == 31) {
      auto ext = r.read(6);
      if (!ext) return std::nullopt;
      return 32 + *ext;
    }
    return t;
  };
  auto rate = [&r]() -> std::optional<unsigned> {
    auto index = r.read(4);
    if (!index) return std::nullopt;
    if (*index == 0xf) return r.read(24);
    if (*index >= std::size(kRates)) return std::nullopt;
    return kRates[*index];
  };
  auto ot = object_type();
  auto sr = rate();
  auto ch = r.read(4);
  if (!ot || !sr || !ch || *sr == 0) return std::nullopt;
  c.object_type = *ot;
  c.sample_rate = *sr;
  c.channels = *ch == 7 ? 8 : *ch;
  if (c.object_type == 5 || c.object_type == 29) {
    // Explicit SBR/PS signalling: the extension rate, then the core object type. RTP time runs at the
    // rate given in the caps; the AU still holds 1024 core samples.
    if (!rate() || !object_type()) return std::nullopt;
  }
  // GASpecificConfig starts with frameLengthFlag for the AAC object types.
  auto flag = r.read(1);
  if (flag && *flag) c.frame_length = 960;
  return c;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view text) {
  if (text.size() % 2) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = g_ascii_xdigit_value(text[i]);
    const int lo = g_ascii_xdigit_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

}  // namespace rtsp2::rtp::mp4g
