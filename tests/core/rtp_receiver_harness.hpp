// Shared by the RtpReceiver tests: packet builders and a harness that feeds a receiver on a fake clock and
// records everything it outputs, drops and sends. Handles are packet ids (1, 2, ...) cast to pointers.
#pragma once

#include <gst/rtp/gstrtcpbuffer.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "rtp_receiver.hpp"

namespace rtsp2::core::test {

using namespace std::chrono_literals;

inline const Instant kT0 = Instant{} + std::chrono::hours(1);
inline constexpr std::uint32_t kSsrc = 0x11223344;

inline Instant at_ms(double ms) {
  return kT0 +
         std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double, std::milli>(ms));
}
inline double ms_of(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// A plain RTP packet: 12-byte header and `payload` bytes of 0xab.
inline std::vector<std::uint8_t> rtp_packet(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc = kSsrc,
                                            std::size_t payload = 4, std::uint8_t pt = 96,
                                            bool marker = false) {
  std::vector<std::uint8_t> p(12 + payload, 0xab);
  p[0] = 0x80;
  p[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | pt);
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; i++) p[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; i++) p[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

// A compound RTCP packet written with GstRTCPBuffer: SR (if `sr`) or empty RR, SDES CNAME (if non-empty),
// BYE of `bye` SSRCs (if any).
struct RtcpSpec {
  std::uint32_t ssrc = kSsrc;
  bool sr = true;
  std::uint64_t ntp = 0;
  std::uint32_t rtp = 0;
  std::uint32_t packets = 0;
  std::uint32_t octets = 0;
  std::string cname;
  std::vector<std::uint32_t> bye;
};
inline std::vector<std::uint8_t> rtcp_packet(const RtcpSpec& s) {
  GstBuffer* buf = gst_rtcp_buffer_new(1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buf, GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket p;
  if (s.sr) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SR, &p);
    gst_rtcp_packet_sr_set_sender_info(&p, s.ssrc, s.ntp, s.rtp, s.packets, s.octets);
  } else {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &p);
    gst_rtcp_packet_rr_set_ssrc(&p, s.ssrc);
  }
  if (!s.cname.empty()) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SDES, &p);
    gst_rtcp_packet_sdes_add_item(&p, s.ssrc);
    gst_rtcp_packet_sdes_add_entry(&p, GST_RTCP_SDES_CNAME, static_cast<guint8>(s.cname.size()),
                                   reinterpret_cast<const guint8*>(s.cname.data()));
  }
  if (!s.bye.empty()) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_BYE, &p);
    for (std::uint32_t b : s.bye) gst_rtcp_packet_bye_add_ssrc(&p, b);
  }
  gst_rtcp_buffer_unmap(&rtcp);
  std::vector<std::uint8_t> out(gst_buffer_get_size(buf));
  gst_buffer_extract(buf, 0, out.data(), out.size());
  gst_buffer_unref(buf);
  return out;
}

class Harness {
 public:
  static RtpReceiverConfig default_config() {
    RtpReceiverConfig c;
    c.clock_rate = 90000;
    c.latency = Duration(200);
    c.local_ssrc = 0xcafe0001;
    c.cname = "tester@127.0.0.1";
    c.random = [] { return 0.5; };
    return c;
  }

  explicit Harness(RtpReceiverConfig c = default_config(), Instant start = kT0)
      : receiver(with_release(std::move(c)), start), now(start) {}

  // Feeds packet `seq` with timestamp `ts`, arriving at `ms` after kT0; collects the outputs.
  RtpVerdict feed(std::uint16_t seq, std::uint32_t ts, double ms, std::uint32_t ssrc = kSsrc) {
    return feed_bytes(rtp_packet(seq, ts, ssrc), ms);
  }
  // The bytes are copied to an allocation of their exact size, so that ASan sees any read past the end.
  RtpVerdict feed_bytes(const std::vector<std::uint8_t>& bytes, double ms) {
    now = at_ms(ms);
    const std::uintptr_t id = ++last_id;
    const std::vector<std::uint8_t> exact(bytes.begin(), bytes.end());
    RtpVerdict v = receiver.handle_rtp(exact, now, reinterpret_cast<PacketHandle>(id));
    collect();
    return v;
  }
  bool feed_rtcp(const std::vector<std::uint8_t>& bytes, double ms) {
    now = at_ms(ms);
    const std::vector<std::uint8_t> exact(bytes.begin(), bytes.end());
    bool ok = receiver.handle_rtcp(exact, now);
    collect();
    return ok;
  }
  void advance(double ms) { advance_to(at_ms(ms)); }
  void advance_to(Instant t) {
    now = t;
    receiver.handle_timeout(now);
    collect();
  }

  void collect() {
    while (auto o = receiver.poll_output()) {
      if (auto* p = std::get_if<rtp_out::Packet>(&*o)) {
        packets.push_back(*p);
        seqs.push_back(p->seq);
      } else if (auto* l = std::get_if<rtp_out::Lost>(&*o)) {
        lost.push_back(*l);
      } else if (auto* s = std::get_if<rtp_out::Sync>(&*o)) {
        syncs.push_back(*s);
      } else if (auto* e = std::get_if<rtp_out::Ended>(&*o)) {
        ended.push_back(*e);
      }
      order.push_back(o->index());
    }
    while (auto r = receiver.poll_rtcp()) rtcp.push_back(std::move(*r));
  }

  std::vector<std::uintptr_t> released;  // ids of dropped packets, in drop order
  RtpReceiver receiver;
  Instant now;
  std::uintptr_t last_id = 0;
  std::vector<rtp_out::Packet> packets;
  std::vector<std::uint16_t> seqs;
  std::vector<rtp_out::Lost> lost;
  std::vector<rtp_out::Sync> syncs;
  std::vector<rtp_out::Ended> ended;
  std::vector<std::size_t> order;  // variant index of every output, in order
  std::vector<std::vector<std::uint8_t>> rtcp;

 private:
  RtpReceiverConfig with_release(RtpReceiverConfig c) {
    c.release = [this](PacketHandle h) { released.push_back(reinterpret_cast<std::uintptr_t>(h)); };
    return c;
  }
};

}  // namespace rtsp2::core::test
