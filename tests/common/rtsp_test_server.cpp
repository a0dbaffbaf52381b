#include "rtsp_test_server.hpp"

#include <gst/rtsp-server/rtsp-server.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace rtsp2::test {

const char* test_certificate_pem() {
  return "-----BEGIN CERTIFICATE-----\n"
         "MIIBmzCCAUGgAwIBAgIUZIltpafk/mTblTnGipeB+Bhvt+cwCgYIKoZIzj0EAwIw\n"
         "FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE5MzU1NloYDzIxMjYxMTAx\n"
         "MTkzNTU2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO\n"
         "PQMBBwNCAAT3bvsZBzQ+h8CV4yUFlE2AS11ruT1MWDK77AY+M9KLwbNqSYZOth82\n"
         "f/KM5dtxCgrNHfOR9+Qua3zBMg9/0nYto28wbTAdBgNVHQ4EFgQUbvDyUQaDJQbL\n"
         "cLo1ReXrBjGUJNQwHwYDVR0jBBgwFoAUbvDyUQaDJQbLcLo1ReXrBjGUJNQwDwYD\n"
         "VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI\n"
         "zj0EAwIDSAAwRQIhAIAUVZo3kIrcr0HGusV3YrOUiFdcuThYiRTSrR7Q3QitAiA3\n"
         "Gny9oBOHHFzl6b3vKFikHd1if+mveSApxuH52qBrGA==\n"
         "-----END CERTIFICATE-----\n";
}

const char* test_key_pem() {
  return "-----BEGIN PRIVATE KEY-----\n"
         "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqRtiFoAc38a6CW8W\n"
         "hryVml7iaA/uSQYjYaHxyzgzJtyhRANCAAT3bvsZBzQ+h8CV4yUFlE2AS11ruT1M\n"
         "WDK77AY+M9KLwbNqSYZOth82f/KM5dtxCgrNHfOR9+Qua3zBMg9/0nYt\n"
         "-----END PRIVATE KEY-----\n";
}

std::string h264_launch(int width, int height, int fps) {
  return "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=" + std::to_string(width) +
         ",height=" + std::to_string(height) + ",framerate=" + std::to_string(fps) +
         "/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" + std::to_string(fps / 2) +
         " bitrate=400 ! rtph264pay name=pay0 pt=96 config-interval=1 )";
}

std::string h264_aac_launch() {
  return "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
         "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 bitrate=400 ! "
         "rtph264pay name=pay0 pt=96 config-interval=1 "
         "audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! voaacenc "
         "! "
         "rtpmp4gpay name=pay1 pt=97 )";
}

std::string raw_video_launch(int width, int height, int fps) {
  return "( videotestsrc is-live=true pattern=smpte ! video/x-raw,format=UYVY,width=" +
         std::to_string(width) + ",height=" + std::to_string(height) + ",framerate=" + std::to_string(fps) +
         "/1 ! rtpvrawpay name=pay0 pt=96 )";
}

std::string file_launch(const std::string& path) {
  return "( filesrc location=\"" + path +
         "\" ! matroskademux ! h264parse ! rtph264pay name=pay0 pt=96 "
         "config-interval=1 )";
}

std::string record_launch(const std::string& path) {
  return "( rtph264depay name=depay0 ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! "
         "mpegtsmux ! "
         "filesink location=\"" +
         path + "\" )";
}

bool write_h264_file(const std::string& path, int seconds, int fps) {
  std::string desc = "videotestsrc num-buffers=" + std::to_string(seconds * fps) +
                     " pattern=ball ! video/x-raw,width=320,height=240,framerate=" + std::to_string(fps) +
                     "/1 ! x264enc speed-preset=ultrafast key-int-max=" + std::to_string(fps / 2) +
                     " ! h264parse ! matroskamux ! filesink location=\"" + path + "\"";
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  if (p == nullptr) {
    g_clear_error(&err);
    return false;
  }
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(p);
  GstMessage* m =
      gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const bool ok = m != nullptr && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
  if (m) gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(p);
  return ok;
}

// ------------------------------------------------------------------ RtspTestServer

struct RtspTestServer::Impl {
  std::vector<Mount> mounts;
  std::string user, password;
  unsigned session_timeout = 0;
  bool tls = false;

  GMainContext* context = nullptr;
  GMainLoop* loop = nullptr;
  GstRTSPServer* server = nullptr;
  std::thread thread;

  mutable std::mutex mutex;
  mutable std::condition_variable cond;
  std::map<std::string, int> counts;
  int total = 0;
  std::vector<std::string> transports;
  std::vector<std::string> ranges, scales;

