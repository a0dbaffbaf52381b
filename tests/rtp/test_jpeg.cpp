// JPEG (RFC 2435): round trips with jpegenc ours↔upstream; the depayloaded images decode (jpegdec) to
// exactly the pixels of the encoder's images; hand-made packets: tables by Q, restart markers, loss.
#include <set>

#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

// The raw frames jpegdec makes of `images`.
std::vector<Bytes> decode(GstCaps* caps, const std::vector<GstBuffer*>& images) {
  Output out = run_element("jpegdec", caps, images);
  std::vector<Bytes> frames;
  for (GstBuffer* b : out.buffers) frames.push_back(buffer_bytes(b));
  return frames;
}

// The marker segments of one type (e.g. 0xc4 DHT) in an image, up to SOS.
std::multiset<Bytes> segments(const Bytes& jpeg, std::uint8_t marker) {
  std::multiset<Bytes> out;
  std::size_t i = 2;
  while (i + 4 <= jpeg.size() && jpeg[i] == 0xff && jpeg[i + 1] != 0xda) {
    const std::size_t len = (jpeg[i + 2] << 8) | jpeg[i + 3];
    if (jpeg[i + 1] == marker) {
      // DHT segments may hold several tables: split them into (class/id + 16 counts + symbols).
      Bytes seg(jpeg.begin() + i + 4, jpeg.begin() + i + 2 + len);
      for (std::size_t j = 0; j + 17 <= seg.size();) {
        std::size_t n = 0;
        for (int k = 1; k <= 16; ++k) n += seg[j + k];
        out.insert(Bytes(seg.begin() + j, seg.begin() + j + 17 + n));
        j += 17 + n;
      }
    }
    i += 2 + len;
  }
  return out;
}

struct RoundTrip {
  const char* name;
  const char* format;
  const char* encoder;
  const char* pay;
  const char* depay;
};

const RoundTrip kCases[] = {
    {"ours->ours 4:2:0", "I420", "jpegenc", "rtpjpegpay2 mtu=400", "rtpjpegdepay2"},
    {"ours->ours 4:2:2", "Y42B", "jpegenc", "rtpjpegpay2 mtu=400", "rtpjpegdepay2"},
    {"ours->upstream", "I420", "jpegenc", "rtpjpegpay2 mtu=400", "rtpjpegdepay"},
    {"upstream->ours", "I420", "jpegenc", "rtpjpegpay mtu=400", "rtpjpegdepay2"},
    // Q < 128: no tables on the wire, both ends compute them from Q as the encoder did.
    {"upstream Q=50->ours", "I420", "jpegenc quality=50", "rtpjpegpay mtu=400 quality=50", "rtpjpegdepay2"},
};

