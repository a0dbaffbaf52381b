#include "client_session.hpp"

#include <gst/gst.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <utility>

#include "event_queue.hpp"
#include "session_headers.hpp"

GST_DEBUG_CATEGORY_STATIC(rtspcore_debug);
#define GST_CAT_DEFAULT rtspcore_debug

namespace rtsp2::core {

std::string_view to_string(SessionError e) {
  switch (e) {
    case SessionError::ConnectionClosed:
      return "connection closed by the server";
    case SessionError::Timeout:
      return "no answer from the server";
    case SessionError::NotAuthorized:
      return "not authorized";
    case SessionError::NotFound:
      return "not found";
    case SessionError::Forbidden:
      return "forbidden";
    case SessionError::MethodNotAllowed:
      return "method not allowed";
    case SessionError::UnsupportedTransport:
      return "no transport accepted by the server";
    case SessionError::SessionNotFound:
      return "session not found (expired)";
    case SessionError::InvalidState:
      return "method not valid in this state";
    case SessionError::AggregateNotAllowed:
      return "aggregate operation not allowed";
    case SessionError::ServerError:
      return "server error";
    case SessionError::ClientError:
      return "request refused";
    case SessionError::TooManyRedirects:
      return "too many redirects";
    case SessionError::BadResponse:
      return "malformed response";
    case SessionError::ProtocolError:
      return "protocol error";
  }
  return "unknown error";
}

void write_interleaved_header(std::uint8_t channel, std::uint16_t length, std::uint8_t out[4]) {
  out[0] = '$';
  out[1] = channel;
  out[2] = static_cast<std::uint8_t>(length >> 8);
  out[3] = static_cast<std::uint8_t>(length & 0xff);
}

namespace {

// What a request in flight was for: decides what its answer does.
enum class Purpose {
  Options,
  Describe,
  Announce,
  Setup,
  Play,
  Pause,
  Record,
  Teardown,
  KeepAlive,
  GetParameter,
  SetParameter,
};

// A command waiting for the session to allow it (the first SETUP waits for DESCRIBE, later ones for a Session
// id, PLAY/RECORD for every SETUP).
struct Queued {
  Purpose purpose;
  std::size_t stream = 0;   // Setup
  PlayOptions play;         // Play
  std::uint64_t token = 0;  // Get/SetParameter
  std::string content_type;
  std::string body;
};

struct InFlight {
  Purpose purpose;
  Request request;
  Instant sent;
  std::size_t stream = 0;
  std::uint64_t token = 0;
  int auth_attempts = 0;  // times this request was re-sent with credentials
  PlayOptions play;
};

constexpr int kMaxAuthAttempts = 3;

SessionError error_for_status(int status) {
  switch (status) {
    case 401:
      return SessionError::NotAuthorized;
    case 403:
      return SessionError::Forbidden;
    case 404:
      return SessionError::NotFound;
    case 405:
      return SessionError::MethodNotAllowed;
    case 454:
      return SessionError::SessionNotFound;
    case 455:
      return SessionError::InvalidState;
    case 459:
      return SessionError::AggregateNotAllowed;
    case 461:
      return SessionError::UnsupportedTransport;
    default:
      return status >= 500 ? SessionError::ServerError : SessionError::ClientError;
  }
}

}  // namespace

// A request URI as logs show it: password-like parameters masked (Url::to_display_string()).
static std::string display_uri(const std::string& uri) {
  if (uri == "*") return uri;
  auto u = parse_url(uri);
  return u ? u->to_display_string() : std::string("(a URI that does not parse)");
}

struct ClientSession::Impl {
  explicit Impl(SessionConfig c) : config(std::move(c)), parser(config.limits), url(config.url) {
    if (!config.credentials && url.has_credentials) {
      config.credentials = Credentials{url.user, url.password};
    }
  }

  SessionConfig config;
  Parser parser;
  Url url;
  SessionState state = SessionState::Idle;
  SessionStats stats;

  std::deque<std::string> transmit;
  EventQueue events;

  std::uint32_t next_cseq = 1;
  std::map<std::uint32_t, InFlight> in_flight;
  std::deque<Queued> queued;

  std::string session_id;
  Duration session_timeout{0};
  std::optional<Instant> keep_alive_due;
  std::vector<Method> public_methods;
  bool public_known = false;
  bool keep_alive_options_only = false;