  static void on_send_message(GstRTSPClient*, GstRTSPContext* ctx, GstRTSPMessage*, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if (ctx == nullptr || ctx->request == nullptr ||
        gst_rtsp_message_get_type(ctx->request) != GST_RTSP_MESSAGE_REQUEST) {
      return;
    }
    GstRTSPMethod method;
    const gchar* uri = nullptr;
    GstRTSPVersion version;
    if (gst_rtsp_message_parse_request(ctx->request, &method, &uri, &version) != GST_RTSP_OK) return;
    const gchar* name = gst_rtsp_method_as_text(method);
    std::lock_guard lock(self->mutex);
    self->counts[name != nullptr ? name : "UNKNOWN"]++;
    self->total++;
    if (method == GST_RTSP_SETUP) {
      gchar* value = nullptr;
      if (gst_rtsp_message_get_header(ctx->request, GST_RTSP_HDR_TRANSPORT, &value, 0) == GST_RTSP_OK) {
        self->transports.emplace_back(value);
      }
    }
    if (method == GST_RTSP_PLAY) {
      gchar* range = nullptr;
      gchar* scale = nullptr;
      gst_rtsp_message_get_header(ctx->request, GST_RTSP_HDR_RANGE, &range, 0);
      gst_rtsp_message_get_header(ctx->request, GST_RTSP_HDR_SCALE, &scale, 0);
      self->ranges.emplace_back(range ? range : "");
      self->scales.emplace_back(scale ? scale : "");
    }
    self->cond.notify_all();
  }

  static void on_new_session(GstRTSPClient*, GstRTSPSession* session, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if (self->session_timeout > 0) gst_rtsp_session_set_timeout(session, self->session_timeout);
  }

  // Clients we hooked, so that stop() can unhook them: a client may outlive the server object.
  std::vector<GWeakRef*> clients;

  static void on_client_connected(GstRTSPServer*, GstRTSPClient* client, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    g_signal_connect(client, "send-message", G_CALLBACK(&Impl::on_send_message), data);
    g_signal_connect(client, "new-session", G_CALLBACK(&Impl::on_new_session), data);
    auto* ref = g_new0(GWeakRef, 1);
    g_weak_ref_init(ref, client);
    std::lock_guard lock(self->mutex);
    self->clients.push_back(ref);
  }

  void unhook_clients() {
    std::vector<GWeakRef*> refs;
    {
      std::lock_guard lock(mutex);
      refs.swap(clients);
    }
    for (GWeakRef* ref : refs) {
      if (GObject* c = static_cast<GObject*>(g_weak_ref_get(ref))) {
        g_signal_handlers_disconnect_by_data(c, this);
        g_object_unref(c);
      }
      g_weak_ref_clear(ref);
      g_free(ref);
    }
  }
};

RtspTestServer::RtspTestServer() : impl_(std::make_unique<Impl>()) {}

RtspTestServer::~RtspTestServer() {
  stop();
}

void RtspTestServer::add_mount(Mount m) {
  impl_->mounts.push_back(std::move(m));
}

void RtspTestServer::set_session_timeout(unsigned seconds) {
  impl_->session_timeout = seconds;
}

void RtspTestServer::enable_tls() {
  impl_->tls = true;
}

void RtspTestServer::require_digest(std::string user, std::string password) {
  impl_->user = std::move(user);
  impl_->password = std::move(password);
}

