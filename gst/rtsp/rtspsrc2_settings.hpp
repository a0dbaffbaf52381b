// rtspsrc2's properties as plain data. The element keeps one Settings under its settings lock; the worker
// takes a copy when a session starts, so property changes never race with a running session.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "connection_settings.hpp"
#include "gst_ptr.hpp"
#include "media_properties.hpp"
#include "receive_path.hpp"

namespace rtsp2 {

enum class NatMethod { None = 0, Dummy = 1 };
enum class RtpEngine { Native = 0, RtpBin = 1 };

// timeout_us: UDP silence before falling back to TCP / reconnecting. reconnect_attempts -1: unlimited for
// live presentations only.
struct Settings : ConnectionSettings, MediaSettings {
  std::string location;
  unsigned protocols = kLowerUdp | kLowerUdpMcast | kLowerTcp;
  unsigned latency_ms = 2000;
  bool drop_on_latency = false;
  RtpEngine rtp_engine = RtpEngine::Native;
  bool do_rtcp = true;
  std::string multicast_iface;
  std::uint64_t teardown_timeout_ns = 100'000'000;
  NatMethod nat_method = NatMethod::Dummy;
  int read_interval_ms = -1;                // -1: automatic (read_interval())
  std::uint64_t connection_speed_kbps = 0;  // Bandwidth header, 0: none
  unsigned probation = 2;                   // RFC 3550 MIN_SEQUENTIAL
  bool short_header = false;                // rtspsrc2 always sends the basic headers only
  bool debug = false;                       // deprecated in rtspsrc: messages are logged at LOG level
  RtpBinOnlySettings rtpbin;
};

// How long a media socket rests after a read that found packets (see media_transport.hpp): what the user
// set, or automatically a tenth of the latency budget, at most 100 ms (30 fps video then costs about one
// wake-up per frame or less instead of one per datagram), and 0 (every datagram at once) for latency 0.
inline std::chrono::microseconds read_interval(const Settings& s) {
  if (s.read_interval_ms >= 0) return std::chrono::milliseconds(s.read_interval_ms);
  return std::chrono::microseconds(std::min<std::int64_t>(100'000, std::int64_t(s.latency_ms) * 100));
}

}  // namespace rtsp2