  std::string base_url;       // what control URLs resolve against
  std::string aggregate_url;  // PLAY/PAUSE/TEARDOWN/GET_PARAMETER target
  std::vector<StreamSetup> streams;
  std::vector<std::size_t> candidate;  // per stream: index of the candidate being tried
  std::size_t setups_sent = 0;
  std::size_t setups_done = 0;
  bool setup_requested = false;
  bool described = false;           // DESCRIBE / ANNOUNCE answered 200
  bool media_interleaved = false;   // a stream's media come over the control connection
  bool control_down = false;        // ControlClosed given, resume_control() not yet called
  bool resumed_unanswered = false;  // resumed, and nothing answered on the new connection yet
  struct Dropped {
    Purpose purpose;
    std::string method;
    PlayOptions play;  // a dropped PLAY counts as done with what it asked for
  };
  std::deque<Dropped> dropped_requests;  // by before_send, not yet realised

  std::optional<Authenticator> auth;
  int redirects = 0;
  std::uint64_t next_token = 1;

  // ---- sending ----

  Request make_request(Method m, std::string uri) {
    Request r = Request::make(m, std::move(uri));
    r.headers.add("CSeq", std::to_string(next_cseq));
    if (!config.user_agent.empty()) r.headers.add("User-Agent", config.user_agent);
    if (!session_id.empty() && m != Method::Options && m != Method::Describe && m != Method::Announce) {
      r.headers.add("Session", session_id);
    }
    if (config.bandwidth > 0 && (m == Method::Describe || m == Method::Setup || m == Method::Play)) {
      r.headers.add("Bandwidth", std::to_string(config.bandwidth));
    }
    if (config.blocksize > 0 && m == Method::Setup)
      r.headers.add("Blocksize", std::to_string(config.blocksize));
    return r;
  }

  void send(Purpose purpose, Request r, Instant now, std::size_t stream = 0, std::uint64_t token = 0,
            PlayOptions play = {}) {
    // A dropped request takes no CSeq: the server sees them in sequence.
    const std::uint32_t cseq = next_cseq;
    // Keep-alives do not go through the hook, as rtspsrc's do not go through before-send.
    if (config.before_send && purpose != Purpose::KeepAlive) {
      r.headers.set("CSeq", std::to_string(cseq));
      if (!config.before_send(r)) {
        dropped(purpose, r, token, play);
        return;
      }
    }
    next_cseq++;
    if (auth) r.headers.set("Authorization", auth->authorization(r.method_name, r.uri));
    r.headers.set("CSeq", std::to_string(cseq));
    GST_DEBUG("> %s %s CSeq %u", r.method_name.c_str(), display_uri(r.uri).c_str(), cseq);
    transmit.push_back(serialize(r));
    stats.requests++;
    in_flight.emplace(cseq, InFlight{purpose, std::move(r), now, stream, token, 0, std::move(play)});
    if (!session_id.empty()) schedule_keep_alive(now);
  }

  // A request before_send refused. A parameter request is answered with status 0 at once. For the others the
  // session goes on as rtspsrc does after a skipped request, when the caller next polls its events (the
  // request was being built in the middle of a state change): a skipped PLAY or PAUSE counts as done, a
  // skipped TEARDOWN ends the session, a skipped OPTIONS is nothing; DESCRIBE, ANNOUNCE, SETUP and RECORD
  // cannot be done without, and fail the session.
  void dropped(Purpose purpose, const Request& r, std::uint64_t token, const PlayOptions& play = {}) {
    GST_INFO("before-send dropped %s %s", r.method_name.c_str(), display_uri(r.uri).c_str());
    switch (purpose) {
      case Purpose::Options:
      case Purpose::KeepAlive:
        break;
      case Purpose::GetParameter:
      case Purpose::SetParameter: {
        Response not_sent;
        not_sent.reason = "not sent (before-send)";
        events.push(event::ParameterReply{token, std::move(not_sent)});
        break;
      }
      default:
        dropped_requests.push_back(Dropped{purpose, r.method_name, play});
        break;
    }
  }

