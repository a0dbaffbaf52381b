// RtpReceiver, RTP side: header checks, sequence validation, the reorder window, the clock mapping. Fake
// clock: every packet says when it arrives; nothing sleeps. RTCP is in test_rtp_receiver_rtcp.cpp.
#include "rtp_receiver.hpp"

#include <gst/rtp/gstrtpbuffer.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "rtp_clock.hpp"
#include "rtp_packet.hpp"
#include "rtp_receiver_harness.hpp"
#include "rtp_seq.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;
using namespace rtsp2::core::test;

namespace {

using Bytes = std::vector<std::uint8_t>;
using Seqs = std::vector<std::uint16_t>;

// 90 kHz, one packet every 10 ms: timestamp step 900.
constexpr std::uint32_t kTs0 = 1000000;
std::uint32_t ts_of(int i) {
  return kTs0 + static_cast<std::uint32_t>(i) * 900;
}

bool gst_accepts(const Bytes& b) {
  GstBuffer* buf = gst_buffer_new_memdup(b.data(), b.size());
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  const bool ok = gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp);
  if (ok) gst_rtp_buffer_unmap(&rtp);
  gst_buffer_unref(buf);
  return ok;
}

std::string seqs_str(const Seqs& s) {
  std::string out;
  for (auto v : s) out += std::to_string(v) + " ";
  return out;
}

#define assert_seqs(actual, ...)                                                       \
  do {                                                                                 \
    const Seqs want_ = __VA_ARGS__;                                                    \
    fail_unless((actual) == want_, "output %s, expected %s", seqs_str(actual).c_str(), \
                seqs_str(want_).c_str());                                              \
  } while (0)

}  // namespace