GST_START_TEST(test_roundtrip) {
  const RoundTrip& c = kCases[__i__];
  Media media = run_encoder(std::string("videotestsrc num-buffers=5 pattern=snow ! video/x-raw,width=160,"
                                        "height=120,framerate=30/1,format=") +
                            c.format + " ! " + c.encoder + " ! appsink name=sink");
  Output rtp = run_element(c.pay, media.caps, media.buffers);
  gint pt = -1;
  gst_structure_get_int(gst_caps_get_structure(rtp.caps, 0), "payload", &pt);
  fail_unless_equals_int(pt, 26);  // RFC 3551 static payload type
  Output out = run_element(c.depay, rtp.caps, rtp.buffers);
  fail_unless_equals_int(out.buffers.size(), media.buffers.size());
  for (std::size_t i = 0; i < out.buffers.size(); ++i) {
    fail_unless_equals_uint64(GST_BUFFER_PTS(out.buffers[i]), GST_BUFFER_PTS(media.buffers[i]));
  }
  const std::vector<Bytes> want = decode(media.caps, media.buffers);
  const std::vector<Bytes> got = decode(out.caps, out.buffers);
  fail_unless_equals_int(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    fail_unless(got[i] == want[i], "%s: picture %zu differs", c.name, i);
  if (g_str_equal(c.depay, "rtpjpegdepay2")) {
    // The rebuilt Huffman tables are the standard ones the encoder used.
    fail_unless(
        segments(buffer_bytes(out.buffers[0]), 0xc4) == segments(buffer_bytes(media.buffers[0]), 0xc4),
        "%s: DHT differs from the encoder's", c.name);
  }
}
GST_END_TEST;

// ---- hand-made packets ----

Bytes header(std::size_t offset, std::uint8_t type, std::uint8_t q, std::uint8_t w8, std::uint8_t h8) {
  return {0,
          static_cast<std::uint8_t>(offset >> 16),
          static_cast<std::uint8_t>(offset >> 8),
          static_cast<std::uint8_t>(offset),
          type,
          q,
          w8,
          h8};
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
const Bytes kTables = [] {
  Bytes t(128);
  for (int i = 0; i < 128; ++i) t[i] = static_cast<std::uint8_t>(1 + i % 50);
  return t;
}();
const Bytes kQHeader{0, 0, 0, 128};
Bytes scan(std::size_t n, std::uint8_t seed) {
  Bytes s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<std::uint8_t>(seed + i) & 0x7f);
  return s;
}

struct Case {
  const char* name;
  std::vector<Packet> packets;
  std::vector<std::pair<Bytes, bool>> scans;  // expected scan data (before EOI) and DISCONT per output
  bool expect_dri = false;
};

std::vector<Case> cases() {
  const Bytes a = scan(100, 1), b = scan(100, 2), c = scan(60, 3);
  return {
      {"two fragments",
       {{1, 0, false, cat({header(0, 1, 255, 20, 15), kQHeader, kTables, Bytes(a.begin(), a.begin() + 50)})},
        {2, 0, true, cat({header(50, 1, 255, 20, 15), Bytes(a.begin() + 50, a.end())})}},
       {{a, true}}},
      {"missing middle fragment drops the frame",
       {{1, 0, false, cat({header(0, 1, 255, 20, 15), kQHeader, kTables, Bytes(a.begin(), a.begin() + 40)})},
        {3, 0, true, cat({header(80, 1, 255, 20, 15), Bytes(a.begin() + 80, a.end())})},
        {4, 3000, true, cat({header(0, 1, 255, 20, 15), kQHeader, kTables, b})}},
       {{b, true}}},
      {"missing first fragment drops the frame",
       {{2, 0, true, cat({header(50, 1, 255, 20, 15), Bytes(a.begin() + 50, a.end())})},
        {3, 3000, true, cat({header(0, 1, 255, 20, 15), kQHeader, kTables, b})}},
       {{b, true}}},
      {"Q below 128: tables computed", {{1, 0, true, cat({header(0, 0, 50, 20, 15), c})}}, {{c, true}}},
      {"Q 255 without tables is dropped",
       {{1, 0, true, cat({header(0, 1, 255, 20, 15), Bytes{0, 0, 0, 0}, c})},
        {2, 3000, true, cat({header(0, 1, 60, 20, 15), c})}},
       {{c, true}}},
      {"Q 200 tables cached for later frames",
       {{1, 0, true, cat({header(0, 1, 200, 20, 15), kQHeader, kTables, a})},
        {2, 3000, true, cat({header(0, 1, 200, 20, 15), Bytes{0, 0, 0, 0}, b})}},
       {{a, true}, {b, false}}},
      {"restart markers give a DRI segment",
       {{1, 0, true, cat({header(0, 65, 50, 20, 15), Bytes{0, 4, 0xff, 0xff}, c})}},
       {{c, true}},
       true},
      {"unsupported type",
       {{1, 0, true, cat({header(0, 3, 50, 20, 15), c})},
        {2, 3000, true, cat({header(0, 1, 50, 20, 15), c})}},
       {{c, true}}},
      {"zero dimensions",
       {{1, 0, true, cat({header(0, 1, 50, 0, 15), c})}, {2, 3000, true, cat({header(0, 1, 50, 20, 15), c})}},
       {{c, true}}},
      {"truncated header",
       {{1, 0, true, Bytes{0, 0, 0}}, {2, 3000, true, cat({header(0, 1, 50, 20, 15), c})}},
       {{c, true}}},
  };
}

GST_START_TEST(test_packets) {
  const Case c = cases()[__i__];
  GstHarness* h = gst_harness_new("rtpjpegdepay2");
  gst_harness_set_src_caps_str(h, "application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG");
  for (const Packet& p : c.packets) gst_harness_push(h, make_rtp(p, 26));
  std::vector<GstBuffer*> out;
  while (GstBuffer* b = gst_harness_try_pull(h)) out.push_back(b);
  fail_unless(out.size() == c.scans.size(), "%s: %zu images", c.name, out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const Bytes img = buffer_bytes(out[i]);
    // SOI ... SOS header, then the scan data, then EOI.
    const Bytes& want = c.scans[i].first;
    fail_unless(img.size() > want.size() + 4 && img[0] == 0xff && img[1] == 0xd8, "%s: no SOI", c.name);
    fail_unless(img[img.size() - 2] == 0xff && img.back() == 0xd9, "%s: no EOI", c.name);
    fail_unless(Bytes(img.end() - 2 - want.size(), img.end() - 2) == want, "%s: scan data differs", c.name);
    fail_unless(GST_BUFFER_IS_DISCONT(out[i]) == c.scans[i].second, "%s: image %zu DISCONT", c.name, i);
    bool dri = false;
    for (std::size_t k = 0; k + 1 < img.size() - want.size(); ++k)
      dri |= img[k] == 0xff && img[k + 1] == 0xdd;
    fail_unless(dri == c.expect_dri, "%s: DRI %d", c.name, dri);
    gst_buffer_unref(out[i]);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

Suite* jpeg_suite() {
  Suite* s = suite_create("rtp2-jpeg");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_roundtrip, 0, G_N_ELEMENTS(kCases));
  tcase_add_loop_test(tc, test_packets, 0, static_cast<int>(cases().size()));
  return s;
}

}  // namespace

RTP_CHECK_MAIN(jpeg);
