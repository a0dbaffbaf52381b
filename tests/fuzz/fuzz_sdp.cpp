// An SDP through parse_presentation with a fixed base, then write_announce_sdp from the caps that were found
// and a second parse of what was written; the input as an npt range and as caps for write_announce_sdp too.
// Nothing may crash, and what parse_presentation returns must hold the promises of sdp.hpp.
#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gst_fuzz_env.hpp"
#include "sdp.hpp"
#include "url.hpp"

using namespace rtsp2::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init_gst_for_fuzzing();

  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto r = parse_npt_range(input)) {
    if (!r->start_is_now && r->end && *r->end < r->start) __builtin_trap();
    (void)parse_npt_range(to_string(*r));
  }

  std::string error;
  // The input as a caps string too (stopping at a NUL, as a C string would).
  (void)write_announce_sdp({{std::string(input.substr(0, input.find('\0'))), "stream=0"}}, AnnounceOptions{},
                           &error);

  auto p = parse_presentation(input, "rtsp://127.0.0.1:8554/test/", &error);
  if (!p) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  if (p->streams.empty()) __builtin_trap();
  std::vector<AnnounceStream> streams;
  for (const auto& s : p->streams) {
    // Control URLs resolve to URLs (schemes compare case-insensitively: "RTSP://h/x" is valid).
    if (s.formats.empty() || !parse_url(s.control_url)) __builtin_trap();
    for (const auto& f : s.formats) {
      if (f.caps.empty() || f.clock_rate <= 0 || f.pt < 0 || f.pt > 127) __builtin_trap();
      streams.push_back({f.caps, s.control});
    }
  }
  AnnounceOptions options;
  options.session_name = p->session_name;
  auto text = write_announce_sdp(streams, options, &error);
  if (text) (void)parse_presentation(*text, "rtsp://127.0.0.1:8554/test/", &error);
  return 0;
}
