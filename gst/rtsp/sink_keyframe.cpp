#include "sink_keyframe.hpp"

#include <cstddef>

#include <glib.h>

namespace rtsp2::sink {

namespace {

bool h264_nal_is_key(std::uint8_t type) {
  return type == 5 || type == 7;
}

bool h265_nal_is_key(std::uint8_t type) {
  return (type >= 16 && type <= 23) || type == 32 || type == 33;
}

bool h264_is_key(std::span<const std::uint8_t> p) {
  if (p.empty()) return false;
  const std::uint8_t type = p[0] & 0x1f;
  if (type >= 1 && type <= 23) return h264_nal_is_key(type);
  if (type == 24) {  // STAP-A: (16-bit size, NAL)*
    std::size_t off = 1;
    while (off + 2 < p.size()) {
      const std::size_t size = (std::size_t(p[off]) << 8) | p[off + 1];
      if (size == 0 || off + 2 + size > p.size()) break;
      if (h264_nal_is_key(p[off + 2] & 0x1f)) return true;
      off += 2 + size;
    }
    return false;
  }
  if (type == 28 || type == 29) {  // FU-A / FU-B: indicator, header (S E R type)
    return p.size() >= 2 && (p[1] & 0x80) != 0 && h264_nal_is_key(p[1] & 0x1f);
  }
  return false;
}

bool h265_is_key(std::span<const std::uint8_t> p) {
  if (p.size() < 2) return false;
  const std::uint8_t type = (p[0] >> 1) & 0x3f;
  if (type < 48) return h265_nal_is_key(type);
  if (type == 48) {  // AP: (16-bit size, NAL)* after the 2-byte payload header
    std::size_t off = 2;
    while (off + 2 < p.size()) {
      const std::size_t size = (std::size_t(p[off]) << 8) | p[off + 1];
      if (size == 0 || off + 2 + size > p.size()) break;
      if (h265_nal_is_key((p[off + 2] >> 1) & 0x3f)) return true;
      off += 2 + size;
    }
    return false;
  }
  if (type == 49) {  // FU: payload header, FU header (S E type)
    return p.size() >= 3 && (p[2] & 0x80) != 0 && h265_nal_is_key(p[2] & 0x3f);
  }
  return false;
}

bool mp4v_is_key(std::span<const std::uint8_t> p) {
  for (std::size_t i = 0; i + 3 < p.size(); ++i) {
    if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1) continue;
    const std::uint8_t code = p[i + 3];
    if (code == 0xb0 || code == 0xb3) return true;  // visual object sequence, group of VOPs
    if (code == 0xb6) return i + 4 < p.size() && (p[i + 4] >> 6) == 0;  // vop_coding_type I
  }
  return false;
}

}  // namespace

KeyCodec key_codec_for(std::string_view media, std::string_view encoding_name) {
  auto is = [&](const char* name) {
    return g_ascii_strncasecmp(encoding_name.data(), name, encoding_name.size()) == 0 &&
           encoding_name.size() == std::string_view(name).size();
  };
  if (is("H264")) return KeyCodec::H264;
  if (is("H265")) return KeyCodec::H265;
  if (is("MP4V-ES")) return KeyCodec::Mp4v;
  if (is("JPEG") || media != "video") return KeyCodec::EveryPacket;
  return KeyCodec::DeltaFlag;
}

bool packet_is_key(KeyCodec codec, std::span<const std::uint8_t> payload, bool delta_unit_flag) {
  switch (codec) {
    case KeyCodec::H264:
      return h264_is_key(payload);
    case KeyCodec::H265:
      return h265_is_key(payload);
    case KeyCodec::Mp4v:
      return mp4v_is_key(payload);
    case KeyCodec::EveryPacket:
      return true;
    case KeyCodec::DeltaFlag:
      return !delta_unit_flag;
  }
  return true;
}

}  // namespace rtsp2::sink
