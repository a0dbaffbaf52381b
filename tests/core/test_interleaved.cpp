// TCP interleaved frames without copies: Parser's and ClientSession's payload views, their lifetime rules
// (parser.hpp, event::Interleaved in client_session.hpp), every split of a stream mixing frames and messages,
// and no allocation per frame once warm (this binary counts operator new).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client_session.hpp"
#include "parser.hpp"

#include "../common/check.hpp"

// Every operator new in this process goes through here, so a test can count the allocations made by the code
// it calls. The nothrow forms fall back to these by the standard; aligned ones are not used by the code under
// test. The deletes are kept out of line: inlined, GCC would see free() meet operator new and warn.
namespace {
std::atomic<std::size_t> g_allocations{0};
}

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

using namespace rtsp2::core;

namespace {

const Instant kT0 = Instant{} + std::chrono::hours(1);

// Frame `index`'s payload byte `i`: differs between frames, so that a view onto the wrong bytes shows.
std::uint8_t pattern(std::size_t index, std::size_t i) {
  return static_cast<std::uint8_t>(index * 131 + (index >> 8) * 17 + i * 7 + (i >> 8));
}

std::string payload_of(std::size_t index, std::size_t length) {
  std::string s(length, '\0');
  for (std::size_t i = 0; i < length; ++i) s[i] = static_cast<char>(pattern(index, i));
  return s;
}

std::string frame(std::uint8_t channel, const std::string& payload) {
  std::string f = {'$', static_cast<char>(channel), static_cast<char>(payload.size() >> 8),
                   static_cast<char>(payload.size() & 0xff)};
  return f + payload;
}

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string text_of(std::span<const std::uint8_t> b) {
  return std::string(b.begin(), b.end());
}

SessionConfig play_config() {
  SessionConfig c;
  c.url = *parse_url("rtsp://127.0.0.1:8554/test");
  return c;
}

// Reads what the session sent (requests and answers to server requests) and keeps the requests.
std::vector<Request> sent_requests(ClientSession& s) {
  std::vector<Request> out;
  Parser wire;
  while (auto t = s.poll_transmit()) {
    wire.feed(*t);
    for (;;) {
      ParseItem item = wire.next();
      if (std::holds_alternative<NeedMore>(item)) break;
      if (auto* r = std::get_if<Request>(&item)) out.push_back(std::move(*r));
    }
  }
  return out;
}

void answer(ClientSession& s, const Request& r, const std::string& headers, const std::string& body = {}) {
  std::string text = "RTSP/1.0 200 OK\r\nCSeq: " + std::string(*r.headers.get("CSeq")) + "\r\n" + headers;
  if (!body.empty()) text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  text += "\r\n" + body;
  s.handle_bytes(bytes_of(text), kT0);
}

// A session in Playing over TCP interleaved channels 0-1, every event so far polled.
void play_over_tcp(ClientSession& s) {
  s.start(kT0);
  auto describe = sent_requests(s);
  fail_unless_equals_int(describe.size(), 1);
  answer(s, describe[0], "Content-Base: rtsp://127.0.0.1:8554/test/\r\nContent-Type: application/sdp\r\n",
         "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
         "a=rtpmap:96 H264/90000\r\na=control:stream=0\r\n");
  TransportSpec tcp;
  tcp.lower = LowerTransport::Tcp;
  tcp.interleaved = PortRange{0, 1};
  s.setup({{"rtsp://127.0.0.1:8554/test/stream=0", {tcp}}}, kT0);
  s.play({}, kT0);
  auto setup = sent_requests(s);
  fail_unless_equals_int(setup.size(), 1);
  answer(s, setup[0], "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 1234\r\n");
  auto play = sent_requests(s);
  fail_unless_equals_int(play.size(), 1);
  answer(s, play[0], "Session: 1234\r\nRTP-Info: url=rtsp://127.0.0.1:8554/test/stream=0;seq=1\r\n");
  while (s.poll_event()) {
  }
  fail_unless(s.state() == SessionState::Playing);
}

// Views polled since the last handle_bytes() with copies of what they showed then.
struct Held {
  std::span<const std::uint8_t> view;
  std::string seen;
};

// A session run over one stream: every Interleaved payload and ServerRequest recorded in order, every view
// checked again right before the next handle_bytes() (when its validity ends). The session waits for its
// DESCRIBE answer all along: frames and server requests are read the same in every state, and thousands of
// runs need no SDP parsed each.
enum class Polling {
  Drain,           // every event after every handle_bytes()
  OnePerRead,      // one event per handle_bytes(), the rest at the end
  NoneUntilTheEnd  // everything stays queued across all handle_bytes() calls
};

class Run {
 public:
  explicit Run(Polling polling) : polling_(polling), session_(play_config()) {
    session_.start(kT0);
    while (session_.poll_transmit()) {
    }
  }

