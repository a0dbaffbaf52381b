#include "sink_controller.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>

GST_DEBUG_CATEGORY_EXTERN(rtspsink2_debug);
#define GST_CAT_DEFAULT rtspsink2_debug

namespace rtsp2::sink {

namespace {

// The control connection holds at most this much before the pump stops taking packets from the queues: the
// queues (bounded by max-queue-time) are where data waits, not the socket's buffer.
constexpr std::size_t kHighWater = 256 * 1024;
constexpr std::size_t kBatchBytes = 64 * 1024;
constexpr std::size_t kUdpBatch = 32;
constexpr auto kFirstReport = std::chrono::milliseconds(1000);
constexpr auto kReportInterval = std::chrono::milliseconds(5000);
constexpr auto kStopBound = std::chrono::milliseconds(2000);
constexpr auto kFirstBackoff = std::chrono::milliseconds(500);

core::Instant now() {
  return core::Clock::now();
}

bool recoverable(core::SessionError e) {
  switch (e) {
    case core::SessionError::ConnectionClosed:
    case core::SessionError::Timeout:
    case core::SessionError::SessionNotFound:
    case core::SessionError::ServerError:
    case core::SessionError::ProtocolError:
    case core::SessionError::BadResponse:
      return true;
    default:
      return false;
  }
}

}  // namespace

// One stream as the worker sees it.
struct SinkController::Out {
  std::shared_ptr<SinkStream> stream;
  unsigned pad_index = 0;
  std::size_t position = 0;  // in the SDP and in SETUP
  bool ready = false;
  bool announced = false;  // part of the current session (had caps)
  bool tcp = false;
  bool set_up = false;
  std::uint8_t rtp_channel = 0;
  std::uint8_t rtcp_channel = 1;
  std::unique_ptr<UdpPair> udp;
  GObjectPtr<GSocketAddress> udp_rtp_peer;
  GObjectPtr<GSocketAddress> udp_rtcp_peer;
  std::deque<OutPacket> udp_pending;  // taken from the queue, not yet accepted by the socket
  AttachedSourcePtr udp_watch;        // the socket is full: wait until it takes more
  SenderState sender;
  std::uint64_t rtcp_sent = 0;
};

SinkController::SinkController(GMainContext* context, SinkHost& host) : context_(context), host_(host) {
  session_timer_ = std::make_unique<Timer>(context_, [this] {
    if (!session_ || phase_ == Phase::Failed || phase_ == Phase::Done) return;
    session_->handle_timeout(now());
    drive();
  });
  caps_timer_ = std::make_unique<Timer>(context_, [this] { on_caps_timeout(); });
  backoff_timer_ = std::make_unique<Timer>(context_, [this] { connect(); });
  rtcp_timer_ = std::make_unique<Timer>(context_, [this] {
    send_reports();
    if (phase_ == Phase::Recording) rtcp_timer_->arm_in(kReportInterval);
  });
  drain_timer_ = std::make_unique<Timer>(context_, [this] {
    if (tearing_down_ || phase_ == Phase::Done || phase_ == Phase::Failed) return;
    if (phase_ != Phase::Recording) {
      // Every stream ended but the session is not back: EOS goes through rather than waiting forever.
      GST_ELEMENT_WARNING(
          host_.element(), RESOURCE, WRITE,
          ("The end of the stream could not be delivered to %s within tcp-timeout", url_text().c_str()),
          ("the session was lost and is not recording again"));
      backoff_timer_->disarm();
      if (conn_) conn_->close();
      phase_ = Phase::Done;
      note_state("done");
      finish_streams();
      return;
    }
    GST_ELEMENT_WARNING(host_.element(), RESOURCE, WRITE,
                        ("Not everything queued could be sent to %s within tcp-timeout", url_text().c_str()),
                        ("tearing down anyway"));
    tearing_down_ = true;
    session_->teardown(now());
    drive();
  });
  redirect_timer_ = std::make_unique<Timer>(context_, [this] {
    connected_ = false;
    conn_->connect(connection_config());  // on_connected() calls start() on the same session
  });
  stop_timer_ = std::make_unique<Timer>(context_, [this] {
    GST_DEBUG("TEARDOWN not answered in time; closing");
    finish_stop();
  });
}

SinkController::~SinkController() {
  for (auto& o : outs_) o->udp_watch.reset();
  if (conn_) conn_->close();
}

void SinkController::handle(SinkCommand& command) {
  std::visit(
      [this](auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, cmd::Start>) {
          on_start(c);
        } else if constexpr (std::is_same_v<T, cmd::Ready>) {
          on_ready(c.pad_index);
        } else if constexpr (std::is_same_v<T, cmd::Data>) {
          pump();
        } else if constexpr (std::is_same_v<T, cmd::Eos>) {
          on_eos(c.pad_index);
        } else if constexpr (std::is_same_v<T, cmd::Stop>) {
          on_stop();
        }
      },
      command);
}

