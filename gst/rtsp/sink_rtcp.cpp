#include "sink_rtcp.hpp"

#include <gst/rtp/gstrtcpbuffer.h>

namespace rtsp2::sink {

std::uint32_t extrapolate_rtp_time(const SenderState& s, std::int64_t now_us) {
  const std::int64_t elapsed = now_us > s.last_send_us ? now_us - s.last_send_us : 0;
  const auto ticks = std::uint64_t(elapsed) * s.clock_rate / 1'000'000u;
  return std::uint32_t(s.last_rtp_time + std::uint32_t(ticks));
}

std::uint64_t ntp_from_unix_us(std::int64_t unix_us) {
  constexpr std::uint64_t kUnixToNtp = 2'208'988'800ull;  // seconds from 1900 to 1970
  const std::uint64_t secs = std::uint64_t(unix_us / 1'000'000) + kUnixToNtp;
  const std::uint64_t frac = (std::uint64_t(unix_us % 1'000'000) << 32) / 1'000'000u;
  return (secs << 32) | frac;
}

std::uint64_t ntp_format_ns(std::uint64_t ns) {
  const std::uint64_t secs = ns / 1'000'000'000u;
  const std::uint64_t frac = ((ns % 1'000'000'000u) << 32) / 1'000'000'000u;
  return (secs << 32) | frac;
}

BufferPtr build_sender_report(const SenderState& s, const std::string& cname,
                              std::span<const core::SdesItem> items, std::int64_t now_us,
                              std::uint64_t ntp_time) {
  BufferPtr buf(gst_rtcp_buffer_new(core::sdes_buffer_size(items)));
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buf.get(), GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket packet;
  bool ok = gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SR, &packet);
  if (ok) {
    gst_rtcp_packet_sr_set_sender_info(&packet, s.ssrc, ntp_time, extrapolate_rtp_time(s, now_us), s.packets,
                                       s.octets);
    ok = core::add_sdes_chunk(&rtcp, s.ssrc, cname, items);
  }
  gst_rtcp_buffer_unmap(&rtcp);
  if (!ok) return {};
  return buf;
}

}  // namespace rtsp2::sink
