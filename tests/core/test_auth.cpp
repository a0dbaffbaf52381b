#include "auth.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../common/check.hpp"

using namespace rtsp2::core;

namespace {

// Splits an Authorization value "Scheme k=v, k="v"" into its parameters (values unquoted and unescaped).
std::map<std::string, std::string> auth_params(std::string_view value, std::string* scheme) {
  std::map<std::string, std::string> out;
  std::size_t sp = value.find(' ');
  *scheme = std::string(value.substr(0, sp));
  std::size_t i = sp == std::string_view::npos ? value.size() : sp + 1;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == ',')) ++i;
    std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) break;
    std::string name(value.substr(i, eq - i));
    i = eq + 1;
    std::string v;
    if (i < value.size() && value[i] == '"') {
      ++i;
      while (i < value.size() && value[i] != '"') {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        v.push_back(value[i++]);
      }
      ++i;
    } else {
      while (i < value.size() && value[i] != ',') v.push_back(value[i++]);
    }
    fail_unless(out.count(name) == 0, "parameter %s twice in %s", name.c_str(), std::string(value).c_str());
    out[name] = v;
  }
  return out;
}

std::string qop_list(const Challenge& c) {
  std::string s;
  for (const auto& q : c.qop) s += (s.empty() ? "" : ",") + q;
  return s;
}

const char* scheme_str(AuthScheme s) {
  switch (s) {
    case AuthScheme::Basic:
      return "Basic";
    case AuthScheme::Digest:
      return "Digest";
    case AuthScheme::Unknown:
      return "Unknown";
  }
  return "?";
}

// ck_assert_str_eq keeps a pointer past the full expression, so a temporary std::string would dangle.
void expect_str(const std::string& got, const std::string& expected, int line, const char* context = "") {
  fail_unless(got == expected, "line %d %s: got \"%s\", expected \"%s\"", line, context, got.c_str(),
              expected.c_str());
}
#define EXPECT_STR(got, expected) expect_str((got), (expected), __LINE__)
#define EXPECT_STR_IN(got, expected, context) expect_str((got), (expected), __LINE__, (context))

}  // namespace

