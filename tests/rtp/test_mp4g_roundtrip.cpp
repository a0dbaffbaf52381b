// MPEG-4 AAC (RFC 3640) round trips with real encoder output (avenc_aac, voaacenc): ours→ours,
// ours→upstream, upstream→ours, with aggregation and fragmentation; and loss of real packets.
#include <algorithm>

#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

std::string encoder(const char* enc) {
  return std::string(
             "audiotestsrc num-buffers=25 wave=white-noise samplesperbuffer=1024"
             " ! audio/x-raw,rate=48000,channels=2 ! ") +
         enc + " ! audio/mpeg,stream-format=raw ! appsink name=sink";
}

struct RoundTrip {
  const char* name;
  const char* encoder;
  const char* pay;
  const char* depay;
  int min_aus_per_packet;  // at least one packet holds this many AUs
  bool fragments;          // some AUs must be fragmented
  bool exact_pts;          // output PTS equal the encoder's
};

const RoundTrip kRoundTrips[] = {
    {"ours->ours", "avenc_aac", "rtpmp4gpay2", "rtpmp4gdepay2", 1, false, true},
    {"ours->ours, several AUs per packet", "avenc_aac", "rtpmp4gpay2 max-ptime=100000000", "rtpmp4gdepay2", 3,
     false, true},
    {"ours->ours, fragmented AUs", "avenc_aac", "rtpmp4gpay2 mtu=120", "rtpmp4gdepay2", 1, true, true},
    {"ours->ours, voaacenc", "voaacenc", "rtpmp4gpay2 max-ptime=50000000", "rtpmp4gdepay2", 2, false, true},
    {"ours->upstream", "avenc_aac", "rtpmp4gpay2", "rtpmp4gdepay", 1, false, false},
    {"ours (several AUs)->upstream", "avenc_aac", "rtpmp4gpay2 max-ptime=100000000", "rtpmp4gdepay", 3, false,
     false},
    {"ours (fragmented)->upstream", "avenc_aac", "rtpmp4gpay2 mtu=120", "rtpmp4gdepay", 1, true, false},
    {"upstream->ours", "avenc_aac", "rtpmp4gpay", "rtpmp4gdepay2", 1, false, true},
    {"upstream (fragmented)->ours", "avenc_aac", "rtpmp4gpay mtu=120", "rtpmp4gdepay2", 1, true, true},
};

GST_START_TEST(test_roundtrip) {
  const RoundTrip& c = kRoundTrips[__i__];
  if (!have_element(c.encoder)) {
    g_printerr("%s: %s not installed, case skipped\n", c.name, c.encoder);
    return;
  }
  Media media = run_encoder(encoder(c.encoder));
  fail_unless(media.buffers.size() >= 20, "%s: encoder gave %zu AUs", c.name, media.buffers.size());

  Output rtp = run_element(c.pay, media.caps, media.buffers);
  int most = 0;
  bool fragmented = false;
  for (GstBuffer* b : rtp.buffers) {
    RtpInfo p = rtp_info(b);
    const int headers = ((p.payload[0] << 8) | p.payload[1]) / 16;
    most = std::max(most, headers);
    const std::size_t size = (p.payload[2] << 5) | (p.payload[3] >> 3);
    fragmented |= headers == 1 && size > p.payload.size() - 4;
  }
  fail_unless(most >= c.min_aus_per_packet, "%s: at most %d AUs per packet", c.name, most);
  fail_unless(fragmented == c.fragments, "%s: fragmentation %d", c.name, fragmented);

  Output out = run_element(c.depay, rtp.caps, rtp.buffers);
  fail_unless_equals_int(out.buffers.size(), media.buffers.size());
  for (std::size_t i = 0; i < out.buffers.size(); ++i) {
    fail_unless(buffer_bytes(out.buffers[i]) == buffer_bytes(media.buffers[i]), "%s: AU %zu differs", c.name,
                i);
    if (c.exact_pts) {
      // Within 1 ns: AUs after the first in a packet get the packet PTS plus whole AU durations, and
      // both sides round sample counts down to nanoseconds.
      const GstClockTimeDiff d =
          GST_CLOCK_DIFF(GST_BUFFER_PTS(out.buffers[i]), GST_BUFFER_PTS(media.buffers[i]));
      fail_unless(d >= -1 && d <= 1, "%s: AU %zu PTS %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT, c.name, i,
                  GST_BUFFER_PTS(out.buffers[i]), GST_BUFFER_PTS(media.buffers[i]));
    }
  }
  // codec_data survives the trip (it travels as config= in the caps).
  const GValue* in_cd = gst_structure_get_value(gst_caps_get_structure(media.caps, 0), "codec_data");
  const GValue* out_cd = gst_structure_get_value(gst_caps_get_structure(out.caps, 0), "codec_data");
  fail_unless(out_cd &&
              buffer_bytes(gst_value_get_buffer(in_cd)) == buffer_bytes(gst_value_get_buffer(out_cd)));
  // And it decodes like the original.
  fail_unless_equals_int(decode_count("avdec_aac", out.caps, out.buffers),
                         decode_count("avdec_aac", media.caps, media.buffers));
}
GST_END_TEST;