  void realise_dropped() {
    while (!dropped_requests.empty() && state != SessionState::Failed && state != SessionState::Closed) {
      Dropped d = std::move(dropped_requests.front());
      dropped_requests.pop_front();
      // Once TEARDOWN is on its way, only its own drop still counts.
      if (state == SessionState::TearingDown && d.purpose != Purpose::Teardown) continue;
      switch (d.purpose) {
        case Purpose::Play: {
          event::Playing p;
          p.range = d.play.range;
          p.scale = d.play.scale;
          enter_playing(std::move(p));
          break;
        }
        case Purpose::Pause:
          enter_paused();
          break;
        case Purpose::Teardown:
          finish_teardown();
          break;
        default:
          fail(SessionError::ClientError, 0, "before-send dropped the " + d.method + " request");
          break;
      }
    }
    dropped_requests.clear();
  }

  void resend_with_auth(InFlight f, Instant now) {
    Request r = f.request;
    const std::uint32_t cseq = next_cseq;
    r.headers.set("CSeq", std::to_string(cseq));
    // As rtspsrc, the hook sees the request again (with its new CSeq) before it goes out with credentials.
    if (config.before_send && f.purpose != Purpose::KeepAlive) {
      r.headers.remove("Authorization");
      if (!config.before_send(r)) {
        dropped(f.purpose, r, f.token, f.play);
        return;
      }
    }
    next_cseq++;
    r.headers.set("Authorization", auth->authorization(r.method_name, r.uri));
    r.headers.set("CSeq", std::to_string(cseq));
    GST_DEBUG("> %s %s CSeq %u (with credentials)", r.method_name.c_str(), display_uri(r.uri).c_str(), cseq);
    transmit.push_back(serialize(r));
    stats.requests++;
    stats.auth_retries++;
    f.request = std::move(r);
    f.sent = now;
    f.auth_attempts++;
    in_flight.emplace(cseq, std::move(f));
  }

  void send_describe_or_announce(Instant now) {
    if (config.options_first) send(Purpose::Options, make_request(Method::Options, url.to_string()), now);
    if (config.mode == SessionMode::Play) {
      Request r = make_request(Method::Describe, url.to_string());
      r.headers.add("Accept", "application/sdp");
      send(Purpose::Describe, std::move(r), now);
      state = SessionState::Describing;
    } else {
      Request r = make_request(Method::Announce, url.to_string());
      r.headers.add("Content-Type", "application/sdp");
      r.body = config.announce_sdp;
      send(Purpose::Announce, std::move(r), now);
      state = SessionState::Announcing;
    }
  }

  void send_setup(std::size_t i, Instant now) {
    const StreamSetup& s = streams[i];
    Request r = make_request(Method::Setup, s.control_url);
    r.headers.add("Transport", to_string(s.candidates[candidate[i]], config.record_mode_upper));
    send(Purpose::Setup, std::move(r), now, i);
  }

  bool all_set_up() const { return setup_requested && setups_done == streams.size(); }

  // Sends whatever queued commands the session now allows, in order; stops at the first that must wait.
  void pump(Instant now) {
    while (!queued.empty()) {
      Queued& q = queued.front();
      switch (q.purpose) {
        case Purpose::Setup: {
          if (!described) return;
          // The first SETUP creates the session; the others ride on its id and can be pipelined.
          if (setups_sent > 0 && session_id.empty()) return;
          send_setup(q.stream, now);
          setups_sent++;
          state = SessionState::SettingUp;
          break;
        }
        case Purpose::Play: {
          if (!all_set_up()) return;
          Request r = make_request(Method::Play, aggregate_url);
          if (q.play.range) r.headers.add("Range", to_string(*q.play.range));
          if (q.play.scale) r.headers.add("Scale", format_double(*q.play.scale));
          send(Purpose::Play, std::move(r), now, 0, 0, q.play);
          break;
        }
        case Purpose::Record: {
          if (!all_set_up()) return;
          Request r = make_request(Method::Record, aggregate_url);
          r.headers.add("Range", "npt=0.000-");
          send(Purpose::Record, std::move(r), now);
          break;
        }
        case Purpose::Pause: {
          if (!all_set_up()) return;
          send(Purpose::Pause, make_request(Method::Pause, aggregate_url), now);
          break;
        }
        case Purpose::GetParameter:
        case Purpose::SetParameter: {
          // Parameters address the presentation: wait until DESCRIBE/ANNOUNCE has named it.
          if (!described) return;
          Method m = q.purpose == Purpose::GetParameter ? Method::GetParameter : Method::SetParameter;
          Request r = make_request(m, aggregate_url.empty() ? url.to_string() : aggregate_url);
          if (!q.body.empty()) {
            r.headers.add("Content-Type", q.content_type.empty() ? "text/parameters" : q.content_type);
            r.body = q.body;
          }
          send(q.purpose, std::move(r), now, 0, q.token);
          break;
        }
        default:
          break;
      }
      queued.pop_front();
    }
  }

