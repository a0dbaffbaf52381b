// Feeds a PLAY session (1) arbitrary server bytes in chunks: whatever arrives, the session must not crash and
// its queues must stay bounded; and (2) a well-formed server stream built from the input: `$` frames of known
// contents between server requests, stray answers and keep-alive line ends, cut into chunks and polled in
// ways the input picks. Every Interleaved payload must then be exactly the frame fed, in order, none lost; in
// both runs every payload polled must still show the same bytes right before the next handle_bytes(), where
// its validity ends (event::Interleaved in client_session.hpp).
#include <gst/gst.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "client_session.hpp"
#include "gst_fuzz_env.hpp"

using namespace rtsp2::core;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

SessionConfig config(bool options_first) {
  SessionConfig c;
  c.url = *parse_url("rtsp://u:p@127.0.0.1:8554/test");
  c.options_first = options_first;
  return c;
}

// Payloads polled since the last handle_bytes(), with copies of what they showed then.
class HeldViews {
 public:
  void add(std::span<const std::uint8_t> v) { held_.push_back({v, {v.begin(), v.end()}}); }
  // Right before handle_bytes(): the views must not have changed since they were polled.
  void check_and_forget() {
    for (const auto& h : held_) check(std::equal(h.view.begin(), h.view.end(), h.seen.begin(), h.seen.end()));
    held_.clear();
  }

 private:
  struct Held {
    std::span<const std::uint8_t> view;
    std::vector<std::uint8_t> seen;
  };
  std::vector<Held> held_;
};

// ---- (1) arbitrary bytes

void drain(ClientSession& s, HeldViews& views) {
  while (s.poll_transmit()) {
  }
  while (auto e = s.poll_event()) {
    if (auto* f = std::get_if<event::Interleaved>(&*e)) views.add(f->payload);
  }
}

void run_arbitrary(const std::uint8_t* data, std::size_t size) {
  SessionConfig c = config((size & 1) != 0);
  c.keep_session_on_close = (size & 2) != 0;  // udp-reconnect
  if ((size & 4) != 0) {
    // before-send dropping some requests, handle-request changing some answers: the session must cope.
    const std::uint8_t salt = size > 0 ? data[0] : 0;  // so that any request may be the dropped one
    c.before_send = [salt](Request& r) { return (r.uri.size() + r.headers.size() + salt) % 3 != 0; };
    c.handle_request = [salt](const Request& r, Response& a) {
      a.status = int((r.uri.size() + salt) % 1100);
    };
  }
  ClientSession s(std::move(c));
  HeldViews views;
  Instant now{};
  s.start(now);
  drain(s, views);
  std::size_t off = 0;
  while (off < size) {
    // The first byte of each step picks the chunk size, so splits vary with the input.
    std::size_t chunk = 1 + (data[off] % 64);
    std::size_t n = std::min(chunk, size - off);
    views.check_and_forget();
    s.handle_bytes({data + off, n}, now);
    off += n;
    now += std::chrono::milliseconds(data[off - 1]) * 100;
    s.handle_timeout(now);
    if (s.state() == SessionState::Ready && off % 3 == 0) {
      s.setup({{"rtsp://127.0.0.1:8554/test/stream=0", {TransportSpec{}}}}, now);
      s.play({}, now);
    }
    // Now and then the connection closes; a kept session is resumed on the next step or later.
    if (data[off - 1] % 29 == 0) s.handle_connection_closed(now);
    if (data[off - 1] % 5 == 1) s.resume_control(now);
    drain(s, views);
  }
  s.teardown(now);
  drain(s, views);
  views.check_and_forget();
}

// ---- (2) frames of known contents

// The harness's per-byte code carries no coverage counters and no sanitizer checks: it tests nothing
// itself, and its counters would only reward the fuzzer for new frame lengths.
#define HARNESS_ONLY __attribute__((no_sanitize("coverage", "address", "undefined")))

// Frame `index`'s payload byte `i`: differs between frames, so that a view onto the wrong bytes shows.
HARNESS_ONLY std::uint8_t pattern(std::size_t index, std::size_t i) {
  return static_cast<std::uint8_t>(index * 131 + (index >> 8) * 17 + i * 7 + (i >> 8));
}

HARNESS_ONLY void append_pattern(std::string& out, std::size_t index, std::size_t length) {
  const std::size_t at = out.size();
  out.resize(at + length);
  char* p = out.data() + at;
  for (std::size_t i = 0; i < length; ++i) p[i] = static_cast<char>(pattern(index, i));
}

HARNESS_ONLY bool shows_pattern(const std::uint8_t* p, std::size_t index, std::size_t length) {
  bool same = true;
  for (std::size_t i = 0; i < length; ++i) same &= p[i] == pattern(index, i);
  return same;
}