bool RtspTestServer::start(std::uint16_t port) {
  stop();
  auto& d = *impl_;
  d.context = g_main_context_new();
  d.server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(d.server, "127.0.0.1");
  gst_rtsp_server_set_service(d.server, std::to_string(port).c_str());
  g_signal_connect(d.server, "client-connected", G_CALLBACK(&Impl::on_client_connected), impl_.get());

  GstRTSPAuth* auth = nullptr;
  if (!d.user.empty() || d.tls) {
    auth = gst_rtsp_auth_new();
    GstRTSPToken* token =
        gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", nullptr);
    if (!d.user.empty()) {
      gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
      gst_rtsp_auth_add_digest(auth, d.user.c_str(), d.password.c_str(), token);
    } else {
      gst_rtsp_auth_set_default_token(auth, token);  // TLS only: everybody may play
    }
    gst_rtsp_token_unref(token);
    if (d.tls) {
      std::string pem = std::string(test_certificate_pem()) + test_key_pem();
      GTlsCertificate* cert = g_tls_certificate_new_from_pem(pem.c_str(), -1, nullptr);
      gst_rtsp_auth_set_tls_certificate(auth, cert);
      if (cert) g_object_unref(cert);
    }
    gst_rtsp_server_set_auth(d.server, auth);
  }

  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(d.server);
  for (const auto& m : d.mounts) {
    GstRTSPMediaFactory* f = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_launch(f, m.launch.c_str());
    gst_rtsp_media_factory_set_shared(f, m.shared ? TRUE : FALSE);
    gst_rtsp_media_factory_set_latency(f, 100);
    if (m.record) gst_rtsp_media_factory_set_transport_mode(f, GST_RTSP_TRANSPORT_MODE_RECORD);
    if (m.tcp_only) gst_rtsp_media_factory_set_protocols(f, GST_RTSP_LOWER_TRANS_TCP);
    if (m.udp_only) {
      gst_rtsp_media_factory_set_protocols(
          f, GstRTSPLowerTrans(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_UDP_MCAST));
    }
    if (m.multicast_pool) {
      GstRTSPAddressPool* pool = gst_rtsp_address_pool_new();
      gst_rtsp_address_pool_add_range(pool, "239.255.42.1", "239.255.42.50", 42000, 42998, 1);
      gst_rtsp_media_factory_set_address_pool(f, pool);
      gst_rtsp_media_factory_set_multicast_iface(f, "lo");
      g_object_unref(pool);
    }
    if (auth != nullptr) {
      gst_rtsp_media_factory_add_role(f, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                      GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);
    }
    gst_rtsp_mount_points_add_factory(mounts, m.path.c_str(), f);
  }
  g_object_unref(mounts);
  if (auth) g_object_unref(auth);

  if (gst_rtsp_server_attach(d.server, d.context) == 0) {
    g_object_unref(d.server);
    d.server = nullptr;
    g_main_context_unref(d.context);
    d.context = nullptr;
    return false;
  }
  port_ = std::uint16_t(gst_rtsp_server_get_bound_port(d.server));
  {
    std::lock_guard lock(d.mutex);
    d.counts.clear();
    d.total = 0;
    d.transports.clear();
    d.ranges.clear();
    d.scales.clear();
  }
  d.loop = g_main_loop_new(d.context, FALSE);
  d.thread = std::thread([&d] {
    g_main_context_push_thread_default(d.context);
    g_main_loop_run(d.loop);
    g_main_context_pop_thread_default(d.context);
  });
  return true;
}

void RtspTestServer::stop() {
  auto& d = *impl_;
  if (d.server == nullptr) return;
  // Drop the listener first so that nobody connects while the clients are closed.
  GSource* src = nullptr;
  while ((src = g_main_context_find_source_by_user_data(d.context, d.server)) != nullptr)
    g_source_destroy(src);
  gst_rtsp_server_client_filter(
      d.server,
      [](GstRTSPServer*, GstRTSPClient*, gpointer) -> GstRTSPFilterResult { return GST_RTSP_FILTER_REMOVE; },
      nullptr);
  // Drop the sessions too, so that the media stop streaming (a restarted server knows no session).
  GstRTSPSessionPool* pool = gst_rtsp_server_get_session_pool(d.server);
  gst_rtsp_session_pool_filter(
      pool,
      [](GstRTSPSessionPool*, GstRTSPSession*, gpointer) -> GstRTSPFilterResult {
        return GST_RTSP_FILTER_REMOVE;
      },
      nullptr);
  g_object_unref(pool);
  g_main_loop_quit(d.loop);
  d.thread.join();
  d.unhook_clients();
  g_main_loop_unref(d.loop);
  d.loop = nullptr;
  g_object_unref(d.server);
  d.server = nullptr;
  // Sources of closed clients may still hold the context; let them go.
  while (g_main_context_iteration(d.context, FALSE)) {
  }
  g_main_context_unref(d.context);
  d.context = nullptr;
}

bool RtspTestServer::running() const {
  return impl_->server != nullptr;
}

std::string RtspTestServer::url(const std::string& path, const std::string& userinfo) const {
  return std::string(impl_->tls ? "rtsps://" : "rtsp://") +
         (userinfo.empty() ? std::string() : userinfo + "@") + "127.0.0.1:" + std::to_string(port_) + path;
}

int RtspTestServer::requests(const std::string& method) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->counts.find(method);
  return it == impl_->counts.end() ? 0 : it->second;
}

int RtspTestServer::total_requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->total;
}

bool RtspTestServer::wait_requests(const std::string& method, int count, int timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->cond.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    auto it = impl_->counts.find(method);
    return it != impl_->counts.end() && it->second >= count;
  });
}

bool RtspTestServer::wait_requests_any(const std::vector<std::string>& methods, int count,
                                       int timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->cond.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    int n = 0;
    for (const auto& m : methods) {
      auto it = impl_->counts.find(m);
      if (it != impl_->counts.end()) n += it->second;
    }
    return n >= count;
  });
}

