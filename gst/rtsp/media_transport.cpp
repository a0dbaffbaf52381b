#include "media_transport.hpp"

#include "worker.hpp"

#include <linux/sock_diag.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace rtsp2 {

GST_DEBUG_CATEGORY_STATIC(media_debug);
#define GST_CAT_DEFAULT media_debug

namespace {

void init_debug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(media_debug, "rtsp2media", 0, "rtsp2 UDP media sockets");
    g_once_init_leave(&once, 1);
  }
}

// Packets read per g_socket_receive_messages call at most, and calls per wake-up before yielding to the
// context. A socket starts with kInitialBatch buffers ready and doubles them when a read fills them all.
constexpr int kBatch = 32;
constexpr int kInitialBatch = 4;
// RTCP comes a few packets a second: fewer buffers kept ready (each socket keeps its batch mapped).
constexpr int kRtcpBatch = 4;
constexpr int kRoundsPerWake = 8;
// Pool buffers hold an Ethernet MTU's datagram (IPv4: at most 1472 bytes of payload). A larger one spills
// into its own slice of an overflow area (a second iovec, as udpsrc reads) and is copied out into a buffer
// of its own; the pool then grows for the next ones. The area is mapped, not touched: it takes memory only
// once a datagram spilled into it. Larger than both: truncated by the kernel, dropped and counted.
constexpr gsize kInitialPacketSize = 1500;
constexpr gsize kOverflowSlice = 8192;
constexpr gsize kMaxPacketSize = 65536;
// The shortest rest taken (shorter ones: read as it arrives). Rests end on a timerfd, to the microsecond: a
// fast stream's bursts (a raw video frame sent as one list, hundreds of datagrams in a few ms) fill the
// receive buffer within a millisecond, yet a tenth of one already gathers dozens of datagrams per wake-up
// where reading as they arrive takes one or two. Without a timerfd a rest ends on the context's poll
// timeout, which counts whole milliseconds.
constexpr std::chrono::microseconds kMinRest{100};
constexpr std::chrono::microseconds kMinPollRest{1000};
// Reads without a burst or a drop after which a lowered rest cap doubles (see adapt()).
constexpr int kQuietRests = 20;
// The output backlog (buffers waiting for another thread to push them) at which reads are held, and the
// first look after a hold (it doubles up to the rest in force). Two full reads: a camera's rest gathers a
// frame or a few (tens of datagrams), which then go out without a hold (one costs a wake-up more); a key
// frame's or a server's catch-up burst may be held.
constexpr std::size_t kHoldBacklog = 2 * kBatch;
constexpr std::chrono::microseconds kFirstHold{1000};
// Older timestamps mean the wall clock stepped between arrival and read: the age is not trusted then.
constexpr std::int64_t kMaxAgeNs = 5'000'000'000;

bool parse_u16(std::string_view s, std::uint16_t* out) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return false;
  *out = std::uint16_t(v);
  return true;
}

GObjectPtr<GSocket> new_udp_socket(GSocketFamily family, std::string* error) {
  ErrorOut err;
  GSocket* s = g_socket_new(family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, err.out());
  if (s == nullptr) {
    if (error) *error = err.message();
    return {};
  }
  g_socket_set_blocking(s, FALSE);
  return GObjectPtr<GSocket>(s);
}

bool bind_port(GSocket* socket, GInetAddress* address, std::uint16_t port, bool reuse, std::string* error) {
  GObjectPtr<GSocketAddress> sa(g_inet_socket_address_new(address, port));
  ErrorOut err;
  if (!g_socket_bind(socket, sa.get(), reuse ? TRUE : FALSE, err.out())) {
    if (error) *error = err.message();
    return false;
  }
  return true;
}

std::uint16_t local_port(GSocket* socket) {
  GObjectPtr<GSocketAddress> sa(g_socket_get_local_address(socket, nullptr));
  if (!sa || !G_IS_INET_SOCKET_ADDRESS(sa.get())) return 0;
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(sa.get()));
}

}  // namespace

std::optional<PortPairRange> parse_port_range(std::string_view text) {
  auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  PortPairRange r;
  if (!parse_u16(text.substr(0, dash), &r.first) || !parse_u16(text.substr(dash + 1), &r.last))
    return std::nullopt;
  if (r.first == 0 || r.last < r.first) return std::nullopt;
  return r;
}