struct Frame {
  std::uint8_t channel;
  std::size_t index;
  std::size_t length;
};

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ >= size_; }
  std::uint8_t take() { return at_ < size_ ? data_[at_++] : 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// Frames stop being added past this (one may still take the stream to 96 KiB). 128 KiB made this target
// take three of the CI's four fuzzing minutes, with nothing in the parser that needs more than 64 KiB.
constexpr std::size_t kMaxStream = 32 * 1024;

// The server's side: frames (one op in two), SET_PARAMETER requests (surfaced), OPTIONS requests (answered
// only), answers to requests never sent (ignored), and empty lines.
std::string build_stream(Input& in, std::deque<Frame>& frames, std::size_t& surfaced) {
  std::string stream;
  std::size_t index = 0;
  while (!in.done() && stream.size() < kMaxStream) {
    const std::uint8_t op = in.take();
    switch (op % 8) {
      case 0:
      case 1:
      case 2:
      case 3: {
        const std::uint8_t channel = in.take();
        std::size_t length = std::size_t{in.take()} << 8;
        length |= in.take();
        if ((op & 0x80) == 0) length %= 1500;  // mostly packet sized; now and then up to 65535
        stream += {'$', static_cast<char>(channel), static_cast<char>(length >> 8),
                   static_cast<char>(length & 0xff)};
        append_pattern(stream, index, length);
        frames.push_back({channel, index++, length});
        break;
      }
      case 4: {
        const std::string body(in.take() % 40, 'b');
        stream += "SET_PARAMETER rtsp://127.0.0.1:8554/test RTSP/1.0\r\nCSeq: " + std::to_string(op) +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        surfaced++;
        break;
      }
      case 5:
        stream += "OPTIONS * RTSP/1.0\r\nCSeq: " + std::to_string(op) + "\r\n\r\n";
        break;
      case 6: {
        const std::string body(in.take(), '$');
        stream += "RTSP/1.0 200 OK\r\nCSeq: " + std::to_string(1000 + op) +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        break;
      }
      default:
        stream += "\r\n";
        break;
    }
  }
  return stream;
}

class FrameChecker {
 public:
  FrameChecker(ClientSession& s, std::deque<Frame>& expected) : s_(s), expected_(expected) {}

  bool poll_one() {
    auto e = s_.poll_event();
    if (!e) return false;
    if (auto* f = std::get_if<event::Interleaved>(&*e)) {
      check(!expected_.empty());
      const Frame want = expected_.front();
      expected_.pop_front();
      check(f->channel == want.channel && f->payload.size() == want.length);
      check(shows_pattern(f->payload.data(), want.index, want.length));
      views.add(f->payload);
    } else {
      // The stream is well-formed: nothing may fail, and only the SET_PARAMETERs are surfaced.
      check(std::holds_alternative<event::ServerRequest>(*e));
      surfaced++;
    }
    return true;
  }
  void poll_all() {
    while (poll_one()) {
    }
  }

  HeldViews views;
  std::size_t surfaced = 0;

 private:
  ClientSession& s_;
  std::deque<Frame>& expected_;
};

void run_frames(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  std::deque<Frame> expected;
  std::size_t surfaced = 0;
  const std::string stream = build_stream(in, expected, surfaced);

  ClientSession s(config(false));
  Instant now{};
  s.start(now);
  while (s.poll_transmit()) {
  }
  FrameChecker checker(s, expected);
  std::uint32_t seed = 2166136261u;
  for (std::size_t i = 0; i < size; ++i) seed = (seed ^ data[i]) * 16777619u;
  std::size_t at = 0;
  while (at < stream.size()) {
    seed = seed * 1103515245u + 12345u;
    const std::uint32_t r = seed >> 8;
    const std::size_t chunk = std::min<std::size_t>(stream.size() - at, 1 + r % ((r & 1) ? 8 : 4096));
    checker.views.check_and_forget();
    s.handle_bytes({reinterpret_cast<const std::uint8_t*>(stream.data()) + at, chunk}, now);
    at += chunk;
    while (s.poll_transmit()) {
    }
    switch ((r >> 12) % 8) {
      case 0:
      case 1:
      case 2:
      case 3:
        checker.poll_all();
        break;
      case 4:
      case 5:
        checker.poll_one();
        break;
      case 6:
        break;  // all left queued across the next handle_bytes()
      default:
        // Calls that must not touch the payloads polled so far.
        checker.poll_all();
        s.handle_timeout(now);
        (void)s.poll_timeout();
        while (s.poll_transmit()) {
        }
        break;
    }
  }
  checker.poll_all();
  checker.views.check_and_forget();
  check(expected.empty());
  check(checker.surfaced == surfaced);
  check(s.state() == SessionState::Describing);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init_gst_for_fuzzing();
  run_arbitrary(data, size);
  run_frames(data, size);
  return 0;
}