ControllerStats SinkController::stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

std::string SinkController::url_text() const {
  return url_.to_display_string();  // never with credentials
}

SinkController::Out* SinkController::out_by_pad(unsigned pad_index) {
  for (auto& o : outs_) {
    if (o->pad_index == pad_index) return o.get();
  }
  return nullptr;
}

bool SinkController::allowed_tcp() const {
  if (url_.scheme == core::UrlScheme::Rtspu || url_.scheme == core::UrlScheme::Rtspsu) return false;
  return (settings_.protocols & kLowerTcp) != 0;
}

bool SinkController::allowed_udp() const {
  if (url_.scheme == core::UrlScheme::Rtspt || url_.scheme == core::UrlScheme::Rtspst) return false;
  return (settings_.protocols & kLowerUdp) != 0;
}

void SinkController::note_state(const char* state) {
  std::lock_guard lock(stats_mutex_);
  stats_.state = state;
}

void SinkController::sync_stats() {
  std::lock_guard lock(stats_mutex_);
  if (session_) {
    const auto& s = session_->stats();
    stats_.requests = s.requests;
    stats_.keep_alives = s.keep_alives;
    stats_.rtt_ms = s.last_rtt ? std::int64_t(s.last_rtt->count()) : -1;
  }
  stats_.transports.resize(outs_.size());
  stats_.rtcp_sent.resize(outs_.size());
  for (std::size_t i = 0; i < outs_.size(); ++i) {
    const Out& o = *outs_[i];
    stats_.transports[i] = !o.set_up ? "" : o.tcp ? "tcp" : "udp";
    stats_.rtcp_sent[i] = o.rtcp_sent;
  }
}

// ---- start: wait for every stream ----

void SinkController::on_start(cmd::Start& s) {
  settings_ = std::move(s.settings);
  core::SdesSettings sdes = core::read_sdes_structure(settings_.sdes.get());
  cname_ = sdes.cname.empty() ? std::string("rtspsink2@") + g_get_host_name() : std::move(sdes.cname);
  sdes_items_ = std::move(sdes.items);
  outs_.clear();
  for (std::size_t i = 0; i < s.streams.size(); ++i) {
    auto o = std::make_unique<Out>();
    o->stream = s.streams[i];
    o->pad_index = o->stream->index();
    o->ready = o->stream->ready();
    outs_.push_back(std::move(o));
  }
  auto url = core::parse_url(settings_.location);
  if (!url) {
    fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, "No valid RTSP URL was provided", "");
    return;
  }
  url_ = *url;
  phase_ = Phase::WaitingStreams;
  note_state("waiting-for-streams");
  check_streams();
}

void SinkController::on_ready(unsigned pad_index) {
  if (Out* o = out_by_pad(pad_index)) o->ready = true;
  check_streams();
}

void SinkController::check_streams() {
  if (phase_ != Phase::WaitingStreams) return;
  std::size_t ready = 0;
  for (auto& o : outs_) ready += o->ready ? 1 : 0;
  if (ready == 0) return;
  if (ready < outs_.size()) {
    if (!caps_timer_->armed() && settings_.timeout_us > 0) {
      caps_timer_->arm_in(std::chrono::microseconds(settings_.timeout_us));
    }
    return;
  }
  caps_timer_->disarm();
  // A pad that ended before any data has nothing to announce.
  std::size_t position = 0;
  for (auto& o : outs_) {
    o->announced = !o->stream->caps_string().empty();
    o->position = o->announced ? position++ : 0;
    if (!o->announced) o->stream->finish();
  }
  if (position == 0) {
    GST_DEBUG("every pad ended without data: nothing to publish");
    phase_ = Phase::Done;
    note_state("done");
    return;
  }
  connect();
}

void SinkController::on_caps_timeout() {
  if (phase_ != Phase::WaitingStreams) return;
  std::string missing;
  for (auto& o : outs_) {
    if (o->ready) continue;
    if (!missing.empty()) missing += ", ";
    missing += "sink_" + std::to_string(o->pad_index);
  }
  fail(GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
       "Not every stream got data within " + std::to_string(settings_.timeout_us / 1000) +
           " ms, so the session for " + url_text() + " cannot be announced (waiting for " + missing + ")",
       "the SDP needs the final caps of every requested pad; release unused pads or raise 'timeout'");
}

// ---- connection and session ----

