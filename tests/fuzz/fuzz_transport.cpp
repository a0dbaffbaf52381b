// Round-trip invariant: whatever parse_transports accepts, to_string writes in a form that parses back to the
// same specs, in either mode case.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport.hpp"

using namespace rtsp2::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ts = parse_transports(text);
  if (!ts) return 0;
  if (ts->empty()) std::abort();
  for (bool upper : {false, true}) {
    const auto again = parse_transports(to_string(*ts, upper));
    if (!again || !(*again == *ts)) std::abort();
  }
  return 0;
}
