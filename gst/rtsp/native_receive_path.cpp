// ReceivePath without rtpbin: one core::RtpReceiver per stream, run on the element's worker thread, which
// already reads the sockets. No thread, queue or element of its own:
//
//   worker: UDP batch / interleaved frames ─push_rtp(list)─▶ RtpReceiver::handle_rtp (per packet, no copy)
//           ─poll_output─▶ one GstBufferList per batch ─gst_pad_push_list─▶ recv_rtp_src_N ─▶ element's ghost
//           Lost ─▶ GstRTPPacketLost event, Ended (BYE) ─▶ EOS, Sync (SR) ─▶ A/V offsets, RR ─▶ rtcp_out
//   one Timer on the worker's context at the earliest poll_timeout() of all streams (window deadlines, RR)
//
// Buffers are the UDP pool's (or the interleaved copies): each becomes the receiver's handle and comes back
// in an rtp_out::Packet or through release(); nothing is allocated per packet here.
//
// The worker pushes a single stream itself. The output threads (stream_output.hpp) push instead when there
// are several streams, when the worker's thread is shared with other elements, or from the first push that
// held the worker (a syncing sink, a paused pipeline): see threaded().
#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "receive_path.hpp"
#include "rtp_receiver.hpp"
#include "stream_output.hpp"
#include "worker.hpp"

namespace rtsp2 {

GST_DEBUG_CATEGORY_STATIC(native_path_debug);
#define GST_CAT_DEFAULT native_path_debug

namespace {

namespace out = core::rtp_out;

// A/V offsets smaller than this are never lowered (see update_sync).
constexpr std::int64_t kSyncStepDown = 100'000'000;
// Buffers that may wait in a stream's output (a downstream that holds the stream) before new ones
// are dropped: about 20 s of a 4 Mbit/s camera, at most about 14 MiB of 1.7 KiB buffers, whatever downstream
// does.
constexpr std::size_t kMaxQueuedOutput = 8192;

struct NativeStream {
  unsigned index = 0;
  CapsPtr caps;  // one structure per payload type, as the SDP gave them (plus RTP-Info fields)
  std::uint32_t clock_rate = 0;
  bool video = false;
  GstObjectPtr<GstPad> pad;
  bool announced = false;  // pad_added called (at the first packet, as rtpbin does)
  int caps_pt = -1;        // payload type whose caps were pushed last; -1: push caps before the next packet
  std::unique_ptr<core::RtpReceiver> receiver;
  std::optional<core::ReceivedSenderReport> last_sr;
  std::int64_t sync_offset_ns = 0;
  bool discont = true;
  bool eos = false;
  bool flow_error = false;
  bool output_started = false;  // a packet went out
  // When pushed by the process's output threads (several streams, a shared worker thread, or a downstream
  // that blocked the worker): this stream's output (stream_output.hpp).
  std::unique_ptr<StreamOutput> output;
  std::uint64_t dropped_output = 0;  // snapshot of output->dropped_buffers(), under stats_mutex_
  core::RtpReceiverStats stats;      // snapshot for readers outside the worker, under stats_mutex_
};

std::uint32_t clock_rate_of(GstCaps* caps) {
  gint rate = 0;
  if (caps != nullptr && gst_caps_get_size(caps) > 0)
    gst_structure_get_int(gst_caps_get_structure(caps, 0), "clock-rate", &rate);
  return rate > 0 ? std::uint32_t(rate) : 0;
}

bool is_video(GstCaps* caps) {
  if (caps == nullptr || gst_caps_get_size(caps) == 0) return false;
  const gchar* media = gst_structure_get_string(gst_caps_get_structure(caps, 0), "media");
  return media != nullptr && g_str_equal(media, "video");
}

class NativeReceivePath final : public ReceivePath {
 public:
  NativeReceivePath(GMainContext* context, const ReceivePathConfig& config, Callbacks callbacks)
      : context_(context),
        config_(config),
        callbacks_(std::move(callbacks)),
        timer_(context, [this] { on_timer(); }),
        local_ssrc_(g_random_int()) {
    const gchar* user = g_get_user_name();
    cname_ = std::string(user != nullptr ? user : "user") + "@" + g_get_host_name();
    if (config_.sdes) read_sdes(config_.sdes.get());
  }

