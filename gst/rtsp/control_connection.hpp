// The RTSP control connection: TCP (optionally TLS) through GIO, driven by a GMainContext.
//
//   connect(config) ──▶ resolve + connect (+ TLS handshake), bounded by connect_timeout
//                        └─▶ callbacks.connected()            or
//                        callbacks.failed(Refused/HostNotFound/Timeout/Tls)
//   readable        ──▶ callbacks.data(bytes)                  (non-blocking reads, up to a budget per
//   wake-up) send(bytes) / send_interleaved(channel, payload)           (queued; written whenever the socket
//   is writable) EOF / error     ──▶ callbacks.failed(Closed / Io)
//
// Element-neutral: it knows nothing of RTSP beyond the 4-byte "$" frame header, so rtspsrc2 and rtspsink2
// share it. Every method must be called on the thread that runs `context`; callbacks run there too. A
// callback may call close(), and the owner may destroy the connection from inside a callback: nothing is
// touched afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "connection_settings.hpp"
#include "gst_ptr.hpp"

namespace rtsp2 {

enum class ConnectionError {
  Refused,       // nobody listens on that port
  HostNotFound,  // name resolution failed
  Timeout,       // connect (or TLS handshake) took longer than connect_timeout
  Tls,           // handshake failed or the certificate was rejected
  Closed,        // the peer closed the connection
  Io,            // any other socket error
};
std::string_view to_string(ConnectionError e);

struct ConnectionFailure {
  ConnectionError error = ConnectionError::Io;
  std::string message;  // from GIO, for logs and error details; never contains credentials (we never send any
                        // to GIO)
};

struct ControlConnectionConfig {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;
  std::chrono::microseconds connect_timeout{20'000'000};  // 0: no limit
  // Certificate errors that make the handshake fail (rtspsrc's tls-validation-flags).
  GTlsCertificateFlags tls_validation_flags = G_TLS_CERTIFICATE_VALIDATE_ALL;
  GObjectPtr<GTlsDatabase> tls_database;        // null: the system default
  GObjectPtr<GTlsInteraction> tls_interaction;  // null: none
  // The accept-certificate signal: asked, on the connection's context, when tls_validation_flags refuse the
  // server's certificate; true accepts it. Unset: refused.
  std::function<bool(GTlsConnection*, GTlsCertificate*, GTlsCertificateFlags)> accept_certificate;
  // Interleaved frames are dropped (and counted) while more than this is waiting to be written, so that a
  // stalled peer cannot make RTCP pile up. RTSP messages are never dropped.
  std::size_t max_queued_frames_bytes = 1 << 20;
};

// The configuration both elements connect with: their shared connection properties (tcp-timeout, tls-*) for
// the URL's host, port and scheme.
ControlConnectionConfig make_connection_config(std::string host, std::uint16_t port, bool tls,
                                               const ConnectionSettings& settings);

class ControlConnection {
 public:
  struct Callbacks {
    std::function<void()> connected;
    std::function<void(std::span<const std::uint8_t>)> data;
    std::function<void(const ConnectionFailure&)> failed;
    // Optional: bytes that had to wait for the socket were written (queued_bytes() went down). A sender that
    // keeps queued_bytes() bounded (rtspsink2's back-pressure) refills from here.
    std::function<void()> writable;
  };

  ControlConnection(GMainContext* context, Callbacks callbacks);
  ~ControlConnection();
  ControlConnection(const ControlConnection&) = delete;
  ControlConnection& operator=(const ControlConnection&) = delete;

  void connect(ControlConnectionConfig config);
  void send(std::string_view bytes);
  // Returns false when the frame was dropped (queue over its bound, payload over 65535 bytes, not connected).
  bool send_interleaved(std::uint8_t channel, std::span<const std::uint8_t> payload);
  // Stops everything at once; no callback runs afterwards. Idempotent.
  void close();
  // Read moderation for a connection that carries media (RTP interleaved): after a read that got bytes, the
  // socket is not polled for `interval`; what came meanwhile is then read at once. 0 (the default): read as
  // soon as bytes arrive, which is what a request/response exchange wants.
  void set_read_interval(std::chrono::microseconds interval);

  bool is_connected() const;
  std::size_t queued_bytes() const;
  std::uint64_t dropped_frames() const;
  // Addresses of the connected socket; null before connected().
  GObjectPtr<GInetSocketAddress> remote_address() const;
  GObjectPtr<GInetSocketAddress> local_address() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace rtsp2
