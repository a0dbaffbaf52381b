// RTSP URLs (RFC 2326 §3.2, RFC 7826 §18.2 with RFC 3986 syntax) and control-URL resolution.
//
//   rtsp://user:pa%40ss@[::1]:8554/live/cam1?token=x
//   └┬─┘   └──┬──────┘ └─┬─┘ └┬─┘└─────┬───┘ └──┬──┘
//  scheme  userinfo     host port    path       query
//
// Schemes: rtsp (TCP control, any transport), rtspu / rtspt / rtsps / rtspsu / rtspst (the suffix narrows the
// media transport: u = UDP, t = TCP; s = TLS control connection). Default port 554, 322 for rtsps*.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rtsp2::core {

enum class UrlScheme { Rtsp, Rtspu, Rtspt, Rtsps, Rtspsu, Rtspst };

struct Url {
  UrlScheme scheme = UrlScheme::Rtsp;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded
  bool has_credentials = false;
  std::string host;        // without brackets for IPv6 literals ("::1")
  std::uint16_t port = 0;  // the effective port: explicit or the scheme's default
  bool explicit_port = false;
  std::string path;   // as written, starts with '/' (or "" for none); never decoded
  std::string query;  // without '?', as written; empty when absent
  bool has_query = false;

  bool tls() const;           // rtsps*
  bool ipv6_literal() const;  // host contains ':'
  std::uint16_t default_port() const;

  // "rtsp://host:port/path?query" without credentials; brackets around IPv6 hosts; the port only when
  // explicit. This is what goes on the wire as a request URI and what error messages show.
  std::string to_string() const;
  // Same, but with "user:password@" (percent-encoded) kept, for APIs that need the full location back.
  std::string to_string_with_credentials() const;
  // to_string() for messages and logs: also the values of password-like parameters in the path or query
  // (`password=`, `pwd=`, `token=`, ... as some cameras take them) shown as "***".
  std::string to_display_string() const;

  bool operator==(const Url&) const = default;
};

// Parses an absolute RTSP URL. nullopt on anything malformed: unknown scheme, empty host, bad port (0 or >
// 65535, non-digits), unbalanced IPv6 brackets, control characters or spaces, bad percent-escapes in
// userinfo.
std::optional<Url> parse_url(std::string_view text);

std::string_view scheme_name(UrlScheme s);  // "rtsp", "rtspt", ...

// Resolves a control attribute from the SDP (RFC 2326 C.1.1) against a base URL (Content-Base, then
// Content-Location, then the request URL — the caller picks which):
//   "*"                       -> the base itself
//   absolute "rtsp://..."     -> as is
//   "track1" / "stream=0"     -> base with a '/' separator added when base does not end in '/'
//                                (what live555, gst-rtsp-server and FFmpeg expect)
//   "/abs/path"               -> base's scheme://authority + that path
// Query strings of the base are kept intact ("rtsp://h/s?x=1" + "track1" -> "rtsp://h/s/track1?x=1" is NOT
// done: the control is appended after the whole base text, as servers generate it: "rtsp://h/s?x=1/track1").
// Returns the resolved URL text; nullopt when base is not a valid URL or the control is unusable.
// The base text is used as given (credentials included), so pass the credential-free form.
std::optional<std::string> resolve_control(std::string_view base, std::string_view control);

// Percent-decoding (for userinfo); *ok is set false on a bad escape.
std::string percent_decode(std::string_view s, bool* ok = nullptr);
std::string percent_encode_userinfo(std::string_view s);

}  // namespace rtsp2::core
