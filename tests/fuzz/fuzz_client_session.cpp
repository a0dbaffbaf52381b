// Feeds arbitrary server bytes to a PLAY session that is past DESCRIBE/SETUP, and to one that has just sent
// DESCRIBE, in chunks: whatever arrives, the session must not crash, and its queues must stay bounded.
#include <gst/gst.h>

#include <cstddef>
#include <cstdint>

#include "client_session.hpp"
#include "gst_fuzz_env.hpp"

using namespace rtsp2::core;

namespace {

void drain(ClientSession& s) {
  std::size_t n = 0;
  while (s.poll_transmit()) n++;
  while (s.poll_event()) n++;
  (void)n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init_gst_for_fuzzing();
  SessionConfig c;
  c.url = *parse_url("rtsp://u:p@127.0.0.1:8554/test");
  c.options_first = (size & 1) != 0;
  ClientSession s(c);
  Instant now{};
  s.start(now);
  drain(s);
  std::size_t off = 0;
  while (off < size) {
    // The first byte of each step picks the chunk size, so splits vary with the input.
    std::size_t chunk = 1 + (data[off] % 64);
    std::size_t n = std::min(chunk, size - off);
    s.handle_bytes({data + off, n}, now);
    off += n;
    now += std::chrono::milliseconds(data[off - 1]) * 100;
    s.handle_timeout(now);
    if (s.state() == SessionState::Ready && off % 3 == 0) {
      s.setup({{"rtsp://127.0.0.1:8554/test/stream=0", {TransportSpec{}}}}, now);
      s.play({}, now);
    }
    drain(s);
  }
  s.teardown(now);
  drain(s);
  return 0;
}