// Reads one socket in batches into pooled buffers, with the kernel's receive timestamp of each datagram.
struct UdpPair::Receiver {
  GSocket* socket = nullptr;
  int fd = -1;
  MediaChannel channel = MediaChannel::Rtp;
  int batch = kInitialBatch;  // datagrams per recvmmsg, and buffers kept ready for it
  int max_batch = kBatch;     // what batch may double to
  PacketsCallback on_packets;
  std::function<std::size_t()> backlog;    // ReceiveOptions::rtp_backlog
  std::chrono::microseconds hold_step{0};  // the hold in force; 0: not holding
  std::chrono::microseconds max_hold{0};   // ReceiveOptions::max_hold
  gint64 hold_since = 0;                   // when the holds in a row began (monotonic µs); 0: none
  AttachedSourcePtr source;
  gpointer fd_tag = nullptr;
  bool fd_polled = true;
  int timer_fd = -1;  // ends the rests (with moderation); -1: the source's deadline does, to the ms
  bool timer_armed = false;
  std::chrono::microseconds max_interval{0};
  std::chrono::microseconds interval{0};
  std::chrono::microseconds cap{0};  // what the rests may grow to (lowered after bursts and drops)
  int quiet_rests = 0;               // since the cap was last lowered or raised, see adapt()
  std::uint64_t quiet_most = 0;      // the most one of them gathered
  std::uint32_t drop_counter = 0;    // the kernel's SO_RXQ_OVFL count last seen
  std::uint64_t pending_bytes = 0;   // read since the last rest began (a rest may take several wake-ups)
  std::uint64_t pending_drops = 0;   // the kernel's drops seen meanwhile
  gint64 since = 0;                  // when it began (monotonic µs)
  std::size_t receive_buffer = 0;    // SO_RCVBUF as the kernel granted it (it counts its own overhead too)
  GstObjectPtr<GstBufferPool> pool;
  gsize packet_size = kInitialPacketSize;
  std::uint8_t* overflow = nullptr;  // max_batch slices of kOverflowSlice (mmap), or null
  // Acquired from the pool and mapped for writing, not yet filled. They stay mapped from one read to the
  // next: a read fills only a few of them, and mapping all of them each time cost more than the read.
  struct Spare {
    BufferPtr buffer;
    GstMapInfo map{};
  };
  std::vector<Spare> spare;
  UdpStats stats;

  ~Receiver() {
    source.reset();
    if (timer_fd >= 0) close(timer_fd);
    if (overflow != nullptr) munmap(overflow, overflow_size());
    release_spare();
    if (pool) gst_buffer_pool_set_active(pool.get(), FALSE);
  }

  std::size_t overflow_size() const { return std::size_t(max_batch) * kOverflowSlice; }

  void release_spare() {
    for (auto& s : spare) gst_buffer_unmap(s.buffer.get(), &s.map);
    spare.clear();
  }

  void make_pool() {
    release_spare();
    if (pool) gst_buffer_pool_set_active(pool.get(), FALSE);
    pool.reset(gst_buffer_pool_new());
    GstStructure* config = gst_buffer_pool_get_config(pool.get());
    gst_buffer_pool_config_set_params(config, nullptr, guint(packet_size), guint(batch), 0);
    gst_buffer_pool_set_config(pool.get(), config);
    gst_buffer_pool_set_active(pool.get(), TRUE);
  }

  bool refill() {
    while (spare.size() < std::size_t(batch)) {
      GstBuffer* b = nullptr;
      if (gst_buffer_pool_acquire_buffer(pool.get(), &b, nullptr) != GST_FLOW_OK || b == nullptr)
        return false;
      Spare s{BufferPtr(b), {}};
      if (!gst_buffer_map(b, &s.map, GST_MAP_WRITE)) return false;
      spare.push_back(std::move(s));
    }
    return true;
  }

