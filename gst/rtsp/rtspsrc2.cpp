// rtspsrc2: the element side. State changes and actions become commands for the worker (src_controller.cpp);
// this file owns the pads, the receive path's lifetime and the URI handler.
//
//   NULL→READY     nothing (no thread, no socket)
//   READY→PAUSED   check the location, create the receive path, start the worker, queue Open; NO_PREROLL
//   PAUSED→PLAYING queue Play               PLAYING→PAUSED  queue Pause; NO_PREROLL
//   PAUSED→READY   queue Teardown and wait for it at most teardown-timeout, then Shutdown, stop the worker
//                  (it leaves its thread, which other rtspsrc2 may share), remove the pads and the receive
//                  path
#include "rtspsrc2.hpp"

#include <gst/sdp/gstsdpmessage.h>

#include "common_properties.hpp"
#include "rtsp_message_bridge.hpp"
#include "rtspsrc2_private.hpp"

GST_DEBUG_CATEGORY(rtspsrc2_debug);
#define GST_CAT_DEFAULT rtspsrc2_debug

using namespace rtsp2;

std::string rtspsrc2_default_user_agent();

enum {
  SIGNAL_ON_SDP,
  SIGNAL_SELECT_STREAM,
  SIGNAL_NEW_MANAGER,
  SIGNAL_GET_PARAMETER,
  SIGNAL_SET_PARAMETER,
  SIGNAL_ACCEPT_CERTIFICATE,
  SIGNAL_BEFORE_SEND,
  SIGNAL_HANDLE_REQUEST,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "stream_%u", GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS("application/x-rtp"));

static void gst_rtsp_src2_uri_handler_init(gpointer iface, gpointer data);

G_DEFINE_TYPE_WITH_CODE(GstRtspSrc2, gst_rtsp_src2, GST_TYPE_BIN,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER, gst_rtsp_src2_uri_handler_init));

GST_ELEMENT_REGISTER_DEFINE(rtspsrc2, "rtspsrc2", GST_RANK_MARGINAL, GST_TYPE_RTSP_SRC2);

// ------------------------------------------------------------------ SrcHost

RtspSrc2Private::RtspSrc2Private(GstRtspSrc2* s) : self(s), combiner(gst_flow_combiner_new()) {
  settings.user_agent = rtspsrc2_default_user_agent();
}

RtspSrc2Private::~RtspSrc2Private() {
  gst_flow_combiner_free(combiner);
}

void RtspSrc2Private::emit_on_sdp(GstSDPMessage* sdp) {
  g_signal_emit(self, signals[SIGNAL_ON_SDP], 0, sdp);
}

bool RtspSrc2Private::emit_select_stream(unsigned index, GstCaps* caps) {
  gboolean selected = TRUE;
  g_signal_emit(self, signals[SIGNAL_SELECT_STREAM], 0, index, caps, &selected);
  return selected != FALSE;
}

void RtspSrc2Private::set_streams(const std::vector<unsigned>& indices) {
  std::lock_guard lock(pads_mutex);
  expected_pads = indices;
}

void RtspSrc2Private::set_presentation(bool is_seekable, GstClockTime d) {
  seekable = is_seekable;
  duration = d;
}

void RtspSrc2Private::mark_discont() {
  std::lock_guard lock(pads_mutex);
  for (auto& [n, p] : pads) p->discont = true;
}

static gboolean default_before_send(GstElement*, GstRTSPMessage*) {
  return TRUE;
}

// Stops at the first handler that returns FALSE, and that is the result.
static gboolean before_send_accumulator(GSignalInvocationHint*, GValue* result, const GValue* handler_return,
                                        gpointer) {
  const gboolean send = g_value_get_boolean(handler_return);
  g_value_set_boolean(result, send);
  return send;
}

bool RtspSrc2Private::accept_certificate(GTlsConnection* connection, GTlsCertificate* certificate,
                                         GTlsCertificateFlags errors) {
  return rtsp2::emit_accept_certificate(GST_ELEMENT(self), signals[SIGNAL_ACCEPT_CERTIFICATE], connection,
                                        certificate, errors);
}

