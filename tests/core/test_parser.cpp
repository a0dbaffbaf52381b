// Incremental parser: RFC 2326 examples, real captures, every limit at and past its edge, malformed input,
// and chunking (every split position of a mixed stream gives the same items).
#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "message.hpp"
#include "parser.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;

namespace {

// One line per item; messages are written back with serialize(), which is byte-exact, so a table can state
// exactly what the parser must have read (trimmed values, joined folds, kept order and duplicates).
std::string describe(const ParseItem& item) {
  struct Visitor {
    std::string operator()(const NeedMore&) const { return "NEEDMORE"; }
    std::string operator()(const Request& r) const {
      return "REQ(" + std::to_string(static_cast<int>(r.method)) + ") " + serialize(r);
    }
    std::string operator()(const Response& r) const { return "RSP " + serialize(r); }
    std::string operator()(const InterleavedFrame& f) const {
      return "FRAME " + std::to_string(f.channel) + " " + std::string(f.payload.begin(), f.payload.end());
    }
    std::string operator()(const SkippedGarbage& g) const { return "GARBAGE " + std::to_string(g.bytes); }
    std::string operator()(const ParseFailure& f) const { return "FAIL " + std::string(to_string(f.error)); }
  };
  return std::visit(Visitor{}, item);
}

std::string fail_of(ParseError e) {
  return "FAIL " + std::string(to_string(e));
}

std::size_t need_more_bound(const ParserLimits& l) {
  return std::max({l.max_header_block, l.max_body, std::size_t{4 + 65535}});
}

// Drains `p` into `out`; false once a failure came out (it is appended once).
bool drain(Parser& p, std::vector<std::string>& out) {
  for (;;) {
    auto item = p.next();
    if (std::holds_alternative<NeedMore>(item)) {
      // Recorded as an item rather than asserted here: check's assertions cost a syscall each, and this runs
      // once per byte in the byte-wise runs.
      if (p.buffered() > need_more_bound(p.limits())) out.push_back("BUFFERED PAST THE BOUND");
      return true;
    }
    out.push_back(describe(item));
    if (std::holds_alternative<ParseFailure>(item)) return false;
  }
}

// Feeds `input` cut at the given offsets (ascending) and drains after every piece.
std::vector<std::string> run_cuts(std::string_view input, const std::vector<std::size_t>& cuts,
                                  ParserLimits limits = {}) {
  Parser p(limits);
  std::vector<std::string> out;
  std::size_t from = 0;
  auto pieces = cuts;
  pieces.push_back(input.size());
  for (auto to : pieces) {
    p.feed(input.substr(from, to - from));
    from = to;
    if (!drain(p, out)) break;
  }
  return out;
}

std::vector<std::string> run_chunked(std::string_view input, std::size_t chunk, ParserLimits limits = {}) {
  std::vector<std::size_t> cuts;
  for (std::size_t at = chunk; at < input.size(); at += chunk) cuts.push_back(at);
  return run_cuts(input, cuts, limits);
}

std::string show(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += "<<" + s + ">> ";
  return out;
}

struct Case {
  const char* what;
  std::string input;
  std::vector<std::string> expected;
  ParserLimits limits = {};
};

// Every table case is checked whole, one byte at a time and in 7-byte pieces.
void check_cases(const Case* cases, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const auto& c = cases[i];
    for (std::size_t chunk : {c.input.size() + 1, std::size_t{1}, std::size_t{7}}) {
      auto got = run_chunked(c.input, chunk, c.limits);
      fail_unless(got == c.expected, "%s (chunk %zu):\n got      %s\n expected %s", c.what, chunk,
                  show(got).c_str(), show(c.expected).c_str());
    }
  }
}

std::string frame(std::uint8_t channel, std::string_view payload) {
  std::string out = "$";
  out += static_cast<char>(channel);
  out += static_cast<char>((payload.size() >> 8) & 0xff);
  out += static_cast<char>(payload.size() & 0xff);
  out += payload;
  return out;
}

std::string with_length(std::string head, std::string_view body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// --- RFC 2326 §10 examples ---------------------------------------------------------------------------------

const std::string kSdp =
    "v=0\r\n"
    "o=mhandley 2890844526 2890842807 IN IP4 126.16.64.4\r\n"
    "s=SDP Seminar\r\n"
    "i=A Seminar on the session description protocol\r\n"
    "u=http://www.cs.ucl.ac.uk/staff/M.Handley/sdp.03.ps\r\n"
    "e=mjh@isi.edu (Mark Handley)\r\n"
    "c=IN IP4 224.2.17.12/127\r\n"
    "t=2873397496 2873404696\r\n"
    "a=recvonly\r\n"
    "m=audio 3456 RTP/AVP 0\r\n"
    "m=video 2232 RTP/AVP 31\r\n"
    "m=whiteboard 32416 UDP WB\r\n"
    "a=orient:portrait\r\n";

}  // namespace

