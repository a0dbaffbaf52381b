// An in-process gst-rtsp-server with one RECORD mount for rtspsink2's tests, on 127.0.0.1 and a free port:
// it decodes what it receives and counts it.
//
//   /record  depay0: rtph264depay ! h264parse ! avdec_h264 ! fakesink   (decoded video frames)
//            depay1: rtpmp4gdepay ! aacparse ! fakesink                 (AAC frames; only with audio)
//
// The media shuts down with EOS (eos-shutdown), so after TEARDOWN every packet that arrived has gone through
// the decoder; wait_media_eos() waits for that.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gst/gst.h>

namespace rtsp2::test {

class RecordServer {
 public:
  struct Options {
    bool audio = false;
    std::string path = "/record";
    std::string digest_user;  // non-empty: Digest authentication required
    std::string digest_password;
    bool tcp = true;  // transports the mount allows
    bool udp = true;
    std::string tls_certificate;  // PEM file holding certificate and key: rtsps (TLS) instead of rtsp
  };

  explicit RecordServer(Options options);
  ~RecordServer();
  RecordServer(const RecordServer&) = delete;
  RecordServer& operator=(const RecordServer&) = delete;

  // Listens on 127.0.0.1:`port` (0: any free port). False when it cannot bind.
  bool start(std::uint16_t port = 0);
  // Closes every client connection and the listener.
  void stop();
  std::uint16_t port() const { return port_; }
  std::string url(const std::string& userinfo = {}) const;  // rtsps:// with a TLS certificate

  int video_frames() const;
  int audio_frames() const;
  // Waits until every media sink of the last media saw EOS; false on timeout.
  bool wait_media_eos(int timeout_ms) const;
  // Waits until `method` was received `count` times; false on timeout.
  bool wait_requests(const std::string& method, int count, int timeout_ms) const;
  int requests(const std::string& method) const;
  std::vector<std::string> setup_transports() const;
  std::string announced_sdp() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
};

// Writes a self-signed certificate for 127.0.0.1 (and its key) into one PEM file with openssl; false when
// that is not possible.
bool write_test_certificate(const std::string& pem_path);

}  // namespace rtsp2::test
