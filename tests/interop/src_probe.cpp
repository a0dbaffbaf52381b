#include "src_probe.hpp"

namespace rtsp2::test {

SrcProbe::SrcProbe(const std::string& factory, const std::string& location, bool decode,
                   std::string leave_unlinked)
    : decode_(decode), leave_unlinked_(std::move(leave_unlinked)) {
  pipeline_ = gst_pipeline_new(nullptr);
  src_ = gst_element_factory_make(factory.c_str(), "src");
  g_assert(src_ != nullptr);
  if (!location.empty()) g_object_set(src_, "location", location.c_str(), nullptr);
  // The rtspsrc2 suites run once per receive engine (meson sets RTSP2_RTP_ENGINE for the second run).
  const char* engine = g_getenv("RTSP2_RTP_ENGINE");
  if (factory == "rtspsrc2" && engine != nullptr && *engine != '\0')
    gst_util_set_object_arg(G_OBJECT(src_), "rtp-engine", engine);
  gst_bin_add(GST_BIN(pipeline_), src_);
  g_signal_connect(src_, "pad-added", G_CALLBACK(&SrcProbe::on_pad_added), this);
  g_signal_connect(src_, "no-more-pads", G_CALLBACK(&SrcProbe::on_no_more_pads), this);
  GstBus* bus = gst_element_get_bus(pipeline_);
  gst_bus_set_sync_handler(bus, &SrcProbe::on_bus, this, nullptr);
  gst_object_unref(bus);
}

SrcProbe::~SrcProbe() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  GstBus* bus = gst_element_get_bus(pipeline_);
  gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
  gst_object_unref(bus);
  gst_object_unref(pipeline_);
  for (GError* e : errors_) g_error_free(e);
}

// Called with mutex_ held.
void SrcProbe::notify() {
  ++generation_;
  cond_.notify_all();
}

// The predicate runs without the lock (it may use the locking accessors); a change counter makes sure no
// notification between its evaluation and the wait is missed.
bool SrcProbe::wait(const std::function<bool()>& pred, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = generation_;
    }
    if (pred()) return true;
    std::unique_lock lock(mutex_);
    if (!cond_.wait_until(lock, deadline, [&] { return generation_ != seen; })) {
      lock.unlock();
      return pred();
    }
  }
}

bool SrcProbe::repeat_until(const std::function<void()>& action, const std::function<bool()>& pred,
                            int period_ms, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    action();
    if (wait(pred, period_ms)) return true;
  }
  return pred();
}

bool SrcProbe::wait_frames(const std::string& pad, int n, int timeout_ms) {
  return wait([&] { return this->pad(pad).buffers >= n; }, timeout_ms);
}

bool SrcProbe::wait_error(int timeout_ms) {
  return wait([&] { return error_count() > 0; }, timeout_ms);
}

PadProbe SrcProbe::pad(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = pads_.find(name);
  return it == pads_.end() ? PadProbe{} : it->second;
}

std::vector<std::string> SrcProbe::pad_names() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> v;
  for (auto& [n, p] : pads_) v.push_back(n);
  return v;
}

int SrcProbe::error_count() {
  std::lock_guard lock(mutex_);
  return int(errors_.size());
}

GError* SrcProbe::first_error() {
  std::lock_guard lock(mutex_);
  return errors_.empty() ? nullptr : errors_[0];
}

std::string SrcProbe::first_error_debug() {
  std::lock_guard lock(mutex_);
  return error_debug_.empty() ? std::string() : error_debug_[0];
}

int SrcProbe::warning_count() {
  std::lock_guard lock(mutex_);
  return int(warnings_.size());
}

std::vector<std::string> SrcProbe::warnings() {
  std::lock_guard lock(mutex_);
  return warnings_;
}

std::vector<std::string> SrcProbe::element_messages() {
  std::lock_guard lock(mutex_);
  return element_messages_;
}

bool SrcProbe::no_more_pads() {
  std::lock_guard lock(mutex_);
  return no_more_pads_;
}

bool SrcProbe::eos() {
  std::lock_guard lock(mutex_);
  return eos_;
}

GstBusSyncReply SrcProbe::on_bus(GstBus*, GstMessage* msg, gpointer data) {
  auto* self = static_cast<SrcProbe*>(data);
  std::lock_guard lock(self->mutex_);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_error(msg, &err, &debug);
      self->errors_.push_back(err);
      self->error_debug_.push_back(debug ? debug : "");
      g_free(debug);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      self->warnings_.push_back(err != nullptr ? err->message : "");
      g_clear_error(&err);
      break;
    }
    case GST_MESSAGE_EOS:
      self->eos_ = true;
      break;
    case GST_MESSAGE_ELEMENT:
      if (const GstStructure* s = gst_message_get_structure(msg)) {
        self->element_messages_.push_back(gst_structure_get_name(s));
      }
      break;
    default:
      break;
  }
  self->notify();
  gst_message_unref(msg);
  return GST_BUS_DROP;
}

