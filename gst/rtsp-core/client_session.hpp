// The RTSP client session state machine shared by the PLAY client (rtspsrc2) and the RECORD publisher
// (rtspsink2). Sans-I/O: it owns no socket, thread or timer. The caller feeds it bytes and the current time
// and polls what to send, what happened and when to call again.
//
//   PLAY                                         RECORD
//   C->S [OPTIONS]                               C->S [OPTIONS]
//   C->S DESCRIBE          -> Described          C->S ANNOUNCE (SDP)    -> Announced
//   caller: setup(streams)                       caller: setup(streams)  (mode=record transports)
//   C->S SETUP ...         -> StreamReady (each) C->S SETUP ...          -> StreamReady (each)
//   caller: play()         -> Playing            caller: record()        -> Recording
//   ... keep-alive (GET_PARAMETER if Public lists it, else OPTIONS) before the session timeout ...
//   caller: teardown()     -> TornDown
//
// Commands may be issued before the previous ones are answered (play() right after setup()): they are queued,
// never dropped, and sent as soon as the session allows. The first SETUP waits for DESCRIBE/ANNOUNCE; the
// later SETUPs and PLAY/RECORD are pipelined once the server has given a Session id.
//
// 401 is answered once per new challenge (and again for stale=true); 3xx with Location gives Redirected,
// after which the caller connects to the new URL and calls start() again (hop limit in the config). Requests
// from the server are answered here: OPTIONS and GET_PARAMETER with 200, ANNOUNCE / SET_PARAMETER / REDIRECT
// with 200 and a ServerRequest event, anything else 501.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth.hpp"
#include "message.hpp"
#include "parser.hpp"
#include "sdp.hpp"
#include "transport.hpp"
#include "url.hpp"

