// Message model and writer: methods, headers, reason phrases, CSeq, byte-exact serialization.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "message.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;

namespace {

struct MethodCase {
  Method method;
  std::string_view name;
};

const MethodCase kMethodCases[] = {
    {Method::Options, "OPTIONS"},
    {Method::Describe, "DESCRIBE"},
    {Method::Announce, "ANNOUNCE"},
    {Method::Setup, "SETUP"},
    {Method::Play, "PLAY"},
    {Method::Pause, "PAUSE"},
    {Method::Record, "RECORD"},
    {Method::Teardown, "TEARDOWN"},
    {Method::GetParameter, "GET_PARAMETER"},
    {Method::SetParameter, "SET_PARAMETER"},
    {Method::Redirect, "REDIRECT"},
};

std::string_view sv(std::optional<std::string_view> v) {
  return v ? *v : std::string_view("<none>");
}

std::string joined(const std::vector<std::string_view>& values) {
  std::string out;
  for (auto v : values) {
    out += '[';
    out += v;
    out += ']';
  }
  return out;
}

std::string names_of(const Headers& h) {
  std::string out;
  for (const auto& item : h) {
    out += item.name;
    out += '=';
    out += item.value;
    out += ';';
  }
  return out;
}

}  // namespace

GST_START_TEST(test_method_names) {
  for (const auto& c : kMethodCases) {
    fail_unless(to_string(c.method) == c.name, "to_string for %s", std::string(c.name).c_str());
    fail_unless(method_from_string(c.name) == c.method, "from_string %s", std::string(c.name).c_str());
  }
  fail_unless(to_string(Method::Unknown).empty());
  // RFC 2326 §6.1: method names are case-sensitive.
  const std::string_view unknown[] = {"options", "Play", "", "GET", "SETUP ", "GET-PARAMETER"};
  for (auto name : unknown) {
    fail_unless(method_from_string(name) == Method::Unknown, "'%s' must be Unknown",
                std::string(name).c_str());
  }
}
GST_END_TEST;

GST_START_TEST(test_iequals) {
  struct Case {
    std::string_view a, b;
    bool equal;
  };
  const Case cases[] = {
      {"CSeq", "cseq", true},
      {"Content-Length", "CONTENT-LENGTH", true},
      {"", "", true},
      {"a", "", false},
      {"abc", "abd", false},
      {"Session", "Sessio", false},
      {"[", "{", false},  // differ by 0x20 but are not letters
      {"@", "`", false},
      {"\xc3\xa9", "\xc3\xa9", true},
      {"\xc3\xa9", "\xc3\x89", false},  // no Unicode case folding
  };
  for (const auto& c : cases) {
    fail_unless(iequals(c.a, c.b) == c.equal, "iequals('%s','%s')", std::string(c.a).c_str(),
                std::string(c.b).c_str());
    fail_unless(iequals(c.b, c.a) == c.equal);
  }
}
GST_END_TEST;

GST_START_TEST(test_headers_add_get) {
  Headers h;
  fail_unless(h.empty());
  h.add("CSeq", "1");
  h.add("Transport", "RTP/AVP;unicast");
  h.add("transport", "RTP/AVP/TCP;interleaved=0-1");
  h.add("Session", "abc");
  fail_unless_equals_int(h.size(), 4);
  fail_if(h.empty());
  // Arrival order and duplicates are kept.
  fail_unless(
      names_of(h) == "CSeq=1;Transport=RTP/AVP;unicast;transport=RTP/AVP/TCP;interleaved=0-1;Session=abc;",
      "order: %s", names_of(h).c_str());
  struct Case {
    std::string_view name;
    std::string_view first;
    std::string_view all;
  };
  const Case cases[] = {
      {"cseq", "1", "[1]"},
      {"CSEQ", "1", "[1]"},
      {"TRANSPORT", "RTP/AVP;unicast", "[RTP/AVP;unicast][RTP/AVP/TCP;interleaved=0-1]"},
      {"session", "abc", "[abc]"},
      {"Range", "<none>", ""},
      {"CSeq ", "<none>", ""},
  };
  for (const auto& c : cases) {
    fail_unless(sv(h.get(c.name)) == c.first, "get %s", std::string(c.name).c_str());
    fail_unless(joined(h.get_all(c.name)) == c.all, "get_all %s", std::string(c.name).c_str());
    fail_unless(h.contains(c.name) == (c.first != "<none>"));
  }
}
GST_END_TEST;