GST_START_TEST(test_rfc2326_examples) {
  const std::string describe_response = with_length(
      "RTSP/1.0 200 OK\r\nCSeq: 312\r\nDate: 23 Jan 1997 15:35:06 GMT\r\nContent-Type: application/sdp\r\n",
      kSdp);
  const Case cases[] = {
      {"10.1 OPTIONS",
       "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: implicit-play\r\nProxy-Require: gzipped-messages\r\n\r\n",
       {"REQ(0) OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nRequire: implicit-play\r\nProxy-Require: "
        "gzipped-messages\r\n\r\n"}},
      {"10.1 OPTIONS reply",
       "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE\r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE\r\n\r\n"}},
      {"10.2 DESCRIBE",
       "DESCRIBE rtsp://server.example.com/fizzle/foo RTSP/1.0\r\nCSeq: 312\r\n"
       "Accept: application/sdp, application/rtsl, application/mheg\r\n\r\n",
       {"REQ(1) DESCRIBE rtsp://server.example.com/fizzle/foo RTSP/1.0\r\nCSeq: 312\r\n"
        "Accept: application/sdp, application/rtsl, application/mheg\r\n\r\n"}},
      {"10.2 DESCRIBE reply with SDP", describe_response, {"RSP " + describe_response}},
      {"10.4 SETUP reply with a folded Transport",
       "RTSP/1.0 200 OK\r\nCSeq: 302\r\nDate: 23 Jan 1997 15:35:06 GMT\r\nSession: 47112344\r\n"
       "Transport: RTP/AVP;unicast;\r\n  client_port=4588-4589;server_port=6256-6257\r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nCSeq: 302\r\nDate: 23 Jan 1997 15:35:06 GMT\r\nSession: 47112344\r\n"
        "Transport: RTP/AVP;unicast; client_port=4588-4589;server_port=6256-6257\r\n\r\n"}},
      {"10.5 PLAY",
       "PLAY rtsp://audio.example.com/twister.en RTSP/1.0\r\nCSeq: 833\r\nSession: 12345678\r\n"
       "Range: smpte=0:10:20-;time=19970123T153600Z\r\n\r\n",
       {"REQ(4) PLAY rtsp://audio.example.com/twister.en RTSP/1.0\r\nCSeq: 833\r\nSession: 12345678\r\n"
        "Range: smpte=0:10:20-;time=19970123T153600Z\r\n\r\n"}},
      {"10.9 SET_PARAMETER and its 451 reply",
       "SET_PARAMETER rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 421\r\nContent-length: 20\r\n"
       "Content-type: text/parameters\r\n\r\nbarparam: barstuff\r\n"
       "RTSP/1.0 451 Invalid Parameter\r\nCSeq: 421\r\nContent-length: 10\r\nContent-type: "
       "text/parameters\r\n\r\n"
       "barparam\r\n",
       {"REQ(9) SET_PARAMETER rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 421\r\nContent-length: 20\r\n"
        "Content-type: text/parameters\r\n\r\nbarparam: barstuff\r\n",
        "RSP RTSP/1.0 451 Invalid Parameter\r\nCSeq: 421\r\nContent-length: 10\r\n"
        "Content-type: text/parameters\r\n\r\nbarparam\r\n"}},
      {"10.11 REDIRECT from the server",
       "REDIRECT rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 732\r\nLocation: "
       "rtsp://bigserver.com:8001\r\n"
       "Range: clock=19960213T143205Z-\r\n\r\n",
       {"REQ(10) REDIRECT rtsp://example.com/fizzle/foo RTSP/1.0\r\nCSeq: 732\r\n"
        "Location: rtsp://bigserver.com:8001\r\nRange: clock=19960213T143205Z-\r\n\r\n"}},
      {"10.12 embedded binary data",
       frame(0, "\x80\x60rtp") + frame(1, ""),
       {"FRAME 0 \x80\x60rtp", "FRAME 1 "}},
  };
  check_cases(cases, std::size(cases));

  // Field by field, for one of them: the typed view a session relies on.
  Parser p;
  p.feed(describe_response);
  auto item = p.next();
  auto* r = std::get_if<Response>(&item);
  fail_unless(r != nullptr);
  fail_unless_equals_int(r->status, 200);
  fail_unless_equals_string(r->reason.c_str(), "OK");
  fail_unless(cseq_of(r->headers) == 312u);
  fail_unless(r->body == kSdp);
  fail_unless(r->headers.get("content-type") == std::optional<std::string_view>("application/sdp"));
  fail_unless(std::holds_alternative<NeedMore>(p.next()));
  fail_unless_equals_int(p.buffered(), 0);
}
GST_END_TEST;

// --- real captures
// ------------------------------------------------------------------------------------------

