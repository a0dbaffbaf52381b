// ClientSession driven with scripted server bytes and a fake clock: no sockets, no threads.
#include "client_session.hpp"

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "session_headers.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;
using namespace std::chrono_literals;

// Compares as std::string: the values may be temporaries that gst-check's macros would keep pointers to.
#define assert_str_eq(a, b)                                            \
  do {                                                                 \
    const std::string a_ = (a);                                        \
    const std::string b_ = (b);                                        \
    fail_unless(a_ == b_, "'%s' is not '%s'", a_.c_str(), b_.c_str()); \
  } while (0)

namespace {

const Instant kT0 = Instant{} + std::chrono::hours(1);

// The live555 DESCRIBE answer from tests/fixtures/captures: Content-Base without the port the client used.
const char* kLive555Sdp =
    "v=0\r\n"
    "o=- 1795634048014222 1 IN IP4 192.0.2.2\r\n"
    "s=Matroska video+audio\r\n"
    "t=0 0\r\n"
    "a=control:*\r\n"
    "a=range:npt=0-10.026\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 "
    "packetization-mode=1;profile-level-id=42C029;sprop-parameter-sets=Z0LAKdoB4AiflwEQAAADABAAAAMDwPGDKg==,"
    "aM48gA==\r\n"
    "a=control:track1\r\n"
    "m=audio 0 RTP/AVP 97\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtpmap:97 MPEG4-GENERIC/48000\r\n"
    "a=fmtp:97 streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;"
    "config=118856E500\r\n"
    "a=control:track2\r\n";

// Plays the server: reads what the session transmits, answers with scripted responses, collects events.
class Harness {
 public:
  explicit Harness(SessionConfig c) : session(std::move(c)) {}

  ClientSession session;
  Instant now = kT0;
  std::vector<Event> events;
  std::vector<Request> requests;  // everything the client sent, in order
  std::vector<Response> answers;  // responses the client sent to server requests
  // Interleaved payloads as polled ("channel:bytes"): the events' views end at the next handle_bytes().
  std::vector<std::string> frames;

  void drain() {
    while (auto t = session.poll_transmit()) {
      wire_.feed(*t);
      for (;;) {
        ParseItem item = wire_.next();
        if (std::holds_alternative<NeedMore>(item)) break;
        if (auto* r = std::get_if<Request>(&item))
          requests.push_back(std::move(*r));
        else if (auto* a = std::get_if<Response>(&item))
          answers.push_back(std::move(*a));
        else
          fail("the client wrote something that is neither a request nor a response");
      }
    }
    while (auto e = session.poll_event()) {
      if (auto* f = std::get_if<event::Interleaved>(&*e)) {
        frames.push_back(std::to_string(f->channel) + ":" +
                         std::string(f->payload.begin(), f->payload.end()));
      }
      events.push_back(std::move(*e));
    }
  }

  const Request& last() {
    drain();
    fail_unless(!requests.empty(), "no request sent");
    return requests.back();
  }

  std::uint32_t cseq(const Request& r) { return cseq_of(r.headers).value_or(0); }

  // Answers request `r` with status, extra headers and body; bytes fed `chunk` at a time (0 = all at once).
  void respond(const Request& r, int status, std::vector<Header> headers = {}, std::string body = {},
               std::size_t chunk = 0) {
    Response resp = Response::make(status);
    resp.headers.add("CSeq", std::to_string(cseq(r)));
    for (auto& h : headers) resp.headers.add(h.name, h.value);
    resp.body = std::move(body);
    feed(serialize(resp), chunk);
  }

  void feed(const std::string& bytes, std::size_t chunk = 0) {
    auto* p = reinterpret_cast<const std::uint8_t*>(bytes.data());
    if (chunk == 0) chunk = bytes.size();
    for (std::size_t off = 0; off < bytes.size(); off += chunk) {
      session.handle_bytes({p + off, std::min(chunk, bytes.size() - off)}, now);
    }
    drain();
  }

  template <typename T>
  std::vector<T> all() {
    drain();
    std::vector<T> out;
    for (auto& e : events)
      if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
    return out;
  }

  template <typename T>
  T only() {
    auto v = all<T>();
    fail_unless_equals_int(v.size(), 1);
    return v.front();
  }

 private:
  Parser wire_;
};

SessionConfig play_config(const char* url = "rtsp://127.0.0.1:9702/av.mkv") {
  SessionConfig c;
  c.url = *parse_url(url);
  c.user_agent = "rtsp2-test";
  return c;
}

TransportSpec udp_spec(std::uint16_t port) {
  TransportSpec t;
  t.client_port = PortRange{port, static_cast<std::uint16_t>(port + 1)};
  return t;
}

TransportSpec tcp_spec(std::uint8_t ch, TransportMode mode = TransportMode::Play) {
  TransportSpec t;
  t.lower = LowerTransport::Tcp;
  t.interleaved = PortRange{ch, static_cast<std::uint16_t>(ch + 1)};
  if (mode == TransportMode::Record) t.mode = mode;
  return t;
}

// Runs DESCRIBE against the live555 answer and returns the harness ready for setup().
void describe_live555(Harness& h) {
  h.session.start(h.now);
  const Request& d = h.last();
  h.respond(d, 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}, {"Content-Type", "application/sdp"}},
            kLive555Sdp);
}

void setup_both_udp(Harness& h) {
  auto described = h.only<event::Described>();
  std::vector<StreamSetup> setups;
  for (std::size_t i = 0; i < described.presentation.streams.size(); ++i) {
    setups.push_back({described.presentation.streams[i].control_url,
                      {udp_spec(static_cast<std::uint16_t>(50000 + 2 * i))}});
  }
  h.session.setup(setups, h.now);
}

}  // namespace