GST_START_TEST(test_headers_set_remove) {
  struct Case {
    const char* what;
    std::vector<Header> initial;
    std::string_view name;
    std::string value;
    std::string expected;
  };
  const Case cases[] = {
      {"set appends when absent", {{"CSeq", "1"}}, "Session", "x", "CSeq=1;Session=x;"},
      {"set replaces in place", {{"CSeq", "1"}, {"Session", "a"}}, "cseq", "2", "cseq=2;Session=a;"},
      {"set drops the duplicates",
       {{"A", "1"}, {"X", "a"}, {"B", "2"}, {"x", "b"}, {"C", "3"}},
       "X",
       "z",
       "A=1;X=z;B=2;C=3;"},
      {"set empty value", {{"A", "1"}}, "A", "", "A=;"},
  };
  for (const auto& c : cases) {
    Headers h;
    for (const auto& item : c.initial) h.add(item.name, item.value);
    h.set(c.name, c.value);
    fail_unless(names_of(h) == c.expected, "%s: got %s", c.what, names_of(h).c_str());
  }

  Headers h;
  h.add("A", "1");
  h.add("B", "2");
  h.add("a", "3");
  fail_unless(h.remove("A"));
  fail_unless(names_of(h) == "B=2;", "after remove: %s", names_of(h).c_str());
  fail_if(h.remove("A"));
  fail_if(h.remove("C"));
  fail_unless(h.remove("b"));
  fail_unless(h.empty());
}
GST_END_TEST;

GST_START_TEST(test_make) {
  for (const auto& c : kMethodCases) {
    auto r = Request::make(c.method, "rtsp://h/s");
    fail_unless(r.method == c.method);
    fail_unless(r.method_name == c.name);
    fail_unless_equals_string(r.uri.c_str(), "rtsp://h/s");
    fail_unless(r.headers.empty());
    fail_unless(r.body.empty());
  }
  auto ok = Response::make(200);
  fail_unless_equals_int(ok.status, 200);
  fail_unless_equals_string(ok.reason.c_str(), "OK");
  auto custom = Response::make(404, "Stream Gone Fishing");
  fail_unless_equals_string(custom.reason.c_str(), "Stream Gone Fishing");
  auto odd = Response::make(299);
  fail_unless_equals_int(odd.status, 299);
  fail_unless(odd.reason.empty());
}
GST_END_TEST;

