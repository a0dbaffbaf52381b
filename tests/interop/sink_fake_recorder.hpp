// A minimal RTSP RECORD server for rtspsink2's tests that need to look at the packets themselves or misbehave
// on purpose: TCP interleaved only (UDP SETUP gets 461), one connection at a time, its own thread.
//
//   per connection: OPTIONS / ANNOUNCE / SETUP / RECORD / TEARDOWN answered 200; interleaved RTP counted,
//   with whether the first video packet starts a key frame and how many video frames arrived cut short (a
//   packet with a new timestamp after one without the marker bit) options: close the first connection after N
//   packets (a server that goes away while recording); stop reading after RECORD until resume_reading() (a
//   server that does not keep up)
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gio/gio.h>

namespace rtsp2::test {

class FakeRecorder {
 public:
  struct Options {
    int drop_first_after_packets = -1;  // close connection 0 once it got this many RTP packets
    bool stall_after_record = false;    // stop reading after answering RECORD
    int receive_buffer = 0;             // SO_RCVBUF of accepted connections (0: the system's)
    int session_timeout = 60;           // seconds, in the Session header of SETUP's answer
  };

  struct Connection {
    int rtp_packets = 0;            // on channel 0 (the video stream)
    int rtcp_packets = 0;           // on odd channels
    bool first_packet_key = false;  // the first packet on channel 0 starts an H.264 key frame
    int first_nal = -1;             // its first payload byte
    int video_frames = 0;           // complete frames (ended by a marker bit) on channel 0
    int cut_frames = 0;             // frames that lost their end
    bool torn_down = false;
    std::size_t max_rtp_size = 0;    // the largest packet on channel 0
    std::vector<std::string> rtcp;   // the first 16 RTCP packets
    std::vector<std::string> heads;  // request lines and headers, in order
    std::vector<std::string> methods;
    std::vector<std::string> uris;  // request URIs, in the same order
    std::string announce_sdp;
  };

  explicit FakeRecorder(Options options);
  ~FakeRecorder();
  FakeRecorder(const FakeRecorder&) = delete;
  FakeRecorder& operator=(const FakeRecorder&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/live") const;

  std::vector<Connection> connections() const;
  // Blocks until connection `index` got `packets` RTP packets (or ended); false on timeout.
  bool wait_packets(int index, int packets, int timeout_ms) const;
  bool wait_connections(int count, int timeout_ms) const;
  // The stall ends: reading goes on.
  void resume_reading();

 private:
  void run();
  void serve(GSocket* client, int index);

  Options options_;
  GSocket* listener_ = nullptr;
  GCancellable* cancellable_ = nullptr;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  mutable std::condition_variable cond_;
  std::vector<Connection> connections_;
  bool resumed_ = false;
  bool quit_ = false;
};

}  // namespace rtsp2::test
