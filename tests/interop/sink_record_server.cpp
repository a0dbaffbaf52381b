#include "sink_record_server.hpp"

#include <chrono>

#include <glib/gstdio.h>
#include <gst/rtsp-server/rtsp-server.h>

namespace rtsp2::test {

struct RecordServer::Impl {
  Options options;
  GMainContext* context = nullptr;
  GMainLoop* loop = nullptr;
  GstRTSPServer* server = nullptr;
  guint source_id = 0;
  std::thread thread;

  mutable std::mutex mutex;
  mutable std::condition_variable cond;
  int video = 0;
  int audio = 0;
  int sinks = 0;      // media sinks in the last media
  int sinks_eos = 0;  // of those, how many saw EOS
  std::map<std::string, int> methods;
  std::vector<std::string> transports;
  std::string sdp;

  void count(const std::string& method) {
    std::lock_guard lock(mutex);
    methods[method]++;
    cond.notify_all();
  }
};

namespace {

struct ProbeData {
  RecordServer::Impl* impl;
  bool video;
};

GstPadProbeReturn count_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* d = static_cast<ProbeData*>(data);
  std::lock_guard lock(d->impl->mutex);
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER) != 0) {
    (d->video ? d->impl->video : d->impl->audio)++;
  } else if ((info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) != 0 &&
             GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
    d->impl->sinks_eos++;
    d->impl->cond.notify_all();
  }
  return GST_PAD_PROBE_OK;
}

void watch_sink(RecordServer::Impl* impl, GstElement* bin, const char* name, bool video) {
  GstElement* sink = gst_bin_get_by_name(GST_BIN(bin), name);
  if (sink == nullptr) return;
  GstPad* pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    count_probe, new ProbeData{impl, video},
                    [](gpointer d) { delete static_cast<ProbeData*>(d); });
  gst_object_unref(pad);
  gst_object_unref(sink);
  std::lock_guard lock(impl->mutex);
  impl->sinks++;
}

void on_media_configure(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer data) {
  auto* impl = static_cast<RecordServer::Impl*>(data);
  {
    std::lock_guard lock(impl->mutex);
    impl->sinks = 0;
    impl->sinks_eos = 0;
  }
  GstElement* element = gst_rtsp_media_get_element(media);
  watch_sink(impl, element, "vsink", true);
  if (impl->options.audio) watch_sink(impl, element, "asink", false);
  gst_object_unref(element);
}

std::string header(GstRTSPContext* ctx, GstRTSPHeaderField field) {
  gchar* value = nullptr;
  if (ctx->request == nullptr || gst_rtsp_message_get_header(ctx->request, field, &value, 0) != GST_RTSP_OK) {
    return {};
  }
  return value != nullptr ? value : "";
}

struct Hook {
  RecordServer::Impl* impl;
  const char* method;
};

void on_request(GstRTSPClient*, GstRTSPContext* ctx, gpointer data) {
  auto* h = static_cast<Hook*>(data);
  const std::string m = h->method;
  if (m == "SETUP") {
    std::string t = header(ctx, GST_RTSP_HDR_TRANSPORT);
    std::lock_guard lock(h->impl->mutex);
    h->impl->transports.push_back(std::move(t));
  }
  if (m == "ANNOUNCE" && ctx->request != nullptr) {
    guint8* body = nullptr;
    guint size = 0;
    gst_rtsp_message_get_body(ctx->request, &body, &size);
    std::lock_guard lock(h->impl->mutex);
    h->impl->sdp.assign(reinterpret_cast<const char*>(body), size);
  }
  h->impl->count(m);
}

