// The RTP-Info header of a PLAY answer (RFC 2326 §12.33, RFC 7826 §18.45): per stream, the sequence number
// and RTP timestamp of the first packet sent after the PLAY, which become the caps' seqnum-base / clock-base.
//
//   RTP-Info: url=rtsp://h/s/stream=0;seq=45102;rtptime=12345, url="rtsp://h/s/stream=1";seq=30211
//
// event::Playing hands the header over raw; this reads it with string_view only. URLs may be quoted (RFC
// 7826) and may hold ';' or ',' (a comma only ends an entry when "url=" follows it). Entries without "url="
// and parameters other than seq/rtptime are skipped; a seq or rtptime that is not a number in range is
// absent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtsp2::core {

struct RtpInfoEntry {
  std::string url;
  std::optional<std::uint16_t> seq;
  std::optional<std::uint32_t> rtptime;
};

std::vector<RtpInfoEntry> parse_rtp_info(std::string_view header);

// The entry for a stream: its control URL exactly, else an entry whose URL is a suffix of it or the other way
// round (servers answer with relative or differently-based URLs), else the entry at `index` when the counts
// match. nullptr when nothing fits.
const RtpInfoEntry* find_rtp_info(const std::vector<RtpInfoEntry>& entries, std::string_view control_url,
                                  std::size_t index, std::size_t stream_count);

}  // namespace rtsp2::core