GST_START_TEST(test_play_sequence_live555) {
  Harness h(play_config());
  h.session.start(h.now);
  const Request describe = h.last();
  // No OPTIONS before DESCRIBE unless asked: one round trip fewer than rtspsrc.
  fail_unless_equals_int(h.requests.size(), 1);
  fail_unless(describe.method == Method::Describe);
  assert_str_eq(describe.uri, "rtsp://127.0.0.1:9702/av.mkv");
  assert_str_eq(std::string(*describe.headers.get("Accept")), "application/sdp");
  assert_str_eq(std::string(*describe.headers.get("User-Agent")), "rtsp2-test");
  fail_unless(h.session.state() == SessionState::Describing);

  h.respond(describe, 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp);
  auto d = h.only<event::Described>();
  fail_unless_equals_int(d.presentation.streams.size(), 2);
  assert_str_eq(d.presentation.streams[0].control_url, "rtsp://127.0.0.1/av.mkv/track1");
  assert_str_eq(d.base_url, "rtsp://127.0.0.1/av.mkv/");

  setup_both_udp(h);
  h.drain();
  // The second SETUP waits for the Session id the first one creates.
  fail_unless_equals_int(h.requests.size(), 2);
  const Request s1 = h.last();
  fail_unless(s1.method == Method::Setup);
  assert_str_eq(s1.uri, "rtsp://127.0.0.1/av.mkv/track1");
  assert_str_eq(std::string(*s1.headers.get("Transport")), "RTP/AVP;unicast;client_port=50000-50001");
  fail_unless(!s1.headers.contains("Session"));

  // PLAY is queued now, before any SETUP is answered, and must go out only after the last one.
  h.session.play({NptRange{0, std::nullopt, false}, std::nullopt}, h.now);
  fail_unless_equals_int(h.requests.size(), 2);

  h.respond(
      s1, 200,
      {{"Transport",
        "RTP/"
        "AVP;unicast;destination=127.0.0.1;source=127.0.0.1;client_port=50000-50001;server_port=6970-6971"},
       {"Session", "335AA815;timeout=65"}});
  auto ready = h.all<event::StreamReady>();
  fail_unless_equals_int(ready.size(), 1);
  fail_unless_equals_int(ready[0].stream, 0);
  fail_unless(ready[0].transport.server_port == (PortRange{6970, 6971}));
  assert_str_eq(h.session.session_id(), "335AA815");

  const Request s2 = h.last();
  fail_unless_equals_int(h.requests.size(), 3);
  assert_str_eq(s2.uri, "rtsp://127.0.0.1/av.mkv/track2");
  assert_str_eq(std::string(*s2.headers.get("Session")), "335AA815");
  h.respond(s2, 200,
            {{"Transport", "RTP/AVP;unicast;client_port=50002-50003;server_port=6972-6973"},
             {"Session", "335AA815;timeout=65"}});

  const Request play = h.last();
  fail_unless_equals_int(h.requests.size(), 4);
  fail_unless(play.method == Method::Play);
  assert_str_eq(play.uri, "rtsp://127.0.0.1/av.mkv/");
  assert_str_eq(std::string(*play.headers.get("Range")), "npt=0.000-");
  h.respond(play, 200,
            {{"Range", "npt=0.000-"},
             {"Session", "335AA815;timeout=65"},
             {"RTP-Info", "url=rtsp://127.0.0.1/av.mkv/track1;seq=1;rtptime=2"}});
  auto p = h.only<event::Playing>();
  fail_unless(h.session.state() == SessionState::Playing);
  fail_unless(p.rtp_info.find("seq=1") != std::string::npos);
  fail_unless(h.all<event::Failed>().empty());

  // CSeq grows by one per request.
  for (std::size_t i = 0; i < h.requests.size(); ++i) fail_unless_equals_int(h.cseq(h.requests[i]), i + 1);
}
GST_END_TEST;

GST_START_TEST(test_responses_split_at_every_byte) {
  // The same DESCRIBE answer fed in chunks of every size from 1 to 17 gives the same presentation.
  for (std::size_t chunk = 1; chunk <= 17; ++chunk) {
    Harness h(play_config());
    h.session.start(h.now);
    const Request d = h.last();
    h.respond(d, 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp, chunk);
    auto described = h.only<event::Described>();
    fail_unless_equals_int(described.presentation.streams.size(), 2);
  }
}
GST_END_TEST;

GST_START_TEST(test_options_first_and_keep_alive_method) {
  // With OPTIONS first the session learns Public: keep-alive uses GET_PARAMETER when listed, else OPTIONS.
  struct Row {
    const char* publics;
    Method expected;
  } rows[] = {
      {"OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER, SET_PARAMETER", Method::GetParameter},
      {"DESCRIBE,SETUP,TEARDOWN,PLAY,PAUSE", Method::Options},
  };
  for (const Row& row : rows) {
    SessionConfig c = play_config();
    c.options_first = true;
    Harness h(c);
    h.session.start(h.now);
    h.drain();
    fail_unless_equals_int(h.requests.size(), 2);  // OPTIONS and DESCRIBE pipelined
    fail_unless(h.requests[0].method == Method::Options);
    fail_unless(h.requests[1].method == Method::Describe);
    h.respond(h.requests[0], 200, {{"Public", row.publics}});
    h.respond(h.requests[1], 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp);
    setup_both_udp(h);
    h.respond(h.last(), 200,
              {{"Transport", "RTP/AVP;unicast;server_port=1-2"}, {"Session", "abc;timeout=30"}});
    h.respond(h.last(), 200,
              {{"Transport", "RTP/AVP;unicast;server_port=3-4"}, {"Session", "abc;timeout=30"}});
    h.session.play({}, h.now);
    h.respond(h.last(), 200, {{"Session", "abc"}});
    fail_unless(h.session.state() == SessionState::Playing);

    // 30 s session timeout: the keep-alive is due 5 s before it expires.
    auto due = h.session.poll_timeout();
    fail_unless(due.has_value());
    fail_unless(*due == h.now + 25s, "keep-alive due at %lld ms", (long long)((*due - h.now) / 1ms));
    std::size_t before = h.requests.size();
    h.now += 24s;
    h.session.handle_timeout(h.now);
    h.drain();
    fail_unless_equals_int(h.requests.size(), before);  // not yet
    h.now += 1s;
    h.session.handle_timeout(h.now);
    const Request ka = h.last();
    fail_unless_equals_int(h.requests.size(), before + 1);
    fail_unless(ka.method == row.expected);
    assert_str_eq(std::string(*ka.headers.get("Session")), "abc");
    h.respond(ka, 200);
    fail_unless_equals_int(h.session.stats().keep_alives, 1);
    fail_unless(h.all<event::Failed>().empty());
  }
}
GST_END_TEST;

