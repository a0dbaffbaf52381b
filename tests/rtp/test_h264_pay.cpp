// rtph264pay2 packetization on hand-made access units: what goes into single NAL, STAP-A and FU-A
// packets, where the marker bit is, and that each access unit leaves as one buffer list.
#include "h264_builders.hpp"

#include "../common/check.hpp"

using namespace rtptest;
using namespace rtptest::h264;

namespace {

Bytes nal_of(std::uint8_t header, std::size_t size) {
  Bytes n{header};
  for (std::size_t i = 1; i < size; ++i) n.push_back(static_cast<std::uint8_t>(i * 31 + 7) | 1);
  return n;
}

// "NAL5", "STAP[9,7,8]", "FU-S5", "FU5", "FU-E5", with " M" when the marker is set.
std::string describe(const RtpInfo& p) {
  std::string d;
  const int type = p.payload[0] & 0x1f;
  if (type == 24) {
    d = "STAP[";
    std::size_t i = 1;
    while (i + 2 <= p.payload.size()) {
      const std::size_t len = (p.payload[i] << 8) | p.payload[i + 1];
      if (i > 1) d += ",";
      d += std::to_string(p.payload[i + 2] & 0x1f);
      i += 2 + len;
    }
    d += "]";
  } else if (type == 28) {
    d = std::string("FU") + (p.payload[1] & 0x80 ? "-S" : "") + (p.payload[1] & 0x40 ? "-E" : "") +
        std::to_string(p.payload[1] & 0x1f);
  } else {
    d = "NAL" + std::to_string(type);
  }
  return p.marker ? d + " M" : d;
}

struct PayCase {
  const char* name;
  std::vector<Bytes> nals;
  guint mtu;
  std::vector<std::string> expected;
};

std::vector<PayCase> cases() {
  const Bytes aud{0x09, 0x10};
  return {
      {"small NALs are aggregated", {aud, sps(), pps(), nal_of(0x65, 40)}, 1400, {"STAP[9,7,8,5] M"}},
      {"a lone NAL goes as a single NAL packet", {nal_of(0x41, 40)}, 1400, {"NAL1 M"}},
      {"a large NAL is fragmented",
       {aud, sps(), pps(), nal_of(0x65, 1000)},
       400,
       {"STAP[9,7,8]", "FU-S5", "FU5", "FU-E5 M"}},
      {"a full STAP-A is sent and a new one started",
       {nal_of(0x41, 150), nal_of(0x41, 150), nal_of(0x41, 150), nal_of(0x41, 150), nal_of(0x41, 150)},
       400,
       {"STAP[1,1]", "STAP[1,1]", "NAL1 M"}},
      {"a NAL that exactly fits is not fragmented", {nal_of(0x65, 1388)}, 1400, {"NAL5 M"}},
      {"one byte more is", {nal_of(0x65, 1389)}, 1400, {"FU-S5", "FU-E5 M"}},
      {"emulation prevention and zero bytes stay inside the NAL",
       {Bytes{0x65, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x01, 0x00, 0x02, 0x00, 0x00, 0x03, 0x02, 0x00, 0x05},
        Bytes{0x41, 0x00, 0x00, 0x03, 0x00, 0x01}},
       1400,
       {"STAP[5,1] M"}},
      {"small NALs after a fragmented one aggregate again",
       {nal_of(0x65, 900), nal_of(0x06, 20), nal_of(0x41, 30)},
       400,
       {"FU-S5", "FU5", "FU-E5", "STAP[6,1] M"}},
  };
}

GST_START_TEST(test_pay_table) {
  const PayCase c = cases()[__i__];
  GstHarness* h = gst_harness_new("rtph264pay2");
  g_object_set(h->element, "mtu", c.mtu, nullptr);
  gst_harness_set_src_caps_str(h, "video/x-h264,stream-format=byte-stream,alignment=au");
  // Mixed 3- and 4-byte start codes and trailing zero bytes: none of it is part of a NAL.
  Bytes au;
  for (std::size_t i = 0; i < c.nals.size(); ++i) {
    if (i % 2) {
      au.insert(au.end(), {0, 0, 1});
    } else {
      au.insert(au.end(), {0, 0, 0, 1});
    }
    au.insert(au.end(), c.nals[i].begin(), c.nals[i].end());
    if (i == 0) au.insert(au.end(), {0, 0});
  }
  GstBuffer* in = buffer_from(au);
  GST_BUFFER_PTS(in) = 0;
  fail_unless_equals_int(gst_harness_push(h, in), GST_FLOW_OK);
  std::vector<std::string> got;
  std::vector<Bytes> nals;  // reassembled from the packets
  while (GstBuffer* b = gst_harness_try_pull(h)) {
    fail_unless(gst_buffer_get_size(b) <= c.mtu, "%s: packet over mtu", c.name);
    RtpInfo p = rtp_info(b);
    got.push_back(describe(p));
    const int type = p.payload[0] & 0x1f;
    if (type == 24) {
      for (std::size_t i = 1; i + 2 <= p.payload.size();) {
        const std::size_t len = (p.payload[i] << 8) | p.payload[i + 1];
        nals.emplace_back(p.payload.begin() + i + 2, p.payload.begin() + i + 2 + len);
        i += 2 + len;
      }
    } else if (type == 28) {
      if (p.payload[1] & 0x80)
        nals.push_back({static_cast<std::uint8_t>((p.payload[0] & 0xe0) | (p.payload[1] & 0x1f))});
      nals.back().insert(nals.back().end(), p.payload.begin() + 2, p.payload.end());
    } else {
      nals.push_back(p.payload);
    }
    gst_buffer_unref(b);
  }
  std::string text;
  for (const auto& g : got) text += g + "; ";
  fail_unless(got == c.expected, "%s: got %s", c.name, text.c_str());
  fail_unless(nals == c.nals, "%s: NALs not carried unchanged", c.name);
  gst_harness_teardown(h);
}
GST_END_TEST;

// alignment=nal input: the marker bit follows the parser's MARKER flag (last NAL of the access unit).
GST_START_TEST(test_nal_alignment_marker) {
  GstHarness* h = gst_harness_new("rtph264pay2");
  gst_harness_set_src_caps_str(h, "video/x-h264,stream-format=byte-stream,alignment=nal");
  GstBuffer* a = buffer_from(annexb({nal_of(0x41, 50)}));
  GstBuffer* b = buffer_from(annexb({nal_of(0x41, 60)}));
  GST_BUFFER_PTS(a) = GST_BUFFER_PTS(b) = 0;
  GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_MARKER);
  gst_harness_push(h, a);
  gst_harness_push(h, b);
  GstBuffer* pa = gst_harness_pull(h);
  GstBuffer* pb = gst_harness_pull(h);
  fail_if(rtp_info(pa).marker);
  fail_unless(rtp_info(pb).marker);
  gst_buffer_unref(pa);
  gst_buffer_unref(pb);
  gst_harness_teardown(h);
}
GST_END_TEST;

