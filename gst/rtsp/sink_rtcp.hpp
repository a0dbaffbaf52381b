// RTCP for a publisher: one sender report with a CNAME per stream, every few seconds (RFC 3550 §6.4.1). The
// server learns the NTP <-> RTP time mapping (lip sync between streams) and packet/octet counts from it.
// Receiver reports coming back are not needed by a publisher and are ignored.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <gst/gst.h>

#include "gst_ptr.hpp"
#include "rtcp_packets.hpp"

namespace rtsp2::sink {

struct SenderState {
  std::uint32_t ssrc = 0;
  std::uint32_t clock_rate = 90000;
  std::uint32_t last_rtp_time = 0;  // of the last packet sent
  std::int64_t last_send_us = 0;    // monotonic time it was sent
  std::uint32_t packets = 0;
  std::uint32_t octets = 0;  // payload bytes
  bool active = false;       // at least one packet sent
};

// The RTP time now, extrapolated from the last packet sent (packets leave at their running time, so send time
// and RTP time advance together).
std::uint32_t extrapolate_rtp_time(const SenderState& s, std::int64_t now_us);

// NTP timestamp (RFC 5905 64-bit format) for a wall-clock time in microseconds since the Unix epoch.
std::uint64_t ntp_from_unix_us(std::int64_t unix_us);
// The same 32.32 format for a duration from an epoch of the caller's (ntp-time-source unix, running-time,
// clock-time).
std::uint64_t ntp_format_ns(std::uint64_t ns);

// A compound RTCP packet: SR (with `ntp_time` and the RTP time extrapolated to `now_us`) + SDES (CNAME and
// the sdes property's further items).
BufferPtr build_sender_report(const SenderState& s, const std::string& cname,
                              std::span<const core::SdesItem> items, std::int64_t now_us,
                              std::uint64_t ntp_time);

}  // namespace rtsp2::sink