  static std::string format_double(double v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
    return std::string(buf, res.ptr);
  }

  // ---- timers ----

  void schedule_keep_alive(Instant now) {
    if (!config.keep_alive || session_id.empty()) {
      keep_alive_due.reset();
      return;
    }
    Duration t = session_timeout.count() > 0 ? session_timeout : config.default_session_timeout;
    // Leave a margin for the round trip: 5 s before expiry when the timeout allows, else half of it.
    Duration interval = t > Duration(10000) ? t - Duration(5000) : t / 2;
    if (interval < Duration(500)) interval = Duration(500);
    keep_alive_due = now + interval;
  }

  std::optional<Instant> next_timeout() const {
    std::optional<Instant> t;
    auto consider = [&](Instant x) {
      if (!t || x < *t) t = x;
    };
    for (const auto& [cseq, f] : in_flight) consider(f.sent + config.request_timeout);
    if (keep_alive_due && keep_alive_active()) consider(*keep_alive_due);
    return t;
  }

  bool keep_alive_active() const {
    switch (state) {
      case SessionState::Ready:
      case SessionState::SettingUp:
      case SessionState::Playing:
      case SessionState::Recording:
      case SessionState::Paused:
        return !session_id.empty();
      default:
        return false;
    }
  }

  void on_timeout(Instant now) {
    if (state == SessionState::Failed || state == SessionState::Closed) return;
    for (const auto& [cseq, f] : in_flight) {
      if (now >= f.sent + config.request_timeout) {
        if (f.purpose == Purpose::Teardown) {
          finish_teardown();
          return;
        }
        fail(SessionError::Timeout, 0,
             "no answer to " + f.request.method_name + " within " +
                 std::to_string(config.request_timeout.count()) + " ms");
        return;
      }
    }
    if (keep_alive_due && keep_alive_active() && now >= *keep_alive_due) send_keep_alive(now);
  }

  void send_keep_alive(Instant now) {
    bool use_get = !keep_alive_options_only && public_known && contains(public_methods, Method::GetParameter);
    Method m = use_get ? Method::GetParameter : Method::Options;
    std::string target = use_get ? aggregate_url : url.to_string();
    Request r = make_request(m, target);
    if (m == Method::Options) r.headers.set("Session", session_id);
    stats.keep_alives++;
    send(Purpose::KeepAlive, std::move(r), now);
  }

  static bool contains(const std::vector<Method>& v, Method m) {
    return std::find(v.begin(), v.end(), m) != v.end();
  }

  // ---- failures ----

  void fail(SessionError e, int status, std::string message, bool fatal = true) {
    GST_INFO("session %s: %s", fatal ? "failed" : "warning", message.c_str());
    if (fatal) {
      state = SessionState::Failed;
      in_flight.clear();
      queued.clear();
      keep_alive_due.reset();
    }
    events.push(event::Failed{e, status, std::move(message), fatal});
  }

  void finish_teardown() {
    in_flight.clear();
    queued.clear();
    keep_alive_due.reset();
    session_id.clear();
    state = SessionState::Closed;
    events.push(event::TornDown{});
  }

  // ---- receiving ----

  void on_bytes(std::span<const std::uint8_t> bytes, Instant now) {
    if (state == SessionState::Failed) return;  // nothing is fed: every payload stays where it is
    // feed() may move the parser's buffer, which the payloads of frames not yet polled view.
    events.keep_queued_frames();
    parser.feed(bytes);
    for (;;) {
      ParseItem item = parser.next();
      if (std::holds_alternative<NeedMore>(item)) break;
      if (auto* f = std::get_if<InterleavedFrame>(&item)) {
        // Not copied: the parser's buffer stays put until the next on_bytes() (parser.reset() included).
        events.push(event::Interleaved{f->channel, f->payload});
      } else if (auto* resp = std::get_if<Response>(&item)) {
        on_response(std::move(*resp), now);
      } else if (auto* req = std::get_if<Request>(&item)) {
        on_server_request(std::move(*req));
      } else if (auto* pf = std::get_if<ParseFailure>(&item)) {
        fail(SessionError::ProtocolError, 0,
             "unreadable data from the server: " + std::string(to_string(pf->error)));
        return;
      }
      // SkippedGarbage: servers sometimes send stray bytes between messages; the parser bounds it.
      if (state == SessionState::Failed) return;
    }
    pump(now);
  }

