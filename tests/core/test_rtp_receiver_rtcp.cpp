// RtpReceiver, RTCP side: SR/SDES/BYE parsing and its checks, RR values, the report interval, SR sync.
// Reports are read back with GstRTCPBuffer, independently of the receiver's own parser.
#include "rtp_receiver.hpp"

#include <gst/rtp/gstrtcpbuffer.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "rtcp_packets.hpp"
#include "rtp_receiver_harness.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;
using namespace rtsp2::core::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kNtp = 0xe1234567'89abcdefull;

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A report block as GStreamer reads it.
struct Block {
  std::uint32_t ssrc;
  guint8 fraction;
  gint32 lost;
  guint32 ext_highest, jitter, lsr, dlsr;
};
struct Report {
  std::uint32_t ssrc = 0;
  std::vector<Block> blocks;
  std::string cname;
  std::vector<std::pair<int, std::string>> items;  // the SDES items after the CNAME
  std::vector<std::uint32_t> bye;
};

Report read_report(const Bytes& bytes) {
  Report r;
  fail_unless(gst_rtcp_buffer_validate_data(const_cast<guint8*>(bytes.data()), bytes.size()),
              "the receiver wrote an invalid compound packet");
  GstBuffer* buf = gst_buffer_new_memdup(bytes.data(), bytes.size());
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buf, GST_MAP_READ, &rtcp);
  GstRTCPPacket p;
  fail_unless(gst_rtcp_buffer_get_first_packet(&rtcp, &p));
  fail_unless_equals_int(gst_rtcp_packet_get_type(&p), GST_RTCP_TYPE_RR);
  r.ssrc = gst_rtcp_packet_rr_get_ssrc(&p);
  for (guint i = 0; i < gst_rtcp_packet_get_rb_count(&p); i++) {
    Block b{};
    gst_rtcp_packet_get_rb(&p, i, &b.ssrc, &b.fraction, &b.lost, &b.ext_highest, &b.jitter, &b.lsr, &b.dlsr);
    r.blocks.push_back(b);
  }
  while (gst_rtcp_packet_move_to_next(&p)) {
    if (gst_rtcp_packet_get_type(&p) == GST_RTCP_TYPE_SDES) {
      fail_unless(gst_rtcp_packet_sdes_first_item(&p));
      fail_unless_equals_int(gst_rtcp_packet_sdes_get_ssrc(&p), r.ssrc);
      fail_unless(gst_rtcp_packet_sdes_first_entry(&p));
      GstRTCPSDESType type;
      guint8 len = 0;
      guint8* data = nullptr;
      fail_unless(gst_rtcp_packet_sdes_get_entry(&p, &type, &len, &data));
      fail_unless_equals_int(type, GST_RTCP_SDES_CNAME);
      r.cname.assign(reinterpret_cast<const char*>(data), len);
      while (gst_rtcp_packet_sdes_next_entry(&p)) {
        fail_unless(gst_rtcp_packet_sdes_get_entry(&p, &type, &len, &data));
        r.items.emplace_back(int(type), std::string(reinterpret_cast<const char*>(data), len));
      }
    } else if (gst_rtcp_packet_get_type(&p) == GST_RTCP_TYPE_BYE) {
      for (guint i = 0; i < gst_rtcp_packet_bye_get_ssrc_count(&p); i++)
        r.bye.push_back(gst_rtcp_packet_bye_get_nth_ssrc(&p, i));
    }
  }
  gst_rtcp_buffer_unmap(&rtcp);
  gst_buffer_unref(buf);
  return r;
}

// Ten packets 0..9 of kSsrc at 90 kHz, 10 ms apart, from kT0.
void feed_ten(Harness& h) {
  for (int i = 0; i < 10; i++) h.feed(static_cast<std::uint16_t>(i), 5000 + 900 * i, i * 10.0);
}

}  // namespace