  void feed(std::string_view piece) {
    check_held();
    session_.handle_bytes(bytes_of(piece), kT0);
    while (session_.poll_transmit()) {
    }
    if (polling_ == Polling::Drain) {
      poll_all();
    } else if (polling_ == Polling::OnePerRead) {
      poll_one();
    }
  }

  std::vector<std::string> finish() {
    poll_all();
    check_held();
    return out_;
  }

 private:
  bool poll_one() {
    auto e = session_.poll_event();
    if (!e) return false;
    if (auto* f = std::get_if<event::Interleaved>(&*e)) {
      out_.push_back("F" + std::to_string(f->channel) + " " + text_of(f->payload));
      held_.push_back({f->payload, text_of(f->payload)});
    } else if (auto* r = std::get_if<event::ServerRequest>(&*e)) {
      out_.push_back("R " + r->request.method_name + " " + r->request.body);
    } else {
      out_.push_back("other event");
    }
    return true;
  }
  void poll_all() {
    while (poll_one()) {
    }
  }
  // Recorded rather than asserted one by one: check's assertions cost a syscall each.
  void check_held() {
    for (const auto& h : held_) {
      if (text_of(h.view) != h.seen) out_.push_back("A VIEW CHANGED BEFORE THE NEXT handle_bytes()");
    }
    held_.clear();
  }

