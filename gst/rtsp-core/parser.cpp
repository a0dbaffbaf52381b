#include "parser.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>

namespace rtsp2::core {

namespace {

// Smallest buffer allocated: one typical socket read, so that small feeds do not grow it step by step.
constexpr std::size_t kMinCapacity = 4096;

constexpr std::size_t kFrameHeader = 4;  // '$', channel, 16-bit length

bool is_ctl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

bool is_alpha(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// RFC 7230 §3.2.6 tchar: method names and header field names are tokens.
bool is_tchar(unsigned char c) {
  if (is_alpha(c) || is_digit(c)) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// HT is allowed (reason phrases and header values may hold it); every other control character is not.
bool has_ctl(std::string_view s) {
  for (unsigned char c : s) {
    if (is_ctl(c) && c != '\t') return true;
  }
  return false;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  std::uint64_t n = 0;
  for (unsigned char c : s) {
    auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

enum class VersionKind { Rtsp1, Other, Invalid };

// "NAME/major.minor". Anything of that shape that is not RTSP/1.x (RTSP/2.0, HTTP/1.1) is a peer speaking
// another protocol, which deserves its own error rather than a generic syntax one.
VersionKind classify_version(std::string_view v) {
  auto slash = v.find('/');
  if (slash == std::string_view::npos || slash == 0) return VersionKind::Invalid;
  auto name = v.substr(0, slash);
  for (unsigned char c : name) {
    if (!is_alpha(c)) return VersionKind::Invalid;
  }
  auto numbers = v.substr(slash + 1);
  auto dot = numbers.find('.');
  if (dot == std::string_view::npos) return VersionKind::Invalid;
  auto major = numbers.substr(0, dot);
  auto minor = numbers.substr(dot + 1);
  if (!all_digits(major) || !all_digits(minor)) return VersionKind::Invalid;
  return (name == "RTSP" && major == "1") ? VersionKind::Rtsp1 : VersionKind::Other;
}

struct LineError {
  ParseError error;
  const char* detail;
};

using StartLine = std::variant<Request, Response, LineError>;

StartLine parse_status_line(std::string_view version, std::string_view rest) {
  switch (classify_version(version)) {
    case VersionKind::Invalid:
      return LineError{ParseError::BadStartLine, "status line: malformed protocol version"};
    case VersionKind::Other:
      return LineError{ParseError::BadVersion, "status line: not RTSP/1.x"};
    case VersionKind::Rtsp1:
      break;
  }
  // Status-Code is exactly three digits; the reason phrase (and the SP before it) may be missing.
  auto code = rest.substr(0, 3);
  if (code.size() != 3 || !all_digits(code) || code[0] == '0' || (rest.size() > 3 && rest[3] != ' ')) {
    return LineError{ParseError::BadStartLine, "status line: status code is not three digits"};
  }
  Response r;
  r.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  if (rest.size() > 3) r.reason = std::string(trim_ows(rest.substr(4)));
  return r;
}

StartLine parse_request_line(std::string_view method, std::string_view rest) {
  if (!is_token(method)) return LineError{ParseError::BadStartLine, "request line: method is not a token"};
  auto sp = rest.find(' ');
  if (sp == std::string_view::npos) {
    return LineError{ParseError::BadStartLine, "request line: missing protocol version"};
  }
  auto uri = rest.substr(0, sp);
  auto version = rest.substr(sp + 1);
  if (uri.empty()) return LineError{ParseError::BadStartLine, "request line: empty request URI"};
  for (unsigned char c : uri) {
    if (is_ctl(c)) return LineError{ParseError::BadStartLine, "request line: control character in URI"};
  }
  switch (classify_version(version)) {
    case VersionKind::Invalid:
      return LineError{ParseError::BadStartLine, "request line: malformed protocol version"};
    case VersionKind::Other:
      return LineError{ParseError::BadVersion, "request line: not RTSP/1.x"};
    case VersionKind::Rtsp1:
      break;
  }
  Request r;
  r.method = method_from_string(method);
  r.method_name = std::string(method);
  r.uri = std::string(uri);
  return r;
}

StartLine parse_start_line(std::string_view line) {
  if (has_ctl(line)) return LineError{ParseError::BadStartLine, "start line: control character"};
  auto sp = line.find(' ');
  if (sp == std::string_view::npos) return LineError{ParseError::BadStartLine, "start line: no space"};
  auto first = line.substr(0, sp);
  auto rest = line.substr(sp + 1);
  // A method is a token and cannot hold '/'; a status line starts with the protocol version, which must.
  if (first.find('/') != std::string_view::npos) return parse_status_line(first, rest);
  return parse_request_line(first, rest);
}

}  // namespace

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::HeaderBlockTooLarge:
      return "header block too large";
    case ParseError::TooManyHeaders:
      return "too many headers";
    case ParseError::BadContentLength:
      return "bad Content-Length";
    case ParseError::BodyTooLarge:
      return "body too large";
    case ParseError::BadStartLine:
      return "bad start line";
    case ParseError::BadVersion:
      return "unsupported protocol version";
    case ParseError::BadHeaderLine:
      return "bad header line";
    case ParseError::TooMuchGarbage:
      return "too much garbage before a message";
  }
  return "unknown parse error";
}

Parser::Parser(ParserLimits limits) : limits_(limits) {}

void Parser::feed(std::span<const std::uint8_t> bytes) {
  // The one place that may move, reuse or free the buffer: every view next() handed out ends here.
  if (failed_) {
    // The stream cannot be framed any more: nothing fed before reset() is worth keeping.
    buf_.reset();
    capacity_ = end_ = pos_ = 0;
    return;
  }
  if (bytes.empty()) return;
  if (pos_ == end_) pos_ = end_ = 0;
  if (capacity_ - end_ < bytes.size()) make_room(bytes.size());
  std::memcpy(buf_.get() + end_, bytes.data(), bytes.size());
  end_ += bytes.size();
}

void Parser::feed(std::string_view text) {
  feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void Parser::make_room(std::size_t incoming) {
  const std::size_t held_bytes = end_ - pos_;
  // An item known to arrive over several feeds (wanted_) gets its full size at once, so that a large body
  // trickling in is not copied again at every growth.
  const std::size_t need = std::max(held_bytes + incoming, wanted_);
  if (need <= capacity_ && pos_ >= held_bytes) {
    // Sliding the held bytes to the front only when they are no more than the consumed ones before them
    // charges every move to bytes already consumed: feeding stays amortised O(n).
    std::memmove(buf_.get(), held(), held_bytes);
  } else {
    const std::size_t capacity = std::max({need, capacity_ + capacity_ / 2, kMinCapacity});
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    if (held_bytes > 0) std::memcpy(bigger.get(), held(), held_bytes);
    buf_ = std::move(bigger);
    capacity_ = capacity;
  }
  pos_ = 0;
  end_ = held_bytes;
}

void Parser::reset() {
  // The storage stays (views into it stay valid until the next feed()); only its contents are dropped.
  end_ = pos_ = 0;
  wanted_ = 0;
  garbage_run_ = 0;
  failed_ = false;
  failure_ = ParseFailure{ParseError::BadStartLine, {}};
  state_ = State::Idle;
  clear_message();
}

std::size_t Parser::buffered() const {
  return end_ - pos_;
}

void Parser::clear_message() {
  line_scanned_ = 0;
  block_bytes_ = 0;
  body_length_ = 0;
  channel_ = 0;
  message_ = Request{};
  header_lines_.clear();
}

ParseItem Parser::fail(ParseError error, std::string detail) {
  failed_ = true;
  failure_ = ParseFailure{error, std::move(detail)};
  // Dropped logically; the storage itself goes at the next feed(), so that frames handed out before the
  // failure stay readable until then.
  end_ = pos_ = 0;
  wanted_ = 0;
  garbage_run_ = 0;
  state_ = State::Idle;
  clear_message();
  return failure_;
}

ParseItem Parser::next() {
  if (failed_) return failure_;
  for (;;) {
    std::optional<ParseItem> item;
    switch (state_) {
      case State::Idle:
        item = next_idle();
        break;
      case State::StartLine:
      case State::HeaderLines:
        item = next_line();
        break;
      case State::Body:
        item = next_body();
        break;
      case State::Frame:
        item = next_frame();
        break;
    }
    if (item) return std::move(*item);
  }
}

std::optional<ParseItem> Parser::next_idle() {
  while (pos_ < end_) {
    unsigned char c = buf_[pos_];
    if (c == '$' || is_alpha(c)) {
      if (garbage_run_ > 0) {
        auto skipped = garbage_run_;
        garbage_run_ = 0;
        return SkippedGarbage{skipped};
      }
      clear_message();
      state_ = (c == '$') ? State::Frame : State::StartLine;
      return std::nullopt;
    }
    // Empty lines between messages are keep-alives some servers send; inside a garbage run they are garbage.
    if (garbage_run_ == 0 && (c == '\r' || c == '\n')) {
      ++pos_;
      continue;
    }
    if (garbage_run_ >= limits_.max_garbage) {
      return fail(ParseError::TooMuchGarbage, "more than max_garbage bytes before a message");
    }
    ++garbage_run_;
    ++pos_;
  }
  return NeedMore{};
}

std::optional<ParseItem> Parser::next_frame() {
  auto avail = buffered();
  if (avail < kFrameHeader) return NeedMore{};
  const std::uint8_t* p = held();
  std::size_t length = (std::size_t{p[2]} << 8) | p[3];
  if (avail < kFrameHeader + length) {
    wanted_ = kFrameHeader + length;
    return NeedMore{};
  }
  // A view, not a copy: the bytes stay where they are until the next feed().
  InterleavedFrame frame{p[1], {p + kFrameHeader, length}};
  pos_ += kFrameHeader + length;
  wanted_ = 0;
  state_ = State::Idle;
  return frame;
}

std::optional<ParseItem> Parser::next_line() {
  auto avail = buffered();
  if (avail == line_scanned_) return NeedMore{};
  const char* begin = reinterpret_cast<const char*>(held());
  // Resume the LF search where the previous call stopped: a long line fed in small pieces is scanned once.
  const void* lf = std::memchr(begin + line_scanned_, '\n', avail - line_scanned_);
  if (lf == nullptr) {
    line_scanned_ = avail;
    if (block_bytes_ + avail > limits_.max_header_block) {
      return fail(ParseError::HeaderBlockTooLarge, "header block exceeds max_header_block");
    }
    return NeedMore{};
  }
  auto line_length = static_cast<std::size_t>(static_cast<const char*>(lf) - begin);
  if (block_bytes_ + line_length + 1 > limits_.max_header_block) {
    return fail(ParseError::HeaderBlockTooLarge, "header block exceeds max_header_block");
  }
  std::string_view line(begin, line_length);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  pos_ += line_length + 1;
  block_bytes_ += line_length + 1;
  line_scanned_ = 0;

  if (state_ == State::StartLine) {
    auto start = parse_start_line(line);
    if (auto* error = std::get_if<LineError>(&start)) return fail(error->error, error->detail);
    if (auto* request = std::get_if<Request>(&start)) {
      message_ = std::move(*request);
    } else {
      message_ = std::move(std::get<Response>(start));
    }
    state_ = State::HeaderLines;
    return std::nullopt;
  }
  if (line.empty()) return end_of_headers();

  auto line_no = std::to_string(header_lines_.size() + 1);
  if (has_ctl(line)) return fail(ParseError::BadHeaderLine, "header line " + line_no + ": control character");
  if (line.front() == ' ' || line.front() == '\t') {
    // Obsolete line folding (RFC 2326 §4.2 via RFC 2616 §2.2): the line continues the previous value.
    if (header_lines_.empty()) {
      return fail(ParseError::BadHeaderLine, "continuation line before any header");
    }
    auto more = trim_ows(line);
    auto& value = header_lines_.back().value;
    if (!more.empty()) {
      if (!value.empty()) value += ' ';
      value += more;
    }
    return std::nullopt;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    return fail(ParseError::BadHeaderLine, "header line " + line_no + ": no colon");
  }
  auto name = line.substr(0, colon);
  if (!is_token(name)) {
    return fail(ParseError::BadHeaderLine, "header line " + line_no + ": name is empty or not a token");
  }
  if (header_lines_.size() >= limits_.max_headers) {
    return fail(ParseError::TooManyHeaders, "more than max_headers headers");
  }
  header_lines_.push_back(Header{std::string(name), std::string(trim_ows(line.substr(colon + 1)))});
  return std::nullopt;
}

std::optional<ParseItem> Parser::end_of_headers() {
  // RFC 2326 §12.14: without Content-Length the body is empty. Repeating the same value is harmless (RFC 7230
  // §3.3.2 lets a recipient accept it); two different values make the framing ambiguous.
  std::optional<std::uint64_t> length;
  for (const auto& h : header_lines_) {
    if (!iequals(h.name, "Content-Length")) continue;
    auto n = parse_decimal(h.value);
    if (!n) return fail(ParseError::BadContentLength, "Content-Length is not a decimal number in range");
    if (length && *length != *n)
      return fail(ParseError::BadContentLength, "conflicting Content-Length headers");
    length = n;
  }
  if (length && *length > limits_.max_body) {
    return fail(ParseError::BodyTooLarge, "Content-Length exceeds max_body");
  }
  auto& headers = std::visit([](auto& m) -> Headers& { return m.headers; }, message_);
  for (auto& h : header_lines_) headers.add(std::move(h.name), std::move(h.value));
  header_lines_.clear();
  body_length_ = static_cast<std::size_t>(length.value_or(0));
  if (body_length_ == 0) return take_message({});
  state_ = State::Body;
  return std::nullopt;
}

std::optional<ParseItem> Parser::next_body() {
  if (buffered() < body_length_) {
    wanted_ = body_length_;
    return NeedMore{};
  }
  const char* p = reinterpret_cast<const char*>(held());
  std::string body(p, body_length_);
  pos_ += body_length_;
  wanted_ = 0;
  return take_message(std::move(body));
}

ParseItem Parser::take_message(std::string body) {
  state_ = State::Idle;
  ParseItem item = std::visit(
      [&](auto& m) -> ParseItem {
        m.body = std::move(body);
        return std::move(m);
      },
      message_);
  clear_message();
  return item;
}

}  // namespace rtsp2::core
