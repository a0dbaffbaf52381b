// rtspsink2's RTSP exchange as a scripted RECORD server sees it: URLs sent exactly as given, the SDP (and the
// update-sdp hook), keep-alive before the session times out (and none when disabled), RTCP sender reports.
#include <gst/gst.h>
#include <gst/sdp/gstsdpmessage.h>

#include <algorithm>
#include <string>

#include "rtsp_test_server.hpp"
#include "sink_fake_recorder.hpp"
#include "sink_pipeline.hpp"

#include "check.hpp"

using rtsp2::test::FakeRecorder;

namespace {

int count(const std::vector<std::string>& v, const std::string& what) {
  return int(std::count(v.begin(), v.end(), what));
}

// A path of several segments with a query string: every request URI is that text, SETUP's with the stream's
// control appended (as servers resolve it, after the whole URL).
GST_START_TEST(test_urls_sent_as_given) {
  FakeRecorder server({});
  const std::string location = server.url("/app/live/cam1?token=a%20b&x=1");
  auto r = rtsp2::test::publish(rtsp2::test::h264_source(15) + " ! rtspsink2 protocols=tcp location=\"" +
                                location + "\"");
  fail_unless(r.eos, "%s", r.error_text.c_str());
  const auto conns = server.connections();
  fail_unless_equals_int(int(conns.size()), 1);
  const auto& c = conns[0];
  for (std::size_t i = 0; i < c.methods.size(); ++i) {
    const std::string expected = c.methods[i] == "SETUP" ? location + "/stream=0" : location;
    fail_unless_equals_string(c.uris[i].c_str(), expected.c_str());
  }
  fail_unless_equals_int(count(c.methods, "ANNOUNCE"), 1);
  fail_unless_equals_int(count(c.methods, "RECORD"), 1);
  fail_unless_equals_int(count(c.methods, "TEARDOWN"), 1);
}
GST_END_TEST;

void add_attribute(GstElement*, GstSDPMessage* sdp, gpointer) {
  gst_sdp_message_add_attribute(sdp, "x-rtspsink2-test", "42");
}

// The SDP comes from the caps (rtpmap, fmtp with sprop-parameter-sets, a=control); update-sdp may change it.
GST_START_TEST(test_sdp_and_update_sdp) {
  FakeRecorder server({});
  rtsp2::test::PublishOptions opts;
  opts.setup = [](GstElement* pipeline) {
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    g_signal_connect(sink, "update-sdp", G_CALLBACK(add_attribute), nullptr);
    gst_object_unref(sink);
  };
  auto r = rtsp2::test::publish(
      rtsp2::test::h264_source(15) + " ! rtspsink2 name=sink protocols=tcp location=" + server.url(), opts);
  fail_unless(r.eos, "%s", r.error_text.c_str());
  const std::string sdp = server.connections().at(0).announce_sdp;
  GstSDPMessage* msg = nullptr;
  gst_sdp_message_new_from_text(sdp.c_str(), &msg);
  fail_unless(msg != nullptr);
  fail_unless_equals_string(gst_sdp_message_get_attribute_val(msg, "x-rtspsink2-test"), "42");
  fail_unless_equals_int(gst_sdp_message_medias_len(msg), 1);
  const GstSDPMedia* m = gst_sdp_message_get_media(msg, 0);
  fail_unless_equals_string(gst_sdp_media_get_media(m), "video");
  fail_unless_equals_string(gst_sdp_media_get_attribute_val(m, "control"), "stream=0");
  fail_unless(g_str_has_prefix(gst_sdp_media_get_attribute_val(m, "rtpmap"), "96 H264/90000"));
  const gchar* fmtp = gst_sdp_media_get_attribute_val(m, "fmtp");
  fail_unless(fmtp != nullptr && strstr(fmtp, "sprop-parameter-sets=") != nullptr, "%s", sdp.c_str());
  gst_sdp_message_free(msg);
}
GST_END_TEST;

// A session timeout of 1 s: keep-alives (OPTIONS, as the server lists no GET_PARAMETER) while recording, and
// none with do-rtsp-keep-alive=false. RTCP sender reports go on the stream's odd channel.
GST_START_TEST(test_keep_alive_and_rtcp) {
  for (bool keep_alive : {true, false}) {
    FakeRecorder::Options o;
    o.session_timeout = 1;
    FakeRecorder server(o);
    auto r = rtsp2::test::publish(rtsp2::test::h264_source(60) + " ! rtspsink2 protocols=tcp location=" +
                                  server.url() + " do-rtsp-keep-alive=" + (keep_alive ? "true" : "false"));
    fail_unless(r.eos, "%s", r.error_text.c_str());
    const auto c = server.connections().at(0);
    const int options = count(c.methods, "OPTIONS") + count(c.methods, "GET_PARAMETER");
    if (keep_alive) {
      fail_unless(options >= 2, "%d keep-alives in a 2 s session with a 1 s timeout", options - 1);
    } else {
      fail_unless_equals_int(options, 1);  // the OPTIONS before ANNOUNCE only
    }
    fail_unless(c.rtcp_packets >= 1, "no RTCP sender report in 2 s");
  }
}
GST_END_TEST;

// ANNOUNCE answered 302 with a Location on another server: the session goes there and records.
GST_START_TEST(test_redirect) {
  FakeRecorder target({});
  const std::string target_url = target.url("/moved/here");
  rtsp2::test::ScriptedRtspServer first([&](const rtsp2::test::ScriptedRtspServer::Request& r) {
    if (r.method == "ANNOUNCE") {
      return rtsp2::test::ScriptedRtspServer::response(302, "Found", r.cseq,
                                                       "Location: " + target_url + "\r\n");
    }
    return rtsp2::test::ScriptedRtspServer::response(200, "OK", r.cseq);
  });
  auto r = rtsp2::test::publish(rtsp2::test::h264_source(15) +
                                " ! rtspsink2 protocols=tcp location=" + first.url("/old"));
  fail_unless(r.eos, "%s", r.error_text.c_str());
  const auto conns = target.connections();
  fail_unless_equals_int(int(conns.size()), 1);
  fail_unless_equals_int(count(conns[0].methods, "RECORD"), 1);
  fail_unless(conns[0].rtp_packets > 0);
  const auto it = std::find(conns[0].methods.begin(), conns[0].methods.end(), "ANNOUNCE");
  fail_unless_equals_string(conns[0].uris[std::size_t(it - conns[0].methods.begin())].c_str(),
                            target_url.c_str());
}
GST_END_TEST;

Suite* rtspsink2_session_suite() {
  Suite* s = suite_create("rtspsink2_session");
  TCase* tc = tcase_create("session");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_urls_sent_as_given);
  tcase_add_test(tc, test_sdp_and_update_sdp);
  tcase_add_test(tc, test_keep_alive_and_rtcp);
  tcase_add_test(tc, test_redirect);
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

GST_CHECK_MAIN(rtspsink2_session)