GST_START_TEST(test_hash_vectors) {
  // RFC 1321 appendix A.5, FIPS 180-2 appendix B.1, RFC 4648 §10.
  struct {
    const char* in;
    const char* md5;
  } md5_cases[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
  };
  for (const auto& c : md5_cases) EXPECT_STR(md5_hex(c.in), c.md5);
  EXPECT_STR(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_STR(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  struct {
    const char* in;
    const char* b64;
  } b64_cases[] = {{"", ""},
                   {"f", "Zg=="},
                   {"fo", "Zm8="},
                   {"foo", "Zm9v"},
                   {"foob", "Zm9vYg=="},
                   {"fooba", "Zm9vYmE="},
                   {"foobar", "Zm9vYmFy"}};
  for (const auto& c : b64_cases) EXPECT_STR(base64_encode(c.in), c.b64);
}
GST_END_TEST;

GST_START_TEST(test_parse_challenges) {
  struct Expected {
    AuthScheme scheme;
    const char* scheme_name;
    const char* realm;
    const char* nonce;
    const char* opaque;  // nullptr: absent
    DigestAlgorithm algorithm;
    bool has_algorithm;
    const char* qop;  // comma-joined, lower case
    bool stale;
  };
  struct Case {
    const char* value;
    std::vector<Expected> expected;
  };
  const auto md5 = DigestAlgorithm::Md5;
  const Case cases[] = {
      // live555
      {R"(Digest realm="LIVE555 Streaming Media", nonce="a3c1e6b5c8b0f3b1e8a58c8a3d0b2e4f")",
       {{AuthScheme::Digest, "Digest", "LIVE555 Streaming Media", "a3c1e6b5c8b0f3b1e8a58c8a3d0b2e4f", nullptr,
         md5, false, "", false}}},
      // gst-rtsp-server
      {R"(Basic realm="GStreamer RTSP Server")",
       {{AuthScheme::Basic, "Basic", "GStreamer RTSP Server", "", nullptr, md5, false, "", false}}},
      // RFC 7616 §3.9.1 (one header each)
      {R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")",
       {{AuthScheme::Digest, "Digest", "http-auth@example.org",
         "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
         DigestAlgorithm::Sha256, true, "auth,auth-int", false}}},
      // RFC 7235 §4.1: two challenges in one header, a quoted-pair in a value
      {R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")",
       {{AuthScheme::Unknown, "Newauth", "apps", "", nullptr, md5, false, "", false},
        {AuthScheme::Basic, "Basic", "simple", "", nullptr, md5, false, "", false}}},
      // token68 then another challenge
      {R"(Basic YWxhZGRpbjpvcGVuc2VzYW1l, Digest realm="r", nonce="n")",
       {{AuthScheme::Basic, "Basic", "", "", nullptr, md5, false, "", false},
        {AuthScheme::Digest, "Digest", "r", "n", nullptr, md5, false, "", false}}},
      {R"(Negotiate abc==, Basic realm=x)",
       {{AuthScheme::Unknown, "Negotiate", "", "", nullptr, md5, false, "", false},
        {AuthScheme::Basic, "Basic", "x", "", nullptr, md5, false, "", false}}},
      // escapes, case-insensitive names and values, tokens as values, BWS around '='
      {R"(DIGEST REALM="a\"b\\c", NONCE = "n1", ALGORITHM=sha-256-SESS, QOP="Auth", STALE=TRUE, OPAQUE="")",
       {{AuthScheme::Digest, "DIGEST", "a\"b\\c", "n1", "", DigestAlgorithm::Sha256Sess, true, "auth",
         true}}},
      {R"(digest realm=r, nonce=n, algorithm=MD5-sess, qop=auth, stale=false)",
       {{AuthScheme::Digest, "digest", "r", "n", nullptr, DigestAlgorithm::Md5Sess, true, "auth", false}}},
      // empty list elements and surrounding whitespace
      {" , ,Basic realm=\"x\" ,, \t",
       {{AuthScheme::Basic, "Basic", "x", "", nullptr, md5, false, "", false}}},
      {"Basic", {{AuthScheme::Basic, "Basic", "", "", nullptr, md5, false, "", false}}},
      {"Basic, Digest",
       {{AuthScheme::Basic, "Basic", "", "", nullptr, md5, false, "", false},
        {AuthScheme::Digest, "Digest", "", "", nullptr, md5, false, "", false}}},
      // unknown algorithm is kept as Unknown
      {R"(Digest realm="r", nonce="n", algorithm=SHA-512-256)",
       {{AuthScheme::Digest, "Digest", "r", "n", nullptr, DigestAlgorithm::Unknown, true, "", false}}},
      // a repeated parameter does not override the first
      {R"(Digest realm="first", realm="second", nonce="n")",
       {{AuthScheme::Digest, "Digest", "first", "n", nullptr, md5, false, "", false}}},
      // malformed parameters are skipped, the rest is kept
      {R"(Digest nonce="n", =x, @@, qop="auth")",
       {{AuthScheme::Digest, "Digest", "", "n", nullptr, md5, false, "auth", false}}},
      // "realm" alone is a token68; the parameter after it belongs to no challenge
      {R"(Digest realm, nonce="n")",
       {{AuthScheme::Digest, "Digest", "", "", nullptr, md5, false, "", false}}},
      {R"(Digest realm="r" junk, nonce="n")",
       {{AuthScheme::Digest, "Digest", "", "n", nullptr, md5, false, "", false}}},
      {R"(Digest realm="unterminated, nonce="n")",
       {{AuthScheme::Digest, "Digest", "", "", nullptr, md5, false, "", false}}},
      {R"(Digest realm="r", "junk", @, nonce="n", Basic realm="b")",
       {{AuthScheme::Digest, "Digest", "r", "n", nullptr, md5, false, "", false},
        {AuthScheme::Basic, "Basic", "b", "", nullptr, md5, false, "", false}}},
      {R"(Digest realm="never closed)",
       {{AuthScheme::Digest, "Digest", "", "", nullptr, md5, false, "", false}}},
      // not challenges at all
      {"", {}},
      {" , , ", {}},
      {R"("quoted", =, @@@)", {}},
      {R"(Basic="x", Digest"y")", {}},
  };
  for (const auto& c : cases) {
    auto got = parse_challenges(c.value);
    fail_unless(got.size() == c.expected.size(), "%s: %zu challenges, expected %zu", c.value, got.size(),
                c.expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto& g = got[i];
      const auto& e = c.expected[i];
      fail_unless(g.scheme == e.scheme, "%s [%zu]: scheme %s", c.value, i, scheme_str(g.scheme));
      EXPECT_STR_IN(g.scheme_name, e.scheme_name, c.value);
      EXPECT_STR_IN(g.realm, e.realm, c.value);
      EXPECT_STR_IN(g.nonce, e.nonce, c.value);
      fail_unless(g.has_opaque == (e.opaque != nullptr), "%s [%zu]: has_opaque", c.value, i);
      if (e.opaque) EXPECT_STR_IN(g.opaque, e.opaque, c.value);
      fail_unless(g.algorithm == e.algorithm, "%s [%zu]: algorithm", c.value, i);
      fail_unless(g.has_algorithm == e.has_algorithm, "%s [%zu]: has_algorithm", c.value, i);
      EXPECT_STR_IN(qop_list(g), e.qop, c.value);
      fail_unless(g.stale == e.stale, "%s [%zu]: stale", c.value, i);
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_choose_challenge) {
  struct Case {
    std::vector<std::string_view> headers;
    bool found;
    AuthScheme scheme;
    DigestAlgorithm algorithm;
    const char* realm;
  };
  const auto md5 = DigestAlgorithm::Md5;
  const Case cases[] = {
      {{R"(Basic realm="b")", R"(Digest realm="d", nonce="n")"}, true, AuthScheme::Digest, md5, "d"},
      {{R"(Digest realm="d", nonce="n")", R"(Basic realm="b")"}, true, AuthScheme::Digest, md5, "d"},
      // RFC 7616 §3.9.1: the server offers SHA-256 and MD5 in two headers
      {{R"(Digest realm="md5", qop="auth", algorithm=MD5, nonce="n")",
        R"(Digest realm="sha", qop="auth", algorithm=SHA-256, nonce="n")"},
       true,
       AuthScheme::Digest,
       DigestAlgorithm::Sha256,
       "sha"},
      // several challenges in one header
      {{R"(Basic realm="b", Digest realm="d", nonce="n", algorithm=SHA-256-sess, qop="auth")"},
       true,
       AuthScheme::Digest,
       DigestAlgorithm::Sha256Sess,
       "d"},
      {{R"(Basic realm="b", Digest realm="d", nonce="n", algorithm=MD5-sess, qop="auth")"},
       true,
       AuthScheme::Digest,
       DigestAlgorithm::Md5Sess,
       "d"},
      // auth-int only cannot be answered; the next best is taken
      {{R"(Digest realm="int", nonce="n", algorithm=SHA-256, qop="auth-int")",
        R"(Digest realm="d", nonce="n", qop="auth")"},
       true,
       AuthScheme::Digest,
       md5,
       "d"},
      {{R"(Digest realm="int", nonce="n", qop="auth-int")"}, false, AuthScheme::Unknown, md5, ""},
      {{R"(Digest realm="int", nonce="n", qop="auth-int", Basic realm="b")"},
       true,
       AuthScheme::Basic,
       md5,
       "b"},
      // RFC 2069 form (no qop) is answerable
      {{R"(Digest realm="2069", nonce="n")"}, true, AuthScheme::Digest, md5, "2069"},
      // -sess without qop has no cnonce to hash: not answerable
      {{R"(Digest realm="s", nonce="n", algorithm=MD5-sess)"}, false, AuthScheme::Unknown, md5, ""},
      // unknown algorithm, no nonce, unknown scheme
      {{R"(Digest realm="x", nonce="n", algorithm=SHA-512-256)", R"(Basic realm="b")"},
       true,
       AuthScheme::Basic,
       md5,
       "b"},
      {{R"(Digest realm="x")"}, false, AuthScheme::Unknown, md5, ""},
      {{R"(Newauth realm="apps")", R"(Bearer realm="x")"}, false, AuthScheme::Unknown, md5, ""},
      {{}, false, AuthScheme::Unknown, md5, ""},
      // equal strength: the first offered wins
      {{R"(Digest realm="one", nonce="n", qop="auth")",
        R"(Digest realm="two", nonce="n", algorithm=MD5-sess, qop="auth")"},
       true,
       AuthScheme::Digest,
       md5,
       "one"},
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const auto& c = cases[i];
    auto got = choose_challenge(c.headers);
    fail_unless(got.has_value() == c.found, "case %zu: found %d", i, got.has_value());
    if (!got) continue;
    fail_unless(got->scheme == c.scheme, "case %zu: scheme %s", i, scheme_str(got->scheme));
    fail_unless(got->algorithm == c.algorithm, "case %zu: algorithm", i);
    EXPECT_STR(got->realm, c.realm);
  }
}
GST_END_TEST;

GST_START_TEST(test_basic) {
  // RFC 7617 §2 and a password with a colon (only the first colon separates the user).
  struct {
    const char* user;
    const char* password;
    const char* expected;
  } cases[] = {
      {"Aladdin", "open sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
      {"user", "pa:ss", "Basic dXNlcjpwYTpzcw=="},
      {"", "", "Basic Og=="},
  };
  for (const auto& c : cases) {
    auto ch = parse_challenges(R"(Basic realm="WallyWorld")");
    ck_assert_uint_eq(ch.size(), 1);
    Authenticator a(ch[0], Credentials{c.user, c.password});
    EXPECT_STR(a.authorization("DESCRIBE", "rtsp://h/s"), c.expected);
  }
}
GST_END_TEST;

// Published Digest answers. Each row gives the challenge, the request, a fixed cnonce and the exact response
// the reference computes; every other parameter of the Authorization value is checked too.
GST_START_TEST(test_digest_vectors) {
  struct Case {
    const char* name;
    const char* challenge;
    const char* user;
    const char* password;
    const char* method;
    const char* uri;
    const char* cnonce;
    const char* response;
    const char* algorithm;  // nullptr: the parameter must be absent
    bool qop;               // qop=auth, nc and cnonce present
  };
  const Case cases[] = {
      {"RFC 7616 3.9.1 MD5",
       R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")",
       "Mufasa", "Circle of Life", "GET", "/dir/index.html", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
       "8ca523f5e9506fed4657c9700eebdbec", "MD5", true},
      {"RFC 7616 3.9.1 SHA-256",
       R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")",
       "Mufasa", "Circle of Life", "GET", "/dir/index.html", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
       "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", "SHA-256", true},
      {"RFC 2617 3.5",
       R"(Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41")",
       "Mufasa", "Circle Of Life", "GET", "/dir/index.html", "0a4f113b", "6629fae49393a05397450978507c4ef1",
       nullptr, true},
      // RFC 2069 form, answers from GStreamer 1.22 libgstrtsp gst_rtsp_generate_digest_auth_response()
      // (what upstream rtspsrc sends to gst-rtsp-server and live555).
      {"libgstrtsp, RFC 2069 form",
       R"(Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093")", "Mufasa",
       "Circle Of Life", "GET", "/dir/index.html", "unused", "670fd8c2df070c60b045671b8b24ff02", nullptr,
       false},
      {"libgstrtsp, live555 realm",
       R"(Digest realm="LIVE555 Streaming Media", nonce="0123456789abcdef0123456789abcdef")", "admin",
       "secret", "DESCRIBE", "rtsp://127.0.0.1:8554/cam", "unused", "04a9af1343dcebac54c893963a23fb08",
       nullptr, false},
  };
  for (const auto& c : cases) {
    auto chosen = choose_challenge({c.challenge});
    fail_unless(chosen.has_value(), "%s: no challenge", c.name);
    Authenticator a(*chosen, Credentials{c.user, c.password});
    std::string value = a.authorization(c.method, c.uri, std::string_view(c.cnonce));
    std::string scheme;
    auto p = auth_params(value, &scheme);
    EXPECT_STR(scheme, "Digest");
    fail_unless(p["response"] == c.response, "%s: response %s in %s", c.name, p["response"].c_str(),
                value.c_str());
    EXPECT_STR(p["username"], c.user);
    EXPECT_STR(p["realm"], chosen->realm);
    EXPECT_STR(p["nonce"], chosen->nonce);
    EXPECT_STR(p["uri"], c.uri);
    fail_unless(p.count("algorithm") == (c.algorithm ? 1u : 0u), "%s: algorithm presence", c.name);
    if (c.algorithm) EXPECT_STR(p["algorithm"], c.algorithm);
    fail_unless(p.count("opaque") == (chosen->has_opaque ? 1u : 0u), "%s: opaque presence", c.name);
    if (chosen->has_opaque) EXPECT_STR(p["opaque"], chosen->opaque);
    if (c.qop) {
      EXPECT_STR(p["qop"], "auth");
      EXPECT_STR(p["nc"], "00000001");
      EXPECT_STR(p["cnonce"], c.cnonce);
      // Tokens, not quoted strings (RFC 7616 §3.4).
      fail_unless(value.find(", qop=auth, nc=00000001") != std::string::npos, "%s: %s", c.name,
                  value.c_str());
    } else {
      fail_unless(p.count("qop") == 0 && p.count("nc") == 0 && p.count("cnonce") == 0, "%s: %s", c.name,
                  value.c_str());
    }
  }
}
GST_END_TEST;