  // The sdes property, with rtpbin's field names: its cname replaces ours, the other items follow it.
  void read_sdes(const GstStructure* sdes) {
    core::SdesSettings values = core::read_sdes_structure(sdes);
    if (!values.cname.empty()) cname_ = std::move(values.cname);
    sdes_items_ = std::move(values.items);
  }

  ~NativeReceivePath() override { remove(); }

  GstElement* manager() const override { return nullptr; }
  bool counts_sequence() const override { return true; }

  void add_stream(unsigned n, GstCaps* caps) override {
    if (streams_.count(n) != 0) return;
    auto s = std::make_unique<NativeStream>();
    s->index = n;
    s->caps = ref_caps(caps);
    s->clock_rate = clock_rate_of(caps);
    s->video = is_video(caps);
    const std::string id = std::to_string(n);
    GstPad* p = gst_pad_new(("recv_rtp_src_" + id).c_str(), GST_PAD_SRC);
    gst_object_ref_sink(p);
    s->pad.reset(p);
    gst_pad_set_element_private(p, this);
    gst_pad_set_query_function(p, &NativeReceivePath::pad_query);
    gst_pad_set_active(p, TRUE);
    const std::string stream_id =
        "rtspsrc2/" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "/" + id;
    gst_pad_push_event(p, gst_event_new_stream_start(stream_id.c_str()));
    if (caps != nullptr && gst_caps_get_size(caps) > 0) {
      CapsPtr first(gst_caps_copy_nth(caps, 0));
      gst_pad_push_event(p, gst_event_new_caps(first.get()));
    }
    GstSegment seg;
    gst_segment_init(&seg, GST_FORMAT_TIME);
    gst_pad_push_event(p, gst_event_new_segment(&seg));
    {
      std::lock_guard lock(stats_mutex_);
      streams_[n] = std::move(s);
    }
    // Known before any data: the worker's thread may go shared now, before the output threads start.
    if (streams_.size() > 1) threaded();
  }

  // A pipeline paused before any push held the worker: the next push would wait in a sink's preroll until
  // PLAYING, on the worker. From now on the output threads push (what the sinks do while the element's state
  // change is still on its way is the one window left).
  void pipeline_paused() override { pipeline_paused_.store(true, std::memory_order_relaxed); }

  void set_caps(unsigned n, GstCaps* caps) override {
    NativeStream* s = find(n);
    if (s == nullptr) return;
    s->caps = ref_caps(caps);
    s->caps_pt = -1;
  }

  GstFlowReturn push_rtp(unsigned n, BufferListPtr list) override {
    return receive(n, std::move(list), true);
  }
  GstFlowReturn push_rtcp(unsigned n, BufferListPtr list) override {
    return receive(n, std::move(list), false);
  }

  void push_event_all(GstEvent* event) override {
    if (!on_worker()) {
      invoke_on_worker(std::nullopt, event);
      return;
    }
    for (auto& [n, s] : streams_) handle_event(*s, event);
    rearm();
  }

  void push_event(unsigned n, GstEvent* event) override {
    if (!on_worker()) {
      invoke_on_worker(n, event);
      return;
    }
    if (NativeStream* s = find(n)) handle_event(*s, event);
    rearm();
  }

  void add_stats(unsigned n, GstStructure* out) const override {
    std::lock_guard lock(stats_mutex_);
    auto it = streams_.find(n);
    if (it == streams_.end()) return;
    const core::RtpReceiverStats& st = it->second->stats;
    gst_structure_set(out, "lost", G_TYPE_INT64, gint64(st.packets_lost), "jitter", G_TYPE_UINT,
                      guint(st.jitter), "reordered", G_TYPE_UINT64, st.packets_reordered, "duplicates",
                      G_TYPE_UINT64, st.duplicates, "late", G_TYPE_UINT64, st.late, "dropped-on-latency",
                      G_TYPE_UINT64, st.dropped_on_latency, "invalid", G_TYPE_UINT64,
                      st.invalid_rtp + st.invalid_rtcp, "ssrc-changes", G_TYPE_UINT64, st.ssrc_changes,
                      "rtcp-sent", G_TYPE_UINT64, st.rtcp_sent, "dropped-output", G_TYPE_UINT64,
                      it->second->dropped_output, nullptr);
  }