namespace {

struct Streams {
  std::string client;  // C->S
  std::string server;  // S->C
};

// A capture file is a sequence of blocks, each a marker line (">>> C->S" or "<<< S->C"), the bytes of one
// write, then one "\n" the recorder added. The last block may end with a "(...)" note line after that
// separator.
Streams load_capture(const std::string& name) {
  auto text = read_fixture("captures/" + name);
  Streams s;
  const std::string_view client_marker = ">>> C->S\n";
  const std::string_view server_marker = "<<< S->C\n";
  std::size_t at = 0;
  while (at < text.size()) {
    std::string_view rest(text.data() + at, text.size() - at);
    bool client = rest.substr(0, client_marker.size()) == client_marker;
    bool server = rest.substr(0, server_marker.size()) == server_marker;
    fail_unless(client || server, "%s: no marker at offset %zu", name.c_str(), at);
    at += client_marker.size();
    auto next_c = text.find("\n>>> C->S\n", at);
    auto next_s = text.find("\n<<< S->C\n", at);
    auto end = std::min(next_c, next_s);
    std::string block = end == std::string::npos ? text.substr(at) : text.substr(at, end + 1 - at);
    at = end == std::string::npos ? text.size() : end + 1;
    if (end == std::string::npos && block.size() > 2 && block.substr(block.size() - 2) == ")\n") {
      auto note = block.rfind("\n(");
      if (note != std::string::npos) block.erase(note + 1);
    }
    fail_unless(!block.empty() && block.back() == '\n', "%s: block without separator", name.c_str());
    block.pop_back();
    (client ? s.client : s.server) += block;
  }
  return s;
}

struct CaptureCase {
  const char* file;
  const char* methods;          // requests C->S, in order
  const char* statuses;         // responses S->C, in order
  const char* request_bodies;   // body length of each request
  const char* response_bodies;  // body length of each response
};

const CaptureCase kCaptures[] = {
    {"ffmpeg-5.1-listen_record_from_ffmpeg_tcp.txt", "OPTIONS ANNOUNCE SETUP SETUP RECORD",
     "200 200 200 200 200", "0 490 0 0 0", "0 0 0 0 0"},
    {"gst-rtsp-server-1.22_play_av_tcp.txt", "OPTIONS DESCRIBE SETUP SETUP PLAY", "200 200 200 200 200",
     "0 0 0 0 0", "0 845 0 0 0"},
    {"gst-rtsp-server-1.22_record_from_rtspclientsink_tcp.txt", "OPTIONS ANNOUNCE SETUP RECORD",
     "200 200 200 200", "0 469 0 0", "0 0 0 0"},
    {"live555-2026.06.24_play_mkv_tcp.txt", "OPTIONS DESCRIBE SETUP SETUP PLAY", "200 200 200 200",
     "0 0 0 0 0", "0 798 0 0"},
    {"live555-2026.06.24_play_mkv_udp.txt", "OPTIONS DESCRIBE SETUP SETUP PLAY TEARDOWN",
     "200 200 200 200 200 200", "0 0 0 0 0 0", "0 798 0 0 0 0"},
    {"vlc-3.0.24_play_mkv_udp.txt", "OPTIONS DESCRIBE SETUP SETUP PLAY PAUSE TEARDOWN",
     "200 200 200 200 200 405 200", "0 0 0 0 0 0 0", "0 680 0 0 0 0 0"},
};

std::vector<std::string> words(const char* s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<ParseItem> parse_all(std::string_view stream) {
  Parser p;
  p.feed(stream);
  std::vector<ParseItem> items;
  for (;;) {
    auto item = p.next();
    if (std::holds_alternative<NeedMore>(item)) break;
    items.push_back(std::move(item));
    if (std::holds_alternative<ParseFailure>(items.back())) break;
  }
  fail_unless_equals_int(p.buffered(), 0);
  return items;
}

template <typename T>
void check_body(const T& m, const std::string& expected_length, const char* file) {
  fail_unless(std::to_string(m.body.size()) == expected_length, "%s: body of %zu bytes", file, m.body.size());
  auto length = m.headers.get("Content-Length");
  if (m.body.empty()) return;
  fail_unless(length.has_value(), "%s: body without Content-Length", file);
  fail_unless(*length == std::to_string(m.body.size()), "%s: body is not exactly Content-Length", file);
  // Every body in the captures is SDP: it starts with its version line and ends with its last line.
  fail_unless(m.body.rfind("v=0\r\n", 0) == 0, "%s: SDP body does not start with v=0", file);
  fail_unless(m.body.back() == '\n', "%s: SDP body cut short", file);
}

}  // namespace

GST_START_TEST(test_captures) {
  for (const auto& c : kCaptures) {
    auto streams = load_capture(c.file);
    auto methods = words(c.methods);
    auto statuses = words(c.statuses);
    auto request_bodies = words(c.request_bodies);
    auto response_bodies = words(c.response_bodies);

    auto requests = parse_all(streams.client);
    fail_unless_equals_int(requests.size(), methods.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      auto* r = std::get_if<Request>(&requests[i]);
      fail_unless(r != nullptr, "%s: C->S item %zu is %s", c.file, i, describe(requests[i]).c_str());
      fail_unless(r->method_name == methods[i], "%s: request %zu", c.file, i);
      fail_unless(r->method == method_from_string(methods[i]) && r->method != Method::Unknown);
      fail_unless(r->uri.rfind("rtsp://127.0.0.1", 0) == 0, "%s: uri %s", c.file, r->uri.c_str());
      fail_unless(cseq_of(r->headers) == i + 1, "%s: request %zu CSeq", c.file, i);
      check_body(*r, request_bodies[i], c.file);
      // The captured clients write "Name: value" with CRLF, so writing back gives the very same bytes.
      auto again = serialize(*r);
      fail_unless(streams.client.find(again) != std::string::npos, "%s: request %zu not byte-exact", c.file,
                  i);
    }

    auto responses = parse_all(streams.server);
    fail_unless_equals_int(responses.size(), statuses.size());
    for (std::size_t i = 0; i < responses.size(); ++i) {
      auto* r = std::get_if<Response>(&responses[i]);
      fail_unless(r != nullptr, "%s: S->C item %zu is %s", c.file, i, describe(responses[i]).c_str());
      fail_unless(std::to_string(r->status) == statuses[i], "%s: status %d", c.file, r->status);
      fail_unless(cseq_of(r->headers) == i + 1, "%s: response %zu CSeq", c.file, i);
      check_body(*r, response_bodies[i], c.file);
      auto again = serialize(*r);
      fail_unless(streams.server.find(again) != std::string::npos, "%s: response %zu not byte-exact", c.file,
                  i);
    }

    // The same streams fed one byte at a time and in odd pieces give the same items.
    for (const auto* stream : {&streams.client, &streams.server}) {
      auto whole = run_chunked(*stream, stream->size() + 1);
      fail_unless(run_chunked(*stream, 1) == whole, "%s: byte-wise differs", c.file);
      fail_unless(run_chunked(*stream, 13) == whole, "%s: 13-byte pieces differ", c.file);
    }
  }
}
GST_END_TEST;

// --- framing, whitespace, case
// ------------------------------------------------------------------------------

GST_START_TEST(test_framing) {
  const std::string options = "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n";
  const std::string options_out = "REQ(0) " + options;
  const std::string ok = "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n";
  const Case cases[] = {
      {"bare LF line ends", "OPTIONS * RTSP/1.0\nCSeq: 1\n\n", {options_out}},
      {"mixed line ends", "OPTIONS * RTSP/1.0\r\nCSeq: 1\n\r\n", {options_out}},
      {"keep-alive empty lines are silent", "\r\n\r\n\n" + options + "\r\n" + ok, {options_out, "RSP " + ok}},
      {"case-insensitive Content-Length",
       "RTSP/1.0 200 OK\r\ncontent-LENGTH: 3\r\n\r\nabc",
       {"RSP RTSP/1.0 200 OK\r\ncontent-LENGTH: 3\r\n\r\nabc"}},
      {"no Content-Length: empty body", ok + "abc", {"RSP " + ok}},
      {"Content-Length 0 and 000",
       "RTSP/1.0 200 OK\r\nContent-Length: 000\r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nContent-Length: 000\r\n\r\n"}},
      {"same Content-Length twice",
       "RTSP/1.0 200 OK\r\nContent-Length: 2\r\ncontent-length:  2 \r\n\r\nab",
       {"RSP RTSP/1.0 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab"}},
      {"body may hold what looks like a message",
       with_length("RTSP/1.0 200 OK\r\n", ok + std::string("$\0\0\0", 4)),
       {"RSP " + with_length("RTSP/1.0 200 OK\r\n", ok + std::string("$\0\0\0", 4))}},
      {"duplicate headers are kept in order",
       "RTSP/1.0 200 OK\r\nCSeq: 1\r\nX: a\r\nCSeq: 2\r\nx: b\r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nCSeq: 1\r\nX: a\r\nCSeq: 2\r\nx: b\r\n\r\n"}},
      {"values trimmed, empty value kept",
       "RTSP/1.0 200 OK\r\nA:x\r\nB: \t y z \t\r\nC:\r\nD:   \r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nA: x\r\nB: y z\r\nC: \r\nD: \r\n\r\n"}},
      {"HT inside a value", "RTSP/1.0 200 OK\r\nA: x\ty\r\n\r\n", {"RSP RTSP/1.0 200 OK\r\nA: x\ty\r\n\r\n"}},
      {"folded lines joined with one space",
       "RTSP/1.0 200 OK\r\nA: one\r\n two  \r\n\t\tthree\r\nB: x\r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nA: one two three\r\nB: x\r\n\r\n"}},
      {"fold onto an empty value, blank fold",
       "RTSP/1.0 200 OK\r\nA:\r\n b\r\n   \r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nA: b\r\n\r\n"}},
      {"UTF-8 values",
       "RTSP/1.0 200 OK\r\nServer: caf\xc3\xa9 \xe6\x97\xa5\r\n\r\n",
       {"RSP RTSP/1.0 200 OK\r\nServer: caf\xc3\xa9 \xe6\x97\xa5\r\n\r\n"}},
      {"bad UTF-8 kept byte for byte",
       "RTSP/1.0 200 \xff\xfe\r\nServer: \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\r\n\r\n",
       {"RSP RTSP/1.0 200 \xff\xfe\r\nServer: \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\r\n\r\n"}},
      {"URI with raw bytes",
       "OPTIONS rtsp://h/caf\xc3\xa9\xff RTSP/1.0\r\n\r\n",
       {"REQ(0) OPTIONS rtsp://h/caf\xc3\xa9\xff RTSP/1.0\r\n\r\n"}},
      {"extension method",
       "FLUSH rtsp://h/s RTSP/1.0\r\n\r\n",
       {"REQ(11) FLUSH rtsp://h/s RTSP/1.0\r\n\r\n"}},
      {"lower-case method is an extension",
       "play rtsp://h/s RTSP/1.0\r\n\r\n",
       {"REQ(11) play rtsp://h/s RTSP/1.0\r\n\r\n"}},
      {"RTSP/1.1 is still 1.x", "RTSP/1.1 200 OK\r\n\r\n", {"RSP RTSP/1.0 200 OK\r\n\r\n"}},
      {"status without reason",
       "RTSP/1.0 200\r\n\r\nRTSP/1.0 404 \r\n\r\n",
       {"RSP RTSP/1.0 200 \r\n\r\n", "RSP RTSP/1.0 404 \r\n\r\n"}},
      {"reason with HT and spaces",
       "RTSP/1.0 461 Unsupported\ttransport here\r\n\r\n",
       {"RSP RTSP/1.0 461 Unsupported\ttransport here\r\n\r\n"}},
      {"frames around messages",
       frame(2, "ab") + ok + frame(3, "\r\n\r\n") + frame(255, "$") + options,
       {"FRAME 2 ab", "RSP " + ok, "FRAME 3 \r\n\r\n", "FRAME 255 $", options_out}},
      {"frame of binary bytes",
       frame(0, std::string("\0\xff\n$R", 5)),
       {"FRAME 0 " + std::string("\0\xff\n$R", 5)}},
      {"truncated start line", "RTSP/1.0 200", {}},
      {"truncated header block", "RTSP/1.0 200 OK\r\nCSeq: 1\r\n", {}},
      {"truncated body", "RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n123456789", {}},
      {"truncated frame header", std::string("$\x01\x00", 3), {}},
      {"truncated frame payload", frame(1, "abcdef").substr(0, 9), {}},
      {"message then truncated one", ok + "RTSP/1.0 200 OK\r\n", {"RSP " + ok}},
  };
  check_cases(cases, std::size(cases));
}
GST_END_TEST;