// Only when someone listens: the request goes through a GstRTSPMessage and back.
bool RtspSrc2Private::before_send(rtsp2::core::Request& request) {
  if (!g_signal_has_handler_pending(self, signals[SIGNAL_BEFORE_SEND], 0, FALSE)) return true;
  rtsp2::RtspMessagePtr message = rtsp2::to_rtsp_message(request);
  if (!message) return true;
  gboolean send = TRUE;
  g_signal_emit(self, signals[SIGNAL_BEFORE_SEND], 0, message.get(), &send);
  if (!send) return false;
  if (!rtsp2::from_rtsp_message(message.get(), request)) {
    GST_WARNING_OBJECT(self, "before-send left %s with unreadable headers; sent as it was",
                       request.method_name.c_str());
  }
  return true;
}

void RtspSrc2Private::handle_request(const rtsp2::core::Request& request, rtsp2::core::Response& response) {
  if (!g_signal_has_handler_pending(self, signals[SIGNAL_HANDLE_REQUEST], 0, FALSE)) return;
  rtsp2::RtspMessagePtr req = rtsp2::to_rtsp_message(request);
  rtsp2::RtspMessagePtr resp = rtsp2::to_rtsp_message(response);
  if (!req || !resp) return;
  g_signal_emit(self, signals[SIGNAL_HANDLE_REQUEST], 0, req.get(), resp.get());
  if (!rtsp2::from_rtsp_message(resp.get(), response)) {
    GST_WARNING_OBJECT(self, "handle-request left the answer to %s unreadable; sent as it was",
                       request.method_name.c_str());
  }
}

bool RtspSrc2Private::has_pads() {
  std::lock_guard lock(pads_mutex);
  return !pads.empty();
}

void RtspSrc2Private::teardown_done() {
  std::lock_guard lock(teardown_mutex);
  teardown_finished = true;
  teardown_cond.notify_all();
}

GstClockTime RtspSrc2Private::running_time() {
  GstClock* clock = gst_element_get_clock(GST_ELEMENT(self));
  if (clock == nullptr) return GST_CLOCK_TIME_NONE;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
  return now > base ? now - base : 0;
}

// ------------------------------------------------------------------ output pads

namespace {

OutputPad* output_of(GstPad* internal) {
  return static_cast<OutputPad*>(gst_pad_get_element_private(internal));
}

GstFlowReturn combine(GstRtspSrc2* self, GstPad* ghost, GstFlowReturn ret) {
  std::lock_guard lock(self->priv->combiner_mutex);
  // One unlinked pad must not stop the others: NOT_LINKED only when every pad is, and every stream has one.
  const GstFlowReturn combined = gst_flow_combiner_update_pad_flow(self->priv->combiner, ghost, ret);
  return combined == GST_FLOW_NOT_LINKED && !self->priv->combiner_has_every_pad ? GST_FLOW_OK : combined;
}

GstFlowReturn internal_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
  OutputPad* out = output_of(pad);
  if (out != nullptr && out->discont.exchange(false)) {
    buffer = gst_buffer_make_writable(buffer);
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
  }
  GstFlowReturn ret = gst_proxy_pad_chain_default(pad, parent, buffer);
  GstObjectPtr<GstElement> element(gst_pad_get_parent_element(out != nullptr ? out->ghost : pad));
  if (!element || out == nullptr) return ret;
  return combine(GST_RTSP_SRC2(element.get()), out->ghost, ret);
}

GstFlowReturn internal_chain_list(GstPad* pad, GstObject* parent, GstBufferList* list) {
  OutputPad* out = output_of(pad);
  if (out != nullptr && out->discont.exchange(false) && gst_buffer_list_length(list) > 0) {
    list = gst_buffer_list_make_writable(list);
    GstBuffer* first = gst_buffer_list_get_writable(list, 0);
    GST_BUFFER_FLAG_SET(first, GST_BUFFER_FLAG_DISCONT);
  }
  GstFlowReturn ret = gst_proxy_pad_chain_list_default(pad, parent, list);
  GstObjectPtr<GstElement> element(gst_pad_get_parent_element(out != nullptr ? out->ghost : pad));
  if (!element || out == nullptr) return ret;
  return combine(GST_RTSP_SRC2(element.get()), out->ghost, ret);
}

