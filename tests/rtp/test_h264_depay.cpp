// rtph264depay2 on hand-made packet sequences: every packetization, every kind of broken input, loss,
// and what comes out (bytes and DISCONT) for each.
#include <algorithm>

#include <gst/video/video.h>

#include "h264_builders.hpp"

#include "../common/check.hpp"

using namespace rtptest;
using namespace rtptest::h264;

namespace {

constexpr const char* kCaps = "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264";

struct Expect {
  Bytes data;
  bool discont;
};

struct DepayCase {
  const char* name;
  std::vector<Packet> packets;
  std::vector<Expect> expected;
  const char* sink_caps = nullptr;  // downstream caps (default: anything → byte-stream, au)
  bool wait_for_keyframe = false;
};

// Payloads used below.
const Bytes kIdr = idr(40);
const Bytes kBigIdr = idr(300, 5);
const Bytes kP1 = slice(1), kP2 = slice(2), kP3 = slice(3);
const Bytes kPSecondSlice = slice(4, false);  // first_mb_in_slice != 0

std::vector<DepayCase> cases() {
  return {
      {"single NAL packets, marker ends the unit",
       {{1, 1000, false, sps()}, {2, 1000, false, pps()}, {3, 1000, true, kIdr}, {4, 4000, true, kP1}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP1}), false}}},
      {"STAP-A",
       {{1, 1000, false, stap_a({sps(), pps()})}, {2, 1000, true, kIdr}},
       {{annexb({sps(), pps(), kIdr}), true}}},
      {"STAP-A holding the whole unit",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})}, {2, 4000, true, stap_a({kP1})}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP1}), false}}},
      {"STAP-B (DON skipped)",
       {{1, 1000, false, stap_b(7, {sps(), pps()})}, {2, 1000, true, kIdr}},
       {{annexb({sps(), pps(), kIdr}), true}}},
      {"FU-A reassembly",
       {{1, 1000, false, stap_a({sps(), pps()})},
        {2, 1000, false, fu_a(kBigIdr, 0, 3)},
        {3, 1000, false, fu_a(kBigIdr, 1, 3)},
        {4, 1000, true, fu_a(kBigIdr, 2, 3)}},
       {{annexb({sps(), pps(), kBigIdr}), true}}},
      {"FU-A with start and end in one packet",
       {{1, 1000, false, stap_a({sps(), pps()})}, {2, 1000, true, fu_a(kIdr, 0, 1)}},
       {{annexb({sps(), pps(), kIdr}), true}}},
      {"sequence wrap 65535 -> 0 is no loss",
       {{65534, 1000, false, stap_a({sps(), pps()})},
        {65535, 1000, true, kIdr},
        {0, 4000, true, kP1},
        {1, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP1}), false}, {annexb({kP2}), false}}},
      {"no marker bit: the unit ends at the next timestamp and at EOS",
       {{1, 1000, false, stap_a({sps(), pps(), kIdr})}, {2, 4000, false, kP1}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP1}), false}}},
      {"duplicate packet is ignored",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true, kP1}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP1}), false}}},
      // ---- broken units: dropped, the next unit is DISCONT ----
      {"FU without start is dropped",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, false, fu_a(kBigIdr, 1, 3)},
        {3, 4000, true, fu_a(kBigIdr, 2, 3)},
        {4, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"FU that never ends is dropped at the next timestamp",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, false, fu_a(kBigIdr, 0, 3)},
        {3, 4000, false, fu_a(kBigIdr, 1, 3)},
        {4, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"FU interrupted by a new FU start is dropped",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, false, fu_a(kBigIdr, 0, 3)},
        {3, 4000, true, fu_a(kBigIdr, 0, 1)},
        {4, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"FU interrupted by a single NAL is dropped",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, false, fu_a(kBigIdr, 0, 3)},
        {3, 4000, true, kP1},
        {4, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"FU header truncated",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})}, {2, 4000, true, {0x7c}}, {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"STAP-A size overruns the packet",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true, Bytes{0x78, 0x00, 0x40, 0x41, 0x9a}},
        {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"STAP-A truncated size field",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true,
         [] {
           Bytes b = stap_a({kP1});
           b.push_back(0x00);
           return b;
         }()},
        {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"STAP-A with a zero size",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true, Bytes{0x78, 0x00, 0x00}},
        {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"MTAP16 is refused",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true, Bytes{0x7a, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x10, 0x41, 0x9a, 0x01}},
        {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"MTAP24 is refused",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true, Bytes{0x7b, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x10, 0x41, 0x9a}},
        {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"zero-length payload",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})}, {2, 4000, true, {}}, {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"reserved NAL type 30",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true, Bytes{0x7e, 1, 2, 3}},
        {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"forbidden_zero_bit set",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, true, Bytes{0xc1, 0x9a, 1, 2}},
        {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      // ---- loss ----
      {"loss inside a unit drops the unit",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, false, kP1},
        /* 3 lost */ {4, 4000, true, kPSecondSlice},
        {5, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"loss of a unit's first slice drops the rest of it",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        /* 2 (ts 4000, first slice) lost */ {3, 4000, true, kPSecondSlice},
        {4, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"loss of a unit's marker packet drops it",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, false, kP1},
        /* 3 (ts 4000, marker) lost */ {4, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}}},
      {"a whole unit lost: the next complete unit comes out DISCONT",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        /* 2 lost */ {3, 7000, true, kP2},
        {4, 10000, true, kP3}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), true}, {annexb({kP3}), false}}},
      {"after loss, a unit that starts mid-frame is dropped even with a new timestamp",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        /* 2, 3 lost: end of ts 4000 and start of ts 7000 */ {4, 7000, true, kPSecondSlice},
        {5, 10000, true, kP3}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP3}), true}}},
      {"SSRC change mid-unit drops the old source's partial unit",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        {2, 4000, false, kP1},
        {Packet{900, 50000, true, stap_a({sps(), pps(), kIdr}), 0x55667788}}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({sps(), pps(), kIdr}), true}}},
      {"wait-for-keyframe drops delta units after loss",
       {{1, 1000, true, stap_a({sps(), pps(), kIdr})},
        /* 2 lost */ {3, 7000, true, kP2},
        {4, 10000, true, kP3},
        {5, 13000, true, kIdr},
        {6, 16000, true, kP1}},
       // The stored SPS/PPS go in front of the first IDR after a loss (they may have been lost).
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({sps(), pps(), kIdr}), true}, {annexb({kP1}), false}},
       nullptr,
       true},
      {"wait-for-keyframe drops delta units at start",
       {{1, 1000, true, kP1}, {2, 4000, true, stap_a({sps(), pps(), kIdr})}, {3, 7000, true, kP2}},
       {{annexb({sps(), pps(), kIdr}), true}, {annexb({kP2}), false}},
       nullptr,
       true},
      // ---- output formats ----
      {"avc output: length prefixes, SPS/PPS only in codec_data",
       {{1, 1000, false, stap_a({sps(), pps()})}, {2, 1000, true, kIdr}, {3, 4000, true, kP1}},
       {{avc({kIdr}), true}, {avc({kP1}), false}},
       "video/x-h264,stream-format=avc,alignment=au"},
      {"nal alignment: one buffer per NAL",
       {{1, 1000, false, stap_a({sps(), pps()})}, {2, 1000, true, kIdr}, {3, 4000, true, kP1}},
       {{annexb({sps()}), true}, {annexb({pps()}), false}, {annexb({kIdr}), false}, {annexb({kP1}), false}},
       "video/x-h264,stream-format=byte-stream,alignment=nal"},
  };
}