void SinkController::connect() {
  if (phase_ == Phase::Failed || phase_ == Phase::Done || stop_requested_) return;
  phase_ = Phase::Connecting;
  note_state(lost_ ? "reconnecting" : "connecting");
  connected_ = false;
  tearing_down_ = false;
  session_.reset();
  for (auto& o : outs_) {
    o->set_up = false;
    o->udp_watch.reset();
    o->udp.reset();
    o->udp_pending.clear();
    o->udp_rtp_peer.reset();
    o->udp_rtcp_peer.reset();
  }
  resuming_control_ = false;
  ControlConnection::Callbacks cb;
  cb.connected = [this] { on_connected(); };
  cb.data = [this](std::span<const std::uint8_t> bytes) {
    if (!session_) return;
    session_->handle_bytes(bytes, now());
    drive();
  };
  cb.failed = [this](const ConnectionFailure& f) { on_connection_failed(f); };
  cb.writable = [this] {
    pump();
    check_drained();
  };
  // Replacing the connection here is safe: this never runs inside the old connection's callbacks.
  conn_ = std::make_unique<ControlConnection>(context_, std::move(cb));
  GST_DEBUG("connecting to %s", url_text().c_str());
  conn_->connect(connection_config());
}

ControlConnectionConfig SinkController::connection_config() const {
  ControlConnectionConfig cfg = make_connection_config(url_.host, url_.port, url_.tls(), settings_);
  cfg.accept_certificate = [this](GTlsConnection* c, GTlsCertificate* cert, GTlsCertificateFlags errors) {
    return host_.accept_certificate(c, cert, errors);
  };
  return cfg;
}

std::optional<std::string> SinkController::build_sdp(std::string* error) {
  std::vector<core::AnnounceStream> streams;
  for (auto& o : outs_) {
    if (!o->announced) continue;
    streams.push_back(
        core::AnnounceStream{o->stream->caps_string(), "stream=" + std::to_string(o->position)});
  }
  core::AnnounceOptions options;
  options.session_name = "rtspsink2";
  if (auto local = conn_->local_address()) {
    CharPtr text(g_inet_address_to_string(g_inet_socket_address_get_address(local.get())));
    options.origin_address = text.get();
  }
  auto sdp = core::write_announce_sdp(streams, options, error);
  if (!sdp) return std::nullopt;
  // update-sdp: the application sees (and may change) the SDP as a GstSDPMessage, as with rtspclientsink.
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new_from_text(sdp->c_str(), &raw);
  SdpMessagePtr msg(raw);
  if (!msg) return sdp;
  host_.update_sdp(msg.get());
  CharPtr text(gst_sdp_message_as_text(msg.get()));
  return std::string(text.get());
}