  std::size_t backlog(unsigned n) override {
    const NativeStream* s = find(n);
    return s != nullptr && s->output ? s->output->queued_buffers() : 0;
  }

  void remove() override {
    // Called with the worker stopped: nothing else touches the streams any more.
    timer_.disarm();
    std::map<unsigned, std::unique_ptr<NativeStream>> streams;
    {
      std::lock_guard lock(stats_mutex_);
      streams.swap(streams_);
    }
    for (auto& [n, s] : streams) {
      if (s->pad) gst_pad_set_active(s->pad.get(), FALSE);  // flushing: a push in progress returns
      s->output.reset();                                    // waits for a push in progress
      s->receiver.reset();                                  // releases what it still holds
    }
  }

 private:
  NativeStream* find(unsigned n) {
    auto it = streams_.find(n);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  // One batch of datagrams of a stream (each one's DTS is its arrival: packets read together may have waited
  // in the socket for different times), then what the receiver has to output and send.
  GstFlowReturn receive(unsigned n, BufferListPtr list, bool rtp) {
    NativeStream* s = find(n);
    if (s == nullptr) return GST_FLOW_NOT_LINKED;
    const guint count = gst_buffer_list_length(list.get());
    if (count == 0) return GST_FLOW_OK;
    const auto now = SteadyClock::now();
    set_base(now, GST_BUFFER_DTS(gst_buffer_list_get(list.get(), 0)));
    for (guint i = 0; i < count; ++i) {
      GstBuffer* b = gst_buffer_list_get(list.get(), i);
      const auto arrival = arrival_of(GST_BUFFER_DTS(b), now);
      ensure_receiver(*s, arrival);
      GstMapInfo map;
      if (!gst_buffer_map(b, &map, GST_MAP_READ)) continue;
      const std::span<const std::uint8_t> bytes(map.data, map.size);
      if (rtp) {
        // The handle gets its own reference; the list's keeps the buffer alive while it is mapped, even when
        // the receiver releases the handle at once (a malformed or duplicate packet).
        s->receiver->handle_rtp(bytes, arrival, gst_buffer_ref(b));
      } else {
        s->receiver->handle_rtcp(bytes, arrival);
      }
      gst_buffer_unmap(b, &map);
    }
    list.reset();  // the receiver's references are now the only ones: output buffers are writable
    const GstFlowReturn ret = output(*s);
    after_batch(*s);
    return ret;
  }

  bool on_worker() const { return g_main_context_is_owner(context_) != FALSE; }

  // Events from other threads (an application's EOS) keep their order with the data by running where the
  // data runs.
  void invoke_on_worker(std::optional<unsigned> stream, GstEvent* event) {
    struct Call {
      NativeReceivePath* self;
      std::optional<unsigned> stream;
      EventPtr event;
    };
    auto* call = new Call{this, stream, EventPtr(gst_event_ref(event))};
    g_main_context_invoke_full(
        context_, G_PRIORITY_DEFAULT,
        +[](gpointer data) -> gboolean {
          auto* c = static_cast<Call*>(data);
          if (c->stream) {
            c->self->push_event(*c->stream, c->event.get());
          } else {
            c->self->push_event_all(c->event.get());
          }
          return G_SOURCE_REMOVE;
        },
        call, +[](gpointer data) { delete static_cast<Call*>(data); });
  }

  void set_base(SteadyClock::time_point now, GstClockTime arrival_rt) {
    if (have_base_) return;
    // One timeline for all streams (their pts and sender reports are compared for A/V sync).
    have_base_ = true;
    time_base_ = now;
    base_rt_ = arrival_rt;
  }

  void ensure_receiver(NativeStream& s, SteadyClock::time_point arrival) {
    if (s.receiver) return;
    core::RtpReceiverConfig c;
    c.clock_rate = s.clock_rate;
    c.latency = std::chrono::milliseconds(config_.latency_ms);
    c.drop_on_latency = config_.drop_on_latency;
    c.time_base = time_base_;
    c.local_ssrc = local_ssrc_;
    c.cname = cname_;
    c.sdes_items = sdes_items_;
    c.probation = config_.probation;
    c.send_rtcp = config_.do_rtcp;
    c.release = [](core::PacketHandle h) { gst_buffer_unref(GST_BUFFER_CAST(h)); };
    s.receiver = std::make_unique<core::RtpReceiver>(std::move(c), arrival);
    GST_DEBUG("stream %u: receiver created, clock-rate %u", s.index, s.clock_rate);
  }

  // Arrival on the receiver's clock: from the buffers' DTS (the running time the element stamped when it read
  // them), so that the receiver sees the same arrivals as rtpjitterbuffer would; `now` without a clock.
  SteadyClock::time_point arrival_of(GstClockTime dts, SteadyClock::time_point now) const {
    if (!GST_CLOCK_TIME_IS_VALID(dts) || !GST_CLOCK_TIME_IS_VALID(base_rt_)) return now;
    return time_base_ + std::chrono::nanoseconds(GST_CLOCK_DIFF(base_rt_, dts));
  }

  GstClockTime to_running_time(const NativeStream& s, std::chrono::nanoseconds pts) const {
    if (!GST_CLOCK_TIME_IS_VALID(base_rt_)) return GST_CLOCK_TIME_NONE;
    const std::int64_t v = std::int64_t(base_rt_) + pts.count() + s.sync_offset_ns;
    return v < 0 ? 0 : GstClockTime(v);
  }

  GstEvent* caps_event(NativeStream& s, int pt) {
    s.caps_pt = pt;
    guint pick = 0;
    for (guint i = 0; s.caps && i < gst_caps_get_size(s.caps.get()); ++i) {
      int payload = -1;
      if (gst_structure_get_int(gst_caps_get_structure(s.caps.get(), i), "payload", &payload) &&
          payload == pt) {
        pick = i;
        break;
      }
    }
    CapsPtr c(s.caps && gst_caps_get_size(s.caps.get()) > 0 ? gst_caps_copy_nth(s.caps.get(), pick)
                                                            : gst_caps_new_empty_simple("application/x-rtp"));
    return gst_event_new_caps(c.get());
  }

  GstFlowReturn push_list(NativeStream& s, BufferListPtr& list) {
    if (!list) return GST_FLOW_OK;
    const bool pool = threaded();
    if (!s.announced) {
      s.announced = true;
      // The caps of the first packet are on the pad before it is announced (the element copies them to its
      // ghost pad), also when they still wait in the stream's output.
      GstEvent* caps = caps_event(s, s.caps_pt);
      gst_pad_store_sticky_event(s.pad.get(), caps);
      gst_event_unref(caps);
      if (callbacks_.pad_added) {
        // Announced by whichever thread pushes: an application's pad-added handler (linking, starting a
        // branch) must not hold a worker that may serve other elements.
        if (pool) {
          output_of(s).announce(
              [this, index = s.index, pad = s.pad.get()] { callbacks_.pad_added(index, pad); });
        } else {
          callbacks_.pad_added(s.index, s.pad.get());
        }
      }
    }
    if (pool) {
      // What downstream answered since the last batch (EOS, errors) takes effect now.
      if (const GstFlowReturn f = output_of(s).last_flow(); f != GST_FLOW_OK) {
        s.output->reset_flow();
        check_flow(s, f);
      }
      if (s.eos || s.flow_error) {
        list.reset();
        return GST_FLOW_OK;
      }
      if (!s.output->push_list(list.release())) s.discont = true;  // dropped: the next buffer says so
      return GST_FLOW_OK;
    }
    const auto before = SteadyClock::now();
    const GstFlowReturn ret = gst_pad_push_list(s.pad.get(), list.release());
    if (SteadyClock::now() - before > block_threshold()) {
      // Downstream holds the pushing thread (a sink with sync=true waits for the clock, a paused pipeline's
      // sink for PLAYING): from now on the output threads push, so that the worker keeps reading the sockets,
      // answering the server and sending keep-alives meanwhile.
      GST_INFO(
          "downstream blocked the worker for %" G_GINT64_FORMAT " ms: pushing from an output thread",
          std::int64_t(
              std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - before).count()));
      set_threaded();
    }
    return check_flow(s, ret);
  }