void SrcProbe::on_no_more_pads(GstElement*, gpointer data) {
  auto* self = static_cast<SrcProbe*>(data);
  std::lock_guard lock(self->mutex_);
  self->no_more_pads_ = true;
  self->notify();
}

GstPadProbeReturn SrcProbe::on_src_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* ctx = static_cast<ProbeContext*>(data);
  std::lock_guard lock(ctx->self->mutex_);
  auto& p = ctx->self->pads_[ctx->pad];
  auto count = [&p](GstBuffer* b) {
    p.rtp_buffers++;
    if (GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT)) p.discont++;
    std::uint8_t head[4];
    if (p.seqs.size() < 4096 && gst_buffer_extract(b, 0, head, 4) == 4) {
      p.seqs.push_back(std::uint16_t((head[2] << 8) | head[3]));
    }
  };
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    count(GST_PAD_PROBE_INFO_BUFFER(info));
  } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    // The native engine pushes a list per received batch.
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    for (guint i = 0; i < gst_buffer_list_length(list); ++i) count(gst_buffer_list_get(list, i));
  } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(e) == GST_EVENT_SEGMENT) {
      const GstSegment* seg = nullptr;
      gst_event_parse_segment(e, &seg);
      p.segments.push_back(*seg);
    }
  }
  ctx->self->notify();
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn SrcProbe::on_sink_buffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* ctx = static_cast<ProbeContext*>(data);
  GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
  std::lock_guard lock(ctx->self->mutex_);
  auto& p = ctx->self->pads_[ctx->pad];
  p.buffers++;
  const GstClockTime pts = GST_BUFFER_PTS(b);
  if (GST_CLOCK_TIME_IS_VALID(pts)) {
    if (GST_CLOCK_TIME_IS_VALID(p.last_pts) && pts <= p.last_pts) p.pts_increasing = false;
    p.last_pts = pts;
  }
  ctx->self->notify();
  return GST_PAD_PROBE_OK;
}

void SrcProbe::on_pad_added(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<SrcProbe*>(data);
  gchar* name = gst_pad_get_name(pad);
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  gchar* caps_text = gst_caps_to_string(caps);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const gchar* enc = gst_structure_get_string(s, "encoding-name");
  const gchar* media = gst_structure_get_string(s, "media");
  if (!self->leave_unlinked_.empty() && media != nullptr && self->leave_unlinked_ == media) {
    std::lock_guard lock(self->mutex_);
    auto& p = self->pads_[name];
    p.name = name;
    p.caps = caps_text;
    g_free(caps_text);
    gst_caps_unref(caps);
    g_free(name);
    self->notify();
    return;
  }
  std::string branch = "fakesink name=sink sync=false";
  if (self->decode_ && enc != nullptr && g_str_equal(enc, "H264")) {
    branch = "queue ! rtph264depay ! h264parse ! avdec_h264 ! " + branch;
  } else if (self->decode_ && enc != nullptr && g_str_equal(enc, "MPEG4-GENERIC")) {
    branch = "queue ! rtpmp4gdepay ! " + branch;
  } else {
    branch = "queue ! " + branch;
  }
  GError* err = nullptr;
  GstElement* bin = gst_parse_bin_from_description(branch.c_str(), TRUE, &err);
  g_assert(bin != nullptr);
  gst_bin_add(GST_BIN(self->pipeline_), bin);
  auto ctx = std::make_unique<ProbeContext>(ProbeContext{self, name});
  GstElement* sink = gst_bin_get_by_name(GST_BIN(bin), "sink");
  GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(sinkpad, GST_PAD_PROBE_TYPE_BUFFER, &SrcProbe::on_sink_buffer, ctx.get(), nullptr);
  gst_pad_add_probe(pad,
                    GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                                    GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                    &SrcProbe::on_src_buffer, ctx.get(), nullptr);
  gst_object_unref(sinkpad);
  gst_object_unref(sink);
  {
    std::lock_guard lock(self->mutex_);
    auto& p = self->pads_[name];
    p.name = name;
    p.caps = caps_text;
    self->contexts_.push_back(std::move(ctx));
  }
  gst_element_sync_state_with_parent(bin);
  GstPad* binpad = gst_element_get_static_pad(bin, "sink");
  gst_pad_link(pad, binpad);
  gst_object_unref(binpad);
  g_free(caps_text);
  gst_caps_unref(caps);
  g_free(name);
  self->notify();
}

}  // namespace rtsp2::test