void SinkController::on_connected() {
  if (stop_requested_ || phase_ == Phase::Done || phase_ == Phase::Failed) return;
  connected_ = true;
  if (session_ && resuming_control_) {
    resuming_control_ = false;
    GST_DEBUG("control connection to %s made again; session kept", url_text().c_str());
    session_->resume_control(now());
    drive();
    pump();  // interleaved streams waited; an EOS may wait for its TEARDOWN
    check_drained();
    return;
  }
  if (!session_) {
    std::string error;
    auto sdp = build_sdp(&error);
    if (!sdp) {
      fail(GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, "Cannot describe the streams for " + url_text(), error);
      return;
    }
    GST_DEBUG("ANNOUNCE SDP:\n%s", sdp->c_str());
    core::SessionConfig config;
    config.url = url_;
    config.mode = core::SessionMode::Record;
    if (!settings_.user_id.empty()) {
      config.credentials = core::Credentials{settings_.user_id, settings_.user_pw};
    }
    if (!settings_.user_agent.empty()) config.user_agent = settings_.user_agent;
    config.options_first = true;
    config.request_timeout = std::chrono::duration_cast<core::Duration>(std::chrono::microseconds(
        settings_.tcp_timeout_us > 0 ? settings_.tcp_timeout_us : 3'600'000'000ull));
    config.keep_alive = settings_.do_rtsp_keep_alive;
    config.blocksize = settings_.rtp_blocksize;
    config.keep_session_on_close = settings_.udp_reconnect;
    config.record_mode_upper = false;  // FFmpeg's listen mode only takes mode=record
    config.announce_sdp = std::move(*sdp);
    session_ = std::make_unique<core::ClientSession>(std::move(config));
  }
  phase_ = Phase::Negotiating;
  note_state("negotiating");
  session_->start(now());
  drive();
}

void SinkController::on_connection_failed(const ConnectionFailure& f) {
  GST_DEBUG("connection to %s failed: %s (%s)", url_text().c_str(), std::string(to_string(f.error)).c_str(),
            f.message.c_str());
  if (stop_requested_) {
    finish_stop();
    return;
  }
  if (phase_ == Phase::Done || phase_ == Phase::Failed || phase_ == Phase::Backoff) return;
  if (!connected_) {
    const std::string reason = std::string(to_string(f.error)) + (f.message.empty() ? "" : ": " + f.message);
    if (tearing_down_) {  // EOS: everything was sent; only the TEARDOWN could not go out
      phase_ = Phase::Done;
      note_state("done");
      finish_streams();
      return;
    }
    if (recorded_once_) {
      lose(reason);
      return;
    }
    const int code = f.error == ConnectionError::HostNotFound ? GST_RESOURCE_ERROR_NOT_FOUND
                                                              : GST_RESOURCE_ERROR_OPEN_WRITE;
    fail(GST_RESOURCE_ERROR, code,
         "Could not connect to " + url_text() + ": " + std::string(to_string(f.error)), f.message);
    return;
  }
  if (session_) {
    session_->handle_connection_closed(now());
    drive();
  }
  // A session that was already closed says nothing more: nothing left to do either way.
}

void SinkController::drive() {
  if (!session_) return;
  for (;;) {
    bool progress = false;
    while (auto t = session_->poll_transmit()) {
      progress = true;
      if (conn_) conn_->send(*t);
    }
    while (auto e = session_->poll_event()) {
      progress = true;
      handle_event(*e);
      if (!session_) return;
    }
    if (!progress) break;
  }
  sync_stats();
  if (auto t = session_->poll_timeout(); t && phase_ != Phase::Failed && phase_ != Phase::Done) {
    session_timer_->arm_at(*t);
  } else {
    session_timer_->disarm();
  }
}

void SinkController::handle_event(core::Event& e) {
  if (auto* f = std::get_if<core::event::Failed>(&e)) {
    on_failed(*f);
  } else if (std::holds_alternative<core::event::Announced>(e)) {
    on_announced();
  } else if (auto* r = std::get_if<core::event::StreamReady>(&e)) {
    on_stream_ready(*r);
  } else if (std::holds_alternative<core::event::Recording>(e)) {
    on_recording();
  } else if (std::holds_alternative<core::event::TornDown>(e)) {
    GST_DEBUG("session torn down");
    if (conn_) conn_->close();
    if (stop_requested_) {
      finish_stop();
    } else {
      phase_ = Phase::Done;
      note_state("done");
      finish_streams();
    }
  } else if (std::holds_alternative<core::event::ControlClosed>(e)) {
    // udp-reconnect: the media go on over UDP; only the control connection is made again (from a timer: not
    // inside the old connection's own callback). If that fails, the session is lost as for any closed
    // connection.
    GST_INFO("%s closed the control connection; connecting again", url_text().c_str());
    conn_->close();
    connected_ = false;
    resuming_control_ = true;
    redirect_timer_->arm_in(std::chrono::microseconds(0));
  } else if (std::holds_alternative<core::event::Redirected>(e)) {
    // The session (which counts the hops) starts again at the new URL once connected there. Connecting
    // again from inside the connection's own callback is not allowed: a timer does it.
    url_ = session_->url();
    GST_DEBUG("redirected to %s", url_text().c_str());
    conn_->close();
    redirect_timer_->arm_in(std::chrono::microseconds(0));
  }
  // Interleaved RTCP from the server and requests it made (already answered) need nothing from a publisher.
}

void SinkController::on_announced() {
  GST_DEBUG("ANNOUNCE accepted; setting up %zu streams", outs_.size());
  const bool tcp = allowed_tcp();
  const bool udp = allowed_udp();
  bool ipv6 = false;
  if (auto remote = conn_->remote_address()) {
    ipv6 = g_inet_address_get_family(g_inet_socket_address_get_address(remote.get())) == G_SOCKET_FAMILY_IPV6;
  }
  std::vector<core::StreamSetup> setups;
  std::uint16_t next_port = 0;  // in port-range: each stream starts after the pairs bound before it
  for (auto& o : outs_) {
    if (!o->announced) continue;
    core::StreamSetup s;
    auto control =
        core::resolve_control(session_->url().to_string(), "stream=" + std::to_string(o->position));
    s.control_url = control ? *control : session_->url().to_string();
    if (tcp) {
      core::TransportSpec t;
      t.lower = core::LowerTransport::Tcp;
      const auto ch = std::uint16_t(2 * o->position);
      t.interleaved = core::PortRange{ch, std::uint16_t(ch + 1)};
      t.mode = core::TransportMode::Record;
      s.candidates.push_back(t);
    }
    if (udp) {
      UdpBindOptions bind;
      bind.ipv6 = ipv6;
      bind.receive_buffer_size = 0;  // a publisher receives (and ignores) only RTCP
      if (!settings_.port_range.empty()) bind.port_range = parse_port_range(settings_.port_range);
      bind.retries = int(settings_.retry);
      bind.range_start = next_port;
      std::string error;
      o->udp = UdpPair::bind_unicast(bind, &error);
      if (o->udp) {
        if (o->udp->rtcp_port() < 65535) next_port = std::uint16_t(o->udp->rtcp_port() + 1);
        // udp-buffer-size, as rtspclientsink: the kernel send buffer of the RTP socket.
        if (settings_.udp_buffer_size > 0) {
          g_socket_set_option(o->udp->socket(MediaChannel::Rtp), SOL_SOCKET, SO_SNDBUF,
                              settings_.udp_buffer_size, nullptr);
        }
        core::TransportSpec t;
        t.lower = core::LowerTransport::Udp;
        t.client_port = core::PortRange{o->udp->rtp_port(), o->udp->rtcp_port()};
        t.mode = core::TransportMode::Record;
        s.candidates.push_back(t);
      } else {
        GST_WARNING("cannot bind UDP ports for stream %zu: %s", o->position, error.c_str());
      }
    }
    if (s.candidates.empty()) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
           "No usable transport for " + url_text() + " (check 'protocols' and the URL scheme)", "");
      return;
    }
    setups.push_back(std::move(s));
  }
  session_->setup(std::move(setups), now());
  session_->record(now());
}