  // Several streams, a worker thread shared with other elements, a downstream that once held the worker
  // (push_list) or a pipeline that paused: each stream is pushed by the process's output threads (a blocked
  // push never holds another stream or element), so that downstream holding one stream for another
  // (decodebin, collectpads muxers), or a sink waiting for the clock or for PLAYING, cannot stall the thread
  // that reads them all. Once so, it stays so (the order of what is queued there must hold).
  bool threaded() {
    if (threaded_) return true;
    if (streams_.size() > 1 || pipeline_paused_.load(std::memory_order_relaxed) ||
        (callbacks_.worker_shared && callbacks_.worker_shared())) {
      GST_DEBUG("%zu streams, %s worker thread: pushed by the output threads", streams_.size(),
                streams_.size() > 1 ? "any" : "a shared");
      set_threaded();
    }
    return threaded_;
  }

  void set_threaded() {
    threaded_ = true;
    // The worker no longer pushes: a thread shared with other elements serves it as well.
    if (callbacks_.output_threaded) callbacks_.output_threaded();
  }

  StreamOutput& output_of(NativeStream& s) {
    if (!s.output) s.output = std::make_unique<StreamOutput>(s.pad.get(), kMaxQueuedOutput);
    return *s.output;
  }

  // An event pushed in order with the stream's data (through its thread when it has one).
  void push_event_in_order(NativeStream& s, GstEvent* event) {
    if (threaded()) {
      output_of(s).push_event(event);
    } else {
      gst_pad_push_event(s.pad.get(), event);
    }
  }