gboolean handle_seek(GstRtspSrc2* self, GstEvent* event) {
  auto* priv = self->priv;
  gdouble rate = 1.0;
  GstFormat format;
  GstSeekFlags flags;
  GstSeekType start_type, stop_type;
  gint64 start = 0, stop = -1;
  gst_event_parse_seek(event, &rate, &format, &flags, &start_type, &start, &stop_type, &stop);
  if (format != GST_FORMAT_TIME || !priv->seekable || rate <= 0.0) {
    GST_DEBUG_OBJECT(self, "seek refused (format %s, seekable %d, rate %f)", gst_format_get_name(format),
                     bool(priv->seekable), rate);
    return FALSE;
  }
  const std::uint32_t seqnum = gst_event_get_seqnum(event);
  // A pipeline seek reaches every src pad: act once per seqnum.
  if (priv->last_seek_seqnum.exchange(seqnum) == seqnum) return TRUE;
  if (!priv->worker || !priv->started) return FALSE;
  cmd::Seek s;
  s.rate = rate;
  s.start_s = start_type == GST_SEEK_TYPE_SET && start >= 0 ? double(start) / GST_SECOND : 0.0;
  if (stop_type == GST_SEEK_TYPE_SET && stop >= 0) s.stop_s = double(stop) / GST_SECOND;
  s.flush = (flags & GST_SEEK_FLAG_FLUSH) != 0;
  s.seqnum = seqnum;
  priv->worker->push(std::move(s));
  return TRUE;
}

gboolean src_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_SEEK) {
    gboolean res = handle_seek(GST_RTSP_SRC2(parent), event);
    gst_event_unref(event);
    return res;
  }
  return gst_pad_event_default(pad, parent, event);
}

gboolean src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  auto* priv = GST_RTSP_SRC2(parent)->priv;
  switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_DURATION: {
      GstFormat format;
      gst_query_parse_duration(query, &format, nullptr);
      if (format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(priv->duration.load())) {
        gst_query_set_duration(query, format, gint64(priv->duration.load()));
        return TRUE;
      }
      break;
    }
    case GST_QUERY_SEEKING: {
      GstFormat format;
      gst_query_parse_seeking(query, &format, nullptr, nullptr, nullptr);
      if (format == GST_FORMAT_TIME) {
        const GstClockTime d = priv->duration;
        gst_query_set_seeking(query, format, priv->seekable ? TRUE : FALSE, 0,
                              GST_CLOCK_TIME_IS_VALID(d) ? gint64(d) : -1);
        return TRUE;
      }
      break;
    }
    default:
      break;
  }
  return gst_pad_query_default(pad, parent, query);
}

void on_receive_pad(GstRtspSrc2* self, unsigned index, GstPad* target) {
  auto* priv = self->priv;
  GstPad* ghost = nullptr;
  bool all = false;
  {
    std::lock_guard lock(priv->pads_mutex);
    auto it = priv->pads.find(index);
    if (it != priv->pads.end()) {
      // A new sender (SSRC) on a stream we already expose, e.g. after a reconnect: same pad, new source.
      GST_DEBUG_OBJECT(self, "stream_%u now from %s", index, GST_PAD_NAME(target));
      gst_ghost_pad_set_target(GST_GHOST_PAD(it->second->ghost), target);
      return;
    }
    const std::string name = "stream_" + std::to_string(index);
    GstPadTemplate* templ = gst_static_pad_template_get(&src_template);
    ghost = gst_ghost_pad_new_from_template(name.c_str(), target, templ);
    gst_object_unref(templ);
    auto out = std::make_unique<OutputPad>();
    out->index = index;
    out->ghost = ghost;
    GstPad* internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(ghost)));
    gst_pad_set_element_private(internal, out.get());
    gst_pad_set_chain_function(internal, internal_chain);
    gst_pad_set_chain_list_function(internal, internal_chain_list);
    gst_object_unref(internal);
    gst_pad_set_event_function(ghost, src_event);
    gst_pad_set_query_function(ghost, src_query);
    priv->pads[index] = std::move(out);
    bool every = !priv->expected_pads.empty();
    for (unsigned e : priv->expected_pads) every = every && priv->pads.count(e) != 0;
    {
      std::lock_guard clock(priv->combiner_mutex);
      gst_flow_combiner_add_pad(priv->combiner, ghost);
      // The new pad counts as OK until it pushes. This also replaces the combined flow cached from before it
      // existed: the combiner answers a repeated flow from that cache without looking at the pads again.
      gst_flow_combiner_update_pad_flow(priv->combiner, ghost, GST_FLOW_OK);
      priv->combiner_has_every_pad = every;
    }
    all = every && !priv->no_more_pads_sent;
    if (all) priv->no_more_pads_sent = true;
  }
  gst_pad_set_active(ghost, TRUE);
  // Caps (and the other sticky events) on the pad when pad-added is emitted, as rtspsrc's pads have them:
  // applications look at them to decide what to link.
  gst_pad_sticky_events_foreach(
      target,
      +[](GstPad*, GstEvent** event, gpointer pad) -> gboolean {
        gst_pad_store_sticky_event(GST_PAD(pad), *event);
        return TRUE;
      },
      ghost);
  GST_DEBUG_OBJECT(self, "adding pad %s", GST_PAD_NAME(ghost));
  gst_element_add_pad(GST_ELEMENT(self), ghost);
  if (all) gst_element_no_more_pads(GST_ELEMENT(self));
}

