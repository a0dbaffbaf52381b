#include "src_controller.hpp"

#include <gst/sdp/gstsdpmessage.h>

#include <algorithm>
#include <cmath>

#include "src_stream.hpp"

GST_DEBUG_CATEGORY_EXTERN(rtspsrc2_debug);
#define GST_CAT_DEFAULT rtspsrc2_debug

namespace rtsp2 {

namespace {

// Core versions before the `fatal` flag treated every failure as fatal.
template <typename F>
bool is_fatal(const F& f) {
  if constexpr (requires { f.fatal; }) {
    return f.fatal;
  } else {
    return true;
  }
}

constexpr auto kFirstReconnectDelay = std::chrono::milliseconds(500);

core::Duration to_duration(std::uint64_t us) {
  // 0 means "no limit" in rtspsrc's properties: a day is as good as forever for one request.
  if (us == 0) return core::Duration(24LL * 3600 * 1000);
  return std::chrono::duration_cast<core::Duration>(std::chrono::microseconds(us));
}

}  // namespace

struct SrcController::PendingParameter {
  bool get = true;
  std::string body;
  std::string content_type;
  PromisePtr promise;

  void reply(int result, unsigned code, const std::string& reason, const std::string& reply_body) {
    if (!promise) return;
    GstStructure* s = gst_structure_new(get ? "get-parameter-reply" : "set-parameter-reply", "rtsp-result",
                                        G_TYPE_INT, result, "rtsp-code", G_TYPE_UINT, code, "rtsp-reason",
                                        G_TYPE_STRING, reason.c_str(), nullptr);
    if (get) gst_structure_set(s, "body", G_TYPE_STRING, reply_body.c_str(), nullptr);
    gst_promise_reply(promise.get(), s);
    promise.reset();
  }
  ~PendingParameter() {
    // Never leave a caller waiting: an unanswered request is answered with an error.
    reply(-1 /* GST_RTSP_ERROR */, 0, "no answer", "");
  }
};

SrcController::SrcController(GMainContext* context, SrcHost& host, Settings settings)
    : context_(context),
      host_(host),
      settings_(std::move(settings)),
      session_timer_(context,
                     [this] {
                       if (!session_) return;
                       session_->handle_timeout(now());
                       drive();
                     }),
      watchdog_timer_(context, [this] { on_watchdog(); }),
      reconnect_timer_(context, [this] { connect(); }) {
  auto parsed = core::parse_url(settings_.location);
  if (!parsed) {
    // The element checked the location before queueing Open; this is a guard, not a path.
    fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, "No valid RTSP URL was provided");
    return;
  }
  url_ = *parsed;
  url_text_ = url_.to_display_string();
  // rtspt / rtspst allow TCP only.
  if (url_.scheme == core::UrlScheme::Rtspt || url_.scheme == core::UrlScheme::Rtspst) force_tcp_ = true;
  connect();
}

SrcController::~SrcController() {
  drop_session();
  fail_parameters("element shut down");
  // Buffers still downstream keep the pool alive and free themselves when they come back.
  if (frame_pool_) gst_buffer_pool_set_active(frame_pool_.get(), FALSE);
}

