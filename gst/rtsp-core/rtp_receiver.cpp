#include "rtp_receiver.hpp"

#include <gst/gst.h>

#include <algorithm>
#include <array>
#include <deque>
#include <random>

#include "rtp_clock.hpp"
#include "rtp_packet.hpp"
#include "rtp_ring.hpp"
#include "rtp_seq.hpp"

GST_DEBUG_CATEGORY_STATIC(rtpreceiver_debug);
#define GST_CAT_DEFAULT rtpreceiver_debug

namespace rtsp2::core {

namespace {

using Nanos = std::chrono::nanoseconds;

// Output ext_seq of the first source starts one cycle up, so that a reordered packet from just before the
// first one still has a positive number (it is dropped as late, but is compared first).
constexpr std::int64_t kFirstCycle = std::int64_t{1} << 16;
// Sequence numbers remembered as output (to tell a duplicate from a late packet below the window).
constexpr std::size_t kHistoryBits = 1024;
// RTCP size averaging (RFC 3550 §6.3.3): UDP + IPv4 headers are part of the size.
constexpr double kRtcpOverhead = 28;

struct Held {
  PacketHandle handle = nullptr;
  std::int64_t ext_seq = 0;
  std::int64_t ext_ts = 0;
  Instant arrival{};
  Instant pts{};
  std::uint32_t ssrc = 0;
  std::uint32_t timestamp = 0;
  std::uint16_t seq = 0;
  std::uint8_t payload_type = 0;
  bool marker = false;
};

struct Arrival {
  Instant at{};
  std::int64_t ext_seq = 0;
};

// A source on probation (RFC 3550 A.1): its packets wait here until `probation` of them are sequential. At
// most kMaxProbationHeld are kept (the oldest go first, as rtpsource's queue): a large probation costs no
// memory.
constexpr unsigned kMaxProbationHeld = 32;
struct Candidate {
  bool active = false;
  std::uint32_t ssrc = 0;
  std::uint16_t last_seq = 0;
  unsigned run = 0;  // sequential packets so far
  std::vector<Held> packets;
};

struct Source {
  bool valid = false;
  std::uint32_t ssrc = 0;
  SeqTracker seq;
  JitterEstimator jitter;
  std::int64_t ext_max = 0;     // output ext_seq of the highest packet; low 16 bits == seq.max_seq()
  std::int64_t ext_ts_ref = 0;  // extended timestamp of that packet
  Instant first_arrival{};      // origin of the jitter's arrival clock
  std::optional<Held> jump;     // a big-jump packet waiting for a restart confirmation
};

// Arrival time in RTP units since `origin`, without overflowing for long runs.
std::uint64_t arrival_units(Nanos since, std::uint32_t rate) {
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(since.count(), 0));
  return (ns / 1'000'000'000u) * rate + (ns % 1'000'000'000u) * rate / 1'000'000'000u;
}

}  // namespace

struct RtpReceiver::Impl {
  explicit Impl(RtpReceiverConfig c, Instant now)
      : config(std::move(c)), clock(config.clock_rate, config.resync_threshold), now_(now) {
    static const bool category = [] {
      GST_DEBUG_CATEGORY_INIT(rtpreceiver_debug, "rtspcore-rtp", 0, "rtsp2 RTP receiver (window, RTCP)");
      return true;
    }();
    (void)category;
    config.max_held_packets = std::max<std::size_t>(config.max_held_packets, 1);
    if (!config.random) {
      std::random_device rd;
      config.random = [rng = std::mt19937(rd())]() mutable {
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
      };
    }
    local_ssrc = config.local_ssrc
                     ? *config.local_ssrc
                     : static_cast<std::uint32_t>(std::min(random01() * 4294967296.0, 4294967295.0));
    if (config.cname.empty()) {
      char buf[32];
      g_snprintf(buf, sizeof buf, "rtsp2-%08x", local_ssrc);
      config.cname = buf;
    }
    candidate.packets.reserve(std::min(std::max(config.probation, 1u), kMaxProbationHeld));
    avg_rtcp_size = 100;  // about our own RR + SDES, as RFC 3550 §6.3.2 starts
    next_rtcp = now + next_interval(true);
  }

