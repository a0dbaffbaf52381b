// ReceivePath on upstream rtpbin: per stream, two internal source pads feed rtpbin's recv_rtp_sink_N and
// recv_rtcp_sink_N, and an internal sink pad takes send_rtcp_src_N (receiver reports) for the server.
#include <charconv>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "receive_path.hpp"

namespace rtsp2 {

GST_DEBUG_CATEGORY_STATIC(rtpbin_path_debug);
#define GST_CAT_DEFAULT rtpbin_path_debug

namespace {

class RtpBinReceivePath;

// element_private of the internal RTCP sink pads.
struct RtcpSinkContext {
  RtpBinReceivePath* self;
  unsigned stream;
};

class RtpBinReceivePath final : public ReceivePath {
 public:
  RtpBinReceivePath(GstBin* bin, const ReceivePathConfig& config, Callbacks callbacks)
      : bin_(bin), config_(config), callbacks_(std::move(callbacks)) {
    rtpbin_ = ref_gst_object(gst_element_factory_make("rtpbin", "manager"));
    if (!rtpbin_) {
      GST_ERROR("rtpbin is missing (gst-plugins-good)");
      return;
    }
    g_object_set(rtpbin_.get(), "latency", config_.latency_ms, "drop-on-latency",
                 config_.drop_on_latency ? TRUE : FALSE, nullptr);
    configure_rtpbin();
    g_signal_connect(rtpbin_.get(), "pad-added", G_CALLBACK(&RtpBinReceivePath::on_pad_added), this);
    g_signal_connect(rtpbin_.get(), "pad-removed", G_CALLBACK(&RtpBinReceivePath::on_pad_removed), this);
    g_signal_connect(rtpbin_.get(), "request-pt-map", G_CALLBACK(&RtpBinReceivePath::on_request_pt_map),
                     this);
    gst_bin_add(bin_, rtpbin_.get());
  }

  ~RtpBinReceivePath() override { remove(); }

  GstElement* manager() const override { return rtpbin_.get(); }

  // The properties rtspsrc forwards to its rtpbin, with rtspsrc's rules: auto is slave (rtspsrc2 neither
  // provides a clock in the SDP nor buffers recorded media), max-ts-offset is only set when it differs
  // (setting it has side effects), use-pipeline-clock replaces ntp-time-source, sdes only when given.
  void configure_rtpbin() {
    const RtpBinOnlySettings& o = config_.rtpbin;
    const BufferMode mode = o.buffer_mode == BufferMode::Auto ? BufferMode::Slave : o.buffer_mode;
    g_object_set(rtpbin_.get(), "buffer-mode", int(mode), "ntp-sync", o.ntp_sync ? TRUE : FALSE,
                 "max-rtcp-rtp-time-diff", o.max_rtcp_rtp_time_diff, "max-ts-offset-adjustment",
                 guint64(o.max_ts_offset_adjustment), nullptr);
    if (o.use_pipeline_clock) {
      g_object_set(rtpbin_.get(), "use-pipeline-clock", TRUE, nullptr);
    } else {
      g_object_set(rtpbin_.get(), "ntp-time-source", int(o.ntp_time_source), nullptr);
    }
    gint64 offset = 0;
    g_object_get(rtpbin_.get(), "max-ts-offset", &offset, nullptr);
    if (offset != o.max_ts_offset)
      g_object_set(rtpbin_.get(), "max-ts-offset", gint64(o.max_ts_offset), nullptr);
    if (config_.sdes) g_object_set(rtpbin_.get(), "sdes", config_.sdes.get(), nullptr);
  }

  void add_stream(unsigned n, GstCaps* caps) override {
    if (!rtpbin_) return;
    std::lock_guard lock(mutex_);
    if (streams_.count(n) != 0) return;
    Stream& s = streams_[n];
    s.caps = ref_caps(caps);
    const std::string id = std::to_string(n);
    s.rtp_src = make_src("rtp_src_" + id);
    s.rtcp_src = make_src("rtcp_src_" + id);
    s.rtp_sink = request_and_link(s.rtp_src.get(), "recv_rtp_sink_" + id, true);
    s.rtcp_sink = request_and_link(s.rtcp_src.get(), "recv_rtcp_sink_" + id, true);
    // As rtspsrc: probation is a property of the stream's RTPSession, which requesting its pad created.
    GObject* session = nullptr;
    g_signal_emit_by_name(rtpbin_.get(), "get-internal-session", guint(n), &session);
    if (session != nullptr) {
      g_object_set(session, "probation", config_.probation, nullptr);
      g_object_unref(session);
    }
    if (config_.do_rtcp) {
      s.rtcp_out = GstObjectPtr<GstPad>(gst_pad_new(("rtcp_sink_" + id).c_str(), GST_PAD_SINK));
      gst_object_ref_sink(s.rtcp_out.get());
      s.rtcp_out_context = std::make_unique<RtcpSinkContext>(RtcpSinkContext{this, n});
      gst_pad_set_element_private(s.rtcp_out.get(), s.rtcp_out_context.get());
      gst_pad_set_chain_function(s.rtcp_out.get(), &RtpBinReceivePath::rtcp_chain);
      gst_pad_set_event_function(
          s.rtcp_out.get(), +[](GstPad*, GstObject*, GstEvent* e) -> gboolean {
            gst_event_unref(e);
            return TRUE;
          });
      gst_pad_set_active(s.rtcp_out.get(), TRUE);
      s.send_rtcp_src = request_and_link(s.rtcp_out.get(), "send_rtcp_src_" + id, false);
    }
    // Sticky events first: stream-start, caps, a TIME segment, as a live source would send them.
    const std::string stream_id =
        "rtspsrc2/" + std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "/" + id;
    for (GstPad* p : {s.rtp_src.get(), s.rtcp_src.get()}) {
      const bool rtp = p == s.rtp_src.get();
      gst_pad_push_event(p, gst_event_new_stream_start((stream_id + (rtp ? "/rtp" : "/rtcp")).c_str()));
      CapsPtr c(rtp ? gst_caps_copy_nth(caps, 0) : gst_caps_new_empty_simple("application/x-rtcp"));
      gst_pad_push_event(p, gst_event_new_caps(c.get()));
      GstSegment seg;
      gst_segment_init(&seg, GST_FORMAT_TIME);
      gst_pad_push_event(p, gst_event_new_segment(&seg));
    }
  }