void SrcController::handle(Command& command) {
  std::visit(
      [this](auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, cmd::Play>) {
          desired_playing_ = true;
          request_play();
        } else if constexpr (std::is_same_v<T, cmd::Pause>) {
          desired_playing_ = false;
          // A live presentation cannot pause (servers answer 455/405); it keeps flowing into the
          // jitterbuffer.
          if (session_ && presentation_ && presentation_->seekable() && (play_sent_ || playing_)) {
            session_->pause(now());
            play_sent_ = false;
            playing_ = false;
            watchdog_timer_.disarm();
            drive();
          }
        } else if constexpr (std::is_same_v<T, cmd::Seek>) {
          do_seek(c);
        } else if constexpr (std::is_same_v<T, cmd::Teardown>) {
          tearing_down_ = true;
          watchdog_timer_.disarm();
          reconnect_timer_.disarm();
          if (session_ && conn_ && conn_->is_connected() && !failed_ && !session_->session_id().empty()) {
            session_->teardown(now());
            drive();
          } else {
            host_.teardown_done();
          }
        } else if constexpr (std::is_same_v<T, cmd::GetParameter> || std::is_same_v<T, cmd::SetParameter>) {
          send_parameter(std::is_same_v<T, cmd::GetParameter>, std::move(c.body), std::move(c.content_type),
                         std::move(c.promise));
        } else if constexpr (std::is_same_v<T, cmd::SendRtcp>) {
          send_rtcp(c.stream, std::move(c.buffer));
        } else if constexpr (std::is_same_v<T, cmd::FlowError>) {
          fail(GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
               "Internal data stream error while receiving " + url_text_,
               "streaming stopped, stream " + std::to_string(c.stream) + ", reason " +
                   gst_flow_get_name(c.ret));
        }
        // Open and Shutdown create and destroy the controller itself (see rtspsrc2.cpp).
      },
      command);
}

// ------------------------------------------------------------------ connection

void SrcController::connect() {
  if (failed_ || tearing_down_) return;
  ControlConnectionConfig cfg = make_connection_config(url_.host, url_.port, url_.tls(), settings_);
  cfg.accept_certificate = [this](GTlsConnection* c, GTlsCertificate* cert, GTlsCertificateFlags errors) {
    return host_.accept_certificate(c, cert, errors);
  };
  GST_DEBUG_OBJECT(host_.element(), "connecting to %s", url_text_.c_str());
  conn_ = std::make_unique<ControlConnection>(
      context_,
      ControlConnection::Callbacks{[this] { on_connected(); },
                                   [this](std::span<const std::uint8_t> bytes) {
                                     if (!session_) return;
                                     session_->handle_bytes(bytes, now());
                                     drive();
                                   },
                                   [this](const ConnectionFailure& f) { on_connection_failed(f); }});
  conn_->connect(std::move(cfg));
}

void SrcController::on_connected() {
  GST_DEBUG_OBJECT(host_.element(), "connected to %s", url_text_.c_str());
  if (session_ && resuming_control_) {
    resuming_control_ = false;
    session_->resume_control(now());
    drive();
    return;
  }
  if (!session_) {
    core::SessionConfig cfg;
    cfg.url = url_;
    cfg.mode = core::SessionMode::Play;
    if (!settings_.user_id.empty()) cfg.credentials = core::Credentials{settings_.user_id, settings_.user_pw};
    cfg.user_agent = settings_.user_agent;
    cfg.request_timeout = to_duration(settings_.tcp_timeout_us);
    cfg.keep_alive = settings_.do_rtsp_keep_alive;
    cfg.bandwidth = settings_.connection_speed_kbps * 1000;
    cfg.blocksize = settings_.rtp_blocksize;
    cfg.keep_session_on_close = settings_.udp_reconnect;
    cfg.before_send = [this](core::Request& r) { return host_.before_send(r); };
    cfg.handle_request = [this](const core::Request& r, core::Response& a) { host_.handle_request(r, a); };
    session_ = std::make_unique<core::ClientSession>(std::move(cfg));
    ++session_generation_;
    setup_called_ = false;
    play_sent_ = false;
    playing_ = false;
  }
  // After a redirect the same session object starts again on the new connection.
  session_->start(now());
  for (auto& p : parameters_waiting_) {
    const auto token = p->get ? session_->get_parameter(p->content_type, p->body, now())
                              : session_->set_parameter(p->content_type, p->body, now());
    parameters_[token] = std::move(p);
  }
  parameters_waiting_.clear();
  drive();
}

