#include <optional>
#include <string>
#include <string_view>

#include "url.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;

namespace {

struct ValidCase {
  std::string_view input;
  UrlScheme scheme;
  std::string_view user;
  std::string_view password;
  bool has_credentials;
  std::string_view host;
  std::uint16_t port;
  bool explicit_port;
  std::string_view path;
  std::string_view query;
  bool has_query;
  std::string_view to_string;  // expected request-URI form (never credentials)
};

const ValidCase kValid[] = {
    {"rtsp://127.0.0.1:9701/av.mkv", UrlScheme::Rtsp, "", "", false, "127.0.0.1", 9701, true, "/av.mkv", "",
     false, "rtsp://127.0.0.1:9701/av.mkv"},
    {"rtsp://cam/live", UrlScheme::Rtsp, "", "", false, "cam", 554, false, "/live", "", false,
     "rtsp://cam/live"},
    {"RTSP://Cam.Example/Live", UrlScheme::Rtsp, "", "", false, "Cam.Example", 554, false, "/Live", "", false,
     "rtsp://Cam.Example/Live"},
    {"rtspu://h/p", UrlScheme::Rtspu, "", "", false, "h", 554, false, "/p", "", false, "rtspu://h/p"},
    {"rtspt://h/p", UrlScheme::Rtspt, "", "", false, "h", 554, false, "/p", "", false, "rtspt://h/p"},
    {"rtsps://h/p", UrlScheme::Rtsps, "", "", false, "h", 322, false, "/p", "", false, "rtsps://h/p"},
    {"RtspSU://h/p", UrlScheme::Rtspsu, "", "", false, "h", 322, false, "/p", "", false, "rtspsu://h/p"},
    {"rtspst://h:8322/p", UrlScheme::Rtspst, "", "", false, "h", 8322, true, "/p", "", false,
     "rtspst://h:8322/p"},
    // Explicit default port is still written back: the user asked for it.
    {"rtsp://h:554/p", UrlScheme::Rtsp, "", "", false, "h", 554, true, "/p", "", false, "rtsp://h:554/p"},
    {"rtsp://h:00554/p", UrlScheme::Rtsp, "", "", false, "h", 554, true, "/p", "", false, "rtsp://h:554/p"},
    {"rtsp://h:65535", UrlScheme::Rtsp, "", "", false, "h", 65535, true, "", "", false, "rtsp://h:65535"},
    // RFC 3986: an empty port means the default.
    {"rtsp://h:/p", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/p", "", false, "rtsp://h/p"},
    {"rtsp://h", UrlScheme::Rtsp, "", "", false, "h", 554, false, "", "", false, "rtsp://h"},
    {"rtsp://h/", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/", "", false, "rtsp://h/"},
    // Credentials.
    {"rtsp://user:pass@cam:8554/live/cam1?token=x", UrlScheme::Rtsp, "user", "pass", true, "cam", 8554, true,
     "/live/cam1", "token=x", true, "rtsp://cam:8554/live/cam1?token=x"},
    {"rtsp://user:pa%40ss@[::1]:8554/live/cam1?token=x", UrlScheme::Rtsp, "user", "pa@ss", true, "::1", 8554,
     true, "/live/cam1", "token=x", true, "rtsp://[::1]:8554/live/cam1?token=x"},
    {"rtsp://us%3Aer:p%3a%25x@h/", UrlScheme::Rtsp, "us:er", "p:%x", true, "h", 554, false, "/", "", false,
     "rtsp://h/"},
    // Raw '@' and ':' in a password: the last '@' ends the userinfo, the first ':' starts the password.
    {"rtsp://admin:p@ss@cam/x", UrlScheme::Rtsp, "admin", "p@ss", true, "cam", 554, false, "/x", "", false,
     "rtsp://cam/x"},
    {"rtsp://admin:a:b@@cam/x", UrlScheme::Rtsp, "admin", "a:b@", true, "cam", 554, false, "/x", "", false,
     "rtsp://cam/x"},
    {"rtsp://admin@cam/x", UrlScheme::Rtsp, "admin", "", true, "cam", 554, false, "/x", "", false,
     "rtsp://cam/x"},
    {"rtsp://admin:@cam/x", UrlScheme::Rtsp, "admin", "", true, "cam", 554, false, "/x", "", false,
     "rtsp://cam/x"},
    {"rtsp://@cam/x", UrlScheme::Rtsp, "", "", true, "cam", 554, false, "/x", "", false, "rtsp://cam/x"},
    // Raw UTF-8 in a password (well-formed) is accepted as typed.
    {"rtsp://u:p\xc3\xa4ss@cam/", UrlScheme::Rtsp, "u", "p\xc3\xa4ss", true, "cam", 554, false, "/", "",
     false, "rtsp://cam/"},
    // IPv6.
    {"rtsp://[::1]/x", UrlScheme::Rtsp, "", "", false, "::1", 554, false, "/x", "", false, "rtsp://[::1]/x"},
    {"rtsp://[2001:db8::10]:8554", UrlScheme::Rtsp, "", "", false, "2001:db8::10", 8554, true, "", "", false,
     "rtsp://[2001:db8::10]:8554"},
    {"rtsp://[::ffff:192.0.2.1]/x", UrlScheme::Rtsp, "", "", false, "::ffff:192.0.2.1", 554, false, "/x", "",
     false, "rtsp://[::ffff:192.0.2.1]/x"},
    {"rtsp://[fe80::1%25eth0]:554/x", UrlScheme::Rtsp, "", "", false, "fe80::1%25eth0", 554, true, "/x", "",
     false, "rtsp://[fe80::1%25eth0]:554/x"},
    // Path and query are kept exactly, escapes included; the fragment is dropped.
    {"rtsp://h/a%20b/c%2Fd?x=%41&y", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/a%20b/c%2Fd",
     "x=%41&y", true, "rtsp://h/a%20b/c%2Fd?x=%41&y"},
    {"rtsp://h/p?", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/p", "", true, "rtsp://h/p?"},
    {"rtsp://h?x=1", UrlScheme::Rtsp, "", "", false, "h", 554, false, "", "x=1", true, "rtsp://h?x=1"},
    {"rtsp://h/p#frag", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/p", "", false, "rtsp://h/p"},
    {"rtsp://h/p?q=1#frag?x", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/p", "q=1", true,
     "rtsp://h/p?q=1"},
    {"rtsp://h/p%zz", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/p%zz", "", false, "rtsp://h/p%zz"},
    {"rtsp://h/a@b", UrlScheme::Rtsp, "", "", false, "h", 554, false, "/a@b", "", false, "rtsp://h/a@b"},
};

const std::string_view kInvalid[] = {
    "",
    "rtsp",
    "rtsp:",
    "rtsp:/",
    "rtsp://",
    "rtsp:h/p",
    "rtsp:/h/p",
    "http://h/p",
    "rtspx://h/p",
    "://h/p",
    "1rtsp://h/p",
    // empty host
    "rtsp:///p",
    "rtsp://:554/p",
    "rtsp://user@/p",
    "rtsp://user@:554/p",
    "rtsp://[]/p",
    // ports
    "rtsp://h:0/p",
    "rtsp://h:65536/p",
    "rtsp://h:99999999999999999999/p",
    "rtsp://h:-1/p",
    "rtsp://h:+554/p",
    "rtsp://h:55a/p",
    "rtsp://h:0x22/p",
    "rtsp://h:554:1/p",
    "rtsp://[::1]:0/p",
    "rtsp://[::1]:70000",
    // brackets
    "rtsp://[::1/p",
    "rtsp://[::1",
    "rtsp://::1]/p",
    "rtsp://h]/p",
    "rtsp://h[/p",
    "rtsp://[::1]x/p",
    "rtsp://[::1]]/p",
    "rtsp://[127.0.0.1]/p",
    "rtsp://[g::1]/p",
    "rtsp://[fe80::1%]/p",
    "rtsp://::1/p",
    // control characters, spaces, DEL
    "rtsp://h/p q",
    " rtsp://h/p",
    "rtsp://h/p\r\nX: y",
    "rtsp://h/p\t",
    "rtsp://h/p\x7f",
    std::string_view("rtsp://h/p\0x", 12),
    "rtsp://us er:pw@h/p",
    "rtsp://h/p#a b",
    // bad escapes in userinfo
    "rtsp://u:p%@h/p",
    "rtsp://u:p%4@h/p",
    "rtsp://u:p%4g@h/p",
    "rtsp://u%zz:p@h/p",
    // non-ASCII outside the userinfo, and malformed UTF-8 inside it
    "rtsp://h\xc3\xa4/p",
    "rtsp://h/\xc3\xa4",
    "rtsp://h/p?\xff",
    "rtsp://u:\xff@h/p",
    "rtsp://u:\xc3@h/p",
    "rtsp://u:\xc0\xaf@h/p",
    "rtsp://u:\xed\xa0\x80@h/p",
    "rtsp://u:\xf4\x90\x80\x80@h/p",
    // host characters
    "rtsp://h%41/p",
    "rtsp://h_!/p",
};

void check_fields(const Url& u, const ValidCase& c) {
  fail_unless(u.scheme == c.scheme, "%s: scheme", c.input.data());
  fail_unless(u.user == c.user, "%s: user", c.input.data());
  fail_unless(u.password == c.password, "%s: password", c.input.data());
  fail_unless(u.has_credentials == c.has_credentials, "%s: has_credentials", c.input.data());
  fail_unless(u.host == c.host, "%s: host '%s'", c.input.data(), u.host.c_str());
  fail_unless(u.port == c.port, "%s: port %u", c.input.data(), u.port);
  fail_unless(u.explicit_port == c.explicit_port, "%s: explicit_port", c.input.data());
  fail_unless(u.path == c.path, "%s: path '%s'", c.input.data(), u.path.c_str());
  fail_unless(u.query == c.query, "%s: query '%s'", c.input.data(), u.query.c_str());
  fail_unless(u.has_query == c.has_query, "%s: has_query", c.input.data());
}

}  // namespace

GST_START_TEST(test_parse_valid) {
  for (const auto& c : kValid) {
    const auto u = parse_url(c.input);
    fail_unless(u.has_value(), "rejected valid URL %s", c.input.data());
    check_fields(*u, c);
    fail_unless(u->to_string() == c.to_string, "%s: to_string gave %s", c.input.data(),
                u->to_string().c_str());
  }
}
GST_END_TEST;

GST_START_TEST(test_parse_invalid) {
  for (std::string_view in : kInvalid) {
    fail_if(parse_url(in).has_value(), "accepted invalid URL '%s'", std::string(in).c_str());
  }
}
GST_END_TEST;

GST_START_TEST(test_truncations_never_crash) {
  // Every prefix of every valid URL either parses into something that round-trips or is rejected.
  for (const auto& c : kValid) {
    for (std::size_t n = 0; n <= c.input.size(); ++n) {
      const auto u = parse_url(c.input.substr(0, n));
      if (u) {
        const auto again = parse_url(u->to_string_with_credentials());
        fail_unless(again.has_value() && *again == *u, "prefix %zu of %s", n, c.input.data());
      }
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_round_trip) {
  for (const auto& c : kValid) {
    const auto u = parse_url(c.input);
    fail_unless(u.has_value());
    const auto with = parse_url(u->to_string_with_credentials());
    fail_unless(with.has_value() && *with == *u, "%s: credentials form %s", c.input.data(),
                u->to_string_with_credentials().c_str());
    auto without = *u;
    without.user.clear();
    without.password.clear();
    without.has_credentials = false;
    const auto plain = parse_url(u->to_string());
    fail_unless(plain.has_value() && *plain == without, "%s: plain form", c.input.data());
  }
}
GST_END_TEST;

GST_START_TEST(test_credentials_text) {
  struct Case {
    std::string_view input, with_credentials;
  };
  const Case cases[] = {
      {"rtsp://user:pass@h/p", "rtsp://user:pass@h/p"},
      {"rtsp://user:pa%40ss@[::1]:8554/p", "rtsp://user:pa%40ss@[::1]:8554/p"},
      {"rtsp://admin:p@ss@cam/x", "rtsp://admin:p%40ss@cam/x"},
      {"rtsp://admin:a:b/c@cam/x", ""},  // '/' ends the authority: "b" is no host:port
      {"rtsp://a%3ab:c%3Ad@h", "rtsp://a%3Ab:c%3Ad@h"},
      {"rtsp://admin:@cam/x", "rtsp://admin@cam/x"},
      {"rtsp://@cam/x", "rtsp://@cam/x"},
      {"rtsp://u:p\xc3\xa4ss@cam/", "rtsp://u:p%C3%A4ss@cam/"},
      {"rtsp://u:a%20b%25c!$&'()*+,;=-._~@cam/", "rtsp://u:a%20b%25c!$&'()*+,;=-._~@cam/"},
      {"rtsp://cam/x", "rtsp://cam/x"},
  };
  for (const auto& c : cases) {
    const auto u = parse_url(c.input);
    if (c.with_credentials.empty()) {
      fail_if(u.has_value(), "%s accepted", c.input.data());
      continue;
    }
    fail_unless(u.has_value(), "%s rejected", c.input.data());
    fail_unless(u->to_string_with_credentials() == c.with_credentials, "%s gave %s", c.input.data(),
                u->to_string_with_credentials().c_str());
    fail_if(u->to_string().find('@') != std::string::npos && u->path.find('@') == std::string::npos,
            "%s: to_string leaks credentials", c.input.data());
  }
}
GST_END_TEST;

// What messages show: no user and password, and no values of password-like parameters in the path or query
// (cameras that take credentials there), while everything else stays as written.
GST_START_TEST(test_display_string) {
  struct Case {
    std::string_view input, shown;
  };
  const Case cases[] = {
      {"rtsp://u:p@cam/live?channel=1&password=s3cret", "rtsp://cam/live?channel=1&password=***"},
      {"rtsp://cam:554/user=admin&password=xyz&channel=1&stream=0.sdp",
       "rtsp://cam:554/user=admin&password=***&channel=1&stream=0.sdp"},
      {"rtsp://cam/a?PWD=1;Token=abc;tokenized=keep", "rtsp://cam/a?PWD=***;Token=***;tokenized=keep"},
      {"rtsp://cam/a?password=&x=passwd", "rtsp://cam/a?password=&x=passwd"},
      {"rtsp://[::1]:8554/key=k1/path", "rtsp://[::1]:8554/key=***/path"},
      {"rtsp://cam", "rtsp://cam"},
      {"rtsp://cam/plain/path", "rtsp://cam/plain/path"},
      // No path before the query.
      {"rtsp://cam?password=x", "rtsp://cam?password=***"},
      {"rtsp://cam:554?token=abc", "rtsp://cam:554?token=***"},
      // In the query, '/' and '_' belong to the value or name.
      {"rtsp://cam/a?token=ab/cd+ef&x=1", "rtsp://cam/a?token=***&x=1"},
      {"rtsp://cam/a?api_key=k&auth_token=t&access-token=u",
       "rtsp://cam/a?api_key=***&auth_token=***&access-token=***"},
      // XMEye-style paths join the fields with '_'; names may be percent-encoded.
      {"rtsp://cam:554/user=admin_password=xyz_channel=1_stream=0.sdp",
       "rtsp://cam:554/user=admin_password=***_channel=1_stream=0.sdp"},
      {"rtsp://cam/a?pass%77ord=x", "rtsp://cam/a?pass%77ord=***"},
  };
  for (const auto& c : cases) {
    const auto u = parse_url(c.input);
    fail_unless(u.has_value(), "%s rejected", c.input.data());
    fail_unless(u->to_display_string() == c.shown, "%s shown as %s", c.input.data(),
                u->to_display_string().c_str());
  }
}
GST_END_TEST;

GST_START_TEST(test_built_url) {
  Url u;
  u.scheme = UrlScheme::Rtsps;
  u.host = "2001:db8::1";
  u.port = 322;
  u.path = "/s";
  u.user = "me@x";
  u.password = "p:w";
  u.has_credentials = true;
  fail_unless(u.tls());
  fail_unless(u.ipv6_literal());
  fail_unless(u.default_port() == 322);
  fail_unless(u.to_string() == "rtsps://[2001:db8::1]/s");
  fail_unless(u.to_string_with_credentials() == "rtsps://me%40x:p%3Aw@[2001:db8::1]/s");
  u.explicit_port = true;
  u.port = 8322;
  fail_unless(u.to_string() == "rtsps://[2001:db8::1]:8322/s");
  u.scheme = UrlScheme::Rtspt;
  fail_if(u.tls());
  fail_unless(u.default_port() == 554);
}
GST_END_TEST;

GST_START_TEST(test_scheme_names) {
  const std::pair<UrlScheme, std::string_view> cases[] = {
      {UrlScheme::Rtsp, "rtsp"},   {UrlScheme::Rtspu, "rtspu"},   {UrlScheme::Rtspt, "rtspt"},
      {UrlScheme::Rtsps, "rtsps"}, {UrlScheme::Rtspsu, "rtspsu"}, {UrlScheme::Rtspst, "rtspst"},
  };
  for (const auto& [s, name] : cases) {
    fail_unless(scheme_name(s) == name);
    const auto u = parse_url(std::string(name) + "://h");
    fail_unless(u.has_value() && u->scheme == s);
  }
}
GST_END_TEST;

GST_START_TEST(test_percent_coding) {
  struct Case {
    std::string_view in;
    std::string_view decoded;
    bool ok;
  };
  const Case cases[] = {
      {"", "", true},
      {"abc", "abc", true},
      {"%41%62", "Ab", true},
      {"%3a%3A", "::", true},
      {"%00", std::string_view("\0", 1), true},
      {"%", "%", false},
      {"%4", "%4", false},
      {"%4G", "%4G", false},
      {"a%", "a%", false},
      {"%%41", "%A", false},
      {"%ff", "\xff", true},
  };
  for (const auto& c : cases) {
    bool ok = !c.ok;
    const std::string d = percent_decode(c.in, &ok);
    fail_unless(ok == c.ok, "%s: ok", c.in.data());
    if (c.ok) fail_unless(d == c.decoded, "%s decoded wrong", c.in.data());
  }
  fail_unless(percent_encode_userinfo("a:b@c/d e%") == "a%3Ab%40c%2Fd%20e%25");
  fail_unless(percent_encode_userinfo("\xc3\xa4") == "%C3%A4");
  // decode(encode(x)) == x for every byte.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  bool ok = false;
  fail_unless(percent_decode(percent_encode_userinfo(all), &ok) == all && ok);
}
GST_END_TEST;

GST_START_TEST(test_resolve_control) {
  struct Case {
    std::string_view base, control;
    std::optional<std::string_view> expected;
  };
  const Case cases[] = {
      // live555 (captures/live555-2026.06.24_play_mkv_udp.txt): Content-Base ends in '/'.
      {"rtsp://127.0.0.1/av.mkv/", "track1", "rtsp://127.0.0.1/av.mkv/track1"},
      {"rtsp://127.0.0.1/av.mkv/", "*", "rtsp://127.0.0.1/av.mkv/"},
      // gst-rtsp-server (captures/gst-rtsp-server-1.22_play_av_tcp.txt).
      {"rtsp://127.0.0.1:9704/av/", "stream=0", "rtsp://127.0.0.1:9704/av/stream=0"},
      // Announced SDP without Content-Base: the request URL is the base (FFmpeg / rtspclientsink captures).
      {"rtsp://127.0.0.1:9706/live", "streamid=0", "rtsp://127.0.0.1:9706/live/streamid=0"},
      {"rtsp://127.0.0.1:9705/record", "stream=0", "rtsp://127.0.0.1:9705/record/stream=0"},
      // VLC (captures/vlc-3.0.24_play_mkv_udp.txt): absolute controls.
      {"rtsp://127.0.0.1:8560/av", "rtsp://127.0.0.1:8560/av/trackID=0",
       "rtsp://127.0.0.1:8560/av/trackID=0"},
      {"rtsp://127.0.0.1:8560/av", "rtsp://127.0.0.1:8560/av", "rtsp://127.0.0.1:8560/av"},
      {"rtsp://h/s", "RTSPT://other:1/x", "RTSPT://other:1/x"},
      // "*" and empty mean the aggregate URL itself.
      {"rtsp://h/s", "*", "rtsp://h/s"},
      {"rtsp://h/s", "", "rtsp://h/s"},
      {"rtsp://h/s#frag", "track1", "rtsp://h/s/track1"},
      // Query strings: the control goes after the whole base, as cameras expect.
      {"rtsp://h/s?x=1", "trackID=1", "rtsp://h/s?x=1/trackID=1"},
      {"rtsp://h/s?x=1", "*", "rtsp://h/s?x=1"},
      {"rtsp://h:8554/s?x=1", "/abs/track", "rtsp://h:8554/abs/track"},
      // Absolute path and network-path references.
      {"rtsp://user:pw@[::1]:8554/a/b/", "/c/d", "rtsp://user:pw@[::1]:8554/c/d"},
      {"rtsp://h", "/c", "rtsp://h/c"},
      {"rtsp://h", "track1", "rtsp://h/track1"},
      {"rtsps://h/s", "//other:99/x", "rtsps://other:99/x"},
      // Unusable.
      {"not a url", "track1", std::nullopt},
      {"", "track1", std::nullopt},
      {"rtsp://h/s", "http://h/x", std::nullopt},
      {"rtsp://h/s", "rtsp://h:0/x", std::nullopt},
      {"rtsp://h/s", "track 1", std::nullopt},
      {"rtsp://h/s", "track\r\n1", std::nullopt},
      {"rtsp://h/s", "tr\xc3\xa4_1", std::nullopt},
      {"rtsp://h/s", "//", std::nullopt},
  };
  for (const auto& c : cases) {
    const auto r = resolve_control(c.base, c.control);
    if (!c.expected) {
      fail_if(r.has_value(), "%s + %s accepted: %s", c.base.data(), c.control.data(), r ? r->c_str() : "");
      continue;
    }
    fail_unless(r.has_value(), "%s + %s rejected", c.base.data(), c.control.data());
    fail_unless(*r == *c.expected, "%s + %s gave %s", c.base.data(), c.control.data(), r->c_str());
  }
}
GST_END_TEST;

static Suite* url_suite() {
  Suite* s = suite_create("url");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_parse_valid);
  tcase_add_test(tc, test_parse_invalid);
  tcase_add_test(tc, test_truncations_never_crash);
  tcase_add_test(tc, test_round_trip);
  tcase_add_test(tc, test_credentials_text);
  tcase_add_test(tc, test_display_string);
  tcase_add_test(tc, test_built_url);
  tcase_add_test(tc, test_scheme_names);
  tcase_add_test(tc, test_percent_coding);
  tcase_add_test(tc, test_resolve_control);
  return s;
}

GST_CHECK_MAIN(url);