namespace rtsp2::core {

using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;
using Duration = std::chrono::milliseconds;

enum class SessionMode { Play, Record };

struct SessionConfig {
  Url url;  // where to connect; credentials in it are used unless `credentials`
  SessionMode mode = SessionMode::Play;
  std::optional<Credentials> credentials;
  std::string user_agent = "rtsp2/0.1";
  bool options_first = false;               // send OPTIONS before DESCRIBE/ANNOUNCE (learns Public at once)
  Duration request_timeout{20000};          // rtspsrc's tcp-timeout default (20 s)
  Duration default_session_timeout{60000};  // when Session carries no ;timeout=
  bool keep_alive = true;
  int max_redirects = 5;
  bool record_mode_upper = false;  // write mode=RECORD instead of mode=record
  std::string announce_sdp;        // Record mode: the ANNOUNCE body
  // RFC 2326 §12.6 / §12.7, 0 = not sent. Bandwidth (bits/s the client can take) goes on DESCRIBE, SETUP and
  // PLAY, where a server chooses what to send; Blocksize (the media packet size the client asks for) on
  // SETUP.
  std::uint64_t bandwidth = 0;
  std::uint32_t blocksize = 0;
  // rtspsrc's udp-reconnect: when the server closes the control connection of a session that plays, is
  // paused or records with all its media over UDP, keep the session (ControlClosed) instead of failing. The
  // caller connects again and calls resume_control(); requests made meanwhile, and those left unanswered, are
  // sent then.
  bool keep_session_on_close = false;
  // rtspsrc's before-send: sees every new request (not keep-alives, as rtspsrc) before it is written, with
  // its CSeq and Session, without Authorization, and again for a retry with credentials; it may change its
  // URI, headers and body. False drops it: a parameter request is answered with status 0, a dropped PLAY or
  // PAUSE counts as done and a TEARDOWN as answered, OPTIONS is skipped, and DESCRIBE, ANNOUNCE, SETUP or
  // RECORD fail the session (realised when the caller next polls events).
  std::function<bool(Request&)> before_send;
  // rtspsrc's handle-request: sees each request from the server with the answer prepared for it (200, or 501
  // for a method the session does not take) and may change that answer. Its CSeq stays the request's.
  std::function<void(const Request&, Response&)> handle_request;
  ParserLimits limits;
};

// One stream to set up: its control URL and the transports to try in order. A 461 answer moves on to the
// next.
struct StreamSetup {
  std::string control_url;
  std::vector<TransportSpec> candidates;
};

struct PlayOptions {
  std::optional<NptRange> range;  // Range: npt=...
  std::optional<double> scale;    // Scale:
};

enum class SessionError {
  ConnectionClosed,
  Timeout,               // no answer within request_timeout
  NotAuthorized,         // 401 after retry, or 401 without usable challenge or credentials
  NotFound,              // 404
  Forbidden,             // 403
  MethodNotAllowed,      // 405
  UnsupportedTransport,  // 461 with no candidate left
  SessionNotFound,       // 454
  InvalidState,          // 455
  AggregateNotAllowed,   // 459
  ServerError,           // 5xx
  ClientError,           // other 4xx
  TooManyRedirects,
  BadResponse,    // missing/garbled headers the exchange needs (Session, Transport, SDP)
  ProtocolError,  // the byte stream could not be parsed
};
std::string_view to_string(SessionError e);

namespace event {
struct Described {
  Presentation presentation;
  std::string sdp;
  std::string base_url;  // what control URLs were resolved against
};
struct Announced {};
struct StreamReady {
  std::size_t stream = 0;   // index into the setup() list
  TransportSpec transport;  // the server's answer
};
struct Playing {
  std::optional<NptRange> range;
  std::optional<double> scale;
  std::string rtp_info;  // raw RTP-Info header ("" when absent)
};
struct Recording {};
struct Paused {};
struct TornDown {};
struct ParameterReply {
  std::uint64_t token = 0;  // as returned by get_parameter()/set_parameter()
  Response response;
};
struct ServerRequest {
  Request request;  // already answered
};
struct Redirected {
  std::string location;  // caller reconnects and calls start()
};
// A `$` frame (RFC 2326 §10.12) from the control connection. The payload is not copied: it views memory the
// session owns (its receive buffer). The view is valid, and its bytes unchanged, from the moment poll_event()
// returns the event until the next handle_bytes() call on the same session, or the session's destruction,
// whichever comes first. No other member function (poll_event, poll_transmit, poll_timeout, start, setup,
// play, record, pause, teardown, get/set_parameter, handle_timeout, handle_connection_closed) invalidates it,
// so several frames polled after one handle_bytes() may be held together. Copy what must live longer.
// Frames still queued (not yet polled) when handle_bytes() is called are copied aside by the session first,
// so a caller that does not drain every event loses nothing; draining keeps the steady state copy- and
// allocation-free.
struct Interleaved {
  std::uint8_t channel = 0;
  std::span<const std::uint8_t> payload;
};
// The server closed the control connection; the session goes on (SessionConfig::keep_session_on_close).
// Nothing is transmitted until resume_control().
struct ControlClosed {};
struct Failed {
  SessionError error;
  int status = 0;       // RTSP status when the error came from a response
  std::string message;  // human text, never with credentials
  bool fatal = true;    // false: the session goes on (a refused PAUSE, say); true: state() is Failed
};
}  // namespace event

using Event =
    std::variant<event::Described, event::Announced, event::StreamReady, event::Playing, event::Recording,
                 event::Paused, event::TornDown, event::ParameterReply, event::ServerRequest,
                 event::Redirected, event::Interleaved, event::ControlClosed, event::Failed>;

enum class SessionState {
  Idle,
  Describing,
  Announcing,
  Ready,
  SettingUp,
  Playing,
  Recording,
  Paused,
  TearingDown,
  Closed,
  Failed
};

struct SessionStats {
  std::uint64_t requests = 0;
  std::uint64_t keep_alives = 0;
  std::uint64_t auth_retries = 0;
  std::optional<Duration> last_rtt;  // time between the last request sent and its answer
};

class ClientSession {
 public:
  explicit ClientSession(SessionConfig config);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // The control connection is up (again, after Redirected): send [OPTIONS] DESCRIBE or [OPTIONS] ANNOUNCE.
  void start(Instant now);
  // Ends the validity of every Interleaved payload polled before this call (see event::Interleaved).
  void handle_bytes(std::span<const std::uint8_t> bytes, Instant now);
  void handle_connection_closed(Instant now);
  // A new control connection is up after ControlClosed: sends what waited.
  void resume_control(Instant now);
  void handle_timeout(Instant now);

  void setup(std::vector<StreamSetup> streams, Instant now);
  void play(PlayOptions options, Instant now);
  void record(Instant now);
  void pause(Instant now);
  void teardown(Instant now);
  std::uint64_t get_parameter(std::string content_type, std::string body, Instant now);
  std::uint64_t set_parameter(std::string content_type, std::string body, Instant now);

  std::optional<std::string> poll_transmit();
  std::optional<Event> poll_event();
  std::optional<Instant> poll_timeout() const;

  SessionState state() const;
  const std::string& session_id() const;
  const Url& url() const;  // current URL (after redirects)
  const SessionStats& stats() const;
  bool server_supports(Method m) const;  // from the Public header, once known

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the 4-byte interleaved frame header "$" channel length (RFC 2326 §10.12) for `length` <= 65535.
void write_interleaved_header(std::uint8_t channel, std::uint16_t length, std::uint8_t out[4]);

}  // namespace rtsp2::core