void on_client(GstRTSPServer*, GstRTSPClient* client, gpointer data) {
  auto* impl = static_cast<RecordServer::Impl*>(data);
  static const std::pair<const char*, const char*> hooks[] = {
      {"options-request", "OPTIONS"},   {"announce-request", "ANNOUNCE"},
      {"setup-request", "SETUP"},       {"record-request", "RECORD"},
      {"teardown-request", "TEARDOWN"}, {"get-parameter-request", "GET_PARAMETER"}};
  for (const auto& [signal, method] : hooks) {
    g_signal_connect_data(
        client, signal, G_CALLBACK(on_request), new Hook{impl, method},
        [](gpointer d, GClosure*) { delete static_cast<Hook*>(d); }, GConnectFlags(0));
  }
}

GstRTSPFilterResult remove_client(GstRTSPServer*, GstRTSPClient*, gpointer) {
  return GST_RTSP_FILTER_REMOVE;
}

}  // namespace

RecordServer::RecordServer(Options options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

RecordServer::~RecordServer() {
  stop();
}

bool RecordServer::start(std::uint16_t port) {
  Impl& s = *impl_;
  s.context = g_main_context_new();
  s.loop = g_main_loop_new(s.context, FALSE);
  s.server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(s.server, "127.0.0.1");
  gst_rtsp_server_set_service(s.server, std::to_string(port).c_str());

  std::string launch =
      "( rtph264depay name=depay0 ! h264parse ! avdec_h264 ! fakesink name=vsink sync=false async=false";
  if (s.options.audio)
    launch += " rtpmp4gdepay name=depay1 ! aacparse ! fakesink name=asink sync=false async=false";
  launch += " )";
  GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, launch.c_str());
  gst_rtsp_media_factory_set_transport_mode(factory, GST_RTSP_TRANSPORT_MODE_RECORD);
  gst_rtsp_media_factory_set_eos_shutdown(factory, TRUE);
  unsigned protocols = 0;
  if (s.options.tcp) protocols |= GST_RTSP_LOWER_TRANS_TCP;
  if (s.options.udp) protocols |= GST_RTSP_LOWER_TRANS_UDP;
  gst_rtsp_media_factory_set_protocols(factory, GstRTSPLowerTrans(protocols));
  g_signal_connect(factory, "media-configure", G_CALLBACK(on_media_configure), &s);

  if (!s.options.tls_certificate.empty()) {
    GError* err = nullptr;
    GTlsCertificate* cert = g_tls_certificate_new_from_file(s.options.tls_certificate.c_str(), &err);
    if (cert == nullptr) {
      g_error_free(err);
      return false;
    }
    GstRTSPAuth* auth = gst_rtsp_auth_new();
    gst_rtsp_auth_set_tls_certificate(auth, cert);
    g_object_unref(cert);
    if (s.options.digest_user.empty()) {
      // An auth object checks permissions: let anyone in, as the server without one does.
      GstRTSPToken* token =
          gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", nullptr);
      gst_rtsp_auth_set_default_token(auth, token);
      gst_rtsp_token_unref(token);
      gst_rtsp_media_factory_add_role(factory, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN,
                                      TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE,
                                      nullptr);
    }
    gst_rtsp_server_set_auth(s.server, auth);
    g_object_unref(auth);
  }
  if (!s.options.digest_user.empty()) {
    GstRTSPAuth* auth = gst_rtsp_server_get_auth(s.server);
    if (auth == nullptr) auth = gst_rtsp_auth_new();
    gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
    GstRTSPToken* token =
        gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", nullptr);
    gst_rtsp_auth_add_digest(auth, s.options.digest_user.c_str(), s.options.digest_password.c_str(), token);
    gst_rtsp_token_unref(token);
    gst_rtsp_server_set_auth(s.server, auth);
    g_object_unref(auth);
    gst_rtsp_media_factory_add_role(factory, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);
  }
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(s.server);
  gst_rtsp_mount_points_add_factory(mounts, s.options.path.c_str(), factory);
  g_object_unref(mounts);
  g_signal_connect(s.server, "client-connected", G_CALLBACK(on_client), &s);

  s.source_id = gst_rtsp_server_attach(s.server, s.context);
  if (s.source_id == 0) return false;
  port_ = std::uint16_t(gst_rtsp_server_get_bound_port(s.server));
  s.thread = std::thread([&s] {
    g_main_context_push_thread_default(s.context);
    g_main_loop_run(s.loop);
    g_main_context_pop_thread_default(s.context);
  });
  return true;
}

