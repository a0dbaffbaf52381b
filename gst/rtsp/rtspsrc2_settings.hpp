// rtspsrc2's properties as plain data. The element keeps one Settings under its settings lock; the worker
// takes a copy when a session starts, so property changes never race with a running session.
#pragma once

#include <cstdint>
#include <string>

#include "connection_settings.hpp"
#include "gst_ptr.hpp"

namespace rtsp2 {

enum class NatMethod { None = 0, Dummy = 1 };
enum class RtpEngine { Native = 0, RtpBin = 1 };

// timeout_us: UDP silence before falling back to TCP / reconnecting. reconnect_attempts -1: unlimited for
// live presentations only.
struct Settings : ConnectionSettings {
  std::string location;
  unsigned protocols = kLowerUdp | kLowerUdpMcast | kLowerTcp;
  unsigned latency_ms = 2000;
  bool drop_on_latency = false;
  RtpEngine rtp_engine = RtpEngine::Native;
  bool do_rtcp = true;
  std::string port_range;
  std::string multicast_iface;
  std::uint64_t teardown_timeout_ns = 100'000'000;
  NatMethod nat_method = NatMethod::Dummy;
};

}  // namespace rtsp2
