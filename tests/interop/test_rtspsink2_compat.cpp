// rtspclientsink's media properties on rtspsink2, against scripted RECORD servers: rtp-blocksize (Blocksize
// on SETUP and the payloader's mtu), sdes and ntp-time-source (in the sender reports), port-range and retry
// (the client ports), udp-buffer-size (the RTP socket's send buffer) and udp-reconnect (a server that closes
// the control connection while the media go over UDP).
#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <string>

#include "rtsp_test_server.hpp"
#include "sink_fake_recorder.hpp"
#include "sink_pipeline.hpp"

#include "check.hpp"

using rtsp2::test::FakeRecorder;
using rtsp2::test::publish;
using S = rtsp2::test::ScriptedRtspServer;

namespace {

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// The NTP time of the first sender report in `rtcp`, 0 if none.
std::uint64_t first_sr_ntp(const std::vector<std::string>& rtcp) {
  for (const auto& packet : rtcp) {
    GstBuffer* buf = gst_buffer_new_memdup(packet.data(), packet.size());
    GstRTCPBuffer r = GST_RTCP_BUFFER_INIT;
    std::uint64_t ntp = 0;
    if (gst_rtcp_buffer_validate(buf) && gst_rtcp_buffer_map(buf, GST_MAP_READ, &r)) {
      GstRTCPPacket p;
      if (gst_rtcp_buffer_get_first_packet(&r, &p) && gst_rtcp_packet_get_type(&p) == GST_RTCP_TYPE_SR) {
        gst_rtcp_packet_sr_get_sender_info(&p, nullptr, &ntp, nullptr, nullptr, nullptr);
      }
      gst_rtcp_buffer_unmap(&r);
    }
    gst_buffer_unref(buf);
    if (ntp != 0) return ntp;
  }
  return 0;
}

// The kernel's send buffer of the UDP socket bound on 127.0.0.1:`port` or 0.0.0.0:`port`, from `ss` (the
// skmem "tb" field); -1 if not found.
long send_buffer_of(std::uint16_t port) {
  const std::string cmd = "ss -uamnH 'sport = :" + std::to_string(port) + "' 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return -1;
  std::string out;
  char chunk[512];
  while (std::size_t n = fread(chunk, 1, sizeof chunk, f)) out.append(chunk, n);
  pclose(f);
  const auto at = out.find(",tb");
  return at == std::string::npos ? -1 : std::stol(out.substr(at + 3));
}

}  // namespace

// rtp-blocksize: "Blocksize: 600" on SETUP, and no RTP packet larger than that (the payloader's mtu); the
// default sends neither and larger packets.
GST_START_TEST(test_rtp_blocksize) {
  for (unsigned blocksize : {600u, 0u}) {
    FakeRecorder server({});
    auto r = publish(rtsp2::test::h264_source(30, 15, 640, 480) +
                     " ! rtspsink2 protocols=tcp rtp-blocksize=" + std::to_string(blocksize) +
                     " location=" + server.url());
    fail_unless(r.eos, "%s", r.error_text.c_str());
    const auto c = server.connections().at(0);
    const auto setup = std::find_if(c.heads.begin(), c.heads.end(),
                                    [](const std::string& h) { return h.rfind("SETUP ", 0) == 0; });
    fail_unless(setup != c.heads.end());
    fail_unless_equals_int(has(*setup, "Blocksize: 600\r\n"), blocksize != 0);
    fail_unless(c.rtp_packets > 0);
    if (blocksize != 0) {
      fail_unless(c.max_rtp_size <= blocksize, "a packet of %zu bytes", c.max_rtp_size);
    } else {
      fail_unless(c.max_rtp_size > 600, "largest packet %zu bytes", c.max_rtp_size);
    }
  }
}
GST_END_TEST;

// sdes: the sender reports' SDES has the given CNAME and items. ntp-time-source: their NTP time is the wall
// clock with the NTP epoch (default) or the Unix epoch, or the pipeline's running time (seconds, not years).
GST_START_TEST(test_sdes_and_ntp_time_source) {
  const std::uint64_t unix_now = std::uint64_t(g_get_real_time() / G_USEC_PER_SEC);
  constexpr std::uint64_t kNtpToUnix = 2208988800u;
  for (const char* source : {"ntp", "unix", "running-time"}) {
    FakeRecorder server({});
    auto r =
        publish(rtsp2::test::h264_source(45) + " ! rtspsink2 protocols=tcp ntp-time-source=" + source +
                " sdes=\"application/x-rtp-source-sdes,cname=(string)pub-1,tool=(string)nvr-x\" location=" +
                server.url());
    fail_unless(r.eos, "%s", r.error_text.c_str());
    const auto c = server.connections().at(0);
    fail_unless(!c.rtcp.empty(), "no RTCP");
    fail_unless(
        has(c.rtcp[0], std::string("\x01\x05pub-1", 7)) && has(c.rtcp[0], std::string("\x06\x05nvr-x", 7)),
        "%s: SDES without the given items", source);
    const std::uint64_t secs = first_sr_ntp(c.rtcp) >> 32;
    const std::string which = source;
    if (which == "ntp") {
      fail_unless(secs >= unix_now + kNtpToUnix - 60 && secs <= unix_now + kNtpToUnix + 600, "%llu",
                  (unsigned long long)secs);
    } else if (which == "unix") {
      fail_unless(secs >= unix_now - 60 && secs <= unix_now + 600, "%llu", (unsigned long long)secs);
    } else {
      fail_unless(secs < 600, "running time %llu s", (unsigned long long)secs);
    }
  }
}
GST_END_TEST;

