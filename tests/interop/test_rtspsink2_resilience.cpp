// rtspsink2 when the server misbehaves while recording (a scripted RECORD server over TCP on 127.0.0.1):
//  - it drops the connection: connection-lost, re-ANNOUNCE with backoff, connection-restored, the new session
//    starts at a key frame, and the run still ends with TEARDOWN and EOS;
//  - it keeps failing: an error after reconnect-attempts;
//  - it stops reading: upstream is held up to max-queue-time, then whole frames are dropped (counted,
//  warned),
//    the queue stays bounded, and once it reads again everything not dropped arrives.
#include <gst/gst.h>

#include <string>

#include "rtsp_test_server.hpp"
#include "sink_fake_recorder.hpp"
#include "sink_pipeline.hpp"

#include "check.hpp"

using rtsp2::test::FakeRecorder;

namespace {

const GstStructure* stream_stats(const GstStructure* stats, guint i) {
  const GValue* list = gst_structure_get_value(stats, "streams");
  return gst_value_get_structure(gst_value_list_get_value(list, i));
}

guint64 u64(const GstStructure* s, const char* field) {
  guint64 v = 0;
  fail_unless(gst_structure_get_uint64(s, field, &v), "no %s", field);
  return v;
}

GstStructure* sink_stats(GstElement* pipeline) {
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstStructure* stats = nullptr;
  g_object_get(sink, "stats", &stats, nullptr);
  gst_object_unref(sink);
  return stats;
}

GST_START_TEST(test_reconnect_resumes_at_key_frame) {
  FakeRecorder::Options o;
  o.drop_first_after_packets = 40;
  FakeRecorder server(o);
  const std::string launch = rtsp2::test::h264_source(90, 10) + " ! rtspsink2 name=sink location=\"" +
                             server.url() + "\" protocols=tcp reconnect-max-interval=200000";
  GstStructure* stats = nullptr;
  rtsp2::test::PublishOptions opts;
  opts.at_end = [&](GstElement* p) { stats = sink_stats(p); };
  auto r = rtsp2::test::publish(launch, opts);
  fail_unless(r.eos, "no EOS: %s", r.error_text.c_str());
  const auto conns = server.connections();
  fail_unless_equals_int(int(conns.size()), 2);
  fail_unless_equals_int(conns[0].rtp_packets, 40);
  fail_unless(!conns[0].torn_down);
  fail_unless(
      conns[1].first_packet_key,
      "the new session must start at a key frame (first byte 0x%02x, %d packets, %d rtcp, %zu methods)",
      conns[1].first_nal, conns[1].rtp_packets, conns[1].rtcp_packets, conns[1].methods.size());
  fail_unless_equals_int(conns[1].cut_frames, 0);
  fail_unless(conns[1].video_frames > 0);
  fail_unless(conns[1].torn_down);
  fail_unless_equals_string(conns[1].methods.front().c_str(), "OPTIONS");
  fail_unless_equals_string(conns[1].methods[1].c_str(), "ANNOUNCE");
  // lost before restored, once each
  int lost = 0, restored = 0;
  for (const auto& m : r.element_messages) {
    if (m == "rtspsink2-connection-lost") {
      fail_unless_equals_int(restored, 0);
      lost++;
    }
    if (m == "rtspsink2-connection-restored") restored++;
  }
  fail_unless_equals_int(lost, 1);
  fail_unless_equals_int(restored, 1);
  fail_unless(stats != nullptr);
  fail_unless_equals_uint64(u64(stats, "reconnects"), 1);
  gst_structure_free(stats);
}
GST_END_TEST;

// The server goes away during RECORD, then refuses every new session: an error after reconnect-attempts.
GST_START_TEST(test_reconnect_gives_up) {
  using rtsp2::test::ScriptedRtspServer;
  ScriptedRtspServer server([](const ScriptedRtspServer::Request& r) -> std::string {
    if (r.connection > 0 && r.method == "ANNOUNCE") {
      return ScriptedRtspServer::response(503, "Service Unavailable", r.cseq);
    }
    std::string extra;
    if (r.method == "SETUP") {
      extra = "Transport: " + ScriptedRtspServer::header(r.text, "Transport") + "\r\nSession: s1\r\n";
    }
    std::string out = ScriptedRtspServer::response(200, "OK", r.cseq, extra);
    if (r.method == "RECORD") out += ScriptedRtspServer::kClose;
    return out;
  });
  const std::string launch = rtsp2::test::h264_source(900) + " ! rtspsink2 location=\"" + server.url("/x") +
                             "\" protocols=tcp reconnect-attempts=2 reconnect-max-interval=50000";
  auto r = rtsp2::test::publish(launch);
  fail_unless(r.error, "no error (eos %d, timed out %d)", r.eos, r.timed_out);
  fail_unless(r.error_domain == GST_RESOURCE_ERROR);
  fail_unless_equals_int(r.error_code, GST_RESOURCE_ERROR_WRITE);
  fail_unless(r.error_text.find("after 2 attempts") != std::string::npos, "%s", r.error_text.c_str());
  fail_unless_equals_int(server.connections(), 3);
  int lost = 0;
  for (const auto& m : r.element_messages) {
    lost += m == "rtspsink2-connection-lost";
    fail_unless(m != "rtspsink2-connection-restored");
  }
  fail_unless_equals_int(lost, 1);
}
GST_END_TEST;

// Every stream ends while the session is lost and cannot come back: after tcp-timeout EOS goes through, with
// a warning, instead of waiting forever (reconnect-attempts is unlimited here).
GST_START_TEST(test_eos_while_reconnecting_is_bounded) {
  using rtsp2::test::ScriptedRtspServer;
  ScriptedRtspServer server([](const ScriptedRtspServer::Request& r) -> std::string {
    if (r.connection > 0 && r.method == "ANNOUNCE") {
      return ScriptedRtspServer::response(503, "Service Unavailable", r.cseq);
    }
    std::string extra;
    if (r.method == "SETUP") {
      extra = "Transport: " + ScriptedRtspServer::header(r.text, "Transport") + "\r\nSession: s1\r\n";
    }
    std::string out = ScriptedRtspServer::response(200, "OK", r.cseq, extra);
    if (r.method == "RECORD") out += ScriptedRtspServer::kClose;
    return out;
  });
  const std::string launch = rtsp2::test::h264_source(20) + " ! rtspsink2 location=\"" + server.url("/x") +
                             "\" protocols=tcp tcp-timeout=1000000 reconnect-max-interval=100000";
  auto r = rtsp2::test::publish(launch);
  fail_unless(r.eos, "no EOS (error %s, timed out %d)", r.error_text.c_str(), r.timed_out);
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || w.find("could not be delivered") != std::string::npos;
  fail_unless(warned);
  fail_unless(server.connections() >= 2);
}
GST_END_TEST;

// The server stops reading after RECORD. Big frames (noise at a high bitrate) fill the socket buffers fast.
GST_START_TEST(test_slow_server_back_pressure) {
  FakeRecorder::Options o;
  o.stall_after_record = true;
  o.receive_buffer = 4096;
  FakeRecorder server(o);
  const std::string launch =
      "videotestsrc num-buffers=150 pattern=snow ! video/x-raw,width=640,height=480,framerate=30/1 ! "
      "x264enc tune=zerolatency speed-preset=ultrafast bitrate=20000 key-int-max=15 ! h264parse ! "
      "identity name=vcount ! rtspsink2 name=sink protocols=tcp max-queue-time=200000000 location=" +
      server.url();
  GstStructure* stats = nullptr;
  bool resumed = false;
  rtsp2::test::PublishOptions opts;
  opts.on_warning = [&](GstElement*, const std::string& text) {
    if (!resumed && text.find("dropping") != std::string::npos) {
      resumed = true;
      server.resume_reading();
    }
  };
  opts.at_end = [&](GstElement* p) { stats = sink_stats(p); };
  auto r = rtsp2::test::publish(launch, opts);
  fail_unless(resumed, "no drop warning (eos %d, error %s)", r.eos, r.error_text.c_str());
  fail_unless(r.eos, "no EOS: %s", r.error_text.c_str());
  fail_unless(stats != nullptr);
  const GstStructure* s0 = stream_stats(stats, 0);
  const guint64 dropped_units = u64(s0, "dropped-units");
  const guint64 sent = u64(s0, "packets-sent");
  const guint64 in = u64(s0, "packets-in");
  fail_unless(dropped_units > 0);
  fail_unless_equals_uint64(u64(s0, "drop-bursts"), 1);
  fail_unless_equals_uint64(sent + u64(s0, "dropped-packets"), in);
  // Bounded by time, not by the length of the stream: the queue never held a tenth of what went through it.
  fail_unless(u64(s0, "max-queued-bytes") * 10 < u64(s0, "bytes-in"), "max queued %" G_GUINT64_FORMAT,
              u64(s0, "max-queued-bytes"));
  const auto conns = server.connections();
  fail_unless_equals_int(int(conns.size()), 1);
  fail_unless_equals_uint64(guint64(conns[0].rtp_packets), sent);  // nothing lost after the socket took it
  fail_unless_equals_int(conns[0].cut_frames, 0);                  // drops are whole frames
  fail_unless(conns[0].torn_down);
  gst_structure_free(stats);
}
GST_END_TEST;

Suite* rtspsink2_resilience_suite() {
  Suite* s = suite_create("rtspsink2_resilience");
  TCase* tc = tcase_create("resilience");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_reconnect_resumes_at_key_frame);
  tcase_add_test(tc, test_reconnect_gives_up);
  tcase_add_test(tc, test_eos_while_reconnecting_is_bounded);
  tcase_add_test(tc, test_slow_server_back_pressure);
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

GST_CHECK_MAIN(rtspsink2_resilience)