GST_START_TEST(test_sender_report_and_cname) {
  Harness h;
  feed_ten(h);
  RtcpSpec sr;
  sr.ntp = kNtp;
  sr.rtp = 5000 + 4950;  // 55 ms after the first packet
  sr.packets = 10;
  sr.octets = 40;
  sr.cname = "camera@192.0.2.1";
  fail_unless(h.feed_rtcp(rtcp_packet(sr), 100));
  const auto& last = h.receiver.last_sender_report();
  fail_unless(last.has_value());
  fail_unless_equals_int(last->report.ssrc, kSsrc);
  fail_unless(last->report.ntp == kNtp);
  fail_unless_equals_int(last->report.rtp_timestamp, 5000 + 4950);
  fail_unless_equals_int(last->report.packet_count, 10);
  fail_unless_equals_int(last->report.octet_count, 40);
  fail_unless(last->arrival == at_ms(100));
  fail_unless(last->pts && *last->pts == at_ms(55) - Instant{});
  fail_unless_equals_int(h.syncs.size(), 1);
  fail_unless(h.syncs[0].report.pts == last->pts);
  fail_unless(h.receiver.remote_cname() == "camera@192.0.2.1");
  fail_unless_equals_int(h.receiver.stats().rtcp_received, 1);

  // SR and SDES about another SSRC change nothing.
  RtcpSpec other = sr;
  other.ssrc = 0x99;
  other.ntp = 1;
  other.cname = "intruder";
  fail_unless(h.feed_rtcp(rtcp_packet(other), 110));
  fail_unless(h.receiver.last_sender_report()->report.ntp == kNtp);
  fail_unless(h.receiver.remote_cname() == "camera@192.0.2.1");
  fail_unless_equals_int(h.receiver.stats().rtcp_ignored, 2);
  fail_unless_equals_int(h.syncs.size(), 1);

  // An SR that comes while its source is on probation is placed once the source is valid.
  Harness early;
  fail_unless(early.feed_rtcp(rtcp_packet(sr), 0));
  fail_unless(early.syncs.empty());
  fail_unless(early.receiver.last_sender_report() && !early.receiver.last_sender_report()->pts);
  early.feed(0, 5000, 10);
  early.feed(1, 5900, 20);
  fail_unless_equals_int(early.syncs.size(), 1);
  fail_unless(early.syncs[0].report.pts == at_ms(10 + 55) - Instant{});
  fail_unless(early.receiver.remote_cname() == "camera@192.0.2.1");
}
GST_END_TEST;

GST_START_TEST(test_corrupt_rtcp) {
  RtcpSpec sr;
  sr.ntp = kNtp;
  sr.rtp = 5000;
  const Bytes good_sr = rtcp_packet(sr);  // SR of the current source, 28 bytes
  fail_unless_equals_int(good_sr.size(), 28);
  struct Row {
    const char* name;
    Bytes bytes;
    RtcpParseError error;
  } rows[] = {
      {"empty", {}, RtcpParseError::BadCompound},
      {"3 bytes", {0x80, 0xc9, 0x00}, RtcpParseError::BadCompound},
      {"version 1", cat({0x40, 0xc9, 0x00, 0x01, 1, 2, 3, 4}, {}), RtcpParseError::BadCompound},
      {"length beyond the datagram", cat(good_sr, {0x80, 0xca, 0x00, 0x05, 0x11, 0x22, 0x33, 0x44}),
       RtcpParseError::BadCompound},
      {"leftover bytes", cat(good_sr, {0x80, 0xca}), RtcpParseError::BadCompound},
      {"RR shorter than its SSRC", cat(good_sr, {0x80, 0xc9, 0x00, 0x00}), RtcpParseError::BadCompound},
      {"padding before the last packet", cat({0xa0, 0xc9, 0x00, 0x01, 1, 2, 3, 4}, cat(good_sr, {})),
       RtcpParseError::BadCompound},
      {"SR without sender info",
       {0x80, 0xc8, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44},
       RtcpParseError::TruncatedSr},
      {"SDES item beyond its packet",
       cat(good_sr, {0x81, 0xca, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x01, 0x0a, 'a', 'b'}),
       RtcpParseError::TruncatedSdes},
      {"SDES item without terminator",
       cat(good_sr, {0x81, 0xca, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x01, 0x02, 'a', 'b'}),
       RtcpParseError::TruncatedSdes},
      {"SDES counting two chunks, holding one",
       cat(good_sr, {0x82, 0xca, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x01, 0x01, 'a', 0x00}),
       RtcpParseError::TruncatedSdes},
      {"SDES chunk without SSRC", cat(good_sr, {0x81, 0xca, 0x00, 0x00}), RtcpParseError::TruncatedSdes},
      {"BYE counting two SSRCs, holding one", cat(good_sr, {0x82, 0xcb, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44}),
       RtcpParseError::TruncatedBye},
  };
  for (const Row& row : rows) {
    const Bytes exact(row.bytes.begin(), row.bytes.end());  // capacity == size: ASan sees overreads
    RtcpParseResult r = parse_rtcp(exact);
    fail_unless(!r.compound, "%s: accepted", row.name);
    fail_unless(r.error == row.error, "%s: %s", row.name, std::string(to_string(r.error)).c_str());
    // Through the receiver: rejected as a whole (the good SR in front is not taken), counted.
    Harness h;
    feed_ten(h);
    fail_unless(!h.feed_rtcp(row.bytes, 100), "%s", row.name);
    fail_unless_equals_int(h.receiver.stats().invalid_rtcp, 1);
    fail_unless(!h.receiver.last_sender_report(), "%s: SR taken from a bad packet", row.name);
    fail_unless(h.syncs.empty() && h.ended.empty());
  }
  // The same pieces, well formed, are taken: the rows fail for the reason they name.
  const Bytes ok[] = {
      good_sr,
      cat(good_sr, {0x81, 0xca, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x01, 0x01, 'a', 0x00}),
      cat(good_sr, {0x81, 0xcb, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44}),
      {0x81, 0xca, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x01, 0x01, 'a', 0x00},  // reduced size: SDES alone
  };
  for (const Bytes& b : ok) {
    RtcpParseResult r = parse_rtcp(b);
    fail_unless(r.compound.has_value());
  }
  RtcpParseResult sdes = parse_rtcp(ok[1]);
  fail_unless_equals_int(sdes.compound->cnames.size(), 1);
  fail_unless(sdes.compound->cnames[0].cname == "a");
  fail_unless_equals_int(sdes.compound->cnames[0].ssrc, 0x11223344);
}
GST_END_TEST;

