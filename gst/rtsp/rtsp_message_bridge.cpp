#include "rtsp_message_bridge.hpp"

#include <optional>
#include <string>
#include <variant>

#include "parser.hpp"

namespace rtsp2 {

namespace {

void add_headers_and_body(GstRTSPMessage* m, const core::Headers& headers, const std::string& body) {
  for (const auto& h : headers) gst_rtsp_message_add_header_by_name(m, h.name.c_str(), h.value.c_str());
  if (!body.empty()) {
    gst_rtsp_message_set_body(m, reinterpret_cast<const guint8*>(body.data()), guint(body.size()));
  }
}

// The message's headers as GStreamer writes them, read back by our parser after `start_line`; the body is
// taken as it is (its length goes with it, whatever Content-Length the application left).
template <typename Message>
std::optional<Message> read_back(GstRTSPMessage* message, const std::string& start_line) {
  gst_rtsp_message_remove_header(message, GST_RTSP_HDR_CONTENT_LENGTH, -1);
  GString* text = g_string_new(start_line.c_str());
  gst_rtsp_message_append_headers(message, text);
  g_string_append(text, "\r\n");
  core::Parser parser;
  parser.feed(std::string_view(text->str, text->len));
  g_string_free(text, TRUE);
  core::ParseItem item = parser.next();
  auto* parsed = std::get_if<Message>(&item);
  if (parsed == nullptr) return std::nullopt;
  guint8* body = nullptr;
  guint size = 0;
  gst_rtsp_message_get_body(message, &body, &size);
  parsed->body.assign(reinterpret_cast<const char*>(body), body != nullptr ? size : 0);
  return std::move(*parsed);
}

}  // namespace

RtspMessagePtr to_rtsp_message(const core::Request& r) {
  GstRTSPMessage* raw = nullptr;
  const GstRTSPMethod method = gst_rtsp_find_method(r.method_name.c_str());
  if (method == GST_RTSP_INVALID ||
      gst_rtsp_message_new_request(&raw, method, r.uri.c_str()) != GST_RTSP_OK) {
    return nullptr;
  }
  RtspMessagePtr m(raw);
  add_headers_and_body(m.get(), r.headers, r.body);
  return m;
}

bool from_rtsp_message(GstRTSPMessage* message, core::Request& r) {
  GstRTSPMethod method = GST_RTSP_INVALID;
  const gchar* uri = nullptr;
  GstRTSPVersion version = GST_RTSP_VERSION_INVALID;
  if (gst_rtsp_message_parse_request(message, &method, &uri, &version) != GST_RTSP_OK || uri == nullptr) {
    return false;
  }
  const std::string target = uri;
  auto parsed = read_back<core::Request>(message, "OPTIONS * RTSP/1.0\r\n");
  if (!parsed) return false;
  r.uri = target;
  r.headers = std::move(parsed->headers);
  r.body = std::move(parsed->body);
  return true;
}

RtspMessagePtr to_rtsp_message(const core::Response& r) {
  GstRTSPMessage* raw = nullptr;
  if (gst_rtsp_message_new_response(&raw, GstRTSPStatusCode(r.status), r.reason.c_str(), nullptr) !=
      GST_RTSP_OK) {
    return nullptr;
  }
  RtspMessagePtr m(raw);
  add_headers_and_body(m.get(), r.headers, r.body);
  return m;
}

bool from_rtsp_message(GstRTSPMessage* message, core::Response& r) {
  GstRTSPStatusCode code = GST_RTSP_STS_INVALID;
  const gchar* reason = nullptr;
  GstRTSPVersion version = GST_RTSP_VERSION_INVALID;
  if (gst_rtsp_message_parse_response(message, &code, &reason, &version) != GST_RTSP_OK || int(code) < 100 ||
      int(code) > 999) {
    return false;
  }
  auto parsed = read_back<core::Response>(
      message, "RTSP/1.0 " + std::to_string(int(code)) + " " + (reason != nullptr ? reason : "") + "\r\n");
  if (!parsed) return false;
  r = std::move(*parsed);
  return true;
}

}  // namespace rtsp2
