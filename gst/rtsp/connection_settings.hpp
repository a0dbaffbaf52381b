// The settings rtspsrc2 and rtspsink2 share as plain data: how the RTSP control connection is made
// (timeouts, credentials, user agent, keep-alive, TLS) and how a lost session is re-established. Each
// element's settings struct derives from ConnectionSettings; common_properties.hpp maps the properties onto
// it, so both elements expose them alike.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <gio/gio.h>
#include <glib-object.h>

namespace rtsp2 {

// A copyable strong reference to a GObject (copy = ref): settings are copied into the worker.
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

// GstRTSPLowerTrans bits (gst/rtsp/gstrtsptransport.h), as rtspsrc's and rtspclientsink's "protocols" use
// them.
inline constexpr unsigned kLowerUdp = 1u << 0;
inline constexpr unsigned kLowerUdpMcast = 1u << 1;
inline constexpr unsigned kLowerTcp = 1u << 2;

struct ConnectionSettings {
  // What "timeout" bounds is the element's own (rtspsrc2: UDP silence before falling back to TCP or
  // reconnecting; rtspsink2: the wait for every requested pad to have caps and data).
  std::uint64_t timeout_us = 5'000'000;
  std::uint64_t tcp_timeout_us = 20'000'000;  // connect and request timeout
  std::string user_id;
  std::string user_pw;
  std::string user_agent;
  bool do_rtsp_keep_alive = true;
  GTlsCertificateFlags tls_validation_flags = G_TLS_CERTIFICATE_VALIDATE_ALL;
  GRef<GTlsDatabase> tls_database;
  GRef<GTlsInteraction> tls_interaction;
  // -1: unlimited (rtspsrc2: for live presentations only), 0: off.
  int reconnect_attempts = -1;
  std::uint64_t reconnect_max_interval_us = 30'000'000;
};

}  // namespace rtsp2