GST_START_TEST(test_buffered) {
  Parser p;
  fail_unless_equals_int(p.buffered(), 0);
  p.feed(std::string_view("RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n1234"));
  fail_unless(std::holds_alternative<NeedMore>(p.next()));
  fail_unless_equals_int(p.buffered(), 4);  // the header block is read, the body waits
  p.feed(std::string_view("56789"));
  fail_unless(std::holds_alternative<NeedMore>(p.next()));
  fail_unless_equals_int(p.buffered(), 9);
  p.feed(std::string_view("0$\x01"));
  auto r = p.next();
  fail_unless(std::get<Response>(r).body == "1234567890");
  fail_unless(std::holds_alternative<NeedMore>(p.next()));
  fail_unless_equals_int(p.buffered(), 2);
  p.feed(std::string_view("\x00\x01", 2));
  fail_unless(std::holds_alternative<NeedMore>(p.next()));
  fail_unless_equals_int(p.buffered(), 4);
  p.feed(std::string_view("x"));
  auto f = p.next();
  fail_unless_equals_int(std::get<InterleavedFrame>(f).channel, 1);
  fail_unless_equals_int(p.buffered(), 0);
  // Garbage is dropped as it is skipped, not held.
  p.feed(std::string(1000, '#'));
  fail_unless(std::holds_alternative<NeedMore>(p.next()));
  fail_unless_equals_int(p.buffered(), 0);
}
GST_END_TEST;

// --- malformed input
// ----------------------------------------------------------------------------------------

