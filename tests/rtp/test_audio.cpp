// G.711 (PCMU/PCMA) and Opus: round trips ours↔upstream with mulawenc/alawenc/opusenc, ptime and
// max-ptime packetization, static payload types, loss.
#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

Bytes concat(const std::vector<GstBuffer*>& buffers) {
  Bytes all;
  for (GstBuffer* b : buffers) {
    Bytes one = buffer_bytes(b);
    all.insert(all.end(), one.begin(), one.end());
  }
  return all;
}

struct RoundTrip {
  const char* name;
  const char* encoder;  // pipeline tail after audiotestsrc
  const char* pay;
  const char* depay;
  const char* rtp_sink_caps;  // what downstream of the payloader asks (ptime), nullptr: anything
  std::size_t packet_bytes;   // every packet but the last has this payload size (0: not checked)
  int payload_type;
  bool per_buffer;  // output buffers equal input buffers one by one (Opus); else the byte stream is equal
};

const RoundTrip kCases[] = {
    {"PCMU ours->ours", "audio/x-raw,rate=8000,channels=1 ! mulawenc", "rtppcmupay2", "rtppcmudepay2",
     nullptr, 0, 0, false},
    {"PCMU ours->ours max-ptime 20 ms", "audio/x-raw,rate=8000,channels=1 ! mulawenc",
     "rtppcmupay2 max-ptime=20000000", "rtppcmudepay2", nullptr, 160, 0, false},
    {"PCMU ours->ours ptime 30 ms from downstream caps", "audio/x-raw,rate=8000,channels=1 ! mulawenc",
     "rtppcmupay2", "rtppcmudepay2", "application/x-rtp,ptime=(uint)30", 240, 0, false},
    {"PCMU ours->upstream", "audio/x-raw,rate=8000,channels=1 ! mulawenc", "rtppcmupay2 max-ptime=20000000",
     "rtppcmudepay", nullptr, 160, 0, false},
    {"PCMU upstream->ours", "audio/x-raw,rate=8000,channels=1 ! mulawenc", "rtppcmupay", "rtppcmudepay2",
     nullptr, 0, 0, false},
    {"PCMA ours->ours max-ptime 10 ms", "audio/x-raw,rate=8000,channels=1 ! alawenc",
     "rtppcmapay2 max-ptime=10000000", "rtppcmadepay2", nullptr, 80, 8, false},
    {"PCMA ours->upstream", "audio/x-raw,rate=8000,channels=1 ! alawenc", "rtppcmapay2", "rtppcmadepay",
     nullptr, 0, 8, false},
    {"PCMA upstream->ours", "audio/x-raw,rate=8000,channels=1 ! alawenc", "rtppcmapay", "rtppcmadepay2",
     nullptr, 0, 8, false},
    {"PCMA 16 kHz stereo, dynamic payload type", "audio/x-raw,rate=16000,channels=2 ! alawenc",
     "rtppcmapay2 pt=100 max-ptime=20000000", "rtppcmadepay2", nullptr, 640, 100, false},
    {"Opus ours->ours", "audio/x-raw,rate=48000,channels=2 ! opusenc", "rtpopuspay2", "rtpopusdepay2",
     nullptr, 0, 96, true},
    {"Opus ours->upstream", "audio/x-raw,rate=48000,channels=2 ! opusenc", "rtpopuspay2", "rtpopusdepay",
     nullptr, 0, 96, true},
    {"Opus upstream->ours", "audio/x-raw,rate=48000,channels=2 ! opusenc", "rtpopuspay", "rtpopusdepay2",
     nullptr, 0, 96, true},
};

GST_START_TEST(test_roundtrip) {
  const RoundTrip& c = kCases[__i__];
  Media media =
      run_encoder(std::string("audiotestsrc num-buffers=30 samplesperbuffer=800 wave=white-noise ! ") +
                  c.encoder + " ! appsink name=sink");
  fail_unless(media.buffers.size() >= 10);
  Output rtp = run_element(c.pay, media.caps, media.buffers, c.rtp_sink_caps);
  fail_unless(!rtp.buffers.empty());
  guint32 last_ts = 0;
  for (std::size_t i = 0; i < rtp.buffers.size(); ++i) {
    GstRTPBuffer r = GST_RTP_BUFFER_INIT;
    gst_rtp_buffer_map(rtp.buffers[i], GST_MAP_READ, &r);
    fail_unless_equals_int(gst_rtp_buffer_get_payload_type(&r), c.payload_type);
    const guint len = gst_rtp_buffer_get_payload_len(&r);
    const guint32 ts = gst_rtp_buffer_get_timestamp(&r);
    gst_rtp_buffer_unmap(&r);
    if (c.packet_bytes && i + 1 < rtp.buffers.size()) {
      fail_unless(len == c.packet_bytes, "%s: packet %zu has %u bytes", c.name, i, len);
      // RTP time advances by the samples of the previous packet.
      if (i > 0) fail_unless_equals_uint64(ts - last_ts, c.packet_bytes / (strstr(c.name, "stereo") ? 2 : 1));
    }
    last_ts = ts;
  }
  gint pt = -1;
  gst_structure_get_int(gst_caps_get_structure(rtp.caps, 0), "payload", &pt);
  fail_unless_equals_int(pt, c.payload_type);

  Output out = run_element(c.depay, rtp.caps, rtp.buffers);
  if (c.per_buffer) {
    fail_unless_equals_int(out.buffers.size(), media.buffers.size());
    for (std::size_t i = 0; i < out.buffers.size(); ++i) {
      fail_unless(buffer_bytes(out.buffers[i]) == buffer_bytes(media.buffers[i]), "%s: packet %zu", c.name,
                  i);
    }
  } else {
    fail_unless(concat(out.buffers) == concat(media.buffers), "%s: samples differ", c.name);
  }
}
GST_END_TEST;