// -sess variants: HA1 = H(H(user:realm:pass):nonce:cnonce) (RFC 7616 §3.4.2), checked with the hash functions
// verified above.
GST_START_TEST(test_digest_sess) {
  struct Case {
    const char* algorithm;
    bool sha;
  } cases[] = {{"MD5-sess", false}, {"SHA-256-sess", true}};
  for (const auto& c : cases) {
    std::string header =
        std::string(R"(Digest realm="r", nonce="abc", qop="auth", algorithm=)") + c.algorithm;
    auto chosen = choose_challenge({header});
    fail_unless(chosen.has_value());
    Authenticator a(*chosen, Credentials{"u", "p"});
    std::string scheme;
    auto p = auth_params(a.authorization("PLAY", "rtsp://h/s/", std::string_view("cn")), &scheme);
    auto h = [&](const std::string& s) { return c.sha ? sha256_hex(s) : md5_hex(s); };
    std::string ha1 = h(h("u:r:p") + ":abc:cn");
    std::string expected = h(ha1 + ":abc:00000001:cn:auth:" + h("PLAY:rtsp://h/s/"));
    EXPECT_STR(p["response"], expected);
    EXPECT_STR(p["algorithm"], c.algorithm);
  }
}
GST_END_TEST;

GST_START_TEST(test_digest_nonce_count_and_cnonce) {
  auto chosen = choose_challenge({R"(Digest realm="r", nonce="n", qop="auth")"});
  fail_unless(chosen.has_value());
  Authenticator a(*chosen, Credentials{"u", "p"});
  std::vector<std::map<std::string, std::string>> answers;
  for (int i = 0; i < 3; ++i) {
    std::string scheme;
    answers.push_back(auth_params(a.authorization("OPTIONS", "rtsp://h/s"), &scheme));
  }
  const char* expected_nc[] = {"00000001", "00000002", "00000003"};
  for (std::size_t i = 0; i < answers.size(); ++i) {
    auto& p = answers[i];
    EXPECT_STR(p["nc"], expected_nc[i]);
    // A fresh random cnonce of 32 hex digits, and a response that matches it.
    ck_assert_uint_eq(p["cnonce"].size(), 32);
    fail_unless(p["cnonce"].find_first_not_of("0123456789abcdef") == std::string::npos);
    std::string expected = md5_hex(md5_hex("u:r:p") + ":n:" + p["nc"] + ":" + p["cnonce"] +
                                   ":auth:" + md5_hex("OPTIONS:rtsp://h/s"));
    EXPECT_STR(p["response"], expected);
  }
  fail_unless(answers[0]["cnonce"] != answers[1]["cnonce"]);
  fail_unless(answers[1]["cnonce"] != answers[2]["cnonce"]);
}
GST_END_TEST;