  void start(GMainContext* context) {
    fd = g_socket_get_fd(socket);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    // The kernel's count of datagrams dropped for a full receive buffer, with each datagram read.
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
    int granted = 0;
    socklen_t len = sizeof granted;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &len) == 0 && granted > 0)
      receive_buffer = std::size_t(granted);
    if (max_interval.count() > 0) timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    cap = max_interval;
    interval = max_interval / 16;  // slow start (the first rest is twice that): see adapt()
    stats.interval = interval;
    stats.batch = batch;
    since = g_get_monotonic_time();
    make_pool();
    void* area = mmap(nullptr, overflow_size(), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    overflow = area == MAP_FAILED ? nullptr : static_cast<std::uint8_t*>(area);
    static GSourceFuncs funcs = [] {
      GSourceFuncs f = kDeadlineSourceFuncs;
      f.dispatch = &Receiver::dispatch;
      return f;
    }();
    GSource* src = new_deadline_source(&funcs);
    g_source_set_callback(src, nullptr, this, nullptr);
    g_source_set_name(src, "rtsp2-udp-receive");
    // GLib blocks a dispatching source by taking its fds out of the poll set and putting them back after, and
    // each of those signals the context's eventfd: two writes and an extra poll per wake-up. The dispatch
    // never iterates the context, so it may be "recursive" and skip that.
    g_source_set_can_recurse(src, TRUE);
    fd_tag = g_source_add_unix_fd(src, fd, G_IO_IN);
    if (timer_fd >= 0) g_source_add_unix_fd(src, timer_fd, G_IO_IN);
    g_source_attach(src, context);
    source.reset(src);
  }

  static gboolean dispatch(GSource* src, GSourceFunc, gpointer data) {
    auto* self = static_cast<Receiver*>(data);
    set_deadline(src, -1);
    self->on_ready();
    return G_SOURCE_CONTINUE;
  }

  // Woken by the socket or by the end of a rest: read what is there, then decide when to look again.
  void on_ready() {
    const Drained d = drain();
    pending_bytes += d.bytes;
    pending_drops += d.kernel_drops;
    stats.kernel_drops += d.kernel_drops;
    if (d.held) {
      hold();
      return;
    }
    hold_step = std::chrono::microseconds(0);
    hold_since = 0;
    if (d.budget_left_packets) {  // more than one wake-up's budget waits: come back after the other sources
      set_deadline(source.get(), 0);
      return;
    }
    const gint64 now = g_get_monotonic_time();
    const bool dropped = pending_drops > 0;
    pending_drops = 0;
    // What a rest gathered (the socket not polled meanwhile), not what came while it was polled (a thread
    // that woke late into a burst): only the former says how long a rest may be.
    const bool rested = !fd_polled;
    const bool rest =
        max_interval.count() > 0 && pending_bytes > 0 && adapt(pending_bytes, now - since, rested, dropped);
    pending_bytes = 0;
    since = now;
    if (rest) {
      poll_fd(false);
      if (timer_fd >= 0) {
        arm_timer(interval);
      } else {
        set_deadline(source.get(), now + interval.count());
      }
    } else {
      if (timer_armed) arm_timer(std::chrono::microseconds(0));
      poll_fd(true);
    }
  }

  // The output backlog is deep and the kernel holds the datagrams meanwhile: look again a little later
  // (the socket is not polled meanwhile; see media_transport.hpp). Each look may double the wait, up to the
  // rest in force: the same time a rest would leave the datagrams in the kernel.
  void hold() {
    ++stats.holds;
    if (hold_since == 0) hold_since = g_get_monotonic_time();
    hold_step = hold_step.count() == 0 ? kFirstHold : std::min(hold_step * 2, std::max(interval, kFirstHold));
    poll_fd(false);
    if (timer_fd >= 0) {
      arm_timer(hold_step);
    } else {
      set_deadline(source.get(), g_get_monotonic_time() + hold_step.count());
    }
  }

  // True while reads are held: two batches or more wait for the output thread, and the kernel queue holds
  // something, but less than a quarter of the receive buffer; not while moderation reads at once for the
  // rate or after drops, and not once the holds in a row lasted max_hold.
  bool should_hold() const {
    if (!backlog || backlog() < kHoldBacklog) return false;
    if (max_interval.count() > 0 && interval.count() == 0) return false;
    if (hold_since != 0 && g_get_monotonic_time() - hold_since >= max_hold.count()) return false;
    std::uint32_t mem[SK_MEMINFO_VARS] = {};
    socklen_t len = sizeof mem;
    if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0) return false;
    const std::size_t queued = mem[SK_MEMINFO_RMEM_ALLOC];
    return queued > 0 && queued * 4 < std::size_t(mem[SK_MEMINFO_RCVBUF]);
  }

  // Starts a rest of `d` on the timerfd; 0 disarms it. Either way an expiry not yet seen is forgotten, so
  // that the fd polls readable only when the rest in force ends.
  void arm_timer(std::chrono::microseconds d) {
    itimerspec t{};
    t.it_value.tv_sec = time_t(d.count() / 1'000'000);
    t.it_value.tv_nsec = long(d.count() % 1'000'000) * 1000;
    timerfd_settime(timer_fd, 0, &t, nullptr);
    timer_armed = d.count() > 0;
  }

  std::chrono::microseconds min_rest() const { return timer_fd >= 0 ? kMinRest : kMinPollRest; }

  void poll_fd(bool on) {
    if (fd_polled == on) return;
    g_source_modify_unix_fd(source.get(), fd_tag, on ? G_IO_IN : GIOCondition(0));
    fd_polled = on;
  }

  // The next rest, from `bytes` read over `elapsed_us`: the rate must not fill more than a quarter of the
  // receive buffer during a rest (counted twice: the kernel's per-packet overhead is about as much again for
  // MTU-sized datagrams). It starts at an eighth of the configured interval and at most doubles per rest, so
  // a fast stream never overflows the buffer while the rate is being learnt. Bursts (a key frame) are what
  // an average rate misses: a rest that ended with half the buffer taken caps all later rests at half its
  // length, and one during which the kernel dropped datagrams at a quarter, for the socket's life. `rested`:
  // the bytes came while the socket rested (not polled); what a polled socket held when it was read came
  // however fast the thread woke, which no rest changes. False: no rest (read at once).
  bool adapt(std::uint64_t bytes, gint64 elapsed_us, bool rested, bool dropped) {
    using std::chrono::microseconds;
    // A rest that ended late (the thread got the CPU only later) also gathered what came after it was due:
    // only the rest's own share counts, at the rate of the whole wait.
    const std::uint64_t gathered = elapsed_us > interval.count() && interval.count() > 0
                                       ? bytes * std::uint64_t(interval.count()) / std::uint64_t(elapsed_us)
                                       : bytes;
    const bool burst = rested && receive_buffer > 0 && gathered * 2 > receive_buffer / 2;
    if (burst) cap = std::min(cap, interval / 2);
    if (dropped) cap = std::min(cap, interval / 4);
    if (cap < min_rest()) cap = microseconds(0);
    // A lowered cap comes back up once kQuietRests reads in a row gathered at most an eighth of the buffer
    // (rests twice as long would still stay below the quarter that lowers it): a one-off burst, such as a
    // server's catch-up at start-up, does not shorten a camera's rests for the socket's life, while a stream
    // whose bursts keep coming (raw video) never gets there.
    if (burst || dropped) {
      quiet_rests = 0;
      quiet_most = 0;
    } else if (cap < max_interval) {
      quiet_most = std::max(quiet_most, gathered);
      if (++quiet_rests >= kQuietRests) {
        if (receive_buffer == 0 || quiet_most * 8 <= receive_buffer)
          cap = std::min(max_interval, std::max(cap * 2, min_rest() * 2));
        quiet_rests = 0;
        quiet_most = 0;
      }
    }
    microseconds next = std::min(cap, std::max<microseconds>(interval * 2, min_rest()));
    if (receive_buffer > 0 && bytes > 0 && elapsed_us > 0) {
      const double limit_us = double(receive_buffer) * double(elapsed_us) / (8.0 * double(bytes));
      if (limit_us < double(next.count())) next = microseconds(std::int64_t(limit_us));
    }
    interval = next < min_rest() ? microseconds(0) : next;
    stats.interval = interval;
    return interval.count() > 0;
  }

  struct Drained {
    std::uint64_t bytes = 0;
    std::uint64_t kernel_drops = 0;  // since the previous read
    bool budget_left_packets = false;
    bool held = false;  // stopped for the output backlog (should_hold())
  };

  Drained drain() {
    Drained d;
    std::size_t need = 0;  // the largest datagram that did not fit a pool buffer
    bool truncated = false;
    for (int round = 0; round < kRoundsPerWake; ++round) {
      if (should_hold()) {
        d.held = true;
        break;
      }
      if (!refill()) break;
      std::array<mmsghdr, kBatch> msgs{};
      std::array<std::array<iovec, 2>, kBatch> vecs{};
      std::array<Control, kBatch> controls;
      const bool spill = overflow != nullptr && packet_size < kMaxPacketSize;
      for (std::size_t i = 0; i < std::size_t(batch); ++i) {
        vecs[i][0] = iovec{spare[i].map.data, spare[i].map.size};
        if (spill) vecs[i][1] = iovec{overflow + i * kOverflowSlice, kOverflowSlice};
        msgs[i].msg_hdr.msg_iov = vecs[i].data();
        msgs[i].msg_hdr.msg_iovlen = spill ? 2 : 1;
        msgs[i].msg_hdr.msg_control = controls[i].bytes;
        msgs[i].msg_hdr.msg_controllen = sizeof controls[i].bytes;
      }
      const int n = recvmmsg(fd, msgs.data(), unsigned(batch), MSG_DONTWAIT, nullptr);
      if (n < 0) {
        const int e = errno;
        if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR) {
          // ICMP errors and the like: one bad datagram must not stop the stream.
          if (stats.errors++ == 0) GST_WARNING("UDP receive error: %s", g_strerror(e));
        }
        break;
      }
      timespec now{};
      clock_gettime(CLOCK_REALTIME, &now);
      std::array<std::int64_t, kBatch> ages{};
      BufferListPtr list(gst_buffer_list_new_sized(guint(n)));
      std::size_t kept = 0, out = 0;
      for (std::size_t i = 0; i < std::size_t(n); ++i) {
        auto& m = msgs[i];
        auto& sp = spare[i];
        const std::size_t len = m.msg_len;
        if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
          if (stats.truncated++ == 0) GST_WARNING("datagram larger than %zu bytes dropped", std::size_t(len));
          need = std::max(need, len + 1);
          truncated = true;
          read_control(m.msg_hdr, now, &d.kernel_drops);
          spare[kept++] = std::move(sp);  // still mapped: reused as it is
          continue;
        }
        GstBuffer* b = nullptr;
        if (len > packet_size) {  // spilled: copied out, the spare buffer stays mapped for the next read
          need = std::max(need, len);
          b = gst_buffer_new_allocate(nullptr, len, nullptr);
          gst_buffer_fill(b, 0, sp.map.data, sp.map.size);
          gst_buffer_fill(b, sp.map.size, overflow + i * kOverflowSlice, len - sp.map.size);
          spare[kept++] = std::move(sp);
        } else {
          gst_buffer_unmap(sp.buffer.get(), &sp.map);
          gst_buffer_set_size(sp.buffer.get(), gssize(len));
          b = sp.buffer.release();
        }
        stats.bytes += len;
        d.bytes += len;
        ++stats.packets;
        ages[out++] = read_control(m.msg_hdr, now, &d.kernel_drops);
        gst_buffer_list_add(list.get(), b);
      }
      for (std::size_t i = std::size_t(n); i < spare.size(); ++i) spare[kept++] = std::move(spare[i]);
      spare.resize(kept);
      if (out > 0 && on_packets)
        on_packets(channel, std::move(list), std::span<const std::int64_t>(ages.data(), out));
      if (n < batch) break;
      if (batch < max_batch) {  // a full read: more buffers ready for the next one
        batch = std::min(max_batch, batch * 2);
        stats.batch = batch;
      }
      if (round + 1 == kRoundsPerWake) d.budget_left_packets = true;
    }
    if (need > packet_size && packet_size < kMaxPacketSize) {
      if (truncated) {  // its size is unknown: a big step, so that few are lost
        while (packet_size < need && packet_size < kMaxPacketSize)
          packet_size = std::min(kMaxPacketSize, packet_size * 4);
      } else {  // it came whole: buffers just large enough (a KiB multiple)
        packet_size = std::min(kMaxPacketSize, (need + 1023) / 1024 * 1024);
      }
      make_pool();
    }
    return d;
  }

  struct Control {
    alignas(cmsghdr) char bytes[CMSG_SPACE(sizeof(timespec)) + CMSG_SPACE(sizeof(std::uint32_t))];
  };

  // Returns how long the datagram waited in the socket (0 without a timestamp, or when the wall clock
  // stepped) and adds the datagrams the kernel dropped since the last one read to *drops.
  std::int64_t read_control(const msghdr& h, const timespec& now, std::uint64_t* drops) {
    std::int64_t age = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        const std::int64_t a =
            (std::int64_t(now.tv_sec) - ts.tv_sec) * 1'000'000'000 + (now.tv_nsec - ts.tv_nsec);
        age = a >= 0 && a < kMaxAgeNs ? a : 0;
      } else if (c->cmsg_type == SO_RXQ_OVFL) {
        std::uint32_t count = 0;
        std::memcpy(&count, CMSG_DATA(c), sizeof count);
        *drops += std::uint32_t(count - drop_counter);  // the kernel's counter wraps at 2^32
        drop_counter = count;
      }
    }
    return age;
  }
};

