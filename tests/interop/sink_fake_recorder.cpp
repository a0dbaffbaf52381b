#include "sink_fake_recorder.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace rtsp2::test {

namespace {

std::string header_value(const std::string& text, const std::string& name) {
  std::size_t pos = 0;
  while ((pos = text.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    if (text.compare(pos, name.size(), name) == 0 && text.size() > pos + name.size() &&
        text[pos + name.size()] == ':') {
      std::size_t start = pos + name.size() + 1;
      while (start < text.size() && text[start] == ' ') ++start;
      return text.substr(start, text.find("\r\n", start) - start);
    }
  }
  return {};
}

bool h264_key_start(const std::uint8_t* p, std::size_t n) {
  if (n == 0) return false;
  const int type = p[0] & 0x1f;
  if (type == 5 || type == 7) return true;
  if (type == 24) {  // STAP-A: any aggregated SPS or IDR
    for (std::size_t off = 1; off + 2 < n;) {
      const std::size_t size = (std::size_t(p[off]) << 8) | p[off + 1];
      if (size == 0 || off + 2 + size > n) break;
      const int t = p[off + 2] & 0x1f;
      if (t == 5 || t == 7) return true;
      off += 2 + size;
    }
    return false;
  }
  if (type == 28 && n > 1) return (p[1] & 0x80) != 0 && (p[1] & 0x1f) == 5;
  return false;
}

bool send_all(GSocket* s, const std::string& out) {
  std::size_t off = 0;
  while (off < out.size()) {
    gssize w = g_socket_send(s, out.data() + off, out.size() - off, nullptr, nullptr);
    if (w <= 0) return false;
    off += std::size_t(w);
  }
  return true;
}

}  // namespace

FakeRecorder::FakeRecorder(Options options) : options_(options) {
  listener_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  if (options_.receive_buffer > 0) {
    // Set before listen so accepted sockets start with it (and the window scale follows).
    g_socket_set_option(listener_, SOL_SOCKET, SO_RCVBUF, options_.receive_buffer, nullptr);
  }
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* addr = g_inet_socket_address_new(lo, 0);
  g_socket_bind(listener_, addr, TRUE, nullptr);
  g_socket_listen(listener_, nullptr);
  g_object_unref(addr);
  g_object_unref(lo);
  GSocketAddress* bound = g_socket_get_local_address(listener_, nullptr);
  port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  cancellable_ = g_cancellable_new();
  thread_ = std::thread([this] { run(); });
}

FakeRecorder::~FakeRecorder() {
  {
    std::lock_guard lock(mutex_);
    quit_ = true;
    resumed_ = true;
    cond_.notify_all();
  }
  g_cancellable_cancel(cancellable_);
  thread_.join();
  g_socket_close(listener_, nullptr);
  g_object_unref(listener_);
  g_object_unref(cancellable_);
}

std::string FakeRecorder::url(const std::string& path) const {
  return "rtsp://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<FakeRecorder::Connection> FakeRecorder::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

bool FakeRecorder::wait_packets(int index, int packets, int timeout_ms) const {
  std::unique_lock lock(mutex_);
  return cond_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    return int(connections_.size()) > index && connections_[std::size_t(index)].rtp_packets >= packets;
  });
}

bool FakeRecorder::wait_connections(int count, int timeout_ms) const {
  std::unique_lock lock(mutex_);
  return cond_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return int(connections_.size()) >= count; });
}

void FakeRecorder::resume_reading() {
  std::lock_guard lock(mutex_);
  resumed_ = true;
  cond_.notify_all();
}

void FakeRecorder::run() {
  for (int index = 0;; ++index) {
    GSocket* client = g_socket_accept(listener_, cancellable_, nullptr);
    if (client == nullptr) return;
    {
      std::lock_guard lock(mutex_);
      connections_.emplace_back();
      cond_.notify_all();
    }
    serve(client, index);
    g_socket_close(client, nullptr);
    g_object_unref(client);
  }
}