GST_START_TEST(test_digest_quoting_and_injection) {
  // Quotes and backslashes are escaped; control characters never reach the header.
  auto chosen = choose_challenge({R"(Digest realm="re\"alm", nonce="n", opaque="o\\p")"});
  fail_unless(chosen.has_value());
  EXPECT_STR(chosen->realm, "re\"alm");
  Authenticator a(*chosen, Credentials{"us\"er\r\nX-Injected: 1", "p"});
  std::string value = a.authorization("DESCRIBE", "rtsp://h/s\r\n");
  fail_unless(value.find_first_of("\r\n") == std::string::npos, "%s", value.c_str());
  std::string scheme;
  auto p = auth_params(value, &scheme);
  EXPECT_STR(p["username"], "us\"erX-Injected: 1");
  EXPECT_STR(p["realm"], "re\"alm");
  EXPECT_STR(p["opaque"], "o\\p");
  EXPECT_STR(p["uri"], "rtsp://h/s");
  // The hash covers the values as sent.
  std::string expected =
      md5_hex(md5_hex("us\"erX-Injected: 1:re\"alm:p") + ":n:" + md5_hex("DESCRIBE:rtsp://h/s"));
  EXPECT_STR(p["response"], expected);

  // Unknown schemes give no answer.
  Challenge unknown;
  unknown.scheme = AuthScheme::Unknown;
  Authenticator u(unknown, Credentials{"u", "p"});
  EXPECT_STR(u.authorization("DESCRIBE", "rtsp://h/s"), "");
}
GST_END_TEST;

static Suite* auth_suite() {
  Suite* s = suite_create("auth");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_hash_vectors);
  tcase_add_test(tc, test_parse_challenges);
  tcase_add_test(tc, test_choose_challenge);
  tcase_add_test(tc, test_basic);
  tcase_add_test(tc, test_digest_vectors);
  tcase_add_test(tc, test_digest_sess);
  tcase_add_test(tc, test_digest_nonce_count_and_cnonce);
  tcase_add_test(tc, test_digest_quoting_and_injection);
  return s;
}

GST_CHECK_MAIN(auth);