void SrcController::on_connection_failed(const ConnectionFailure& f) {
  GST_DEBUG_OBJECT(host_.element(), "connection to %s: %s (%s)", url_text_.c_str(),
                   std::string(to_string(f.error)).c_str(), f.message.c_str());
  if (tearing_down_) {
    host_.teardown_done();
    return;
  }
  if (session_ && f.error == ConnectionError::Closed) {
    // The session decides what a closed connection means in its state (TornDown, Failed...).
    session_->handle_connection_closed(now());
    drive();
    return;
  }
  if (session_ && established_) {
    lose_connection(f.message);
    return;
  }
  if (reconnecting_) {
    lose_connection(f.message);
    return;
  }
  switch (f.error) {
    case ConnectionError::HostNotFound:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
           "Could not resolve the server name of " + url_text_ + ": " + f.message, f.message);
      break;
    case ConnectionError::Refused:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
           "Could not connect to " + url_text_ + ": connection refused", f.message);
      break;
    case ConnectionError::Timeout:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
           "Could not connect to " + url_text_ + ": no connection within " +
               std::to_string(settings_.tcp_timeout_us / 1000) + " ms",
           f.message);
      break;
    case ConnectionError::Tls:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
           "TLS connection to " + url_text_ + " failed: " + f.message, f.message);
      break;
    case ConnectionError::Closed:
    case ConnectionError::Io:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
           "Connection to " + url_text_ + " failed: " + f.message, f.message);
      break;
  }
}

// Sends what the session wants sent, handles what happened, and re-arms its timer. A handler may replace or
// drop the session: the generation check stops the loop then.
void SrcController::drive() {
  if (!session_) return;
  const auto generation = session_generation_;
  while (session_ && generation == session_generation_) {
    if (auto bytes = session_->poll_transmit()) {
      if (conn_) conn_->send(*bytes);
      continue;
    }
    auto e = session_->poll_event();
    if (!e) break;
    if (auto* frame = std::get_if<core::event::Interleaved>(&*e)) {
      on_interleaved(*frame);  // batched: delivered per stream as one list
      continue;
    }
    flush_interleaved();  // data keeps its place before what follows (Playing releases held data...)
    handle_event(*e);
  }
  flush_interleaved();
  // Media over the control connection are read in batches too, but only while playing: the answer to a
  // TEARDOWN (the state leaves Playing when it is sent) is read as soon as it comes; answers to requests
  // sent while playing (keep-alive, PAUSE, a seek's PLAY) wait at most one interval.
  if (conn_ && session_) {
    const bool interleaved = std::any_of(streams_.begin(), streams_.end(),
                                         [](const auto& st) { return st->lower == Stream::Lower::Tcp; });
    const bool playing = session_->state() == core::SessionState::Playing;
    conn_->set_read_interval(interleaved && playing ? read_interval(settings_)
                                                    : std::chrono::microseconds(0));
  }
  if (session_ && generation == session_generation_) {
    if (auto t = session_->poll_timeout()) {
      session_timer_.arm_at(*t);
    } else {
      session_timer_.disarm();
    }
  }
  publish_stats();
}

void SrcController::handle_event(core::Event& e) {
  std::visit(
      [this](auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        namespace E = core::event;
        if constexpr (std::is_same_v<T, E::Described>) {
          on_described(ev);
        } else if constexpr (std::is_same_v<T, E::StreamReady>) {
          on_stream_ready(ev);
        } else if constexpr (std::is_same_v<T, E::Playing>) {
          on_playing(ev);
        } else if constexpr (std::is_same_v<T, E::Paused>) {
          playing_ = false;
          watchdog_timer_.disarm();
        } else if constexpr (std::is_same_v<T, E::TornDown>) {
          if (tearing_down_) host_.teardown_done();
        } else if constexpr (std::is_same_v<T, E::ParameterReply>) {
          on_parameter_reply(ev);
        } else if constexpr (std::is_same_v<T, E::Redirected>) {
          url_ = session_->url();
          url_text_ = url_.to_display_string();
          GST_INFO_OBJECT(host_.element(), "redirected to %s", url_text_.c_str());
          // Keep the session object: it starts again once the new connection is up.
          conn_.reset();
          connect();
        } else if constexpr (std::is_same_v<T, E::ControlClosed>) {
          // udp-reconnect: the media go on over UDP; only the control connection is made again (keep-alive,
          // PAUSE, TEARDOWN go over it). If that fails, the session is lost as for any closed connection.
          GST_INFO_OBJECT(host_.element(), "%s closed the control connection; connecting again",
                          url_text_.c_str());
          resuming_control_ = true;
          conn_.reset();
          connect();
        } else if constexpr (std::is_same_v<T, E::Failed>) {
          on_failed(ev);
        } else if constexpr (std::is_same_v<T, E::ServerRequest>) {
          GST_DEBUG_OBJECT(host_.element(), "server sent %s", ev.request.method_name.c_str());
        }
      },
      e);
}