GST_START_TEST(test_reason_phrases) {
  struct Case {
    int status;
    std::string_view phrase;
  };
  // RFC 2326 §7.1.1 (this library speaks RTSP/1.0, so its spellings win) plus what RFC 7826 §8.1.1 added.
  const Case cases[] = {
      {100, "Continue"},
      {200, "OK"},
      {201, "Created"},
      {250, "Low on Storage Space"},
      {300, "Multiple Choices"},
      {301, "Moved Permanently"},
      {302, "Moved Temporarily"},
      {303, "See Other"},
      {304, "Not Modified"},
      {305, "Use Proxy"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {402, "Payment Required"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {406, "Not Acceptable"},
      {407, "Proxy Authentication Required"},
      {408, "Request Time-out"},
      {410, "Gone"},
      {411, "Length Required"},
      {412, "Precondition Failed"},
      {413, "Request Entity Too Large"},
      {414, "Request-URI Too Large"},
      {415, "Unsupported Media Type"},
      {451, "Parameter Not Understood"},
      {452, "Conference Not Found"},
      {453, "Not Enough Bandwidth"},
      {454, "Session Not Found"},
      {455, "Method Not Valid in This State"},
      {456, "Header Field Not Valid for Resource"},
      {457, "Invalid Range"},
      {458, "Parameter Is Read-Only"},
      {459, "Aggregate operation not allowed"},
      {460, "Only aggregate operation allowed"},
      {461, "Unsupported transport"},
      {462, "Destination unreachable"},
      {463, "Destination Prohibited"},
      {464, "Data Transport Not Ready Yet"},
      {465, "Notification Reason Unknown"},
      {466, "Key Management Error"},
      {470, "Connection Authorization Required"},
      {471, "Connection Credentials Not Accepted"},
      {472, "Failure to Establish Secure Connection"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Time-out"},
      {505, "RTSP Version not supported"},
      {551, "Option not supported"},
      {553, "Proxy Unavailable"},
  };
  std::set<int> known;
  for (const auto& c : cases) {
    fail_unless(reason_phrase(c.status) == c.phrase, "reason %d: '%s'", c.status,
                std::string(reason_phrase(c.status)).c_str());
    fail_unless(Response::make(c.status).reason == c.phrase);
    known.insert(c.status);
  }
  // Everything else, in range or not, has no standard phrase.
  for (int status = -1; status <= 1000; ++status) {
    if (known.count(status) == 0) fail_unless(reason_phrase(status).empty(), "status %d", status);
  }
}
GST_END_TEST;

GST_START_TEST(test_cseq_of) {
  struct Case {
    const char* name;
    const char* value;  // nullptr: no header
    std::optional<std::uint32_t> expected;
  };
  const Case cases[] = {
      {"CSeq", "1", 1u},
      {"cseq", "42", 42u},
      {"CSEQ", " 7\t", 7u},
      {"CSeq", "0", 0u},
      {"CSeq", "007", 7u},
      {"CSeq", "4294967295", 4294967295u},
      {"CSeq", "4294967296", std::nullopt},
      {"CSeq", "99999999999999999999999", std::nullopt},
      {"CSeq", "-1", std::nullopt},
      {"CSeq", "+1", std::nullopt},
      {"CSeq", "1a", std::nullopt},
      {"CSeq", "1 2", std::nullopt},
      {"CSeq", "", std::nullopt},
      {"CSeq", "0x10", std::nullopt},
      {"X-CSeq", "5", std::nullopt},
      {nullptr, nullptr, std::nullopt},
  };
  for (const auto& c : cases) {
    Headers h;
    h.add("Session", "9");
    if (c.name) h.add(c.name, c.value);
    auto got = cseq_of(h);
    fail_unless(got == c.expected, "cseq_of(%s: '%s')", c.name ? c.name : "-", c.value ? c.value : "-");
  }
  Headers twice;
  twice.add("CSeq", "3");
  twice.add("CSeq", "4");
  fail_unless(cseq_of(twice) == 3u);  // the first one counts
}
GST_END_TEST;

GST_START_TEST(test_serialize_request) {
  struct Case {
    const char* what;
    Request request;
    std::string_view expected;
  };
  auto with = [](Request r, std::vector<Header> headers, std::string body) {
    for (auto& h : headers) r.headers.add(h.name, h.value);
    r.body = std::move(body);
    return r;
  };
  Request unknown;
  unknown.method_name = "FLUSH";
  unknown.uri = "*";
  const Case cases[] = {
      {"no headers", Request::make(Method::Options, "*"), "OPTIONS * RTSP/1.0\r\n\r\n"},
      {"headers in order",
       with(Request::make(Method::Describe, "rtsp://server.example.com/fizzle/foo"),
            {{"CSeq", "312"}, {"Accept", "application/sdp, application/rtsl, application/mheg"}}, ""),
       "DESCRIBE rtsp://server.example.com/fizzle/foo RTSP/1.0\r\nCSeq: 312\r\n"
       "Accept: application/sdp, application/rtsl, application/mheg\r\n\r\n"},
      {"automatic Content-Length",
       with(Request::make(Method::SetParameter, "rtsp://h/s"), {{"CSeq", "9"}}, "barparam: barstuff\r\n"),
       "SET_PARAMETER rtsp://h/s RTSP/1.0\r\nCSeq: 9\r\nContent-Length: 20\r\n\r\nbarparam: barstuff\r\n"},
      {"existing Content-Length kept, any case",
       with(Request::make(Method::Announce, "rtsp://h/s"), {{"content-length", "3"}}, "v=0"),
       "ANNOUNCE rtsp://h/s RTSP/1.0\r\ncontent-length: 3\r\n\r\nv=0"},
      {"empty body gets no Content-Length",
       with(Request::make(Method::Play, "rtsp://h/s"), {{"CSeq", "1"}}, ""),
       "PLAY rtsp://h/s RTSP/1.0\r\nCSeq: 1\r\n\r\n"},
      {"extension method", unknown, "FLUSH * RTSP/1.0\r\n\r\n"},
      {"empty header value", with(Request::make(Method::Play, "rtsp://h/s"), {{"X-Empty", ""}}, ""),
       "PLAY rtsp://h/s RTSP/1.0\r\nX-Empty: \r\n\r\n"},
      {"UTF-8 and raw bytes pass unchanged",
       with(Request::make(Method::Options, "*"), {{"User-Agent", "caf\xc3\xa9 \xff"}}, ""),
       "OPTIONS * RTSP/1.0\r\nUser-Agent: caf\xc3\xa9 \xff\r\n\r\n"},
      {"CR/LF cannot inject a header",
       with(Request::make(Method::Options, "rtsp://h/\r\nX: y"), {{"User-Agent", "a\r\nSession: evil"}}, ""),
       "OPTIONS rtsp://h/  X: y RTSP/1.0\r\nUser-Agent: a  Session: evil\r\n\r\n"},
  };
  for (const auto& c : cases) {
    auto out = serialize(c.request);
    fail_unless(out == c.expected, "%s: got '%s'", c.what, out.c_str());
  }
  // A body with NUL bytes is written byte-exactly and counted in full.
  auto binary = Request::make(Method::SetParameter, "rtsp://h/s");
  binary.body = std::string("a\0b", 3);
  auto out = serialize(binary);
  fail_unless(out == std::string("SET_PARAMETER rtsp://h/s RTSP/1.0\r\nContent-Length: 3\r\n\r\na\0b", 59));
}
GST_END_TEST;

GST_START_TEST(test_serialize_response) {
  struct Case {
    const char* what;
    Response response;
    std::string_view expected;
  };
  auto with = [](Response r, std::vector<Header> headers, std::string body) {
    for (auto& h : headers) r.headers.add(h.name, h.value);
    r.body = std::move(body);
    return r;
  };
  const Case cases[] = {
      {"standard phrase", with(Response::make(200), {{"CSeq", "1"}}, ""),
       "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"},
      {"RFC 2326 §10.2 with body",
       with(Response::make(200), {{"CSeq", "312"}, {"Content-Type", "application/sdp"}},
            "v=0\r\no=- 1 1 IN IP4 h\r\n"),
       "RTSP/1.0 200 OK\r\nCSeq: 312\r\nContent-Type: application/sdp\r\nContent-Length: 23\r\n\r\n"
       "v=0\r\no=- 1 1 IN IP4 h\r\n"},
      {"custom reason", Response::make(454, "No Such Session"), "RTSP/1.0 454 No Such Session\r\n\r\n"},
      {"unknown status keeps the separator", Response::make(299), "RTSP/1.0 299 \r\n\r\n"},
      {"reason with CR/LF", Response::make(500, "bad\r\nX: 1"), "RTSP/1.0 500 bad  X: 1\r\n\r\n"},
  };
  for (const auto& c : cases) {
    auto out = serialize(c.response);
    fail_unless(out == c.expected, "%s: got '%s'", c.what, out.c_str());
  }
}
GST_END_TEST;

static Suite* message_suite() {
  Suite* s = suite_create("message");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_method_names);
  tcase_add_test(tc, test_iequals);
  tcase_add_test(tc, test_headers_add_get);
  tcase_add_test(tc, test_headers_set_remove);
  tcase_add_test(tc, test_make);
  tcase_add_test(tc, test_reason_phrases);
  tcase_add_test(tc, test_cseq_of);
  tcase_add_test(tc, test_serialize_request);
  tcase_add_test(tc, test_serialize_response);
  return s;
}

GST_CHECK_MAIN(message);
