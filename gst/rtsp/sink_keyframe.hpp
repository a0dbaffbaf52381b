// Where a publisher may cut or resume a stream: which RTP packets start a random access point, read from the
// RTP payload itself (payloaders do not reliably carry GST_BUFFER_FLAG_DELTA_UNIT over to their packets, and
// application/x-rtp input from elsewhere never does).
//
//   H264 (RFC 6184)  single NAL 5 (IDR) or 7 (SPS); STAP-A holding one; FU-A start fragment of an IDR
//   H265 (RFC 7798)  single NAL 16..23 (IRAP) or 32/33 (VPS/SPS); AP holding one; FU start fragment of an
//   IRAP MP4V-ES          a VOS/GOV header or an I-VOP start code in the packet audio, JPEG      every packet
//   anything else    the buffer's DELTA_UNIT flag
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rtsp2::sink {

enum class KeyCodec { H264, H265, Mp4v, EveryPacket, DeltaFlag };

// From the caps' media and encoding-name fields.
KeyCodec key_codec_for(std::string_view media, std::string_view encoding_name);

// Whether this packet carries (the start of) a random access point. `payload` is the RTP payload.
bool packet_is_key(KeyCodec codec, std::span<const std::uint8_t> payload, bool delta_unit_flag);

}  // namespace rtsp2::sink
