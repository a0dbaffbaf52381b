// ASCII helpers shared by the core's text parsers (URL, Transport, auth, SDP, session headers). Locale-free
// on purpose: RTSP tokens are ASCII whatever the process locale says.
#pragma once

#include <string_view>

namespace rtsp2::core {

// ASCII case-insensitive comparison (defined in message.cpp; also declared in message.hpp).
bool iequals(std::string_view a, std::string_view b);

namespace text {

inline char to_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_ws(char c) {
  return c == ' ' || c == '\t';
}

// Value of one hex digit, or -1.
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Without leading and trailing spaces and tabs.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace text
}  // namespace rtsp2::core