std::unique_ptr<UdpPair> UdpPair::bind_unicast(const UdpBindOptions& options, std::string* error) {
  init_debug();
  const GSocketFamily family = options.ipv6 ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;
  GObjectPtr<GInetAddress> any(g_inet_address_new_any(family));
  std::string last_error = "no port pair available";

  auto try_pair = [&](std::uint16_t rtp_port) -> std::unique_ptr<UdpPair> {
    auto rtp = new_udp_socket(family, &last_error);
    auto rtcp = new_udp_socket(family, &last_error);
    if (!rtp || !rtcp) return nullptr;
    if (!bind_port(rtp.get(), any.get(), rtp_port, false, &last_error)) return nullptr;
    const std::uint16_t bound = local_port(rtp.get());
    if (bound % 2 != 0 || bound == 65535) return nullptr;
    if (!bind_port(rtcp.get(), any.get(), std::uint16_t(bound + 1), false, &last_error)) return nullptr;
    std::unique_ptr<UdpPair> pair(new UdpPair());
    pair->rtp_ = std::move(rtp);
    pair->rtcp_ = std::move(rtcp);
    pair->rtp_port_ = bound;
    pair->rtcp_port_ = std::uint16_t(bound + 1);
    return pair;
  };

  std::unique_ptr<UdpPair> pair;
  if (options.port_range) {
    unsigned p = std::max<unsigned>(options.port_range->first, options.range_start);
    p += p % 2;
    for (int i = 0; !pair && i <= options.retries && p + 1 <= options.port_range->last; ++i, p += 2) {
      pair = try_pair(std::uint16_t(p));
    }
  } else {
    for (int i = 0; !pair && i <= options.retries; ++i) {
      // Ask for any port; an odd one is tried again as the even port after it.
      auto probe = new_udp_socket(family, &last_error);
      if (!probe || !bind_port(probe.get(), any.get(), 0, false, &last_error)) break;
      std::uint16_t port = local_port(probe.get());
      if (port % 2 == 0) {
        probe.reset();  // release it for try_pair; a race with another binder just costs one retry
        pair = try_pair(port);
      } else if (port < 65534) {
        pair = try_pair(std::uint16_t(port + 1));
      }
    }
  }
  if (!pair) {
    if (error) *error = last_error;
    return nullptr;
  }
  if (options.receive_buffer_size > 0) {
    for (GSocket* s : {pair->rtp_.get(), pair->rtcp_.get()}) {
      g_socket_set_option(s, SOL_SOCKET, SO_RCVBUF, options.receive_buffer_size, nullptr);
    }
  }
  GST_DEBUG("bound UDP pair %u-%u", pair->rtp_port_, pair->rtcp_port_);
  return pair;
}