GST_START_TEST(test_header_checks) {
  struct Row {
    const char* name;
    std::function<Bytes()> make;
    bool ok;
    RtpParseError error;
    std::size_t header, payload;
    bool gst_ok;  // what gst_rtp_buffer_map() says
  } rows[] = {
      {"plain", [] { return rtp_packet(1, 2); }, true, {}, 12, 4, true},
      {"two CSRCs",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 12);
         b[0] |= 2;
         return b;
       },
       true,
       {},
       20,
       4,
       true},
      {"CSRC count beyond length",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 4);
         b[0] |= 15;
         return b;
       },
       false, RtpParseError::CsrcOverflow, 0, 0, false},
      {"empty extension",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 8);
         b[0] |= 0x10;
         b[14] = b[15] = 0;
         return b;
       },
       true,
       {},
       16,
       4,
       true},
      {"extension length beyond packet",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 8);
         b[0] |= 0x10;
         b[14] = 0;
         b[15] = 2;  // 8 more bytes, only 4 there
         return b;
       },
       false, RtpParseError::ExtensionOverflow, 0, 0, false},
      {"extension header beyond packet",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 2);
         b[0] |= 0x10;
         return b;
       },
       false, RtpParseError::ExtensionOverflow, 0, 0, false},
      {"padding 3",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 8);
         b[0] |= 0x20;
         b.back() = 3;
         return b;
       },
       true,
       {},
       12,
       5,
       true},
      {"padding beyond payload",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 8);
         b[0] |= 0x20;
         b.back() = 21;
         return b;
       },
       false, RtpParseError::BadPadding, 0, 0, false},
      {"padding count 0",
       [] {
         Bytes b = rtp_packet(1, 2, kSsrc, 8);
         b[0] |= 0x20;
         b.back() = 0;
         return b;
       },
       false, RtpParseError::BadPadding, 0, 0, true},
      {"version 1",
       [] {
         Bytes b = rtp_packet(1, 2);
         b[0] = 0x40;
         return b;
       },
       false, RtpParseError::BadVersion, 0, 0, false},
      {"11 bytes", [] { return Bytes(11, 0x80); }, false, RtpParseError::TooShort, 0, 0, false},
      {"RTCP SR on the RTP port",
       [] {
         Bytes b = rtp_packet(1, 2);
         b[1] = 200;
         return b;
       },
       false, RtpParseError::RtcpPayloadType, 0, 0, false},
  };
  for (const Row& row : rows) {
    const Bytes b = row.make();
    RtpParseResult r = parse_rtp_header(b);
    fail_unless(r.header.has_value() == row.ok, "%s", row.name);
    fail_unless(gst_accepts(b) == row.gst_ok, "%s: gst_rtp_buffer_map disagrees with the table", row.name);
    if (row.ok) {
      fail_unless_equals_int(r.header->header_size, row.header);
      fail_unless_equals_int(r.header->payload_size, row.payload);
      fail_unless_equals_int(r.header->seq, 1);
      fail_unless_equals_int(r.header->timestamp, 2);
      fail_unless_equals_int(r.header->ssrc, kSsrc);
    } else {
      fail_unless(r.error == row.error, "%s: error %s", row.name, std::string(to_string(r.error)).c_str());
      // Through the receiver: rejected, counted, the handle given back, nothing output.
      Harness h;
      fail_unless(h.feed_bytes(b, 0) == RtpVerdict::Invalid, "%s", row.name);
      fail_unless_equals_int(h.receiver.stats().invalid_rtp, 1);
      fail_unless_equals_int(h.receiver.stats().packets_received, 0);
      fail_unless(h.released == std::vector<std::uintptr_t>{1}, "%s: handle not released", row.name);
      fail_unless(h.packets.empty());
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_in_order) {
  Harness h;
  for (int i = 0; i < 50; i++) {
    const RtpVerdict v = h.feed(static_cast<std::uint16_t>(100 + i), ts_of(i), i * 10.0);
    // Probation holds the first packet until the second one follows it.
    fail_unless(v == (i == 0 ? RtpVerdict::Probation : RtpVerdict::Accepted), "packet %d", i);
    fail_unless_equals_int(h.packets.size(), i == 0 ? 0 : i + 1);
  }
  for (int i = 0; i < 50; i++) {
    const rtp_out::Packet& p = h.packets[i];
    fail_unless_equals_int(p.seq, 100 + i);
    fail_unless_equals_int(p.ext_seq, 65536 + 100 + i);
    fail_unless_equals_int(reinterpret_cast<std::uintptr_t>(p.handle), i + 1);
    fail_unless_equals_int(p.ext_timestamp, ts_of(i));
    fail_unless(p.discont == (i == 0));
    // Jitter-free arrivals: the pts is the arrival, exactly.
    fail_unless(p.pts == at_ms(i * 10.0) - Instant{}, "packet %d pts %f ms", i, ms_of(p.pts));
  }
  const RtpReceiverStats& s = h.receiver.stats();
  fail_unless_equals_int(s.packets_received, 50);
  fail_unless_equals_int(s.packets_output, 50);
  fail_unless_equals_int(s.bytes_received, 50 * 16);
  fail_unless_equals_int(s.packets_lost + s.packets_reordered + s.duplicates + s.late, 0);
  fail_unless_equals_int(s.jitter, 0);
  fail_unless(h.released.empty());
  fail_unless_equals_int(h.receiver.held_packets(), 0);
  fail_unless(h.receiver.remote_ssrc() == kSsrc);
  // Nothing held: the only deadline is the first RTCP report.
  fail_unless(h.receiver.poll_timeout() && *h.receiver.poll_timeout() > at_ms(490));
}
GST_END_TEST;

// Packets given by index (i: seq 10 + i, ts of i) in arrival order, one every 5 ms; all inside the window.
GST_START_TEST(test_reorder_inside_window) {
  struct Row {
    std::vector<int> arrival_order;
    std::uint64_t reordered;
  } rows[] = {
      {{0, 1, 3, 2, 4}, 1},
      {{0, 1, 4, 3, 2, 5}, 2},
      {{0, 1, 5, 4, 6, 3, 2, 7}, 3},
      {{0, 1, 2, 3, 4, 5}, 0},
  };
  for (const Row& row : rows) {
    Harness h;
    double t = 0;
    int highest = -1;
    for (int i : row.arrival_order) {
      h.feed(static_cast<std::uint16_t>(10 + i), ts_of(i), t);
      highest = std::max(highest, i);
      // Whatever is output is contiguous from the start: a held packet waits for the ones before it.
      for (std::size_t k = 0; k < h.seqs.size(); k++) fail_unless_equals_int(h.seqs[k], 10 + k);
      t += 5;
    }
    fail_unless_equals_int(h.seqs.size(), row.arrival_order.size());
    fail_unless(h.lost.empty());
    fail_unless_equals_int(h.receiver.stats().packets_reordered, row.reordered);
    fail_unless_equals_int(h.receiver.stats().packets_lost, 0);
    fail_unless_equals_int(h.receiver.held_packets(), 0);
  }
}
GST_END_TEST;

GST_START_TEST(test_reorder_outside_window) {
  Harness h;  // latency 200 ms
  h.feed(1, ts_of(0), 0);
  h.feed(2, ts_of(1), 10);
  h.feed(4, ts_of(3), 30);  // 3 is missing
  assert_seqs(h.seqs, {1, 2});
  fail_unless(*h.receiver.poll_timeout() == at_ms(230));
  h.advance(229.9);
  assert_seqs(h.seqs, {1, 2});
  h.advance(230);
  assert_seqs(h.seqs, {1, 2, 4});
  fail_unless_equals_int(h.lost.size(), 1);
  fail_unless_equals_int(h.lost[0].first_seq, 3);
  fail_unless_equals_int(h.lost[0].count, 1);
  fail_unless(h.packets[2].discont);
  // The Lost comes before the packet after the gap.
  fail_unless(h.order == std::vector<std::size_t>({0, 0, 1, 0}));
  // Too late now: dropped, counted, handle back.
  fail_unless(h.feed(3, ts_of(2), 240) == RtpVerdict::Late);
  fail_unless_equals_int(h.receiver.stats().late, 1);
  fail_unless_equals_int(h.receiver.stats().packets_lost, 1);
  fail_unless(h.released == std::vector<std::uintptr_t>{4});
  h.feed(5, ts_of(4), 250);
  assert_seqs(h.seqs, {1, 2, 4, 5});
  fail_unless(!h.packets[3].discont);
}
GST_END_TEST;

GST_START_TEST(test_loss_bursts) {
  // 3..9 lost: one Lost of 7 at the deadline, with the time between 2 and 10 spread over the gap.
  Harness h;
  h.feed(1, ts_of(0), 0);
  h.feed(2, ts_of(1), 10);
  h.feed(10, ts_of(9), 90);
  h.feed(11, ts_of(10), 100);
  assert_seqs(h.seqs, {1, 2});
  h.advance(289);
  assert_seqs(h.seqs, {1, 2});
  h.advance(290);
  assert_seqs(h.seqs, {1, 2, 10, 11});
  fail_unless_equals_int(h.lost.size(), 1);
  fail_unless_equals_int(h.lost[0].first_seq, 3);
  fail_unless_equals_int(h.lost[0].first_ext_seq, h.packets[1].ext_seq + 1);
  fail_unless_equals_int(h.lost[0].count, 7);
  fail_unless(h.lost[0].pts == h.packets[1].pts + 10ms, "lost pts %f", ms_of(h.lost[0].pts));
  fail_unless(h.lost[0].duration == 70ms, "lost duration %f", ms_of(h.lost[0].duration));
  fail_unless_equals_int(h.receiver.stats().packets_lost, 7);

  // Two bursts: each gap gets its own Lost, in order, when its packet's turn comes.
  Harness b;
  b.feed(1, ts_of(0), 0);
  b.feed(2, ts_of(1), 10);
  b.feed(5, ts_of(4), 40);
  b.feed(9, ts_of(8), 80);
  b.advance(240);
  assert_seqs(b.seqs, {1, 2, 5});
  b.advance(280);
  assert_seqs(b.seqs, {1, 2, 5, 9});
  fail_unless_equals_int(b.lost.size(), 2);
  fail_unless_equals_int(b.lost[0].first_seq, 3);
  fail_unless_equals_int(b.lost[0].count, 2);
  fail_unless_equals_int(b.lost[1].first_seq, 6);
  fail_unless_equals_int(b.lost[1].count, 3);
  fail_unless(b.order == std::vector<std::size_t>({0, 0, 1, 0, 1, 0}));

  // The deadline runs from the earliest arrival among the held packets, not from the lowest one's.
  Harness e;
  e.feed(1, ts_of(0), 0);
  e.feed(2, ts_of(1), 10);
  e.feed(6, ts_of(5), 20);
  e.feed(5, ts_of(4), 100);  // 3, 4 missing
  fail_unless(*e.receiver.poll_timeout() == at_ms(220));
  e.advance(220);
  assert_seqs(e.seqs, {1, 2, 5, 6});
  fail_unless_equals_int(e.lost[0].count, 2);
}
GST_END_TEST;

GST_START_TEST(test_seq_wrap) {
  // In order across 65535 -> 0: extended numbers keep counting.
  Harness h;
  const Seqs in = {65533, 65534, 65535, 0, 1, 2};
  for (std::size_t i = 0; i < in.size(); i++) h.feed(in[i], ts_of(static_cast<int>(i)), i * 10.0);
  assert_seqs(h.seqs, {65533, 65534, 65535, 0, 1, 2});
  for (std::size_t i = 1; i < h.packets.size(); i++)
    fail_unless_equals_int(h.packets[i].ext_seq, h.packets[i - 1].ext_seq + 1);
  fail_unless(h.lost.empty());

  // Loss across the wrap: 65535, 0 and 1 lost.
  Harness l;
  l.feed(65533, ts_of(0), 0);
  l.feed(65534, ts_of(1), 10);
  l.feed(2, ts_of(5), 50);
  l.feed(3, ts_of(6), 60);
  l.advance(250);
  assert_seqs(l.seqs, {65533, 65534, 2, 3});
  fail_unless_equals_int(l.lost.size(), 1);
  fail_unless_equals_int(l.lost[0].first_seq, 65535);
  fail_unless_equals_int(l.lost[0].count, 3);
  fail_unless_equals_int(l.lost[0].first_ext_seq, l.packets[1].ext_seq + 1);
  fail_unless_equals_int(l.packets[2].ext_seq, l.packets[1].ext_seq + 4);
  // Reordered across the wrap: 0 before 65535.
  Harness r;
  r.feed(65533, ts_of(0), 0);
  r.feed(65534, ts_of(1), 10);
  r.feed(0, ts_of(3), 20);
  r.feed(65535, ts_of(2), 25);
  assert_seqs(r.seqs, {65533, 65534, 65535, 0});
  fail_unless_equals_int(r.receiver.stats().packets_reordered, 1);
}
GST_END_TEST;

GST_START_TEST(test_ssrc_change) {
  constexpr std::uint32_t kOther = 0x55667788;
  Harness h;
  h.feed(1, ts_of(0), 0);
  h.feed(2, ts_of(1), 10);
  h.feed(4, ts_of(3), 30);  // held: 3 missing
  // One packet of another SSRC does not take over: it is on probation.
  fail_unless(h.feed(500, 7777, 40, kOther) == RtpVerdict::Probation);
  fail_unless(h.receiver.remote_ssrc() == kSsrc);
  fail_unless_equals_int(h.receiver.held_packets(), 2);
  // Its second sequential packet does: the old source's held packets go out first (3 declared lost).
  fail_unless(h.feed(501, 7777 + 900, 50, kOther) == RtpVerdict::Accepted);
  fail_unless(h.receiver.remote_ssrc() == kOther);
  assert_seqs(h.seqs, {1, 2, 4, 500, 501});
  fail_unless_equals_int(h.lost.size(), 1);
  fail_unless_equals_int(h.lost[0].first_seq, 3);
  fail_unless(h.packets[3].discont);
  fail_unless_equals_int(h.packets[3].ssrc, kOther);
  fail_unless(h.packets[3].ext_seq > h.packets[2].ext_seq);
  fail_unless_equals_int(h.packets[3].ext_seq & 0xffff, 500);
  // The new source is mapped afresh: its first packet's pts is its arrival.
  fail_unless(h.packets[3].pts == at_ms(40) - Instant{});
  fail_unless(h.packets[4].pts == at_ms(50) - Instant{});
  fail_unless_equals_int(h.receiver.stats().ssrc_changes, 1);
  // Packets of the old SSRC are now the stranger on probation.
  fail_unless(h.feed(5, ts_of(4), 60) == RtpVerdict::Probation);
  h.feed(502, 7777 + 1800, 70, kOther);
  assert_seqs(h.seqs, {1, 2, 4, 500, 501, 502});
  fail_unless_equals_int(h.receiver.held_packets(), 1);
}
GST_END_TEST;

GST_START_TEST(test_timestamp_jumps) {
  struct Row {
    const char* name;
    std::int64_t jump;  // ticks added to the timestamps from packet 20 on
  } rows[] = {
      {"10 s forwards", 900000},
      {"10 s backwards", -900000},
      {"a day forwards", std::int64_t{90000} * 86400},
      {"30 ms forwards (no resync)", 2700},
  };
  for (const Row& row : rows) {
    Harness h;
    for (int i = 0; i < 40; i++) {
      std::int64_t ts = ts_of(i) + (i >= 20 ? row.jump : 0);
      h.feed(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(ts), i * 10.0);
    }
    fail_unless_equals_int(h.packets.size(), 40);
    const bool resync = std::llabs(row.jump) > 90000;
    fail_unless_equals_int(h.receiver.stats().clock_resyncs, resync ? 1 : 0);
    for (int i = 1; i < 40; i++)
      fail_unless(h.packets[i].pts >= h.packets[i - 1].pts, "%s: pts went back at %d", row.name, i);
    if (resync) {
      // Re-anchored at the jump: pts keeps following the arrivals, and the extended timestamp the jump.
      for (int i = 20; i < 40; i++)
        fail_unless(h.packets[i].pts == at_ms(i * 10.0) - Instant{}, "%s: packet %d at %f", row.name, i,
                    ms_of(h.packets[i].pts - (at_ms(i * 10.0) - Instant{})));
      // The 32-bit timestamp only tells the jump modulo 2^32, to the nearer side.
      fail_unless_equals_int(h.packets[20].ext_timestamp - h.packets[19].ext_timestamp,
                             900 + static_cast<std::int32_t>(static_cast<std::uint32_t>(row.jump)));
    } else {
      // A small jump is followed (the sender said so), then the skew estimate takes in the new transit.
      const auto step = h.packets[20].pts - h.packets[19].pts;
      fail_unless(step >= 10ms && step <= 40ms, "%s: step %f ms", row.name, ms_of(step));
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_duplicates) {
  Harness h;
  h.feed(1, ts_of(0), 0);
  h.feed(2, ts_of(1), 10);
  h.feed(3, ts_of(2), 20);
  fail_unless(h.feed(3, ts_of(2), 21) == RtpVerdict::Duplicate);  // of the last output
  fail_unless(h.feed(1, ts_of(0), 22) == RtpVerdict::Duplicate);  // of an older output
  h.feed(5, ts_of(4), 40);
  fail_unless(h.feed(5, ts_of(4), 41) == RtpVerdict::Duplicate);  // of a held packet
  h.feed(4, ts_of(3), 45);
  assert_seqs(h.seqs, {1, 2, 3, 4, 5});
  fail_unless_equals_int(h.receiver.stats().duplicates, 3);
  fail_unless_equals_int(h.receiver.stats().late, 0);
  fail_unless(h.released == std::vector<std::uintptr_t>({4, 5, 7}));
  // The output packet of seq 5 is the first copy.
  fail_unless_equals_int(reinterpret_cast<std::uintptr_t>(h.packets[4].handle), 6);
}
GST_END_TEST;

GST_START_TEST(test_probation) {
  struct Row {
    unsigned probation;
    Seqs in;
    Seqs out;
    std::uint64_t probation_dropped;
  } rows[] = {
      {2, {10, 11, 12}, {10, 11, 12}, 0},
      {2, {10, 12, 13, 14}, {12, 13, 14}, 1},
      {2, {10, 12, 14, 15}, {14, 15}, 2},
      {3, {10, 11, 13, 14, 15}, {13, 14, 15}, 2},
      {1, {10, 12}, {10}, 0},  // valid at once; 12 then waits for 11
      {0, {7}, {7}, 0},
  };
  for (const Row& row : rows) {
    RtpReceiverConfig c = Harness::default_config();
    c.probation = row.probation;
    Harness h(c);
    for (std::size_t i = 0; i < row.in.size(); i++) h.feed(row.in[i], ts_of(row.in[i]), i * 10.0);
    fail_unless(h.seqs == row.out, "probation %u: %s", row.probation, seqs_str(h.seqs).c_str());
    fail_unless_equals_int(h.receiver.stats().probation_dropped, row.probation_dropped);
    fail_unless_equals_int(h.released.size(), row.probation_dropped);
  }
  // A long probation holds at most the last 32 packets of the run (the rtspsrc property goes up to
  // G_MAXUINT): the older ones are dropped as they come, the source still needs its whole run.
  for (unsigned probation : {40u, 4000000000u}) {
    RtpReceiverConfig c = Harness::default_config();
    c.probation = probation;
    Harness h(c);
    for (std::uint16_t seq = 0; seq < 40; ++seq) {
      h.feed(seq, ts_of(seq), seq * 10.0);
      fail_unless(h.receiver.held_packets() <= 32);
    }
    h.advance(10000);
    fail_unless_equals_int(h.receiver.stats().probation_dropped, 8);
    if (probation == 40) {
      fail_unless_equals_int(h.seqs.size(), 32);
      fail_unless_equals_int(h.seqs.front(), 8);
      fail_unless_equals_int(h.seqs.back(), 39);
    } else {
      fail_unless(h.seqs.empty());
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_sequence_restart) {
  // A jump the next packet confirms: the sender restarted. Both go out, no Lost for the jump.
  Harness h;
  for (int i = 0; i < 5; i++) h.feed(static_cast<std::uint16_t>(100 + i), ts_of(i), i * 10.0);
  fail_unless(h.feed(40000, ts_of(5), 50) == RtpVerdict::BigJump);
  assert_seqs(h.seqs, {100, 101, 102, 103, 104});
  fail_unless(h.feed(40001, ts_of(6), 60) == RtpVerdict::Accepted);
  assert_seqs(h.seqs, {100, 101, 102, 103, 104, 40000, 40001});
  fail_unless(h.lost.empty());
  fail_unless(h.packets[5].discont);
  fail_unless(h.packets[5].ext_seq > h.packets[4].ext_seq);
  fail_unless_equals_int(h.receiver.stats().seq_restarts, 1);
  h.feed(40002, ts_of(7), 70);
  assert_seqs(h.seqs, {100, 101, 102, 103, 104, 40000, 40001, 40002});

  // An unconfirmed jump is dropped when the next jump replaces it; the stream goes on meanwhile.
  Harness j;
  j.feed(1, ts_of(0), 0);
  j.feed(2, ts_of(1), 10);
  fail_unless(j.feed(30000, ts_of(2), 20) == RtpVerdict::BigJump);
  j.feed(3, ts_of(3), 30);
  fail_unless(j.feed(50000, ts_of(4), 40) == RtpVerdict::BigJump);
  j.feed(4, ts_of(5), 50);
  assert_seqs(j.seqs, {1, 2, 3, 4});
  fail_unless_equals_int(j.receiver.stats().jump_dropped, 1);
  fail_unless(j.released == std::vector<std::uintptr_t>{3});
}
GST_END_TEST;

GST_START_TEST(test_window_full) {
  for (bool drop : {false, true}) {
    RtpReceiverConfig c = Harness::default_config();
    c.max_held_packets = 4;
    c.drop_on_latency = drop;
    Harness h(c);
    h.feed(1, ts_of(0), 0);
    h.feed(2, ts_of(1), 10);
    for (int i = 4; i <= 7; i++) h.feed(static_cast<std::uint16_t>(i), ts_of(i - 1), i * 10.0);
    fail_unless_equals_int(h.receiver.held_packets(), 4);
    assert_seqs(h.seqs, {1, 2});
    h.feed(8, ts_of(7), 80);  // a fifth would not fit
    fail_unless_equals_int(h.receiver.held_packets(), 0);
    if (!drop) {
      assert_seqs(h.seqs, {1, 2, 4, 5, 6, 7, 8});
      fail_unless_equals_int(h.lost[0].count, 1);
      fail_unless(h.released.empty());
    } else {
      assert_seqs(h.seqs, {1, 2, 5, 6, 7, 8});
      fail_unless_equals_int(h.lost[0].first_seq, 3);
      fail_unless_equals_int(h.lost[0].count, 2);
      fail_unless_equals_int(h.receiver.stats().dropped_on_latency, 1);
      fail_unless(h.released == std::vector<std::uintptr_t>{3});  // seq 4's handle
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_drain_reset_and_destruction) {
  Harness h;
  h.feed(1, ts_of(0), 0);
  h.feed(2, ts_of(1), 10);
  h.feed(4, ts_of(3), 30);
  h.receiver.drain(at_ms(40));
  h.collect();
  assert_seqs(h.seqs, {1, 2, 4});
  fail_unless_equals_int(h.lost.size(), 1);

  // reset(): what is held or queued is dropped; the next packets pass probation again.
  h.feed(6, ts_of(5), 50);
  h.feed(8, ts_of(7), 60);
  h.receiver.reset();
  fail_unless_equals_int(h.receiver.held_packets(), 0);
  fail_unless(h.released == std::vector<std::uintptr_t>({4, 5}));
  fail_unless(!h.receiver.remote_ssrc());
  fail_unless(h.feed(200, 5000, 70) == RtpVerdict::Probation);
  h.feed(201, 5900, 80);
  assert_seqs(h.seqs, {1, 2, 4, 200, 201});
  fail_unless(h.packets[3].discont);
  fail_unless(h.packets[3].ext_seq > h.packets[2].ext_seq);

  // Destruction gives back every handle still held.
  std::vector<std::uintptr_t> released;
  {
    RtpReceiverConfig c = Harness::default_config();
    c.release = [&](PacketHandle p) { released.push_back(reinterpret_cast<std::uintptr_t>(p)); };
    RtpReceiver r(c, kT0);
    r.handle_rtp(rtp_packet(1, 0), kT0, reinterpret_cast<PacketHandle>(1));
    r.handle_rtp(rtp_packet(2, 900), kT0, reinterpret_cast<PacketHandle>(2));
    r.handle_rtp(rtp_packet(4, 2700), kT0, reinterpret_cast<PacketHandle>(3));
    r.handle_rtp(rtp_packet(9, 2700, 0x999), kT0, reinterpret_cast<PacketHandle>(4));
  }
  std::sort(released.begin(), released.end());
  fail_unless(released == std::vector<std::uintptr_t>({1, 2, 3, 4}));
}
GST_END_TEST;

GST_START_TEST(test_jitter_hand_computed) {
  // RFC 3550 A.8 by hand, 8 kHz, 20 ms packets (160 ticks), arrivals 0, 20, 45, 60 ms:
  //   transit (arrival in ticks - ts): 0, 0, 40, 0;  D = |transit - previous|: -, 0, 40, 40
  //   J = J + (D - J)/16: 0, 0, 2.5, 2.5 + 37.5/16 = 4.84  -> reported as the integer part, 4.
  RtpReceiverConfig c = Harness::default_config();
  c.clock_rate = 8000;
  Harness h(c);
  const double arrivals[] = {0, 20, 45, 60};
  const std::uint32_t expected[] = {0, 0, 2, 4};
  for (int i = 0; i < 4; i++) {
    h.feed(static_cast<std::uint16_t>(i), static_cast<std::uint32_t>(i * 160), arrivals[i]);
    // During probation the first packet is not measured yet; the jitter is that of the packets so far.
    if (i >= 1) fail_unless_equals_int(h.receiver.stats().jitter, expected[i]);
  }
}
GST_END_TEST;

GST_START_TEST(test_clock_skew) {
  // The sender's clock runs 1 % fast (a frame of 10 ms RTP time every 9.9 ms) or slow (10.1 ms). Without a
  // skew estimate pts would drift from the arrivals by 1 % (600 ms after a minute); with it the gap stays at
  // the estimate's lag. Each frame is two packets with the same timestamp, 5 ms apart.
  struct Row {
    double period_ms;
    double jitter_ms;  // added to every other frame
  } rows[] = {{9.9, 0}, {9.9, 4}, {10.1, 0}, {10.1, 4}, {10.0, 4}};
  for (const Row& row : rows) {
    Harness h;
    constexpr int kFrames = 6000;
    for (int i = 0; i < kFrames; i++) {
      const double t = i * row.period_ms + ((i % 2) ? row.jitter_ms : 0);
      h.feed(static_cast<std::uint16_t>(2 * i), ts_of(i), t);
      h.feed(static_cast<std::uint16_t>(2 * i + 1), ts_of(i), t + 5);
    }
    fail_unless_equals_int(h.packets.size(), 2 * kFrames);
    // Against the nominal arrival of the last frame (without its jitter).
    const rtp_out::Packet& last = h.packets.back();
    const double ahead = ms_of(last.pts - (at_ms((kFrames - 1) * row.period_ms) - Instant{}));
    // A 1 % ramp seen through a 2 s window and smoothed over 8 blocks of 250 ms: about 40 ms of lag at most.
    fail_unless(std::fabs(ahead) < 50, "period %f jitter %f: pts - arrival = %f ms", row.period_ms,
                row.jitter_ms, ahead);
    // Without drift, pts stays on the least-delayed arrivals: jitter does not leak into it.
    if (row.period_ms == 10.0) fail_unless(std::fabs(ahead) < 1, "no drift: %f ms", ahead);
    for (std::size_t i = 1; i < h.packets.size(); i++) {
      fail_unless(h.packets[i].pts >= h.packets[i - 1].pts);
      // Packets of one frame share its pts even when the estimate moves between them.
      if (i % 2) fail_unless(h.packets[i].pts == h.packets[i - 1].pts, "frame %zu split", i / 2);
    }
  }
}
GST_END_TEST;

// The first packet came late: while the first window fills, the skew steps down to the least-delayed
// arrivals. Packets with later timestamps still get strictly later pts (never the same pts as the packet
// before: two audio frames sharing a pts would overlap downstream).
GST_START_TEST(test_pts_strictly_increasing_when_skew_steps_down) {
  Harness h;
  h.feed(0, ts_of(0), 30);  // 30 ms late
  for (int i = 1; i < 50; i++) h.feed(static_cast<std::uint16_t>(i), ts_of(i), i * 10.0);
  fail_unless_equals_int(h.packets.size(), 50);
  for (std::size_t i = 1; i < h.packets.size(); i++) {
    fail_unless(h.packets[i].pts > h.packets[i - 1].pts, "packet %zu: pts %f ms after %f ms", i,
                ms_of(h.packets[i].pts), ms_of(h.packets[i - 1].pts));
  }
  // And the mapping caught up with the least-delayed arrivals.
  const double off = ms_of(h.packets.back().pts - (at_ms(490) - Instant{}));
  fail_unless(std::fabs(off) < 1.0, "last pts %f ms off its arrival", off);
}
GST_END_TEST;

// The element reads sockets in batches: a timer may move the receiver's clock past packets that are still
// waiting in the socket. Read afterwards with their kernel arrival times, they keep those times: jitter stays
// 0 and pts equal arrival, as if each had been read the moment it came.
GST_START_TEST(test_batched_packets_keep_their_arrival_after_a_timer) {
  Harness h;
  for (int i = 0; i < 10; i++) h.feed(static_cast<std::uint16_t>(i), ts_of(i), i * 10.0);
  // A timer at 145 ms; packets 10..14 arrived at 100..140 ms but are read only now.
  h.advance(145);
  for (int i = 10; i < 15; i++) h.feed(static_cast<std::uint16_t>(i), ts_of(i), i * 10.0);
  fail_unless_equals_int(h.packets.size(), 15);
  fail_unless_equals_int(h.receiver.stats().jitter, 0);
  for (int i = 10; i < 15; i++) {
    fail_unless(h.packets[std::size_t(i)].pts == at_ms(i * 10.0) - Instant{}, "packet %d pts %f ms", i,
                ms_of(h.packets[std::size_t(i)].pts));
  }
  // Never before the previous packet: an arrival stamped earlier than its predecessor's counts as that one's.
  h.feed(15, ts_of(15), 120);
  fail_unless_equals_int(h.packets.size(), 16);
  fail_unless(h.packets.back().pts > h.packets[14].pts);
}
GST_END_TEST;

GST_START_TEST(test_seq_tracker_counts) {
  // Cumulative loss is clamped to the signed 24-bit RR field, both ways.
  SeqTracker up;
  up.init(0);
  std::uint16_t seq = 0;
  for (int i = 0; i < 3000; i++) {
    seq = static_cast<std::uint16_t>(seq + 2999);
    fail_unless(up.update(seq) == SeqTracker::Result::Valid);
  }
  fail_unless(up.expected() > 0x7fffff);
  fail_unless_equals_int(up.cumulative_lost(), 0x7fffff);
  SeqTracker dup;
  dup.init(5);
  for (int i = 0; i < 0x800001; i++) dup.update(5);
  fail_unless_equals_int(dup.cumulative_lost(), -0x800000);
  // Fraction lost over an interval: 10 expected, 8 received.
  SeqTracker f;
  f.init(0);
  for (std::uint16_t s : {1, 2, 4, 5, 6, 8, 9}) f.update(s);
  ReportBlockValues v = f.report();
  fail_unless_equals_int(v.fraction_lost, 2 * 256 / 10);
  fail_unless_equals_int(v.cumulative_lost, 2);
  fail_unless_equals_int(v.extended_highest_seq, 9);
  for (std::uint16_t s : {10, 11, 12}) f.update(s);
  v = f.report();
  fail_unless_equals_int(v.fraction_lost, 0);
  fail_unless_equals_int(v.cumulative_lost, 2);
  // Extended highest across a wrap, and timestamps extended both ways.
  SeqTracker w;
  w.init(65535);
  w.update(1);
  fail_unless_equals_int(w.extended_max(), 65536 + 1);
  fail_unless_equals_int64(extend_timestamp(5, 0xfffffff0ll), 0x100000005ll);
  fail_unless_equals_int64(extend_timestamp(0xfffffff0u, 0x100000005ll), 0xfffffff0ll);
}
GST_END_TEST;

static Suite* rtp_receiver_suite() {
  Suite* s = suite_create("rtp_receiver");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_header_checks);
  tcase_add_test(tc, test_in_order);
  tcase_add_test(tc, test_reorder_inside_window);
  tcase_add_test(tc, test_reorder_outside_window);
  tcase_add_test(tc, test_loss_bursts);
  tcase_add_test(tc, test_seq_wrap);
  tcase_add_test(tc, test_ssrc_change);
  tcase_add_test(tc, test_timestamp_jumps);
  tcase_add_test(tc, test_duplicates);
  tcase_add_test(tc, test_probation);
  tcase_add_test(tc, test_sequence_restart);
  tcase_add_test(tc, test_window_full);
  tcase_add_test(tc, test_drain_reset_and_destruction);
  tcase_add_test(tc, test_jitter_hand_computed);
  tcase_add_test(tc, test_batched_packets_keep_their_arrival_after_a_timer);
  tcase_add_test(tc, test_clock_skew);
  tcase_add_test(tc, test_pts_strictly_increasing_when_skew_steps_down);
  tcase_add_test(tc, test_seq_tracker_counts);
  return s;
}

GST_CHECK_MAIN(rtp_receiver);