void SinkController::on_stream_ready(const core::event::StreamReady& r) {
  Out* out = nullptr;
  for (auto& o : outs_) {
    if (o->announced && o->position == r.stream) out = o.get();
  }
  if (out == nullptr) return;
  const core::TransportSpec& t = r.transport;
  if (t.lower == core::LowerTransport::Tcp) {
    out->tcp = true;
    const auto first = t.interleaved ? t.interleaved->first : std::uint16_t(2 * out->position);
    const auto last = t.interleaved ? t.interleaved->last : std::uint16_t(first + 1);
    out->rtp_channel = std::uint8_t(first);
    out->rtcp_channel = std::uint8_t(last != first ? last : first + 1);
    out->udp.reset();
  } else {
    out->tcp = false;
    if (!t.server_port || !out->udp) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
           "The server at " + url_text() + " answered SETUP without server_port",
           "UDP needs the server's ports");
      return;
    }
    GObjectPtr<GInetAddress> address;
    if (t.source) address.reset(g_inet_address_new_from_string(t.source->c_str()));
    if (!address) {
      if (auto remote = conn_->remote_address()) {
        address = ref_object(g_inet_socket_address_get_address(remote.get()));
      }
    }
    if (!address) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE, "Lost the address of " + url_text(), "");
      return;
    }
    const std::uint16_t rtp = t.server_port->first;
    const std::uint16_t rtcp = t.server_port->last != rtp ? t.server_port->last : std::uint16_t(rtp + 1);
    out->udp_rtp_peer.reset(g_inet_socket_address_new(address.get(), rtp));
    out->udp_rtcp_peer.reset(g_inet_socket_address_new(address.get(), rtcp));
  }
  out->set_up = true;
  GST_DEBUG("stream %zu set up over %s", out->position, out->tcp ? "TCP" : "UDP");
}

void SinkController::on_recording() {
  GST_DEBUG("recording to %s", url_text().c_str());
  phase_ = Phase::Recording;
  note_state("recording");
  recorded_once_ = true;
  if (lost_) {
    lost_ = false;
    {
      std::lock_guard lock(stats_mutex_);
      stats_.reconnects++;
    }
    gst_element_post_message(
        host_.element(),
        gst_message_new_element(
            GST_OBJECT(host_.element()),
            gst_structure_new("rtspsink2-connection-restored", "attempts", G_TYPE_INT, attempts_, nullptr)));
  }
  attempts_ = 0;
  for (auto& o : outs_) {
    if (o->announced) o->stream->set_mode(StreamMode::Sending);
  }
  rtcp_timer_->arm_in(kFirstReport);
  pump();
  check_drained();
}

void SinkController::on_failed(const core::event::Failed& f) {
  // A refusal the session survives (it stays out of the Failed state) changes nothing for a publisher.
  if (session_ && session_->state() != core::SessionState::Failed) {
    GST_DEBUG("session: %s (not fatal)", f.message.c_str());
    return;
  }
  GST_DEBUG("session failed: %s (status %d)", f.message.c_str(), f.status);
  if (stop_requested_) {
    finish_stop();
    return;
  }
  if (phase_ == Phase::Done || phase_ == Phase::Failed) return;
  if (tearing_down_) {  // EOS teardown: everything was sent already
    if (conn_) conn_->close();
    phase_ = Phase::Done;
    note_state("done");
    finish_streams();
    return;
  }
  if (recorded_once_ && recoverable(f.error)) {
    lose(f.message);
    return;
  }
  const std::string url = url_text();
  switch (f.error) {
    case core::SessionError::NotAuthorized:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "Not authorized to publish to " + url,
           f.message);
      break;
    case core::SessionError::NotFound:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, "The server has no place to record " + url,
           f.message);
      break;
    case core::SessionError::Timeout:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE, "No answer from the server for " + url,
           f.message);
      break;
    case core::SessionError::ConnectionClosed:
      fail(GST_RESOURCE_ERROR, recorded_once_ ? GST_RESOURCE_ERROR_WRITE : GST_RESOURCE_ERROR_OPEN_WRITE,
           "The server closed the connection " + std::string(recorded_once_ ? "while recording " : "to ") +
               url,
           f.message);
      break;
    default:
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE, "The server refused to record " + url,
           f.message);
      break;
  }
}