void SrcController::on_described(core::event::Described& d) {
  GST_DEBUG_OBJECT(host_.element(), "described: %zu streams", d.presentation.streams.size());
  if (presentation_) {
    // Reconnecting: the same streams must still be there.
    for (auto& s : streams_) {
      if (s->index >= d.presentation.streams.size()) {
        fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
             "After reconnecting, " + url_text_ + " describes different streams");
        return;
      }
      s->sdp = d.presentation.streams[s->index];
    }
    presentation_ = std::move(d.presentation);
    setup_streams();
    return;
  }
  {
    GstSDPMessage* sdp = nullptr;
    gst_sdp_message_new(&sdp);
    SdpMessagePtr owned(sdp);
    if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(d.sdp.data()), guint(d.sdp.size()),
                                     sdp) == GST_SDP_OK) {
      host_.emit_on_sdp(sdp);
    }
  }
  presentation_ = std::move(d.presentation);
  std::vector<unsigned> indices;
  for (const auto& sdp_stream : presentation_->streams) {
    CapsPtr caps(gst_caps_new_empty());
    for (const auto& f : sdp_stream.formats) {
      if (f.caps.empty()) continue;
      if (GstCaps* c = gst_caps_from_string(f.caps.c_str())) gst_caps_append(caps.get(), c);
    }
    if (gst_caps_is_empty(caps.get())) {
      GST_WARNING_OBJECT(host_.element(), "stream %zu (%s) has no usable format, skipped", sdp_stream.index,
                         sdp_stream.media.c_str());
      continue;
    }
    if (sdp_stream.direction == core::Direction::Inactive) {
      // Nothing flows on an inactive stream (directions are the server's view: sendonly is what we receive).
      continue;
    }
    CapsPtr first(gst_caps_copy_nth(caps.get(), 0));
    if (!host_.emit_select_stream(unsigned(sdp_stream.index), first.get())) {
      GST_INFO_OBJECT(host_.element(), "stream %zu deselected", sdp_stream.index);
      continue;
    }
    auto s = std::make_unique<Stream>();
    s->index = unsigned(sdp_stream.index);
    s->position = streams_.size();
    s->sdp = sdp_stream;
    s->sdp_caps = std::move(caps);
    indices.push_back(s->index);
    streams_.push_back(std::move(s));
  }
  if (streams_.empty()) {
    fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
         "No stream of " + url_text_ + " can be received (none selected or none with a known format)");
    return;
  }
  {
    std::lock_guard lock(host_.stats().mutex);
    host_.stats().streams.clear();
    for (auto& s : streams_) host_.stats().streams.push_back(StreamStats{s->index});
  }
  host_.set_streams(indices);
  GstClockTime duration = GST_CLOCK_TIME_NONE;
  if (presentation_->range && presentation_->range->end) {
    duration =
        GstClockTime(std::llround((*presentation_->range->end - presentation_->range->start) * GST_SECOND));
  }
  host_.set_presentation(presentation_->seekable(), duration);
  for (auto& s : streams_) host_.receive_path()->add_stream(s->index, s->sdp_caps.get());
  setup_streams();
}