  ~Impl() {
    drop_all_held();
    while (!out.empty()) {
      RtpOutput o = out.pop_front();
      if (auto* p = std::get_if<rtp_out::Packet>(&o)) drop(p->handle);
    }
  }

  double random01() {
    const double r = config.random();
    return std::clamp(r, 0.0, 1.0);
  }

  Nanos next_interval(bool initial) {
    RtcpIntervalInput in;
    in.members = source.valid ? 2 : 1;
    in.senders = source.valid ? 1 : 0;
    in.rtcp_bandwidth = config.rtcp_bandwidth;
    in.avg_rtcp_size = avg_rtcp_size;
    in.initial = initial;
    in.min_interval = config.rtcp_min_interval;
    return randomize_interval(rtcp_deterministic_interval(in), random01());
  }

  Instant advance(Instant t) {
    if (t > now_) now_ = t;
    return now_;
  }

  void drop(PacketHandle h) {
    if (h && config.release) config.release(h);
  }

  Nanos to_pts(Instant t) const { return std::chrono::duration_cast<Nanos>(t - config.time_base); }

  // --- output ---------------------------------------------------------------------------------------------

  void set_history(std::int64_t ext, bool output) {
    const auto i = static_cast<std::uint64_t>(ext) % kHistoryBits;
    if (output)
      history[i / 64] |= std::uint64_t{1} << (i % 64);
    else
      history[i / 64] &= ~(std::uint64_t{1} << (i % 64));
  }
  bool was_output(std::int64_t ext) const {
    if (ext < next_ext - static_cast<std::int64_t>(kHistoryBits)) return false;
    const auto i = static_cast<std::uint64_t>(ext) % kHistoryBits;
    return (history[i / 64] >> (i % 64)) & 1;
  }

  // Announces [first, first + count) as lost; `ref_ext`/`ref_pts` is a known packet at or after the gap.
  void emit_lost(std::int64_t first, std::int64_t count, std::int64_t ref_ext, Instant ref_pts) {
    rtp_out::Lost l;
    l.first_ext_seq = static_cast<std::uint64_t>(first);
    l.first_seq = static_cast<std::uint16_t>(first);
    l.count = static_cast<std::uint32_t>(std::min<std::int64_t>(count, UINT32_MAX));
    if (have_last_out && ref_ext > last_out_ext && ref_pts >= last_out_pts) {
      // Spread the time between the last output packet and the reference evenly over the numbers between.
      const Nanos spacing = (ref_pts - last_out_pts) / (ref_ext - last_out_ext);
      l.pts = to_pts(last_out_pts) + spacing * (first - last_out_ext);
      l.duration = spacing * count;
    } else {
      l.pts = to_pts(have_last_out ? std::max(last_out_pts, ref_pts) : ref_pts);
    }
    for (std::int64_t e = first; e < first + std::min<std::int64_t>(count, kHistoryBits); e++)
      set_history(e, false);
    stats.packets_lost += static_cast<std::uint64_t>(count);
    discont = true;
    out.push_back(l);
  }

  void output(Held&& h) {
    if (h.ext_seq > next_ext) emit_lost(next_ext, h.ext_seq - next_ext, h.ext_seq, h.pts);
    rtp_out::Packet p;
    p.handle = h.handle;
    p.ext_seq = static_cast<std::uint64_t>(h.ext_seq);
    p.ext_timestamp = h.ext_ts;
    p.ssrc = h.ssrc;
    p.timestamp = h.timestamp;
    p.seq = h.seq;
    p.payload_type = h.payload_type;
    p.marker = h.marker;
    p.discont = discont;
    p.pts = to_pts(h.pts);
    p.arrival = h.arrival;
    discont = false;
    next_ext = h.ext_seq + 1;
    set_history(h.ext_seq, true);
    have_last_out = true;
    last_out_ext = h.ext_seq;
    last_out_pts = h.pts;
    stats.packets_output++;
    out.push_back(p);
  }

  void release_in_order() {
    while (!window.empty() && window.front().ext_seq == next_ext) output(window.pop_front());
  }

  // Outputs everything in the window (a new source, a restart, BYE, end of stream).
  void flush_window() {
    while (!window.empty()) output(window.pop_front());
    arrivals.clear();
  }

