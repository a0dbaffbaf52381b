// H.265 (RFC 7798): round trips with x265enc ours↔upstream (byte-stream, hvc1/hev1 output, decodes with
// avdec_h265), hand-made packets (AP, FU, DONL, PACI), loss.
#include <map>
#include <memory>

#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

int type_of(const Bytes& nal) {
  return (nal[0] >> 1) & 0x3f;
}

std::vector<Bytes> without_params(const std::vector<Bytes>& nals) {
  std::vector<Bytes> out;
  for (const Bytes& n : nals) {
    if (type_of(n) < 32 || type_of(n) > 35) out.push_back(n);
  }
  return out;
}

const char* kEncoder =
    "videotestsrc num-buffers=12 pattern=snow ! video/x-raw,format=I420,width=160,height=128,framerate=30/1"
    " ! x265enc speed-preset=ultrafast key-int-max=6 ! video/x-h265,stream-format=byte-stream,alignment=au"
    " ! appsink name=sink";

struct RoundTrip {
  const char* name;
  const char* pay;
  const char* depay;
  const char* depay_caps;
  bool exact;
};

const RoundTrip kRoundTrips[] = {
    {"ours->ours byte-stream", "rtph265pay2 mtu=400", "rtph265depay2",
     "video/x-h265,stream-format=byte-stream,alignment=au", true},
    {"ours->ours nal alignment", "rtph265pay2 mtu=400", "rtph265depay2",
     "video/x-h265,stream-format=byte-stream,alignment=nal", true},
    {"ours->ours hvc1", "rtph265pay2 mtu=400", "rtph265depay2",
     "video/x-h265,stream-format=hvc1,alignment=au", false},
    {"ours->ours hev1", "rtph265pay2 mtu=400", "rtph265depay2",
     "video/x-h265,stream-format=hev1,alignment=au", false},
    {"ours->upstream", "rtph265pay2 mtu=400", "rtph265depay",
     "video/x-h265,stream-format=byte-stream,alignment=au", false},
    {"upstream->ours", "rtph265pay mtu=400", "rtph265depay2",
     "video/x-h265,stream-format=byte-stream,alignment=au", false},
    {"upstream (AP)->ours", "rtph265pay mtu=400 aggregate-mode=zero-latency", "rtph265depay2",
     "video/x-h265,stream-format=byte-stream,alignment=au", false},
};

GST_START_TEST(test_roundtrip) {
  const RoundTrip& c = kRoundTrips[__i__];
  Media media = run_encoder(kEncoder);
  fail_unless_equals_int(media.buffers.size(), 12);
  Output rtp = run_element(c.pay, media.caps, media.buffers);
  for (GstBuffer* b : rtp.buffers) fail_unless(gst_buffer_get_size(b) <= 400);
  Output out = run_element(c.depay, rtp.caps, rtp.buffers, c.depay_caps);
  const GstStructure* s = gst_caps_get_structure(out.caps, 0);
  const std::string format = gst_structure_get_string(s, "stream-format");
  const bool nal_out = g_str_equal(gst_structure_get_string(s, "alignment"), "nal");
  fail_unless(g_strrstr(c.depay_caps, format.c_str()), "%s: negotiated %s", c.name, format.c_str());
  const bool length_prefixed = format != "byte-stream";

  std::vector<std::vector<Bytes>> units(1);
  for (GstBuffer* b : out.buffers) {
    Bytes data = buffer_bytes(b);
    for (Bytes& n : length_prefixed ? split_avc(data) : split_annexb(data))
      units.back().push_back(std::move(n));
    if (!nal_out || GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_MARKER)) units.emplace_back();
  }
  units.pop_back();
  fail_unless_equals_int(units.size(), media.buffers.size());
  for (std::size_t i = 0; i < units.size(); ++i) {
    std::vector<Bytes> in = split_annexb(buffer_bytes(media.buffers[i]));
    if (c.exact) {
      fail_unless(units[i] == in, "%s: unit %zu differs", c.name, i);
    } else {
      fail_unless(without_params(units[i]) == without_params(in), "%s: unit %zu differs", c.name, i);
    }
  }
  if (length_prefixed) fail_unless(gst_structure_has_field(s, "codec_data"), "%s: no hvcC", c.name);
  const char* decoder = nal_out ? "h265parse ! avdec_h265" : "avdec_h265";
  fail_unless_equals_int(decode_count(decoder, out.caps, out.buffers), media.buffers.size());
}
GST_END_TEST;

