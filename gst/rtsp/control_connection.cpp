#include "control_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "worker.hpp"

namespace rtsp2 {

std::string_view to_string(ConnectionError e) {
  switch (e) {
    case ConnectionError::Refused:
      return "connection refused";
    case ConnectionError::HostNotFound:
      return "host not found";
    case ConnectionError::Timeout:
      return "timed out";
    case ConnectionError::Tls:
      return "TLS failure";
    case ConnectionError::Closed:
      return "connection closed by the server";
    case ConnectionError::Io:
      return "I/O error";
  }
  return "I/O error";
}

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// Reads per wake-up before yielding to the other sources of the context (UDP, timers, commands).
constexpr int kReadBudget = 16;

ConnectionError classify_connect_error(const GError* e, bool timed_out, bool in_tls) {
  if (timed_out) return ConnectionError::Timeout;
  if (e->domain == G_RESOLVER_ERROR) return ConnectionError::HostNotFound;
  if (e->domain == G_TLS_ERROR) return ConnectionError::Tls;
  if (e->domain == G_IO_ERROR) {
    switch (e->code) {
      case G_IO_ERROR_CONNECTION_REFUSED:
        return ConnectionError::Refused;
      case G_IO_ERROR_HOST_NOT_FOUND:
        return ConnectionError::HostNotFound;
      case G_IO_ERROR_TIMED_OUT:
        return ConnectionError::Timeout;
      default:
        break;
    }
  }
  return in_tls ? ConnectionError::Tls : ConnectionError::Io;
}

}  // namespace

struct ControlConnection::Impl : std::enable_shared_from_this<Impl> {
  GMainContext* context = nullptr;
  Callbacks callbacks;
  ControlConnectionConfig config;

  GObjectPtr<GCancellable> cancellable;
  std::unique_ptr<Timer> connect_timer;
  bool timed_out = false;
  bool in_tls_handshake = false;
  bool connected = false;
  bool closed = false;

  GObjectPtr<GSocketConnection> socket_connection;
  GObjectPtr<GIOStream> stream;  // socket_connection or the TLS connection around it
  GPollableInputStream* input = nullptr;
  GPollableOutputStream* output = nullptr;
  AttachedSourcePtr read_source;
  AttachedSourcePtr write_source;
  // Read moderation (set_read_interval): after a read that got bytes the stream is not polled until the rest
  // ends; then whatever came meanwhile is read at once.
  std::chrono::microseconds read_interval{0};
  std::unique_ptr<Timer> rest_timer;

  std::vector<std::uint8_t> read_buffer;
  std::vector<std::uint8_t> out;  // bytes waiting to be written, from out_offset
  std::size_t out_offset = 0;
  std::uint64_t dropped = 0;

  // Async GIO callbacks carry a weak reference and the attempt they belong to: the connection may be gone, or
  // connecting again, when they fire.
  std::uint64_t attempt = 0;
  struct Pending {
    std::weak_ptr<Impl> weak;
    std::uint64_t attempt;
  };
  static std::shared_ptr<Impl> lock(gpointer data) {
    std::unique_ptr<Pending> pending(static_cast<Pending*>(data));
    auto self = pending->weak.lock();
    if (self && self->attempt != pending->attempt) return {};
    return self;
  }
  gpointer weak_data() { return new Pending{weak_from_this(), attempt}; }

  void fail(ConnectionError error, std::string message) {
    if (closed) return;
    auto self = shared_from_this();  // the callback may destroy the owner
    close();
    if (callbacks.failed) callbacks.failed(ConnectionFailure{error, std::move(message)});
  }

  void close() {
    if (closed) return;
    closed = true;
    connected = false;
    if (cancellable) g_cancellable_cancel(cancellable.get());
    connect_timer.reset();
    read_source.reset();
    rest_timer.reset();
    write_source.reset();
    input = nullptr;
    output = nullptr;
    // Close the socket itself rather than the stream: closing a TLS stream would write close_notify
    // synchronously, and nothing here may block.
    if (socket_connection) {
      g_socket_close(g_socket_connection_get_socket(socket_connection.get()), nullptr);
    }
    stream.reset();
    socket_connection.reset();
    out.clear();
    out_offset = 0;
  }