  // Outputs what the deadline allows at `now`; keeps `arrivals` trimmed so that its front is the deadline.
  void release_due(Instant now) {
    for (;;) {
      while (!arrivals.empty() && arrivals.front().ext_seq < next_ext) arrivals.pop_front();
      if (window.empty()) {
        arrivals.clear();
        break;
      }
      if (now < arrivals.front().at + config.latency) break;
      output(window.pop_front());
      release_in_order();
    }
    // Entries behind the front may be stale (output already); compact them before they pile up.
    if (arrivals.size() > 2 * window.size() + 64)
      arrivals.retain([this](const Arrival& a) { return a.ext_seq >= next_ext; });
  }

  // The window holds max_held_packets: the lowest goes out now, or is dropped with drop_on_latency.
  void make_room() {
    Held f = window.pop_front();
    if (config.drop_on_latency) {
      emit_lost(next_ext, f.ext_seq - next_ext + 1, f.ext_seq, f.pts);
      next_ext = f.ext_seq + 1;
      stats.dropped_on_latency++;
      drop(f.handle);
    } else {
      output(std::move(f));
    }
    release_in_order();
  }

  RtpVerdict insert(Held&& h) {
    if (h.ext_seq < next_ext) {
      const bool dup = was_output(h.ext_seq);
      (dup ? stats.duplicates : stats.late)++;
      GST_LOG("%s packet seq %u (next %u)", dup ? "duplicate" : "late", static_cast<unsigned>(h.seq),
              static_cast<unsigned>(next_ext & 0xffff));
      drop(h.handle);
      return dup ? RtpVerdict::Duplicate : RtpVerdict::Late;
    }
    if (window.size() >= config.max_held_packets) {
      make_room();
      if (h.ext_seq < next_ext) {
        stats.late++;
        drop(h.handle);
        return RtpVerdict::Late;
      }
    }
    std::size_t lo = 0, hi = window.size();
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (window[mid].ext_seq < h.ext_seq)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < window.size() && window[lo].ext_seq == h.ext_seq) {
      stats.duplicates++;
      drop(h.handle);
      return RtpVerdict::Duplicate;
    }
    if (lo < window.size()) stats.packets_reordered++;
    arrivals.push_back({h.arrival, h.ext_seq});
    window.insert(lo, std::move(h));
    release_in_order();
    return RtpVerdict::Accepted;
  }

  // --- sources --------------------------------------------------------------------------------------------

  // Sequence numbers, timestamps, jitter and pts of a packet of the valid source, then the window.
  RtpVerdict process(Held&& h, std::int64_t ext) {
    h.ext_seq = ext;
    h.ext_ts = extend_timestamp(h.timestamp, source.ext_ts_ref);
    if (ext >= source.ext_max) {
      source.ext_max = ext;
      source.ext_ts_ref = h.ext_ts;
    }
    if (config.clock_rate) {
      source.jitter.update(h.timestamp, arrival_units(h.arrival - source.first_arrival, config.clock_rate));
      stats.jitter = source.jitter.jitter();
    }
    h.pts = clock.map(h.ext_ts, h.arrival);
    stats.clock_resyncs = clock.resyncs();
    return insert(std::move(h));
  }

  // The first ext_seq of a new sequence: not below what was output, low 16 bits == seq.
  std::int64_t fresh_ext(std::uint16_t seq) {
    if (!have_next) return kFirstCycle + seq;
    return next_ext + static_cast<std::uint16_t>(seq - static_cast<std::uint16_t>(next_ext));
  }

  // A new sequence starts at ext (after a flush): no Lost for the numbers skipped.
  void restart_numbering(std::int64_t ext) {
    next_ext = ext;
    have_next = true;
    history.fill(0);
    discont = true;
  }

  void validate_candidate() {
    if (source.valid) {
      stats.ssrc_changes++;
      flush_window();
      if (source.jump) drop(source.jump->handle);
      GST_DEBUG("SSRC %08x replaces %08x", candidate.ssrc, source.ssrc);
    }
    std::vector<Held> packets = std::move(candidate.packets);
    candidate.packets.clear();
    candidate.packets.reserve(std::min(std::max(config.probation, 1u), kMaxProbationHeld));
    candidate.active = false;

    const Held& first = packets.front();
    source = Source{};
    source.valid = true;
    source.ssrc = first.ssrc;
    source.first_arrival = first.arrival;
    source.ext_ts_ref = first.timestamp;
    clock.reset();
    const std::int64_t ext0 = fresh_ext(first.seq);
    restart_numbering(ext0);
    source.ext_max = ext0;
    if (last_sr && last_sr->report.ssrc != source.ssrc) last_sr.reset();
    if (cname_ssrc != source.ssrc) cname.clear();

    for (std::size_t i = 0; i < packets.size(); i++) {
      if (i == 0)
        source.seq.init(packets[i].seq);
      else
        source.seq.update(packets[i].seq);
      process(std::move(packets[i]), ext0 + static_cast<std::int64_t>(i));
    }
    // A sender report that came while the source was on probation can be placed now.
    if (last_sr && !last_sr->pts) {
      last_sr->pts = sr_pts(last_sr->report.rtp_timestamp);
      out.push_back(rtp_out::Sync{*last_sr});
    }
  }

  RtpVerdict on_candidate_packet(Held&& h) {
    if (!candidate.active || candidate.ssrc != h.ssrc ||
        h.seq != static_cast<std::uint16_t>(candidate.last_seq + 1)) {
      stats.probation_dropped += candidate.packets.size();
      for (Held& p : candidate.packets) drop(p.handle);
      candidate.packets.clear();
      candidate.active = true;
      candidate.ssrc = h.ssrc;
      candidate.run = 0;
    }
    candidate.last_seq = h.seq;
    candidate.run++;
    if (candidate.packets.size() == kMaxProbationHeld) {
      stats.probation_dropped++;
      drop(candidate.packets.front().handle);
      candidate.packets.erase(candidate.packets.begin());
    }
    candidate.packets.push_back(std::move(h));
    if (candidate.run < std::max(config.probation, 1u)) return RtpVerdict::Probation;
    validate_candidate();
    return RtpVerdict::Accepted;
  }

  RtpVerdict on_source_packet(Held&& h) {
    switch (source.seq.update(h.seq)) {
      case SeqTracker::Result::BigJump:
        if (source.jump) {
          stats.jump_dropped++;
          drop(source.jump->handle);
        }
        source.jump = std::move(h);
        return RtpVerdict::BigJump;
      case SeqTracker::Result::Restart: {
        stats.seq_restarts++;
        GST_DEBUG("SSRC %08x restarted its sequence at %u", source.ssrc, static_cast<unsigned>(h.seq));
        flush_window();
        std::optional<Held> first = std::move(source.jump);
        source.jump.reset();
        if (first && first->seq != static_cast<std::uint16_t>(h.seq - 1)) {
          stats.jump_dropped++;
          drop(first->handle);
          first.reset();
        }
        const std::int64_t ext0 = fresh_ext(first ? first->seq : h.seq);
        restart_numbering(ext0);
        source.ext_max = ext0;
        if (first) {
          process(std::move(*first), ext0);
          return process(std::move(h), ext0 + 1);
        }
        return process(std::move(h), ext0);
      }
      case SeqTracker::Result::Valid:
        break;
    }
    const auto delta = static_cast<std::int16_t>(h.seq - static_cast<std::uint16_t>(source.ext_max));
    return process(std::move(h), source.ext_max + delta);
  }

  void drop_all_held() {
    while (!window.empty()) drop(window.pop_front().handle);
    arrivals.clear();
    for (Held& p : candidate.packets) drop(p.handle);
    candidate.packets.clear();
    candidate.active = false;
    if (source.jump) drop(source.jump->handle);
    source.jump.reset();
  }

  // --- RTCP -----------------------------------------------------------------------------------------------

  std::optional<Nanos> sr_pts(std::uint32_t rtp_timestamp) const {
    if (!source.valid || !clock.anchored()) return std::nullopt;
    return to_pts(clock.instant_of(extend_timestamp(rtp_timestamp, source.ext_ts_ref)));
  }

  void apply(const RtcpCompound& c, Instant now) {
    for (const SenderReport& sr : c.sender_reports) {
      if (source.valid && sr.ssrc != source.ssrc) {
        stats.rtcp_ignored++;
        continue;
      }
      last_sr = ReceivedSenderReport{sr, now, sr_pts(sr.rtp_timestamp)};
      if (last_sr->pts) out.push_back(rtp_out::Sync{*last_sr});
    }
    for (const SdesCname& s : c.cnames) {
      if (source.valid && s.ssrc != source.ssrc) {
        stats.rtcp_ignored++;
        continue;
      }
      cname = s.cname;
      cname_ssrc = s.ssrc;
    }
    for (std::uint32_t ssrc : c.bye_ssrcs) {
      if (!source.valid || ssrc != source.ssrc) {
        // Only the source we play can end it: a BYE naming anything else (spoofed or stray) is ignored.
        stats.rtcp_ignored++;
        continue;
      }
      GST_DEBUG("BYE from SSRC %08x", ssrc);
      flush_window();
      if (source.jump) drop(source.jump->handle);
      source.jump.reset();
      source.valid = false;
      ended_ssrc = ssrc;
      out.push_back(rtp_out::Ended{ssrc});
    }
  }

  void queue_rtcp(bool bye, Instant now) {
    std::optional<ReportBlock> block;
    if (source.valid && source.seq.received_since_report()) {
      ReportBlock b;
      b.ssrc = source.ssrc;
      b.values = source.seq.report();
      b.jitter = source.jitter.jitter();
      if (last_sr && last_sr->report.ssrc == source.ssrc) {
        b.lsr = ntp_middle32(last_sr->report.ntp);
        b.dlsr = to_dlsr(now - last_sr->arrival);
      }
      block = b;
    }
    std::vector<std::uint8_t> bytes =
        build_receiver_report(local_ssrc, block, config.cname, bye, config.sdes_items);
    avg_rtcp_size += (static_cast<double>(bytes.size()) + kRtcpOverhead - avg_rtcp_size) / 16;
    stats.rtcp_sent++;
    rtcp_out.push_back(std::move(bytes));
  }

  // Everything time-driven, at the end of every input.
  void service(Instant now) {
    release_due(now);
    if (config.send_rtcp && !bye_sent && now >= next_rtcp) {
      queue_rtcp(false, now);
      next_rtcp = now + next_interval(false);
    }
  }

  RtpReceiverConfig config;
  RtpClockMapper clock;
  Instant now_;
  Instant last_arrival{};  // of the last RTP packet
  RtpReceiverStats stats;
  std::uint32_t local_ssrc = 0;

  Source source;
  Candidate candidate;
  std::optional<std::uint32_t> ended_ssrc;
  std::string cname;
  std::uint32_t cname_ssrc = 0;
  std::optional<ReceivedSenderReport> last_sr;

  Ring<Held> window;       // sorted by ext_seq, all above next_ext
  Ring<Arrival> arrivals;  // window entries in arrival order (lazily trimmed)
  std::int64_t next_ext = 0;
  bool have_next = false;
  bool discont = true;
  std::array<std::uint64_t, kHistoryBits / 64> history{};
  bool have_last_out = false;
  std::int64_t last_out_ext = 0;
  Instant last_out_pts{};

  Ring<RtpOutput> out;
  std::deque<std::vector<std::uint8_t>> rtcp_out;
  Instant next_rtcp{};
  double avg_rtcp_size = 0;
  bool bye_sent = false;
};

