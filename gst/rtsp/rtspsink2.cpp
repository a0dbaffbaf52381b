// rtspsink2: the element, its request pads and its state changes. The RTSP work happens on the worker thread
// (sink_controller.cpp); the data path is pad → [payloader] → GstRtspSink2Out → SinkStream → worker.
//
//   sink_%u (GstRtspSink2Pad, ghost) ──▶ payloader (plugged on the first caps) ──▶ out_%u (GstRtspSink2Out)
#include "config.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include "common_properties.hpp"
#include "rtspsink2_private.hpp"
#include "sink_out.hpp"
#include "sink_payloader.hpp"
#include "url.hpp"

GST_DEBUG_CATEGORY(rtspsink2_debug);
#define GST_CAT_DEFAULT rtspsink2_debug

using rtsp2::CapsPtr;
using rtsp2::CharPtr;
using rtsp2::GstObjectPtr;
using rtsp2::sink::PadEntry;
using rtsp2::sink::SinkCommand;
using rtsp2::sink::SinkStream;
namespace cmd = rtsp2::sink::cmd;

// ---------------------------------------------------------------------------------------------------------------
// The pad type

enum { PAD_PROP_0, PAD_PROP_PAYLOADER };

G_DEFINE_FINAL_TYPE(GstRtspSink2Pad, gst_rtsp_sink2_pad, GST_TYPE_GHOST_PAD)

static void gst_rtsp_sink2_pad_finalize(GObject* object) {
  g_free(GST_RTSP_SINK2_PAD(object)->payloader);
  G_OBJECT_CLASS(gst_rtsp_sink2_pad_parent_class)->finalize(object);
}

static void gst_rtsp_sink2_pad_set_property(GObject* object, guint prop_id, const GValue* value,
                                            GParamSpec* pspec) {
  auto* pad = GST_RTSP_SINK2_PAD(object);
  if (prop_id != PAD_PROP_PAYLOADER) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK(pad);
  g_free(pad->payloader);
  const gchar* v = g_value_get_string(value);
  pad->payloader = v != nullptr && *v != '\0' ? g_strdup(v) : nullptr;
  GST_OBJECT_UNLOCK(pad);
}

static void gst_rtsp_sink2_pad_get_property(GObject* object, guint prop_id, GValue* value,
                                            GParamSpec* pspec) {
  auto* pad = GST_RTSP_SINK2_PAD(object);
  if (prop_id != PAD_PROP_PAYLOADER) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    return;
  }
  GST_OBJECT_LOCK(pad);
  g_value_set_string(value, pad->payloader);
  GST_OBJECT_UNLOCK(pad);
}