GST_START_TEST(test_bye) {
  Harness h;
  h.feed(1, 0, 0);
  h.feed(2, 900, 10);
  h.feed(4, 2700, 30);  // held: 3 missing
  // A BYE naming another SSRC (spoofed, or a stray source) is ignored.
  RtcpSpec spoof;
  spoof.ssrc = 0xdeadbeef;
  spoof.sr = false;
  spoof.bye = {0xdeadbeef};
  fail_unless(h.feed_rtcp(rtcp_packet(spoof), 40));
  fail_unless(h.ended.empty());
  fail_unless_equals_int(h.receiver.stats().rtcp_ignored, 1);
  fail_unless(h.receiver.remote_ssrc() == kSsrc);
  fail_unless(h.feed(5, 3600, 50) == RtpVerdict::Accepted);
  fail_unless_equals_int(h.receiver.held_packets(), 2);
  // The source's own BYE: what it sent goes out first (the gap as Lost), then Ended.
  RtcpSpec bye;
  bye.sr = false;
  bye.bye = {0x1, kSsrc};
  fail_unless(h.feed_rtcp(rtcp_packet(bye), 60));
  fail_unless_equals_int(h.ended.size(), 1);
  fail_unless_equals_int(h.ended[0].ssrc, kSsrc);
  fail_unless(h.seqs == std::vector<std::uint16_t>({1, 2, 4, 5}));
  fail_unless(h.order == std::vector<std::size_t>({0, 0, 1, 0, 0, 3}));
  fail_unless(!h.receiver.remote_ssrc());
  // Its late packets are dropped.
  fail_unless(h.feed(6, 4500, 70) == RtpVerdict::Ended);
  fail_unless_equals_int(h.receiver.stats().after_bye, 1);
  fail_unless_equals_int(h.released.back(), h.last_id);
}
GST_END_TEST;

