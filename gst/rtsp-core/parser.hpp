// Incremental RTSP stream parser.
//
// One control connection carries RTSP requests, RTSP responses and, after TCP interleaved SETUP, binary frames
// "$" <channel:1> <length:2, big endian> <payload> (RFC 2326 §10.12). The parser is fed arbitrary chunks (one byte
// at a time works) and hands out complete items one by one:
//
//   Parser p;
//   p.feed(bytes);
//   for (;;) {
//     auto item = p.next();
//     if (std::holds_alternative<NeedMore>(item)) break;
//     ... Request / Response / InterleavedFrame / SkippedGarbage / ParseFailure ...
//   }
//
// Limits are hard: each violation is a ParseFailure with a typed error, after which the parser refuses further
// input (the stream can no longer be framed) until reset(). Header names are case-insensitive, folded header lines
// (leading SP/HT) are joined with one space, bare LF line ends are accepted. Bytes before a message that cannot
// start one (neither an RTSP start line nor '$') are skipped up to `max_garbage` and reported as SkippedGarbage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "message.hpp"

namespace rtsp2::core {

struct ParserLimits {
  std::size_t max_header_block = 64 * 1024;  // start line + headers + blank line, in bytes
  std::size_t max_headers = 128;
  std::size_t max_body = 1024 * 1024;        // Content-Length above this is an error
  std::size_t max_garbage = 4096;            // bytes skipped before a message before giving up
};

enum class ParseError {
  HeaderBlockTooLarge,
  TooManyHeaders,
  BadContentLength,  // negative, non-numeric, overflowing, or several different values
  BodyTooLarge,
  BadStartLine,      // neither "METHOD URI RTSP/1.0" nor "RTSP/1.0 NNN reason"
  BadVersion,        // not RTSP/1.x (RTSP/2.0 included: this library speaks 1.0)
  BadHeaderLine,     // no colon, empty name, control characters
  TooMuchGarbage,
};

std::string_view to_string(ParseError e);

struct NeedMore {};

struct InterleavedFrame {
  std::uint8_t channel = 0;
  std::vector<std::uint8_t> payload;
};

struct SkippedGarbage {
  std::size_t bytes = 0;
};

struct ParseFailure {
  ParseError error;
  std::string detail;  // short, for logs: never contains header values that could hold credentials
};

using ParseItem = std::variant<NeedMore, Request, Response, InterleavedFrame, SkippedGarbage, ParseFailure>;

class Parser {
 public:
  explicit Parser(ParserLimits limits = {});

  void feed(std::span<const std::uint8_t> bytes);
  void feed(std::string_view text);

  // Next complete item, or NeedMore. After a ParseFailure every call returns the same failure until reset().
  ParseItem next();

  void reset();                                   // drop buffered bytes and any failure
  std::size_t buffered() const;                   // bytes held but not yet consumed
  const ParserLimits& limits() const { return limits_; }

 private:
  ParserLimits limits_;
  std::vector<std::uint8_t> buf_;
  std::size_t pos_ = 0;  // consumed prefix of buf_ (compacted lazily)
  std::size_t garbage_run_ = 0;
  bool failed_ = false;
  ParseFailure failure_{ParseError::BadStartLine, {}};
};

}  // namespace rtsp2::core
