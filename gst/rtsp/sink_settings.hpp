// rtspsink2's properties as plain data. The element keeps one SinkSettings under its settings lock; the
// worker takes a copy when a session starts, so property changes never race with a running session.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <gio/gio.h>
#include <glib-object.h>

namespace rtsp2::sink {

// A copyable strong reference to a GObject (copy = ref): settings are copied into the worker.
template <typename T>
class ObjectRef {
 public:
  ObjectRef() = default;
  explicit ObjectRef(T* borrowed)
      : p_(borrowed != nullptr ? static_cast<T*>(g_object_ref(borrowed)) : nullptr) {}
  ObjectRef(const ObjectRef& o) : ObjectRef(o.p_) {}
  ObjectRef& operator=(const ObjectRef& o) {
    ObjectRef tmp(o);
    std::swap(p_, tmp.p_);
    return *this;
  }
  ~ObjectRef() {
    if (p_ != nullptr) g_object_unref(p_);
  }
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
};

// GstRTSPLowerTrans bits, as rtspsrc's and rtspclientsink's "protocols" use them.
inline constexpr unsigned kLowerUdp = 1u << 0;
inline constexpr unsigned kLowerUdpMcast = 1u << 1;
inline constexpr unsigned kLowerTcp = 1u << 2;

struct SinkSettings {
  std::string location;
  // Tried in this order: TCP interleaved first (publishing from behind a NAT works), then UDP; a 461 answer
  // moves on to the next one. UDP multicast has no meaning for a publisher and is ignored.
  unsigned protocols = kLowerUdp | kLowerUdpMcast | kLowerTcp;
  std::uint64_t timeout_us = 5'000'000;       // wait for every requested pad to have caps and data
  std::uint64_t tcp_timeout_us = 20'000'000;  // connect and request timeout
  unsigned latency_ms = 2000;                 // accepted for rtspclientsink compatibility (see docs)
  std::string user_id;
  std::string user_pw;
  std::string user_agent;
  bool do_rtsp_keep_alive = true;
  GTlsCertificateFlags tls_validation_flags = G_TLS_CERTIFICATE_VALIDATE_ALL;
  ObjectRef<GTlsDatabase> tls_database;
  ObjectRef<GTlsInteraction> tls_interaction;
  int reconnect_attempts = -1;  // -1: unlimited, 0: off (a lost session is an error)
  std::uint64_t reconnect_max_interval_us = 30'000'000;
  std::uint64_t max_queue_time_ns = 2'000'000'000;
};

}  // namespace rtsp2::sink
