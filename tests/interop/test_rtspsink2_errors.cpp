// rtspsink2's failures, each against a real peer on 127.0.0.1: one clear error naming the URL (never the
// credentials), no hang, and a clean return to NULL.
#include <gst/gst.h>

#include <functional>
#include <string>

#include "rtsp_test_server.hpp"
#include "sink_pipeline.hpp"
#include "sink_record_server.hpp"

#include "check.hpp"

using rtsp2::test::ScriptedRtspServer;

namespace {

using Req = ScriptedRtspServer::Request;

// A scripted RECORD server: everything 200 except `refuse_method`, which gets `refuse_status`; `close_on`
// closes the connection after answering that method.
ScriptedRtspServer::Responder recorder(const std::string& refuse_method, int refuse_status,
                                       const char* reason, const std::string& close_on = {}) {
  return [=](const Req& r) -> std::string {
    if (r.method == refuse_method) return ScriptedRtspServer::response(refuse_status, reason, r.cseq);
    std::string extra;
    if (r.method == "SETUP") {
      extra = "Transport: " + ScriptedRtspServer::header(r.text, "Transport") + "\r\nSession: abcdef\r\n";
    } else if (r.method == "RECORD") {
      extra = "Session: abcdef\r\n";
    }
    std::string out = ScriptedRtspServer::response(200, "OK", r.cseq, extra);
    if (r.method == close_on) out += ScriptedRtspServer::kClose;
    return out;
  };
}

struct Case {
  const char* name;
  std::function<std::string(const Req&)> responder;
  const char* extra_props;
  GQuark (*domain)();
  int code;
  const char* text_part;
};

GQuark resource() {
  return GST_RESOURCE_ERROR;
}

const Case kCases[] = {
    {"ANNOUNCE 405", recorder("ANNOUNCE", 405, "Method Not Allowed"), "", resource,
     GST_RESOURCE_ERROR_OPEN_WRITE, "refused to record"},
    {"ANNOUNCE 404", recorder("ANNOUNCE", 404, "Not Found"), "", resource, GST_RESOURCE_ERROR_NOT_FOUND,
     "no place to record"},
    {"RECORD 403", recorder("RECORD", 403, "Forbidden"), "", resource, GST_RESOURCE_ERROR_OPEN_WRITE,
     "refused to record"},
    {"SETUP 461 for every transport", recorder("SETUP", 461, "Unsupported Transport"), "", resource,
     GST_RESOURCE_ERROR_OPEN_WRITE, "refused to record"},
    {"never answers", [](const Req&) { return std::string(); }, "tcp-timeout=700000", resource,
     GST_RESOURCE_ERROR_OPEN_WRITE, "No answer"},
    {"closes during RECORD, reconnect off", recorder("", 0, "", "RECORD"), "reconnect-attempts=0", resource,
     GST_RESOURCE_ERROR_WRITE, "Lost the connection while recording"},
};

GST_START_TEST(test_server_errors) {
  const Case& c = kCases[__i__];
  ScriptedRtspServer server(c.responder);
  const std::string url = server.url("/live?token=abc");
  const std::string launch = rtsp2::test::h264_source(300) + " ! rtspsink2 location=\"" + url +
                             "\" protocols=tcp user-id=alice user-pw=PaSsWoRd " + c.extra_props;
  auto r = rtsp2::test::publish(launch);
  fail_unless(r.error, "%s: no error (eos %d, timed out %d)", c.name, r.eos, r.timed_out);
  fail_unless(r.error_domain == c.domain(), "%s: %s", c.name, r.error_text.c_str());
  fail_unless_equals_int(r.error_code, c.code);
  fail_unless(r.error_text.find(c.text_part) != std::string::npos, "%s: %s", c.name, r.error_text.c_str());
  // The URL as written, but for the token's value (a credential some servers take in the query).
  const std::string shown = server.url("/live?token=***");
  fail_unless(r.error_text.find(shown) != std::string::npos, "%s: URL missing in '%s'", c.name,
              r.error_text.c_str());
  fail_unless(r.error_text.find("token=abc") == std::string::npos, "%s", r.error_text.c_str());
  fail_unless(r.error_text.find("PaSsWoRd") == std::string::npos);
  fail_unless(r.error_debug.find("PaSsWoRd") == std::string::npos);
}
GST_END_TEST;

// Wrong password against gst-rtsp-server's Digest: NOT_AUTHORIZED, and the URL in the message has no
// userinfo.
GST_START_TEST(test_bad_credentials) {
  rtsp2::test::RecordServer::Options opts;
  opts.digest_user = "publisher";
  opts.digest_password = "right";
  rtsp2::test::RecordServer server(opts);
  fail_unless(server.start());
  const std::string launch = rtsp2::test::h264_source(300) + " ! rtspsink2 location=\"" +
                             server.url("publisher:WrOnGpW") + "\" protocols=tcp";
  auto r = rtsp2::test::publish(launch);
  fail_unless(r.error);
  fail_unless(r.error_domain == GST_RESOURCE_ERROR);
  fail_unless_equals_int(r.error_code, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  fail_unless(r.error_text.find(server.url()) != std::string::npos, "%s", r.error_text.c_str());
  fail_unless(r.error_text.find("WrOnGpW") == std::string::npos);
  fail_unless(r.error_debug.find("WrOnGpW") == std::string::npos);
  server.stop();
}
GST_END_TEST;

// Nobody listens: the connection is refused.
GST_START_TEST(test_connection_refused) {
  std::uint16_t port = 0;
  {
    // A port that was free a moment ago and has no listener.
    GSocket* s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
    GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress* sa = g_inet_socket_address_new(lo, 0);
    g_socket_bind(s, sa, TRUE, nullptr);
    GSocketAddress* bound = g_socket_get_local_address(s, nullptr);
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_object_unref(bound);
    g_object_unref(sa);
    g_object_unref(lo);
    g_socket_close(s, nullptr);
    g_object_unref(s);
  }
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/x";
  auto r = rtsp2::test::publish(rtsp2::test::h264_source(300) + " ! rtspsink2 location=" + url);
  fail_unless(r.error);
  fail_unless_equals_int(r.error_code, GST_RESOURCE_ERROR_OPEN_WRITE);
  fail_unless(r.error_text.find(url) != std::string::npos, "%s", r.error_text.c_str());
}
GST_END_TEST;

// Two pads, one never gets data: the SDP cannot be written, the wait is bounded by `timeout`.
GST_START_TEST(test_caps_wait_bounded) {
  ScriptedRtspServer server(recorder("", 0, ""));
  const std::string launch = rtsp2::test::h264_source(300) + " ! rtspsink2 name=sink location=\"" +
                             server.url("/x") + "\" timeout=300000 appsrc name=silent ! sink.";
  rtsp2::test::PublishOptions opts;
  opts.setup = [](GstElement* pipeline) {
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "silent");
    GstCaps* caps = gst_caps_from_string("audio/x-opus,channel-mapping-family=0,channels=2,rate=48000");
    g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, nullptr);
    gst_caps_unref(caps);
    gst_object_unref(src);
  };
  auto r = rtsp2::test::publish(launch, opts);
  fail_unless(r.error, "eos %d timed out %d", r.eos, r.timed_out);
  fail_unless(r.error_domain == GST_CORE_ERROR);
  fail_unless_equals_int(r.error_code, GST_CORE_ERROR_NEGOTIATION);
  fail_unless(r.error_text.find("sink_1") != std::string::npos, "%s", r.error_text.c_str());
  fail_unless(server.methods().empty(), "nothing may be announced without every stream");
}
GST_END_TEST;

Suite* rtspsink2_errors_suite() {
  Suite* s = suite_create("rtspsink2_errors");
  TCase* tc = tcase_create("errors");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_server_errors, 0, G_N_ELEMENTS(kCases));
  tcase_add_test(tc, test_bad_credentials);
  tcase_add_test(tc, test_connection_refused);
  tcase_add_test(tc, test_caps_wait_bounded);
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

GST_CHECK_MAIN(rtspsink2_errors)