  void start_connect() {
    cancellable.reset(g_cancellable_new());
    if (config.connect_timeout.count() > 0) {
      connect_timer = std::make_unique<Timer>(context, [this] {
        timed_out = true;
        g_cancellable_cancel(cancellable.get());
      });
      connect_timer->arm_in(config.connect_timeout);
    }
    GObjectPtr<GSocketClient> client(g_socket_client_new());
    // RTSP does not go through the desktop's HTTP proxy settings (rtspsrc does not either); asking the proxy
    // resolver also costs a thread-pool thread per connection attempt.
    g_socket_client_set_enable_proxy(client.get(), FALSE);
    GObjectPtr<GSocketConnectable> address(g_network_address_new(config.host.c_str(), config.port));
    g_main_context_push_thread_default(context);
    g_socket_client_connect_async(client.get(), address.get(), cancellable.get(), &Impl::on_connect_done,
                                  weak_data());
    g_main_context_pop_thread_default(context);
  }

  static void on_connect_done(GObject* source, GAsyncResult* result, gpointer data) {
    ErrorOut err;
    GSocketConnection* conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, err.out());
    auto self = lock(data);
    if (!self || self->closed) {
      if (conn != nullptr) {
        g_socket_close(g_socket_connection_get_socket(conn), nullptr);
        g_object_unref(conn);
      }
      return;
    }
    if (conn == nullptr) {
      self->fail(classify_connect_error(err.get(), self->timed_out, false), err.message());
      return;
    }
    self->socket_connection.reset(conn);
    GSocket* socket = g_socket_connection_get_socket(conn);
    // RTSP requests are small and latency-bound.
    g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
    if (!self->config.tls) {
      self->stream = ref_object(G_IO_STREAM(conn));
      self->on_established();
      return;
    }
    self->start_tls();
  }

  static gboolean on_accept_certificate(GTlsConnection* connection, GTlsCertificate* certificate,
                                        GTlsCertificateFlags errors, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if ((errors & self->config.tls_validation_flags) == 0) return TRUE;
    // As rtspsrc: the application decides only what the validation flags refused.
    const bool accepted =
        self->config.accept_certificate && self->config.accept_certificate(connection, certificate, errors);
    return accepted ? TRUE : FALSE;
  }

  void start_tls() {
    ErrorOut err;
    GObjectPtr<GSocketConnectable> identity(g_network_address_new(config.host.c_str(), config.port));
    GIOStream* tls =
        g_tls_client_connection_new(G_IO_STREAM(socket_connection.get()), identity.get(), err.out());
    if (tls == nullptr) {
      fail(ConnectionError::Tls, err.message());
      return;
    }
    stream.reset(tls);
    if (config.tls_database) g_tls_connection_set_database(G_TLS_CONNECTION(tls), config.tls_database.get());
    if (config.tls_interaction) {
      g_tls_connection_set_interaction(G_TLS_CONNECTION(tls), config.tls_interaction.get());
    }
    // Validation through accept-certificate: GLib's own per-connection validation flags are deprecated, and
    // the handler sees exactly the errors the backend found.
    g_signal_connect(tls, "accept-certificate", G_CALLBACK(&Impl::on_accept_certificate), this);
    in_tls_handshake = true;
    g_main_context_push_thread_default(context);
    g_tls_connection_handshake_async(G_TLS_CONNECTION(tls), G_PRIORITY_DEFAULT, cancellable.get(),
                                     &Impl::on_handshake_done, weak_data());
    g_main_context_pop_thread_default(context);
  }

  static void on_handshake_done(GObject* source, GAsyncResult* result, gpointer data) {
    ErrorOut err;
    gboolean ok = g_tls_connection_handshake_finish(G_TLS_CONNECTION(source), result, err.out());
    auto self = lock(data);
    if (!self || self->closed) return;
    self->in_tls_handshake = false;
    if (!ok) {
      self->fail(classify_connect_error(err.get(), self->timed_out, true), err.message());
      return;
    }
    self->on_established();
  }

  void on_established() {
    connect_timer.reset();
    connected = true;
    input = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream.get()));
    output = G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(stream.get()));
    read_buffer.resize(kReadChunk);
    watch_input();
    auto self = shared_from_this();
    if (callbacks.connected) callbacks.connected();
    if (!closed) flush();
  }

  void watch_input() {
    GSource* src = g_pollable_input_stream_create_source(input, nullptr);
    g_source_set_can_recurse(src, TRUE);  // no fd removal and re-adding (two eventfd writes) per dispatch
    g_source_set_callback(src, G_SOURCE_FUNC(+[](GObject*, gpointer d) -> gboolean {
                            return static_cast<Impl*>(d)->on_readable();
                          }),
                          this, nullptr);
    g_source_attach(src, context);
    read_source.reset(src);
  }

  gboolean on_readable() {
    auto self = shared_from_this();
    bool got = false, budget_spent = true;
    for (int i = 0; i < kReadBudget && !closed; ++i) {
      ErrorOut err;
      gssize n = g_pollable_input_stream_read_nonblocking(input, read_buffer.data(), read_buffer.size(),
                                                          nullptr, err.out());
      if (n > 0) {
        got = true;
        if (callbacks.data) callbacks.data(std::span<const std::uint8_t>(read_buffer.data(), std::size_t(n)));
        continue;
      }
      budget_spent = false;
      if (n == 0) {
        fail(ConnectionError::Closed, "connection closed by peer");
        break;
      }
      if (g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) break;
      fail(ConnectionError::Io, err.message());
      break;
    }
    if (closed) return G_SOURCE_REMOVE;  // close() destroyed the source already
    if (read_interval.count() > 0 && got) {
      // Rest: no polling until the timer reads again (at once when the budget ran out with bytes left).
      if (!rest_timer) rest_timer = std::make_unique<Timer>(context, [this] { on_rest_over(); });
      rest_timer->arm_in(budget_spent ? std::chrono::microseconds(0) : read_interval);
      if (read_source) {
        read_source.reset();
        return G_SOURCE_REMOVE;
      }
      return G_SOURCE_CONTINUE;
    }
    if (!read_source) watch_input();  // after a rest that found nothing: poll again
    return G_SOURCE_CONTINUE;
  }

  void on_rest_over() {
    if (closed || input == nullptr) return;
    on_readable();
  }

  void flush() {
    while (connected && out_offset < out.size()) {
      ErrorOut err;
      gssize n = g_pollable_output_stream_write_nonblocking(output, out.data() + out_offset,
                                                            out.size() - out_offset, nullptr, err.out());
      if (n > 0) {
        out_offset += std::size_t(n);
        continue;
      }
      if (g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        if (!write_source) {
          GSource* src = g_pollable_output_stream_create_source(output, nullptr);
          g_source_set_callback(src, G_SOURCE_FUNC(+[](GObject*, gpointer d) -> gboolean {
                                  auto* impl = static_cast<Impl*>(d);
                                  auto keep = impl->shared_from_this();
                                  impl->write_source.reset();  // GLib keeps its own ref while dispatching
                                  impl->flush();
                                  if (impl->connected && impl->callbacks.writable) impl->callbacks.writable();
                                  return G_SOURCE_REMOVE;
                                }),
                                this, nullptr);
          g_source_attach(src, context);
          write_source.reset(src);
        }
        return;
      }
      fail(ConnectionError::Io, err.message());
      return;
    }
    if (out_offset == out.size()) {
      out.clear();
      out_offset = 0;
    } else if (out_offset > 64 * 1024 && out_offset * 2 > out.size()) {
      out.erase(out.begin(), out.begin() + std::ptrdiff_t(out_offset));
      out_offset = 0;
    }
  }

  std::size_t queued() const { return out.size() - out_offset; }
};