void remove_pads(GstRtspSrc2* self) {
  auto* priv = self->priv;
  std::map<unsigned, std::unique_ptr<OutputPad>> pads;
  {
    std::lock_guard lock(priv->pads_mutex);
    pads.swap(priv->pads);
    priv->expected_pads.clear();
    priv->no_more_pads_sent = false;
  }
  {
    std::lock_guard lock(priv->combiner_mutex);
    gst_flow_combiner_clear(priv->combiner);
    priv->combiner_has_every_pad = false;
  }
  for (auto& [n, p] : pads) {
    gst_pad_set_active(p->ghost, FALSE);
    GstPad* internal = GST_PAD(gst_proxy_pad_get_internal(GST_PROXY_PAD(p->ghost)));
    gst_pad_set_element_private(internal, nullptr);
    gst_object_unref(internal);
    gst_element_remove_pad(GST_ELEMENT(self), p->ghost);
  }
}

}  // namespace

// ------------------------------------------------------------------ state changes

namespace {

void run_command(GstRtspSrc2* self, Command& c) {
  auto* priv = self->priv;
  if (auto* open = std::get_if<cmd::Open>(&c)) {
    priv->controller.reset();
    priv->controller =
        std::make_unique<SrcController>(priv->worker->context(), *priv, std::move(open->settings));
    return;
  }
  if (std::holds_alternative<cmd::Shutdown>(c)) {
    priv->controller.reset();
    return;
  }
  if (priv->controller) {
    priv->controller->handle(c);
    return;
  }
  // No session: answer the callers that wait for one.
  auto refuse = [](PromisePtr& p, const char* name) {
    if (p) gst_promise_reply(p.get(), gst_structure_new(name, "rtsp-result", G_TYPE_INT, -1, nullptr));
  };
  if (auto* g = std::get_if<cmd::GetParameter>(&c)) refuse(g->promise, "get-parameter-reply");
  if (auto* s = std::get_if<cmd::SetParameter>(&c)) refuse(s->promise, "set-parameter-reply");
  if (std::holds_alternative<cmd::Teardown>(c)) priv->teardown_done();
}

bool start(GstRtspSrc2* self) {
  auto* priv = self->priv;
  Settings settings;
  {
    std::lock_guard lock(priv->settings_mutex);
    settings = priv->settings;
  }
  if (settings.location.empty() || !core::parse_url(settings.location)) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No valid RTSP URL was provided"),
                      ("location '%s' is not an rtsp:// URL", settings.location.empty() ? "" : "(invalid)"));
    return false;
  }
  {
    std::lock_guard lock(priv->shared_stats.mutex);
    auto& st = priv->shared_stats;
    st.streams.clear();
    st.reconnects = st.keep_alives = st.requests = st.dropped_interleaved = 0;
    st.rtt_ms = -1;
  }
  priv->seekable = false;
  priv->duration = GST_CLOCK_TIME_NONE;
  priv->last_seek_seqnum = 0;
  {
    std::lock_guard lock(priv->teardown_mutex);
    priv->teardown_finished = false;
  }
  if (!priv->worker) {
    priv->worker = std::make_unique<Worker<Command>>(
        "rtspsrc2", [self](Command& c) { run_command(self, c); }, WorkerLoop::Thread::Shared);
  }
  ReceivePathConfig rc;
  rc.latency_ms = settings.latency_ms;
  rc.drop_on_latency = settings.drop_on_latency;
  rc.do_rtcp = settings.do_rtcp;
  rc.probation = settings.probation;
  rc.sdes = settings.sdes;
  rc.rtpbin = settings.rtpbin;
  rc.rtpbin.ntp_time_source = settings.ntp_time_source;
  ReceivePath::Callbacks cb;
  cb.pad_added = [self](unsigned n, GstPad* pad) { on_receive_pad(self, n, pad); };
  cb.rtcp_out = [priv](unsigned n, BufferPtr b) {
    if (priv->worker) priv->worker->push(cmd::SendRtcp{n, std::move(b)});
  };
  cb.flow_error = [priv](unsigned n, GstFlowReturn ret) {
    if (priv->worker) priv->worker->push(cmd::FlowError{n, ret});
  };
  // Only the worker thread asks, and the worker outlives the receive path.
  cb.worker_shared = [priv] { return priv->worker->shares_thread(); };
  cb.output_threaded = [priv] { priv->worker->share_thread(); };
  const bool native = settings.rtp_engine == RtpEngine::Native;
  {
    std::lock_guard lock(priv->receive_mutex);
    priv->receive = native ? make_native_receive_path(priv->worker->context(), rc, std::move(cb))
                           : make_rtpbin_receive_path(GST_BIN(self), rc, std::move(cb));
  }
  if (!native) {
    if (priv->receive->manager() == nullptr) {
      GST_ELEMENT_ERROR(self, CORE, MISSING_PLUGIN, ("rtpbin is missing (gst-plugins-good)"), (nullptr));
      return false;
    }
    g_signal_emit(self, signals[SIGNAL_NEW_MANAGER], 0, priv->receive->manager());
  } else if (auto names = native_unapplied_properties(rc.rtpbin); !names.empty()) {
    std::string list;
    for (const char* n : names) list += (list.empty() ? "" : ", ") + std::string(n);
    const auto url = rtsp2::core::parse_url(settings.location);  // printed without credentials
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("%s: rtp-engine=native does not apply %s; set rtp-engine=rtpbin for it",
                         url ? url->to_display_string().c_str() : "rtspsrc2", list.c_str()),
                        ("the native engine works as buffer-mode=slave"));
  }
  priv->worker->push(cmd::Open{std::move(settings)});
  if (!priv->worker->start()) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not start a thread for the RTSP session"),
                      ("the system refused a new thread"));
    return false;
  }
  priv->started = true;
  return true;
}

