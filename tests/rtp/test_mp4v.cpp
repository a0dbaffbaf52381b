// MPEG-4 Visual (RFC 6416 MP4V-ES): round trips with avenc_mpeg4 ours↔upstream (decoded with
// avdec_mpeg4), configuration from caps or in-band, loss.
#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

// The frame without configuration headers in front of its VOP (upstream payloaders may move them to
// the caps).
Bytes vop_part(const Bytes& frame) {
  for (std::size_t i = 0; i + 3 < frame.size(); ++i) {
    if (frame[i] == 0 && frame[i + 1] == 0 && frame[i + 2] == 1 && frame[i + 3] == 0xb6) {
      return Bytes(frame.begin() + static_cast<std::ptrdiff_t>(i), frame.end());
    }
  }
  return frame;
}

struct RoundTrip {
  const char* name;
  const char* pay;
  const char* depay;
  bool exact;
};

const RoundTrip kCases[] = {
    {"ours->ours", "rtpmp4vpay2 mtu=300", "rtpmp4vdepay2", true},
    {"ours->upstream", "rtpmp4vpay2 mtu=300", "rtpmp4vdepay", false},
    {"upstream->ours", "rtpmp4vpay mtu=300", "rtpmp4vdepay2", false},
    {"upstream (config in-band)->ours", "rtpmp4vpay mtu=300 config-interval=-1", "rtpmp4vdepay2", false},
};

GST_START_TEST(test_roundtrip) {
  const RoundTrip& c = kCases[__i__];
  Media media = run_encoder(
      "videotestsrc num-buffers=15 pattern=snow ! video/x-raw,width=160,height=120,framerate=30/1"
      " ! avenc_mpeg4 gop-size=5 ! appsink name=sink");
  fail_unless_equals_int(media.buffers.size(), 15);
  Output rtp = run_element(c.pay, media.caps, media.buffers);
  Output out = run_element(c.depay, rtp.caps, rtp.buffers);
  fail_unless_equals_int(out.buffers.size(), media.buffers.size());
  for (std::size_t i = 0; i < out.buffers.size(); ++i) {
    const Bytes got = buffer_bytes(out.buffers[i]), want = buffer_bytes(media.buffers[i]);
    if (c.exact) {
      fail_unless(got == want, "%s: frame %zu differs", c.name, i);
    } else {
      fail_unless(vop_part(got) == vop_part(want), "%s: frame %zu differs", c.name, i);
    }
  }
  // The decoder needs the configuration: in codec_data or in front of the first frame.
  fail_unless_equals_int(decode_count("avdec_mpeg4", out.caps, out.buffers), media.buffers.size());
}
GST_END_TEST;

// The payloader puts the encoder's configuration in config= and its profile in profile-level-id; the
// depayloader turns config= back into codec_data.
GST_START_TEST(test_config_in_caps) {
  Media media = run_encoder(
      "videotestsrc num-buffers=2 ! video/x-raw,width=160,height=120 ! avenc_mpeg4 ! appsink name=sink");
  Output rtp = run_element("rtpmp4vpay2", media.caps, media.buffers);
  const GstStructure* s = gst_caps_get_structure(rtp.caps, 0);
  const gchar* config = gst_structure_get_string(s, "config");
  fail_unless(config != nullptr);
  const Bytes first = buffer_bytes(media.buffers[0]);
  const Bytes cfg(first.begin(),
                  first.begin() + static_cast<std::ptrdiff_t>(first.size() - vop_part(first).size()));
  std::string hex;
  for (std::uint8_t b : cfg) {
    char two[3];
    g_snprintf(two, sizeof two, "%02x", b);
    hex += two;
  }
  fail_unless_equals_string(config, hex.c_str());
  const std::string profile = std::to_string(cfg[4]);  // the macro keeps the pointer: no temporary
  fail_unless_equals_string(gst_structure_get_string(s, "profile-level-id"), profile.c_str());

  GstHarness* h = gst_harness_new("rtpmp4vdepay2");
  std::string caps =
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=MP4V-ES,config=(string)" + hex;
  gst_harness_set_src_caps_str(h, caps.c_str());
  gst_harness_push(h, make_rtp({1, 0, true, vop_part(first)}));
  GstBuffer* b = gst_harness_pull(h);
  gst_buffer_unref(b);
  GstCaps* current = gst_pad_get_current_caps(h->sinkpad);
  const GValue* cd = gst_structure_get_value(gst_caps_get_structure(current, 0), "codec_data");
  fail_unless(cd && buffer_bytes(gst_value_get_buffer(cd)) == cfg);
  gst_caps_unref(current);
  gst_harness_teardown(h);
}
GST_END_TEST;