  void on_server_request(Request req) {
    GST_DEBUG("< server request %s %s", req.method_name.c_str(), display_uri(req.uri).c_str());
    Response resp = Response::make(200);
    if (auto c = req.headers.get("CSeq")) resp.headers.add("CSeq", std::string(*c));
    if (!session_id.empty()) resp.headers.add("Session", session_id);
    bool surface = false;
    switch (req.method) {
      case Method::Options:
        resp.headers.add("Public", "OPTIONS, GET_PARAMETER, SET_PARAMETER, ANNOUNCE, REDIRECT");
        break;
      case Method::GetParameter:
        break;
      case Method::Announce:
      case Method::SetParameter:
        surface = true;
        break;
      case Method::Redirect:
        surface = true;
        break;
      default:
        resp = Response::make(501);
        if (auto c = req.headers.get("CSeq")) resp.headers.add("CSeq", std::string(*c));
        break;
    }
    if (config.handle_request) {
      config.handle_request(req, resp);
      if (resp.status < 100 || resp.status > 999) resp = Response::make(500);
      if (auto c = req.headers.get("CSeq")) resp.headers.set("CSeq", std::string(*c));
    }
    transmit.push_back(serialize(resp));
    if (!surface) return;
    if (req.method == Method::Redirect) {
      auto loc = req.headers.get("Location");
      events.push(event::ServerRequest{req});
      if (loc) redirect_to(std::string(*loc));
      return;
    }
    events.push(event::ServerRequest{std::move(req)});
  }

  void redirect_to(std::string location) {
    if (++redirects > config.max_redirects) {
      fail(SessionError::TooManyRedirects, 0,
           "more than " + std::to_string(config.max_redirects) + " redirects");
      return;
    }
    auto next = parse_url(location);
    if (!next) {
      // A relative Location resolves against the current URL.
      if (auto abs = resolve_control(url.to_string(), location)) next = parse_url(*abs);
    }
    if (!next) {
      fail(SessionError::BadResponse, 0, "redirect to an invalid URL");
      return;
    }
    if (!next->has_credentials && url.has_credentials) {
      next->user = url.user;
      next->password = url.password;
      next->has_credentials = true;
    }
    url = *next;
    in_flight.clear();
    queued.clear();
    session_id.clear();
    keep_alive_due.reset();
    described = false;
    setup_requested = false;
    setups_sent = setups_done = 0;
    streams.clear();
    candidate.clear();
    auth.reset();
    parser.reset();
    media_interleaved = false;
    control_down = resumed_unanswered = false;
    dropped_requests.clear();
    state = SessionState::Idle;
    events.push(event::Redirected{url.to_string()});
  }