// The session is gone while (or after) recording: try again with backoff, or give up with an error.
void SinkController::lose(const std::string& reason) {
  if (conn_) conn_->close();
  resuming_control_ = false;
  redirect_timer_->disarm();
  session_timer_->disarm();
  rtcp_timer_->disarm();
  if (settings_.reconnect_attempts == 0) {
    fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
         "Lost the connection while recording " + url_text() + " (reconnect-attempts=0)", reason);
    return;
  }
  if (!lost_) {
    lost_ = true;
    GST_WARNING("lost the session to %s: %s", url_text().c_str(), reason.c_str());
    for (auto& o : outs_) {
      if (o->announced) o->stream->set_mode(StreamMode::Reconnecting);
    }
    gst_element_post_message(
        host_.element(), gst_message_new_element(GST_OBJECT(host_.element()),
                                                 gst_structure_new("rtspsink2-connection-lost", "reason",
                                                                   G_TYPE_STRING, reason.c_str(), nullptr)));
  }
  if (settings_.reconnect_attempts > 0 && attempts_ >= settings_.reconnect_attempts) {
    fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
         "Lost the connection while recording " + url_text() + " and could not re-establish it after " +
             std::to_string(attempts_) + " attempts",
         reason);
    return;
  }
  std::chrono::microseconds delay =
      std::chrono::duration_cast<std::chrono::microseconds>(kFirstBackoff) * (1ll << std::min(attempts_, 20));
  delay = std::min<std::chrono::microseconds>(
      delay, std::chrono::microseconds(
                 std::int64_t(std::min<std::uint64_t>(settings_.reconnect_max_interval_us, INT64_MAX / 2))));
  attempts_++;
  phase_ = Phase::Backoff;
  note_state("reconnecting");
  GST_DEBUG("reconnect attempt %d in %lld ms", attempts_, static_cast<long long>(delay.count() / 1000));
  backoff_timer_->arm_in(delay);
}

void SinkController::fail(GQuark domain, int code, const std::string& text, const std::string& debug) {
  if (phase_ == Phase::Failed) return;
  phase_ = Phase::Failed;
  note_state("failed");
  GST_WARNING("%s (%s)", text.c_str(), debug.c_str());
  gst_element_message_full(host_.element(), GST_MESSAGE_ERROR, domain, code, g_strdup(text.c_str()),
                           debug.empty() ? nullptr : g_strdup(debug.c_str()), __FILE__, GST_FUNCTION,
                           __LINE__);
  caps_timer_->disarm();
  backoff_timer_->disarm();
  rtcp_timer_->disarm();
  drain_timer_->disarm();
  session_timer_->disarm();
  redirect_timer_->disarm();
  if (conn_) conn_->close();
  for (auto& o : outs_) {
    o->udp_watch.reset();
    o->stream->set_mode(StreamMode::Failed);
  }
}

void SinkController::finish_streams() {
  for (auto& o : outs_) o->stream->finish();
}

// ---- EOS and stop ----

void SinkController::on_eos(unsigned pad_index) {
  if (Out* o = out_by_pad(pad_index)) o->ready = true;
  check_streams();
  if (eos_) return;
  for (auto& o : outs_) {
    if (!o->stream->is_eos()) return;
  }
  eos_ = true;
  GST_DEBUG("every stream ended: sending what is queued, then TEARDOWN");
  if (settings_.tcp_timeout_us > 0) drain_timer_->arm_in(std::chrono::microseconds(settings_.tcp_timeout_us));
  pump();
  check_drained();
}

void SinkController::check_drained() {
  if (!eos_ || phase_ != Phase::Recording || tearing_down_) return;
  for (auto& o : outs_) {
    if (o->announced && (!o->stream->drained() || !o->udp_pending.empty())) return;
  }
  if (conn_ && conn_->queued_bytes() > 0) return;  // the writable callback comes back here
  send_reports();
  if (conn_ && conn_->queued_bytes() > 0) return;
  GST_DEBUG("everything sent: TEARDOWN");
  drain_timer_->disarm();
  tearing_down_ = true;
  session_->teardown(now());
  drive();
}

