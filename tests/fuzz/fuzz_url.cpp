// Round-trip invariant: whatever parse_url accepts, its written forms parse back to the same Url (without the
// credentials for to_string()); to_display_string() changes nothing before the path. resolve_control must
// return either nothing or a URL that parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "url.hpp"

using namespace rtsp2::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto u = parse_url(text)) {
    const auto again = parse_url(u->to_string_with_credentials());
    if (!again || !(*again == *u)) std::abort();
    auto plain = *u;
    plain.user.clear();
    plain.password.clear();
    plain.has_credentials = false;
    const auto without = parse_url(u->to_string());
    if (!without || !(*without == plain)) std::abort();
    // What messages show: up to the path it is to_string(), and a masked value is shorter or "***".
    const std::string written = u->to_string(), shown = u->to_display_string();
    const std::size_t start = written.find_first_of("/?", written.find("://") + 3);
    if (shown.compare(0, start, written, 0, start) != 0) std::abort();
    if (!parse_url(shown)) std::abort();  // masking keeps it a URL
  }
  // Split the input at the first newline into base and control.
  const std::size_t nl = text.find('\n');
  if (nl != std::string_view::npos) {
    if (const auto r = resolve_control(text.substr(0, nl), text.substr(nl + 1))) {
      if (!parse_url(*r)) std::abort();
    }
  }
  bool ok = false;
  const std::string decoded = percent_decode(percent_encode_userinfo(text), &ok);
  if (!ok || decoded != text) std::abort();
  return 0;
}