GST_START_TEST(test_bad_start_lines) {
  const auto bad_start = fail_of(ParseError::BadStartLine);
  const auto bad_version = fail_of(ParseError::BadVersion);
  struct Line {
    const char* line;
    const std::string* expected;
  };
  const Line lines[] = {
      {"RTSP/2.0 200 OK", &bad_version},
      {"HTTP/1.1 200 OK", &bad_version},
      {"HTTP/1.0 400 Bad Request", &bad_version},
      {"GET / HTTP/1.1", &bad_version},
      {"OPTIONS * RTSP/2.0", &bad_version},
      {"OPTIONS * RTSP/0.9", &bad_version},
      {"OPTIONS * rtsp/1.0", &bad_version},
      {"OPTIONS * RTSP/1.0 extra", &bad_start},
      {"OPTIONS * RTSP/1", &bad_start},
      {"OPTIONS * RTSP/1.", &bad_start},
      {"OPTIONS * RTSP/x.0", &bad_start},
      {"OPTIONS *", &bad_start},
      {"OPTIONS", &bad_start},
      {"OPTIONS  * RTSP/1.0", &bad_start},
      {"OPT@ONS * RTSP/1.0", &bad_start},
      {"OPTIONS * RTSP/1.0\x01", &bad_start},
      {"OPTIONS *\x7f RTSP/1.0", &bad_start},
      {"RTSP/1.0", &bad_start},
      {"RTSP/1.0 ", &bad_start},
      {"RTSP/1.0 20 OK", &bad_start},
      {"RTSP/1.0 2000 OK", &bad_start},
      {"RTSP/1.0 099 Early", &bad_start},
      {"RTSP/1.0 abc OK", &bad_start},
      {"RTSP/1.0  200 OK", &bad_start},
      {"RTSP/1.0 200\tOK", &bad_start},
      {"RTSP/1.0 -20 OK", &bad_start},
      {"RTSP/ 200 OK", &bad_start},
      {"RT/SP/1.0 200 OK", &bad_start},
  };
  std::vector<Case> cases;
  for (const auto& l : lines) {
    cases.push_back({l.line, std::string(l.line) + "\r\nCSeq: 1\r\n\r\n", {*l.expected}});
  }
  check_cases(cases.data(), cases.size());
}
GST_END_TEST;

GST_START_TEST(test_bad_header_lines) {
  const auto bad = fail_of(ParseError::BadHeaderLine);
  const std::string_view lines[] = {
      "NoColon",
      ": empty name",
      "Bad Name: x",
      "Name : x",
      "Na\x80me: x",
      "X: a\x01b",
      "X: a\x1f",
      "X: a\x7f",
      std::string_view("X: a\0b", 6),
      "X: a\rb",
      "X: a\r",
      "\x01X: a",
      " folded before any header",
      "\tfolded before any header",
  };
  std::vector<Case> cases;
  for (auto line : lines) {
    auto input = "RTSP/1.0 200 OK\r\n" + std::string(line) + "\r\nCSeq: 1\r\n\r\n";
    cases.push_back({"bad header line", input, {bad}});
  }
  // A control character in a folded line is as bad as in the first one.
  cases.push_back({"ctl in fold", "RTSP/1.0 200 OK\r\nA: b\r\n c\x02\r\n\r\n", {bad}});
  check_cases(cases.data(), cases.size());
}
GST_END_TEST;

GST_START_TEST(test_bad_content_length) {
  const auto bad = fail_of(ParseError::BadContentLength);
  const auto large = fail_of(ParseError::BodyTooLarge);
  struct Value {
    std::string_view header_lines;
    const std::string* expected;
  };
  const Value values[] = {
      {"Content-Length: -1", &bad},
      {"Content-Length: abc", &bad},
      {"Content-Length:", &bad},
      {"Content-Length: 1 2", &bad},
      {"Content-Length: +5", &bad},
      {"Content-Length: 0x10", &bad},
      {"Content-Length: 5, 5", &bad},
      {"Content-Length: 5;", &bad},
      {"Content-Length: 18446744073709551616", &bad},     // 2^64
      {"Content-Length: 99999999999999999999999", &bad},  // far past 2^64
      {"Content-Length: 5\r\nContent-Length: 6", &bad},
      {"Content-Length: 0\r\ncontent-length: 1", &bad},
      {"Content-Length: 5\r\nX: y\r\nCONTENT-LENGTH: abc", &bad},
      {"Content-Length: 18446744073709551615", &large},  // fits 64 bits, past max_body
      {"Content-Length: 1048577", &large},
  };
  std::vector<Case> cases;
  for (const auto& v : values) {
    cases.push_back({"Content-Length",
                     "RTSP/1.0 200 OK\r\n" + std::string(v.header_lines) + "\r\n\r\n0123456789",
                     {*v.expected}});
  }
  check_cases(cases.data(), cases.size());
}
GST_END_TEST;

GST_START_TEST(test_failure_is_sticky) {
  struct Broken {
    const char* what;
    std::string input;
    ParseError error;
  };
  const Broken cases[] = {
      {"bad start line", "RTSP/1.0 abc OK\r\n\r\n", ParseError::BadStartLine},
      {"bad header", "RTSP/1.0 200 OK\r\nX\r\n\r\n", ParseError::BadHeaderLine},
      {"garbage", std::string(5000, '#'), ParseError::TooMuchGarbage},
  };
  const std::string ok = "RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n";
  for (const auto& c : cases) {
    Parser p;
    p.feed(c.input + ok);
    auto first = p.next();
    auto* failure = std::get_if<ParseFailure>(&first);
    fail_unless(failure != nullptr && failure->error == c.error, "%s: %s", c.what, describe(first).c_str());
    fail_if(failure->detail.empty());
    fail_unless_equals_int(p.buffered(), 0);
    for (int i = 0; i < 3; ++i) {
      p.feed(ok);  // ignored: the stream can no longer be framed
      auto again = p.next();
      auto* f = std::get_if<ParseFailure>(&again);
      fail_unless(f != nullptr && f->error == c.error && f->detail == failure->detail, "%s: not sticky",
                  c.what);
      fail_unless_equals_int(p.buffered(), 0);
    }
    p.reset();
    fail_unless(std::holds_alternative<NeedMore>(p.next()));
    p.feed(ok);
    auto after = p.next();
    fail_unless(describe(after) == "RSP " + ok, "%s: after reset: %s", c.what, describe(after).c_str());
  }
  // reset() also drops a half-read message.
  Parser p;
  p.feed(std::string_view("RTSP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nab"));
  fail_unless(std::holds_alternative<NeedMore>(p.next()));
  p.reset();
  fail_unless_equals_int(p.buffered(), 0);
  p.feed(ok);
  fail_unless(describe(p.next()) == "RSP " + ok);
}
GST_END_TEST;

