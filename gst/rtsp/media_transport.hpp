// UDP media sockets: one RTP/RTCP pair per stream, bound before SETUP so that client_port names real ports.
//
//   UdpPair::bind_unicast(port-range or ephemeral)  → rtp_port() even, rtcp_port() = rtp_port() + 1
//   UdpPair::bind_multicast(group, ports, iface)     → joined on the interface
//   set_peer(server address, server_port pair)       → send_rtcp() / send_nat_dummies() go there
//   start_receive(context, on_packets, options)      → batches read with recvmmsg into buffers from a pool,
//                                                      handed over as one GstBufferList with each packet's
//                                                      age (kernel receive timestamp, SO_TIMESTAMPNS)
//
// Read moderation (ReceiveOptions::read_interval): after a read that found packets, the RTP socket is not
// polled again for that long; what arrives meanwhile is read as one batch. One thread wake-up then serves a
// whole video frame or more instead of one datagram, and the kernel timestamps keep the arrival times exact.
// The rest starts at an eighth of the interval and at most doubles per rest, and it is kept short enough that
// the measured rate fills at most a quarter of the socket's receive buffer meanwhile (fast streams rest
// less); after a rest that ended with half of it taken (a key frame's burst; of a rest that ended late, only
// its own share counts, and a burst read while the socket was polled does not count), or one during which
// the kernel dropped datagrams (SO_RXQ_OVFL, counted in kernel_drops), rests stay shorter for the socket's
// life. Rests end on a timerfd, to the microsecond, and may be as short as 100 µs: a raw video frame's
// burst then comes in a few reads instead of one wake-up per datagram or two.
//
// Output backlog (ReceiveOptions::rtp_backlog): when another thread pushes what is read (rtspsrc2's output
// pool), a read faster than those pushes only fills that thread's queue, and each datagram read takes a pool
// buffer that stays allocated afterwards (a server's start-up burst grew a video stream's pool to 200
// buffers). So while two full batches or more wait there, the RTP socket is held: not read, while its kernel
// queue holds less than a quarter of the receive buffer. It looks again after 1 ms, then 2, 4... up to the
// rest in force, so no hold lets the kernel queue grow further than a rest would. Past a quarter, or once
// the holds in a row have lasted ReceiveOptions::max_hold, it is read as usual: a downstream that stopped (a
// paused pipeline) costs the output queue's bound, as without holds, not datagrams. No hold while read
// moderation has turned rests off (a rate too high for them, or drops).
//
// Buffers kept ready: a socket starts with 4 and doubles them (up to 32) each time a read fills them all, so
// an audio stream's or an idle socket's pool stays small.
//
// Element-neutral (rtspsrc2 receives, rtspsink2 sends). Receiving and sending run on the thread of the
// context given to start_receive(); send_*() may be called from any thread (GSocket sends are thread-safe).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "gst_ptr.hpp"

namespace rtsp2 {

enum class MediaChannel { Rtp, Rtcp };

struct PortPairRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
};
// rtspsrc's port-range syntax "3000-3005"; nullopt for anything else (empty, reversed, > 65535, junk).
std::optional<PortPairRange> parse_port_range(std::string_view text);

struct UdpBindOptions {
  bool ipv6 = false;                        // family of the server address
  std::optional<PortPairRange> port_range;  // nullopt: ephemeral ports
  std::uint16_t range_start =
      0;             // where in port_range to start (after the pairs other streams took); 0: first
  int retries = 20;  // pairs tried after the first before giving up, in port_range too (rtspsrc's "retry")
  int receive_buffer_size = 512 * 1024;  // SO_RCVBUF (rtspsrc's udp-buffer-size default); 0 = leave it
};

struct UdpStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t truncated = 0;  // datagrams larger than the buffers (dropped; the buffers grow after one)
  std::uint64_t errors = 0;
  std::uint64_t kernel_drops = 0;         // datagrams the kernel dropped for a full receive buffer
  std::chrono::microseconds interval{0};  // the read interval in force (moderation adapts it)
  std::uint64_t holds = 0;                // times a read was put off for the output backlog
  int batch = 0;                          // datagrams per read now (buffers kept ready)
};

struct ReceiveOptions {
  // 0: every datagram is read as soon as it arrives. Otherwise the longest time the RTP socket rests after
  // a read that found packets (RTCP sockets are always read at once).
  std::chrono::microseconds read_interval{0};
  // How many of the RTP socket's buffers wait to be pushed by another thread (empty, or 0: the reader pushes
  // them itself). Called on the receiving thread, once per batch read.
  std::function<std::size_t()> rtp_backlog;
  // The longest the holds in a row last before the socket is read anyway: what waits in the kernel is what
  // the element does not see (its no-data timeout, its stats), and a low-rate stream may take seconds to
  // fill a quarter of the buffer.
  std::chrono::microseconds max_hold{500'000};
};

class UdpPair {
 public:
  // ages_ns[i]: how long before the read the list's i-th packet arrived (its kernel receive timestamp), so
  // that the consumer's arrival stamp stays exact when packets waited in the socket; 0 when unknown.
  using PacketsCallback =
      std::function<void(MediaChannel, BufferListPtr, std::span<const std::int64_t> ages_ns)>;

  static std::unique_ptr<UdpPair> bind_unicast(const UdpBindOptions& options, std::string* error);
  static std::unique_ptr<UdpPair> bind_multicast(std::string_view group, std::uint16_t rtp_port,
                                                 std::uint16_t rtcp_port, std::string_view iface,
                                                 int receive_buffer_size, std::string* error);
  ~UdpPair();
  UdpPair(const UdpPair&) = delete;
  UdpPair& operator=(const UdpPair&) = delete;

  std::uint16_t rtp_port() const { return rtp_port_; }
  std::uint16_t rtcp_port() const { return rtcp_port_; }
  GSocket* socket(MediaChannel c) const { return c == MediaChannel::Rtp ? rtp_.get() : rtcp_.get(); }

  void set_peer(GInetAddress* address, std::uint16_t rtp_port, std::uint16_t rtcp_port);
  bool has_peer() const { return peer_rtp_ != nullptr; }
  // Sends one datagram to the peer's port of that channel; false when there is no peer or sending failed.
  bool send(MediaChannel channel, GstBuffer* buffer);
  // rtspsrc's nat-method=dummy: two RTP header-only packets to the server's RTP port and an empty RTCP RR to
  // its RTCP port, so that a NAT on the way opens the return path before the server starts sending.
  void send_nat_dummies();

  // Starts reading both sockets on `context`. Buffers carry no timestamps: the consumer stamps them (with
  // the ages it gets).
  void start_receive(GMainContext* context, PacketsCallback on_packets, ReceiveOptions options = {});
  void stop_receive();
  UdpStats stats(MediaChannel c) const;

 private:
  UdpPair() = default;
  struct Receiver;

  GObjectPtr<GSocket> rtp_;
  GObjectPtr<GSocket> rtcp_;
  std::uint16_t rtp_port_ = 0;
  std::uint16_t rtcp_port_ = 0;
  GObjectPtr<GSocketAddress> peer_rtp_;
  GObjectPtr<GSocketAddress> peer_rtcp_;
  std::unique_ptr<Receiver> rtp_receiver_;
  std::unique_ptr<Receiver> rtcp_receiver_;
};

}  // namespace rtsp2