ControlConnection::ControlConnection(GMainContext* context, Callbacks callbacks)
    : impl_(std::make_shared<Impl>()) {
  impl_->context = context;
  impl_->callbacks = std::move(callbacks);
}

ControlConnection::~ControlConnection() {
  impl_->close();
}

void ControlConnection::connect(ControlConnectionConfig config) {
  impl_->close();
  ++impl_->attempt;
  impl_->closed = false;
  impl_->timed_out = false;
  impl_->config = std::move(config);
  impl_->start_connect();
}

void ControlConnection::send(std::string_view bytes) {
  if (impl_->closed) return;
  impl_->out.insert(impl_->out.end(), bytes.begin(), bytes.end());
  impl_->flush();
}

bool ControlConnection::send_interleaved(std::uint8_t channel, std::span<const std::uint8_t> payload) {
  if (!impl_->connected || payload.size() > 0xffff ||
      impl_->queued() > impl_->config.max_queued_frames_bytes) {
    ++impl_->dropped;
    return false;
  }
  const std::array<std::uint8_t, 4> header{'$', channel, std::uint8_t(payload.size() >> 8),
                                           std::uint8_t(payload.size() & 0xff)};
  impl_->out.insert(impl_->out.end(), header.begin(), header.end());
  impl_->out.insert(impl_->out.end(), payload.begin(), payload.end());
  impl_->flush();
  return true;
}