  void set_caps(unsigned n, GstCaps* caps) override {
    GstPad* pad = nullptr;
    {
      std::lock_guard lock(mutex_);
      auto it = streams_.find(n);
      if (it == streams_.end()) return;
      it->second.caps = ref_caps(caps);
      pad = it->second.rtp_src.get();
    }
    CapsPtr first(gst_caps_copy_nth(caps, 0));
    gst_pad_push_event(pad, gst_event_new_caps(first.get()));
  }

  GstFlowReturn push_rtp(unsigned n, BufferListPtr list) override {
    GstPad* pad = pad_of(n, true);
    return pad != nullptr ? gst_pad_push_list(pad, list.release()) : GST_FLOW_NOT_LINKED;
  }

  GstFlowReturn push_rtcp(unsigned n, BufferListPtr list) override {
    GstPad* pad = pad_of(n, false);
    return pad != nullptr ? gst_pad_push_list(pad, list.release()) : GST_FLOW_NOT_LINKED;
  }

  void push_event_all(GstEvent* event) override {
    std::vector<GstPad*> pads;
    {
      std::lock_guard lock(mutex_);
      for (auto& [n, s] : streams_) pads.push_back(s.rtp_src.get());
    }
    for (GstPad* p : pads) gst_pad_push_event(p, gst_event_ref(event));
  }

  void push_event(unsigned n, GstEvent* event) override {
    GstPad* pad = pad_of(n, true);
    if (pad != nullptr) gst_pad_push_event(pad, gst_event_ref(event));
  }

  void add_stats(unsigned session, GstStructure* out) const override {
    GstElement* manager = rtpbin_.get();
    if (manager == nullptr) return;
    GObject* rtp_session = nullptr;
    g_signal_emit_by_name(manager, "get-internal-session", session, &rtp_session);
    if (rtp_session == nullptr) return;
    GstStructure* st = nullptr;
    g_object_get(rtp_session, "stats", &st, nullptr);
    g_object_unref(rtp_session);
    if (st == nullptr) return;
    const GValue* sources = gst_structure_get_value(st, "source-stats");
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    // rtpsession's stats still use GValueArray.
    if (sources != nullptr && G_VALUE_HOLDS(sources, g_value_array_get_type())) {
      auto* arr = static_cast<GValueArray*>(g_value_get_boxed(sources));
      for (guint i = 0; arr != nullptr && i < arr->n_values; ++i) {
        const GstStructure* src = gst_value_get_structure(g_value_array_get_nth(arr, i));
        gboolean internal = TRUE, sender = FALSE;
        gst_structure_get_boolean(src, "internal", &internal);
        gst_structure_get_boolean(src, "is-sender", &sender);
        if (internal || !sender) continue;
        guint jitter = 0;
        gint lost = 0;
        gst_structure_get_uint(src, "jitter", &jitter);
        gst_structure_get_int(src, "packets-lost", &lost);
        gst_structure_set(out, "jitter", G_TYPE_UINT, jitter, "lost", G_TYPE_INT64, gint64(lost), nullptr);
      }
    }
    G_GNUC_END_IGNORE_DEPRECATIONS
    gst_structure_free(st);
  }

  void remove() override {
    if (!rtpbin_) return;
    g_signal_handlers_disconnect_by_data(rtpbin_.get(), this);
    std::map<unsigned, Stream> streams;
    {
      std::lock_guard lock(mutex_);
      streams.swap(streams_);
    }
    for (auto& [n, s] : streams) {
      for (GstPad* p : {s.rtp_src.get(), s.rtcp_src.get(), s.rtcp_out.get()}) {
        if (p != nullptr) gst_pad_set_active(p, FALSE);
      }
      for (GstPad* req : {s.rtp_sink.get(), s.rtcp_sink.get(), s.send_rtcp_src.get()}) {
        if (req != nullptr) gst_element_release_request_pad(rtpbin_.get(), req);
      }
    }
    gst_element_set_state(rtpbin_.get(), GST_STATE_NULL);
    gst_bin_remove(bin_, rtpbin_.get());
    rtpbin_.reset();
  }