GST_START_TEST(test_receiver_report_values) {
  // 8 kHz, 20 ms packets, 3 and 7 lost, 5 arrives 5 ms late. By hand (RFC 3550 A.3, A.8):
  //   expected 10 (0..9), received 8: cumulative 2, fraction 2 * 256 / 10 = 51, extended highest 9
  //   transit 0 0 0 0 40 0 0 0 -> |D| 0 0 0 40 40 0 0 -> J 0 0 0 2.5 4.84 4.54 4.26 -> 4
  RtpReceiverConfig c = Harness::default_config();
  c.clock_rate = 8000;
  Harness h(c);
  for (int i : {0, 1, 2, 4, 5, 6, 8, 9})
    h.feed(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 160), i * 20.0 + (i == 5 ? 5 : 0));
  RtcpSpec sr;
  sr.ntp = kNtp;
  sr.rtp = 1500;
  fail_unless(h.feed_rtcp(rtcp_packet(sr), 190));
  h.advance(400);  // 3 and 7 declared lost, everything out
  fail_unless(h.seqs == std::vector<std::uint16_t>({0, 1, 2, 4, 5, 6, 8, 9}));
  fail_unless(h.rtcp.empty());
  // The first report: 2.5 s (half the minimum, RFC 3550 §6.2) times 0.5 + random (0.5 here).
  fail_unless(*h.receiver.poll_timeout() == at_ms(2500));
  h.advance(2499);
  fail_unless(h.rtcp.empty());
  h.advance(2500);
  fail_unless_equals_int(h.rtcp.size(), 1);
  Report r = read_report(h.rtcp[0]);
  fail_unless_equals_int(r.ssrc, 0xcafe0001);
  fail_unless(r.cname == "tester@127.0.0.1");
  fail_unless_equals_int(r.blocks.size(), 1);
  fail_unless_equals_int(r.blocks[0].ssrc, kSsrc);
  fail_unless_equals_int(r.blocks[0].fraction, 51);
  fail_unless_equals_int(r.blocks[0].lost, 2);
  fail_unless_equals_int(r.blocks[0].ext_highest, 9);
  fail_unless_equals_int(r.blocks[0].jitter, 4);
  fail_unless_equals_int(r.blocks[0].lsr, 0x456789ab);
  fail_unless_equals_int(r.blocks[0].dlsr, 151388);  // 2.310 s * 65536
  fail_unless_equals_int(h.receiver.stats().rtcp_sent, 1);

  // Next interval: 10..19 all there. The next report is 5 s later (0.5 + 0.5 times the 5 s minimum).
  for (int i = 10; i < 20; i++)
    h.feed(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 160), 2500 + i * 20.0);
  fail_unless(*h.receiver.poll_timeout() == at_ms(7500));
  h.advance(7500);
  fail_unless_equals_int(h.rtcp.size(), 2);
  r = read_report(h.rtcp[1]);
  fail_unless_equals_int(r.blocks[0].fraction, 0);
  fail_unless_equals_int(r.blocks[0].lost, 2);
  fail_unless_equals_int(r.blocks[0].ext_highest, 19);
  // Nothing received since: no report block about the source (RFC 3550 §6.4).
  h.advance(12500);
  fail_unless_equals_int(h.rtcp.size(), 3);
  r = read_report(h.rtcp[2]);
  fail_unless(r.blocks.empty());

  // Before any packet: an empty RR with our SDES. Without a configured SSRC the random source picks it.
  RtpReceiverConfig e = Harness::default_config();
  e.local_ssrc.reset();
  e.random = [] { return 0.25; };
  Harness empty(e);
  fail_unless_equals_int(empty.receiver.local_ssrc(), 0x40000000);
  empty.advance(10000);
  fail_unless_equals_int(empty.rtcp.size(), 1);
  r = read_report(empty.rtcp[0]);
  fail_unless_equals_int(r.ssrc, 0x40000000);
  fail_unless(r.blocks.empty());
  fail_unless(r.cname == "tester@127.0.0.1");

  // BYE of our own: RR + SDES + BYE, and no report after it.
  h.receiver.send_bye(at_ms(13000));
  h.collect();
  r = read_report(h.rtcp.back());
  fail_unless(r.bye == std::vector<std::uint32_t>{0xcafe0001});
  fail_unless(!h.receiver.poll_timeout());
}
GST_END_TEST;