void SinkController::on_stop() {
  stop_requested_ = true;
  caps_timer_->disarm();
  backoff_timer_->disarm();
  drain_timer_->disarm();
  const bool live = session_ && !session_->session_id().empty() &&
                    (phase_ == Phase::Negotiating || phase_ == Phase::Recording) && conn_ &&
                    conn_->is_connected();
  if (!live) {
    finish_stop();
    return;
  }
  GST_DEBUG("stopping: TEARDOWN");
  stop_timer_->arm_in(
      std::min(std::chrono::duration_cast<std::chrono::microseconds>(kStopBound),
               std::chrono::microseconds(std::max<std::uint64_t>(settings_.tcp_timeout_us, 1))));
  tearing_down_ = true;
  session_->teardown(now());
  drive();
}

void SinkController::finish_stop() {
  stop_timer_->disarm();
  redirect_timer_->disarm();
  session_timer_->disarm();
  rtcp_timer_->disarm();
  if (conn_) conn_->close();
  for (auto& o : outs_) {
    o->udp_watch.reset();
    o->stream->finish();
  }
  if (phase_ != Phase::Failed) {
    phase_ = Phase::Done;
    note_state("stopped");
  }
  if (!stopped_sent_) {
    stopped_sent_ = true;
    host_.stopped();
  }
}

// ---- sending ----

void SinkController::pump() {
  if (phase_ != Phase::Recording || !conn_) return;
  batch_.clear();
  // While the control connection is made again (udp-reconnect), UDP streams go on; interleaved ones wait.
  bool tcp_full = !conn_->is_connected() || conn_->queued_bytes() >= kHighWater;
  for (;;) {
    Out* best = nullptr;
    std::uint64_t best_order = UINT64_MAX;
    for (auto& o : outs_) {
      if (!o->announced || !o->set_up) continue;
      if (o->tcp ? tcp_full : (o->udp_watch != nullptr || o->udp_pending.size() >= kUdpBatch)) continue;
      const std::uint64_t order = o->stream->front_order();
      if (order < best_order) {
        best = o.get();
        best_order = order;
      }
    }
    if (best == nullptr) break;
    OutPacket p;
    if (!best->stream->pop(p)) continue;
    SenderState& s = best->sender;
    s.ssrc = p.ssrc;
    s.last_rtp_time = p.rtp_time;
    s.last_send_us = g_get_monotonic_time();
    s.packets++;
    s.octets += p.payload_size;
    s.active = true;
    if (!best->tcp) {
      best->udp_pending.push_back(std::move(p));
      if (best->udp_pending.size() >= kUdpBatch) flush_udp(*best);
      continue;
    }
    if (p.size > 0xffff) {
      std::lock_guard lock(stats_mutex_);
      stats_.oversized_packets++;
      continue;
    }
    const std::size_t off = batch_.size();
    batch_.resize(off + 4 + p.size);
    core::write_interleaved_header(best->rtp_channel, std::uint16_t(p.size),
                                   reinterpret_cast<std::uint8_t*>(batch_.data() + off));
    gst_buffer_extract(p.buffer.get(), 0, batch_.data() + off + 4, p.size);
    if (batch_.size() >= kBatchBytes) {
      conn_->send(batch_);
      batch_.clear();
      if (!conn_->is_connected()) return;
      tcp_full = conn_->queued_bytes() >= kHighWater;
    }
  }
  if (!batch_.empty()) {
    conn_->send(batch_);
    batch_.clear();
  }
  for (auto& o : outs_) {
    if (!o->udp_pending.empty() && o->udp_watch == nullptr) flush_udp(*o);
  }
}

void SinkController::flush_udp(Out& o) {
  if (!o.udp || !o.udp_rtp_peer || o.udp_pending.empty()) return;
  GSocket* socket = o.udp->socket(MediaChannel::Rtp);
  const std::size_t n = std::min(o.udp_pending.size(), kUdpBatch);
  // One vector per memory: payloaders build a packet from several, and merging them would copy.
  std::array<GOutputMessage, kUdpBatch> msgs{};
  std::vector<GOutputVector> vecs;
  std::vector<std::pair<GstMemory*, GstMapInfo>> maps;
  std::size_t total_mems = 0;
  for (std::size_t i = 0; i < n; ++i) total_mems += gst_buffer_n_memory(o.udp_pending[i].buffer.get());
  vecs.resize(total_mems);
  maps.reserve(total_mems);
  std::size_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    GstBuffer* b = o.udp_pending[i].buffer.get();
    msgs[i].address = o.udp_rtp_peer.get();
    msgs[i].vectors = &vecs[v];
    const guint mems = gst_buffer_n_memory(b);
    for (guint m = 0; m < mems; ++m) {
      GstMemory* mem = gst_buffer_peek_memory(b, m);
      GstMapInfo info;
      if (!gst_memory_map(mem, &info, GST_MAP_READ)) continue;
      maps.emplace_back(mem, info);
      vecs[v++] = GOutputVector{info.data, info.size};
      msgs[i].num_vectors++;
    }
  }
  ErrorOut err;
  const gint sent = g_socket_send_messages(socket, msgs.data(), guint(n), 0, nullptr, err.out());
  for (auto& [mem, info] : maps) gst_memory_unmap(mem, &info);
  if (sent < 0) {
    if (g_error_matches(err.get(), G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      watch_udp(o);
      return;
    }
    // ICMP errors from an earlier datagram and the like: the data is gone, the stream goes on.
    std::lock_guard lock(stats_mutex_);
    if (stats_.udp_send_errors++ == 0) GST_WARNING("UDP send error: %s", err.message());
    o.udp_pending.erase(o.udp_pending.begin(), o.udp_pending.begin() + std::ptrdiff_t(n));
    return;
  }
  o.udp_pending.erase(o.udp_pending.begin(), o.udp_pending.begin() + sent);
  if (std::size_t(sent) < n) watch_udp(o);
}