GST_START_TEST(test_failure_detail_has_no_values) {
  // The URI and header values may carry credentials or tokens; the failure text must not echo them.
  const std::string secret = "s3cr3t-Passw0rd";
  const std::string inputs[] = {
      "OPTIONS rtsp://user:" + secret + "@h/ RTSP/2.0\r\n\r\n",
      "RTSP/1.0 200 OK\r\nAuthorization: Basic " + secret + "\x01\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: " + secret + "\r\n\r\n",
      "RTSP/1.0 200 OK\r\n" + secret + "\r\n\r\n",
  };
  for (const auto& input : inputs) {
    Parser p;
    p.feed(input);
    auto item = p.next();
    auto* f = std::get_if<ParseFailure>(&item);
    fail_unless(f != nullptr);
    fail_unless(f->detail.find(secret) == std::string::npos, "detail leaks: %s", f->detail.c_str());
  }
  // Every error has its own name.
  const ParseError errors[] = {ParseError::HeaderBlockTooLarge, ParseError::TooManyHeaders,
                               ParseError::BadContentLength,    ParseError::BodyTooLarge,
                               ParseError::BadStartLine,        ParseError::BadVersion,
                               ParseError::BadHeaderLine,       ParseError::TooMuchGarbage};
  std::vector<std::string_view> names;
  for (auto e : errors) {
    fail_if(to_string(e).empty());
    fail_unless(std::find(names.begin(), names.end(), to_string(e)) == names.end());
    names.push_back(to_string(e));
  }
}
GST_END_TEST;

// --- limits: exactly at the limit passes, one past fails
// ------------------------------------------------------

namespace {

std::string with_crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// A response whose header block (start line, headers, blank line) is exactly `size` bytes.
std::string header_block_of(std::size_t size, bool crlf) {
  std::string eol = crlf ? "\r\n" : "\n";
  std::string head = "RTSP/1.0 200 OK" + eol + "X: ";
  std::size_t fixed = head.size() + 2 * eol.size();
  fail_unless(size > fixed);
  return head + std::string(size - fixed, 'a') + eol + eol;
}

}  // namespace

GST_START_TEST(test_limit_header_block) {
  const auto too_large = fail_of(ParseError::HeaderBlockTooLarge);
  std::vector<Case> cases;
  for (std::size_t limit : {std::size_t{64}, std::size_t{64 * 1024}}) {
    ParserLimits limits;
    limits.max_header_block = limit;
    for (bool crlf : {true, false}) {
      auto at = header_block_of(limit, crlf);
      auto past = header_block_of(limit + 1, crlf);
      fail_unless_equals_int(at.size(), limit);
      cases.push_back({"exactly at the limit", at, {"RSP " + with_crlf(at)}, limits});
      cases.push_back({"one past the limit", past, {too_large}, limits});
      // Past the limit without ever ending: detected before the line (let alone the block) ends.
      auto endless = "RTSP/1.0 200 OK" + std::string(crlf ? "\r\n" : "\n") + "X: ";
      endless += std::string(limit + 1 - endless.size(), 'e');
      cases.push_back({"endless line one past the limit", endless, {too_large}, limits});
      cases.push_back({"endless line at the limit", endless.substr(0, limit), {}, limits});
      cases.push_back({"at the limit, unfinished", past.substr(0, limit), {}, limits});
    }
    // Many short lines count as much as one long one.
    ParserLimits many = limits;
    many.max_headers = limit;
    std::string lines = "RTSP/1.0 200 OK\r\n";
    while (lines.size() + 6 + 6 <= limit) lines += "A: b\r\n";
    auto last = lines + "B: " + std::string(limit - lines.size() - 7, 'c') + "\r\n\r\n";
    fail_unless_equals_int(last.size(), limit);
    cases.push_back({"many lines at the limit", last, {"RSP " + last}, many});
    cases.push_back(
        {"many lines one past the limit", last.substr(0, last.size() - 4) + "c\r\n\r\n", {too_large}, many});
  }
  // The start line alone counts too.
  ParserLimits small;
  small.max_header_block = 20;
  cases.push_back(
      {"start line at the limit", "RTSP/1.0 200 OKA\r\n\r\n", {"RSP RTSP/1.0 200 OKA\r\n\r\n"}, small});
  cases.push_back({"start line past the limit", "RTSP/1.0 200 OKAY\r\n\r\n", {too_large}, small});
  check_cases(cases.data(), cases.size());
}
GST_END_TEST;

GST_START_TEST(test_long_line_bytewise) {
  // One 8 MiB header line fed 4 bytes at a time: the search for its end resumes where it stopped instead of
  // rescanning the line per feed (~8 * 10^12 byte visits, far past the test timeout).
  const std::size_t size = 8 * 1024 * 1024;
  std::string message = "RTSP/1.0 200 OK\r\nX-Long: " + std::string(size, 'L') + "\r\n\r\n";
  ParserLimits limits;
  limits.max_header_block = message.size();
  Parser p(limits);
  std::size_t responses = 0;
  std::size_t other_items = 0;
  std::string_view rest = message;
  while (!rest.empty()) {
    p.feed(rest.substr(0, 4));
    rest.remove_prefix(std::min<std::size_t>(4, rest.size()));
    auto item = p.next();
    if (auto* r = std::get_if<Response>(&item)) {
      responses += (r->headers.get("x-long")->size() == size) ? 1 : 100;
    } else if (!std::holds_alternative<NeedMore>(item)) {
      ++other_items;
    }
  }
  fail_unless_equals_int(responses, 1);
  fail_unless_equals_int(other_items, 0);
}
GST_END_TEST;

