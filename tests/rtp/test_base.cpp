// Behaviour every rtp2 element gets from the shared bases: RTP header extensions added on a payloader
// go out on every packet and do not leak into what a depayloader outputs; CSRCs, extensions and padding
// never leak into payloads; the elements are registered at rank MARGINAL.
#include "h264_builders.hpp"

#include "../common/check.hpp"

using namespace rtptest;
using namespace rtptest::h264;

namespace {

// Builds an RTP packet with 2 CSRCs, a one-byte header extension and 4 bytes of padding.
GstBuffer* decorated_rtp(const Packet& p) {
  GstBuffer* b = gst_rtp_buffer_new_allocate(p.payload.size(), 4, 2);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_seq(&rtp, p.seq);
  gst_rtp_buffer_set_timestamp(&rtp, p.ts);
  gst_rtp_buffer_set_marker(&rtp, p.marker);
  gst_rtp_buffer_set_ssrc(&rtp, p.ssrc);
  gst_rtp_buffer_set_payload_type(&rtp, 96);
  gst_rtp_buffer_set_csrc(&rtp, 0, 0x01020304);
  gst_rtp_buffer_set_csrc(&rtp, 1, 0x05060708);
  if (!p.payload.empty()) {
    std::copy(p.payload.begin(), p.payload.end(),
              static_cast<std::uint8_t*>(gst_rtp_buffer_get_payload(&rtp)));
  }
  gst_rtp_buffer_unmap(&rtp);
  // The extension goes in after the payload was written: adding it moves the payload.
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &rtp);
  const std::uint8_t ext[3] = {0xaa, 0xbb, 0xcc};
  gst_rtp_buffer_add_extension_onebyte_header(&rtp, 5, ext, sizeof(ext));
  gst_rtp_buffer_unmap(&rtp);
  GST_BUFFER_PTS(b) = gst_util_uint64_scale(p.ts, GST_SECOND, 90000);
  return b;
}

struct Decorated {
  const char* depay;
  const char* caps;
  Bytes payload;
  Bytes expected;
};

GST_START_TEST(test_csrc_extension_padding) {
  const Bytes idr_nal = idr(50);
  const Decorated cases[] = {
      {"rtph264depay2", "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264",
       stap_a({sps(), pps(), idr_nal}), annexb({sps(), pps(), idr_nal})},
      {"rtpmp4gdepay2",
       "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)AAC-hbr,"
       "config=(string)1190,sizelength=(string)13,indexlength=(string)3,indexdeltalength=(string)3",
       Bytes{0x00, 0x10, 0x00, 0x28, 1, 2, 3, 4, 5}, Bytes{1, 2, 3, 4, 5}},
      {"rtppcmudepay2", "application/x-rtp,media=audio,clock-rate=8000,encoding-name=PCMU", Bytes(80, 0x7f),
       Bytes(80, 0x7f)},
  };
  for (const Decorated& c : cases) {
    GstHarness* h = gst_harness_new(c.depay);
    gst_harness_set_src_caps_str(h, c.caps);
    GstBuffer* in = decorated_rtp({1, 1000, true, c.payload});
    // The packet really has all three.
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    fail_unless(gst_rtp_buffer_map(in, GST_MAP_READ, &rtp));
    fail_unless(gst_rtp_buffer_get_csrc_count(&rtp) == 2 && gst_rtp_buffer_get_extension(&rtp) &&
                gst_rtp_buffer_get_padding(&rtp));
    gst_rtp_buffer_unmap(&rtp);
    gst_harness_push(h, in);
    GstBuffer* out = gst_harness_pull(h);
    fail_unless(buffer_bytes(out) == c.expected, "%s: CSRC/extension/padding leaked into the output",
                c.depay);
    gst_buffer_unref(out);
    gst_harness_teardown(h);
  }
}
GST_END_TEST;

// A header extension added to a payloader (here the RFC 8843 MID) is on every packet it sends.
GST_START_TEST(test_payloader_header_extension) {
  GstRTPHeaderExtension* ext =
      gst_rtp_header_extension_create_from_uri("urn:ietf:params:rtp-hdrext:sdes:mid");
  fail_unless(ext != nullptr, "rtphdrextmid missing");
  gst_rtp_header_extension_set_id(ext, 3);
  g_object_set(ext, "mid", "v0", nullptr);
  GstHarness* h = gst_harness_new("rtph264pay2");
  g_object_set(h->element, "mtu", 200u, nullptr);
  g_signal_emit_by_name(h->element, "add-extension", ext);
  gst_object_unref(ext);
  gst_harness_set_src_caps_str(h, "video/x-h264,stream-format=byte-stream,alignment=au");
  GstBuffer* in = buffer_from(annexb({sps(), pps(), idr(600)}));
  GST_BUFFER_PTS(in) = 0;
  gst_harness_push(h, in);
  int packets = 0;
  std::vector<GstBuffer*> rtp_out;
  while (GstBuffer* b = gst_harness_try_pull(h)) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    fail_unless(gst_rtp_buffer_map(b, GST_MAP_READ, &rtp));
    gpointer data = nullptr;
    guint size = 0;
    fail_unless(gst_rtp_buffer_get_extension_onebyte_header(&rtp, 3, 0, &data, &size),
                "packet %d without MID", packets);
    fail_unless(size == 2 && memcmp(data, "v0", 2) == 0);
    gst_rtp_buffer_unmap(&rtp);
    rtp_out.push_back(b);
    ++packets;
  }
  fail_unless(packets >= 4, "expected FU-A fragments, got %d packets", packets);
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  fail_unless(gst_structure_has_field(gst_caps_get_structure(caps, 0), "extmap-3"));
  gst_harness_teardown(h);

  // The depayloader gives the NALs back without the extension bytes.
  GstHarness* d = gst_harness_new("rtph264depay2");
  gst_harness_set_src_caps(d, caps);
  for (GstBuffer* b : rtp_out) gst_harness_push(d, b);
  GstBuffer* au = gst_harness_pull(d);
  fail_unless(buffer_bytes(au) == annexb({sps(), pps(), idr(600)}));
  gst_buffer_unref(au);
  gst_harness_teardown(d);
}
GST_END_TEST;

// Every element is registered at rank MARGINAL, so that autoplugging keeps picking upstream's.
GST_START_TEST(test_rank_marginal) {
  const char* names[] = {"rtph264pay2", "rtph264depay2", "rtph265pay2", "rtph265depay2",
                         "rtpmp4gpay2", "rtpmp4gdepay2", "rtpmp4vpay2", "rtpmp4vdepay2",
                         "rtpjpegpay2", "rtpjpegdepay2", "rtpopuspay2", "rtpopusdepay2",
                         "rtppcmupay2", "rtppcmudepay2", "rtppcmapay2", "rtppcmadepay2"};
  for (const char* name : names) {
    GstElementFactory* f = gst_element_factory_find(name);
    fail_unless(f != nullptr, "%s not registered", name);
    fail_unless_equals_int(gst_plugin_feature_get_rank(GST_PLUGIN_FEATURE(f)), GST_RANK_MARGINAL);
    fail_unless_equals_string(gst_plugin_feature_get_plugin_name(GST_PLUGIN_FEATURE(f)), "rtp2");
    gst_object_unref(f);
  }
}
GST_END_TEST;

Suite* base_suite() {
  Suite* s = suite_create("rtp2-base");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_csrc_extension_padding);
  tcase_add_test(tc, test_payloader_header_extension);
  tcase_add_test(tc, test_rank_marginal);
  return s;
}

}  // namespace

RTP_CHECK_MAIN(base);