  void on_response(Response resp, Instant now) {
    std::optional<std::uint32_t> cseq = cseq_of(resp.headers);
    auto it = cseq ? in_flight.find(*cseq) : in_flight.end();
    if (!cseq && in_flight.size() == 1) it = in_flight.begin();  // some servers drop CSeq; one candidate only
    GST_DEBUG("< %d %s CSeq %d", resp.status, resp.reason.c_str(), cseq ? static_cast<int>(*cseq) : -1);
    if (it == in_flight.end()) return;  // late answer to something forgotten (timed out, torn down)
    InFlight f = std::move(it->second);
    in_flight.erase(it);
    resumed_unanswered = false;
    stats.last_rtt = std::chrono::duration_cast<Duration>(now - f.sent);

    update_session(resp);

    if (resp.status == 401 && handle_unauthorized(resp, std::move(f), now)) return;
    if (resp.status >= 300 && resp.status < 400 && f.purpose != Purpose::KeepAlive &&
        f.purpose != Purpose::GetParameter && f.purpose != Purpose::SetParameter) {
      auto loc = resp.headers.get("Location");
      if (loc) {
        redirect_to(std::string(*loc));
        return;
      }
    }

    switch (f.purpose) {
      case Purpose::Options:
        on_options(resp);
        break;
      case Purpose::Describe:
        on_describe(resp, f);
        break;
      case Purpose::Announce:
        on_announce(resp, f);
        break;
      case Purpose::Setup:
        on_setup(resp, f, now);
        break;
      case Purpose::Play:
        on_play(resp, f);
        break;
      case Purpose::Record:
        if (!ok(resp, f)) break;
        state = SessionState::Recording;
        events.push(event::Recording{});
        break;
      case Purpose::Pause:
        if (resp.status / 100 != 2) {
          // Live servers refuse PAUSE (VLC: 405, others 455): the session itself is fine.
          bool fatal = resp.status == 454;
          fail(error_for_status(resp.status), resp.status, "PAUSE refused: " + status_text(resp), fatal);
          break;
        }
        enter_paused();
        break;
      case Purpose::Teardown:
        finish_teardown();
        break;
      case Purpose::KeepAlive:
        on_keep_alive(resp);
        break;
      case Purpose::GetParameter:
      case Purpose::SetParameter:
        events.push(event::ParameterReply{f.token, std::move(resp)});
        break;
    }
  }

  static std::string status_text(const Response& r) {
    return std::to_string(r.status) + " " +
           (r.reason.empty() ? std::string(reason_phrase(r.status)) : r.reason);
  }

  // Checks a 2xx; anything else fails the session with the mapped error.
  bool ok(const Response& resp, const InFlight& f) {
    if (resp.status / 100 == 2) return true;
    fail(error_for_status(resp.status), resp.status, f.request.method_name + " failed: " + status_text(resp));
    return false;
  }

  bool handle_unauthorized(const Response& resp, InFlight f, Instant now) {
    if (!config.credentials) {
      fail(SessionError::NotAuthorized, 401,
           "the server requires authentication and no credentials were given");
      return true;
    }
    auto chosen = choose_challenge(resp.headers.get_all("WWW-Authenticate"));
    if (!chosen) {
      fail(SessionError::NotAuthorized, 401,
           "the server offers no authentication scheme this client supports");
      return true;
    }
    // A request that already carried credentials is retried only when the server says its nonce went stale
    // (bounded): anything else means the user name or password is wrong, and looping would not help.
    if ((f.auth_attempts > 0 && !chosen->stale) || f.auth_attempts >= kMaxAuthAttempts) {
      fail(SessionError::NotAuthorized, 401, "authentication failed: wrong user name or password");
      return true;
    }
    auth.emplace(*chosen, *config.credentials);
    resend_with_auth(std::move(f), now);
    return true;
  }

  void update_session(const Response& resp) {
    auto s = resp.headers.get("Session");
    if (!s) return;
    auto parsed = parse_session_header(*s);
    if (!parsed) return;
    if (session_id.empty()) session_id = parsed->id;
    if (parsed->timeout) session_timeout = *parsed->timeout;
  }

  void on_options(const Response& resp) {
    if (resp.status / 100 != 2) return;  // OPTIONS is optional: a refusal changes nothing
    if (auto p = resp.headers.get("Public")) {
      public_methods = parse_public(*p);
      public_known = true;
    }
  }

  void on_describe(const Response& resp, const InFlight& f) {
    if (!ok(resp, f)) return;
    if (auto p = resp.headers.get("Public")) {
      public_methods = parse_public(*p);
      public_known = true;
    }
    if (resp.body.empty()) {
      fail(SessionError::BadResponse, resp.status, "DESCRIBE answer has no SDP");
      return;
    }
    std::string base;
    if (auto cb = resp.headers.get("Content-Base")) {
      base = std::string(*cb);
    } else if (auto cl = resp.headers.get("Content-Location")) {
      base = std::string(*cl);
    } else {
      base = f.request.uri;
    }
    if (!parse_url(base)) base = f.request.uri;  // a broken Content-Base must not break control URLs
    std::string error;
    auto pres = parse_presentation(resp.body, base, &error);
    if (!pres) {
      fail(SessionError::BadResponse, resp.status, "DESCRIBE answer has an unusable SDP: " + error);
      return;
    }
    base_url = base;
    aggregate_url = pres->aggregate_control_url.empty() ? base : pres->aggregate_control_url;
    described = true;
    state = SessionState::Ready;
    events.push(event::Described{std::move(*pres), resp.body, base});
  }