const Bytes kConfig{0, 0, 1, 0xb0, 1, 0, 0, 1, 0xb5, 0x89, 0x13, 0, 0, 1, 0, 0, 0, 1, 0x20, 0x08, 0xc8};
Bytes vop(bool intra, std::size_t size, std::uint8_t seed) {
  Bytes v{0, 0, 1, 0xb6, static_cast<std::uint8_t>(intra ? 0x10 : 0x50)};
  for (std::size_t i = 5; i < size; ++i) v.push_back(static_cast<std::uint8_t>(seed + i) | 0x80);
  return v;
}

struct Expect {
  Bytes data;
  bool discont;
};

struct Case {
  const char* name;
  std::vector<Packet> packets;
  std::vector<Expect> expected;
  bool wait_for_keyframe;
};

std::vector<Case> loss_cases() {
  const Bytes i0 = vop(true, 60, 1), p1 = vop(false, 60, 2), p2 = vop(false, 60, 3), i3 = vop(true, 60, 4);
  auto part = [](const Bytes& f, std::size_t from, std::size_t to) {
    return Bytes(f.begin() + static_cast<std::ptrdiff_t>(from), f.begin() + static_cast<std::ptrdiff_t>(to));
  };
  return {
      {"frames over several packets",
       {{1, 0, false, part(i0, 0, 30)}, {2, 0, true, part(i0, 30, 60)}, {3, 3000, true, p1}},
       {{i0, true}, {p1, false}},
       false},
      {"lost middle packet drops the frame",
       {{1, 0, true, i0},
        {2, 3000, false, part(p1, 0, 20)},
        {4, 3000, true, part(p1, 40, 60)},
        {5, 6000, true, p2}},
       {{i0, true}, {p2, true}},
       false},
      {"lost first packet: the rest of the frame does not start with a start code",
       {{1, 0, true, i0}, {3, 3000, true, part(p1, 30, 60)}, {4, 6000, true, p2}},
       {{i0, true}, {p2, true}},
       false},
      {"wait-for-keyframe waits for an I-VOP",
       {{1, 0, true, i0}, {3, 6000, true, p2}, {4, 9000, true, i3}},
       {{i0, true}, {i3, true}},
       true},
      {"configuration in front of a VOP is kept",
       {{1, 0, true,
         [&] {
           Bytes f = kConfig;
           f.insert(f.end(), i0.begin(), i0.end());
           return f;
         }()}},
       {{[&] {
           Bytes f = kConfig;
           f.insert(f.end(), i0.begin(), i0.end());
           return f;
         }(),
         true}},
       false},
  };
}

GST_START_TEST(test_packets) {
  const Case c = loss_cases()[__i__];
  GstHarness* h = gst_harness_new("rtpmp4vdepay2");
  g_object_set(h->element, "wait-for-keyframe", c.wait_for_keyframe, nullptr);
  gst_harness_set_src_caps_str(h, "application/x-rtp,media=video,clock-rate=90000,encoding-name=MP4V-ES");
  for (const Packet& p : c.packets) gst_harness_push(h, make_rtp(p));
  std::vector<GstBuffer*> out;
  while (GstBuffer* b = gst_harness_try_pull(h)) out.push_back(b);
  fail_unless(out.size() == c.expected.size(), "%s: %zu buffers", c.name, out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    fail_unless(buffer_bytes(out[i]) == c.expected[i].data, "%s: buffer %zu", c.name, i);
    fail_unless(GST_BUFFER_IS_DISCONT(out[i]) == c.expected[i].discont, "%s: buffer %zu DISCONT", c.name, i);
    gst_buffer_unref(out[i]);
  }
  // In-band configuration becomes codec_data.
  if (std::string(c.name).find("configuration") != std::string::npos) {
    GstCaps* current = gst_pad_get_current_caps(h->sinkpad);
    const GValue* cd = gst_structure_get_value(gst_caps_get_structure(current, 0), "codec_data");
    fail_unless(cd && buffer_bytes(gst_value_get_buffer(cd)) == kConfig);
    gst_caps_unref(current);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

Suite* mp4v_suite() {
  Suite* s = suite_create("rtp2-mp4v");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_roundtrip, 0, G_N_ELEMENTS(kCases));
  tcase_add_test(tc, test_config_in_caps);
  tcase_add_loop_test(tc, test_packets, 0, static_cast<int>(loss_cases().size()));
  return s;
}

}  // namespace

RTP_CHECK_MAIN(mp4v);