GST_START_TEST(test_depay_table) {
  const DepayCase c = cases()[__i__];
  GstHarness* h = gst_harness_new("rtph264depay2");
  if (c.wait_for_keyframe) g_object_set(h->element, "wait-for-keyframe", TRUE, nullptr);
  if (c.sink_caps) gst_harness_set_sink_caps_str(h, c.sink_caps);
  gst_harness_set_src_caps_str(h, kCaps);
  for (const Packet& p : c.packets) fail_unless_equals_int(gst_harness_push(h, make_rtp(p)), GST_FLOW_OK);
  gst_harness_push_event(h, gst_event_new_eos());
  std::vector<GstBuffer*> out;
  while (GstBuffer* b = gst_harness_try_pull(h)) out.push_back(b);
  fail_unless(out.size() == c.expected.size(), "%s: %zu buffers out, expected %zu", c.name, out.size(),
              c.expected.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    fail_unless(buffer_bytes(out[i]) == c.expected[i].data, "%s: buffer %zu differs", c.name, i);
    fail_unless(GST_BUFFER_IS_DISCONT(out[i]) == c.expected[i].discont, "%s: buffer %zu DISCONT is %d",
                c.name, i, GST_BUFFER_IS_DISCONT(out[i]));
    gst_buffer_unref(out[i]);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

// Timestamps: PTS of a unit is that of its first packet even when the unit ends at the next timestamp.
GST_START_TEST(test_pts_of_unit) {
  GstHarness* h = gst_harness_new("rtph264depay2");
  gst_harness_set_src_caps_str(h, kCaps);
  gst_harness_push(h, make_rtp({1, 9000, false, stap_a({sps(), pps()})}));
  gst_harness_push(h, make_rtp({2, 9000, false, kIdr}));
  gst_harness_push(h, make_rtp({3, 12000, true, kP1}));
  GstBuffer* a = gst_harness_pull(h);
  GstBuffer* b = gst_harness_pull(h);
  fail_unless_equals_uint64(GST_BUFFER_PTS(a), 100 * GST_MSECOND);
  fail_unless_equals_uint64(GST_BUFFER_PTS(b), gst_util_uint64_scale(12000, GST_SECOND, 90000));
  fail_if(GST_BUFFER_FLAG_IS_SET(a, GST_BUFFER_FLAG_DELTA_UNIT));
  fail_unless(GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unref(a);
  gst_buffer_unref(b);
  gst_harness_teardown(h);
}
GST_END_TEST;

// avc output takes codec_data from sprop-parameter-sets and renegotiates when in-band SPS/PPS change.
GST_START_TEST(test_avc_codec_data) {
  GstHarness* h = gst_harness_new("rtph264depay2");
  gst_harness_set_sink_caps_str(h, "video/x-h264,stream-format=avc,alignment=au");
  std::string caps =
      std::string(kCaps) + ",sprop-parameter-sets=\"" + base64(sps()) + "," + base64(pps()) + "\"";
  gst_harness_set_src_caps_str(h, caps.c_str());
  gst_harness_push(h, make_rtp({1, 1000, true, kIdr}));
  GstBuffer* out = gst_harness_pull(h);
  fail_unless(buffer_bytes(out) == avc({kIdr}));
  gst_buffer_unref(out);
  GstCaps* current = gst_pad_get_current_caps(h->sinkpad);
  const GValue* v = gst_structure_get_value(gst_caps_get_structure(current, 0), "codec_data");
  fail_unless(v != nullptr);
  Bytes avcc = buffer_bytes(gst_value_get_buffer(v));
  const Bytes s = sps(), p = pps();
  Bytes expected{1, 0x42, 0xc0, 0x15, 0xff, 0xe1, 0, static_cast<std::uint8_t>(s.size())};
  expected.insert(expected.end(), s.begin(), s.end());
  expected.insert(expected.end(), {1, 0, static_cast<std::uint8_t>(p.size())});
  expected.insert(expected.end(), p.begin(), p.end());
  fail_unless(avcc == expected, "codec_data is not the avcC of the sprop sets");
  gst_caps_unref(current);

  // A new PPS in-band: new codec_data before the next unit.
  const Bytes pps2{0x68, 0xce, 0x3c, 0x80};
  gst_harness_push(h, make_rtp({2, 4000, true, stap_a({pps2, kIdr})}));
  out = gst_harness_pull(h);
  fail_unless(buffer_bytes(out) == avc({kIdr}));
  gst_buffer_unref(out);
  current = gst_pad_get_current_caps(h->sinkpad);
  avcc = buffer_bytes(
      gst_value_get_buffer(gst_structure_get_value(gst_caps_get_structure(current, 0), "codec_data")));
  fail_unless(std::search(avcc.begin(), avcc.end(), pps2.begin(), pps2.end()) != avcc.end(),
              "new PPS not in codec_data");
  gst_caps_unref(current);
  gst_harness_teardown(h);
}
GST_END_TEST;

// request-keyframe sends GstForceKeyUnit upstream on loss, and only when enabled.
GST_START_TEST(test_request_keyframe) {
  for (gboolean enabled : {gboolean(FALSE), gboolean(TRUE)}) {
    GstHarness* h = gst_harness_new("rtph264depay2");
    g_object_set(h->element, "request-keyframe", enabled, nullptr);
    gst_harness_set_src_caps_str(h, kCaps);
    gst_harness_push(h, make_rtp({1, 1000, true, stap_a({sps(), pps(), kIdr})}));
    gst_harness_push(h, make_rtp({3, 7000, true, kP2}));  // 2 lost
    int requests = 0;
    while (GstEvent* e = gst_harness_try_pull_upstream_event(h)) {
      if (gst_video_event_is_force_key_unit(e)) {
        gboolean all_headers = FALSE;
        gst_video_event_parse_upstream_force_key_unit(e, nullptr, &all_headers, nullptr);
        fail_unless(all_headers);
        ++requests;
      }
      gst_event_unref(e);
    }
    fail_unless_equals_int(requests, enabled ? 1 : 0);
    gst_harness_teardown(h);
  }
}
GST_END_TEST;

// A packet-lost event from rtpjitterbuffer drops the unit in progress like a sequence gap.
GST_START_TEST(test_packet_lost_event) {
  GstHarness* h = gst_harness_new("rtph264depay2");
  gst_harness_set_src_caps_str(h, kCaps);
  gst_harness_push(h, make_rtp({1, 1000, true, stap_a({sps(), pps(), kIdr})}));
  gst_harness_push(h, make_rtp({2, 4000, false, kP1}));
  GstStructure* s =
      gst_structure_new("GstRTPPacketLost", "seqnum", G_TYPE_UINT, 3, "timestamp", G_TYPE_UINT64, GST_SECOND,
                        "duration", G_TYPE_UINT64, GST_MSECOND, nullptr);
  gst_harness_push_event(h, gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, s));
  // The jitterbuffer hands the next packet on without a gap in what we see here (seq 3 was "lost").
  gst_harness_push(h, make_rtp({4, 4000, true, kPSecondSlice}));
  gst_harness_push(h, make_rtp({5, 7000, true, kP2}));
  GstBuffer* first = gst_harness_pull(h);
  GstBuffer* second = gst_harness_pull(h);
  fail_unless(buffer_bytes(second) == annexb({kP2}));
  fail_unless(GST_BUFFER_IS_DISCONT(second));
  fail_unless(gst_harness_try_pull(h) == nullptr);
  gst_buffer_unref(first);
  gst_buffer_unref(second);
  gst_harness_teardown(h);
}
GST_END_TEST;

// Interleaved mode needs DON reordering that we do not do: refused at caps time with an error.
GST_START_TEST(test_interleaved_mode_refused) {
  GstHarness* h = gst_harness_new("rtph264depay2");
  std::string caps = std::string(kCaps) + ",packetization-mode=(string)2";
  gst_harness_set_src_caps_str(h, caps.c_str());
  fail_unless(gst_harness_push(h, make_rtp({1, 1000, true, kIdr})) != GST_FLOW_OK);
  fail_unless(gst_harness_try_pull(h) == nullptr);
  gst_harness_teardown(h);
}
GST_END_TEST;

Suite* h264_depay_suite() {
  Suite* s = suite_create("rtp2-h264-depay");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_depay_table, 0, static_cast<int>(cases().size()));
  tcase_add_test(tc, test_pts_of_unit);
  tcase_add_test(tc, test_avc_codec_data);
  tcase_add_test(tc, test_request_keyframe);
  tcase_add_test(tc, test_packet_lost_event);
  tcase_add_test(tc, test_interleaved_mode_refused);
  return s;
}

}  // namespace

RTP_CHECK_MAIN(h264_depay);
