#include "session_headers.hpp"

#include "text.hpp"

#include <charconv>
#include <cmath>

namespace rtsp2::core {

using text::trim;

std::optional<SessionHeader> parse_session_header(std::string_view value) {
  SessionHeader h;
  auto semi = value.find(';');
  h.id = std::string(trim(value.substr(0, semi)));
  if (h.id.empty()) return std::nullopt;
  while (semi != std::string_view::npos) {
    value.remove_prefix(semi + 1);
    semi = value.find(';');
    std::string_view param = trim(value.substr(0, semi));
    auto eq = param.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = trim(param.substr(0, eq));
    std::string_view val = trim(param.substr(eq + 1));
    if (!iequals(name, "timeout")) continue;
    unsigned seconds = 0;
    auto res = std::from_chars(val.data(), val.data() + val.size(), seconds);
    // Zero or absurd values are ignored: the caller falls back to its default.
    if (res.ec == std::errc() && res.ptr == val.data() + val.size() && seconds > 0 && seconds <= 86400) {
      h.timeout = Duration(static_cast<Duration::rep>(seconds) * 1000);
    }
  }
  return h;
}

std::vector<Method> parse_public(std::string_view value) {
  std::vector<Method> out;
  while (!value.empty()) {
    auto comma = value.find(',');
    std::string_view name = trim(value.substr(0, comma));
    Method m = method_from_string(name);
    if (m != Method::Unknown) out.push_back(m);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<double> parse_double(std::string_view value) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  double d = 0;
  auto res = std::from_chars(value.data(), value.data() + value.size(), d);
  if (res.ec != std::errc() || res.ptr != value.data() + value.size() || !std::isfinite(d))
    return std::nullopt;
  return d;
}

}  // namespace rtsp2::core
