#include "rtsp_message_bridge.hpp"

#include <string>
#include <variant>

#include "parser.hpp"

namespace rtsp2 {

RtspMessagePtr to_rtsp_message(const core::Request& r) {
  GstRTSPMessage* raw = nullptr;
  const GstRTSPMethod method = gst_rtsp_find_method(r.method_name.c_str());
  if (gst_rtsp_message_new_request(&raw, method != GST_RTSP_INVALID ? method : GST_RTSP_OPTIONS,
                                   r.uri.c_str()) != GST_RTSP_OK) {
    return nullptr;
  }
  RtspMessagePtr m(raw);
  for (const auto& h : r.headers)
    gst_rtsp_message_add_header_by_name(m.get(), h.name.c_str(), h.value.c_str());
  if (!r.body.empty()) {
    gst_rtsp_message_set_body(m.get(), reinterpret_cast<const guint8*>(r.body.data()), guint(r.body.size()));
  }
  return m;
}

bool from_rtsp_message(GstRTSPMessage* message, core::Request& r) {
  GstRTSPMethod method = GST_RTSP_INVALID;
  const gchar* uri = nullptr;
  GstRTSPVersion version = GST_RTSP_VERSION_INVALID;
  if (gst_rtsp_message_parse_request(message, &method, &uri, &version) != GST_RTSP_OK || uri == nullptr) {
    return false;
  }
  // The headers as GStreamer writes them, read back by our parser (the length goes with the body).
  gst_rtsp_message_remove_header(message, GST_RTSP_HDR_CONTENT_LENGTH, -1);
  GString* text = g_string_new("OPTIONS * RTSP/1.0\r\n");
  gst_rtsp_message_append_headers(message, text);
  g_string_append(text, "\r\n");
  core::Parser parser;
  parser.feed(std::string_view(text->str, text->len));
  g_string_free(text, TRUE);
  core::ParseItem item = parser.next();
  auto* parsed = std::get_if<core::Request>(&item);
  if (parsed == nullptr) return false;
  guint8* body = nullptr;
  guint size = 0;
  gst_rtsp_message_get_body(message, &body, &size);
  r.uri = uri;
  r.headers = std::move(parsed->headers);
  r.body.assign(reinterpret_cast<const char*>(body), body != nullptr ? size : 0);
  return true;
}

}  // namespace rtsp2
