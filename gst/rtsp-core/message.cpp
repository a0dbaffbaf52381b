#include "message.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace rtsp2::core {

namespace {

struct MethodName {
  Method method;
  std::string_view name;
};

constexpr std::array<MethodName, 11> kMethods{{
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
}};

struct StatusPhrase {
  int status;
  std::string_view phrase;
};

// RFC 2326 §7.1.1 spellings for the codes it defines (this library speaks RTSP/1.0), RFC 7826 §8.1.1 for the
// codes RTSP 2.0 added. Servers of either generation may send any of them.
constexpr StatusPhrase kStatuses[] = {
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
    // RFC 4567 (MIKEY for RTSP 1.0) once gave 463 to "Key Management Failure"; RFC 7826 reassigned it.
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

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A CR or LF inside a field would end the line early and let the rest pose as another header or message
// (request smuggling through, say, a user-agent property); write them as spaces instead.
void append_field(std::string& out, std::string_view field) {
  for (char c : field) out.push_back((c == '\r' || c == '\n') ? ' ' : c);
}

void append_headers_and_body(std::string& out, const Headers& headers, const std::string& body) {
  for (const auto& h : headers) {
    append_field(out, h.name);
    out += ": ";
    append_field(out, h.value);
    out += "\r\n";
  }
  if (!body.empty() && !headers.contains("Content-Length")) {
    out += "Content-Length: ";
    out += std::to_string(body.size());
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
}

}  // namespace

std::string_view to_string(Method m) {
  for (const auto& entry : kMethods) {
    if (entry.method == m) return entry.name;
  }
  return {};
}

Method method_from_string(std::string_view name) {
  for (const auto& entry : kMethods) {
    if (entry.name == name) return entry.method;
  }
  return Method::Unknown;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

void Headers::add(std::string name, std::string value) {
  items_.push_back(Header{std::move(name), std::move(value)});
}

void Headers::set(std::string_view name, std::string value) {
  // The first header of that name keeps its place (header order is visible on the wire); the others go.
  auto first =
      std::find_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); });
  if (first == items_.end()) {
    items_.push_back(Header{std::string(name), std::move(value)});
    return;
  }
  first->name = std::string(name);
  first->value = std::move(value);
  auto next = std::next(first);
  items_.erase(std::remove_if(next, items_.end(), [&](const Header& h) { return iequals(h.name, name); }),
               items_.end());
}

bool Headers::remove(std::string_view name) {
  auto old_size = items_.size();
  items_.erase(
      std::remove_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); }),
      items_.end());
  return items_.size() != old_size;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& h : items_) {
    if (iequals(h.name, name)) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& h : items_) {
    if (iequals(h.name, name)) out.emplace_back(h.value);
  }
  return out;
}

Request Request::make(Method m, std::string uri) {
  Request r;
  r.method = m;
  r.method_name = std::string(to_string(m));
  r.uri = std::move(uri);
  return r;
}

Response Response::make(int status, std::string reason) {
  Response r;
  r.status = status;
  r.reason = reason.empty() ? std::string(reason_phrase(status)) : std::move(reason);
  return r;
}

std::string_view reason_phrase(int status) {
  if (status < 100 || status > 999) return {};
  for (const auto& entry : kStatuses) {
    if (entry.status == status) return entry.phrase;
  }
  return {};
}

std::optional<std::uint32_t> cseq_of(const Headers& h) {
  auto value = h.get("CSeq");
  if (!value) return std::nullopt;
  auto digits = trim_ows(*value);
  if (digits.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
    if (n > UINT32_MAX) return std::nullopt;
  }
  return static_cast<std::uint32_t>(n);
}

std::string serialize(const Request& r) {
  std::string out;
  out.reserve(64 + r.uri.size() + r.body.size() + r.headers.size() * 32);
  append_field(out, r.method_name.empty() ? to_string(r.method) : std::string_view(r.method_name));
  out += ' ';
  append_field(out, r.uri);
  out += " RTSP/1.0\r\n";
  append_headers_and_body(out, r.headers, r.body);
  return out;
}

std::string serialize(const Response& r) {
  std::string out;
  out.reserve(64 + r.body.size() + r.headers.size() * 32);
  out += "RTSP/1.0 ";
  out += std::to_string(r.status);
  out += ' ';
  append_field(out, r.reason);
  out += "\r\n";
  append_headers_and_body(out, r.headers, r.body);
  return out;
}

}  // namespace rtsp2::core
