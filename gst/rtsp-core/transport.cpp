#include "transport.hpp"

#include <array>
#include "text.hpp"

namespace rtsp2::core {

namespace {

using text::hex_value;
using text::is_digit;
using text::is_ws;
using text::to_lower;
using text::trim;

// Visible ASCII without the header's own separators and quotes: what a parameter name or a bare value may
// hold.
bool is_token_char(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b > 0x20 && b < 0x7f && c != ';' && c != ',' && c != '=' && c != '"';
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_token_char(c)) return false;
  }
  return true;
}

// A parameter value: token characters plus '=' (only the first '=' of a parameter separates name and value),
// or one quoted string whose inside may hold separators and spaces but no quote. Empty means "no value".
bool is_value(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') {
    for (char c : s.substr(1, s.size() - 2)) {
      const auto b = static_cast<unsigned char>(c);
      if (c == '"' || (b < 0x20 && c != '\t') || b >= 0x7f) return false;
    }
    return true;
  }
  for (char c : s) {
    if (!is_token_char(c) && c != '=') return false;
  }
  return true;
}

// Splits on `sep` outside double quotes. nullopt on an unbalanced quote.
std::optional<std::vector<std::string_view>> split_outside_quotes(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') {
      quoted = !quoted;
    } else if (s[i] == sep && !quoted) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quoted) return std::nullopt;
  parts.push_back(s.substr(start));
  return parts;
}

std::optional<std::uint32_t> parse_decimal(std::string_view s, std::uint32_t max) {
  if (s.empty()) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
    if (v > max) return std::nullopt;
  }
  return v;
}

// "a" or "a-b" with a <= b <= max.
std::optional<PortRange> parse_range(std::string_view s, std::uint32_t max) {
  const std::size_t dash = s.find('-');
  const auto first = parse_decimal(s.substr(0, dash), max);
  if (!first) return std::nullopt;
  auto last = first;
  if (dash != std::string_view::npos) {
    last = parse_decimal(s.substr(dash + 1), max);
    if (!last || *last < *first) return std::nullopt;
  }
  return PortRange{static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last)};
}

// SSRC is 32-bit hex (RFC 2326 §12.39: 8HEX); shorter forms come from servers that drop leading zeros.
std::optional<std::uint32_t> parse_ssrc(std::string_view s) {
  if (s.empty() || s.size() > 8) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) {
    const int h = hex_value(c);
    if (h < 0) return std::nullopt;
    v = (v << 4) | static_cast<std::uint32_t>(h);
  }
  return v;
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

struct ProfileInfo {
  std::string_view name;
  TransportProfile profile;
};

constexpr std::array<ProfileInfo, 4> kProfiles{{
    {"AVP", TransportProfile::Avp},
    {"SAVP", TransportProfile::Savp},
    {"AVPF", TransportProfile::Avpf},
    {"SAVPF", TransportProfile::Savpf},
}};

// "RTP/<profile>[/<lower>]". explicit_lower records a written-out "/UDP" only: TCP is always written, so a
// TransportSpec built by hand with lower = Tcp compares equal to its re-parsed text.
bool parse_protocol(std::string_view s, TransportSpec& t) {
  const std::size_t s1 = s.find('/');
  if (s1 == std::string_view::npos || !iequals(s.substr(0, s1), "RTP")) return false;
  s.remove_prefix(s1 + 1);
  const std::size_t s2 = s.find('/');
  const std::string_view profile = s.substr(0, s2);
  bool known = false;
  for (const auto& p : kProfiles) {
    if (iequals(profile, p.name)) {
      t.profile = p.profile;
      known = true;
    }
  }
  if (!known) return false;
  if (s2 == std::string_view::npos) return true;
  const std::string_view lower = s.substr(s2 + 1);
  if (iequals(lower, "UDP")) {
    t.lower = LowerTransport::Udp;
    t.explicit_lower = true;
  } else if (iequals(lower, "TCP")) {
    t.lower = LowerTransport::Tcp;
  } else {
    return false;
  }
  return true;
}