// ---- hand-made packets ----

Bytes hex(const char* text) {
  Bytes out;
  for (const char* p = text; p[0] && p[1]; p += 2) {
    out.push_back(static_cast<std::uint8_t>(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1])));
  }
  return out;
}

// x265 parameter sets (64x64) and slices: IDR_W_RADL (19) and TRAIL_R (1), first_slice flag set unless said.
const Bytes kVps = hex("40010c01ffff01600000030090000003000003003f959409");
const Bytes kSps =
    hex("42010101600000030090000003000003003fa0208105965654a4c2fff000100016a0c0c0c080000003008000000f04");
const Bytes kPps = hex("4401c073c089");
Bytes slice(std::uint8_t type, std::size_t size, bool first = true, std::uint8_t seed = 1) {
  Bytes n{static_cast<std::uint8_t>(type << 1), 0x01, static_cast<std::uint8_t>(first ? 0xaf : 0x2f)};
  for (std::size_t i = 3; i < size; ++i) n.push_back(static_cast<std::uint8_t>(seed + i * 3) | 1);
  return n;
}
const Bytes kIdr = slice(19, 40), kBig = slice(19, 300, true, 7), kP1 = slice(1, 30, true, 2),
            kP2 = slice(1, 30, true, 3), kPNotFirst = slice(1, 30, false, 4);

Bytes ap(const std::vector<Bytes>& nals, bool donl = false) {
  Bytes p{static_cast<std::uint8_t>(48 << 1), 0x01};
  for (std::size_t i = 0; i < nals.size(); ++i) {
    if (donl) {
      if (i == 0) {
        p.insert(p.end(), {0x00, 0x05});  // DONL 5
      } else {
        p.push_back(0);  // DOND: next DON
      }
    }
    p.push_back(static_cast<std::uint8_t>(nals[i].size() >> 8));
    p.push_back(static_cast<std::uint8_t>(nals[i].size()));
    p.insert(p.end(), nals[i].begin(), nals[i].end());
  }
  return p;
}

Bytes fu(const Bytes& nal, int part, int parts, int don = -1) {
  const std::size_t body = nal.size() - 2, chunk = (body + parts - 1) / parts;
  const std::size_t from = 2 + part * chunk, to = std::min(nal.size(), from + chunk);
  Bytes p{static_cast<std::uint8_t>((nal[0] & 0x81) | (49 << 1)), nal[1],
          static_cast<std::uint8_t>((part == 0 ? 0x80 : 0) | (part == parts - 1 ? 0x40 : 0) | type_of(nal))};
  if (don >= 0 && part == 0)
    p.insert(p.end(), {static_cast<std::uint8_t>(don >> 8), static_cast<std::uint8_t>(don)});
  p.insert(p.end(), nal.begin() + from, nal.begin() + to);
  return p;
}

Bytes with_donl(const Bytes& nal, std::uint16_t don) {
  Bytes p{nal[0], nal[1], static_cast<std::uint8_t>(don >> 8), static_cast<std::uint8_t>(don)};
  p.insert(p.end(), nal.begin() + 2, nal.end());
  return p;
}

Bytes annexb(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& n : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), n.begin(), n.end());
  }
  return out;
}

struct Expect {
  Bytes data;
  bool discont;
};

struct Case {
  const char* name;
  bool donl;
  std::vector<Packet> packets;
  std::vector<Expect> expected;
};

