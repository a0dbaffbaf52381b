#include "url.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include "text.hpp"

namespace rtsp2::core {

namespace {

using text::hex_value;
using text::is_alpha;
using text::is_digit;
using text::to_lower;

struct SchemeInfo {
  std::string_view name;
  UrlScheme scheme;
};

constexpr std::array<SchemeInfo, 6> kSchemes{{
    {"rtsp", UrlScheme::Rtsp},
    {"rtspu", UrlScheme::Rtspu},
    {"rtspt", UrlScheme::Rtspt},
    {"rtsps", UrlScheme::Rtsps},
    {"rtspsu", UrlScheme::Rtspsu},
    {"rtspst", UrlScheme::Rtspst},
}};

bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_sub_delim(char c) {
  return std::string_view("!$&'()*+,;=").find(c) != std::string_view::npos;
}

// Bytes that never belong in a URL, whatever the component: controls, space, DEL.
bool is_forbidden(unsigned char c) {
  return c <= 0x20 || c == 0x7f;
}

// Well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). Only the userinfo may carry raw non-ASCII
// text: people type passwords as they are, and the bytes are percent-encoded again on the way out.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

bool all_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool valid_reg_name(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (!is_unreserved(c)) return false;
  }
  return true;
}

// IPv6 literal as found between brackets: hex digits, ':' and '.' (embedded IPv4), with an optional RFC 6874
// zone ("fe80::1%25eth0") kept as written. It must hold a ':' so that to_string() brackets it again.
bool valid_ipv6_literal(std::string_view host) {
  if (host.find(':') == std::string_view::npos) return false;
  const std::size_t zone = host.find('%');
  const std::string_view addr = host.substr(0, zone);
  for (char c : addr) {
    if (hex_value(c) < 0 && c != ':' && c != '.') return false;
  }
  if (zone != std::string_view::npos) {
    const std::string_view z = host.substr(zone + 1);
    if (z.empty()) return false;
    for (char c : z) {
      if (!is_unreserved(c) && c != '%') return false;
    }
  }
  return true;
}

// Digits only, 1..65535. Empty is handled by the caller (RFC 3986 allows "host:" meaning the default port).
std::optional<std::uint16_t> parse_port(std::string_view s) {
  std::uint32_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
    if (v > 65535) return std::nullopt;
  }
  if (v == 0) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

// "scheme://" at the start of text, scheme per RFC 3986 (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )).
std::optional<std::string_view> scheme_prefix(std::string_view text) {
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0 || !is_alpha(text[0])) return std::nullopt;
  for (char c : text.substr(0, sep)) {
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  return text.substr(0, sep);
}

}  // namespace

bool Url::tls() const {
  return scheme == UrlScheme::Rtsps || scheme == UrlScheme::Rtspsu || scheme == UrlScheme::Rtspst;
}

bool Url::ipv6_literal() const {
  return host.find(':') != std::string::npos;
}

std::uint16_t Url::default_port() const {
  return tls() ? 322 : 554;
}

std::string Url::to_string() const {
  std::string out(scheme_name(scheme));
  out += "://";
  if (ipv6_literal()) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  if (explicit_port) {
    out += ':';
    out += std::to_string(port);
  }
  out += path;
  if (has_query) {
    out += '?';
    out += query;
  }
  return out;
}

namespace {

// Names compared after percent-decoding, case-insensitively.
bool is_secret_name(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "password",     "passwd",      "pass",         "pwd",        "pw",        "passphrase", "token",
      "access_token", "accesstoken", "access-token", "auth_token", "authtoken", "auth",       "key",
      "api_key",      "apikey",      "secret",       "sig",        "signature"};
  std::string lower;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '%' && i + 2 < name.size()) {
      const int hi = hex_value(name[i + 1]), lo = hex_value(name[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = char(hi * 16 + lo);
        i += 2;
      }
    }
    lower += (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
  }
  return std::find(std::begin(kNames), std::end(kNames), lower) != std::end(kNames);
}

}  // namespace

std::string Url::to_display_string() const {
  const std::string out = to_string();
  // The path and query start at the first '/' or '?' after the authority.
  const std::size_t start = out.find_first_of("/?", out.find("://") + 3);
  if (start == std::string::npos) return out;
  // Each name=value after a separator: values of secret names become "***". In the path '_' separates too
  // (cameras that take "/user=admin_password=x_channel=1"); in the query only '&' and ';' do.
  std::string shown = out.substr(0, start);
  bool in_query = false;
  std::size_t i = start;
  while (i < out.size()) {
    const char c = out[i];
    shown += c;
    ++i;
    if (c == '?') in_query = true;
    const std::size_t end = out.find_first_of(in_query ? "&;" : "/?&;_", i);
    const std::string_view item(out.data() + i, (end == std::string::npos ? out.size() : end) - i);
    const std::size_t eq = item.find('=');
    if (eq != std::string_view::npos && eq + 1 < item.size() && is_secret_name(item.substr(0, eq))) {
      shown.append(item.substr(0, eq + 1));
      shown += "***";
    } else {
      shown.append(item);
    }
    i += item.size();
  }
  return shown;
}

