// Feeds the RTSP stream parser in chunks whose sizes come from the input and checks what must hold whatever
// the bytes: the parser never holds more than one incomplete item, failures are sticky, every message it
// hands out is well-formed and survives serialize -> parse unchanged, and the items do not depend on how the
// stream was cut.
//
// Input layout: byte 0 picks the limits (default or small ones that the fuzzer can reach), byte 1 seeds the
// chunk sizes, the rest is the stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "message.hpp"
#include "parser.hpp"

using namespace rtsp2::core;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool has_ctl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

void check_headers(const Headers& headers, const ParserLimits& limits) {
  check(headers.size() <= limits.max_headers);
  for (const auto& h : headers) {
    check(!h.name.empty() && h.name.find(':') == std::string::npos && !has_ctl(h.name));
    check(!has_ctl(h.value));
    check(h.value.empty() || (h.value.front() != ' ' && h.value.back() != ' '));
  }
}

// Every Content-Length names the body's size (leading zeros allowed); a body needs one.
template <typename M>
void check_body(const M& m, const ParserLimits& limits) {
  check(m.body.size() <= limits.max_body);
  auto lengths = m.headers.get_all("Content-Length");
  if (!m.body.empty()) check(!lengths.empty());
  for (auto length : lengths) {
    auto digits = length.substr(std::min(length.find_first_not_of('0'), length.size()));
    check(std::string(digits.empty() ? "0" : digits) == std::to_string(m.body.size()));
  }
}

// A parsed message written back and parsed again (with limits loose enough for the one space serialize() adds
// after each colon) comes back identical.
template <typename M>
void check_round_trip(const M& m) {
  auto text = serialize(m);
  ParserLimits loose;
  loose.max_header_block = text.size();
  loose.max_headers = m.headers.size();
  Parser again(loose);
  again.feed(text);
  auto item = again.next();
  auto* back = std::get_if<M>(&item);
  check(back != nullptr);
  check(serialize(*back) == text);
  check(again.buffered() == 0);
}

std::string describe(const ParseItem& item) {
  struct Visitor {
    std::string operator()(const NeedMore&) const { return "N"; }
    std::string operator()(const Request& r) const { return "Q" + serialize(r); }
    std::string operator()(const Response& r) const { return "S" + serialize(r); }
    std::string operator()(const InterleavedFrame& f) const {
      return "F" + std::to_string(f.channel) + ":" + std::string(f.payload.begin(), f.payload.end());
    }
    std::string operator()(const SkippedGarbage& g) const { return "G" + std::to_string(g.bytes); }
    std::string operator()(const ParseFailure& f) const {
      return "E" + std::to_string(static_cast<int>(f.error));
    }
  };
  return std::visit(Visitor{}, item);
}

// Drains until NeedMore or a failure, checking each item; returns false after a failure.
bool drain(Parser& p, std::vector<std::string>& out) {
  const auto& limits = p.limits();
  const std::size_t bound = std::max({limits.max_header_block, limits.max_body, std::size_t{4 + 65535}});
  for (;;) {
    auto item = p.next();
    if (std::holds_alternative<NeedMore>(item)) {
      check(p.buffered() <= bound);
      return true;
    }
    out.push_back(describe(item));
    if (auto* r = std::get_if<Request>(&item)) {
      check(!r->method_name.empty() && !r->uri.empty());
      check(r->method == Method::Unknown || to_string(r->method) == r->method_name);
      check_headers(r->headers, limits);
      check_body(*r, limits);
      check_round_trip(*r);
    } else if (auto* s = std::get_if<Response>(&item)) {
      check(s->status >= 100 && s->status <= 999);
      check_headers(s->headers, limits);
      check_body(*s, limits);
      check_round_trip(*s);
    } else if (auto* g = std::get_if<SkippedGarbage>(&item)) {
      check(g->bytes >= 1 && g->bytes <= limits.max_garbage);
    } else if (auto* f = std::get_if<ParseFailure>(&item)) {
      // Sticky: the same failure again, input ignored, nothing held.
      p.feed(std::string_view("RTSP/1.0 200 OK\r\n\r\n"));
      auto again = p.next();
      auto* f2 = std::get_if<ParseFailure>(&again);
      check(f2 != nullptr && f2->error == f->error && f2->detail == f->detail);
      check(p.buffered() == 0);
      check(!to_string(f->error).empty());
      return false;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  ParserLimits limits;
  if (data[0] & 1) {
    // Small limits, so that every limit is within the fuzzer's reach.
    limits.max_header_block = 16 + (data[0] >> 1) % 64 * 4;
    limits.max_headers = (data[0] >> 3) % 6;
    limits.max_body = (data[0] >> 4) % 3 * 16;
    limits.max_garbage = (data[0] >> 5) % 4 * 3;
  }
  std::uint32_t seed = data[1] * 2654435761u + 1;
  std::span<const std::uint8_t> stream(data + 2, size - 2);

  std::vector<std::string> whole;
  {
    Parser p(limits);
    p.feed(stream);
    drain(p, whole);
  }

  std::vector<std::string> chunked;
  Parser p(limits);
  std::size_t at = 0;
  while (at < stream.size()) {
    seed = seed * 1103515245u + 12345u;
    std::size_t chunk = 1 + (seed >> 16) % ((seed & 1) ? 4 : 300);
    chunk = std::min(chunk, stream.size() - at);
    p.feed(stream.subspan(at, chunk));
    at += chunk;
    if (!drain(p, chunked)) break;
  }
  // How the stream was cut does not change what comes out.
  check(chunked == whole);

  p.reset();
  check(p.buffered() == 0);
  check(std::holds_alternative<NeedMore>(p.next()));
  return 0;
}