std::vector<Case> cases() {
  return {
      {"AP with parameter sets, single NAL",
       false,
       {{1, 1000, false, ap({kVps, kSps, kPps})}, {2, 1000, true, kIdr}, {3, 4000, true, kP1}},
       {{annexb({kVps, kSps, kPps, kIdr}), true}, {annexb({kP1}), false}}},
      {"FU reassembly",
       false,
       {{1, 1000, false, ap({kVps, kSps, kPps})},
        {2, 1000, false, fu(kBig, 0, 3)},
        {3, 1000, false, fu(kBig, 1, 3)},
        {4, 1000, true, fu(kBig, 2, 3)}},
       {{annexb({kVps, kSps, kPps, kBig}), true}}},
      {"FU without start dropped",
       false,
       {{1, 1000, true, ap({kVps, kSps, kPps, kIdr})},
        {2, 4000, false, fu(kBig, 1, 3)},
        {3, 4000, true, fu(kBig, 2, 3)},
        {4, 7000, true, kP2}},
       {{annexb({kVps, kSps, kPps, kIdr}), true}, {annexb({kP2}), true}}},
      {"AP size overruns the packet",
       false,
       {{1, 1000, true, ap({kVps, kSps, kPps, kIdr})},
        {2, 4000, true, Bytes{0x60, 0x01, 0x00, 0x50, 0x02, 0x01}},
        {3, 7000, true, kP2}},
       {{annexb({kVps, kSps, kPps, kIdr}), true}, {annexb({kP2}), true}}},
      {"PACI refused",
       false,
       {{1, 1000, true, ap({kVps, kSps, kPps, kIdr})},
        {2, 4000, true, Bytes{0x64, 0x01, 0x00, 0x00, 0x02, 0x01}},
        {3, 7000, true, kP2}},
       {{annexb({kVps, kSps, kPps, kIdr}), true}, {annexb({kP2}), true}}},
      {"truncated payload header",
       false,
       {{1, 1000, true, ap({kVps, kSps, kPps, kIdr})}, {2, 4000, true, Bytes{0x02}}, {3, 7000, true, kP2}},
       {{annexb({kVps, kSps, kPps, kIdr}), true}, {annexb({kP2}), true}}},
      {"loss of a unit's first slice drops the rest",
       false,
       {{1, 1000, true, ap({kVps, kSps, kPps, kIdr})}, {3, 4000, true, kPNotFirst}, {4, 7000, true, kP2}},
       {{annexb({kVps, kSps, kPps, kIdr}), true}, {annexb({kP2}), true}}},
      {"DONL in single NAL, AP and FU packets is removed",
       true,
       {{1, 1000, false, ap({kVps, kSps, kPps}, true)},
        {2, 1000, false, fu(kBig, 0, 2, 8)},
        {3, 1000, true, fu(kBig, 1, 2)},
        {4, 4000, true, with_donl(kP1, 9)}},
       {{annexb({kVps, kSps, kPps, kBig}), true}, {annexb({kP1}), false}}},
      {"DON going backwards (interleaving) breaks the unit",
       true,
       {{1, 1000, true, with_donl(kIdr, 20)},
        {2, 4000, true, with_donl(kP1, 10)},
        {3, 7000, true, with_donl(kP2, 21)}},
       {{annexb({kIdr}), true}, {annexb({kP2}), true}}},
  };
}