std::vector<std::string> RtspTestServer::setup_transports() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->transports;
}

std::vector<std::string> RtspTestServer::play_ranges() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->ranges;
}

std::vector<std::string> RtspTestServer::play_scales() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->scales;
}

// ------------------------------------------------------------------ ScriptedRtspServer

ScriptedRtspServer::ScriptedRtspServer(Responder respond) : respond_(std::move(respond)) {
  listener_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* sa = g_inet_socket_address_new(lo, 0);
  g_socket_bind(listener_, sa, TRUE, nullptr);
  g_socket_listen(listener_, nullptr);
  g_object_unref(sa);
  g_object_unref(lo);
  GSocketAddress* bound = g_socket_get_local_address(listener_, nullptr);
  port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  thread_ = std::thread([this] { run(); });
}

ScriptedRtspServer::~ScriptedRtspServer() {
  quit_ = true;
  // Wake a blocked accept()/receive(): shutting the sockets down makes them return at once.
  {
    std::lock_guard lock(mutex_);
    if (client_) g_socket_shutdown(client_, TRUE, TRUE, nullptr);
  }
  g_socket_shutdown(listener_, TRUE, TRUE, nullptr);
  thread_.join();
  g_socket_close(listener_, nullptr);
  g_object_unref(listener_);
}

std::string ScriptedRtspServer::url(const std::string& path) const {
  return "rtsp://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> ScriptedRtspServer::methods() const {
  std::lock_guard lock(mutex_);
  return methods_;
}

void ScriptedRtspServer::drop_client() {
  std::lock_guard lock(mutex_);
  if (client_) g_socket_shutdown(client_, TRUE, TRUE, nullptr);
}

bool ScriptedRtspServer::wait_method(const std::string& method, int count, int timeout_ms) const {
  std::unique_lock lock(mutex_);
  return cond_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return std::count(methods_.begin(), methods_.end(), method) >= count; });
}

bool ScriptedRtspServer::send_to_client(const std::string& bytes) {
  std::lock_guard lock(mutex_);
  if (client_ == nullptr) return false;
  std::size_t off = 0;
  while (off < bytes.size()) {
    gssize w = g_socket_send(client_, bytes.data() + off, bytes.size() - off, nullptr, nullptr);
    if (w <= 0) return false;
    off += std::size_t(w);
  }
  return true;
}