bool parse_param(std::string_view name, std::string_view value, bool has_value, TransportSpec& t) {
  if (!is_token(name) || !is_value(value)) return false;

  // Flags take no value; a value there means we misunderstand the header, so refuse rather than guess.
  if (iequals(name, "unicast") || iequals(name, "multicast") || iequals(name, "append")) {
    if (has_value) return false;
    if (iequals(name, "append")) {
      t.append = true;
    } else {
      t.multicast = iequals(name, "multicast");
    }
    return true;
  }
  if (iequals(name, "destination") || iequals(name, "source")) {
    // "destination" alone is allowed by RFC 2326 (the server picks); "source" always names an address. Quotes
    // are tolerated and dropped.
    const std::string_view addr = unquote(value);
    if (!is_token(addr) && !(addr.empty() && iequals(name, "destination"))) return false;
    (iequals(name, "destination") ? t.destination : t.source) = std::string(addr);
    return true;
  }
  if (iequals(name, "client_port") || iequals(name, "server_port") || iequals(name, "port") ||
      iequals(name, "interleaved")) {
    const bool channels = iequals(name, "interleaved");
    const auto r = parse_range(value, channels ? 255 : 65535);
    if (!r) return false;
    if (channels) {
      t.interleaved = r;
    } else if (iequals(name, "client_port")) {
      t.client_port = r;
    } else if (iequals(name, "server_port")) {
      t.server_port = r;
    } else {
      t.port = r;
    }
    return true;
  }
  if (iequals(name, "ttl")) {
    const auto v = parse_decimal(value, 255);
    if (!v) return false;
    t.ttl = static_cast<std::uint8_t>(*v);
    return true;
  }
  if (iequals(name, "ssrc")) {
    const auto v = parse_ssrc(value);
    if (!v) return false;
    t.ssrc = v;
    return true;
  }
  if (iequals(name, "mode")) {
    // gst-rtsp-server quotes it (mode="PLAY"); FFmpeg's listen mode answers "mode=receive", its own (and the
    // RFC 2326 draft's) word for RECORD, see libavformat/rtsp.c. Anything else (a quoted list such as
    // "PLAY,RECORD", other methods) is kept verbatim in `extra`.
    const std::string_view m = unquote(value);
    if (iequals(m, "play")) {
      t.mode = TransportMode::Play;
      return true;
    }
    if (iequals(m, "record") || iequals(m, "receive")) {
      t.mode = TransportMode::Record;
      return true;
    }
  }
  t.extra.emplace_back(std::string(name), std::string(value));
  return true;
}

std::optional<TransportSpec> parse_one(std::string_view text) {
  const auto params = split_outside_quotes(text, ';');
  if (!params) return std::nullopt;
  TransportSpec t;
  if (!parse_protocol(trim(params->front()), t)) return std::nullopt;
  for (std::size_t i = 1; i < params->size(); ++i) {
    const std::string_view p = trim((*params)[i]);
    if (p.empty()) continue;  // "…;;…" and a trailing ';' are harmless and some servers send them
    const std::size_t eq = p.find('=');
    const std::string_view name = trim(p.substr(0, eq));
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : trim(p.substr(eq + 1));
    if (!parse_param(name, value, eq != std::string_view::npos, t)) return std::nullopt;
  }
  return t;
}

void append_range(std::string& out, std::string_view name, const std::optional<PortRange>& r) {
  if (!r) return;
  out += ';';
  out += name;
  out += '=';
  out += std::to_string(r->first);
  if (r->last != r->first) {
    out += '-';
    out += std::to_string(r->last);
  }
}

}  // namespace

std::optional<std::vector<TransportSpec>> parse_transports(std::string_view header_value) {
  for (char c : header_value) {
    const auto b = static_cast<unsigned char>(c);
    // Header values are ASCII; CR/LF would mean the message parser let a line break through.
    if (b >= 0x7f || (b < 0x20 && c != '\t')) return std::nullopt;
  }
  const auto alternatives = split_outside_quotes(header_value, ',');
  if (!alternatives) return std::nullopt;
  std::vector<TransportSpec> out;
  for (std::string_view a : *alternatives) {
    auto t = parse_one(trim(a));
    if (!t) return std::nullopt;
    out.push_back(std::move(*t));
  }
  return out;
}

std::string to_string(const TransportSpec& t, bool mode_upper) {
  std::string out = "RTP/";
  for (const auto& p : kProfiles) {
    if (p.profile == t.profile) out += p.name;
  }
  if (t.lower == LowerTransport::Tcp) {
    out += "/TCP";
  } else if (t.explicit_lower) {
    out += "/UDP";
  }
  out += t.multicast ? ";multicast" : ";unicast";
  if (t.destination) {
    out += ";destination";
    if (!t.destination->empty()) {
      out += '=';
      out += *t.destination;
    }
  }
  if (t.source) {
    out += ";source=";
    out += *t.source;
  }
  append_range(out, "client_port", t.client_port);
  append_range(out, "server_port", t.server_port);
  append_range(out, "interleaved", t.interleaved);
  append_range(out, "port", t.port);
  if (t.ttl) {
    out += ";ttl=";
    out += std::to_string(*t.ttl);
  }
  if (t.ssrc) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += ";ssrc=";
    for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(*t.ssrc >> shift) & 0xf];
  }
  if (t.mode) {
    const bool play = *t.mode == TransportMode::Play;
    out += ";mode=";
    out += mode_upper ? (play ? "PLAY" : "RECORD") : (play ? "play" : "record");
  }
  if (t.append) out += ";append";
  for (const auto& [name, value] : t.extra) {
    out += ';';
    out += name;
    if (!value.empty()) {
      out += '=';
      out += value;
    }
  }
  return out;
}

std::string to_string(const std::vector<TransportSpec>& ts, bool mode_upper) {
  std::string out;
  for (const auto& t : ts) {
    if (!out.empty()) out += ',';
    out += to_string(t, mode_upper);
  }
  return out;
}

}  // namespace rtsp2::core