void SrcController::request_play() {
  if (!session_ || !setup_called_ || play_sent_ || failed_) return;
  core::PlayOptions options;
  if (pending_seek_) {
    options.range = core::NptRange{pending_seek_->start_s, pending_seek_->stop_s, false};
    if (pending_seek_->rate != 1.0) options.scale = pending_seek_->rate;
    requested_rate_ = pending_seek_->rate;
    pending_seek_.reset();
  }
  session_->play(std::move(options), now());
  plays_in_flight_.push_back(need_segment_);
  need_segment_ = false;
  play_sent_ = true;
  drive();
}

void SrcController::on_playing(const core::event::Playing& p) {
  GST_DEBUG_OBJECT(host_.element(), "playing (RTP-Info: %s)", p.rtp_info.c_str());
  playing_ = true;
  // PLAYs are answered in order. One that moves the position (the first, a seek) gets a new segment; an
  // answer to an older PLAY while a seek's PLAY is still out changes nothing: its data is stale.
  bool positioned = false;
  if (!plays_in_flight_.empty()) {
    positioned = plays_in_flight_.front();
    plays_in_flight_.pop_front();
  }
  if (std::find(plays_in_flight_.begin(), plays_in_flight_.end(), true) != plays_in_flight_.end()) return;
  apply_play_caps(p);
  if (positioned) {
    GstSegment seg;
    gst_segment_init(&seg, GST_FORMAT_TIME);
    if (p.range) seg.time = GstClockTime(std::llround(std::max(0.0, p.range->start) * GST_SECOND));
    seg.applied_rate = p.scale.value_or(1.0);
    EventPtr ev(gst_event_new_segment(&seg));
    if (segment_seqnum_ != 0) gst_event_set_seqnum(ev.get(), segment_seqnum_);
    host_.receive_path()->push_event_all(ev.get());
  }
  release_held();
  last_data_ = SteadyClock::now();
  if (settings_.timeout_us > 0) watchdog_timer_.arm_in(std::chrono::microseconds(settings_.timeout_us));
  if (reconnecting_) {
    reconnecting_ = false;
    {
      std::lock_guard lock(host_.stats().mutex);
      host_.stats().reconnects++;
    }
    host_.mark_discont();
    gst_element_post_message(
        host_.element(),
        gst_message_new_element(
            GST_OBJECT(host_.element()),
            gst_structure_new("rtspsrc2-connection-restored", "attempts", G_TYPE_INT, reconnect_attempt_,
                              "location", G_TYPE_STRING, url_text_.c_str(), nullptr)));
    reconnect_attempt_ = 0;
  }
  established_ = true;
}

void SrcController::on_failed(const core::event::Failed& f) {
  GST_DEBUG_OBJECT(host_.element(), "session failure: %s (%d) %s",
                   std::string(core::to_string(f.error)).c_str(), f.status, f.message.c_str());
  if (!is_fatal(f)) {
    GST_WARNING_OBJECT(host_.element(), "%s", f.message.c_str());
    return;
  }
  if (tearing_down_) {
    host_.teardown_done();
    return;
  }
  using core::SessionError;
  const bool transient = f.error == SessionError::ConnectionClosed ||
                         f.error == SessionError::SessionNotFound || f.error == SessionError::Timeout ||
                         f.error == SessionError::ServerError;
  if (f.error == SessionError::ConnectionClosed && !settings_.udp_reconnect && established_ &&
      !reconnecting_ && std::none_of(streams_.begin(), streams_.end(), [](const auto& st) {
        return st->lower == Stream::Lower::Tcp;
      })) {
    // udp-reconnect=false: as rtspsrc, the end of the control connection ends the stream. Before any pad
    // exists an EOS would reach no sink, so that is an error.
    if (!host_.has_pads()) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
           url_text_ + " closed the connection before any media arrived (udp-reconnect is off)");
      return;
    }
    GST_ELEMENT_WARNING(host_.element(), RESOURCE, READ,
                        ("%s closed the connection; end of stream (udp-reconnect is off)", url_text_.c_str()),
                        ("%s", f.message.c_str()));
    drop_session();
    EventPtr eos(gst_event_new_eos());
    if (host_.receive_path() != nullptr) host_.receive_path()->push_event_all(eos.get());
    return;
  }
  if ((established_ && transient) || reconnecting_) {
    lose_connection(f.message);
    return;
  }
  GQuark domain = GST_RESOURCE_ERROR;
  int code = established_ ? GST_RESOURCE_ERROR_READ : GST_RESOURCE_ERROR_OPEN_READ;
  switch (f.error) {
    case SessionError::NotFound:
      code = GST_RESOURCE_ERROR_NOT_FOUND;
      break;
    case SessionError::NotAuthorized:
    case SessionError::Forbidden:
      code = GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      break;
    case SessionError::UnsupportedTransport:
      code = GST_RESOURCE_ERROR_SETTINGS;
      break;
    default:
      break;
  }
  fail(domain, code, url_text_ + ": " + f.message,
       std::string(core::to_string(f.error)) +
           (f.status != 0 ? " (RTSP " + std::to_string(f.status) + ")" : ""));
}