std::string ScriptedRtspServer::response(int status, const std::string& reason, const std::string& cseq,
                                         const std::string& extra_headers, const std::string& body) {
  std::string r =
      "RTSP/1.0 " + std::to_string(status) + " " + reason + "\r\nCSeq: " + cseq + "\r\n" + extra_headers;
  if (!body.empty()) r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

std::string ScriptedRtspServer::sdp_answer(const Request& r, const std::string& sdp,
                                           const std::string& setup_transport) {
  if (r.method == "DESCRIBE") return response(200, "OK", r.cseq, "Content-Type: application/sdp\r\n", sdp);
  if (r.method == "SETUP")
    return response(200, "OK", r.cseq, "Session: 5\r\nTransport: " + setup_transport + "\r\n");
  return response(200, "OK", r.cseq, "Session: 5\r\n");
}

std::string rtp_packet(std::uint8_t pt, std::uint16_t seq, std::uint32_t timestamp, std::uint32_t ssrc,
                       const std::string& payload) {
  std::string rtp(12, '\0');
  rtp[0] = char(0x80);
  rtp[1] = char(pt);
  rtp[2] = char(seq >> 8);
  rtp[3] = char(seq & 0xff);
  for (int i = 0; i < 4; ++i) {
    rtp[4 + i] = char(timestamp >> (24 - 8 * i));
    rtp[8 + i] = char(ssrc >> (24 - 8 * i));
  }
  return rtp + payload;
}

std::string interleaved_frame(std::uint8_t channel, const std::string& packet) {
  return std::string{'$', char(channel), char(packet.size() >> 8), char(packet.size() & 0xff)} + packet;
}

std::string ScriptedRtspServer::header(const std::string& text, const std::string& name) {
  // Test helper only: case-insensitive "\r\nName:" search in a request we wrote ourselves.
  std::string lower_text = text, lower_name = "\n" + name + ":";
  for (auto& c : lower_text) c = char(g_ascii_tolower(c));
  for (auto& c : lower_name) c = char(g_ascii_tolower(c));
  auto pos = lower_text.find(lower_name);
  if (pos == std::string::npos) return {};
  pos += lower_name.size();
  auto end = text.find("\r\n", pos);
  std::string v = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

void ScriptedRtspServer::run() {
  int index = 0;
  while (!quit_) {
    GSocket* c = g_socket_accept(listener_, nullptr, nullptr);
    if (c == nullptr) break;
    {
      std::lock_guard lock(mutex_);
      client_ = c;
    }
    connections_++;
    std::string buf;
    while (!quit_) {
      char chunk[4096];
      gssize n = g_socket_receive(c, chunk, sizeof chunk, nullptr, nullptr);
      if (n <= 0) break;
      buf.append(chunk, std::size_t(n));
      for (;;) {
        if (!buf.empty() && buf[0] == '$') {  // an interleaved frame from the client (RTCP): skip it
          if (buf.size() < 4) break;
          std::size_t len = (std::size_t(std::uint8_t(buf[2])) << 8) | std::uint8_t(buf[3]);
          if (buf.size() < 4 + len) break;
          buf.erase(0, 4 + len);
          continue;
        }
        auto end = buf.find("\r\n\r\n");
        if (end == std::string::npos) break;
        std::string head = buf.substr(0, end + 4);
        std::size_t body = 0;
        std::string cl = header(head, "Content-Length");
        if (!cl.empty()) body = std::size_t(std::stoul(cl));
        if (buf.size() < head.size() + body) break;
        Request r;
        r.text = buf.substr(0, head.size() + body);
        buf.erase(0, head.size() + body);
        auto sp1 = r.text.find(' ');
        auto sp2 = r.text.find(' ', sp1 + 1);
        r.method = r.text.substr(0, sp1);
        r.uri = r.text.substr(sp1 + 1, sp2 - sp1 - 1);
        r.cseq = header(r.text, "CSeq");
        r.connection = index;
        std::string out = respond_(r);
        bool close_after = false;
        const std::string marker = kClose;
        if (out.size() >= marker.size() &&
            out.compare(out.size() - marker.size(), marker.size(), marker) == 0) {
          out.resize(out.size() - marker.size());
          close_after = true;
        }
        std::size_t off = 0;
        while (off < out.size()) {
          gssize w = g_socket_send(c, out.data() + off, out.size() - off, nullptr, nullptr);
          if (w <= 0) break;
          off += std::size_t(w);
        }
        {
          // Recorded once answered: a test waiting for a method knows its answer is on the wire.
          std::lock_guard lock(mutex_);
          methods_.push_back(r.method);
          cond_.notify_all();
        }
        if (close_after) g_socket_shutdown(c, TRUE, TRUE, nullptr);
      }
    }
    {
      std::lock_guard lock(mutex_);
      client_ = nullptr;
    }
    g_socket_close(c, nullptr);
    g_object_unref(c);
    ++index;
  }
}

UdpSink::UdpSink(std::uint16_t want) {
  socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* sa = g_inet_socket_address_new(lo, want);
  if (g_socket_bind(socket, sa, FALSE, nullptr)) {
    GSocketAddress* bound = g_socket_get_local_address(socket, nullptr);
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_object_unref(bound);
  }
  g_object_unref(sa);
  g_object_unref(lo);
}

UdpSink::~UdpSink() {
  g_socket_close(socket, nullptr);
  g_object_unref(socket);
}

std::vector<std::string> UdpSink::receive(int ms) {
  std::vector<std::string> out;
  while (g_socket_condition_timed_wait(socket, G_IO_IN, gint64(ms) * 1000, nullptr, nullptr)) {
    char buf[2048];
    gssize n = g_socket_receive(socket, buf, sizeof buf, nullptr, nullptr);
    if (n < 0) break;
    out.emplace_back(buf, std::size_t(n));
  }
  return out;
}

bool UdpSink::send_to(std::uint16_t to_port, const std::string& bytes) {
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* to = g_inet_socket_address_new(lo, to_port);
  const gssize n = g_socket_send_to(socket, to, bytes.data(), bytes.size(), nullptr, nullptr);
  g_object_unref(to);
  g_object_unref(lo);
  return n == gssize(bytes.size());
}

std::pair<std::unique_ptr<UdpSink>, std::unique_ptr<UdpSink>> udp_sink_pair() {
  for (int i = 0; i < 50; ++i) {
    auto rtp = std::make_unique<UdpSink>();
    if (rtp->port == 0 || rtp->port % 2 != 0) continue;
    auto rtcp = std::make_unique<UdpSink>(std::uint16_t(rtp->port + 1));
    if (rtcp->port == rtp->port + 1) return {std::move(rtp), std::move(rtcp)};
  }
  return {};
}

}  // namespace rtsp2::test