  Polling polling_;
  ClientSession session_;
  std::vector<std::string> out_;
  std::vector<Held> held_;
};

std::vector<std::string> run_cuts(std::string_view stream, std::vector<std::size_t> cuts, Polling polling) {
  Run run(polling);
  std::size_t from = 0;
  cuts.push_back(stream.size());
  for (auto to : cuts) {
    run.feed(stream.substr(from, to - from));
    from = to;
  }
  return run.finish();
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------

GST_START_TEST(test_parser_views_survive_failure_and_reset) {
  // Frames handed out stay readable until the next feed(), through a failure and a reset() that follow them.
  const std::string a = payload_of(1, 300);
  const std::string b = payload_of(2, 5);
  Parser p;
  const std::string input = frame(3, a) + frame(4, b) + "RTSP/1.0 abc\r\n\r\n";
  p.feed(input);
  auto fa = std::get<InterleavedFrame>(p.next());
  auto fb = std::get<InterleavedFrame>(p.next());
  // A view of the parser's own buffer, not of the bytes fed.
  const auto* in = reinterpret_cast<const std::uint8_t*>(input.data());
  fail_if(fa.payload.data() >= in && fa.payload.data() < in + input.size());
  fail_unless(std::holds_alternative<ParseFailure>(p.next()));
  fail_unless(text_of(fa.payload) == a && text_of(fb.payload) == b);
  p.reset();
  fail_unless(text_of(fa.payload) == a && text_of(fb.payload) == b);
  fail_unless_equals_int(fa.channel, 3);
  fail_unless_equals_int(fb.channel, 4);
}
GST_END_TEST;

GST_START_TEST(test_frames_and_messages_split_everywhere) {
  // Frames of several sizes (one empty, one holding what looks like a message) between server requests,
  // answers to nothing, and keep-alive line ends.
  const std::string set_param =
      "SET_PARAMETER rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: 7\r\nContent-Length: 5\r\n\r\nhello";
  const std::string options = "OPTIONS * RTSP/1.0\r\nCSeq: 8\r\n\r\n";
  const std::string stray = "RTSP/1.0 200 OK\r\nCSeq: 99\r\n\r\n";
  const std::string big = payload_of(1, 1500);
  const std::string small = payload_of(2, 70);
  const std::string looks_like = "RTSP/1.0 200 OK\r\n\r\n$";
  const std::string stream = frame(0, big) + set_param + frame(1, "") + "\r\n" + frame(0, small) + options +
                             stray + frame(1, looks_like) + set_param + frame(0, big + small);
  const std::vector<std::string> expected = {
      "F0 " + big,        "R SET_PARAMETER hello", "F1 ",
      "F0 " + small,      "F1 " + looks_like,      "R SET_PARAMETER hello",
      "F0 " + big + small};

  for (auto polling : {Polling::Drain, Polling::OnePerRead, Polling::NoneUntilTheEnd}) {
    const int mode = static_cast<int>(polling);
    fail_unless(run_cuts(stream, {}, polling) == expected, "polling %d: whole stream", mode);
    for (std::size_t at = 0; at <= stream.size(); ++at) {
      fail_unless(run_cuts(stream, {at}, polling) == expected, "polling %d: split at %zu", mode, at);
    }
    for (std::size_t chunk = 1; chunk <= 64; ++chunk) {
      std::vector<std::size_t> cuts;
      for (std::size_t at = chunk; at < stream.size(); at += chunk) cuts.push_back(at);
      fail_unless(run_cuts(stream, cuts, polling) == expected, "polling %d: chunk %zu", mode, chunk);
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_payload_valid_until_next_handle_bytes) {
  // What follows the frames in the same read, and what the caller does after polling them: none of it may
  // move or free the bytes the payloads view.
  struct Row {
    const char* what;
    std::string after;   // bytes after the frames, same handle_bytes()
    bool start_again;    // call start() (the session is Idle after a redirect)
    SessionState state;  // what `after` led to
  };
  const Row rows[] = {
      {"nothing", "", false, SessionState::Playing},
      {"server REDIRECT resets the parser",
       "REDIRECT rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: 3\r\nLocation: rtsp://127.0.0.1:8555/x\r\n\r\n",
       true, SessionState::Describing},
      {"unparsable bytes fail the parser", "RTSP/1.0 abc\r\n\r\n", false, SessionState::Failed},
      {"a half frame is held", frame(0, payload_of(9, 4000)).substr(0, 3000), false, SessionState::Playing},
  };
  for (const auto& row : rows) {
    ClientSession s(play_config());
    play_over_tcp(s);
    std::string fed;
    std::vector<std::string> payloads;
    for (std::size_t i = 0; i < 5; ++i) {
      payloads.push_back(payload_of(i, 200 * i));
      fed += frame(static_cast<std::uint8_t>(i), payloads.back());
    }
    fed += row.after;
    s.handle_bytes(bytes_of(fed), kT0);
    std::vector<event::Interleaved> frames;
    while (auto e = s.poll_event()) {
      if (auto* f = std::get_if<event::Interleaved>(&*e)) frames.push_back(*f);
    }
    fed.assign(fed.size(), 'x');  // the caller's bytes are its own again
    while (s.poll_transmit()) {
    }
    if (row.start_again) s.start(kT0);
    s.handle_timeout(kT0);
    s.get_parameter("", "", kT0);
    (void)s.poll_timeout();
    while (s.poll_transmit()) {
    }
    while (s.poll_event()) {
    }
    fail_unless(s.state() == row.state, "%s: state %d", row.what, static_cast<int>(s.state()));
    fail_unless_equals_int(frames.size(), payloads.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
      fail_unless_equals_int(frames[i].channel, i);
      fail_unless(text_of(frames[i].payload) == payloads[i], "%s: frame %zu changed", row.what, i);
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_queued_frames_survive_more_bytes) {
  // Frames not polled before the next handle_bytes() keep their bytes, however the buffer moves meanwhile:
  // reads sized so that the parser both slides held bytes to the front and grows.
  ClientSession s(play_config());
  play_over_tcp(s);
  std::string stream;
  std::vector<std::string> payloads;
  for (std::size_t i = 0; i < 40; ++i) {
    payloads.push_back(payload_of(i, (i * 977) % 9000));
    stream += frame(static_cast<std::uint8_t>(i % 4), payloads.back());
  }
  for (std::size_t at = 0, n = 0; at < stream.size(); ++n) {
    const std::size_t chunk = std::min(stream.size() - at, std::size_t{1000 + (n * 3331) % 20000});
    s.handle_bytes(bytes_of(std::string_view(stream).substr(at, chunk)), kT0);
    at += chunk;
  }
  std::size_t i = 0;
  while (auto e = s.poll_event()) {
    auto* f = std::get_if<event::Interleaved>(&*e);
    fail_unless(f != nullptr);
    fail_unless(i < payloads.size());
    fail_unless_equals_int(f->channel, i % 4);
    fail_unless(text_of(f->payload) == payloads[i], "frame %zu changed", i);
    ++i;
  }
  fail_unless_equals_int(i, payloads.size());
}
GST_END_TEST;

GST_START_TEST(test_no_allocation_per_frame) {
  // RTP over TCP the way a socket delivers it: reads of a fixed size cutting frames of varying size anywhere.
  // Once warm, receiving and polling them allocates nothing.
  ClientSession s(play_config());
  play_over_tcp(s);
  constexpr std::size_t kRead = 4096;
  constexpr std::size_t kWarmReads = 200;
  constexpr std::size_t kReads = 4000;
  std::string stream;
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; stream.size() < (kWarmReads + kReads) * kRead; ++i) {
    lengths.push_back(12 + (i * 389) % 1389);
    stream += frame(static_cast<std::uint8_t>(i % 2), payload_of(i, lengths.back()));
  }
  std::size_t frames = 0;
  std::size_t mismatches = 0;
  std::size_t counted_from = 0;
  std::size_t frames_counted = 0;
  for (std::size_t r = 0; r < kWarmReads + kReads; ++r) {
    if (r == kWarmReads) {
      counted_from = g_allocations.load();
      frames_counted = frames;
    }
    s.handle_bytes(bytes_of(std::string_view(stream).substr(r * kRead, kRead)), kT0);
    while (auto e = s.poll_event()) {
      auto* f = std::get_if<event::Interleaved>(&*e);
      if (f == nullptr || f->payload.size() != lengths[frames] ||
          f->channel != static_cast<std::uint8_t>(frames % 2)) {
        ++mismatches;
      } else {
        for (std::size_t i = 0; i < f->payload.size(); ++i) mismatches += f->payload[i] != pattern(frames, i);
      }
      ++frames;
    }
  }
  const std::size_t allocations = g_allocations.load() - counted_from;
  frames_counted = frames - frames_counted;
  fail_unless_equals_int(mismatches, 0);
  fail_unless(frames_counted > 10000, "only %zu frames", frames_counted);
  fail_unless(allocations == 0, "%zu allocations for %zu frames", allocations, frames_counted);
  // The counter does see the allocations of this code path when there are some.
  const std::size_t before = g_allocations.load();
  s.get_parameter("", "", kT0);
  fail_unless(g_allocations.load() > before);
}
GST_END_TEST;

static Suite* interleaved_suite() {
  Suite* s = suite_create("interleaved");
  TCase* tc = tcase_create("general");
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_parser_views_survive_failure_and_reset);
  tcase_add_test(tc, test_frames_and_messages_split_everywhere);
  tcase_add_test(tc, test_payload_valid_until_next_handle_bytes);
  tcase_add_test(tc, test_queued_frames_survive_more_bytes);
  tcase_add_test(tc, test_no_allocation_per_frame);
  return s;
}

GST_CHECK_MAIN(interleaved);