void stop(GstRtspSrc2* self) {
  auto* priv = self->priv;
  if (priv->started && gst_debug_category_get_threshold(rtspsrc2_debug) >= GST_LEVEL_INFO) {
    GstStructure* stats = gst_rtsp_src2_build_stats(self);
    gchar* text = gst_structure_to_string(stats);
    GST_INFO_OBJECT(self, "stats: %s", text);
    g_free(text);
    gst_structure_free(stats);
  }
  // On a worker thread (another rtspsrc2's callback) waiting would hold every element of that thread, and
  // this one's answer could not even arrive if it is the same thread: TEARDOWN is then only sent.
  if (priv->worker && priv->started && !WorkerThread::on_worker_thread()) {
    std::uint64_t timeout_ns = 0;
    {
      std::lock_guard lock(priv->settings_mutex);
      timeout_ns = priv->settings.teardown_timeout_ns;
    }
    priv->worker->push(cmd::Teardown{});
    std::unique_lock lock(priv->teardown_mutex);
    if (!priv->teardown_cond.wait_for(lock, std::chrono::nanoseconds(timeout_ns),
                                      [priv] { return priv->teardown_finished; })) {
      GST_DEBUG_OBJECT(self, "no TEARDOWN answer within %" G_GUINT64_FORMAT " ns", timeout_ns);
    }
  }
  priv->started = false;
  if (priv->worker) {
    priv->worker->push(cmd::Shutdown{});
    priv->worker->stop();
  }
}