std::unique_ptr<UdpPair> UdpPair::bind_multicast(std::string_view group, std::uint16_t rtp_port,
                                                 std::uint16_t rtcp_port, std::string_view iface,
                                                 int receive_buffer_size, std::string* error) {
  init_debug();
  GObjectPtr<GInetAddress> address(g_inet_address_new_from_string(std::string(group).c_str()));
  if (!address || !g_inet_address_get_is_multicast(address.get())) {
    if (error) *error = "not a multicast address: " + std::string(group);
    return nullptr;
  }
  const GSocketFamily family = g_inet_address_get_family(address.get());
  std::unique_ptr<UdpPair> pair(new UdpPair());
  const std::string iface_name(iface);
  for (auto [slot, port] : {std::pair{&pair->rtp_, rtp_port}, std::pair{&pair->rtcp_, rtcp_port}}) {
    auto s = new_udp_socket(family, error);
    if (!s) return nullptr;
    if (receive_buffer_size > 0)
      g_socket_set_option(s.get(), SOL_SOCKET, SO_RCVBUF, receive_buffer_size, nullptr);
    // Bound to the group address so that only that group's datagrams arrive; other receivers may share it.
    if (!bind_port(s.get(), address.get(), port, true, error)) return nullptr;
    ErrorOut err;
    if (!g_socket_join_multicast_group(s.get(), address.get(), FALSE,
                                       iface_name.empty() ? nullptr : iface_name.c_str(), err.out())) {
      if (error) *error = err.message();
      return nullptr;
    }
    *slot = std::move(s);
  }
  pair->rtp_port_ = rtp_port;
  pair->rtcp_port_ = rtcp_port;
  return pair;
}

