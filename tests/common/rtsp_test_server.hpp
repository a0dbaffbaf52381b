// Test peers for the RTSP elements, all on 127.0.0.1 with ports picked by the kernel:
//
//  - RtspTestServer: gst-rtsp-server in-process (its own thread and GMainContext), with the mounts the tests
//  need
//    (live H.264, H.264 + AAC, a seekable recorded file, a RECORD sink), optional Digest auth, per-method
//    request counters, and stop()/start() on the same port to play a server restart.
//  - ScriptedRtspServer: a plain TCP listener whose replies come from a function of each request, for the
//  answers
//    gst-rtsp-server cannot be made to give (500 on SETUP, malformed or oversized responses, silence).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gio/gio.h>
#include <gst/gst.h>

namespace rtsp2::test {

// Launch descriptions for gst_rtsp_media_factory_set_launch().
std::string h264_launch(int width = 320, int height = 240, int fps = 30);
std::string h264_aac_launch();
std::string raw_video_launch(int width, int height, int fps);  // rtpvrawpay, a high packet rate
std::string file_launch(const std::string& matroska_path);     // filesrc ! matroskademux ! h264parse ! pay
std::string record_launch(const std::string& output_path);     // depay0 ! h264parse ! mpegtsmux ! filesink

// Writes `seconds` of H.264 test pattern into a Matroska file (for the seekable mount). True on success.
bool write_h264_file(const std::string& path, int seconds, int fps = 30);

// A self-signed certificate for CN=localhost, SAN DNS:localhost and IP:127.0.0.1 (valid until 2126), and its
// key.
const char* test_certificate_pem();
const char* test_key_pem();

struct Mount {
  std::string path;    // "/test"
  std::string launch;  // gst-launch syntax wrapped in ( )
  bool shared = true;
  bool record = false;          // RECORD mount (ANNOUNCE/RECORD) instead of PLAY
  bool tcp_only = false;        // protocols=TCP: a UDP SETUP is answered 461
  bool udp_only = false;        // protocols=UDP|UDP_MCAST: interleaved is answered 461
  bool multicast_pool = false;  // an address pool of 239.255.x groups on lo
};

class RtspTestServer {
 public:
  RtspTestServer();
  ~RtspTestServer();
  RtspTestServer(const RtspTestServer&) = delete;
  RtspTestServer& operator=(const RtspTestServer&) = delete;

  void add_mount(Mount m);
  void require_digest(std::string user, std::string password);
  // Session timeout announced in the Session header (seconds), for keep-alive tests. Before start().
  void set_session_timeout(unsigned seconds);
  // Serve RTSPS (TLS on the control connection) with test_certificate_pem(). Before start().
  void enable_tls();

  // Starts listening on 127.0.0.1:`port` (0: any free port). False when the port cannot be bound.
  bool start(std::uint16_t port = 0);
  // Closes every client connection and the listener, and drops the media: what a crashed server looks like.
  void stop();
  bool running() const;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path, const std::string& userinfo = {}) const;

  // Requests received since start, by method name ("DESCRIBE", "SETUP", "TEARDOWN"...), and their total.
  int requests(const std::string& method) const;
  int total_requests() const;
  // Blocks until requests(method) >= count or the timeout passes; returns whether it got there.
  bool wait_requests(const std::string& method, int count, int timeout_ms) const;
  // Same, for the sum of several methods.
  bool wait_requests_any(const std::vector<std::string>& methods, int count, int timeout_ms) const;
  // Transport header values of the SETUP requests received.
  std::vector<std::string> setup_transports() const;
  // Range and Scale headers of the PLAY requests received ("" where absent).
  std::vector<std::string> play_ranges() const;
  std::vector<std::string> play_scales() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

// A scripted server: for each complete request (header block and body), `respond` returns the bytes to write
// back (maybe empty: say nothing). Accepts any number of connections, one at a time.
class ScriptedRtspServer {
 public:
  struct Request {
    std::string method;
    std::string uri;
    std::string cseq;
    std::string text;    // the whole request
    int connection = 0;  // 0 for the first accepted connection, 1 for the next...
  };
  using Responder = std::function<std::string(const Request&)>;

  explicit ScriptedRtspServer(Responder respond);
  ~ScriptedRtspServer();
  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;
  std::vector<std::string> methods() const;  // answered requests, in order
  // Blocks until `count` requests of `method` were answered, or the timeout passes.
  bool wait_method(const std::string& method, int count, int timeout_ms) const;
  int connections() const { return connections_.load(); }
  // Closes the current client connection from the server side.
  void drop_client();
  // Writes bytes to the current client (e.g. interleaved RTP); false when nobody is connected.
  bool send_to_client(const std::string& bytes);

  // A responder's reply ending with this marker closes the connection after the bytes before it are written.
  static constexpr const char* kClose = "\x01close\x01";

  // Helpers for responders.
  static std::string response(int status, const std::string& reason, const std::string& cseq,
                              const std::string& extra_headers = {}, const std::string& body = {});
  static std::string header(const std::string& request_text, const std::string& name);
  // DESCRIBE answered with `sdp`, SETUP with `setup_transport` (Session: 5), anything else 200 (Session: 5).
  static std::string sdp_answer(const Request& r, const std::string& sdp, const std::string& setup_transport);

 private:
  void run();
  Responder respond_;
  GSocket* listener_ = nullptr;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> quit_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable cond_;
  std::vector<std::string> methods_;
  GSocket* client_ = nullptr;
};

// An RTP packet (version 2, no CSRC, no extension) carrying `payload`.
std::string rtp_packet(std::uint8_t pt, std::uint16_t seq, std::uint32_t timestamp, std::uint32_t ssrc,
                       const std::string& payload);
// `packet` as an interleaved frame on `channel`: '$', the channel, the 16-bit length (RFC 2326 10.12).
std::string interleaved_frame(std::uint8_t channel, const std::string& packet);

// A UDP socket bound on 127.0.0.1 (`want`, or a port the kernel picks; port 0 when the bind failed).
struct UdpSink {
  explicit UdpSink(std::uint16_t want = 0);
  ~UdpSink();
  UdpSink(const UdpSink&) = delete;
  UdpSink& operator=(const UdpSink&) = delete;
  // Datagrams arriving within `ms` of each other.
  std::vector<std::string> receive(int ms);
  // Sends `bytes` to 127.0.0.1:`to_port` from this socket.
  bool send_to(std::uint16_t to_port, const std::string& bytes);

  GSocket* socket = nullptr;
  std::uint16_t port = 0;
};

// Two sockets on an even port and the next one (an RTP/RTCP pair); both null if none was found in 50 tries.
std::pair<std::unique_ptr<UdpSink>, std::unique_ptr<UdpSink>> udp_sink_pair();

}  // namespace rtsp2::test