RtpReceiver::RtpReceiver(RtpReceiverConfig config, Instant now)
    : impl_(std::make_unique<Impl>(std::move(config), now)) {}

RtpReceiver::~RtpReceiver() = default;

RtpVerdict RtpReceiver::handle_rtp(std::span<const std::uint8_t> packet, Instant arrival,
                                   PacketHandle handle) {
  Impl& s = *impl_;
  const Instant now = s.advance(arrival);
  RtpParseResult parsed = parse_rtp_header(packet);
  if (!parsed.header) {
    s.stats.invalid_rtp++;
    GST_DEBUG("dropping RTP packet of %zu bytes: %s", packet.size(), to_string(parsed.error).data());
    s.drop(handle);
    s.service(now);
    return RtpVerdict::Invalid;
  }
  const RtpHeader& hdr = *parsed.header;
  s.stats.packets_received++;
  s.stats.bytes_received += packet.size();
  RtpVerdict verdict;
  if (s.ended_ssrc && *s.ended_ssrc == hdr.ssrc) {
    s.stats.after_bye++;
    s.drop(handle);
    verdict = RtpVerdict::Ended;
  } else {
    Held h;
    h.handle = handle;
    // Its own arrival, not the receiver's clock: a packet that waited in a socket while a timer moved the
    // clock on (the element reads in batches) keeps the time it came; never before the previous packet's.
    h.arrival = std::max(arrival, s.last_arrival);
    s.last_arrival = h.arrival;
    h.ssrc = hdr.ssrc;
    h.timestamp = hdr.timestamp;
    h.seq = hdr.seq;
    h.payload_type = hdr.payload_type;
    h.marker = hdr.marker;
    if (s.source.valid && hdr.ssrc == s.source.ssrc)
      verdict = s.on_source_packet(std::move(h));
    else
      verdict = s.on_candidate_packet(std::move(h));
  }
  s.service(now);
  return verdict;
}

