// rtspsrc2's properties as plain data. The element keeps one Settings under its settings lock; the worker
// takes a copy when a session starts, so property changes never race with a running session.
#pragma once

#include <cstdint>
#include <string>

#include <gio/gio.h>
#include <glib-object.h>

#include "gst_ptr.hpp"

namespace rtsp2 {

// A copyable strong reference to a GObject (copy = ref).
template <typename T>
class GRef {
 public:
  GRef() = default;
  explicit GRef(T* borrowed) : p_(borrowed != nullptr ? static_cast<T*>(g_object_ref(borrowed)) : nullptr) {}
  GRef(const GRef& o) : GRef(o.p_) {}
  GRef& operator=(const GRef& o) {
    GRef tmp(o);
    std::swap(p_, tmp.p_);
    return *this;
  }
  ~GRef() {
    if (p_ != nullptr) g_object_unref(p_);
  }
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
};

// GstRTSPLowerTrans bits (gst/rtsp/gstrtsptransport.h), as rtspsrc's "protocols" uses them.
inline constexpr unsigned kLowerUdp = 1u << 0;
inline constexpr unsigned kLowerUdpMcast = 1u << 1;
inline constexpr unsigned kLowerTcp = 1u << 2;

enum class NatMethod { None = 0, Dummy = 1 };
enum class RtpEngine { Native = 0, RtpBin = 1 };

struct Settings {
  std::string location;
  unsigned protocols = kLowerUdp | kLowerUdpMcast | kLowerTcp;
  std::uint64_t timeout_us = 5'000'000;       // UDP silence before falling back to TCP / reconnecting
  std::uint64_t tcp_timeout_us = 20'000'000;  // connect and request timeout
  unsigned latency_ms = 2000;
  bool drop_on_latency = false;
  RtpEngine rtp_engine = RtpEngine::Native;
  std::string user_id;
  std::string user_pw;
  std::string user_agent;
  bool do_rtsp_keep_alive = true;
  bool do_rtcp = true;
  std::string port_range;
  std::string multicast_iface;
  GTlsCertificateFlags tls_validation_flags = G_TLS_CERTIFICATE_VALIDATE_ALL;
  GRef<GTlsDatabase> tls_database;
  GRef<GTlsInteraction> tls_interaction;
  std::uint64_t teardown_timeout_ns = 100'000'000;
  NatMethod nat_method = NatMethod::Dummy;
  int reconnect_attempts = -1;  // -1: unlimited for live presentations; 0: off
  std::uint64_t reconnect_max_interval_us = 30'000'000;
};

}  // namespace rtsp2