void FakeRecorder::serve(GSocket* client, int index) {
  std::string buf;
  bool recording = false;
  bool stalled_once = false;
  std::optional<std::uint32_t> open_ts;  // timestamp of the video frame being received
  bool open_has_end = true;
  auto conn = [&]() -> Connection& { return connections_[std::size_t(index)]; };
  for (;;) {
    if (recording && options_.stall_after_record && !stalled_once) {
      stalled_once = true;
      std::unique_lock lock(mutex_);
      cond_.wait(lock, [&] { return resumed_; });
      if (quit_) return;
    }
    char chunk[16384];
    gssize n = g_socket_receive(client, chunk, sizeof chunk, cancellable_, nullptr);
    if (n <= 0) return;
    buf.append(chunk, std::size_t(n));
    for (;;) {
      if (!buf.empty() && buf[0] == '$') {
        if (buf.size() < 4) break;
        const std::size_t len = (std::size_t(std::uint8_t(buf[2])) << 8) | std::uint8_t(buf[3]);
        if (buf.size() < 4 + len) break;
        const auto channel = std::uint8_t(buf[1]);
        const auto* p = reinterpret_cast<const std::uint8_t*>(buf.data() + 4);
        bool drop = false;
        {
          std::lock_guard lock(mutex_);
          if (channel % 2 == 1) {
            conn().rtcp_packets++;
            if (conn().rtcp.size() < 16) conn().rtcp.emplace_back(buf.data() + 4, len);
          } else if (channel == 0 && len >= 12) {
            const std::size_t off = 12 + 4 * std::size_t(p[0] & 0x0f);
            const bool marker = (p[1] & 0x80) != 0;
            const std::uint32_t ts =
                (std::uint32_t(p[4]) << 24) | (std::uint32_t(p[5]) << 16) | (std::uint32_t(p[6]) << 8) | p[7];
            if (conn().rtp_packets == 0 && off < len) {
              conn().first_packet_key = h264_key_start(p + off, len - off);
              conn().first_nal = p[off];
            }
            if (open_ts && *open_ts != ts && !open_has_end) conn().cut_frames++;
            open_ts = ts;
            open_has_end = marker;
            if (marker) conn().video_frames++;
            conn().rtp_packets++;
            conn().max_rtp_size = std::max(conn().max_rtp_size, len);
            drop = index == 0 && options_.drop_first_after_packets >= 0 &&
                   conn().rtp_packets >= options_.drop_first_after_packets;
          }
          cond_.notify_all();
        }
        buf.erase(0, 4 + len);
        if (drop) return;
        continue;
      }
      const auto end = buf.find("\r\n\r\n");
      if (end == std::string::npos) break;
      const std::string head = buf.substr(0, end + 4);
      const std::string cl = header_value(head, "Content-Length");
      const std::size_t body = cl.empty() ? 0 : std::size_t(std::stoul(cl));
      if (buf.size() < head.size() + body) break;
      const std::string request_body = buf.substr(head.size(), body);
      buf.erase(0, head.size() + body);
      const std::string method = head.substr(0, head.find(' '));
      const std::size_t uri_start = head.find(' ') + 1;
      const std::string uri = head.substr(uri_start, head.find(' ', uri_start) - uri_start);
      const std::string cseq = header_value(head, "CSeq");
      std::string extra;
      std::string status = "200 OK";
      if (method == "SETUP") {
        const std::string t = header_value(head, "Transport");
        if (t.find("RTP/AVP/TCP") == std::string::npos) {
          status = "461 Unsupported Transport";
        } else {
          extra = "Transport: " + t +
                  "\r\nSession: 12345678;timeout=" + std::to_string(options_.session_timeout) + "\r\n";
        }
      } else if (method == "RECORD" || method == "TEARDOWN" || method == "GET_PARAMETER") {
        extra = "Session: 12345678\r\n";
      } else if (method == "OPTIONS") {
        extra = "Public: OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN\r\n";
      }
      {
        std::lock_guard lock(mutex_);
        conn().methods.push_back(method);
        conn().heads.push_back(head);
        conn().uris.push_back(uri);
        if (method == "ANNOUNCE") conn().announce_sdp = request_body;
        if (method == "TEARDOWN") conn().torn_down = true;
        cond_.notify_all();
      }
      if (!send_all(client, "RTSP/1.0 " + status + "\r\nCSeq: " + cseq + "\r\n" + extra + "\r\n")) return;
      if (method == "RECORD") recording = true;
    }
  }
}

}  // namespace rtsp2::test