void SinkController::watch_udp(Out& o) {
  if (o.udp_watch) return;
  GSource* src = g_socket_create_source(o.udp->socket(MediaChannel::Rtp), G_IO_OUT, nullptr);
  struct Ctx {
    SinkController* self;
    Out* out;
  };
  auto* ctx = new Ctx{this, &o};
  g_source_set_callback(src, G_SOURCE_FUNC(+[](GSocket*, GIOCondition, gpointer d) -> gboolean {
                          auto* c = static_cast<Ctx*>(d);
                          SinkController* self = c->self;
                          Out* out = c->out;
                          // Dropping the watch destroys this source and its Ctx; use only the copies above.
                          out->udp_watch.reset();
                          self->flush_udp(*out);
                          self->pump();
                          self->check_drained();
                          return G_SOURCE_REMOVE;
                        }),
                        ctx, [](gpointer d) { delete static_cast<Ctx*>(d); });
  g_source_attach(src, context_);
  o.udp_watch.reset(src);
}

// ntp-time-source, as rtpbin reads it: the wall clock with the NTP or the Unix epoch, or the pipeline clock's
// time or running time (the wall clock's NTP time without a clock).
std::uint64_t SinkController::report_ntp_time() const {
  const std::int64_t wall = g_get_real_time();
  switch (settings_.ntp_time_source) {
    case NtpTimeSource::Unix:
      return ntp_format_ns(std::uint64_t(wall) * 1000u);
    case NtpTimeSource::RunningTime:
    case NtpTimeSource::ClockTime: {
      GstObjectPtr<GstClock> clock(gst_element_get_clock(host_.element()));
      if (!clock) break;
      const GstClockTime t = gst_clock_get_time(clock.get());
      if (settings_.ntp_time_source == NtpTimeSource::ClockTime) return ntp_format_ns(t);
      const GstClockTime base = gst_element_get_base_time(host_.element());
      return ntp_format_ns(t >= base ? t - base : 0);
    }
    case NtpTimeSource::Ntp:
      break;
  }
  return ntp_from_unix_us(wall);
}

void SinkController::send_reports() {
  if (phase_ != Phase::Recording || !conn_) return;
  const std::int64_t mono = g_get_monotonic_time();
  const std::uint64_t ntp = report_ntp_time();
  for (auto& o : outs_) {
    if (!o->set_up || !o->sender.active) continue;
    // Interleaved reports need the control connection (it may be being made again: udp-reconnect).
    if (o->tcp && !conn_->is_connected()) continue;
    if (o->sender.clock_rate == 0) o->sender.clock_rate = 90000;
    BufferPtr sr = build_sender_report(o->sender, cname_, sdes_items_, mono, ntp);
    if (!sr) continue;
    GstMapInfo map;
    if (!gst_buffer_map(sr.get(), &map, GST_MAP_READ)) continue;
    if (o->tcp) {
      std::string frame(4 + map.size, '\0');
      core::write_interleaved_header(o->rtcp_channel, std::uint16_t(map.size),
                                     reinterpret_cast<std::uint8_t*>(frame.data()));
      std::copy(map.data, map.data + map.size, frame.begin() + 4);
      conn_->send(frame);
    } else if (o->udp && o->udp_rtcp_peer) {
      g_socket_send_to(o->udp->socket(MediaChannel::Rtcp), o->udp_rtcp_peer.get(),
                       reinterpret_cast<const gchar*>(map.data), map.size, nullptr, nullptr);
    }
    gst_buffer_unmap(sr.get(), &map);
    o->rtcp_sent++;
  }
  sync_stats();
}

}  // namespace rtsp2::sink
