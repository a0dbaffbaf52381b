// rtspsrc's properties that rtspsrc2 took over, against scripted peers: what they put on the wire
// (connection-speed, rtp-blocksize, sdes), what they change in the stream (probation), in port allocation
// (retry), and the rtpbin-only settings (forwarded with rtp-engine=rtpbin, a warning with the native engine).
// Runs with both engines (RTSP2_RTP_ENGINE).
#include <gst/rtsp/gstrtspmessage.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>

#include "../common/rtsp_test_server.hpp"
#include "src_probe.hpp"

#include "../common/check.hpp"

using namespace rtsp2::test;

namespace {

constexpr int kTimeoutMs = 20000;
using S = ScriptedRtspServer;

const char* kSdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=compat\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:stream=0\r\n";
const char* kInterleaved = "RTP/AVP/TCP;unicast;interleaved=0-1";

std::string video_packet(std::uint16_t seq) {
  return rtp_packet(96, seq, std::uint32_t(seq) * 3000, 0x5eed0001u, std::string("\x65\x88\x84\x00\x33", 5));
}

bool rtpbin_engine() {
  const char* engine = g_getenv("RTSP2_RTP_ENGINE");
  return engine != nullptr && std::string(engine) == "rtpbin";
}

bool contains(const std::vector<std::uint16_t>& v, std::uint16_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

// connection-speed (kbps) is sent as Bandwidth (bits/s) on DESCRIBE, SETUP and PLAY; rtp-blocksize as
// Blocksize on SETUP. Neither is sent by default.
GST_START_TEST(test_bandwidth_and_blocksize_headers) {
  for (bool set : {true, false}) {
    std::mutex m;
    std::map<std::string, std::pair<std::string, std::string>> seen;  // method -> Bandwidth, Blocksize
    S server([&](const S::Request& r) {
      {
        std::lock_guard lock(m);
        seen[r.method] = {S::header(r.text, "Bandwidth"), S::header(r.text, "Blocksize")};
      }
      return S::sdp_answer(r, kSdp, kInterleaved);
    });
    SrcProbe p("rtspsrc2", server.url("/cam"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
    if (set) g_object_set(p.src(), "connection-speed", guint64(2500), "rtp-blocksize", 1400u, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
    std::lock_guard lock(m);
    for (const char* method : {"DESCRIBE", "SETUP", "PLAY"}) {
      fail_unless(seen.count(method) == 1, "no %s", method);
      fail_unless_equals_string(seen[method].first.c_str(), set ? "2500000" : "");
      fail_unless_equals_string(seen[method].second.c_str(),
                                set && std::string(method) == "SETUP" ? "1400" : "");
    }
  }
}
GST_END_TEST;

// probation: a source is accepted after that many packets in sequence (RFC 3550 A.1). 100 and 200 are each
// followed by a jump and 300 starts the run that passes. With 0 the source is valid at once: all come out.
// With the default of 2, 200 never does. The native engine also delivers the run that passed (300, 301) and
// never 100; rtpbin's RTPSource drops the packet that restarts probation (300) and keeps what it queued
// before (100), so for it only 200 is checked.
GST_START_TEST(test_probation) {
  for (unsigned probation : {2u, 0u}) {
    S server([&](const S::Request& r) { return S::sdp_answer(r, kSdp, kInterleaved); });
    SrcProbe p("rtspsrc2", server.url("/cam"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
    g_object_set(p.src(), "latency", 50u, "probation", probation, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
    const std::uint16_t start[] = {100, 200, 300};
    std::size_t i = 0;
    std::uint16_t next = 301;
    const bool arrived = p.repeat_until(
        [&] {
          const std::uint16_t seq = i < 3 ? start[i++] : next++;
          server.send_to_client(interleaved_frame(0, video_packet(seq)));
        },
        [&] { return contains(p.pad("stream_0").seqs, 305) || p.error_count() > 0; }, 10, kTimeoutMs);
    const auto seqs = p.pad("stream_0").seqs;
    std::string out;
    for (std::size_t k = 0; k < std::min<std::size_t>(seqs.size(), 8); ++k)
      out += std::to_string(seqs[k]) + " ";
    fail_unless(arrived && p.error_count() == 0, "probation %u: %s, errors %d", probation, out.c_str(),
                p.error_count());
    if (probation == 0) {
      for (std::uint16_t seq : {100, 200, 300, 301})
        fail_unless(contains(seqs, seq), "%u: %s", seq, out.c_str());
    } else {
      fail_if(contains(seqs, 200), "%s", out.c_str());
      if (!rtpbin_engine()) {
        fail_if(contains(seqs, 100), "%s", out.c_str());
        fail_unless(contains(seqs, 300) && contains(seqs, 301), "%s", out.c_str());
      }
    }
  }
}
GST_END_TEST;

// retry bounds the UDP port pairs tried, in port-range as well: with the range's first pair taken, retry=0
// gives up on UDP (SETUP asks for TCP), retry=1 takes the second pair. With two streams and nothing taken,
// retry=0 is enough: each stream starts after the pair the one before it took (as rtspsrc).
GST_START_TEST(test_retry_bounds_port_pairs) {
  // The range: an even port held here, so its pair is taken, and the three after it, free when checked.
  std::unique_ptr<UdpSink> taken;
  for (int i = 0; i < 50 && !taken; ++i) {
    auto s = std::make_unique<UdpSink>();
    if (s->port == 0 || s->port % 2 != 0 || s->port > 65530) continue;
    UdpSink a(std::uint16_t(s->port + 1)), b(std::uint16_t(s->port + 2)), c(std::uint16_t(s->port + 3));
    if (a.port != 0 && b.port != 0 && c.port != 0) taken = std::move(s);
  }
  fail_unless(taken != nullptr, "no free port range found");
  const unsigned first = taken->port;
  const std::string range = std::to_string(first) + "-" + std::to_string(first + 3);
  const std::string pair0 = "client_port=" + std::to_string(first) + "-" + std::to_string(first + 1);
  const std::string pair1 = "client_port=" + std::to_string(first + 2) + "-" + std::to_string(first + 3);
  const std::string two_streams = std::string(kSdp) + "m=audio 0 RTP/AVP 0\r\na=control:stream=1\r\n";
  struct Case {
    unsigned retry;
    bool two_streams;  // and the first pair free
  };
  for (const Case c : {Case{0, false}, Case{1, false}, Case{0, true}}) {
    if (c.two_streams) taken.reset();
    std::mutex m;
    std::vector<std::string> transports;  // of the SETUPs, in order
    S server([&](const S::Request& r) {
      if (r.method == "SETUP") {
        std::lock_guard lock(m);
        transports.push_back(S::header(r.text, "Transport"));
        if (!c.two_streams) return S::response(461, "Unsupported Transport", r.cseq);
        return S::response(200, "OK", r.cseq,
                           "Session: 5\r\nTransport: " + transports.back() + ";server_port=9-10\r\n");
      }
      return S::sdp_answer(r, c.two_streams ? two_streams : kSdp, kInterleaved);
    });
    SrcProbe p("rtspsrc2", server.url("/cam"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp+tcp");
    gst_util_set_object_arg(G_OBJECT(p.src()), "nat-method", "none");
    g_object_set(p.src(), "port-range", range.c_str(), "retry", c.retry, "do-rtcp", FALSE, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_method("SETUP", c.two_streams ? 2 : 1, kTimeoutMs));
    std::lock_guard lock(m);
    const std::string& t0 = transports.at(0);
    if (c.two_streams) {
      fail_unless(t0.find(pair0) != std::string::npos, "stream 0: %s", t0.c_str());
      fail_unless(transports.at(1).find(pair1) != std::string::npos, "stream 1: %s", transports[1].c_str());
    } else if (c.retry == 0) {
      fail_unless(t0.find("RTP/AVP/TCP") == 0, "retry 0: %s", t0.c_str());
    } else {
      fail_unless(t0.find(pair1) != std::string::npos, "retry 1: %s", t0.c_str());
    }
  }
}
GST_END_TEST;

// sdes: our RTCP carries the given CNAME and the other items (rtpbin's field names), with either engine.
GST_START_TEST(test_sdes_items_in_receiver_reports) {
  auto [rtp_sink, rtcp_sink] = udp_sink_pair();
  fail_unless(rtcp_sink != nullptr);
  std::mutex m;
  std::uint16_t client_rtp = 0;
  S server([&](const S::Request& r) {
    if (r.method == "SETUP") {
      const std::string t = S::header(r.text, "Transport");
      const auto at = t.find("client_port=");
      std::lock_guard lock(m);
      if (at != std::string::npos) client_rtp = std::uint16_t(std::stoi(t.substr(at + 12)));
      return S::response(200, "OK", r.cseq,
                         "Session: 5\r\nTransport: " + t + ";server_port=" + std::to_string(rtp_sink->port) +
                             "-" + std::to_string(rtcp_sink->port) + "\r\n");
    }
    return S::sdp_answer(r, kSdp, kInterleaved);
  });
  SrcProbe p("rtspsrc2", server.url("/cam"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp");
  gst_util_set_object_arg(G_OBJECT(p.src()), "nat-method", "none");
  gst_util_set_object_arg(G_OBJECT(p.src()), "sdes",
                          "application/x-rtp-source-sdes, cname=(string)cam-42, tool=(string)nvr-x");
  g_object_set(p.src(), "latency", 50u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
  std::uint16_t to = 0;
  {
    std::lock_guard lock(m);
    to = client_rtp;
  }
  fail_unless(to != 0, "SETUP without client_port");
  // SDES items: type, length, text (RFC 3550 6.5).
  const std::string cname = std::string("\x01\x06", 2) + "cam-42";
  const std::string tool = std::string("\x06\x05", 2) + "nvr-x";
  std::vector<std::string> reports;
  std::uint16_t seq = 1;
  const bool got = p.repeat_until(
      [&] {
        rtp_sink->send_to(to, video_packet(seq++));
        for (auto& d : rtcp_sink->receive(0)) reports.push_back(std::move(d));
      },
      [&] {
        return std::any_of(reports.begin(), reports.end(),
                           [&](const std::string& d) { return d.find(cname) != std::string::npos; });
      },
      20, kTimeoutMs);
  fail_unless(got, "no RTCP with the CNAME (%zu reports)", reports.size());
  for (const auto& d : reports) {
    if (d.find(cname) != std::string::npos) fail_unless(d.find(tool) != std::string::npos);
  }
}
GST_END_TEST;

// The settings only rtpbin applies reach rtpbin with rtp-engine=rtpbin; the native engine warns, naming them
// and the URL without credentials. Second case: the defaults (auto buffer-mode is slave, as rtspsrc chooses
// for a live stream) and use-pipeline-clock, which matters for sender reports only: no warning.
GST_START_TEST(test_rtpbin_only_settings) {
  for (bool defaults : {false, true}) {
    S server([&](const S::Request& r) { return S::sdp_answer(r, kSdp, kInterleaved); });
    // Credentials in the user part and in the query (as some cameras take them): neither is shown.
    std::string url = server.url("/cam?channel=1&password=qu3ry");
    url.insert(url.find("//") + 2, "viewer:s3cret@");
    SrcProbe p("rtspsrc2", url, false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
    if (defaults) {
      g_object_set(p.src(), "use-pipeline-clock", TRUE, nullptr);
    } else {
      gst_util_set_object_arg(G_OBJECT(p.src()), "buffer-mode", "none");
      gst_util_set_object_arg(G_OBJECT(p.src()), "ntp-time-source", "running-time");
      g_object_set(p.src(), "max-ts-offset", gint64(123), "ntp-sync", TRUE, "max-rtcp-rtp-time-diff", 250,
                   "max-ts-offset-adjustment", guint64(40000000), nullptr);
    }
    GstElement* manager = nullptr;
    g_signal_connect(p.src(), "new-manager", G_CALLBACK(+[](GstElement*, GstElement* m, gpointer out) {
                       *static_cast<GstElement**>(out) = GST_ELEMENT(gst_object_ref(m));
                     }),
                     &manager);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
    if (rtpbin_engine()) {
      fail_unless(manager != nullptr);
      gint mode = -1, diff = 0, source = -1;
      gboolean ntp_sync = FALSE, pipeline_clock = FALSE;
      gint64 offset = -1;
      guint64 adjustment = 0;
      g_object_get(manager, "buffer-mode", &mode, "ntp-sync", &ntp_sync, "ntp-time-source", &source,
                   "max-rtcp-rtp-time-diff", &diff, "max-ts-offset", &offset, "max-ts-offset-adjustment",
                   &adjustment, "use-pipeline-clock", &pipeline_clock, nullptr);
      fail_unless_equals_int(mode, defaults ? 1 : 0);
      fail_unless_equals_int(ntp_sync, !defaults);
      fail_unless_equals_int(source, defaults ? 0 : 2);
      fail_unless_equals_int(diff, defaults ? 1000 : 250);
      fail_unless_equals_int64(offset, defaults ? 3000000000 : 123);
      fail_unless_equals_uint64(adjustment, defaults ? 0 : 40000000);
      fail_unless_equals_int(pipeline_clock, defaults);
      fail_unless_equals_int(p.warning_count(), 0);
      gst_object_unref(manager);
    } else if (defaults) {
      fail_unless(manager == nullptr);
      fail_if(p.wait([&] { return p.warning_count() > 0; }, 300), "%s", p.warnings().front().c_str());
    } else {
      fail_unless(manager == nullptr);
      fail_unless(p.wait([&] { return p.warning_count() > 0; }, kTimeoutMs));
      const std::string w = p.warnings().front();
      for (const char* name :
           {"buffer-mode", "ntp-sync", "max-rtcp-rtp-time-diff", "max-ts-offset", "max-ts-offset-adjustment"})
        fail_unless(w.find(name) != std::string::npos, "%s not in: %s", name, w.c_str());
      fail_unless(w.find("ntp-time-source") == std::string::npos, "%s", w.c_str());
      fail_unless(w.find("/cam?channel=1&password=***") != std::string::npos &&
                      w.find("s3cret") == std::string::npos && w.find("qu3ry") == std::string::npos,
                  "%s", w.c_str());
    }
  }
}
GST_END_TEST;

// udp-reconnect: a server that closes the control connection while the media go over UDP. On (the default),
// rtspsrc2 connects again and keeps the session: no new DESCRIBE or SETUP, the keep-alive goes over the new
// connection with the same Session, the media go on. Off, as rtspsrc: a warning and EOS; or, when the server
// closes before any media arrived (no pad an EOS could reach), an error naming the URL.
GST_START_TEST(test_udp_reconnect) {
  struct Case {
    bool reconnect;
    bool close_at_play;  // else once media flowed
  };
  for (const Case c : {Case{true, true}, Case{true, false}, Case{false, false}, Case{false, true}}) {
    auto [rtp_sink, rtcp_sink] = udp_sink_pair();
    fail_unless(rtcp_sink != nullptr);
    std::mutex m;
    std::uint16_t client_rtp = 0;
    std::vector<std::pair<std::string, int>> seen;  // method, connection
    std::string keep_alive_session;
    S server([&](const S::Request& r) {
      std::lock_guard lock(m);
      seen.emplace_back(r.method, r.connection);
      if (r.method == "SETUP") {
        const std::string t = S::header(r.text, "Transport");
        const auto at = t.find("client_port=");
        if (at != std::string::npos) client_rtp = std::uint16_t(std::stoi(t.substr(at + 12)));
        return S::response(200, "OK", r.cseq,
                           "Session: 5;timeout=2\r\nTransport: " + t +
                               ";server_port=" + std::to_string(rtp_sink->port) + "-" +
                               std::to_string(rtcp_sink->port) + "\r\n");
      }
      if (r.method == "PLAY") {
        return S::response(200, "OK", r.cseq, "Session: 5\r\n") + (c.close_at_play ? S::kClose : "");
      }
      if (r.method == "OPTIONS" || r.method == "GET_PARAMETER")
        keep_alive_session = S::header(r.text, "Session");
      return S::sdp_answer(r, kSdp, kInterleaved);
    });
    SrcProbe p("rtspsrc2", server.url("/cam"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp");
    gst_util_set_object_arg(G_OBJECT(p.src()), "nat-method", "none");
    g_object_set(p.src(), "latency", 50u, "udp-reconnect", c.reconnect ? TRUE : FALSE, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
    std::uint16_t to = 0;
    {
      std::lock_guard lock(m);
      to = client_rtp;
    }
    fail_unless(to != 0);
    std::uint16_t seq = 1;
    auto send = [&] { rtp_sink->send_to(to, video_packet(seq++)); };
    if (!c.close_at_play) {
      fail_unless(p.repeat_until(
          send, [&] { return !p.pad("stream_0").seqs.empty(); }, 20, kTimeoutMs));
      server.drop_client();
    }
    if (c.reconnect) {
      // Media flow across the reconnect; the keep-alive (due after about 1 s) comes over connection 1.
      const bool kept = p.repeat_until(
          send,
          [&] {
            std::lock_guard lock(m);
            return std::any_of(seen.begin(), seen.end(), [](const auto& x) {
              return (x.first == "OPTIONS" || x.first == "GET_PARAMETER") && x.second == 1;
            });
          },
          20, kTimeoutMs);
      fail_unless(kept, "no keep-alive over a new connection");
      const std::size_t before = p.pad("stream_0").seqs.size();
      fail_unless(p.repeat_until(
          send, [&] { return p.pad("stream_0").seqs.size() >= before + 5; }, 20, kTimeoutMs));
      std::lock_guard lock(m);
      fail_unless_equals_string(keep_alive_session.c_str(), "5");
      for (const auto& [method, connection] : seen) {
        fail_unless(connection <= 1, "%s on connection %d", method.c_str(), connection);
        if (connection == 1) fail_unless(method != "DESCRIBE" && method != "SETUP", "%s", method.c_str());
      }
      fail_unless_equals_int(p.error_count(), 0);
      for (const auto& msg : p.element_messages()) fail_if(msg == "rtspsrc2-connection-lost");
    } else if (!c.close_at_play) {
      fail_unless(p.repeat_until(
          send, [&] { return p.eos() || p.error_count() > 0; }, 20, kTimeoutMs));
      fail_unless(p.eos() && p.error_count() == 0);
      const auto warnings = p.warnings();
      fail_unless(std::any_of(warnings.begin(), warnings.end(), [](const std::string& w) {
        return w.find("closed the connection; end of stream") != std::string::npos;
      }));
      fail_unless_equals_int(server.connections(), 1);
    } else {
      fail_unless(p.wait_error(kTimeoutMs));
      const std::string e = p.first_error()->message;
      fail_unless(
          e.find("before any media arrived") != std::string::npos && e.find("/cam") != std::string::npos,
          "%s", e.c_str());
      fail_unless_equals_int(server.connections(), 1);
    }
  }
}
GST_END_TEST;

// before-send: a handler sees every request as a GstRTSPMessage and its changes go out (a header on each, a
// Require on PLAY). Returning FALSE for DESCRIBE drops it: nothing is sent, and the element fails saying so.
GST_START_TEST(test_before_send) {
  for (bool drop : {false, true}) {
    std::mutex m;
    std::vector<std::string> seen;  // method and the two headers
    S server([&](const S::Request& r) {
      std::lock_guard lock(m);
      seen.push_back(r.method + "|" + S::header(r.text, "X-Client") + "|" + S::header(r.text, "Require"));
      return S::sdp_answer(r, kSdp, kInterleaved);
    });
    SrcProbe p("rtspsrc2", server.url("/cam"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
    g_signal_connect(p.src(), "before-send",
                     G_CALLBACK(+[](GstElement*, GstRTSPMessage* msg, gpointer drop) -> gboolean {
                       GstRTSPMethod method;
                       const gchar* uri = nullptr;
                       GstRTSPVersion version;
                       gst_rtsp_message_parse_request(msg, &method, &uri, &version);
                       if (*static_cast<bool*>(drop) && method == GST_RTSP_DESCRIBE) return FALSE;
                       gst_rtsp_message_add_header_by_name(msg, "X-Client", "nvr-7");
                       if (method == GST_RTSP_PLAY)
                         gst_rtsp_message_add_header(msg, GST_RTSP_HDR_REQUIRE, "onvif-replay");
                       return TRUE;
                     }),
                     &drop);
    // A handler after one that returned FALSE is not asked (rtspsrc's accumulator).
    int later_handler_calls = 0;
    g_signal_connect(p.src(), "before-send",
                     G_CALLBACK(+[](GstElement*, GstRTSPMessage*, gpointer n) -> gboolean {
                       ++*static_cast<int*>(n);
                       return TRUE;
                     }),
                     &later_handler_calls);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    if (drop) {
      fail_unless(p.wait_error(kTimeoutMs));
      const std::string e = p.first_error()->message;
      fail_unless(e.find("before-send") != std::string::npos && e.find("DESCRIBE") != std::string::npos, "%s",
                  e.c_str());
      fail_unless_equals_int(later_handler_calls, 0);
      std::lock_guard lock(m);
      fail_unless(seen.empty(), "%s sent", seen.front().c_str());
      continue;
    }
    fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
    fail_unless(later_handler_calls >= 3);  // DESCRIBE, SETUP, PLAY
    std::lock_guard lock(m);
    for (const auto& line : seen) {
      const bool play = line.rfind("PLAY|", 0) == 0;
      fail_unless(line.find("|nvr-7|") != std::string::npos, "%s", line.c_str());
      fail_unless_equals_int(line.find("onvif-replay") != std::string::npos, play);
    }
  }
}
GST_END_TEST;

// handle-request: a request from the server (here SET_PARAMETER) reaches the handler with the answer prepared
// for it, and the handler's answer goes back (status, a header), with the server's CSeq. Without a handler
// the answer is 200.
GST_START_TEST(test_handle_request) {
  for (bool handler : {true, false}) {
    std::mutex m;
    std::string answer;  // the client's response to the server's request
    S server([&](const S::Request& r) {
      if (r.method == "RTSP/1.0") {
        std::lock_guard lock(m);
        answer = r.text;
        return std::string();
      }
      return S::sdp_answer(r, kSdp, kInterleaved);
    });
    struct Seen {
      std::string method;
      int status = 0;
    } seen;
    SrcProbe p("rtspsrc2", server.url("/cam"), false);
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
    if (handler) {
      g_signal_connect(
          p.src(), "handle-request",
          G_CALLBACK(+[](GstElement*, GstRTSPMessage* request, GstRTSPMessage* response, gpointer d) {
            auto* s = static_cast<Seen*>(d);
            GstRTSPMethod method;
            const gchar* uri = nullptr;
            GstRTSPVersion version;
            gst_rtsp_message_parse_request(request, &method, &uri, &version);
            s->method = gst_rtsp_method_as_text(method);
            GstRTSPStatusCode code;
            const gchar* reason = nullptr;
            gst_rtsp_message_parse_response(response, &code, &reason, &version);
            s->status = int(code);
            gst_rtsp_message_init_response(response, GST_RTSP_STS_PARAMETER_NOT_UNDERSTOOD,
                                           "Parameter Not Understood", request);
            gst_rtsp_message_add_header_by_name(response, "X-Handled", "yes");
          }),
          &seen);
    }
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
    const std::string body = "alarm: 1\r\n";
    fail_unless(
        server.send_to_client("SET_PARAMETER " + server.url("/cam") +
                              " RTSP/1.0\r\nCSeq: 77\r\nContent-Type: text/parameters\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body));
    fail_unless(server.wait_method("RTSP/1.0", 1, kTimeoutMs));
    std::lock_guard lock(m);
    fail_unless(S::header(answer, "CSeq") == "77", "%s", answer.c_str());
    if (handler) {
      fail_unless(answer.rfind("RTSP/1.0 451 ", 0) == 0, "%s", answer.c_str());
      fail_unless(S::header(answer, "X-Handled") == "yes", "%s", answer.c_str());
      fail_unless(seen.method == "SET_PARAMETER" && seen.status == 200, "%s %d", seen.method.c_str(),
                  seen.status);
    } else {
      fail_unless(answer.rfind("RTSP/1.0 200 ", 0) == 0, "%s", answer.c_str());
    }
  }
}
GST_END_TEST;

static Suite* compat_suite() {
  Suite* s = suite_create("interop_compat");
  TCase* tc = tcase_create("compat");
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_bandwidth_and_blocksize_headers);
  tcase_add_test(tc, test_probation);
  tcase_add_test(tc, test_retry_bounds_port_pairs);
  tcase_add_test(tc, test_sdes_items_in_receiver_reports);
  tcase_add_test(tc, test_rtpbin_only_settings);
  tcase_add_test(tc, test_udp_reconnect);
  tcase_add_test(tc, test_before_send);
  tcase_add_test(tc, test_handle_request);
  return s;
}

GST_CHECK_MAIN(compat);