  std::chrono::nanoseconds block_threshold() const {
    return std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(20),
                                              std::chrono::milliseconds(config_.latency_ms) / 2);
  }

  // An event in its place among the data: after the packets before it.
  void emit_event(NativeStream& s, BufferListPtr& list, GstEvent* event) {
    push_list(s, list);
    push_event_in_order(s, event);
  }

  // What a source does with downstream's answer: EOS ends the stream, errors stop it (reported once), as
  // rtpjitterbuffer's and basesrc's loops do.
  GstFlowReturn check_flow(NativeStream& s, GstFlowReturn ret) {
    if (ret == GST_FLOW_EOS && !s.eos) {
      GST_DEBUG("stream %u: downstream is EOS", s.index);
      s.eos = true;
      push_event_in_order(s, gst_event_new_eos());
    } else if ((ret == GST_FLOW_NOT_LINKED || ret <= GST_FLOW_NOT_NEGOTIATED) && !s.flow_error) {
      s.flow_error = true;
      if (callbacks_.flow_error) callbacks_.flow_error(s.index, ret);
    }
    return ret;
  }

  GstEvent* lost_event(const NativeStream& s, const out::Lost& l) const {
    GstStructure* st = gst_structure_new("GstRTPPacketLost", "seqnum", G_TYPE_UINT, guint(l.first_seq),
                                         "timestamp", G_TYPE_UINT64, guint64(to_running_time(s, l.pts)),
                                         "duration", G_TYPE_UINT64, guint64(l.duration.count()), "late",
                                         G_TYPE_BOOLEAN, FALSE, "retry", G_TYPE_UINT, 0u, nullptr);
    return gst_event_new_custom(GST_EVENT_CUSTOM_DOWNSTREAM, st);
  }

