// rtpmp4gdepay2 on hand-made RFC 3640 packets: AU-header layouts, several AUs per packet, fragments,
// broken sections, interleaving refused, loss.
#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

constexpr const char* kHbrCaps =
    "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,encoding-params=(string)2,"
    "mode=(string)AAC-hbr,config=(string)1190,sizelength=(string)13,indexlength=(string)3,"
    "indexdeltalength=(string)3,streamtype=(string)5";

class BitWriter {
 public:
  void put(std::uint32_t value, unsigned bits) {
    for (unsigned i = bits; i-- > 0;) {
      if (pos_ % 8 == 0) out_.push_back(0);
      if ((value >> i) & 1) out_.back() |= static_cast<std::uint8_t>(0x80 >> (pos_ % 8));
      ++pos_;
    }
  }
  std::size_t bits() const { return pos_; }
  const Bytes& bytes() const { return out_; }

 private:
  Bytes out_;
  std::size_t pos_ = 0;
};

Bytes au(std::size_t size, std::uint8_t seed) {
  Bytes b;
  for (std::size_t i = 0; i < size; ++i) b.push_back(static_cast<std::uint8_t>(seed + i));
  return b;
}

// AAC-hbr packet: AU headers (13-bit size, 3-bit index/delta) then the AU bytes. `sizes` may differ from
// the data (for fragments and broken packets).
Bytes hbr(const std::vector<std::size_t>& sizes, const Bytes& data, unsigned index = 0, unsigned delta = 0) {
  BitWriter w;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    w.put(static_cast<std::uint32_t>(sizes[i]), 13);
    w.put(i == 0 ? index : delta, 3);
  }
  Bytes p{static_cast<std::uint8_t>(w.bits() >> 8), static_cast<std::uint8_t>(w.bits())};
  p.insert(p.end(), w.bytes().begin(), w.bytes().end());
  p.insert(p.end(), data.begin(), data.end());
  return p;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Expect {
  Bytes data;
  bool discont;
  GstClockTime pts = GST_CLOCK_TIME_NONE;  // checked when valid
};

struct Case {
  const char* name;
  const char* caps;
  std::vector<Packet> packets;
  std::vector<Expect> expected;
};

const Bytes kA = au(100, 1), kB = au(60, 2), kC = au(80, 3), kBig = au(300, 4);
constexpr GstClockTime kAuNs = 21333333;  // 1024 samples at 48 kHz