 private:
  struct Stream {
    CapsPtr caps;
    GstObjectPtr<GstPad> rtp_src, rtcp_src, rtcp_out;
    GstObjectPtr<GstPad> rtp_sink, rtcp_sink, send_rtcp_src;  // rtpbin's request pads
    std::unique_ptr<RtcpSinkContext> rtcp_out_context;
  };

  static GstObjectPtr<GstPad> make_src(const std::string& name) {
    GstPad* p = gst_pad_new(name.c_str(), GST_PAD_SRC);
    gst_object_ref_sink(p);
    gst_pad_set_active(p, TRUE);
    return GstObjectPtr<GstPad>(p);
  }

  // Requests rtpbin's pad `name` and links `ours` to it (ours upstream when `ours_is_src`).
  GstObjectPtr<GstPad> request_and_link(GstPad* ours, const std::string& name, bool ours_is_src) {
    GstPad* req = gst_element_request_pad_simple(rtpbin_.get(), name.c_str());
    if (req == nullptr) {
      GST_ERROR("rtpbin refused pad %s", name.c_str());
      return {};
    }
    GstPadLinkReturn r = ours_is_src ? gst_pad_link(ours, req) : gst_pad_link(req, ours);
    if (r != GST_PAD_LINK_OK) GST_ERROR("cannot link %s: %s", name.c_str(), gst_pad_link_get_name(r));
    return GstObjectPtr<GstPad>(req);
  }

  GstPad* pad_of(unsigned n, bool rtp) {
    std::lock_guard lock(mutex_);
    auto it = streams_.find(n);
    if (it == streams_.end()) return nullptr;
    // The pads live until remove(), which runs after the worker stopped pushing.
    return rtp ? it->second.rtp_src.get() : it->second.rtcp_src.get();
  }

  static std::optional<unsigned> stream_of(std::string_view pad_name, std::string_view prefix) {
    if (pad_name.substr(0, prefix.size()) != prefix) return std::nullopt;
    pad_name.remove_prefix(prefix.size());
    unsigned v = 0;
    auto [p, ec] = std::from_chars(pad_name.data(), pad_name.data() + pad_name.size(), v);
    if (ec != std::errc()) return std::nullopt;
    return v;
  }

  static void on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<RtpBinReceivePath*>(data);
    CharPtr name(gst_pad_get_name(pad));
    if (auto n = stream_of(name.get(), "recv_rtp_src_")) {
      GST_DEBUG("rtpbin output %s for stream %u", name.get(), *n);
      if (self->callbacks_.pad_added) self->callbacks_.pad_added(*n, pad);
    }
  }

  static void on_pad_removed(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<RtpBinReceivePath*>(data);
    CharPtr name(gst_pad_get_name(pad));
    if (auto n = stream_of(name.get(), "recv_rtp_src_")) {
      if (self->callbacks_.pad_removed) self->callbacks_.pad_removed(*n, pad);
    }
  }

  static GstCaps* on_request_pt_map(GstElement*, guint session, guint pt, gpointer data) {
    auto* self = static_cast<RtpBinReceivePath*>(data);
    std::lock_guard lock(self->mutex_);
    auto it = self->streams_.find(session);
    if (it == self->streams_.end() || !it->second.caps) return nullptr;
    GstCaps* caps = it->second.caps.get();
    for (guint i = 0; i < gst_caps_get_size(caps); ++i) {
      int payload = -1;
      if (gst_structure_get_int(gst_caps_get_structure(caps, i), "payload", &payload) && payload == int(pt)) {
        return gst_caps_copy_nth(caps, i);
      }
    }
    GST_WARNING("no caps for payload type %u of stream %u", pt, session);
    return nullptr;
  }

  static GstFlowReturn rtcp_chain(GstPad* pad, GstObject*, GstBuffer* buffer) {
    auto* ctx = static_cast<RtcpSinkContext*>(gst_pad_get_element_private(pad));
    BufferPtr b(buffer);
    if (ctx != nullptr && ctx->self->callbacks_.rtcp_out)
      ctx->self->callbacks_.rtcp_out(ctx->stream, std::move(b));
    return GST_FLOW_OK;
  }

  GstBin* bin_;
  ReceivePathConfig config_;
  Callbacks callbacks_;
  GstObjectPtr<GstElement> rtpbin_;
  std::mutex mutex_;
  std::map<unsigned, Stream> streams_;
};

}  // namespace

std::unique_ptr<ReceivePath> make_rtpbin_receive_path(GstBin* bin, const ReceivePathConfig& config,
                                                      ReceivePath::Callbacks callbacks) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(rtpbin_path_debug, "rtspsrc2rtpbin", 0, "rtspsrc2 rtpbin receive path");
    g_once_init_leave(&once, 1);
  }
  return std::make_unique<RtpBinReceivePath>(bin, config, std::move(callbacks));
}

}  // namespace rtsp2