// Static payload types arrive without encoding-name (RFC 3551 table 4): the caps still fit.
GST_START_TEST(test_static_payload_caps) {
  for (const char* depay : {"rtppcmudepay2", "rtppcmadepay2"}) {
    GstHarness* h = gst_harness_new(depay);
    const bool mu = g_str_equal(depay, "rtppcmudepay2");
    gst_harness_set_src_caps_str(h, mu ? "application/x-rtp,media=audio,payload=0,clock-rate=8000"
                                       : "application/x-rtp,media=audio,payload=8,clock-rate=8000");
    gst_harness_push(h, make_rtp({1, 0, true, Bytes(160, 0x55)}, mu ? 0 : 8));
    GstBuffer* b = gst_harness_pull(h);
    fail_unless_equals_int(gst_buffer_get_size(b), 160);
    fail_unless_equals_uint64(GST_BUFFER_DURATION(b), 20 * GST_MSECOND);
    gst_buffer_unref(b);
    GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
    fail_unless(
        gst_structure_has_name(gst_caps_get_structure(caps, 0), mu ? "audio/x-mulaw" : "audio/x-alaw"));
    gst_caps_unref(caps);
    gst_harness_teardown(h);
  }
}
GST_END_TEST;

// Audio packets stand alone: a lost one drops nothing else; the next buffer is DISCONT. Empty Opus
// packets (DTX) produce nothing.
GST_START_TEST(test_audio_loss_and_dtx) {
  struct Case {
    const char* depay;
    const char* caps;
  } cases[] = {
      {"rtppcmudepay2", "application/x-rtp,media=audio,encoding-name=PCMU,clock-rate=8000"},
      {"rtpopusdepay2", "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000"},
  };
  for (const Case& c : cases) {
    GstHarness* h = gst_harness_new(c.depay);
    gst_harness_set_src_caps_str(h, c.caps);
    gst_harness_push(h, make_rtp({1, 0, true, Bytes(160, 1)}));
    gst_harness_push(h, make_rtp({2, 160, false, Bytes(160, 2)}));
    gst_harness_push(h, make_rtp({4, 480, false, Bytes(160, 4)}));  // 3 lost
    gst_harness_push(h, make_rtp({5, 640, false, Bytes{}}));        // empty
    gst_harness_push(h, make_rtp({6, 800, false, Bytes(160, 6)}));
    const std::uint8_t expect_first[] = {1, 2, 4, 6};
    const bool expect_discont[] = {true, false, true, false};
    for (int i = 0; i < 4; ++i) {
      GstBuffer* b = gst_harness_pull(h);
      Bytes data = buffer_bytes(b);
      fail_unless(data[0] == expect_first[i], "%s: buffer %d", c.depay, i);
      fail_unless(GST_BUFFER_IS_DISCONT(b) == expect_discont[i], "%s: buffer %d DISCONT", c.depay, i);
      gst_buffer_unref(b);
    }
    fail_unless(gst_harness_try_pull(h) == nullptr);
    gst_harness_teardown(h);
  }
}
GST_END_TEST;

GST_START_TEST(test_opus_caps) {
  Media media = run_encoder(
      "audiotestsrc num-buffers=3 ! audio/x-raw,rate=48000,channels=1 ! opusenc ! appsink name=sink");
  Output rtp = run_element("rtpopuspay2", media.caps, media.buffers);
  const GstStructure* s = gst_caps_get_structure(rtp.caps, 0);
  fail_unless_equals_string(gst_structure_get_string(s, "encoding-name"), "OPUS");
  fail_unless_equals_string(gst_structure_get_string(s, "encoding-params"), "2");
  fail_unless_equals_string(gst_structure_get_string(s, "sprop-stereo"), "0");
  Output out = run_element("rtpopusdepay2", rtp.caps, rtp.buffers);
  gint channels = 0;
  gst_structure_get_int(gst_caps_get_structure(out.caps, 0), "channels", &channels);
  fail_unless_equals_int(channels, 1);
}
GST_END_TEST;

Suite* audio_suite() {
  Suite* s = suite_create("rtp2-audio");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_roundtrip, 0, G_N_ELEMENTS(kCases));
  tcase_add_test(tc, test_static_payload_caps);
  tcase_add_test(tc, test_audio_loss_and_dtx);
  tcase_add_test(tc, test_opus_caps);
  return s;
}

}  // namespace

RTP_CHECK_MAIN(audio);