void cleanup(GstRtspSrc2* self) {
  auto* priv = self->priv;
  remove_pads(self);
  std::unique_ptr<ReceivePath> receive;
  {
    std::lock_guard lock(priv->receive_mutex);
    receive = std::move(priv->receive);
  }
  if (receive) receive->remove();
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = GST_RTSP_SRC2(element);
  auto* priv = self->priv;
  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      if (!start(self)) {
        cleanup(self);
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      stop(self);
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED: {
      // Before the worker's next push: the sinks are paused already and would hold it.
      std::lock_guard lock(priv->receive_mutex);
      if (priv->receive) priv->receive->pipeline_paused();
      break;
    }
    default:
      break;
  }

  GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_rtsp_src2_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
      stop(self);
      cleanup(self);
    }
    return ret;
  }

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      if (priv->worker) priv->worker->push(cmd::Play{});
      break;
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      if (priv->worker) priv->worker->push(cmd::Pause{});
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      cleanup(self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      priv->worker.reset();
      break;
    default:
      break;
  }
  return ret;
}

gboolean send_event(GstElement* element, GstEvent* event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_SEEK) {
    gboolean res = handle_seek(GST_RTSP_SRC2(element), event);
    gst_event_unref(event);
    return res;
  }
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
    // An application ending the stream (gst-launch -e): EOS goes through the receive path to every pad, after
    // what is already queued there.
    auto* priv = GST_RTSP_SRC2(element)->priv;
    std::lock_guard lock(priv->receive_mutex);
    if (priv->receive) priv->receive->push_event_all(event);
    gst_event_unref(event);
    return TRUE;
  }
  return GST_ELEMENT_CLASS(gst_rtsp_src2_parent_class)->send_event(element, event);
}

// ------------------------------------------------------------------ actions

gboolean get_parameter(GstRtspSrc2* self, const gchar* parameter, const gchar* content_type,
                       GstPromise* promise) {
  auto* priv = self->priv;
  if (parameter == nullptr || promise == nullptr || !priv->started || !priv->worker) return FALSE;
  std::string body = parameter;
  if (!body.empty()) body += "\r\n";
  priv->worker->push(cmd::GetParameter{std::move(body), content_type ? content_type : "text/parameters",
                                       ref_promise(promise)});
  return TRUE;
}

gboolean set_parameter(GstRtspSrc2* self, const gchar* name, const gchar* value, const gchar* content_type,
                       GstPromise* promise) {
  auto* priv = self->priv;
  if (name == nullptr || value == nullptr || promise == nullptr || !priv->started || !priv->worker)
    return FALSE;
  std::string body = std::string(name) + ": " + value + "\r\n";
  priv->worker->push(cmd::SetParameter{std::move(body), content_type ? content_type : "text/parameters",
                                       ref_promise(promise)});
  return TRUE;
}

gboolean default_select_stream(GstRtspSrc2*, guint, GstCaps*) {
  return TRUE;
}

gboolean select_stream_accumulator(GSignalInvocationHint*, GValue* return_accu, const GValue* handler_return,
                                   gpointer) {
  const gboolean selected = g_value_get_boolean(handler_return);
  g_value_set_boolean(return_accu, selected);
  return selected;  // the first handler saying no wins
}

}  // namespace

// ------------------------------------------------------------------ GObject

static void gst_rtsp_src2_init(GstRtspSrc2* self) {
  self->priv = new RtspSrc2Private(self);
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
  gst_bin_set_suppressed_flags(GST_BIN(self),
                               GstElementFlags(GST_ELEMENT_FLAG_SOURCE | GST_ELEMENT_FLAG_SINK));
}

static void gst_rtsp_src2_finalize(GObject* object) {
  auto* self = GST_RTSP_SRC2(object);
  if (self->priv->worker) self->priv->worker->stop();
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(gst_rtsp_src2_parent_class)->finalize(object);
}