  void on_announce(const Response& resp, const InFlight& f) {
    if (!ok(resp, f)) return;
    base_url = url.to_string();
    aggregate_url = base_url;
    described = true;
    state = SessionState::Ready;
    events.push(event::Announced{});
  }

  void on_setup(const Response& resp, const InFlight& f, Instant now) {
    std::size_t i = f.stream;
    if (resp.status == 461 && candidate[i] + 1 < streams[i].candidates.size()) {
      candidate[i]++;
      send_setup(i, now);
      return;
    }
    if (!ok(resp, f)) return;
    if (session_id.empty()) {
      fail(SessionError::BadResponse, resp.status, "SETUP answer has no Session header");
      return;
    }
    auto th = resp.headers.get("Transport");
    std::optional<std::vector<TransportSpec>> ts;
    if (th) ts = parse_transports(*th);
    if (!ts || ts->empty()) {
      fail(SessionError::BadResponse, resp.status,
           th ? "SETUP answer has an unreadable Transport header" : "SETUP answer has no Transport header");
      return;
    }
    setups_done++;
    if (ts->front().lower == LowerTransport::Tcp) media_interleaved = true;
    events.push(event::StreamReady{i, std::move(ts->front())});
    if (all_set_up()) state = SessionState::Ready;
  }

  void on_play(const Response& resp, const InFlight& f) {
    if (!ok(resp, f)) return;
    event::Playing p;
    if (auto r = resp.headers.get("Range")) p.range = parse_npt_range(*r);
    if (auto s = resp.headers.get("Scale")) p.scale = parse_double(*s);
    if (auto ri = resp.headers.get("RTP-Info")) p.rtp_info = std::string(*ri);
    enter_playing(std::move(p));
  }

  // A PLAY or PAUSE done: answered, or dropped by before_send (which counts as done).
  void enter_playing(event::Playing p) {
    state = SessionState::Playing;
    events.push(std::move(p));
  }
  void enter_paused() {
    state = SessionState::Paused;
    events.push(event::Paused{});
  }