bool RtpReceiver::handle_rtcp(std::span<const std::uint8_t> packet, Instant arrival) {
  Impl& s = *impl_;
  const Instant now = s.advance(arrival);
  s.stats.rtcp_received++;
  s.avg_rtcp_size += (static_cast<double>(packet.size()) + kRtcpOverhead - s.avg_rtcp_size) / 16;
  RtcpParseResult parsed = parse_rtcp(packet);
  if (!parsed.compound) {
    s.stats.invalid_rtcp++;
    GST_DEBUG("dropping RTCP packet of %zu bytes: %s", packet.size(), to_string(parsed.error).data());
  } else {
    s.apply(*parsed.compound, now);
  }
  s.service(now);
  return parsed.compound.has_value();
}

void RtpReceiver::handle_timeout(Instant now) {
  impl_->service(impl_->advance(now));
}

void RtpReceiver::drain(Instant now) {
  Impl& s = *impl_;
  s.flush_window();
  s.service(s.advance(now));
}

void RtpReceiver::reset() {
  Impl& s = *impl_;
  s.drop_all_held();
  while (!s.out.empty()) {
    RtpOutput o = s.out.pop_front();
    if (auto* p = std::get_if<rtp_out::Packet>(&o)) s.drop(p->handle);
  }
  s.source = Source{};
  s.clock.reset();
  s.ended_ssrc.reset();
  s.last_sr.reset();
  s.cname.clear();
  s.history.fill(0);
  s.discont = true;
  s.have_last_out = false;
}