void ControlConnection::close() {
  impl_->close();
}

void ControlConnection::set_read_interval(std::chrono::microseconds interval) {
  if (impl_->read_interval == interval) return;
  impl_->read_interval = interval;
  if (interval.count() == 0 && impl_->rest_timer && impl_->rest_timer->armed()) {
    impl_->rest_timer->disarm();
    if (impl_->connected && !impl_->read_source) impl_->watch_input();
  }
}

bool ControlConnection::is_connected() const {
  return impl_->connected;
}
std::size_t ControlConnection::queued_bytes() const {
  return impl_->queued();
}
std::uint64_t ControlConnection::dropped_frames() const {
  return impl_->dropped;
}

GObjectPtr<GInetSocketAddress> ControlConnection::remote_address() const {
  if (!impl_->socket_connection) return {};
  GSocketAddress* a = g_socket_connection_get_remote_address(impl_->socket_connection.get(), nullptr);
  if (a != nullptr && !G_IS_INET_SOCKET_ADDRESS(a)) {
    g_object_unref(a);
    return {};
  }
  return GObjectPtr<GInetSocketAddress>(G_INET_SOCKET_ADDRESS(a));
}

GObjectPtr<GInetSocketAddress> ControlConnection::local_address() const {
  if (!impl_->socket_connection) return {};
  GSocketAddress* a = g_socket_connection_get_local_address(impl_->socket_connection.get(), nullptr);
  if (a != nullptr && !G_IS_INET_SOCKET_ADDRESS(a)) {
    g_object_unref(a);
    return {};
  }
  return GObjectPtr<GInetSocketAddress>(G_INET_SOCKET_ADDRESS(a));
}

ControlConnectionConfig make_connection_config(std::string host, std::uint16_t port, bool tls,
                                               const ConnectionSettings& settings) {
  ControlConnectionConfig cfg;
  cfg.host = std::move(host);
  cfg.port = port;
  cfg.tls = tls;
  cfg.connect_timeout = std::chrono::microseconds(settings.tcp_timeout_us);
  cfg.tls_validation_flags = settings.tls_validation_flags;
  if (settings.tls_database.get() != nullptr) cfg.tls_database = ref_object(settings.tls_database.get());
  if (settings.tls_interaction.get() != nullptr)
    cfg.tls_interaction = ref_object(settings.tls_interaction.get());
  return cfg;
}

}  // namespace rtsp2