GST_START_TEST(test_limit_headers) {
  const auto too_many = fail_of(ParseError::TooManyHeaders);
  std::vector<Case> cases;
  for (std::size_t limit : {std::size_t{0}, std::size_t{3}, std::size_t{128}}) {
    ParserLimits limits;
    limits.max_headers = limit;
    std::string at = "RTSP/1.0 200 OK\r\n";
    std::string folded = at;
    for (std::size_t i = 0; i < limit; ++i) {
      at += "H" + std::to_string(i) + ": v\r\n";
      folded += "H" + std::to_string(i) + ": v\r\n w\r\n";  // continuation lines are not headers
    }
    std::string expected_at = "RSP " + at + "\r\n";
    std::string expected_folded = expected_at;
    for (std::size_t pos = 0; (pos = expected_folded.find(": v\r\n", pos)) != std::string::npos; pos += 7) {
      expected_folded.replace(pos, 5, ": v w\r\n");
    }
    cases.push_back({"exactly max_headers", at + "\r\n", {expected_at}, limits});
    cases.push_back({"max_headers with folds", folded + "\r\n", {expected_folded}, limits});
    cases.push_back({"one past max_headers", at + "Extra: 1\r\n\r\n", {too_many}, limits});
  }
  check_cases(cases.data(), cases.size());
}
GST_END_TEST;

GST_START_TEST(test_limit_body) {
  const auto too_large = fail_of(ParseError::BodyTooLarge);
  std::vector<Case> cases;
  for (std::size_t limit : {std::size_t{0}, std::size_t{10}, std::size_t{1024 * 1024}}) {
    ParserLimits limits;
    limits.max_body = limit;
    std::string body(limit, 'b');
    if (!body.empty()) body.front() = 'v';
    auto at = with_length("RTSP/1.0 200 OK\r\n", body);
    auto past = with_length("RTSP/1.0 200 OK\r\n", body + "x");
    if (limit <= 10) cases.push_back({"body at max_body", at, {"RSP " + at}, limits});
    cases.push_back({"body one past max_body", past, {too_large}, limits});
    // The length alone is refused: no need to wait for the bytes.
    cases.push_back(
        {"length one past max_body", past.substr(0, past.find("\r\n\r\n") + 4), {too_large}, limits});
  }
  check_cases(cases.data(), cases.size());

  // A 1 MiB body fed one byte at a time, asking for items after each byte: linear, so it ends well within the
  // test timeout (a buffer that is copied or rescanned per byte would need ~10^12 steps).
  const std::size_t size = 1024 * 1024;
  std::string body(size, 'x');
  for (std::size_t i = 0; i < size; i += 997) body[i] = static_cast<char>('a' + i % 26);
  auto message = with_length("ANNOUNCE rtsp://h/s RTSP/1.0\r\nCSeq: 3\r\n", body);
  Parser p;
  std::optional<Request> got;
  std::size_t other_items = 0;
  std::size_t most_buffered = 0;
  for (char c : message) {
    p.feed(std::string_view(&c, 1));
    auto item = p.next();
    if (auto* r = std::get_if<Request>(&item)) {
      got = std::move(*r);
    } else if (!std::holds_alternative<NeedMore>(item)) {
      ++other_items;
    }
    most_buffered = std::max(most_buffered, p.buffered());
  }
  fail_unless_equals_int(other_items, 0);
  fail_unless(most_buffered < size, "buffered %zu", most_buffered);
  fail_unless(got.has_value());
  fail_unless(got->body == body);
  fail_unless_equals_int(p.buffered(), 0);
}
GST_END_TEST;

GST_START_TEST(test_limit_garbage) {
  const auto too_much = fail_of(ParseError::TooMuchGarbage);
  const std::string ok = "RTSP/1.0 200 OK\r\n\r\n";
  // Bytes that cannot start an item: neither a letter nor '$' (CR/LF are garbage once a run has started).
  std::string pattern;
  for (int c = 0; c < 256; ++c) {
    bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!letter && c != '$' && c != '\r' && c != '\n') pattern += static_cast<char>(c);
  }
  auto garbage = [&](std::size_t n) {
    std::string g;
    for (std::size_t i = 0; i < n; ++i) g += (i % 50 == 49) ? '\n' : pattern[i % pattern.size()];
    return g;
  };
  std::vector<Case> cases;
  for (std::size_t limit : {std::size_t{0}, std::size_t{1}, std::size_t{4096}}) {
    ParserLimits limits;
    limits.max_garbage = limit;
    if (limit > 0) {
      cases.push_back({"garbage at the limit",
                       garbage(limit) + ok,
                       {"GARBAGE " + std::to_string(limit), "RSP " + ok},
                       limits});
    }
    cases.push_back({"garbage one past the limit", garbage(limit + 1) + ok, {too_much}, limits});
    cases.push_back({"garbage past the limit, nothing after", garbage(limit + 1), {too_much}, limits});
  }
  cases.push_back({"keep-alives before garbage are not counted",
                   "\r\n\r\n\x01\x02\r\n" + ok + "\x03" + frame(0, "z"),
                   {"GARBAGE 4", "RSP " + ok, "GARBAGE 1", "FRAME 0 z"}});
  cases.push_back({"each run has its own budget",
                   garbage(4000) + ok + garbage(4000) + ok,
                   {"GARBAGE 4000", "RSP " + ok, "GARBAGE 4000", "RSP " + ok}});
  cases.push_back({"garbage then a letter that is no message",
                   "###hello\r\n\r\n",
                   {"GARBAGE 3", fail_of(ParseError::BadStartLine)}});
  check_cases(cases.data(), cases.size());
}
GST_END_TEST;

GST_START_TEST(test_limit_frame) {
  // The 16-bit length bounds a frame: the largest one passes whatever the other limits are.
  std::string payload(65535, 'p');
  payload.back() = 'q';
  ParserLimits tiny;
  tiny.max_header_block = 16;
  tiny.max_body = 0;
  tiny.max_garbage = 0;
  const Case cases[] = {
      {"largest frame", frame(7, payload), {"FRAME 7 " + payload}, tiny},
  };
  check_cases(cases, std::size(cases));
}
GST_END_TEST;