static void gst_rtsp_sink2_pad_class_init(GstRtspSink2PadClass* klass) {
  auto* gobject_class = G_OBJECT_CLASS(klass);
  gobject_class->finalize = gst_rtsp_sink2_pad_finalize;
  gobject_class->set_property = gst_rtsp_sink2_pad_set_property;
  gobject_class->get_property = gst_rtsp_sink2_pad_get_property;
  g_object_class_install_property(
      gobject_class, PAD_PROP_PAYLOADER,
      g_param_spec_string(
          "payloader", "Payloader",
          "Element factory name of the RTP payloader for this pad (empty: ours when one fits, else "
          "the highest-ranked one); read when the first caps arrive",
          nullptr, GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

static void gst_rtsp_sink2_pad_init(GstRtspSink2Pad* pad) {
  pad->payloader = nullptr;
  pad->index = 0;
}

namespace {

std::string pad_payloader(GstRtspSink2Pad* pad) {
  GST_OBJECT_LOCK(pad);
  std::string s = pad->payloader != nullptr ? pad->payloader : "";
  GST_OBJECT_UNLOCK(pad);
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// The element

enum { SIGNAL_UPDATE_SDP, SIGNAL_NEW_PAYLOADER, SIGNAL_ACCEPT_CERTIFICATE, LAST_SIGNAL };
static guint signals[LAST_SIGNAL] = {0};

G_DEFINE_FINAL_TYPE(GstRtspSink2, gst_rtsp_sink2, GST_TYPE_BIN)
GST_ELEMENT_REGISTER_DEFINE(rtspsink2, "rtspsink2", GST_RANK_NONE, GST_TYPE_RTSP_SINK2)

namespace {

// ANY: application/x-rtp or anything a payloader takes. Caps queries are answered with the precise set.
GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

RtspSink2Private* priv_of(GstElement* element) {
  return GST_RTSP_SINK2(element)->priv;
}

// Plugs the payloader for these caps (or none for RTP) in front of the stream's sink and points the ghost pad
// at it. Runs on the streaming thread, on the first caps event.
bool link_stream(GstRtspSink2* self, GstRtspSink2Pad* pad, GstCaps* caps, std::string* error) {
  auto* priv = self->priv;
  GstElement* out = nullptr;
  {
    std::lock_guard lock(priv->pads_mutex);
    auto it = priv->pads.find(pad->index);
    if (it == priv->pads.end()) {
      *error = "pad was released";
      return false;
    }
    if (it->second.linked) return true;
    out = GST_ELEMENT(gst_object_ref(it->second.out));
  }
  GstObjectPtr<GstElement> out_ref(out);
  GstObjectPtr<GstPad> target;
  GstElement* payloader = nullptr;
  if (rtsp2::sink::is_rtp_caps(caps)) {
    target.reset(gst_element_get_static_pad(out, "sink"));
  } else {
    auto factory = rtsp2::sink::choose_payloader(caps, pad_payloader(pad), error);
    if (!factory) return false;
    const std::string name = "pay_" + std::to_string(pad->index);
    payloader = gst_element_factory_create(factory.get(), name.c_str());
    if (payloader == nullptr) {
      *error =
          std::string("could not create ") + gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory.get()));
      return false;
    }
    unsigned mtu = 0;
    {
      std::lock_guard lock(self->priv->settings_mutex);
      mtu = self->priv->settings.rtp_blocksize;
    }
    rtsp2::sink::configure_payloader(payloader, pad->index, mtu);
    GST_DEBUG_OBJECT(self, "sink_%u: payloader %s", pad->index, GST_OBJECT_NAME(factory.get()));
    // As rtspclientsink: the application may configure the payloader (mtu, ...) before it runs.
    g_signal_emit(self, signals[SIGNAL_NEW_PAYLOADER], 0, payloader);
    gst_bin_add(GST_BIN(self), payloader);
    if (!gst_element_link_pads(payloader, "src", out, "sink")) {
      *error = "payloader output does not link to the stream";
      gst_bin_remove(GST_BIN(self), payloader);
      return false;
    }
    gst_element_sync_state_with_parent(payloader);
    target.reset(gst_element_get_static_pad(payloader, "sink"));
  }
  if (!target || !gst_ghost_pad_set_target(GST_GHOST_PAD(pad), target.get())) {
    *error = "cannot link the pad";
    if (payloader != nullptr) {
      gst_element_set_state(payloader, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(self), payloader);
    }
    return false;
  }
  std::lock_guard lock(priv->pads_mutex);
  auto it = priv->pads.find(pad->index);
  if (it != priv->pads.end()) {
    it->second.payloader = payloader != nullptr ? GST_ELEMENT(gst_object_ref(payloader)) : nullptr;
    it->second.linked = true;
  }
  return true;
}

gboolean pad_event(GstPad* pad, GstObject* parent, GstEvent* event) {
  auto* spad = GST_RTSP_SINK2_PAD(pad);
  if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
    GstObjectPtr<GstPad> target(gst_ghost_pad_get_target(GST_GHOST_PAD(pad)));
    if (!target) {
      GstCaps* caps = nullptr;
      gst_event_parse_caps(event, &caps);
      std::string error;
      if (!link_stream(GST_RTSP_SINK2(parent), spad, caps, &error)) {
        CharPtr text(gst_caps_to_string(caps));
        GST_ELEMENT_ERROR(parent, STREAM, FORMAT,
                          ("sink_%u: cannot publish this stream: %s", spad->index, error.c_str()),
                          ("caps: %s", text.get()));
        gst_event_unref(event);
        return FALSE;
      }
    }
  }
  return gst_pad_event_default(pad, parent, event);
}

gboolean pad_query(GstPad* pad, GstObject* parent, GstQuery* query) {
  auto* spad = GST_RTSP_SINK2_PAD(pad);
  GstObjectPtr<GstPad> target(gst_ghost_pad_get_target(GST_GHOST_PAD(pad)));
  if (!target) {
    switch (GST_QUERY_TYPE(query)) {
      case GST_QUERY_CAPS: {
        GstCaps* filter = nullptr;
        gst_query_parse_caps(query, &filter);
        CapsPtr caps = rtsp2::sink::payloadable_caps(pad_payloader(spad));
        if (filter != nullptr) {
          caps.reset(gst_caps_intersect_full(filter, caps.get(), GST_CAPS_INTERSECT_FIRST));
        }
        gst_query_set_caps_result(query, caps.get());
        return TRUE;
      }
      case GST_QUERY_ACCEPT_CAPS:
        // Everything is let through to the caps event, which plugs the payloader or posts one clear error
        // naming the caps; refusing here would only give upstream's generic not-negotiated error.
        gst_query_set_accept_caps_result(query, TRUE);
        return TRUE;
      default:
        break;
    }
  }
  return gst_pad_query_default(pad, parent, query);
}

GstPad* request_new_pad(GstElement* element, GstPadTemplate* templ, const gchar* name, const GstCaps*) {
  auto* self = GST_RTSP_SINK2(element);
  auto* priv = self->priv;
  {
    std::lock_guard lock(priv->run_mutex);
    if (priv->worker) {
      GST_ELEMENT_WARNING(element, CORE, PAD, ("rtspsink2 cannot add a stream to a session that is running"),
                          ("request pads before going to PAUSED"));
      return nullptr;
    }
  }
  unsigned index = 0;
  {
    std::lock_guard lock(priv->pads_mutex);
    const std::string_view requested = name != nullptr ? name : "";
    const bool named =
        requested.size() > 5 && requested.substr(0, 5) == "sink_" &&
        std::from_chars(requested.data() + 5, requested.data() + requested.size(), index).ptr ==
            requested.data() + requested.size();
    if (named) {
      if (priv->pads.count(index) != 0) return nullptr;
    } else {
      while (priv->pads.count(priv->next_pad) != 0) priv->next_pad++;
      index = priv->next_pad;
    }
    priv->next_pad = std::max(priv->next_pad, index + 1);
  }
  const std::string pad_name = "sink_" + std::to_string(index);
  auto stream = std::make_shared<SinkStream>(index, *priv, priv->order);
  const std::string out_name = "out_" + std::to_string(index);
  GstElement* out = rtsp2::sink::make_out_sink(stream, out_name.c_str());
  gst_bin_add(GST_BIN(self), out);
  gst_element_sync_state_with_parent(out);

  auto* pad = GST_RTSP_SINK2_PAD(g_object_new(GST_TYPE_RTSP_SINK2_PAD, "name", pad_name.c_str(), "direction",
                                              GST_PAD_SINK, "template", templ, nullptr));
  pad->index = index;
  gst_pad_set_event_function(GST_PAD(pad), pad_event);
  gst_pad_set_query_function(GST_PAD(pad), pad_query);
  {
    std::lock_guard lock(priv->pads_mutex);
    priv->pads[index] = PadEntry{pad, stream, GST_ELEMENT(gst_object_ref(out)), nullptr, false};
  }
  if (GST_STATE(element) >= GST_STATE_PAUSED) gst_pad_set_active(GST_PAD(pad), TRUE);
  gst_element_add_pad(element, GST_PAD(pad));
  return GST_PAD(pad);
}

void release_pad(GstElement* element, GstPad* pad) {
  auto* priv = priv_of(element);
  PadEntry entry;
  {
    std::lock_guard lock(priv->pads_mutex);
    auto it = priv->pads.find(GST_RTSP_SINK2_PAD(pad)->index);
    if (it == priv->pads.end()) return;
    entry = it->second;
    priv->pads.erase(it);
  }
  // A session that counts on this stream must not wait for it any longer.
  if (!entry.stream->is_eos()) entry.stream->end_of_stream();
  gst_ghost_pad_set_target(GST_GHOST_PAD(pad), nullptr);
  // The entry holds its own references: when the bin is disposed, its children are gone before the pads.
  for (GstElement* e : {entry.payloader, entry.out}) {
    if (e == nullptr) continue;
    if (GST_OBJECT_PARENT(e) == GST_OBJECT(element)) {
      gst_element_set_locked_state(e, TRUE);
      gst_element_set_state(e, GST_STATE_NULL);
      gst_bin_remove(GST_BIN(element), e);
    }
    gst_object_unref(e);
  }
  gst_element_remove_pad(element, pad);
}

bool start(GstRtspSink2* self) {
  auto* priv = self->priv;
  rtsp2::sink::SinkSettings settings;
  {
    std::lock_guard lock(priv->settings_mutex);
    settings = priv->settings;
  }
  std::vector<std::shared_ptr<SinkStream>> streams;
  {
    std::lock_guard lock(priv->pads_mutex);
    for (auto& [index, entry] : priv->pads) {
      entry.stream->reset();
      entry.stream->set_limits(std::chrono::nanoseconds(settings.max_queue_time_ns), 32u << 20);
      streams.push_back(entry.stream);  // std::map: ordered by pad index
    }
  }
  {
    std::lock_guard lock(priv->stop_mutex);
    priv->stop_done = false;
  }
  auto worker = std::make_unique<rtsp2::Worker<SinkCommand>>("rtspsink2", [priv](SinkCommand& c) {
    // Commands run only while the controller exists (it is destroyed after the worker stopped).
    priv->controller->handle(c);
  });
  auto controller = std::make_unique<rtsp2::sink::SinkController>(worker->context(), *priv);
  worker->push(cmd::Start{std::move(settings), std::move(streams)});
  std::lock_guard lock(priv->run_mutex);
  priv->controller = std::move(controller);
  priv->worker = std::move(worker);
  if (!priv->worker->start()) {
    GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not start a thread for the RTSP session"),
                      ("the system refused a new thread"));
    return false;
  }
  return true;
}

void stop(GstRtspSink2* self) {
  auto* priv = self->priv;
  {
    std::lock_guard lock(priv->run_mutex);
    if (!priv->worker) return;
    priv->worker->push(cmd::Stop{});
  }
  {
    // The controller bounds TEARDOWN itself; this bound only guards against a worker that cannot run.
    std::unique_lock lock(priv->stop_mutex);
    priv->stop_cond.wait_for(lock, std::chrono::seconds(5), [&] { return priv->stop_done; });
  }
  std::unique_ptr<rtsp2::Worker<SinkCommand>> worker;
  {
    std::lock_guard lock(priv->run_mutex);
    worker = std::move(priv->worker);
  }
  // Commands still queued run now, on the controller: it goes only after the worker.
  worker->stop();
  std::unique_ptr<rtsp2::sink::SinkController> controller;
  {
    std::lock_guard lock(priv->run_mutex);
    controller = std::move(priv->controller);
    priv->last_stats = controller->stats();
  }
  controller.reset();
  worker.reset();
  std::lock_guard lock(priv->pads_mutex);
  for (auto& [index, entry] : priv->pads) entry.stream->finish();
}

GstStateChangeReturn change_state(GstElement* element, GstStateChange transition) {
  auto* self = GST_RTSP_SINK2(element);
  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY: {
      std::string location;
      {
        std::lock_guard lock(self->priv->settings_mutex);
        location = self->priv->settings.location;
      }
      if (!rtsp2::core::parse_url(location)) {
        GST_ELEMENT_ERROR(element, RESOURCE, NOT_FOUND, ("No valid RTSP URL was provided"),
                          ("location must be rtsp://, rtsps://, rtspt://, rtspu://... with a host"));
        return GST_STATE_CHANGE_FAILURE;
      }
      break;
    }
    case GST_STATE_CHANGE_READY_TO_PAUSED:
      start(self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
    case GST_STATE_CHANGE_READY_TO_NULL:
      // Before the children change: TEARDOWN while the connection is still there; it also releases any sink
      // waiting in EOS. READY→NULL too: a bin that never finished prerolling goes down without PAUSED→READY.
      stop(self);
      break;
    default:
      break;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS(gst_rtsp_sink2_parent_class)->change_state(element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE && transition == GST_STATE_CHANGE_READY_TO_PAUSED) stop(self);
  return ret;
}

void finalize(GObject* object) {
  auto* self = GST_RTSP_SINK2(object);
  stop(self);  // normally done by the state change to NULL already
  delete self->priv;
  G_OBJECT_CLASS(gst_rtsp_sink2_parent_class)->finalize(object);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Private: what the streams and the controller call

void RtspSink2Private::push(SinkCommand command) {
  std::lock_guard lock(run_mutex);
  if (worker) worker->push(std::move(command));
}

void RtspSink2Private::stream_ready(unsigned index) {
  push(cmd::Ready{index});
}

void RtspSink2Private::stream_data(unsigned) {
  push(cmd::Data{});
}

void RtspSink2Private::stream_eos(unsigned index) {
  push(cmd::Eos{index});
}

void RtspSink2Private::stream_dropping(unsigned index, const std::string& why) {
  GST_ELEMENT_WARNING(self, STREAM, FAILED, ("sink_%u: %s", index, why.c_str()),
                      ("raise max-queue-time or lower the bitrate; see the stats property"));
}

void RtspSink2Private::update_sdp(GstSDPMessage* sdp) {
  g_signal_emit(self, signals[SIGNAL_UPDATE_SDP], 0, sdp);
}

bool RtspSink2Private::accept_certificate(GTlsConnection* connection, GTlsCertificate* certificate,
                                          GTlsCertificateFlags errors) {
  return rtsp2::emit_accept_certificate(GST_ELEMENT(self), signals[SIGNAL_ACCEPT_CERTIFICATE], connection,
                                        certificate, errors);
}

void RtspSink2Private::stopped() {
  std::lock_guard lock(stop_mutex);
  stop_done = true;
  stop_cond.notify_all();
}

static void gst_rtsp_sink2_class_init(GstRtspSink2Class* klass) {
  GST_DEBUG_CATEGORY_INIT(rtspsink2_debug, "rtspsink2", 0, "rtsp2 RTSP publisher (ANNOUNCE/RECORD)");
  auto* gobject_class = G_OBJECT_CLASS(klass);
  auto* element_class = GST_ELEMENT_CLASS(klass);
  gobject_class->finalize = finalize;
  gobject_class->set_property = gst_rtsp_sink2_set_property;
  gobject_class->get_property = gst_rtsp_sink2_get_property;
  gst_rtsp_sink2_install_properties(gobject_class);

  // As rtspclientsink: the application may edit the SDP before ANNOUNCE (emitted on the worker thread).
  signals[SIGNAL_UPDATE_SDP] =
      g_signal_new("update-sdp", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 1, GST_TYPE_SDP_MESSAGE | G_SIGNAL_TYPE_STATIC_SCOPE);

  signals[SIGNAL_NEW_PAYLOADER] =
      g_signal_new("new-payloader", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr,
                   G_TYPE_NONE, 1, GST_TYPE_ELEMENT);

  // As rtspclientsink: the application may accept a certificate tls-validation-flags refused (worker thread).
  signals[SIGNAL_ACCEPT_CERTIFICATE] = rtsp2::install_accept_certificate_signal(gobject_class);

  gst_element_class_add_static_pad_template_with_gtype(element_class, &sink_template,
                                                       GST_TYPE_RTSP_SINK2_PAD);
  gst_element_class_set_static_metadata(
      element_class, "RTSP publisher (rtsp2)", "Sink/Network",
      "Publishes streams to an RTSP server with ANNOUNCE and RECORD, plugging payloaders as needed",
      "rtsp2 project");
  element_class->change_state = change_state;
  element_class->request_new_pad = request_new_pad;
  element_class->release_pad = release_pad;
  gst_type_mark_as_plugin_api(GST_TYPE_RTSP_SINK2_PAD, GstPluginAPIFlags(0));
}

static void gst_rtsp_sink2_init(GstRtspSink2* self) {
  self->priv = new RtspSink2Private(self);
  self->priv->settings.user_agent = rtsp2::default_user_agent();
  // A sink bin: the children are sinks, so the bin is one too.
  GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SINK);
}