void RecordServer::stop() {
  Impl& s = *impl_;
  if (s.server == nullptr) return;
  if (s.thread.joinable()) {
    // Drop the clients and the listener on the server's own thread, then end it.
    GSource* idle = g_idle_source_new();
    g_source_set_callback(
        idle,
        +[](gpointer d) -> gboolean {
          auto* impl = static_cast<Impl*>(d);
          gst_rtsp_server_client_filter(impl->server, remove_client, nullptr);
          if (GSource* src = g_main_context_find_source_by_id(impl->context, impl->source_id)) {
            g_source_destroy(src);
          }
          g_main_loop_quit(impl->loop);
          return G_SOURCE_REMOVE;
        },
        &s, nullptr);
    g_source_attach(idle, s.context);
    g_source_unref(idle);
    s.thread.join();
  }
  // What the clients left behind (media shutting down) finishes on the context.
  while (g_main_context_iteration(s.context, FALSE)) {
  }
  g_object_unref(s.server);
  s.server = nullptr;
  while (g_main_context_iteration(s.context, FALSE)) {
  }
  g_main_loop_unref(s.loop);
  g_main_context_unref(s.context);
  s.loop = nullptr;
  s.context = nullptr;
}

std::string RecordServer::url(const std::string& userinfo) const {
  return std::string(impl_->options.tls_certificate.empty() ? "rtsp://" : "rtsps://") +
         (userinfo.empty() ? std::string() : userinfo + "@") + "127.0.0.1:" + std::to_string(port_) +
         impl_->options.path;
}

int RecordServer::video_frames() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->video;
}

int RecordServer::audio_frames() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->audio;
}

bool RecordServer::wait_media_eos(int timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->cond.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return impl_->sinks > 0 && impl_->sinks_eos >= impl_->sinks; });
}

bool RecordServer::wait_requests(const std::string& method, int count, int timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->cond.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return impl_->methods[method] >= count; });
}

int RecordServer::requests(const std::string& method) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->methods.find(method);
  return it == impl_->methods.end() ? 0 : it->second;
}

std::vector<std::string> RecordServer::setup_transports() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->transports;
}

std::string RecordServer::announced_sdp() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sdp;
}

bool write_test_certificate(const std::string& pem_path) {
  const std::string key = pem_path + ".key";
  const std::string cert = pem_path + ".crt";
  const gchar* argv[] = {"openssl",
                         "req",
                         "-x509",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:prime256v1",
                         "-nodes",
                         "-days",
                         "1",
                         "-subj",
                         "/CN=127.0.0.1",
                         "-addext",
                         "subjectAltName=IP:127.0.0.1",
                         "-keyout",
                         key.c_str(),
                         "-out",
                         cert.c_str(),
                         nullptr};
  GError* err = nullptr;
  GSubprocess* p = g_subprocess_newv(
      argv, GSubprocessFlags(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE), &err);
  if (p == nullptr) {
    g_error_free(err);
    return false;
  }
  const bool ok = g_subprocess_wait_check(p, nullptr, nullptr);
  g_object_unref(p);
  gchar *c = nullptr, *k = nullptr;
  bool written = false;
  if (ok && g_file_get_contents(cert.c_str(), &c, nullptr, nullptr) &&
      g_file_get_contents(key.c_str(), &k, nullptr, nullptr)) {
    const std::string both = std::string(c) + k;
    written = g_file_set_contents(pem_path.c_str(), both.c_str(), gssize(both.size()), nullptr);
  }
  g_free(c);
  g_free(k);
  g_remove(key.c_str());
  g_remove(cert.c_str());
  return written;
}

}  // namespace rtsp2::test
