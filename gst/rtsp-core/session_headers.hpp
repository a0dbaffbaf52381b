// Small RTSP header values the session needs: Session (RFC 2326 §12.37), Public (§12.28), Scale (§12.34).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client_session.hpp"

namespace rtsp2::core {

struct SessionHeader {
  std::string id;
  std::optional<Duration> timeout;  // ";timeout=N" seconds
};

// "335AA815;timeout=65" -> {id, 65 s}. nullopt for an empty id. A bad timeout value is ignored, not fatal.
std::optional<SessionHeader> parse_session_header(std::string_view value);

// "OPTIONS, DESCRIBE, SETUP" (also without spaces, as VLC writes it) -> known methods; unknown names skipped.
std::vector<Method> parse_public(std::string_view value);

// A decimal such as "1.5" or "-2"; nullopt when anything else is in the value.
std::optional<double> parse_double(std::string_view value);

}  // namespace rtsp2::core
