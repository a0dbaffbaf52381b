// Incremental RTSP stream parser.
//
// One control connection carries RTSP requests, RTSP responses and, after TCP interleaved SETUP, binary
// frames "$" <channel:1> <length:2, big endian> <payload> (RFC 2326 §10.12). The parser is fed arbitrary
// chunks (one byte at a time works) and hands out complete items one by one:
//
//   Parser p;
//   p.feed(bytes);
//   for (;;) {
//     auto item = p.next();
//     if (std::holds_alternative<NeedMore>(item)) break;
//     ... Request / Response / InterleavedFrame / SkippedGarbage / ParseFailure ...
//   }
//
// Limits are hard: each violation is a ParseFailure with a typed error, after which the parser drops what it
// holds and ignores further input (the stream can no longer be framed) until reset(). Header names are
// case-insensitive, folded header lines (leading SP/HT) are joined with one space, bare LF line ends are
// accepted, values are trimmed of surrounding SP/HT and may hold any byte >= 0x80 (not checked as UTF-8).
// Empty lines between items are keep-alives and skipped silently. Other bytes that cannot start an item
// (an item starts with an ASCII letter or '$') are skipped up to `max_garbage`; the run, including any line
// ends inside it, is reported as one SkippedGarbage once the next item starts.
//
// Everything held while next() says NeedMore belongs to one incomplete item, so buffered() then stays within
// max(max_header_block, max_body, 4 + 65535).
//
// Interleaved frames are not copied: InterleavedFrame::payload views the parser's own buffer. That view stays
// valid, and its bytes unchanged, until the next feed() (or the parser's destruction). Only feed() moves,
// reuses or frees the buffer; next() and reset() never do (reset() and a failure drop the bytes logically,
// the storage goes at the next feed()). Copy what must outlive the next feed().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "message.hpp"

namespace rtsp2::core {

struct ParserLimits {
  std::size_t max_header_block = 64 * 1024;  // start line + headers + blank line, in bytes
  std::size_t max_headers = 128;
  std::size_t max_body = 1024 * 1024;  // Content-Length above this is an error
  std::size_t max_garbage = 4096;      // bytes skipped before a message before giving up
};

enum class ParseError {
  HeaderBlockTooLarge,
  TooManyHeaders,
  BadContentLength,  // negative, non-numeric, overflowing, or several different values
  BodyTooLarge,
  BadStartLine,   // neither "METHOD URI RTSP/1.0" nor "RTSP/1.0 NNN reason"
  BadVersion,     // not RTSP/1.x (RTSP/2.0 included: this library speaks 1.0)
  BadHeaderLine,  // no colon, empty name, control characters
  TooMuchGarbage,
};

std::string_view to_string(ParseError e);

struct NeedMore {};

struct InterleavedFrame {
  std::uint8_t channel = 0;
  std::span<const std::uint8_t> payload;  // into the parser's buffer: valid until the next feed()
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

  void reset();                  // drop buffered bytes and any failure
  std::size_t buffered() const;  // bytes held but not yet consumed
  const ParserLimits& limits() const { return limits_; }

 private:
  enum class State { Idle, StartLine, HeaderLines, Body, Frame };

  // Each step returns an item, or nothing when it only moved to another state.
  std::optional<ParseItem> next_idle();
  std::optional<ParseItem> next_line();
  std::optional<ParseItem> next_body();
  std::optional<ParseItem> next_frame();
  std::optional<ParseItem> end_of_headers();
  ParseItem take_message(std::string body);
  ParseItem fail(ParseError error, std::string detail);
  void clear_message();
  // Makes room for `incoming` more bytes after the held ones; called by feed() only (see the header comment).
  void make_room(std::size_t incoming);
  const std::uint8_t* held() const { return buf_.get() + pos_; }

  ParserLimits limits_;
  // Not a std::vector: the views handed out must survive reset() and a failure, and growth must copy only the
  // held bytes, so the storage is managed here: [0, pos_) consumed, [pos_, end_) held, [end_, capacity_)
  // free.
  std::unique_ptr<std::uint8_t[]> buf_;
  std::size_t capacity_ = 0;
  std::size_t end_ = 0;
  std::size_t pos_ = 0;
  std::size_t wanted_ = 0;  // bytes (from pos_) the incomplete item needs in all, when known: a growth hint
  std::size_t garbage_run_ = 0;
  bool failed_ = false;
  ParseFailure failure_{ParseError::BadStartLine, {}};

  State state_ = State::Idle;
  std::size_t line_scanned_ = 0;  // bytes of the current line (from pos_) already known to hold no LF
  std::size_t block_bytes_ = 0;   // header block bytes consumed so far (start line and complete header lines)
  std::size_t body_length_ = 0;   // Content-Length of the pending message, or payload length of a frame
  std::uint8_t channel_ = 0;
  std::variant<Request, Response> message_;  // start line seen, headers being collected
  std::vector<Header> header_lines_;         // kept aside so that a folded line can extend the last value
};

}  // namespace rtsp2::core