// The sdes property's items follow the CNAME in every report; a value is cut at 255 bytes, and END or a
// second CNAME is not written.
GST_START_TEST(test_sdes_items) {
  RtpReceiverConfig c = Harness::default_config();
  c.sdes_items = {{GST_RTCP_SDES_TOOL, "nvr-x"},
                  {GST_RTCP_SDES_CNAME, "second"},
                  {GST_RTCP_SDES_END, "end"},
                  {GST_RTCP_SDES_NOTE, std::string(300, 'n')}};
  Harness h(c);
  h.feed(0, 0, 0);
  h.advance(10000);
  fail_unless(!h.rtcp.empty());
  const Report r = read_report(h.rtcp.back());
  fail_unless(r.cname == "tester@127.0.0.1");
  fail_unless_equals_int(r.items.size(), 2);
  fail_unless_equals_int(r.items[0].first, GST_RTCP_SDES_TOOL);
  fail_unless(r.items[0].second == "nvr-x");
  fail_unless_equals_int(r.items[1].first, GST_RTCP_SDES_NOTE);
  fail_unless(r.items[1].second == std::string(255, 'n'));
  // Items that would pass 1400 bytes (an MTU, as rtpsession) are left out; the report stays valid.
  RtpReceiverConfig big = Harness::default_config();
  for (std::uint8_t type = GST_RTCP_SDES_NAME; type <= GST_RTCP_SDES_NOTE; ++type)
    big.sdes_items.push_back({type, std::string(255, char('a' + type))});
  Harness hb(big);
  hb.feed(0, 0, 0);
  hb.advance(10000);
  fail_unless(!hb.rtcp.empty() && hb.rtcp.back().size() <= 1400);
  const Report rb = read_report(hb.rtcp.back());
  fail_unless_equals_int(rb.items.size(), 3);
  fail_unless(rb.items[2].first == GST_RTCP_SDES_PHONE && rb.items[2].second == std::string(255, 'e'));
  // Without items: the CNAME alone.
  Harness plain(Harness::default_config());
  plain.advance(10000);
  fail_unless(read_report(plain.rtcp.back()).items.empty());
}
GST_END_TEST;

GST_START_TEST(test_report_interval) {
  // Scripted random values: the extremes of 0.5-1.5 times the interval.
  std::vector<double> draws = {0.0, 0.999999, 0.0, 0.5};
  std::size_t next = 0;
  RtpReceiverConfig c = Harness::default_config();
  c.random = [&] { return draws[next++ % draws.size()]; };
  Harness h(c);
  const double expect_ms[] = {1250, 1250 + 7499.995, 1250 + 7499.995 + 2500, 1250 + 7499.995 + 2500 + 5000};
  for (double want : expect_ms) {
    const Instant t = *h.receiver.poll_timeout();
    fail_unless(std::llabs((t - at_ms(want)).count()) < 1000, "report at %f ms, expected %f", ms_of(t - kT0),
                want);
    h.advance_to(t);
  }
  fail_unless_equals_int(h.rtcp.size(), 4);

  // A real random source: every interval within [2.5 s, 7.5 s), and spread over it.
  RtpReceiverConfig r = Harness::default_config();
  r.random = {};
  Harness rnd(r);
  Instant prev = kT0;
  double lo = 1e9, hi = 0, sum = 0;
  const int n = 400;
  for (int i = 0; i <= n; i++) {
    const Instant t = *rnd.receiver.poll_timeout();
    if (i > 0) {
      const double ms = ms_of(t - prev);
      lo = std::min(lo, ms);
      hi = std::max(hi, ms);
      sum += ms;
    } else {
      fail_unless(t >= kT0 + 1250ms && t < kT0 + 3750ms);
    }
    prev = t;
    rnd.advance_to(t);
  }
  fail_unless(lo >= 2500 && hi < 7500, "intervals %f..%f ms", lo, hi);
  fail_unless(lo < 3000 && hi > 7000, "not randomised: %f..%f ms", lo, hi);
  fail_unless(std::fabs(sum / n - 5000) < 300, "mean %f ms", sum / n);

  // The bandwidth rule of RFC 3550 A.7 when it exceeds the minimum.
  struct Row {
    int members, senders;
    double bandwidth, avg_size;
    bool initial;
    double seconds;
  } rows[] = {
      {2, 1, 0, 100, false, 5},     // no bandwidth given: the minimum
      {2, 1, 0, 100, true, 2.5},    // first report: half of it
      {2, 1, 20, 100, false, 10},   // 100 bytes * 2 members / 20 bytes/s
      {10, 1, 20, 100, false, 60},  // few senders: receivers share 75 %: 100 * 9 / 15
      {2, 1, 1e6, 100, false, 5},   // plenty of bandwidth: the minimum again
  };
  for (const Row& row : rows) {
    RtcpIntervalInput in;
    in.members = row.members;
    in.senders = row.senders;
    in.rtcp_bandwidth = row.bandwidth;
    in.avg_rtcp_size = row.avg_size;
    in.initial = row.initial;
    const double got = std::chrono::duration<double>(rtcp_deterministic_interval(in)).count();
    fail_unless(std::fabs(got - row.seconds) < 1e-6, "%d members: %f s, expected %f", row.members, got,
                row.seconds);
  }
}
GST_END_TEST;