std::vector<Case> cases() {
  return {
      {"one AU per packet",
       kHbrCaps,
       {{1, 48000, true, hbr({100}, kA)}, {2, 49024, true, hbr({60}, kB)}},
       {{kA, true, GST_SECOND}, {kB, false}}},
      {"three AUs in one packet, PTS one AU apart",
       kHbrCaps,
       {{1, 48000, true, hbr({100, 60, 80}, cat({kA, kB, kC}))}},
       {{kA, true, GST_SECOND}, {kB, false, GST_SECOND + kAuNs}, {kC, false, GST_SECOND + 42666666}}},
      {"fragmented AU",
       kHbrCaps,
       {{1, 48000, false, hbr({300}, Bytes(kBig.begin(), kBig.begin() + 100))},
        {2, 48000, false, hbr({300}, Bytes(kBig.begin() + 100, kBig.begin() + 200))},
        {3, 48000, true, hbr({300}, Bytes(kBig.begin() + 200, kBig.end()))},
        {4, 49024, true, hbr({100}, kA)}},
       {{kBig, true, GST_SECOND}, {kA, false}}},
      {"middle fragment lost",
       kHbrCaps,
       {{1, 48000, false, hbr({300}, Bytes(kBig.begin(), kBig.begin() + 100))},
        {3, 48000, true, hbr({300}, Bytes(kBig.begin() + 200, kBig.end()))},
        {4, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"first fragment lost",
       kHbrCaps,
       {{0, 46976, true, hbr({60}, kB)},
        {2, 48000, false, hbr({300}, Bytes(kBig.begin() + 100, kBig.begin() + 200))},
        {3, 48000, true, hbr({300}, Bytes(kBig.begin() + 200, kBig.end()))},
        {4, 49024, true, hbr({100}, kA)}},
       {{kB, true}, {kA, true}}},
      {"last fragment lost",
       kHbrCaps,
       {{1, 48000, false, hbr({300}, Bytes(kBig.begin(), kBig.begin() + 100))},
        {2, 48000, false, hbr({300}, Bytes(kBig.begin() + 100, kBig.begin() + 200))},
        {4, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"fragments longer than the AU",
       kHbrCaps,
       {{1, 48000, false, hbr({150}, Bytes(kBig.begin(), kBig.begin() + 100))},
        {2, 48000, true, hbr({150}, Bytes(kBig.begin() + 100, kBig.begin() + 200))},
        {3, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"marker before the AU is complete",
       kHbrCaps,
       {{1, 48000, false, hbr({300}, Bytes(kBig.begin(), kBig.begin() + 100))},
        {2, 48000, true, hbr({300}, Bytes(kBig.begin() + 100, kBig.begin() + 200))},
        {3, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"whole packet lost: the next AU is DISCONT, nothing dropped",
       kHbrCaps,
       {{1, 48000, true, hbr({100}, kA)}, {3, 50048, true, hbr({60}, kB)}},
       {{kA, true}, {kB, true}}},
      {"AU-headers-length past the packet",
       kHbrCaps,
       {{1, 48000, true, Bytes{0x01, 0x00, 0x00}}, {2, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"AU sizes past the data",
       kHbrCaps,
       {{1, 48000, true, hbr({100, 60}, kA)}, {2, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"truncated AU header (12 bits)",
       kHbrCaps,
       {{1, 48000, true, Bytes{0x00, 0x0c, 0xff, 0xf0}}, {2, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"zero-length payload",
       kHbrCaps,
       {{1, 48000, true, {}}, {2, 49024, true, hbr({100}, kA)}},
       {{kA, true}}},
      {"generic layout: CTS/DTS deltas, RAP flag, auxiliary section",
       "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)generic,"
       "streamtype=(string)5,config=(string)1190,sizelength=(string)13,indexlength=(string)3,"
       "indexdeltalength=(string)3,ctsdeltalength=(string)16,dtsdeltalength=(string)16,"
       "randomaccessindication=(string)1,auxiliarydatasizelength=(string)8",
       {{1, 48000, true,
         [] {
           BitWriter w;
           w.put(100, 13), w.put(0, 3), w.put(0, 1), w.put(1, 1), w.put(7, 16), w.put(1, 1);    // AU 1
           w.put(60, 13), w.put(0, 3), w.put(1, 1), w.put(1024, 16), w.put(0, 1), w.put(0, 1);  // AU 2
           Bytes p{static_cast<std::uint8_t>(w.bits() >> 8), static_cast<std::uint8_t>(w.bits())};
           p.insert(p.end(), w.bytes().begin(), w.bytes().end());
           p.insert(p.end(), {16, 0xaa, 0xbb});  // 16 bits of auxiliary data after its 8-bit size
           return cat({p, kA, kB});
         }()}},
       {{kA, true}, {kB, false}}},
      {"constantsize without AU headers",
       "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)generic,"
       "streamtype=(string)5,config=(string)1190,constantsize=(string)4",
       {{1, 48000, true, Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}},
       {{{1, 2, 3, 4}, true}, {{5, 6, 7, 8}, false}, {{9, 10, 11, 12}, false}}},
      {"no AU headers: the packet is one AU",
       "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)generic,"
       "streamtype=(string)5,config=(string)1190",
       {{1, 48000, true, kA}},
       {{kA, true}}},
  };
}

GST_START_TEST(test_table) {
  const Case c = cases()[__i__];
  GstHarness* h = gst_harness_new("rtpmp4gdepay2");
  gst_harness_set_src_caps_str(h, c.caps);
  for (const Packet& p : c.packets) {
    GstBuffer* b = make_rtp(p);
    GST_BUFFER_PTS(b) = gst_util_uint64_scale(p.ts, GST_SECOND, 48000);
    fail_unless_equals_int(gst_harness_push(h, b), GST_FLOW_OK);
  }
  std::vector<GstBuffer*> out;
  while (GstBuffer* b = gst_harness_try_pull(h)) out.push_back(b);
  fail_unless(out.size() == c.expected.size(), "%s: %zu buffers, expected %zu", c.name, out.size(),
              c.expected.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    fail_unless(buffer_bytes(out[i]) == c.expected[i].data, "%s: buffer %zu differs", c.name, i);
    fail_unless(GST_BUFFER_IS_DISCONT(out[i]) == c.expected[i].discont, "%s: buffer %zu DISCONT %d", c.name,
                i, GST_BUFFER_IS_DISCONT(out[i]));
    if (GST_CLOCK_TIME_IS_VALID(c.expected[i].pts)) {
      fail_unless(GST_BUFFER_PTS(out[i]) == c.expected[i].pts, "%s: buffer %zu PTS %" G_GUINT64_FORMAT,
                  c.name, i, GST_BUFFER_PTS(out[i]));
    }
    gst_buffer_unref(out[i]);
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

// Interleaving is refused with an error that says so: at caps time (maxDisplacement) or when the
// AU-Index / AU-Index-delta fields show it.
struct Refusal {
  const char* name;
  std::string caps;
  Bytes payload;
};

GST_START_TEST(test_interleaving_refused) {
  const Refusal refusals[] = {
      {"maxdisplacement in caps", std::string(kHbrCaps) + ",maxdisplacement=(string)5", hbr({100}, kA)},
      {"AU-Index-delta not 0", kHbrCaps, hbr({100, 60}, cat({kA, kB}), 0, 1)},
      {"AU-Index not 0", kHbrCaps, hbr({100}, kA, 2, 0)},
  };
  for (const Refusal& r : refusals) {
    GstHarness* h = gst_harness_new("rtpmp4gdepay2");
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    gst_harness_set_src_caps_str(h, r.caps.c_str());
    gst_harness_push(h, make_rtp({1, 48000, true, r.payload}));
    gst_harness_push(h, make_rtp({2, 49024, true, hbr({100}, kA)}));
    fail_unless(gst_harness_try_pull(h) == nullptr, "%s: output after refusal", r.name);
    GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    fail_unless(msg != nullptr, "%s: no error message", r.name);
    GError* err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    fail_unless(g_strrstr(err->message, "nterleav") != nullptr, "%s: error '%s' does not name interleaving",
                r.name, err->message);
    g_error_free(err);
    gst_message_unref(msg);
    gst_element_set_bus(h->element, nullptr);
    gst_object_unref(bus);
    gst_harness_teardown(h);
  }
}
GST_END_TEST;

Suite* mp4g_depay_suite() {
  Suite* s = suite_create("rtp2-mp4g-depay");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_table, 0, static_cast<int>(cases().size()));
  tcase_add_test(tc, test_interleaving_refused);
  return s;
}

}  // namespace

RTP_CHECK_MAIN(mp4g_depay);