void RtpReceiver::send_bye(Instant now) {
  Impl& s = *impl_;
  const Instant t = s.advance(now);
  if (s.bye_sent) return;
  s.queue_rtcp(true, t);
  s.bye_sent = true;
}

std::optional<RtpOutput> RtpReceiver::poll_output() {
  if (impl_->out.empty()) return std::nullopt;
  return impl_->out.pop_front();
}

std::optional<std::vector<std::uint8_t>> RtpReceiver::poll_rtcp() {
  if (impl_->rtcp_out.empty()) return std::nullopt;
  std::vector<std::uint8_t> v = std::move(impl_->rtcp_out.front());
  impl_->rtcp_out.pop_front();
  return v;
}

std::optional<Instant> RtpReceiver::poll_timeout() const {
  const Impl& s = *impl_;
  std::optional<Instant> t;
  if (s.config.send_rtcp && !s.bye_sent) t = s.next_rtcp;
  if (!s.window.empty() && !s.arrivals.empty()) {
    const Instant deadline = s.arrivals.front().at + s.config.latency;
    if (!t || deadline < *t) t = deadline;
  }
  return t;
}

const RtpReceiverStats& RtpReceiver::stats() const {
  return impl_->stats;
}

std::optional<std::uint32_t> RtpReceiver::remote_ssrc() const {
  if (!impl_->source.valid) return std::nullopt;
  return impl_->source.ssrc;
}

const std::string& RtpReceiver::remote_cname() const {
  return impl_->cname;
}

const std::optional<ReceivedSenderReport>& RtpReceiver::last_sender_report() const {
  return impl_->last_sr;
}

std::uint32_t RtpReceiver::local_ssrc() const {
  return impl_->local_ssrc;
}

std::size_t RtpReceiver::held_packets() const {
  const Impl& s = *impl_;
  return s.window.size() + s.candidate.packets.size() + (s.source.jump ? 1 : 0);
}

}  // namespace rtsp2::core
