// rtspsrc2's session behaviour against gst-rtsp-server and scripted peers: keep-alive, TEARDOWN, PAUSE/PLAY
// and seeking on a recorded media, reconnecting after a server restart, falling back from UDP to TCP, and the
// get-parameter / set-parameter actions.
#include <glib/gstdio.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>

#include "../common/rtsp_test_server.hpp"
#include "src_probe.hpp"

#include "../common/check.hpp"

using namespace rtsp2::test;

namespace {

constexpr int kTimeoutMs = 20000;

guint64 stat_u64(GstElement* src, const char* field) {
  GstStructure* s = nullptr;
  g_object_get(src, "stats", &s, nullptr);
  guint64 v = 0;
  gst_structure_get_uint64(s, field, &v);
  gst_structure_free(s);
  return v;
}

bool has_message(SrcProbe& p, const std::string& name) {
  for (const auto& m : p.element_messages()) {
    if (m == name) return true;
  }
  return false;
}

}  // namespace

GST_START_TEST(test_keep_alive) {
  for (bool keep_alive : {true, false}) {
    RtspTestServer server;
    server.add_mount({"/test", h264_launch()});
    server.set_session_timeout(2);  // keep-alive due after about 1 s
    fail_unless(server.start(0));
    SrcProbe p("rtspsrc2", server.url("/test"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
    g_object_set(p.src(), "do-rtsp-keep-alive", keep_alive ? TRUE : FALSE, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_requests("PLAY", 1, kTimeoutMs));
    // Without OPTIONS first the server's Public list is unknown: OPTIONS keeps the session alive.
    // Waiting returns as soon as two arrive: a generous bound only matters on a loaded machine. Without
    // keep-alive, 4 s is two keep-alive periods that must pass silently.
    const bool got = server.wait_requests_any({"GET_PARAMETER", "OPTIONS"}, 2, keep_alive ? 15000 : 4000);
    fail_unless(got == keep_alive, "keep-alive %d: %d GET_PARAMETER, %d OPTIONS", keep_alive,
                server.requests("GET_PARAMETER"), server.requests("OPTIONS"));
    // The element publishes its stats just after sending; the server may see the request first.
    if (keep_alive)
      fail_unless(p.wait([&] { return stat_u64(p.src(), "keep-alives") >= 2; }, kTimeoutMs),
                  "keep-alives %llu", (unsigned long long)stat_u64(p.src(), "keep-alives"));
  }
}
GST_END_TEST;

GST_START_TEST(test_teardown_when_stopping) {
  RtspTestServer server;
  server.add_mount({"/test", h264_launch()});
  fail_unless(server.start(0));
  SrcProbe p("rtspsrc2", server.url("/test"));
  g_object_set(p.src(), "latency", 100u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait_frames("stream_0", 5, kTimeoutMs));
  const auto t0 = std::chrono::steady_clock::now();
  fail_unless_equals_int(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500));
  fail_unless(server.wait_requests("TEARDOWN", 1, 2000));
  fail_unless(stat_u64(p.src(), "requests") >= 4);  // DESCRIBE SETUP PLAY TEARDOWN
}
GST_END_TEST;

GST_START_TEST(test_pause_and_seek_recorded) {
  gchar* dir = g_dir_make_tmp("rtsp2-seek-XXXXXX", nullptr);
  const std::string file = std::string(dir) + "/clip.mkv";
  fail_unless(write_h264_file(file, 6));
  RtspTestServer server;
  Mount m{"/clip", file_launch(file)};
  m.shared = false;
  server.add_mount(m);
  fail_unless(server.start(0));

  SrcProbe p("rtspsrc2", server.url("/clip"));
  g_object_set(p.src(), "latency", 100u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait_frames("stream_0", 10, kTimeoutMs));

  // A recorded presentation: seekable, with its duration.
  GstQuery* q = gst_query_new_seeking(GST_FORMAT_TIME);
  fail_unless(gst_element_query(p.pipeline(), q));
  gboolean seekable = FALSE;
  gst_query_parse_seeking(q, nullptr, &seekable, nullptr, nullptr);
  gst_query_unref(q);
  fail_unless(seekable);
  gint64 duration = 0;
  fail_unless(gst_element_query_duration(p.pipeline(), GST_FORMAT_TIME, &duration));
  fail_unless(std::llabs(duration - 6 * gint64(GST_SECOND)) < gint64(GST_SECOND / 2),
              "duration %" G_GINT64_FORMAT, duration);

  // PAUSE when the pipeline pauses, PLAY again when it resumes.
  p.set_state(GST_STATE_PAUSED);
  fail_unless(server.wait_requests("PAUSE", 1, kTimeoutMs));
  p.set_state(GST_STATE_PLAYING);
  fail_unless(server.wait_requests("PLAY", 2, kTimeoutMs));

  // A seek becomes PLAY with Range; downstream gets a segment at the new position and frames again.
  const int before = p.pad("stream_0").buffers;
  fail_unless(gst_element_seek_simple(p.pipeline(), GST_FORMAT_TIME,
                                      GstSeekFlags(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT),
                                      3 * GST_SECOND));
  fail_unless(server.wait_requests("PLAY", 3, kTimeoutMs));
  auto ranges = server.play_ranges();
  fail_unless(ranges.back().rfind("npt=3", 0) == 0, "Range: %s", ranges.back().c_str());
  const bool segment_seen = p.wait(
      [&] {
        for (const auto& s : p.pad("stream_0").segments) {
          if (s.time == 3 * GST_SECOND) return true;
        }
        return false;
      },
      kTimeoutMs);
  for (const auto& s : p.pad("stream_0").segments) {
    GST_INFO("segment start %" GST_TIME_FORMAT " time %" GST_TIME_FORMAT " base %" GST_TIME_FORMAT,
             GST_TIME_ARGS(s.start), GST_TIME_ARGS(s.time), GST_TIME_ARGS(s.base));
  }
  fail_unless(segment_seen, "no segment at 3 s after the seek");
  fail_unless(p.wait_frames("stream_0", before + 10, kTimeoutMs), "%d frames after the seek",
              p.pad("stream_0").buffers - before);
  fail_unless_equals_int(p.error_count(), 0);
  p.set_state(GST_STATE_NULL);
  g_unlink(file.c_str());
  g_rmdir(dir);
  g_free(dir);
}
GST_END_TEST;

GST_START_TEST(test_recorded_media_ends_with_eos) {
  gchar* dir = g_dir_make_tmp("rtsp2-eos-XXXXXX", nullptr);
  const std::string file = std::string(dir) + "/short.mkv";
  fail_unless(write_h264_file(file, 2));
  RtspTestServer server;
  Mount m{"/short", file_launch(file)};
  m.shared = false;
  server.add_mount(m);
  fail_unless(server.start(0));
  SrcProbe p("rtspsrc2", server.url("/short"));
  g_object_set(p.src(), "latency", 100u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait([&] { return p.eos() || p.error_count() > 0; }, kTimeoutMs), "no EOS at the end");
  fail_unless_equals_int(p.error_count(), 0);
  fail_unless(p.pad("stream_0").buffers >= 50, "%d frames", p.pad("stream_0").buffers);
  p.set_state(GST_STATE_NULL);
  g_unlink(file.c_str());
  g_rmdir(dir);
  g_free(dir);
}
GST_END_TEST;

GST_START_TEST(test_reconnect_after_server_restart) {
  RtspTestServer server;
  server.add_mount({"/test", h264_launch()});
  fail_unless(server.start(0));
  const std::uint16_t port = server.port();
  SrcProbe p("rtspsrc2", server.url("/test"));
  g_object_set(p.src(), "latency", 100u, "reconnect-max-interval", guint64(500000), nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait_frames("stream_0", 10, kTimeoutMs));

  server.stop();
  fail_unless(p.wait([&] { return has_message(p, "rtspsrc2-connection-lost"); }, kTimeoutMs));
  const int before = p.pad("stream_0").buffers;
  fail_unless(server.start(port), "port %u not reusable", port);
  fail_unless(p.wait([&] { return has_message(p, "rtspsrc2-connection-restored"); }, kTimeoutMs));
  // The same pad goes on, marked DISCONT, with frames that decode.
  fail_unless(p.wait_frames("stream_0", before + 15, kTimeoutMs), "%d frames after restart",
              p.pad("stream_0").buffers - before);
  fail_unless(p.pad("stream_0").discont >= 1);
  fail_unless_equals_int(int(p.pad_names().size()), 1);
  fail_unless_equals_uint64(stat_u64(p.src(), "reconnects"), 1);
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

GST_START_TEST(test_no_reconnect_when_disabled) {
  RtspTestServer server;
  server.add_mount({"/test", h264_launch()});
  fail_unless(server.start(0));
  SrcProbe p("rtspsrc2", server.url("/test"));
  g_object_set(p.src(), "latency", 100u, "reconnect-attempts", 0, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait_frames("stream_0", 5, kTimeoutMs));
  server.stop();
  fail_unless(p.wait_error(kTimeoutMs));
  fail_unless(g_error_matches(p.first_error(), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ), "%s",
              p.first_error()->message);
  fail_if(has_message(p, "rtspsrc2-connection-lost"));
  fail_unless_equals_int(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
}
GST_END_TEST;

namespace {

const char* kSdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=scripted\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:stream=0\r\n";

std::string scripted_answer(const ScriptedRtspServer::Request& r,
                            const std::string& extra_play_headers = {}) {
  using S = ScriptedRtspServer;
  if (r.method == "DESCRIBE")
    return S::response(200, "OK", r.cseq, "Content-Type: application/sdp\r\n", kSdp);
  if (r.method == "SETUP") {
    std::string t = S::header(r.text, "Transport");
    if (t.find("client_port") != std::string::npos) t += ";server_port=9-10";  // nothing will come from there
    return S::response(200, "OK", r.cseq, "Session: 77;timeout=60\r\nTransport: " + t + "\r\n");
  }
  if (r.method == "PLAY") return S::response(200, "OK", r.cseq, "Session: 77\r\n" + extra_play_headers);
  return S::response(200, "OK", r.cseq, "Session: 77\r\n");
}

// An interleaved RTP packet (channel 0) carrying a small H.264 slice.
std::string rtp_frame(std::uint16_t seq) {
  return interleaved_frame(0, rtp_packet(96, seq, std::uint32_t(seq) * 3000, 0x12000000u,
                                         std::string("\x65\x88\x84\x00\x33\xff", 6)));
}

}  // namespace

GST_START_TEST(test_udp_silence_falls_back_to_tcp) {
  ScriptedRtspServer server([](const ScriptedRtspServer::Request& r) { return scripted_answer(r); });
  SrcProbe p("rtspsrc2", server.url("/cam"), false);
  g_object_set(p.src(), "timeout", guint64(500000), "latency", 50u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  // UDP first; nothing arrives; a warning, then the same over TCP.
  fail_unless(server.wait_method("PLAY", 2, kTimeoutMs));
  fail_unless(p.warning_count() >= 1);
  std::uint16_t seq = 100;
  fail_unless(p.repeat_until(
      [&] {
        for (int i = 0; i < 5; ++i) server.send_to_client(rtp_frame(seq++));
      },
      [&] { return p.pad("stream_0").rtp_buffers > 0; }, 100, kTimeoutMs));
  fail_unless_equals_int(p.error_count(), 0);
  auto methods = server.methods();
  // DESCRIBE SETUP(udp) PLAY [TEARDOWN] DESCRIBE SETUP(tcp) PLAY
  fail_unless(std::count(methods.begin(), methods.end(), "SETUP") == 2);
}
GST_END_TEST;

GST_START_TEST(test_udp_silence_without_tcp_is_an_error) {
  ScriptedRtspServer server([](const ScriptedRtspServer::Request& r) { return scripted_answer(r); });
  SrcProbe p("rtspsrc2", server.url("/cam"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp");
  g_object_set(p.src(), "timeout", guint64(300000), nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait_error(kTimeoutMs));
  fail_unless(g_error_matches(p.first_error(), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ));
  fail_unless(std::string(p.first_error()->message).find("UDP") != std::string::npos, "%s",
              p.first_error()->message);
  // Not a reconnect loop: one session only.
  fail_unless_equals_int(server.connections(), 1);
  fail_if(has_message(p, "rtspsrc2-connection-lost"));
}
GST_END_TEST;

// nat-method=dummy: right after SETUP, two RTP header-only packets and an empty RTCP receiver report go to
// the server's ports, from the client ports (inside port-range) announced in SETUP.
GST_START_TEST(test_nat_dummies_and_port_range) {
  for (const char* method : {"dummy", "none"}) {
    // The "server" ports: an even port and the next one.
    auto [rtp_sink, rtcp_sink] = udp_sink_pair();
    fail_unless(rtcp_sink != nullptr);
    UdpSink& rtp = *rtp_sink;
    UdpSink& rtcp = *rtcp_sink;
    using S = ScriptedRtspServer;
    std::mutex m;
    std::string transport;
    S server([&](const S::Request& r) {
      if (r.method == "SETUP") {
        std::lock_guard lock(m);
        transport = S::header(r.text, "Transport");
        return S::response(200, "OK", r.cseq,
                           "Session: 9\r\nTransport: " + transport + ";server_port=" +
                               std::to_string(rtp.port) + "-" + std::to_string(rtcp.port) + "\r\n");
      }
      return scripted_answer(r);
    });
    // A port range somewhere free: where the kernel just handed out a port.
    std::uint16_t first = 0;
    {
      UdpSink probe;
      first = std::uint16_t(probe.port & ~1u);
    }
    const std::string range = std::to_string(first) + "-" + std::to_string(first + 3);
    SrcProbe p("rtspsrc2", server.url("/cam"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp");
    gst_util_set_object_arg(G_OBJECT(p.src()), "nat-method", method);
    g_object_set(p.src(), "port-range", range.c_str(), "do-rtcp", FALSE, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_method("SETUP", 1, kTimeoutMs));
    auto rtp_got = rtp.receive(std::string(method) == "dummy" ? 2000 : 300);
    auto rtcp_got = rtcp.receive(300);
    if (std::string(method) == "dummy") {
      fail_unless_equals_int(int(rtp_got.size()), 2);
      for (auto& d : rtp_got) fail_unless(d.size() == 12 && std::uint8_t(d[0]) == 0x80);
      fail_unless_equals_int(int(rtcp_got.size()), 1);
      fail_unless(rtcp_got[0].size() == 8 && std::uint8_t(rtcp_got[0][1]) == 201);
    } else {
      fail_unless_equals_int(int(rtp_got.size() + rtcp_got.size()), 0);
    }
    std::lock_guard lock(m);
    // The first pair of the range, or the second if someone took the first meanwhile.
    const bool in_range =
        transport.find("client_port=" + std::to_string(first) + "-") != std::string::npos ||
        transport.find("client_port=" + std::to_string(first + 2) + "-") != std::string::npos;
    fail_unless(in_range, "port-range %s, Transport %s", range.c_str(), transport.c_str());
  }
}
GST_END_TEST;

namespace {

struct PromiseWaiter {
  std::mutex m;
  std::condition_variable c;
  bool done = false;
  static void changed(GstPromise*, gpointer d) {
    auto* w = static_cast<PromiseWaiter*>(d);
    std::lock_guard l(w->m);
    w->done = true;
    w->c.notify_all();
  }
  bool wait(int ms) {
    std::unique_lock l(m);
    return c.wait_for(l, std::chrono::milliseconds(ms), [&] { return done; });
  }
};

}  // namespace

GST_START_TEST(test_get_and_set_parameter) {
  using S = ScriptedRtspServer;
  ScriptedRtspServer server([](const S::Request& r) {
    if (r.method == "GET_PARAMETER") {
      return S::response(200, "OK", r.cseq, "Session: 77\r\nContent-Type: text/parameters\r\n",
                         "volume: 7\r\n");
    }
    if (r.method == "SET_PARAMETER")
      return S::response(451, "Parameter Not Understood", r.cseq, "Session: 77\r\n");
    return scripted_answer(r);
  });
  SrcProbe p("rtspsrc2", server.url("/cam"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  // Issued at once, before the session exists: queued, never dropped.
  PromiseWaiter get_waiter, set_waiter;
  GstPromise* get = gst_promise_new_with_change_func(&PromiseWaiter::changed, &get_waiter, nullptr);
  GstPromise* set = gst_promise_new_with_change_func(&PromiseWaiter::changed, &set_waiter, nullptr);
  gboolean accepted = FALSE;
  g_signal_emit_by_name(p.src(), "get-parameter", "volume", nullptr, get, &accepted);
  fail_unless(accepted);
  g_signal_emit_by_name(p.src(), "set-parameter", "mute", "1", nullptr, set, &accepted);
  fail_unless(accepted);
  fail_unless(get_waiter.wait(kTimeoutMs) && set_waiter.wait(kTimeoutMs));
  fail_unless_equals_int(gst_promise_wait(get), GST_PROMISE_RESULT_REPLIED);
  const GstStructure* r = gst_promise_get_reply(get);
  fail_unless(gst_structure_has_name(r, "get-parameter-reply"));
  gint result = -1;
  guint code = 0;
  fail_unless(gst_structure_get_int(r, "rtsp-result", &result) && result == 0);
  fail_unless(gst_structure_get_uint(r, "rtsp-code", &code) && code == 200);
  fail_unless_equals_string(gst_structure_get_string(r, "body"), "volume: 7\r\n");
  const GstStructure* sr = gst_promise_get_reply(set);
  fail_unless(gst_structure_has_name(sr, "set-parameter-reply"));
  fail_unless(gst_structure_get_uint(sr, "rtsp-code", &code) && code == 451);
  gst_promise_unref(get);
  gst_promise_unref(set);
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

// A live pipeline paused with a syncing sink right after rtspsrc2: the sink holds the thread that pushes to
// it until PLAYING. The session must go on meanwhile: get-parameter requests are answered while paused.
GST_START_TEST(test_pause_with_a_syncing_sink_keeps_the_session) {
  RtspTestServer server;
  server.add_mount({"/live", h264_launch()});
  fail_unless(server.start(0));
  const std::string launch = "rtspsrc2 name=src latency=200 location=" + server.url("/live") +
                             " src. ! fakesink name=sink sync=true signal-handoffs=true";
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &err);
  fail_unless(pipeline != nullptr, "%s", err ? err->message : "");
  if (const char* engine = g_getenv("RTSP2_RTP_ENGINE")) {
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    gst_util_set_object_arg(G_OBJECT(src), "rtp-engine", engine);
    gst_object_unref(src);
  }
  struct Rendered {
    std::mutex m;
    std::condition_variable c;
    int buffers = 0;
  } rendered;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_signal_connect(sink, "handoff", G_CALLBACK(+[](GstElement*, GstBuffer*, GstPad*, gpointer d) {
                     auto* r = static_cast<Rendered*>(d);
                     std::lock_guard l(r->m);
                     ++r->buffers;
                     r->c.notify_all();
                   }),
                   &rendered);
  fail_if(gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  {
    std::unique_lock l(rendered.m);
    fail_unless(
        rendered.c.wait_for(l, std::chrono::milliseconds(kTimeoutMs), [&] { return rendered.buffers >= 20; }),
        "%d buffers rendered", rendered.buffers);
  }
  fail_if(gst_element_set_state(pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  // Paused for longer than the latency (what the sink holds back is due by then), one request after the
  // other.
  const auto paused_at = std::chrono::steady_clock::now();
  for (int i = 0; i < 10 || std::chrono::steady_clock::now() - paused_at < std::chrono::seconds(1); ++i) {
    PromiseWaiter waiter;
    GstPromise* promise = gst_promise_new_with_change_func(&PromiseWaiter::changed, &waiter, nullptr);
    gboolean accepted = FALSE;
    g_signal_emit_by_name(src, "get-parameter", "position", nullptr, promise, &accepted);
    fail_unless(accepted);
    fail_unless(waiter.wait(5000), "request %d unanswered while paused", i);
    const GstStructure* r = gst_promise_get_reply(promise);
    gint result = -1;
    fail_unless(r != nullptr && gst_structure_get_int(r, "rtsp-result", &result) && result == 0);
    gst_promise_unref(promise);
  }
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
}
GST_END_TEST;

GST_START_TEST(test_seek_with_rate_sends_scale) {
  using S = ScriptedRtspServer;
  const std::string sdp = std::string(kSdp) + "a=range:npt=0-10\r\n";
  std::mutex m;
  std::vector<std::string> plays;
  S server([&](const S::Request& r) {
    if (r.method == "DESCRIBE")
      return S::response(200, "OK", r.cseq, "Content-Type: application/sdp\r\n", sdp);
    if (r.method == "PLAY") {
      std::lock_guard lock(m);
      plays.push_back(r.text);
      std::string scale = S::header(r.text, "Scale");
      return S::response(200, "OK", r.cseq,
                         "Session: 77\r\nRange: npt=" + std::string(plays.size() == 1 ? "0" : "1") +
                             ".000-10.000\r\n" + (scale.empty() ? "" : "Scale: " + scale + "\r\n"));
    }
    return scripted_answer(r);
  });
  SrcProbe p("rtspsrc2", server.url("/rec"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
  fail_unless(gst_element_send_event(
      p.src(), gst_event_new_seek(2.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, GST_SECOND,
                                  GST_SEEK_TYPE_NONE, -1)));
  fail_unless(server.wait_method("PLAY", 2, kTimeoutMs));
  std::lock_guard lock(m);
  const std::string range = S::header(plays[1], "Range");
  const std::string scale = S::header(plays[1], "Scale");
  fail_unless(range == "npt=1.000-", "Range: %s", range.c_str());
  fail_unless(scale == "2.000", "Scale: %s", scale.c_str());
  fail_unless(S::header(plays[0], "Scale").empty());
  // PAUSE went first: the server stops before moving.
  auto methods = server.methods();
  fail_unless(std::find(methods.begin(), methods.end(), "PAUSE") != methods.end());
}
GST_END_TEST;

GST_START_TEST(test_redirect) {
  using S = ScriptedRtspServer;
  S target([](const S::Request& r) { return scripted_answer(r); });
  const std::string location = target.url("/real");
  S origin([&](const S::Request& r) {
    return S::response(302, "Moved Temporarily", r.cseq, "Location: " + location + "\r\n");
  });
  SrcProbe p("rtspsrc2", origin.url("/old"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(target.wait_method("PLAY", 1, kTimeoutMs));
  fail_unless_equals_int(origin.connections(), 1);
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

GST_START_TEST(test_session_expired_reconnects) {
  // The server forgets the session: keep-alive answered 454 is a lost session, re-established (live source).
  using S = ScriptedRtspServer;
  S server([](const S::Request& r) {
    if (r.method == "SETUP") {
      return S::response(200, "OK", r.cseq,
                         "Session: 77;timeout=2\r\nTransport: " + S::header(r.text, "Transport") + "\r\n");
    }
    if ((r.method == "OPTIONS" || r.method == "GET_PARAMETER") && r.connection == 0) {
      return S::response(454, "Session Not Found", r.cseq);
    }
    return scripted_answer(r);
  });
  SrcProbe p("rtspsrc2", server.url("/live"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
  g_object_set(p.src(), "reconnect-max-interval", guint64(200000), nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait([&] { return has_message(p, "rtspsrc2-connection-restored"); }, kTimeoutMs));
  fail_unless(has_message(p, "rtspsrc2-connection-lost"));
  fail_unless(server.connections() >= 2);
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

static Suite* session_suite() {
  Suite* s = suite_create("interop_session");
  TCase* tc = tcase_create("session");
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_keep_alive);
  tcase_add_test(tc, test_teardown_when_stopping);
  tcase_add_test(tc, test_pause_and_seek_recorded);
  tcase_add_test(tc, test_recorded_media_ends_with_eos);
  tcase_add_test(tc, test_reconnect_after_server_restart);
  tcase_add_test(tc, test_no_reconnect_when_disabled);
  tcase_add_test(tc, test_udp_silence_falls_back_to_tcp);
  tcase_add_test(tc, test_udp_silence_without_tcp_is_an_error);
  tcase_add_test(tc, test_nat_dummies_and_port_range);
  tcase_add_test(tc, test_get_and_set_parameter);
  tcase_add_test(tc, test_seek_with_rate_sends_scale);
  tcase_add_test(tc, test_pause_with_a_syncing_sink_keeps_the_session);
  tcase_add_test(tc, test_redirect);
  tcase_add_test(tc, test_session_expired_reconnects);
  return s;
}

GST_CHECK_MAIN(session);