static void gst_rtsp_src2_class_init(GstRtspSrc2Class* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->set_property = gst_rtsp_src2_set_property;
  gobject_class->get_property = gst_rtsp_src2_get_property;
  gobject_class->finalize = gst_rtsp_src2_finalize;
  gst_rtsp_src2_install_properties(gobject_class);

  signals[SIGNAL_ON_SDP] =
      g_signal_new("on-sdp", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 1, GType(GST_TYPE_SDP_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE));
  // The class handler runs last and selects: a user handler returning FALSE stops the emission first.
  signals[SIGNAL_SELECT_STREAM] = g_signal_new_class_handler(
      "select-stream", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, G_CALLBACK(default_select_stream),
      select_stream_accumulator, nullptr, nullptr, G_TYPE_BOOLEAN, 2, G_TYPE_UINT, GST_TYPE_CAPS);
  signals[SIGNAL_NEW_MANAGER] = g_signal_new("new-manager", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_FIRST, 0,
                                             nullptr, nullptr, nullptr, G_TYPE_NONE, 1, GST_TYPE_ELEMENT);
  signals[SIGNAL_ACCEPT_CERTIFICATE] = rtsp2::install_accept_certificate_signal(G_OBJECT_CLASS(klass));
  // As rtspsrc: a request from the server and the answer prepared for it, on the worker thread.
  signals[SIGNAL_HANDLE_REQUEST] =
      g_signal_new("handle-request", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr,
                   nullptr, G_TYPE_NONE, 2, GType(GST_TYPE_RTSP_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE),
                   GType(GST_TYPE_RTSP_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE));
  // As rtspsrc: every request, on the worker thread, before it is sent; FALSE (from any handler) drops it.
  signals[SIGNAL_BEFORE_SEND] = g_signal_new_class_handler(
      "before-send", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, G_CALLBACK(default_before_send),
      before_send_accumulator, nullptr, nullptr, G_TYPE_BOOLEAN, 1,
      GType(GST_TYPE_RTSP_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE));
  signals[SIGNAL_GET_PARAMETER] = g_signal_new_class_handler(
      "get-parameter", G_TYPE_FROM_CLASS(klass), GSignalFlags(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK(get_parameter), nullptr, nullptr, nullptr, G_TYPE_BOOLEAN, 3, G_TYPE_STRING, G_TYPE_STRING,
      GST_TYPE_PROMISE);
  signals[SIGNAL_SET_PARAMETER] = g_signal_new_class_handler(
      "set-parameter", G_TYPE_FROM_CLASS(klass), GSignalFlags(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION),
      G_CALLBACK(set_parameter), nullptr, nullptr, nullptr, G_TYPE_BOOLEAN, 4, G_TYPE_STRING, G_TYPE_STRING,
      G_TYPE_STRING, GST_TYPE_PROMISE);

  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "RTSP packet receiver (rtsp2)", "Source/Network",
                                        "Receive data over the network via RTSP (RFC 2326), surviving lost "
                                        "connections",
                                        "rtsp2 project");
  element_class->change_state = change_state;
  element_class->send_event = send_event;
}

// ------------------------------------------------------------------ URI handler

static GstURIType uri_get_type(GType) {
  return GST_URI_SRC;
}

static const gchar* const* uri_get_protocols(GType) {
  static const gchar* protocols[] = {"rtsp", "rtspu", "rtspt", "rtsps", "rtspsu", "rtspst", nullptr};
  return protocols;
}

static gchar* uri_get_uri(GstURIHandler* handler) {
  auto* priv = GST_RTSP_SRC2(handler)->priv;
  std::lock_guard lock(priv->settings_mutex);
  return priv->settings.location.empty() ? nullptr : g_strdup(priv->settings.location.c_str());
}

static gboolean uri_set_uri(GstURIHandler* handler, const gchar* uri, GError** error) {
  auto* self = GST_RTSP_SRC2(handler);
  if (uri == nullptr || !core::parse_url(uri)) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "Invalid RTSP URI");
    return FALSE;
  }
  GstState state = GST_STATE_NULL;
  GST_OBJECT_LOCK(self);
  state = GST_STATE(self);
  GST_OBJECT_UNLOCK(self);
  if (state > GST_STATE_READY) {
    g_set_error(error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                "Changing the URI of rtspsrc2 while it is running is not supported");
    return FALSE;
  }
  std::lock_guard lock(self->priv->settings_mutex);
  self->priv->settings.location = uri;
  return TRUE;
}

static void gst_rtsp_src2_uri_handler_init(gpointer iface, gpointer) {
  auto* i = static_cast<GstURIHandlerInterface*>(iface);
  i->get_type = uri_get_type;
  i->get_protocols = uri_get_protocols;
  i->get_uri = uri_get_uri;
  i->set_uri = uri_set_uri;
}
