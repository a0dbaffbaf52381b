// RFC 3640 (mpeg4-generic) helpers shared by rtpmp4gpay2 and rtpmp4gdepay2: the AU-header layout from
// the fmtp parameters, and the bits of an AAC AudioSpecificConfig that RTP needs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <gst/gst.h>

namespace rtsp2::rtp::mp4g {

// Field widths of the AU-header section and the auxiliary section (RFC 3640 3.2.1, 4.1).
struct AuLayout {
  unsigned size_length = 0;
  unsigned index_length = 0;
  unsigned index_delta_length = 0;
  unsigned cts_delta_length = 0;
  unsigned dts_delta_length = 0;
  bool random_access_indication = false;
  unsigned stream_state_indication = 0;
  unsigned auxiliary_data_size_length = 0;
  unsigned constant_size = 0;
  unsigned constant_duration = 0;
  unsigned max_displacement = 0;  // > 0: the sender interleaves
  bool has_au_headers() const {
    return size_length || index_length || index_delta_length || cts_delta_length || dts_delta_length ||
           random_access_indication || stream_state_indication;
  }
};

// Reads a numeric fmtp parameter given as a string (from SDP) or an int; fmtp names are lowercase in caps.
std::optional<unsigned> caps_uint(const GstStructure* s, const char* name);

// Parses the layout from RTP caps; false with `error` on values we cannot handle.
bool parse_layout(const GstStructure* s, AuLayout& layout, std::string& error);

struct AudioConfig {
  unsigned object_type = 0;
  unsigned sample_rate = 0;
  unsigned channels = 0;
  unsigned frame_length = 1024;  // samples per AU (960 with frameLengthFlag)
};

// AudioSpecificConfig (ISO 14496-3 1.6.2.1), as far as RTP needs it.
std::optional<AudioConfig> parse_audio_specific_config(std::span<const std::uint8_t> asc);

std::string to_hex(std::span<const std::uint8_t> bytes);
// Lenient hex decoding; nullopt on an odd length or a non-hex digit.
std::optional<std::string> from_hex(std::string_view text);

}  // namespace rtsp2::rtp::mp4g