  void on_keep_alive(const Response& resp) {
    if (resp.status == 454) {
      fail(SessionError::SessionNotFound, 454, "the server forgot the session (keep-alive answered 454)");
      return;
    }
    // A server that lists GET_PARAMETER but refuses it (405/501/551): fall back to OPTIONS from now on.
    if (resp.status / 100 != 2) keep_alive_options_only = true;
  }
};

ClientSession::ClientSession(SessionConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
  static std::once_flag debug_once;
  std::call_once(debug_once, [] {
    GST_DEBUG_CATEGORY_INIT(rtspcore_debug, "rtspcore", 0, "rtsp2 RTSP session core (requests and answers)");
  });
}
ClientSession::~ClientSession() = default;

void ClientSession::start(Instant now) {
  Impl& s = *impl_;
  if (s.state != SessionState::Idle) return;
  s.parser.reset();
  s.send_describe_or_announce(now);
}

void ClientSession::handle_bytes(std::span<const std::uint8_t> bytes, Instant now) {
  impl_->on_bytes(bytes, now);
}

void ClientSession::handle_connection_closed(Instant /*now*/) {
  Impl& s = *impl_;
  switch (s.state) {
    case SessionState::Closed:
    case SessionState::Failed:
      return;
    case SessionState::TearingDown:
      s.finish_teardown();
      return;
    case SessionState::Idle:
      if (s.in_flight.empty()) return;
      [[fallthrough]];
    default:
      // A resumed connection that closes before answering anything is not resumed again (a server at its
      // client limit would make that a loop): the session is lost, and the caller's reconnect policy applies.
      if (s.config.keep_session_on_close && !s.session_id.empty() && !s.media_interleaved &&
          !s.resumed_unanswered &&
          (s.state == SessionState::Playing || s.state == SessionState::Paused ||
           s.state == SessionState::Recording)) {
        if (s.control_down) return;
        GST_INFO("control connection closed; session %s kept", s.session_id.c_str());
        s.control_down = true;
        s.parser.reset();
        s.events.push(event::ControlClosed{});
        return;
      }
      s.fail(SessionError::ConnectionClosed, 0, "the server closed the connection");
  }
}

void ClientSession::resume_control(Instant now) {
  Impl& s = *impl_;
  if (!s.control_down) return;
  s.control_down = false;
  // Every request not answered on the old connection goes out again, in CSeq order. Each keeps the time it
  // was first sent, so request_timeout bounds the whole outage. With none, a keep-alive checks at once that
  // the server still has the session (a 454 then ends it).
  s.transmit.clear();
  for (auto& [cseq, f] : s.in_flight) s.transmit.push_back(serialize(f.request));
  if (s.in_flight.empty() && s.queued.empty() && s.config.keep_alive) s.send_keep_alive(now);
  s.pump(now);
  // Until the new connection has answered something, a close loses the session: a server that accepts and
  // closes at once (at its client limit) must not make this a loop.
  s.resumed_unanswered = true;
}

void ClientSession::handle_timeout(Instant now) {
  impl_->on_timeout(now);
  impl_->pump(now);
}

void ClientSession::setup(std::vector<StreamSetup> streams, Instant now) {
  Impl& s = *impl_;
  s.streams = std::move(streams);
  s.candidate.assign(s.streams.size(), 0);
  s.setup_requested = true;
  s.setups_sent = s.setups_done = 0;
  for (std::size_t i = 0; i < s.streams.size(); ++i) {
    if (s.streams[i].candidates.empty()) {
      s.fail(SessionError::UnsupportedTransport, 0, "no transport allowed for stream " + std::to_string(i));
      return;
    }
    s.queued.push_back(Queued{Purpose::Setup, i, {}, 0, {}, {}});
  }
  s.pump(now);
}

void ClientSession::play(PlayOptions options, Instant now) {
  impl_->queued.push_back(Queued{Purpose::Play, 0, std::move(options), 0, {}, {}});
  impl_->pump(now);
}

void ClientSession::record(Instant now) {
  impl_->queued.push_back(Queued{Purpose::Record, 0, {}, 0, {}, {}});
  impl_->pump(now);
}

void ClientSession::pause(Instant now) {
  impl_->queued.push_back(Queued{Purpose::Pause, 0, {}, 0, {}, {}});
  impl_->pump(now);
}

void ClientSession::teardown(Instant now) {
  Impl& s = *impl_;
  s.queued.clear();
  if (s.session_id.empty() || s.state == SessionState::Failed || s.state == SessionState::Closed) {
    s.finish_teardown();
    return;
  }
  // Answers to anything still in flight no longer matter: the session is ending.
  s.in_flight.clear();
  s.dropped_requests.clear();
  s.send(Purpose::Teardown, s.make_request(Method::Teardown, s.aggregate_url), now);
  s.state = SessionState::TearingDown;
  s.keep_alive_due.reset();
}

std::uint64_t ClientSession::get_parameter(std::string content_type, std::string body, Instant now) {
  std::uint64_t token = impl_->next_token++;
  impl_->queued.push_back(
      Queued{Purpose::GetParameter, 0, {}, token, std::move(content_type), std::move(body)});
  impl_->pump(now);
  return token;
}

std::uint64_t ClientSession::set_parameter(std::string content_type, std::string body, Instant now) {
  std::uint64_t token = impl_->next_token++;
  impl_->queued.push_back(
      Queued{Purpose::SetParameter, 0, {}, token, std::move(content_type), std::move(body)});
  impl_->pump(now);
  return token;
}

std::optional<std::string> ClientSession::poll_transmit() {
  if (impl_->transmit.empty() || impl_->control_down) return std::nullopt;
  std::string out = std::move(impl_->transmit.front());
  impl_->transmit.pop_front();
  return out;
}

std::optional<Event> ClientSession::poll_event() {
  impl_->realise_dropped();
  return impl_->events.poll();
}

std::optional<Instant> ClientSession::poll_timeout() const {
  return impl_->next_timeout();
}
SessionState ClientSession::state() const {
  return impl_->state;
}
const std::string& ClientSession::session_id() const {
  return impl_->session_id;
}
const Url& ClientSession::url() const {
  return impl_->url;
}
const SessionStats& ClientSession::stats() const {
  return impl_->stats;
}

bool ClientSession::server_supports(Method m) const {
  return impl_->public_known && Impl::contains(impl_->public_methods, m);
}

}  // namespace rtsp2::core