UdpPair::~UdpPair() {
  stop_receive();
  for (GSocket* s : {rtp_.get(), rtcp_.get()}) {
    if (s != nullptr) g_socket_close(s, nullptr);
  }
}

void UdpPair::set_peer(GInetAddress* address, std::uint16_t rtp_port, std::uint16_t rtcp_port) {
  peer_rtp_.reset(g_inet_socket_address_new(address, rtp_port));
  peer_rtcp_.reset(g_inet_socket_address_new(address, rtcp_port));
}

bool UdpPair::send(MediaChannel channel, GstBuffer* buffer) {
  GSocketAddress* to = channel == MediaChannel::Rtp ? peer_rtp_.get() : peer_rtcp_.get();
  GSocket* s = socket(channel);
  if (to == nullptr || s == nullptr) return false;
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return false;
  gssize n = g_socket_send_to(s, to, reinterpret_cast<const gchar*>(map.data), map.size, nullptr, nullptr);
  gst_buffer_unmap(buffer, &map);
  return n == gssize(map.size);
}

void UdpPair::send_nat_dummies() {
  if (!has_peer()) return;
  // Version 2, no payload: servers drop it, NATs learn the mapping.
  static const std::uint8_t rtp_dummy[12] = {0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // An RTCP receiver report with no report blocks (V=2, PT=201, length 1 word, SSRC 0).
  static const std::uint8_t rtcp_dummy[8] = {0x80, 201, 0, 1, 0, 0, 0, 0};
  for (int i = 0; i < 2; ++i) {
    g_socket_send_to(rtp_.get(), peer_rtp_.get(), reinterpret_cast<const gchar*>(rtp_dummy), sizeof rtp_dummy,
                     nullptr, nullptr);
  }
  g_socket_send_to(rtcp_.get(), peer_rtcp_.get(), reinterpret_cast<const gchar*>(rtcp_dummy),
                   sizeof rtcp_dummy, nullptr, nullptr);
}

void UdpPair::start_receive(GMainContext* context, PacketsCallback on_packets, ReceiveOptions options) {
  stop_receive();
  for (auto [slot, channel] :
       {std::pair{&rtp_receiver_, MediaChannel::Rtp}, std::pair{&rtcp_receiver_, MediaChannel::Rtcp}}) {
    auto r = std::make_unique<Receiver>();
    r->socket = socket(channel);
    r->channel = channel;
    r->on_packets = on_packets;
    if (channel == MediaChannel::Rtp) {
      r->max_interval = options.read_interval;
      r->backlog = options.rtp_backlog;
      r->max_hold = options.max_hold;
    } else {
      r->batch = r->max_batch = kRtcpBatch;
    }
    r->start(context);
    *slot = std::move(r);
  }
}

void UdpPair::stop_receive() {
  rtp_receiver_.reset();
  rtcp_receiver_.reset();
}

UdpStats UdpPair::stats(MediaChannel c) const {
  const auto& r = c == MediaChannel::Rtp ? rtp_receiver_ : rtcp_receiver_;
  return r ? r->stats : UdpStats{};
}

}  // namespace rtsp2