  // Everything the receiver has for output, in order: packets as one list, events between them.
  GstFlowReturn output(NativeStream& s) {
    BufferListPtr list;
    while (auto o = s.receiver->poll_output()) {
      if (auto* p = std::get_if<out::Packet>(&*o)) {
        if (s.eos || s.flow_error) {
          gst_buffer_unref(GST_BUFFER_CAST(p->handle));
          continue;
        }
        if (int(p->payload_type) != s.caps_pt) emit_event(s, list, caps_event(s, p->payload_type));
        GstBuffer* b = gst_buffer_make_writable(GST_BUFFER_CAST(p->handle));
        GST_BUFFER_PTS(b) = to_running_time(s, p->pts);
        GST_BUFFER_DTS(b) = GST_BUFFER_PTS(b);
        if (p->discont || s.discont) {
          GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DISCONT);
          s.discont = false;
        }
        s.output_started = true;
        if (!list) list.reset(gst_buffer_list_new_sized(64));
        gst_buffer_list_add(list.get(), b);
      } else if (auto* l = std::get_if<out::Lost>(&*o)) {
        if (s.output_started && !s.eos) emit_event(s, list, lost_event(s, *l));
      } else if (auto* y = std::get_if<out::Sync>(&*o)) {
        s.last_sr = y->report;
        update_sync();
      } else if (std::holds_alternative<out::Ended>(*o)) {
        if (!s.eos) {
          GST_DEBUG("stream %u: BYE from the sender, EOS", s.index);
          emit_event(s, list, gst_event_new_eos());
          s.eos = true;
        }
      }
    }
    return push_list(s, list);
  }

  void send_rtcp(NativeStream& s) {
    while (auto bytes = s.receiver->poll_rtcp()) {
      if (callbacks_.rtcp_out)
        callbacks_.rtcp_out(s.index, BufferPtr(gst_buffer_new_memdup(bytes->data(), bytes->size())));
    }
  }

  void after_batch(NativeStream& s) {
    send_rtcp(s);
    {
      std::lock_guard lock(stats_mutex_);
      s.stats = s.receiver->stats();
      if (s.output) s.dropped_output = s.output->dropped_buffers();
    }
    rearm();
  }

  // A/V sync from the senders' reports: the first video stream (or the first stream) is the reference; each
  // other stream's pts moves by what its SR says, and all offsets are shifted so that none is negative (a
  // stream is only ever delayed, as rtpbin does with its ts-offset).
  void update_sync() {
    const NativeStream* ref = nullptr;
    for (auto& [n, s] : streams_) {
      if (!s->last_sr || !s->last_sr->pts) continue;
      if (ref == nullptr || (s->video && !ref->video)) ref = s.get();
    }
    if (ref == nullptr) return;
    std::map<unsigned, std::int64_t> offsets;
    std::int64_t lowest = 0;
    for (auto& [n, s] : streams_) {
      if (!s->last_sr || !s->last_sr->pts) continue;
      std::int64_t off = 0;
      if (s.get() != ref) {
        auto o = core::sync_offset(*ref->last_sr, *s->last_sr);
        if (!o) continue;
        off = o->count();
      }
      offsets[n] = off;
      lowest = std::min(lowest, off);
    }
    if (offsets.size() < 2) return;
    for (auto& [n, off] : offsets) {
      NativeStream& s = *streams_[n];
      const std::int64_t applied = off - lowest;
      // Raise at once; lower only for a real change (a new sender mapping), not for the reports' jitter:
      // stepping an offset down would make pts go backwards.
      if (applied > s.sync_offset_ns || s.sync_offset_ns - applied > kSyncStepDown) {
        GST_DEBUG("stream %u: sync offset %" G_GINT64_FORMAT " ns", n, applied);
        s.sync_offset_ns = applied;
      }
    }
  }

