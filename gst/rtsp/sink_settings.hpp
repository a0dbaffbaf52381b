// rtspsink2's properties as plain data. The element keeps one SinkSettings under its settings lock; the
// worker takes a copy when a session starts, so property changes never race with a running session.
#pragma once

#include <cstdint>
#include <string>

#include "connection_settings.hpp"
#include "media_properties.hpp"

namespace rtsp2::sink {

// timeout_us: the wait for every requested pad to have caps and data. reconnect_attempts 0: a lost session
// is an error.
struct SinkSettings : ConnectionSettings, MediaSettings {
  std::string location;
  // Tried in this order: TCP interleaved first (publishing from behind a NAT works), then UDP; a 461 answer
  // moves on to the next one. UDP multicast has no meaning for a publisher and is ignored.
  unsigned protocols = kLowerUdp | kLowerUdpMcast | kLowerTcp;
  unsigned latency_ms = 2000;  // accepted for rtspclientsink compatibility (see docs)
  std::uint64_t max_queue_time_ns = 2'000'000'000;
};

}  // namespace rtsp2::sink