GST_START_TEST(test_sync_offset) {
  // One sender, video (90 kHz) and audio (48 kHz) sampled from the same clock, 20 ms packets. Video arrives
  // 10 ms after it is sent, audio 110 ms: each receiver maps its first packet to its arrival, so audio comes
  // out 100 ms late. The SRs say which RTP time was which NTP time; the offset brings audio back.
  struct Row {
    double video_sr_ms, audio_sr_ms;  // sender time of each SR
  } rows[] = {{1000, 1000}, {1000, 1500}, {1980, 620}};
  for (const Row& row : rows) {
    RtpReceiverConfig vc = Harness::default_config();
    RtpReceiverConfig ac = Harness::default_config();
    ac.clock_rate = 48000;
    Harness video(vc), audio(ac);
    constexpr std::uint32_t kV0 = 123456, kA0 = 4294900000u;  // audio wraps on the way
    for (int i = 0; i < 100; i++) {
      video.feed(static_cast<std::uint16_t>(i), kV0 + 1800 * i, 20.0 * i + 10);
      audio.feed(static_cast<std::uint16_t>(9000 + i), kA0 + 960u * i, 20.0 * i + 110, 0x77);
    }
    const std::uint64_t ntp0 = std::uint64_t{3900000000u} << 32;
    auto ntp_at = [&](double ms) { return ntp0 + static_cast<std::uint64_t>(ms / 1000.0 * 4294967296.0); };
    RtcpSpec vs, as;
    vs.ntp = ntp_at(row.video_sr_ms);
    vs.rtp = kV0 + static_cast<std::uint32_t>(row.video_sr_ms * 90);
    as.ssrc = 0x77;
    as.ntp = ntp_at(row.audio_sr_ms);
    as.rtp = kA0 + static_cast<std::uint32_t>(row.audio_sr_ms * 48);
    fail_unless(video.feed_rtcp(rtcp_packet(vs), 2100));
    fail_unless(audio.feed_rtcp(rtcp_packet(as), 2100));
    auto offset = sync_offset(*video.receiver.last_sender_report(), *audio.receiver.last_sender_report());
    fail_unless(offset.has_value());
    fail_unless(std::llabs((*offset + 100ms).count()) < 1000, "offset %f ms", ms_of(*offset));
    // Same sender instant, same pts once the offset is applied.
    fail_unless(std::llabs((audio.packets[50].pts + *offset - video.packets[50].pts).count()) < 1000);
    // The other way round, the opposite offset.
    auto back = sync_offset(*audio.receiver.last_sender_report(), *video.receiver.last_sender_report());
    fail_unless(std::llabs((*back - 100ms).count()) < 1000);
  }
  // Without a mapped SR there is nothing to say.
  ReceivedSenderReport a, b;
  a.pts = 1ms;
  fail_unless(!sync_offset(a, b));
  fail_unless_equals_int(ntp_diff_ns(std::uint64_t{5} << 32, std::uint64_t{7} << 32), -2000000000);
  fail_unless_equals_int(ntp_diff_ns(std::uint64_t{1} << 31, 0xffffffffull << 32),
                         1500000000);  // across the wrap
  fail_unless_equals_int(to_dlsr(std::chrono::milliseconds(1500)), 98304);
}
GST_END_TEST;

static Suite* rtp_receiver_rtcp_suite() {
  Suite* s = suite_create("rtp_receiver_rtcp");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_sender_report_and_cname);
  tcase_add_test(tc, test_corrupt_rtcp);
  tcase_add_test(tc, test_bye);
  tcase_add_test(tc, test_receiver_report_values);
  tcase_add_test(tc, test_report_interval);
  tcase_add_test(tc, test_sdes_items);
  tcase_add_test(tc, test_sync_offset);
  return s;
}

GST_CHECK_MAIN(rtp_receiver_rtcp);