GST_START_TEST(test_packets) {
  const Case c = cases()[__i__];
  GstHarness* h = gst_harness_new("rtph265depay2");
  gst_harness_set_sink_caps_str(h, "video/x-h265,stream-format=byte-stream,alignment=au");
  gst_harness_set_src_caps_str(h, c.donl
                                      ? "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265,"
                                        "sprop-max-don-diff=(string)2"
                                      : "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265");
  for (const Packet& p : c.packets) gst_harness_push(h, make_rtp(p));
  gst_harness_push_event(h, gst_event_new_eos());
  std::vector<GstBuffer*> out;
  while (GstBuffer* b = gst_harness_try_pull(h)) out.push_back(b);
  fail_unless(out.size() == c.expected.size(), "%s: %zu buffers, expected %zu", c.name, out.size(),
              c.expected.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    fail_unless(buffer_bytes(out[i]) == c.expected[i].data, "%s: buffer %zu differs", c.name, i);
    fail_unless(GST_BUFFER_IS_DISCONT(out[i]) == c.expected[i].discont, "%s: buffer %zu DISCONT", c.name, i);
    gst_buffer_unref(out[i]);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

// The payloader's caps carry sprop-vps/sps/pps; small NALs are aggregated into one AP.
GST_START_TEST(test_pay_caps_and_ap) {
  GstHarness* h = gst_harness_new("rtph265pay2");
  gst_harness_set_src_caps_str(h, "video/x-h265,stream-format=byte-stream,alignment=au");
  GstBuffer* in = buffer_from(annexb({kVps, kSps, kPps, kIdr}));
  GST_BUFFER_PTS(in) = 0;
  gst_harness_push(h, in);
  GstBuffer* p = gst_harness_pull(h);
  RtpInfo info = rtp_info(p);
  fail_unless(info.marker);
  fail_unless(info.payload == ap({kVps, kSps, kPps, kIdr}), "not one AP holding the four NALs");
  gst_buffer_unref(p);
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  for (const char* field : {"sprop-vps", "sprop-sps", "sprop-pps"}) {
    fail_unless(gst_structure_get_string(s, field) != nullptr, "no %s", field);
  }
  gsize len = 0;
  guchar* sps = g_base64_decode(gst_structure_get_string(s, "sprop-sps"), &len);
  fail_unless(Bytes(sps, sps + len) == kSps);
  g_free(sps);
  gst_caps_unref(caps);
  gst_harness_teardown(h);
}
GST_END_TEST;

// config-interval: the stored VPS/SPS/PPS go in front of an IRAP access unit that lacks them (after its
// access unit delimiter) when the interval has passed since they were last sent; an IRAP that brings its
// own sets restarts the interval.
struct ConfigIntervalStep {
  GstClockTime pts;
  std::vector<Bytes> input;
  std::vector<Bytes> expected;  // the NALs of the one packet that comes out
};
struct ConfigIntervalCase {
  const char* name;
  int interval;
  std::vector<ConfigIntervalStep> steps;
};

const std::vector<ConfigIntervalCase>& config_interval_cases() {
  static const Bytes kAud{35 << 1, 0x01, 0x50};
  static const std::vector<ConfigIntervalCase> cases = {
      {"0: never",
       0,
       {{0, {kVps, kSps, kPps, kIdr}, {kVps, kSps, kPps, kIdr}},
        {GST_SECOND, {kIdr}, {kIdr}},
        {10 * GST_SECOND, {kIdr}, {kIdr}}}},
      {"-1: every IRAP",
       -1,
       {{0, {kVps, kSps, kPps, kIdr}, {kVps, kSps, kPps, kIdr}},
        {GST_SECOND / 10, {kIdr}, {kVps, kSps, kPps, kIdr}},
        {GST_SECOND / 5, {kP1}, {kP1}},
        {GST_SECOND / 2, {kIdr}, {kVps, kSps, kPps, kIdr}}}},
      {"1: once a second, after the AUD",
       1,
       {{0, {kVps, kSps, kPps, kIdr}, {kVps, kSps, kPps, kIdr}},
        {GST_SECOND / 2, {kIdr}, {kIdr}},
        {GST_SECOND, {kIdr}, {kVps, kSps, kPps, kIdr}},
        {GST_SECOND * 3 / 2, {kP1}, {kP1}},
        {GST_SECOND * 5 / 2, {kAud, kIdr}, {kAud, kVps, kSps, kPps, kIdr}},
        {GST_SECOND * 3, {kVps, kSps, kPps, kIdr}, {kVps, kSps, kPps, kIdr}},
        {GST_SECOND * 7 / 2, {kIdr}, {kIdr}}}},
      {"1: nothing stored, nothing sent", 1, {{0, {kIdr}, {kIdr}}, {5 * GST_SECOND, {kIdr}, {kIdr}}}},
  };
  return cases;
}

GST_START_TEST(test_pay_config_interval) {
  const ConfigIntervalCase& c = config_interval_cases()[__i__];
  GstHarness* h = gst_harness_new("rtph265pay2");
  g_object_set(h->element, "config-interval", c.interval, nullptr);
  gst_harness_set_src_caps_str(h, "video/x-h265,stream-format=byte-stream,alignment=au");
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const ConfigIntervalStep& step = c.steps[i];
    GstBuffer* in = buffer_from(annexb(step.input));
    GST_BUFFER_PTS(in) = step.pts;
    gst_harness_push(h, in);
    fail_unless_equals_int(gst_harness_buffers_in_queue(h), 1);
    GstBuffer* p = gst_harness_pull(h);
    const Bytes payload = rtp_info(p).payload;
    const Bytes expected = step.expected.size() == 1 ? step.expected[0] : ap(step.expected);
    fail_unless(payload == expected, "%s: step %zu: other packet", c.name, i);
    gst_buffer_unref(p);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

// hvc1 input: the parameter sets come from the hvcC in codec_data (sprop-* in the caps, and in-band with
// config-interval=-1); the NALs of a buffer carry 4-byte sizes.
GST_START_TEST(test_pay_hvcc_input) {
  Bytes hvcc(23, 0);
  hvcc[0] = 1;   // configurationVersion
  hvcc[21] = 3;  // lengthSizeMinusOne
  hvcc[22] = 3;  // numOfArrays
  for (const Bytes* nal : {&kVps, &kSps, &kPps}) {
    hvcc.insert(hvcc.end(),
                {static_cast<std::uint8_t>(0x80 | type_of(*nal)), 0, 1,
                 static_cast<std::uint8_t>(nal->size() >> 8), static_cast<std::uint8_t>(nal->size())});
    hvcc.insert(hvcc.end(), nal->begin(), nal->end());
  }
  GstHarness* h = gst_harness_new("rtph265pay2");
  g_object_set(h->element, "config-interval", -1, nullptr);
  GstBuffer* codec_data = buffer_from(hvcc);
  GstCaps* caps =
      gst_caps_new_simple("video/x-h265", "stream-format", G_TYPE_STRING, "hvc1", "alignment", G_TYPE_STRING,
                          "au", "codec_data", GST_TYPE_BUFFER, codec_data, nullptr);
  gst_buffer_unref(codec_data);
  gst_harness_set_src_caps(h, caps);
  Bytes input{0, 0, 0, static_cast<std::uint8_t>(kIdr.size())};
  input.insert(input.end(), kIdr.begin(), kIdr.end());
  GstBuffer* in = buffer_from(input);
  GST_BUFFER_PTS(in) = 0;
  gst_harness_push(h, in);
  GstBuffer* p = gst_harness_pull(h);
  fail_unless(rtp_info(p).payload == ap({kVps, kSps, kPps, kIdr}), "the sets from hvcC are not in front");
  gst_buffer_unref(p);
  GstCaps* out = gst_pad_get_current_caps(h->sinkpad);
  const GstStructure* s = gst_caps_get_structure(out, 0);
  const std::pair<const char*, const Bytes*> fields[] = {
      {"sprop-vps", &kVps}, {"sprop-sps", &kSps}, {"sprop-pps", &kPps}};
  for (const auto& [field, nal] : fields) {
    gsize len = 0;
    guchar* raw = g_base64_decode(gst_structure_get_string(s, field), &len);
    fail_unless(Bytes(raw, raw + len) == *nal, "%s differs", field);
    g_free(raw);
  }
  gst_caps_unref(out);
  gst_harness_teardown(h);
}
GST_END_TEST;

// Length-prefixed input needs codec_data (hvcC) that parses.
GST_START_TEST(test_pay_refuses_bad_codec_data) {
  struct Case {
    const char* caps;
    const char* error;
  };
  const Case cases[] = {
      {"video/x-h265,stream-format=hvc1,alignment=au", "hvc1/hev1 without codec_data"},
      {"video/x-h265,stream-format=hev1,alignment=au,codec_data=(buffer)0102", "malformed hvcC codec_data"},
  };
  for (const Case& c : cases) {
    GstHarness* h = gst_harness_new("rtph265pay2");
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    gst_harness_set_src_caps_str(h, c.caps);
    GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    fail_unless(m != nullptr, "%s: accepted", c.caps);
    GError* err = nullptr;
    gst_message_parse_error(m, &err, nullptr);
    fail_unless(strstr(err->message, c.error) != nullptr, "%s: %s", c.caps, err->message);
    g_error_free(err);
    gst_message_unref(m);
    gst_element_set_bus(h->element, nullptr);
    gst_object_unref(bus);
    gst_harness_teardown(h);
  }
}
GST_END_TEST;

Suite* h265_suite() {
  Suite* s = suite_create("rtp2-h265");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_roundtrip, 0, G_N_ELEMENTS(kRoundTrips));
  tcase_add_loop_test(tc, test_packets, 0, static_cast<int>(cases().size()));
  tcase_add_test(tc, test_pay_caps_and_ap);
  tcase_add_loop_test(tc, test_pay_config_interval, 0, static_cast<int>(config_interval_cases().size()));
  tcase_add_test(tc, test_pay_hvcc_input);
  tcase_add_test(tc, test_pay_refuses_bad_codec_data);
  return s;
}

}  // namespace

RTP_CHECK_MAIN(h265);