GST_START_TEST(test_keep_alive_refused_falls_back_to_options) {
  SessionConfig c = play_config();
  c.options_first = true;
  Harness h(c);
  h.session.start(h.now);
  h.drain();
  h.respond(h.requests[0], 200, {{"Public", "DESCRIBE, SETUP, PLAY, GET_PARAMETER"}});
  h.respond(h.requests[1], 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp);
  setup_both_udp(h);
  h.respond(h.last(), 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s;timeout=20"}});
  h.respond(h.last(), 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s"}});
  h.now += 15s;
  h.session.handle_timeout(h.now);
  fail_unless(h.last().method == Method::GetParameter);
  h.respond(h.last(), 501);
  h.now += 15s;
  h.session.handle_timeout(h.now);
  fail_unless(h.last().method == Method::Options);
  fail_unless(h.all<event::Failed>().empty());
}
GST_END_TEST;

GST_START_TEST(test_request_timeout) {
  SessionConfig c = play_config();
  c.request_timeout = 3000ms;
  Harness h(c);
  h.session.start(h.now);
  h.drain();
  fail_unless(*h.session.poll_timeout() == h.now + 3s);
  h.now += 2999ms;
  h.session.handle_timeout(h.now);
  fail_unless(h.all<event::Failed>().empty());
  h.now += 1ms;
  h.session.handle_timeout(h.now);
  auto f = h.only<event::Failed>();
  fail_unless(f.error == SessionError::Timeout);
  fail_unless(f.message.find("DESCRIBE") != std::string::npos);
  fail_unless(h.session.state() == SessionState::Failed);
  fail_unless(!h.session.poll_timeout().has_value());
}
GST_END_TEST;

GST_START_TEST(test_error_status_mapping) {
  struct Row {
    int status;
    SessionError error;
  } rows[] = {
      {404, SessionError::NotFound},
      {403, SessionError::Forbidden},
      {405, SessionError::MethodNotAllowed},
      {454, SessionError::SessionNotFound},
      {455, SessionError::InvalidState},
      {459, SessionError::AggregateNotAllowed},
      {461, SessionError::UnsupportedTransport},
      {500, SessionError::ServerError},
      {503, SessionError::ServerError},
      {400, SessionError::ClientError},
  };
  for (const Row& row : rows) {
    Harness h(play_config());
    h.session.start(h.now);
    h.respond(h.last(), row.status);
    auto f = h.only<event::Failed>();
    fail_unless(f.error == row.error, "status %d", row.status);
    fail_unless_equals_int(f.status, row.status);
    fail_unless(f.fatal);
    fail_unless(f.message.find(std::to_string(row.status)) != std::string::npos);
  }
}
GST_END_TEST;

GST_START_TEST(test_setup_500_fails) {
  Harness h(play_config());
  describe_live555(h);
  setup_both_udp(h);
  h.respond(h.last(), 500);
  auto f = h.only<event::Failed>();
  fail_unless(f.error == SessionError::ServerError);
  fail_unless(f.message.find("SETUP") != std::string::npos);
}
GST_END_TEST;

GST_START_TEST(test_461_moves_to_next_transport) {
  // VLC answers a TCP SETUP with 461: the session moves on to the next candidate, here UDP.
  Harness h(play_config());
  describe_live555(h);
  auto d = h.only<event::Described>();
  h.session.setup({{d.presentation.streams[0].control_url, {tcp_spec(0), udp_spec(50000)}}}, h.now);
  const Request first = h.last();
  fail_unless(std::string(*first.headers.get("Transport")).find("TCP") != std::string::npos);
  h.respond(first, 461);
  const Request second = h.last();
  fail_unless(second.method == Method::Setup);
  assert_str_eq(std::string(*second.headers.get("Transport")), "RTP/AVP;unicast;client_port=50000-50001");
  h.respond(second, 200,
            {{"Transport", "RTP/AVP;unicast;client_port=50000-50001;server_port=9-10"}, {"Session", "x"}});
  auto r = h.only<event::StreamReady>();
  fail_unless(r.transport.lower == LowerTransport::Udp);
  fail_unless(h.all<event::Failed>().empty());

  // With no candidate left, 461 is an error.
  Harness h2(play_config());
  describe_live555(h2);
  h2.session.setup({{"rtsp://127.0.0.1/av.mkv/track1", {tcp_spec(0)}}}, h2.now);
  h2.respond(h2.last(), 461);
  fail_unless(h2.only<event::Failed>().error == SessionError::UnsupportedTransport);
}
GST_END_TEST;

GST_START_TEST(test_setup_answer_must_have_session_and_transport) {
  struct Row {
    std::vector<Header> headers;
    const char* needle;
  } rows[] = {
      {{{"Transport", "RTP/AVP;unicast"}}, "Session"},
      {{{"Session", "abc"}}, "Transport"},
      {{{"Session", "abc"}, {"Transport", "garbage/1.0;;"}}, "Transport"},
  };
  for (auto& row : rows) {
    Harness h(play_config());
    describe_live555(h);
    setup_both_udp(h);
    h.respond(h.last(), 200, row.headers);
    auto f = h.only<event::Failed>();
    fail_unless(f.error == SessionError::BadResponse);
    fail_unless(f.message.find(row.needle) != std::string::npos, "%s", f.message.c_str());
  }
}
GST_END_TEST;

GST_START_TEST(test_digest_auth_retry_once) {
  SessionConfig c = play_config("rtsp://user:secret@127.0.0.1:8554/test");
  Harness h(c);
  h.session.start(h.now);
  const Request d1 = h.last();
  fail_unless(!d1.headers.contains("Authorization"));
  // Request URIs never carry the credentials.
  assert_str_eq(d1.uri, "rtsp://127.0.0.1:8554/test");
  const std::vector<Header> challenge = {
      {"WWW-Authenticate", "Basic realm=\"x\""},
      {"WWW-Authenticate", "Digest realm=\"GStreamer RTSP Server\", nonce=\"n1\""}};
  h.respond(d1, 401, challenge);
  const Request d2 = h.last();
  fail_unless_equals_int(h.requests.size(), 2);
  fail_unless(d2.method == Method::Describe);
  std::string authz(*d2.headers.get("Authorization"));
  fail_unless(authz.rfind("Digest ", 0) == 0, "%s", authz.c_str());  // the stronger scheme
  fail_unless(authz.find("nonce=\"n1\"") != std::string::npos);
  fail_unless(authz.find("secret") == std::string::npos);
  fail_unless(h.all<event::Failed>().empty());

  // The same challenge again: wrong credentials. One clear error, no loop.
  h.respond(d2, 401, challenge);
  auto f = h.only<event::Failed>();
  fail_unless(f.error == SessionError::NotAuthorized);
  fail_unless(f.message.find("secret") == std::string::npos);
  fail_unless_equals_int(h.requests.size(), 2);
}
GST_END_TEST;

GST_START_TEST(test_digest_success_and_stale) {
  Harness h(play_config("rtsp://user:secret@127.0.0.1:8554/test"));
  h.session.start(h.now);
  h.respond(h.last(), 401, {{"WWW-Authenticate", "Digest realm=\"r\", nonce=\"n1\""}});
  h.respond(h.last(), 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp);
  h.only<event::Described>();
  // Later requests carry credentials without a new 401 round trip.
  setup_both_udp(h);
  const Request s1 = h.last();
  fail_unless(s1.headers.contains("Authorization"));
  // The nonce went stale: the session retries with the new one (not counted as wrong credentials).
  h.respond(s1, 401, {{"WWW-Authenticate", "Digest realm=\"r\", nonce=\"n2\", stale=true"}});
  const Request s1b = h.last();
  fail_unless(s1b.method == Method::Setup);
  fail_unless(std::string(*s1b.headers.get("Authorization")).find("nonce=\"n2\"") != std::string::npos);
  h.respond(s1b, 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s"}});
  fail_unless(h.all<event::Failed>().empty());
  fail_unless_equals_int(h.all<event::StreamReady>().size(), 1);
  fail_unless_equals_int(h.session.stats().auth_retries, 2);
}
GST_END_TEST;

GST_START_TEST(test_auth_without_credentials) {
  Harness h(play_config());
  h.session.start(h.now);
  h.respond(h.last(), 401, {{"WWW-Authenticate", "Basic realm=\"x\""}});
  auto f = h.only<event::Failed>();
  fail_unless(f.error == SessionError::NotAuthorized);
  fail_unless(f.message.find("no credentials") != std::string::npos);

  // Credentials but no scheme we can answer.
  Harness h2(play_config("rtsp://u:p@127.0.0.1/x"));
  h2.session.start(h2.now);
  h2.respond(h2.last(), 401, {{"WWW-Authenticate", "Negotiate abc"}});
  fail_unless(h2.only<event::Failed>().error == SessionError::NotAuthorized);
}
GST_END_TEST;

GST_START_TEST(test_redirect_and_hop_limit) {
  SessionConfig c = play_config("rtsp://u:p@127.0.0.1:8554/old");
  c.max_redirects = 2;
  Harness h(c);
  h.session.start(h.now);
  h.respond(h.last(), 302, {{"Location", "rtsp://127.0.0.1:9000/new"}});
  auto r = h.only<event::Redirected>();
  assert_str_eq(r.location, "rtsp://127.0.0.1:9000/new");
  fail_unless(h.session.state() == SessionState::Idle);
  fail_unless_equals_int(h.session.url().port, 9000);
  fail_unless(h.session.url().has_credentials);  // kept for the new server
  // The caller reconnects and starts again.
  h.session.start(h.now);
  assert_str_eq(h.last().uri, "rtsp://127.0.0.1:9000/new");
  h.respond(h.last(), 301, {{"Location", "rtsp://127.0.0.1:9001/newer"}});
  h.session.start(h.now);
  h.respond(h.last(), 302, {{"Location", "rtsp://127.0.0.1:9002/newest"}});
  auto f = h.only<event::Failed>();
  fail_unless(f.error == SessionError::TooManyRedirects);
}
GST_END_TEST;

GST_START_TEST(test_server_requests) {
  Harness h(play_config());
  describe_live555(h);
  struct Row {
    const char* request;
    int status;
    bool surfaced;
  } rows[] = {
      {"OPTIONS * RTSP/1.0\r\nCSeq: 7\r\n\r\n", 200, false},
      {"GET_PARAMETER rtsp://127.0.0.1/av.mkv RTSP/1.0\r\nCSeq: 8\r\n\r\n", 200, false},
      {"SET_PARAMETER rtsp://127.0.0.1/av.mkv RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 5\r\n\r\na: b\n", 200,
       true},
      {"ANNOUNCE rtsp://127.0.0.1/av.mkv RTSP/1.0\r\nCSeq: 10\r\nContent-Type: application/sdp\r\n"
       "Content-Length: 4\r\n\r\nv=0\n",
       200, true},
      {"FLY rtsp://127.0.0.1/av.mkv RTSP/1.0\r\nCSeq: 11\r\n\r\n", 501, false},
  };
  std::size_t surfaced = 0;
  for (const Row& row : rows) {
    std::size_t before = h.answers.size();
    h.feed(row.request);
    fail_unless_equals_int(h.answers.size(), before + 1);
    const Response& a = h.answers.back();
    fail_unless_equals_int(a.status, row.status);
    Parser p;
    p.feed(std::string_view(row.request));
    auto req = std::get<Request>(p.next());
    fail_unless_equals_int(*cseq_of(a.headers), *cseq_of(req.headers));
    if (row.surfaced) surfaced++;
    fail_unless_equals_int(h.all<event::ServerRequest>().size(), surfaced);
  }
  // Server-sent REDIRECT: answered, surfaced, and the session moves.
  h.feed(
      "REDIRECT rtsp://127.0.0.1/av.mkv RTSP/1.0\r\nCSeq: 12\r\nLocation: "
      "rtsp://127.0.0.1:7000/other\r\n\r\n");
  fail_unless_equals_int(h.answers.back().status, 200);
  assert_str_eq(h.only<event::Redirected>().location, "rtsp://127.0.0.1:7000/other");
}
GST_END_TEST;

// handle-request: the hook sees each server request with the prepared answer and may replace it; the CSeq
// stays the request's, and a status out of range becomes 500.
GST_START_TEST(test_handle_request_hook) {
  std::vector<int> prepared;
  SessionConfig c = play_config();
  c.handle_request = [&](const Request& req, Response& resp) {
    prepared.push_back(resp.status);
    if (req.method == Method::SetParameter) {
      resp = Response::make(451);
      resp.headers.add("CSeq", "1");  // not the hook's to change
      resp.headers.add("X-Handled", "yes");
    } else if (req.method == Method::Unknown) {
      resp.status = 42;
    }
  };
  Harness h(c);
  describe_live555(h);
  h.feed("SET_PARAMETER rtsp://127.0.0.1/av.mkv RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 5\r\n\r\na: b\n");
  const Response a = h.answers.back();
  fail_unless_equals_int(a.status, 451);
  assert_str_eq(std::string(*a.headers.get("X-Handled")), "yes");
  fail_unless_equals_int(*cseq_of(a.headers), 9);
  h.feed("FLY rtsp://127.0.0.1/av.mkv RTSP/1.0\r\nCSeq: 11\r\n\r\n");
  fail_unless_equals_int(h.answers.back().status, 500);
  fail_unless_equals_int(*cseq_of(h.answers.back().headers), 11);
  fail_unless(prepared == std::vector<int>({200, 501}));
}
GST_END_TEST;

GST_START_TEST(test_interleaved_frames_between_messages) {
  Harness h(play_config());
  describe_live555(h);
  auto d = h.only<event::Described>();
  h.session.setup({{d.presentation.streams[0].control_url, {tcp_spec(0)}}}, h.now);
  h.session.play({}, h.now);
  const Request s = h.last();
  std::string frame = std::string("$\x01\x00\x03", 4) + "abc";
  // A frame arrives before the SETUP answer, one between, one split over two reads.
  h.feed(frame);
  h.respond(s, 200, {{"Transport", "RTP/AVP/TCP;unicast;interleaved=0-1"}, {"Session", "t"}});
  h.feed(frame.substr(0, 2));
  h.feed(frame.substr(2));
  fail_unless_equals_int(h.all<event::Interleaved>().size(), 2);
  fail_unless(h.frames == (std::vector<std::string>{"1:abc", "1:abc"}));
  fail_unless(h.last().method == Method::Play);
}
GST_END_TEST;

GST_START_TEST(test_unknown_and_out_of_order_cseq) {
  Harness h(play_config());
  h.session.start(h.now);
  const Request d = h.last();
  // An answer to a CSeq never sent is ignored.
  h.feed("RTSP/1.0 200 OK\r\nCSeq: 99\r\n\r\n");
  fail_unless(h.events.empty());
  fail_unless(h.session.state() == SessionState::Describing);
  h.respond(d, 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp);
  // Two parameter requests answered in reverse order reach their own tokens.
  auto t1 = h.session.get_parameter("text/parameters", "a\r\n", h.now);
  auto t2 = h.session.get_parameter("text/parameters", "b\r\n", h.now);
  h.drain();
  const Request g1 = h.requests[h.requests.size() - 2];
  const Request g2 = h.requests.back();
  fail_unless(g1.method == Method::GetParameter);
  assert_str_eq(g1.body, "a\r\n");
  h.respond(g2, 200, {}, "b: 2\r\n");
  h.respond(g1, 200, {}, "a: 1\r\n");
  auto replies = h.all<event::ParameterReply>();
  fail_unless_equals_int(replies.size(), 2);
  fail_unless_equals_int(replies[0].token, t2);
  assert_str_eq(replies[0].response.body, "b: 2\r\n");
  fail_unless_equals_int(replies[1].token, t1);
}
GST_END_TEST;

GST_START_TEST(test_pause_refused_is_not_fatal) {
  Harness h(play_config());
  describe_live555(h);
  setup_both_udp(h);
  h.respond(h.last(), 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s"}});
  h.respond(h.last(), 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s"}});
  h.session.play({}, h.now);
  h.respond(h.last(), 200);
  h.session.pause(h.now);
  fail_unless(h.last().method == Method::Pause);
  h.respond(h.last(), 405);
  auto f = h.only<event::Failed>();
  fail_unless(!f.fatal);
  fail_unless(h.session.state() == SessionState::Playing);
  h.session.pause(h.now);
  h.respond(h.last(), 200);
  h.only<event::Paused>();
  fail_unless(h.session.state() == SessionState::Paused);
  // Resume with a seek.
  h.session.play({NptRange{5.5, 8.0, false}, 2.0}, h.now);
  const Request p = h.last();
  assert_str_eq(std::string(*p.headers.get("Range")), "npt=5.500-8.000");
  assert_str_eq(std::string(*p.headers.get("Scale")), "2.000");
}
GST_END_TEST;

GST_START_TEST(test_teardown) {
  Harness h(play_config());
  describe_live555(h);
  setup_both_udp(h);
  h.respond(h.last(), 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s"}});
  h.respond(h.last(), 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s"}});
  h.session.teardown(h.now);
  const Request t = h.last();
  fail_unless(t.method == Method::Teardown);
  assert_str_eq(std::string(*t.headers.get("Session")), "s");
  fail_unless(h.session.state() == SessionState::TearingDown);
  h.respond(t, 200);
  h.only<event::TornDown>();
  fail_unless(h.session.state() == SessionState::Closed);

  // A server that never answers TEARDOWN: the request timeout ends it as torn down, not as an error.
  SessionConfig c = play_config();
  c.request_timeout = 100ms;
  Harness h2(c);
  describe_live555(h2);
  setup_both_udp(h2);
  h2.respond(h2.last(), 200, {{"Transport", "RTP/AVP;unicast"}, {"Session", "s"}});
  h2.session.teardown(h2.now);
  h2.now += 100ms;
  h2.session.handle_timeout(h2.now);
  h2.only<event::TornDown>();
  fail_unless(h2.all<event::Failed>().empty());

  // Without a session there is nothing to send.
  Harness h3(play_config());
  h3.session.start(h3.now);
  h3.drain();
  h3.session.teardown(h3.now);
  h3.only<event::TornDown>();
  fail_unless_equals_int(h3.requests.size(), 1);
}
GST_END_TEST;

GST_START_TEST(test_connection_closed_and_garbage) {
  Harness h(play_config());
  h.session.start(h.now);
  h.drain();
  h.session.handle_connection_closed(h.now);
  fail_unless(h.only<event::Failed>().error == SessionError::ConnectionClosed);

  Harness h2(play_config());
  h2.session.start(h2.now);
  h2.drain();
  h2.feed("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: -5\r\n\r\n");
  fail_unless(h2.only<event::Failed>().error == SessionError::ProtocolError);

  // An HTTP server on the RTSP port.
  Harness h3(play_config());
  h3.session.start(h3.now);
  h3.drain();
  h3.feed("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  fail_unless(h3.only<event::Failed>().error == SessionError::ProtocolError);
}
GST_END_TEST;

GST_START_TEST(test_describe_bad_answers) {
  struct Row {
    std::vector<Header> headers;
    std::string body;
  } rows[] = {
      {{}, ""},
      {{{"Content-Type", "application/sdp"}}, "this is not sdp"},
  };
  for (auto& row : rows) {
    Harness h(play_config());
    h.session.start(h.now);
    h.respond(h.last(), 200, row.headers, row.body);
    fail_unless(h.only<event::Failed>().error == SessionError::BadResponse);
  }
  // A Content-Base that is not a URL falls back to the request URL.
  Harness h(play_config());
  h.session.start(h.now);
  h.respond(h.last(), 200, {{"Content-Base", "::not a url::"}}, kLive555Sdp);
  auto d = h.only<event::Described>();
  assert_str_eq(d.presentation.streams[0].control_url, "rtsp://127.0.0.1:9702/av.mkv/track1");
}
GST_END_TEST;

GST_START_TEST(test_record_sequence_ffmpeg) {
  SessionConfig c;
  c.url = *parse_url("rtsp://127.0.0.1:9706/live?token=a/b");
  c.mode = SessionMode::Record;
  c.announce_sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n";
  Harness h(c);
  h.session.start(h.now);
  const Request a = h.last();
  fail_unless(a.method == Method::Announce);
  // Query strings and several path segments go out exactly as given.
  assert_str_eq(a.uri, "rtsp://127.0.0.1:9706/live?token=a/b");
  assert_str_eq(std::string(*a.headers.get("Content-Type")), "application/sdp");
  fail_unless(a.body == c.announce_sdp);
  h.respond(a, 200);
  h.only<event::Announced>();
  h.session.setup({{"rtsp://127.0.0.1:9706/live?token=a/b/streamid=0", {tcp_spec(0, TransportMode::Record)}}},
                  h.now);
  h.session.record(h.now);
  const Request s = h.last();
  assert_str_eq(std::string(*s.headers.get("Transport")), "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record");
  // FFmpeg's listen mode answers mode=receive.
  h.respond(s, 200,
            {{"Transport", "RTP/AVP/TCP;unicast;mode=receive;interleaved=0-1"}, {"Session", "1934030044"}});
  fail_unless_equals_int(h.all<event::StreamReady>().size(), 1);
  const Request r = h.last();
  fail_unless(r.method == Method::Record);
  assert_str_eq(r.uri, "rtsp://127.0.0.1:9706/live?token=a/b");
  h.respond(r, 200, {{"Session", "1934030044"}});
  h.only<event::Recording>();
  fail_unless(h.session.state() == SessionState::Recording);
}
GST_END_TEST;

GST_START_TEST(test_session_header_values) {
  struct Row {
    const char* value;
    const char* id;
    long long timeout_ms;  // -1: none
  } rows[] = {
      {"335AA815;timeout=65", "335AA815", 65000},
      {"si5ijQFPICNbgJav", "si5ijQFPICNbgJav", -1},
      {" abc ; timeout = 10 ", "abc", 10000},
      {"abc;timeout=x", "abc", -1},
      {"abc;timeout=0", "abc", -1},
      {"abc;foo;timeout=5", "abc", 5000},
  };
  for (const Row& row : rows) {
    auto h = parse_session_header(row.value);
    fail_unless(h.has_value(), "%s", row.value);
    assert_str_eq(h->id, row.id);
    fail_unless_equals_int(h->timeout ? h->timeout->count() : -1, row.timeout_ms);
  }
  fail_unless(!parse_session_header("").has_value());
  fail_unless(!parse_session_header(";timeout=5").has_value());
  auto pub = parse_public("DESCRIBE,SETUP, TEARDOWN ,PLAY,PAUSE,GET_PARAMETER,BOGUS");
  fail_unless_equals_int(pub.size(), 6);
  fail_unless(!parse_double("1.5x").has_value());
  fail_unless(*parse_double(" -2 ") == -2.0);
}
GST_END_TEST;

// connection-speed and rtp-blocksize: Bandwidth on the requests where a server picks what to send, Blocksize
// on SETUP; neither is sent when 0.
GST_START_TEST(test_bandwidth_and_blocksize_headers) {
  for (bool set : {false, true}) {
    SessionConfig c = play_config();
    c.options_first = true;
    if (set) {
      c.bandwidth = 2'500'000;
      c.blocksize = 1400;
    }
    Harness h(std::move(c));
    h.session.start(h.now);
    h.drain();
    fail_unless_equals_int(h.requests.size(), 2);
    const Request options = h.requests[0], describe = h.requests[1];
    h.respond(options, 200, {{"Public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"}});
    h.respond(describe, 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp);
    setup_both_udp(h);
    h.session.play({}, h.now);
    h.respond(h.last(), 200,
              {{"Transport", "RTP/AVP;unicast;client_port=50000-50001;server_port=6970-6971"},
               {"Session", "335AA815;timeout=65"}});
    h.respond(h.last(), 200,
              {{"Transport", "RTP/AVP;unicast;client_port=50002-50003;server_port=6972-6973"},
               {"Session", "335AA815;timeout=65"}});
    fail_unless(h.session.state() == SessionState::Playing || h.last().method == Method::Play);
    h.session.teardown(h.now);
    h.drain();
    std::vector<Method> seen;
    for (const Request& r : h.requests) {
      seen.push_back(r.method);
      const bool wants_bandwidth =
          set && (r.method == Method::Describe || r.method == Method::Setup || r.method == Method::Play);
      fail_unless_equals_int(r.headers.contains("Bandwidth"), wants_bandwidth);
      if (wants_bandwidth) assert_str_eq(std::string(*r.headers.get("Bandwidth")), "2500000");
      const bool wants_blocksize = set && r.method == Method::Setup;
      fail_unless_equals_int(r.headers.contains("Blocksize"), wants_blocksize);
      if (wants_blocksize) assert_str_eq(std::string(*r.headers.get("Blocksize")), "1400");
    }
    const std::vector<Method> expected = {Method::Options, Method::Describe, Method::Setup,
                                          Method::Setup,   Method::Play,     Method::Teardown};
    fail_unless(seen == expected);
  }
}
GST_END_TEST;

namespace {

// DESCRIBE, SETUP of both live555 streams (over UDP, or interleaved), PLAY: all answered.
void reach_playing(Harness& h, bool interleaved) {
  describe_live555(h);
  auto described = h.only<event::Described>();
  std::vector<StreamSetup> setups;
  for (std::size_t i = 0; i < described.presentation.streams.size(); ++i) {
    const auto n = static_cast<std::uint16_t>(2 * i);
    setups.push_back({described.presentation.streams[i].control_url,
                      {interleaved ? tcp_spec(static_cast<std::uint8_t>(n)) : udp_spec(50000 + n)}});
  }
  h.session.setup(setups, h.now);
  h.session.play({}, h.now);
  for (std::size_t i = 0; i < setups.size(); ++i) {
    const auto n = static_cast<std::uint16_t>(2 * i);
    const std::string t =
        interleaved ? "RTP/AVP/TCP;unicast;interleaved=" + std::to_string(n) + "-" + std::to_string(n + 1)
                    : "RTP/AVP;unicast;client_port=" + std::to_string(50000 + n) + "-" +
                          std::to_string(50001 + n) + ";server_port=6970-6971";
    h.respond(h.last(), 200, {{"Transport", t}, {"Session", "335AA815;timeout=60"}});
  }
  const Request play = h.last();
  fail_unless(play.method == Method::Play);
  h.respond(play, 200, {{"Session", "335AA815"}});
  fail_unless(h.session.state() == SessionState::Playing);
}

}  // namespace

// udp-reconnect: with every stream over UDP, a closed control connection keeps the session. Nothing is
// written until resume_control(); then the unanswered requests and those made meanwhile go out, once each.
// Interleaved media, or the option off, fail the session as before.
GST_START_TEST(test_control_connection_closed_keeps_udp_session) {
  SessionConfig c = play_config();
  c.keep_session_on_close = true;
  Harness h(c);
  reach_playing(h, false);
  const std::uint64_t before = h.session.get_parameter("", "", h.now);  // sent, never answered
  const std::size_t sent = h.requests.size();
  h.session.handle_connection_closed(h.now);
  h.only<event::ControlClosed>();
  fail_unless(h.all<event::Failed>().empty());
  fail_unless(h.session.state() == SessionState::Playing);
  const std::uint64_t during = h.session.set_parameter("text/parameters", "a: 1\r\n", h.now);
  h.drain();
  fail_unless_equals_int(h.requests.size(), sent);  // held
  h.session.handle_connection_closed(h.now);        // a second close while down changes nothing
  fail_unless_equals_int(h.all<event::ControlClosed>().size(), 1);

  h.now += std::chrono::seconds(1);
  h.session.resume_control(h.now);
  h.drain();
  fail_unless_equals_int(h.requests.size(), sent + 2);
  const Request get = h.requests[sent], set = h.requests[sent + 1];
  fail_unless(get.method == Method::GetParameter && set.method == Method::SetParameter);
  assert_str_eq(std::string(*get.headers.get("Session")), "335AA815");
  h.respond(set, 200);
  h.respond(get, 200);
  auto replies = h.all<event::ParameterReply>();
  fail_unless_equals_int(replies.size(), 2);
  fail_unless(replies[0].token == during && replies[1].token == before);
  fail_unless(h.session.state() == SessionState::Playing);

  // Resumed, then closed again before answering anything: not resumed again, the session is lost.
  h.session.set_parameter("", "", h.now);
  h.session.handle_connection_closed(h.now);
  fail_unless_equals_int(h.all<event::ControlClosed>().size(), 2);  // answers came since the first resume
  h.session.resume_control(h.now);
  h.session.handle_connection_closed(h.now);
  fail_unless(h.only<event::Failed>().error == SessionError::ConnectionClosed);

  {
    // Nothing in flight at the resume: a keep-alive checks the session at once. A request sent before the
    // close keeps its first send time: the outage counts against request_timeout.
    SessionConfig c3 = play_config();
    c3.keep_session_on_close = true;
    Harness h3(c3);
    reach_playing(h3, false);
    const std::size_t n = h3.requests.size();
    h3.session.handle_connection_closed(h3.now);
    h3.session.resume_control(h3.now);
    h3.drain();
    fail_unless_equals_int(h3.requests.size(), n + 1);
    fail_unless(h3.requests.back().method == Method::Options);
    assert_str_eq(std::string(*h3.requests.back().headers.get("Session")), "335AA815");
    h3.respond(h3.requests.back(), 200);
    h3.session.get_parameter("", "", h3.now);
    h3.session.handle_connection_closed(h3.now);
    h3.now += std::chrono::seconds(15);
    h3.session.resume_control(h3.now);
    h3.now += std::chrono::seconds(6);  // 21 s after the GET_PARAMETER was first sent
    h3.session.handle_timeout(h3.now);
    fail_unless(h3.only<event::Failed>().error == SessionError::Timeout);
  }

  {
    // Without keep-alives nothing checks the resumed connection; still, one that closes before answering
    // anything loses the session (a server that accepts and closes at once must not make a loop).
    SessionConfig c4 = play_config();
    c4.keep_session_on_close = true;
    c4.keep_alive = false;
    Harness h4(c4);
    reach_playing(h4, false);
    const std::size_t n = h4.requests.size();
    h4.session.handle_connection_closed(h4.now);
    h4.session.resume_control(h4.now);
    h4.drain();
    fail_unless_equals_int(h4.requests.size(), n);
    h4.session.handle_connection_closed(h4.now);
    fail_unless(h4.only<event::Failed>().error == SessionError::ConnectionClosed);
    fail_unless_equals_int(h4.all<event::ControlClosed>().size(), 1);
  }

  for (bool interleaved : {true, false}) {
    SessionConfig c2 = play_config();
    c2.keep_session_on_close = interleaved;  // interleaved: on, but the media went with the connection
    Harness h2(c2);
    reach_playing(h2, interleaved);
    h2.session.handle_connection_closed(h2.now);
    fail_unless(h2.only<event::Failed>().error == SessionError::ConnectionClosed);
    fail_unless(h2.all<event::ControlClosed>().empty());
  }
}
GST_END_TEST;

// before-send: every new request passes the hook, which may change its headers and URI (CSeq stays the
// session's). A dropped request takes no CSeq. As rtspsrc after a skipped request: a dropped PLAY or PAUSE
// counts as done, a dropped TEARDOWN as answered, a dropped GET_PARAMETER is answered with status 0; a
// dropped SETUP fails the session. Keep-alives do not pass the hook.
GST_START_TEST(test_before_send) {
  std::vector<std::string> seen;
  std::set<Method> drop;
  SessionConfig c = play_config();
  c.before_send = [&](Request& r) {
    seen.push_back(r.method_name + " " + std::string(r.headers.get("CSeq").value_or("")));
    if (drop.count(r.method) != 0) return false;
    r.headers.add("X-Token", "abc");
    r.headers.set("CSeq", "999");  // not the hook's to change
    if (r.method == Method::Describe) r.uri += "?profile=2";
    return true;
  };
  Harness h(c);
  h.session.start(h.now);
  const Request describe = h.last();
  assert_str_eq(describe.uri, "rtsp://127.0.0.1:9702/av.mkv?profile=2");
  assert_str_eq(std::string(*describe.headers.get("X-Token")), "abc");
  fail_unless_equals_int(h.cseq(describe), 1);
  fail_unless(seen.back() == "DESCRIBE 1");

  drop = {Method::Play};
  h.respond(describe, 200, {{"Content-Base", "rtsp://127.0.0.1/av.mkv/"}}, kLive555Sdp);
  setup_both_udp(h);
  h.session.play({}, h.now);
  for (int i = 0; i < 2; ++i) {
    const Request setup = h.last();
    fail_unless(setup.method == Method::Setup && setup.headers.contains("X-Token"));
    h.respond(setup, 200,
              {{"Transport", "RTP/AVP;unicast;client_port=50000-50001;server_port=6970-6971"},
               {"Session", "335AA815;timeout=65"}});
  }
  // The PLAY was not sent, and counts as done.
  fail_unless(h.last().method == Method::Setup);
  h.only<event::Playing>();
  fail_unless(h.session.state() == SessionState::Playing);
  fail_unless(h.all<event::Failed>().empty());

  // Keep-alives do not pass the hook (as rtspsrc's): dropping OPTIONS does not stop them.
  drop = {Method::Options, Method::GetParameter, Method::Pause, Method::Teardown};
  const std::size_t hooked = seen.size();
  h.now += std::chrono::seconds(61);
  h.session.handle_timeout(h.now);
  fail_unless(h.last().method == Method::Options);
  fail_unless_equals_int(seen.size(), hooked);
  h.respond(h.last(), 200);

  // A dropped GET_PARAMETER: answered with status 0; the next request has the next CSeq.
  const std::uint32_t last_cseq = h.cseq(h.requests.back());
  const std::size_t before = h.requests.size();
  const auto token = h.session.get_parameter("", "", h.now);
  auto reply = h.only<event::ParameterReply>();
  fail_unless(reply.token == token && reply.response.status == 0);
  fail_unless_equals_int(h.requests.size(), before);
  h.session.set_parameter("text/parameters", "a: 1\r\n", h.now);
  fail_unless_equals_int(h.cseq(h.last()), last_cseq + 1);
  h.respond(h.last(), 200);
  // A dropped seek PLAY counts as done with the range it asked for.
  drop.insert(Method::Play);
  h.session.play({NptRange{12.5, std::nullopt, false}, 2.0}, h.now);
  auto playing = h.all<event::Playing>();
  fail_unless_equals_int(playing.size(), 2);
  const auto seek = playing.back();
  fail_unless(seek.range && seek.range->start == 12.5 && seek.scale && *seek.scale == 2.0);
  // A dropped PAUSE counts as done, a dropped TEARDOWN as answered; neither took a CSeq.
  h.session.pause(h.now);
  h.only<event::Paused>();
  h.session.teardown(h.now);
  h.only<event::TornDown>();
  fail_unless_equals_int(h.requests.size(), before + 1);
  fail_unless(h.all<event::Failed>().empty());

  // A retry with credentials passes the hook again, with its new CSeq and without the Authorization the
  // session then adds.
  {
    SessionConfig ca = play_config("rtsp://user:secret@127.0.0.1:8554/test");
    std::vector<std::string> asked;
    ca.before_send = [&](Request& r) {
      asked.push_back(r.method_name + " " + std::string(r.headers.get("CSeq").value_or("")) +
                      (r.headers.contains("Authorization") ? " auth" : ""));
      r.headers.set("X-Token", "abc");
      return true;
    };
    Harness ha(ca);
    ha.session.start(ha.now);
    ha.respond(ha.last(), 401, {{"WWW-Authenticate", "Digest realm=\"r\", nonce=\"n1\""}});
    const Request retry = ha.last();
    fail_unless(asked == std::vector<std::string>({"DESCRIBE 1", "DESCRIBE 2"}));
    fail_unless(retry.headers.contains("Authorization") && retry.headers.contains("X-Token"));
    fail_unless_equals_int(ha.cseq(retry), 2);
  }

  // A dropped SETUP fails the session, saying so.
  Harness h2(c);
  drop = {Method::Setup};
  describe_live555(h2);
  setup_both_udp(h2);
  auto failed = h2.only<event::Failed>();
  fail_unless(failed.fatal && failed.message.find("SETUP") != std::string::npos, "%s",
              failed.message.c_str());
  fail_unless(h2.session.state() == SessionState::Failed);
}
GST_END_TEST;

static Suite* client_session_suite() {
  Suite* s = suite_create("client_session");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_play_sequence_live555);
  tcase_add_test(tc, test_responses_split_at_every_byte);
  tcase_add_test(tc, test_options_first_and_keep_alive_method);
  tcase_add_test(tc, test_keep_alive_refused_falls_back_to_options);
  tcase_add_test(tc, test_request_timeout);
  tcase_add_test(tc, test_error_status_mapping);
  tcase_add_test(tc, test_setup_500_fails);
  tcase_add_test(tc, test_461_moves_to_next_transport);
  tcase_add_test(tc, test_setup_answer_must_have_session_and_transport);
  tcase_add_test(tc, test_digest_auth_retry_once);
  tcase_add_test(tc, test_digest_success_and_stale);
  tcase_add_test(tc, test_auth_without_credentials);
  tcase_add_test(tc, test_redirect_and_hop_limit);
  tcase_add_test(tc, test_server_requests);
  tcase_add_test(tc, test_interleaved_frames_between_messages);
  tcase_add_test(tc, test_unknown_and_out_of_order_cseq);
  tcase_add_test(tc, test_pause_refused_is_not_fatal);
  tcase_add_test(tc, test_teardown);
  tcase_add_test(tc, test_connection_closed_and_garbage);
  tcase_add_test(tc, test_describe_bad_answers);
  tcase_add_test(tc, test_record_sequence_ffmpeg);
  tcase_add_test(tc, test_session_header_values);
  tcase_add_test(tc, test_bandwidth_and_blocksize_headers);
  tcase_add_test(tc, test_control_connection_closed_keeps_udp_session);
  tcase_add_test(tc, test_before_send);
  tcase_add_test(tc, test_handle_request_hook);
  return s;
}

GST_CHECK_MAIN(client_session);