// The payloader's caps carry what RFC 3640 AAC-hbr receivers need.
GST_START_TEST(test_pay_caps) {
  Media media = run_encoder(encoder("avenc_aac"));
  Output rtp = run_element("rtpmp4gpay2", media.caps, media.buffers);
  const GstStructure* s = gst_caps_get_structure(rtp.caps, 0);
  fail_unless_equals_string(gst_structure_get_string(s, "encoding-name"), "MPEG4-GENERIC");
  fail_unless_equals_string(gst_structure_get_string(s, "mode"), "AAC-hbr");
  fail_unless_equals_string(gst_structure_get_string(s, "sizelength"), "13");
  fail_unless_equals_string(gst_structure_get_string(s, "indexlength"), "3");
  fail_unless_equals_string(gst_structure_get_string(s, "indexdeltalength"), "3");
  fail_unless_equals_string(gst_structure_get_string(s, "encoding-params"), "2");
  gint rate = 0;
  gst_structure_get_int(s, "clock-rate", &rate);
  fail_unless_equals_int(rate, 48000);
  const Bytes asc = buffer_bytes(
      gst_value_get_buffer(gst_structure_get_value(gst_caps_get_structure(media.caps, 0), "codec_data")));
  gchar* hex = g_strdup("");
  for (std::uint8_t b : asc) {
    gchar* next = g_strdup_printf("%s%02x", hex, b);
    g_free(hex);
    hex = next;
  }
  fail_unless_equals_string(gst_structure_get_string(s, "config"), hex);
  g_free(hex);
}
GST_END_TEST;

// Loss of real packets: a lost fragment drops its AU only; the next AU is DISCONT.
struct LossCase {
  const char* name;
  int au;        // AU whose fragment is lost
  int fragment;  // which fragment (0 = first, -1 = last)
  bool wait_for_keyframe;
};

const LossCase kLoss[] = {
    {"first fragment lost", 5, 0, false},
    {"middle fragment lost", 5, 1, false},
    {"last fragment lost", 5, -1, false},
    {"wait-for-keyframe changes nothing for audio", 5, 1, true},
};

GST_START_TEST(test_loss) {
  const LossCase& c = kLoss[__i__];
  Media media = run_encoder(encoder("avenc_aac"));
  Output rtp = run_element("rtpmp4gpay2 mtu=120", media.caps, media.buffers);
  std::vector<std::vector<GstBuffer*>> aus(1);
  for (GstBuffer* b : rtp.buffers) {
    aus.back().push_back(b);
    if (rtp_info(b).marker) aus.emplace_back();
  }
  aus.pop_back();
  fail_unless_equals_int(aus.size(), media.buffers.size());
  fail_unless(aus[c.au].size() >= 3, "AU %d has only %zu fragments", c.au, aus[c.au].size());
  GstBuffer* lost = c.fragment < 0 ? aus[c.au].back() : aus[c.au][c.fragment];

  GstHarness* h = gst_harness_new("rtpmp4gdepay2");
  g_object_set(h->element, "wait-for-keyframe", c.wait_for_keyframe, nullptr);
  gst_harness_set_src_caps(h, gst_caps_ref(rtp.caps));
  for (GstBuffer* b : rtp.buffers) {
    if (b != lost) gst_harness_push(h, gst_buffer_ref(b));
  }
  std::vector<GstBuffer*> out;
  while (GstBuffer* b = gst_harness_try_pull(h)) out.push_back(b);
  fail_unless_equals_int(out.size(), media.buffers.size() - 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t in = i < static_cast<std::size_t>(c.au) ? i : i + 1;
    fail_unless(buffer_bytes(out[i]) == buffer_bytes(media.buffers[in]), "%s: output %zu differs", c.name, i);
    fail_unless(GST_BUFFER_IS_DISCONT(out[i]) == (i == 0 || in == static_cast<std::size_t>(c.au) + 1),
                "%s: output %zu DISCONT %d", c.name, i, GST_BUFFER_IS_DISCONT(out[i]));
    gst_buffer_unref(out[i]);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

Suite* mp4g_roundtrip_suite() {
  Suite* s = suite_create("rtp2-mp4g-roundtrip");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_roundtrip, 0, G_N_ELEMENTS(kRoundTrips));
  tcase_add_test(tc, test_pay_caps);
  tcase_add_loop_test(tc, test_loss, 0, G_N_ELEMENTS(kLoss));
  return s;
}

}  // namespace

RTP_CHECK_MAIN(mp4g_roundtrip);