// --- chunking: every split position
// --------------------------------------------------------------------------

GST_START_TEST(test_every_split_position) {
  const std::string sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nm=video 0 RTP/AVP 96\r\n";
  const std::string stream =
      "\r\n" + std::string("SETUP rtsp://127.0.0.1/s/track1 RTSP/1.0\r\nCSeq: 3\r\n") +
      "Transport: RTP/AVP/TCP;unicast;\r\n interleaved=0-1\r\n\r\n" +
      with_length("RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\n", sdp) +
      frame(0, "\x80\x60RTSP/1.0 200") + frame(1, "") + "\r\n" + frame(2, std::string("$\0\r\n\r\n", 6)) +
      "\x01\x02" + "GET_PARAMETER rtsp://127.0.0.1/s RTSP/1.0\nCSeq: 4\nSession: 1\n\n" +
      with_length("RTSP/1.0 200 OK\r\nCSeq: 4\r\n", "x") + frame(3, "end");
  const auto reference = run_chunked(stream, stream.size() + 1);
  fail_unless_equals_int(reference.size(), 9);
  fail_unless(reference[0].rfind("REQ(3) SETUP", 0) == 0);
  fail_unless(reference[1].find(sdp) != std::string::npos);
  fail_unless(reference[5] == "GARBAGE 2");
  fail_unless(reference[8] == "FRAME 3 end");
  for (std::size_t at = 0; at <= stream.size(); ++at) {
    auto got = run_cuts(stream, {at});
    fail_unless(got == reference, "split at %zu: %s", at, show(got).c_str());
  }
  for (std::size_t a = 0; a <= stream.size(); a += 3) {
    for (std::size_t b = a; b <= stream.size(); b += 5) {
      fail_unless(run_cuts(stream, {a, b}) == reference, "split at %zu and %zu", a, b);
    }
  }
  for (std::size_t chunk = 1; chunk <= 64; ++chunk) {
    fail_unless(run_chunked(stream, chunk) == reference, "chunk %zu", chunk);
  }
}
GST_END_TEST;

// --- round trip: serialize -> parse
// ---------------------------------------------------------------------------

GST_START_TEST(test_round_trip) {
  auto setup = Request::make(Method::Setup, "rtsp://127.0.0.1:8554/cam/trackID=1");
  setup.headers.add("CSeq", "4");
  setup.headers.add("Transport", "RTP/AVP/TCP;unicast;interleaved=2-3");
  setup.headers.add("User-Agent", "rtsp2 caf\xc3\xa9");
  auto announce = Request::make(Method::Announce, "rtsp://h/rec");
  announce.headers.add("CSeq", "2");
  announce.headers.add("Content-Type", "application/sdp");
  announce.body = "v=0\r\ns=\xff\x00 binary\r\n";
  announce.body += std::string("\0\0$", 3);
  Request extension;
  extension.method_name = "X-FLUSH";
  extension.uri = "*";
  extension.headers.add("x-empty", "");
  auto describe_ok = Response::make(200);
  describe_ok.headers.add("CSeq", "2");
  describe_ok.headers.add("Content-Base", "rtsp://h/s/");
  describe_ok.headers.add("content-length", std::to_string(kSdp.size()));
  describe_ok.body = kSdp;
  auto unauthorized = Response::make(401);
  unauthorized.headers.add("CSeq", "1");
  unauthorized.headers.add("WWW-Authenticate", "Digest realm=\"r\", nonce=\"n\"");
  unauthorized.headers.add("WWW-Authenticate", "Basic realm=\"r\"");
  auto odd = Response::make(299, "Odd \t Reason");

  const std::vector<Request> requests = {setup, announce, extension, Request::make(Method::Teardown, "*")};
  const std::vector<Response> responses = {describe_ok, unauthorized, odd};
  auto same_headers = [](const Headers& a, const Headers& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Header& x, const Header& y) {
      return x.name == y.name && x.value == y.value;
    });
  };
  for (const auto& r : requests) {
    Parser p;
    p.feed(serialize(r));
    auto item = p.next();
    auto* back = std::get_if<Request>(&item);
    fail_unless(back != nullptr, "%s", describe(item).c_str());
    fail_unless(back->method == r.method && back->method_name == r.method_name && back->uri == r.uri);
    fail_unless(back->body == r.body);
    Headers expected = r.headers;
    if (!r.body.empty() && !expected.contains("Content-Length")) {
      expected.add("Content-Length", std::to_string(r.body.size()));
    }
    fail_unless(same_headers(back->headers, expected), "%s headers", r.method_name.c_str());
    fail_unless(serialize(*back) == serialize(r));
  }
  for (const auto& r : responses) {
    Parser p;
    p.feed(serialize(r));
    auto item = p.next();
    auto* back = std::get_if<Response>(&item);
    fail_unless(back != nullptr, "%s", describe(item).c_str());
    fail_unless(back->status == r.status && back->reason == r.reason && back->body == r.body);
    fail_unless(same_headers(back->headers, r.headers), "%d headers", r.status);
    fail_unless(serialize(*back) == serialize(r));
  }
}
GST_END_TEST;

static Suite* parser_suite() {
  Suite* s = suite_create("parser");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_rfc2326_examples);
  tcase_add_test(tc, test_captures);
  tcase_add_test(tc, test_framing);
  tcase_add_test(tc, test_buffered);
  tcase_add_test(tc, test_bad_start_lines);
  tcase_add_test(tc, test_bad_header_lines);
  tcase_add_test(tc, test_bad_content_length);
  tcase_add_test(tc, test_failure_is_sticky);
  tcase_add_test(tc, test_failure_detail_has_no_values);
  tcase_add_test(tc, test_limit_header_block);
  tcase_add_test(tc, test_long_line_bytewise);
  tcase_add_test(tc, test_limit_headers);
  tcase_add_test(tc, test_limit_body);
  tcase_add_test(tc, test_limit_garbage);
  tcase_add_test(tc, test_limit_frame);
  tcase_add_test(tc, test_every_split_position);
  tcase_add_test(tc, test_round_trip);
  return s;
}

GST_CHECK_MAIN(parser);