  void handle_event(NativeStream& s, GstEvent* event) {
    switch (GST_EVENT_TYPE(event)) {
      case GST_EVENT_FLUSH_START:
        if (threaded_ || s.output) {
          // Not serialized: straight to the pad (it unblocks a push in progress), then forget what waits.
          gst_pad_push_event(s.pad.get(), gst_event_ref(event));
          if (s.output) s.output->clear();
          return;
        }
        break;
      case GST_EVENT_FLUSH_STOP:
        if (s.output) s.output->reset_flow();
        s.caps_pt = -1;  // a caps event may have been dropped with the queue: send it again
        if (s.receiver) s.receiver->reset();
        s.discont = true;
        s.eos = false;
        s.flow_error = false;
        break;
      case GST_EVENT_EOS:
        if (s.receiver && !s.eos) {
          s.receiver->drain(SteadyClock::now());
          output(s);
        }
        if (s.eos) return;
        s.eos = true;
        break;
      default:
        break;
    }
    push_event_in_order(s, gst_event_ref(event));
  }

  void on_timer() {
    const auto now = SteadyClock::now();
    for (auto& [n, s] : streams_) {
      if (!s->receiver) continue;
      s->receiver->handle_timeout(now);
      output(*s);
      send_rtcp(*s);
      std::lock_guard lock(stats_mutex_);
      s->stats = s->receiver->stats();
    }
    armed_at_.reset();
    rearm();
  }

  void rearm() {
    std::optional<SteadyClock::time_point> next;
    for (auto& [n, s] : streams_) {
      if (!s->receiver) continue;
      if (auto t = s->receiver->poll_timeout(); t && (!next || *t < *next)) next = t;
    }
    if (next == armed_at_) return;
    armed_at_ = next;
    if (next) {
      timer_.arm_at(*next);
    } else {
      timer_.disarm();
    }
  }

  static gboolean pad_query(GstPad* pad, GstObject* parent, GstQuery* query) {
    auto* self = static_cast<NativeReceivePath*>(gst_pad_get_element_private(pad));
    if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && self != nullptr) {
      GST_DEBUG_OBJECT(pad, "latency query");
      // What rtpjitterbuffer answers: live, and the reorder window as our latency.
      gst_query_set_latency(query, TRUE, GstClockTime(self->config_.latency_ms) * GST_MSECOND,
                            GST_CLOCK_TIME_NONE);
      return TRUE;
    }
    return gst_pad_query_default(pad, parent, query);
  }

  GMainContext* context_;
  ReceivePathConfig config_;
  Callbacks callbacks_;
  Timer timer_;
  std::optional<SteadyClock::time_point> armed_at_;
  bool threaded_ = false;                     // see threaded()
  std::atomic<bool> pipeline_paused_{false};  // set from the application's thread, see threaded()
  bool have_base_ = false;
  SteadyClock::time_point time_base_{};         // the receivers' time_base...
  GstClockTime base_rt_ = GST_CLOCK_TIME_NONE;  // ...is this running time (none without a clock)
  std::uint32_t local_ssrc_;
  std::string cname_;
  std::vector<core::SdesItem> sdes_items_;
  mutable std::mutex stats_mutex_;  // guards the map's shape and the stats snapshots for add_stats()
  std::map<unsigned, std::unique_ptr<NativeStream>> streams_;
};

}  // namespace

std::vector<const char*> native_unapplied_properties(const RtpBinOnlySettings& o) {
  std::vector<const char*> names;
  if (o.buffer_mode != BufferMode::Auto && o.buffer_mode != BufferMode::Slave) names.push_back("buffer-mode");
  if (o.ntp_sync) names.push_back("ntp-sync");
  if (o.max_rtcp_rtp_time_diff != RtpBinOnlySettings{}.max_rtcp_rtp_time_diff) {
    names.push_back("max-rtcp-rtp-time-diff");
  }
  if (o.max_ts_offset_set) names.push_back("max-ts-offset");
  if (o.max_ts_offset_adjustment != 0) names.push_back("max-ts-offset-adjustment");
  return names;
}

std::unique_ptr<ReceivePath> make_native_receive_path(GMainContext* context, const ReceivePathConfig& config,
                                                      ReceivePath::Callbacks callbacks) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(native_path_debug, "rtspsrc2native", 0, "rtspsrc2 native receive path");
    g_once_init_leave(&once, 1);
  }
  return std::make_unique<NativeReceivePath>(context, config, std::move(callbacks));
}

}  // namespace rtsp2