void SrcController::on_parameter_reply(const core::event::ParameterReply& r) {
  auto it = parameters_.find(r.token);
  if (it == parameters_.end()) return;
  it->second->reply(0 /* GST_RTSP_OK */, unsigned(r.response.status), r.response.reason, r.response.body);
  parameters_.erase(it);
}

void SrcController::send_parameter(bool get, std::string body, std::string content_type, PromisePtr promise) {
  auto p = std::make_unique<PendingParameter>();
  p->get = get;
  p->body = std::move(body);
  p->content_type = std::move(content_type);
  p->promise = std::move(promise);
  if (failed_ || tearing_down_) {
    p->reply(-1, 0, "no session", "");
    return;
  }
  if (!session_) {
    parameters_waiting_.push_back(std::move(p));
    return;
  }
  const auto token = get ? session_->get_parameter(p->content_type, p->body, now())
                         : session_->set_parameter(p->content_type, p->body, now());
  parameters_[token] = std::move(p);
  drive();
}

void SrcController::fail_parameters(const char* reason) {
  for (auto& [t, p] : parameters_) p->reply(-1, 0, reason, "");
  for (auto& p : parameters_waiting_) p->reply(-1, 0, reason, "");
  parameters_.clear();
  parameters_waiting_.clear();
}

// ------------------------------------------------------------------ lost connections

bool SrcController::reconnect_allowed() const {
  if (settings_.reconnect_attempts == 0) return false;
  if (settings_.reconnect_attempts < 0) return !(presentation_ && presentation_->seekable());
  return true;
}

void SrcController::drop_session() {
  session_timer_.disarm();
  watchdog_timer_.disarm();
  if (session_ && conn_ && conn_->is_connected() && !session_->session_id().empty() &&
      session_->state() != core::SessionState::Failed) {
    // Best effort: tell the server the old session is over before the connection goes.
    session_->teardown(now());
    while (auto bytes = session_->poll_transmit()) conn_->send(*bytes);
  }
  session_.reset();
  ++session_generation_;
  conn_.reset();
  resuming_control_ = false;
  setup_called_ = false;
  play_sent_ = false;
  playing_ = false;
  plays_in_flight_.clear();
  for (auto& s : streams_) {
    s->ready = false;
    s->held_rtp.reset();
    s->held_rtcp.reset();
    s->tcp_rtp.reset();
    s->tcp_rtcp.reset();
  }
}