std::string Url::to_string_with_credentials() const {
  std::string out = to_string();
  if (!has_credentials) return out;
  std::string userinfo = percent_encode_userinfo(user);
  // An empty password is not written: "user:@host" and "user@host" mean the same to every server we know.
  if (!password.empty()) {
    userinfo += ':';
    userinfo += percent_encode_userinfo(password);
  }
  userinfo += '@';
  out.insert(scheme_name(scheme).size() + 3, userinfo);
  return out;
}

std::string_view scheme_name(UrlScheme s) {
  for (const auto& info : kSchemes) {
    if (info.scheme == s) return info.name;
  }
  return "rtsp";
}

std::optional<Url> parse_url(std::string_view text) {
  for (char c : text) {
    if (is_forbidden(static_cast<unsigned char>(c))) return std::nullopt;
  }
  const auto scheme = scheme_prefix(text);
  if (!scheme) return std::nullopt;

  Url url;
  bool known = false;
  for (const auto& info : kSchemes) {
    if (iequals(*scheme, info.name)) {
      url.scheme = info.scheme;
      known = true;
    }
  }
  if (!known) return std::nullopt;

  std::string_view rest = text.substr(scheme->size() + 3);
  // The fragment is client-side only (RFC 3986 §3.5) and never goes on the wire.
  const std::size_t hash = rest.find('#');
  rest = rest.substr(0, hash);

  const std::size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  const std::string_view path_query =
      auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);

  // The LAST '@' separates userinfo from host: users write raw '@' in passwords ("admin:p@ss@cam"), and a
  // host can never hold one.
  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    if (!valid_utf8(userinfo)) return std::nullopt;
    const std::size_t colon = userinfo.find(':');
    bool ok_user = true;
    bool ok_pass = true;
    url.user = percent_decode(userinfo.substr(0, colon), &ok_user);
    if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1), &ok_pass);
    if (!ok_user || !ok_pass) return std::nullopt;
    url.has_credentials = true;
    authority = authority.substr(at + 1);
  }

  if (!all_ascii(authority) || !all_ascii(path_query)) return std::nullopt;

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view host = authority.substr(1, close - 1);
    if (!valid_ipv6_literal(host)) return std::nullopt;
    url.host = std::string(host);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (!valid_reg_name(host)) return std::nullopt;  // also rejects stray brackets and an empty host
    url.host = std::string(host);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }

  url.port = url.default_port();
  if (has_port && !port_text.empty()) {
    const auto port = parse_port(port_text);
    if (!port) return std::nullopt;
    url.port = *port;
    url.explicit_port = true;
  }

  // Path and query are opaque to us: servers match them byte for byte, so they are neither decoded nor
  // normalised.
  const std::size_t q = path_query.find('?');
  url.path = std::string(path_query.substr(0, q));
  if (q != std::string_view::npos) {
    url.query = std::string(path_query.substr(q + 1));
    url.has_query = true;
  }
  return url;
}

// RFC 2326 C.1.1 as servers use it. Upstream rtspsrc (gst-plugins-good gstrtspsrc.c,
// gst_rtspsrc_create_stream) takes a control starting with "rtsp://" as is, turns "*" into "", and otherwise
// builds base + ("/" unless base ends with '/' or control starts with '/') + control on the whole base text,
// query included (the base is Content-Base, or the request URI from gst_rtsp_url_get_request_uri, which keeps
// the query). So "rtsp://h/s?x=1" + "trackID=1" gives "rtsp://h/s?x=1/trackID=1", which is what cameras with
// query strings expect. We differ where upstream is knowingly wrong (its own comment says so): "*" is the
// base itself (no trailing '/' added), "/abs/path" replaces the base's path instead of being glued onto it,
// every rtsp* scheme counts as absolute, and the result must parse as a URL.
std::optional<std::string> resolve_control(std::string_view base, std::string_view control) {
  if (!parse_url(base)) return std::nullopt;
  base = base.substr(0, base.find('#'));

  std::string out;
  if (control.empty() || control == "*") {
    out = std::string(base);
  } else if (scheme_prefix(control)) {
    out = std::string(control);
  } else if (control.substr(0, 2) == "//") {
    // Network-path reference: only the scheme is inherited.
    out = std::string(base.substr(0, base.find(':') + 1));
    out += control;
  } else if (control.front() == '/') {
    const std::size_t auth_start = base.find("://") + 3;
    const std::size_t auth_end = base.find_first_of("/?", auth_start);
    out = std::string(base.substr(0, auth_end));
    out += control;
  } else {
    out = std::string(base);
    if (out.back() != '/') out += '/';
    out += control;
  }
  if (!parse_url(out)) return std::nullopt;
  return out;
}

std::string percent_decode(std::string_view s, bool* ok) {
  std::string out;
  out.reserve(s.size());
  bool good = true;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    const bool complete = i + 2 < s.size();
    const int hi = complete ? hex_value(s[i + 1]) : -1;
    const int lo = complete ? hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      good = false;
      out += s[i];
      continue;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (ok) *ok = good;
  return out;
}

std::string percent_encode_userinfo(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    // Unreserved and sub-delims stay; ':' and '@' (the separators) and everything else are escaped.
    if (is_unreserved(c) || is_sub_delim(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0x0f];
    }
  }
  return out;
}

}  // namespace rtsp2::core
