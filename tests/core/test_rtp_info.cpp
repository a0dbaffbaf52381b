// RTP-Info reading (rtspsrc2's caps get seqnum-base / clock-base from it).
#include <string>

#include "rtp_info.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;

GST_START_TEST(test_parse_table) {
  struct Expected {
    std::string url;
    int seq;       // -1: absent
    long rtptime;  // -1: absent
  };
  struct Case {
    const char* header;
    std::vector<Expected> entries;
  };
  const Case cases[] = {
      {"url=rtsp://h/s/stream=0;seq=45102;rtptime=12345, url=rtsp://h/s/stream=1;seq=30211",
       {{"rtsp://h/s/stream=0", 45102, 12345}, {"rtsp://h/s/stream=1", 30211, -1}}},
      // gst-rtsp-server style, no spaces
      {"url=rtsp://127.0.0.1:8554/test/stream=0;seq=1;rtptime=4294967295",
       {{"rtsp://127.0.0.1:8554/test/stream=0", 1, 4294967295L}}},
      // quoted URL holding ',' and ';' (RFC 7826)
      {"url=\"rtsp://h/a,b;c\";seq=7", {{"rtsp://h/a,b;c", 7, -1}}},
      // unquoted URL holding ';' that is not a parameter
      {"url=rtsp://h/s;jsessionid=1/trackID=1;seq=9;rtptime=10",
       {{"rtsp://h/s;jsessionid=1/trackID=1", 9, 10}}},
      // relative URL, upper-case keys, blanks
      {"URL=trackID=2 ; SEQ=3 ; RTPTIME=4", {{"trackID=2", 3, 4}}},
      // out-of-range and junk numbers are dropped, the entry is kept
      {"url=x;seq=70000;rtptime=abc", {{"x", -1, -1}}},
      // garbage
      {"", {}},
      {"seq=1;rtptime=2", {}},
      {"url=\"unterminated;seq=1", {}},
  };
  for (const auto& c : cases) {
    auto got = parse_rtp_info(c.header);
    fail_unless_equals_int(int(got.size()), int(c.entries.size()));
    for (std::size_t i = 0; i < got.size(); ++i) {
      fail_unless(got[i].url == c.entries[i].url, "%s: url '%s'", c.header, got[i].url.c_str());
      fail_unless_equals_int(got[i].seq ? int(*got[i].seq) : -1, c.entries[i].seq);
      fail_unless(got[i].rtptime.has_value() == (c.entries[i].rtptime >= 0), c.header);
      if (got[i].rtptime) fail_unless_equals_uint64(*got[i].rtptime, std::uint64_t(c.entries[i].rtptime));
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_find_entry) {
  auto entries = parse_rtp_info("url=rtsp://h/s/trackID=1;seq=1, url=trackID=2;seq=2");
  // exact
  auto* a = find_rtp_info(entries, "rtsp://h/s/trackID=1", 0, 2);
  fail_unless(a != nullptr && *a->seq == 1);
  // relative entry matching the end of the control URL
  auto* b = find_rtp_info(entries, "rtsp://other/s/trackID=2", 1, 2);
  fail_unless(b != nullptr && *b->seq == 2);
  // no URL match: by position when the counts agree
  auto* c = find_rtp_info(entries, "rtsp://h/s/video", 1, 2);
  fail_unless(c != nullptr && *c->seq == 2);
  // no URL match and different counts: none
  fail_unless(find_rtp_info(entries, "rtsp://h/s/video", 0, 3) == nullptr);
  fail_unless(find_rtp_info({}, "rtsp://h/s", 0, 0) == nullptr);
}
GST_END_TEST;

static Suite* rtp_info_suite() {
  Suite* s = suite_create("rtp_info");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_parse_table);
  tcase_add_test(tc, test_find_entry);
  return s;
}

GST_CHECK_MAIN(rtp_info);