// port-range and retry pick the client ports (each stream after the pairs of the streams before it), and
// udp-buffer-size is the RTP socket's send buffer (the kernel reports twice what was set).
GST_START_TEST(test_udp_ports_and_send_buffer) {
  // A range: four ports free when checked.
  std::uint16_t first = 0;
  for (int i = 0; i < 50 && first == 0; ++i) {
    rtsp2::test::UdpSink s;
    if (s.port == 0 || s.port % 2 != 0 || s.port > 65530) continue;
    rtsp2::test::UdpSink a(std::uint16_t(s.port + 1)), b(std::uint16_t(s.port + 2)),
        c(std::uint16_t(s.port + 3));
    if (a.port != 0 && b.port != 0 && c.port != 0) first = s.port;
  }
  fail_unless(first != 0, "no free port range found");
  auto [rtp_sink, rtcp_sink] = rtsp2::test::udp_sink_pair();
  fail_unless(rtcp_sink != nullptr);
  std::mutex m;
  std::vector<std::string> transports;
  long send_buffer = -2;
  S server([&](const S::Request& r) {
    std::lock_guard lock(m);
    if (r.method == "SETUP") {
      transports.push_back(S::header(r.text, "Transport"));
      return S::response(200, "OK", r.cseq,
                         "Session: 7\r\nTransport: " + transports.back() + ";server_port=" +
                             std::to_string(rtp_sink->port) + "-" + std::to_string(rtcp_sink->port) + "\r\n");
    }
    if (r.method == "RECORD") send_buffer = send_buffer_of(first);
    return S::response(200, "OK", r.cseq, "Session: 7\r\n");
  });
  const std::string range = std::to_string(first) + "-" + std::to_string(first + 3);
  auto r =
      publish(rtsp2::test::h264_source(15) +
              " ! rtspsink2 name=s protocols=udp retry=0 udp-buffer-size=" + "65536 port-range=" + range +
              " location=" + server.url("/live") + " " + rtsp2::test::aac_source(20) + " ! s.");
  fail_unless(r.eos, "%s", r.error_text.c_str());
  std::lock_guard lock(m);
  fail_unless_equals_int(int(transports.size()), 2);
  const std::string pair0 = "client_port=" + std::to_string(first) + "-" + std::to_string(first + 1);
  const std::string pair1 = "client_port=" + std::to_string(first + 2) + "-" + std::to_string(first + 3);
  fail_unless(has(transports[0], pair0) || has(transports[1], pair0), "%s", transports[0].c_str());
  fail_unless(has(transports[0], pair1) || has(transports[1], pair1), "%s", transports[1].c_str());
  fail_unless_equals_int(send_buffer, 2 * 65536);
}
GST_END_TEST;

// udp-reconnect (default on): the server closes the control connection after RECORD; rtspsink2 connects again
// and keeps the session: no second ANNOUNCE or SETUP, the media go on to the same ports, TEARDOWN goes over
// the new connection.
GST_START_TEST(test_udp_reconnect) {
  auto [rtp_sink, rtcp_sink] = rtsp2::test::udp_sink_pair();
  fail_unless(rtcp_sink != nullptr);
  std::mutex m;
  std::vector<std::pair<std::string, int>> seen;
  S server([&](const S::Request& r) {
    std::lock_guard lock(m);
    seen.emplace_back(r.method, r.connection);
    if (r.method == "SETUP") {
      return S::response(200, "OK", r.cseq,
                         "Session: 7;timeout=60\r\nTransport: " + S::header(r.text, "Transport") +
                             ";server_port=" + std::to_string(rtp_sink->port) + "-" +
                             std::to_string(rtcp_sink->port) + "\r\n");
    }
    if (r.method == "RECORD") return S::response(200, "OK", r.cseq, "Session: 7\r\n") + S::kClose;
    return S::response(200, "OK", r.cseq, "Session: 7\r\n");
  });
  auto r =
      publish(rtsp2::test::h264_source(90) + " ! rtspsink2 protocols=udp location=" + server.url("/live"));
  fail_unless(r.eos, "%s", r.error_text.c_str());
  fail_unless(server.wait_method("TEARDOWN", 1, 5000));
  std::lock_guard lock(m);
  int announces = 0, setups = 0;
  bool teardown_on_new = false;
  for (const auto& [method, connection] : seen) {
    announces += method == "ANNOUNCE";
    setups += method == "SETUP";
    if (method == "TEARDOWN" && connection == 1) teardown_on_new = true;
  }
  fail_unless_equals_int(announces, 1);
  fail_unless_equals_int(setups, 1);
  fail_unless(teardown_on_new);
  fail_unless_equals_int(server.connections(), 2);
  for (const auto& msg : r.element_messages) fail_if(msg == "rtspsink2-connection-lost", "%s", msg.c_str());
  // Everything was sent to the server's RTP port, also after the close (90 frames at 30 fps: about 3 s).
  fail_unless(rtp_sink->receive(200).size() > 90);
}
GST_END_TEST;

static Suite* rtspsink2_compat_suite() {
  Suite* s = suite_create("rtspsink2_compat");
  TCase* tc = tcase_create("compat");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_rtp_blocksize);
  tcase_add_test(tc, test_sdes_and_ntp_time_source);
  tcase_add_test(tc, test_udp_ports_and_send_buffer);
  tcase_add_test(tc, test_udp_reconnect);
  suite_add_tcase(s, tc);
  return s;
}

GST_CHECK_MAIN(rtspsink2_compat)