GstPadProbeReturn count_lists(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* counts = static_cast<std::vector<guint>*>(data);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    counts->push_back(gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info)));
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) counts->push_back(0);  // a lone buffer
  return GST_PAD_PROBE_OK;
}

// Each access unit leaves as one buffer list, all packets with the same RTP timestamp; properties
// of the upstream base class apply (pt, ssrc, seqnum-offset, timestamp-offset).
GST_START_TEST(test_buffer_lists_and_base_properties) {
  // Set before the element starts: the base class picks ssrc and offsets when going to PAUSED.
  GstHarness* h = gst_harness_new_parse(
      "rtph264pay2 name=pay mtu=300 pt=100 ssrc=3735928559 seqnum-offset=65534 timestamp-offset=1000");
  std::vector<guint> lists;
  GstElement* pay = gst_bin_get_by_name(GST_BIN(h->element), "pay");
  GstPad* src = gst_element_get_static_pad(pay, "src");
  gst_object_unref(pay);
  gst_pad_add_probe(src, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    count_lists, &lists, nullptr);
  gst_object_unref(src);
  gst_harness_set_src_caps_str(h, "video/x-h264,stream-format=byte-stream,alignment=au");
  for (int i = 0; i < 2; ++i) {
    GstBuffer* in = buffer_from(annexb({sps(), pps(), nal_of(0x65, 1000)}));
    GST_BUFFER_PTS(in) = i * GST_SECOND;
    gst_harness_push(h, in);
  }
  fail_unless(lists.size() == 2 && lists[0] == 5 && lists[1] == 5, "expected two lists of 5 packets");
  std::uint16_t expected_seq = 65534;
  for (int unit = 0; unit < 2; ++unit) {
    for (int k = 0; k < 5; ++k) {
      GstBuffer* b = gst_harness_pull(h);
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      gst_rtp_buffer_map(b, GST_MAP_READ, &rtp);
      fail_unless_equals_int(gst_rtp_buffer_get_payload_type(&rtp), 100);
      fail_unless_equals_uint64(gst_rtp_buffer_get_ssrc(&rtp), 0xdeadbeef);
      fail_unless_equals_int(gst_rtp_buffer_get_seq(&rtp), expected_seq++);
      fail_unless_equals_uint64(gst_rtp_buffer_get_timestamp(&rtp), 1000u + unit * 90000u);
      gst_rtp_buffer_unmap(&rtp);
      gst_buffer_unref(b);
    }
  }
  gst_harness_teardown(h);
}
GST_END_TEST;

Suite* h264_pay_suite() {
  Suite* s = suite_create("rtp2-h264-pay");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_pay_table, 0, static_cast<int>(cases().size()));
  tcase_add_test(tc, test_nal_alignment_marker);
  tcase_add_test(tc, test_buffer_lists_and_base_properties);
  return s;
}

}  // namespace

RTP_CHECK_MAIN(h264_pay);
