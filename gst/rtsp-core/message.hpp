// RTSP/1.0 message model (RFC 2326 §6-7, RFC 7826 §8-9) and its writer.
//
// A Request or Response holds its headers in arrival order; header names compare case-insensitively.
// serialize() writes a message byte-exactly: start line, each header as "Name: value", CRLF line ends, then
// the body. A Content-Length header is added when the body is non-empty and the headers carry none. A CR or
// LF inside a method, URI, reason, header name or value is written as a space so that no field can end its
// line early and smuggle in another header or message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtsp2::core {

// Methods this library knows; anything else parses as Method::Unknown and keeps its name in `method_name`.
enum class Method {
  Options,
  Describe,
  Announce,
  Setup,
  Play,
  Pause,
  Record,
  Teardown,
  GetParameter,
  SetParameter,
  Redirect,
  Unknown,
};

std::string_view to_string(Method m);              // "OPTIONS", "GET_PARAMETER", ...; "" for Unknown
Method method_from_string(std::string_view name);  // exact, case-sensitive (RFC 2326 §6.1)

// ASCII case-insensitive comparison, used for header names and tokens.
bool iequals(std::string_view a, std::string_view b);

struct Header {
  std::string name;
  std::string value;
};

class Headers {
 public:
  void add(std::string name, std::string value);                     // appends, keeps duplicates
  void set(std::string_view name, std::string value);                // replaces every header of that name
  bool remove(std::string_view name);                                // removes all; true if any was there
  std::optional<std::string_view> get(std::string_view name) const;  // first of that name
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Header> items_;
};

struct Request {
  Method method = Method::Unknown;
  std::string method_name;  // always filled: the name as sent or as read
  std::string uri;          // request URI as on the wire ("*" for OPTIONS * )
  Headers headers;
  std::string body;

  // Convenience: sets method and method_name together.
  static Request make(Method m, std::string uri);
};

struct Response {
  int status = 0;  // 100..999
  std::string reason;
  Headers headers;
  std::string body;

  static Response make(int status, std::string reason = {});  // empty reason -> standard phrase
};

// Standard reason phrase for an RTSP status code ("OK", "Unauthorized", "Session Not Found", ...).
std::string_view reason_phrase(int status);  // "" for a code no RTSP RFC defines

// CSeq header as a number, if present and a valid unsigned decimal.
std::optional<std::uint32_t> cseq_of(const Headers& h);

std::string serialize(const Request& r);
std::string serialize(const Response& r);

}  // namespace rtsp2::core