void SrcController::lose_connection(const std::string& reason) {
  if (failed_ || tearing_down_) return;
  if (!reconnecting_) {
    if (!reconnect_allowed()) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
           "Lost the connection to " + url_text_ + ": " + reason);
      return;
    }
    reconnecting_ = true;
    reconnect_attempt_ = 0;
    lost_reason_ = reason;
    GST_WARNING_OBJECT(host_.element(), "lost %s: %s; reconnecting", url_text_.c_str(), reason.c_str());
    gst_element_post_message(
        host_.element(),
        gst_message_new_element(
            GST_OBJECT(host_.element()),
            gst_structure_new("rtspsrc2-connection-lost", "reason", G_TYPE_STRING, reason.c_str(), "location",
                              G_TYPE_STRING, url_text_.c_str(), nullptr)));
  }
  drop_session();
  ++reconnect_attempt_;
  if (settings_.reconnect_attempts > 0 && reconnect_attempt_ > settings_.reconnect_attempts) {
    fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
         "Lost the connection to " + url_text_ + " (" + lost_reason_ + ") and could not reconnect after " +
             std::to_string(settings_.reconnect_attempts) + " attempts: " + reason);
    return;
  }
  const std::int64_t first_us =
      std::chrono::duration_cast<std::chrono::microseconds>(kFirstReconnectDelay).count();
  const std::int64_t cap_us =
      std::int64_t(std::min<std::uint64_t>(settings_.reconnect_max_interval_us, 1ULL << 50));
  const auto delay = std::chrono::microseconds(
      std::max<std::int64_t>(1, std::min(cap_us, first_us << std::min(reconnect_attempt_ - 1, 20))));
  GST_INFO_OBJECT(host_.element(), "reconnect attempt %d in %lld ms", reconnect_attempt_,
                  static_cast<long long>(delay.count() / 1000));
  reconnect_timer_.arm_in(delay);
}

void SrcController::restart_session() {
  drop_session();
  connect();
}

void SrcController::on_watchdog() {
  if (!playing_ || failed_) return;
  const auto limit = std::chrono::microseconds(settings_.timeout_us);
  const auto silent_for = SteadyClock::now() - last_data_;
  if (silent_for < limit) {
    watchdog_timer_.arm_at(last_data_ + limit);
    return;
  }
  const bool on_udp = std::any_of(streams_.begin(), streams_.end(), [](const auto& s) {
    return s->lower == Stream::Lower::Udp || s->lower == Stream::Lower::Mcast;
  });
  const double seconds = double(settings_.timeout_us) / 1e6;
  if (on_udp && !udp_data_seen_) {
    // UDP never worked here (firewall, NAT): TCP if allowed, else there is nothing to retry.
    if (!force_tcp_ && (settings_.protocols & kLowerTcp) != 0) {
      GST_ELEMENT_WARNING(
          host_.element(), RESOURCE, READ, (nullptr),
          ("Could not receive any UDP packets for %.4f seconds, maybe your firewall is blocking it. "
           "Retrying using a tcp connection.",
           seconds));
      force_tcp_ = true;
      restart_session();
      return;
    }
    char text[160];
    g_snprintf(text, sizeof text,
               "Could not receive any UDP packets from %s for %.1f s, and no other transport is allowed",
               url_text_.c_str(), seconds);
    fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, text);
    return;
  }
  char text[64];
  g_snprintf(text, sizeof text, "no data received for %.1f s", seconds);
  if (established_ && reconnect_allowed()) {
    lose_connection(text);
    return;
  }
  fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, url_text_ + ": " + text);
}

void SrcController::fail(GQuark domain, int code, const std::string& text, const std::string& debug) {
  if (failed_) return;
  failed_ = true;
  GST_WARNING_OBJECT(host_.element(), "error: %s", text.c_str());
  gst_element_message_full(host_.element(), GST_MESSAGE_ERROR, domain, code, g_strdup(text.c_str()),
                           debug.empty() ? nullptr : g_strdup(debug.c_str()), __FILE__, GST_FUNCTION,
                           __LINE__);
  reconnect_timer_.disarm();
  session_timer_.disarm();
  watchdog_timer_.disarm();
  session_.reset();
  ++session_generation_;
  conn_.reset();
  fail_parameters("session failed");
}

void SrcController::publish_stats() {
  if (!session_) return;
  const auto& st = session_->stats();
  std::lock_guard lock(host_.stats().mutex);
  auto& shared = host_.stats();
  shared.requests = st.requests;
  shared.keep_alives = st.keep_alives;
  shared.rtt_ms = st.last_rtt ? st.last_rtt->count() : -1;
  if (conn_) shared.dropped_interleaved = conn_->dropped_frames();
}

}  // namespace rtsp2
