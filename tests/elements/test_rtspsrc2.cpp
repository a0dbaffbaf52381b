// rtspsrc2 as an element, without an RTSP server: registration, properties (rtspsrc's where shared), URI
// handler, state changes that must not wait for the network, and connection-level errors.
#include <gio/gio.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "../interop/src_probe.hpp"

#include "../common/check.hpp"
#include "../common/same_property.hpp"

using namespace rtsp2::test;
using Clock = std::chrono::steady_clock;

namespace {

GstElement* make_src() {
  GstElement* e = gst_element_factory_make("rtspsrc2", nullptr);
  fail_unless(e != nullptr, "rtspsrc2 not found");
  return e;
}

// A TCP port that nobody listens on.
std::uint16_t closed_port() {
  GSocket* s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* sa = g_inet_socket_address_new(lo, 0);
  g_socket_bind(s, sa, TRUE, nullptr);
  GSocketAddress* bound = g_socket_get_local_address(s, nullptr);
  std::uint16_t port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_object_unref(sa);
  g_object_unref(lo);
  g_socket_close(s, nullptr);
  g_object_unref(s);
  return port;
}

// Accepts connections (the kernel does, through the backlog) and never answers.
struct SilentListener {
  GSocket* socket;
  std::uint16_t port;
  SilentListener() {
    socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
    GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    GSocketAddress* sa = g_inet_socket_address_new(lo, 0);
    g_socket_bind(socket, sa, TRUE, nullptr);
    g_socket_listen(socket, nullptr);
    GSocketAddress* bound = g_socket_get_local_address(socket, nullptr);
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_object_unref(bound);
    g_object_unref(sa);
    g_object_unref(lo);
  }
  ~SilentListener() {
    g_socket_close(socket, nullptr);
    g_object_unref(socket);
  }
};

long ms_since(Clock::time_point t) {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

}  // namespace

GST_START_TEST(test_registration) {
  GstElementFactory* f = gst_element_factory_find("rtspsrc2");
  fail_unless(f != nullptr);
  fail_unless_equals_int(gst_plugin_feature_get_rank(GST_PLUGIN_FEATURE(f)), GST_RANK_MARGINAL);
  fail_unless_equals_string(gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS),
                            "Source/Network");
  GstPluginFeature* loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(f));
  GstPlugin* plugin = gst_plugin_feature_get_plugin(loaded);
  fail_unless_equals_string(gst_plugin_get_name(plugin), "rtsp2");
  gst_object_unref(plugin);
  gst_object_unref(loaded);
  // One sometimes pad template stream_%u with RTP caps.
  const GList* templates = gst_element_factory_get_static_pad_templates(f);
  fail_unless_equals_int(g_list_length(const_cast<GList*>(templates)), 1);
  auto* t = static_cast<GstStaticPadTemplate*>(templates->data);
  fail_unless_equals_string(t->name_template, "stream_%u");
  fail_unless_equals_int(t->presence, GST_PAD_SOMETIMES);
  fail_unless_equals_int(t->direction, GST_PAD_SRC);
  gst_object_unref(f);
}
GST_END_TEST;

// Every property and signal whose meaning is rtspsrc's carries rtspsrc's type, blurb, range and default, or
// signature.
GST_START_TEST(test_matches_rtspsrc) {
  GstElement* ours = make_src();
  assert_same_as_upstream(ours, "rtspsrc", "gstreamer1.0-plugins-good",
                          {"location",
                           "protocols",
                           "timeout",
                           "tcp-timeout",
                           "latency",
                           "user-id",
                           "user-pw",
                           "user-agent",
                           "do-rtsp-keep-alive",
                           "do-rtcp",
                           "port-range",
                           "multicast-iface",
                           "tls-validation-flags",
                           "tls-database",
                           "tls-interaction",
                           "teardown-timeout",
                           "nat-method",
                           "drop-on-latency",
                           "udp-buffer-size",
                           "connection-speed",
                           "rtp-blocksize",
                           "probation",
                           "retry",
                           "short-header",
                           "debug",
                           "sdes",
                           "buffer-mode",
                           "ntp-sync",
                           "ntp-time-source",
                           "use-pipeline-clock",
                           "max-rtcp-rtp-time-diff",
                           "max-ts-offset",
                           "max-ts-offset-adjustment",
                           "udp-reconnect"},
                          {"on-sdp", "select-stream", "new-manager", "accept-certificate", "before-send",
                           "handle-request", "get-parameter", "set-parameter"});
  gst_object_unref(ours);
}
GST_END_TEST;

GST_START_TEST(test_property_roundtrip) {
  struct Case {
    const char* name;
    const char* set;
    const char* expect;  // serialised value read back
  };
  const Case cases[] = {
      {"location", "rtsp://u:p@127.0.0.1:8554/a", "rtsp://u:p@127.0.0.1:8554/a"},
      {"protocols", "tcp", "tcp"},
      {"protocols", "udp+udp-mcast", "udp+udp-mcast"},
      {"timeout", "1000", "1000"},
      {"tcp-timeout", "0", "0"},
      {"latency", "150", "150"},
      {"user-id", "alice", "alice"},
      {"user-agent", "cam-client/1", "cam-client/1"},
      {"do-rtsp-keep-alive", "false", "false"},
      {"do-rtcp", "false", "false"},
      {"port-range", "5000-5009", "5000-5009"},
      {"port-range", "junk", "5000-5009"},  // refused: the previous value stays
      {"multicast-iface", "lo", "lo"},
      {"tls-validation-flags", "unknown-ca", "unknown-ca"},
      {"teardown-timeout", "5", "5"},
      {"nat-method", "none", "none"},
      {"reconnect-attempts", "3", "3"},
      {"reconnect-attempts", "0", "0"},
      {"reconnect-max-interval", "2000000", "2000000"},
      {"connection-speed", "1000", "1000"},
      {"rtp-blocksize", "1400", "1400"},
      {"probation", "0", "0"},
      {"retry", "3", "3"},
      {"short-header", "true", "true"},
      {"debug", "true", "true"},
      {"buffer-mode", "none", "none"},
      {"ntp-sync", "true", "true"},
      {"ntp-time-source", "unix", "unix"},
      {"use-pipeline-clock", "true", "true"},
      {"max-rtcp-rtp-time-diff", "-1", "-1"},
      {"max-ts-offset", "5", "5"},
      {"max-ts-offset-adjustment", "7", "7"},
      {"udp-reconnect", "false", "false"},
  };
  GstElement* e = make_src();
  for (const auto& c : cases) {
    gst_util_set_object_arg(G_OBJECT(e), c.name, c.set);
    // What was read back must equal `expect` set on a fresh element.
    GstElement* ref = make_src();
    gst_util_set_object_arg(G_OBJECT(ref), c.name, c.expect);
    GParamSpec* pspec = g_object_class_find_property(G_OBJECT_GET_CLASS(e), c.name);
    GValue got = G_VALUE_INIT, want = G_VALUE_INIT;
    g_object_get_property(G_OBJECT(e), c.name, &got);
    g_object_get_property(G_OBJECT(ref), c.name, &want);
    gchar* text = gst_value_serialize(&got);
    fail_unless_equals_int(g_param_values_cmp(pspec, &got, &want), 0);
    fail_unless(g_param_values_cmp(pspec, &got, g_param_spec_get_default_value(pspec)) != 0 ||
                    std::string(c.set) == c.expect,
                "%s: still the default after setting %s (%s)", c.name, c.set, text);
    g_free(text);
    g_value_unset(&got);
    g_value_unset(&want);
    gst_object_unref(ref);
  }
  gst_object_unref(e);
}
GST_END_TEST;

GST_START_TEST(test_new_property_defaults) {
  GstElement* e = make_src();
  gint attempts = 0;
  guint64 max_interval = 0;
  GstStructure* stats = nullptr;
  g_object_get(e, "reconnect-attempts", &attempts, "reconnect-max-interval", &max_interval, "stats", &stats,
               nullptr);
  fail_unless_equals_int(attempts, -1);
  fail_unless_equals_uint64(max_interval, 30000000);
  fail_unless(stats != nullptr);
  fail_unless(gst_structure_has_name(stats, "application/x-rtspsrc2-stats"));
  const GValue* streams = gst_structure_get_value(stats, "streams");
  fail_unless(streams != nullptr && gst_value_list_get_size(streams) == 0);
  for (const char* field : {"reconnects", "keep-alives", "requests"}) {
    guint64 v = 1;
    fail_unless(gst_structure_get_uint64(stats, field, &v), field);
    fail_unless_equals_uint64(v, 0);
  }
  gst_structure_free(stats);
  GParamSpec* p = g_object_class_find_property(G_OBJECT_GET_CLASS(e), "stats");
  fail_if(p->flags & G_PARAM_WRITABLE);
  // The native receive path is the default; rtpbin stays selectable by its nick.
  GParamSpec* engine = g_object_class_find_property(G_OBJECT_GET_CLASS(e), "rtp-engine");
  fail_unless(engine != nullptr && G_IS_PARAM_SPEC_ENUM(engine));
  GEnumValue* def =
      g_enum_get_value(G_PARAM_SPEC_ENUM(engine)->enum_class, G_PARAM_SPEC_ENUM(engine)->default_value);
  fail_unless_equals_string(def->value_nick, "native");
  fail_unless(g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(engine)->enum_class, "rtpbin") != nullptr);
  // read-interval: -1 (automatic) by default, up to a second.
  GParamSpec* ri = g_object_class_find_property(G_OBJECT_GET_CLASS(e), "read-interval");
  fail_unless(ri != nullptr && G_IS_PARAM_SPEC_INT(ri));
  fail_unless_equals_int(G_PARAM_SPEC_INT(ri)->default_value, -1);
  fail_unless_equals_int(G_PARAM_SPEC_INT(ri)->minimum, -1);
  fail_unless_equals_int(G_PARAM_SPEC_INT(ri)->maximum, 1000);
  gst_object_unref(e);
}
GST_END_TEST;

// As rtspsrc: ntp-sync lifts max-ts-offset to 0 (no limit) unless it was set; sdes keeps a copy.
GST_START_TEST(test_ntp_sync_offset_and_sdes) {
  for (bool offset_set : {false, true}) {
    GstElement* e = make_src();
    if (offset_set) g_object_set(e, "max-ts-offset", gint64(123), nullptr);
    g_object_set(e, "ntp-sync", TRUE, nullptr);
    gint64 offset = -1;
    g_object_get(e, "max-ts-offset", &offset, nullptr);
    fail_unless_equals_int64(offset, offset_set ? 123 : 0);
    g_object_set(e, "ntp-sync", FALSE, nullptr);
    g_object_get(e, "max-ts-offset", &offset, nullptr);
    fail_unless_equals_int64(offset, offset_set ? 123 : 3000000000);
    gst_object_unref(e);
  }
  GstElement* e = make_src();
  GstStructure* sdes = gst_structure_new("application/x-rtp-source-sdes", "cname", G_TYPE_STRING, "cam-1",
                                         "tool", G_TYPE_STRING, "nvr", nullptr);
  g_object_set(e, "sdes", sdes, nullptr);
  gst_structure_set(sdes, "cname", G_TYPE_STRING, "changed", nullptr);
  GstStructure* got = nullptr;
  g_object_get(e, "sdes", &got, nullptr);
  fail_unless(got != nullptr);
  fail_unless_equals_string(gst_structure_get_string(got, "cname"), "cam-1");
  fail_unless_equals_string(gst_structure_get_string(got, "tool"), "nvr");
  gst_structure_free(got);
  gst_structure_free(sdes);
  g_object_set(e, "sdes", nullptr, nullptr);
  g_object_get(e, "sdes", &got, nullptr);
  fail_unless(got == nullptr);
  gst_object_unref(e);
}
GST_END_TEST;

// rtp-engine picks what receives: rtpbin is a child (and announced with new-manager) only when asked for.
GST_START_TEST(test_rtp_engine_selects_the_receive_path) {
  for (const char* engine : {"native", "rtpbin"}) {
    GstElement* e = make_src();
    gst_object_ref_sink(e);
    const std::string url = "rtsp://127.0.0.1:" + std::to_string(closed_port()) + "/x";
    g_object_set(e, "location", url.c_str(), "reconnect-attempts", 0, nullptr);
    gst_util_set_object_arg(G_OBJECT(e), "rtp-engine", engine);
    int managers = 0;
    g_signal_connect(e, "new-manager",
                     G_CALLBACK(+[](GstElement*, GstElement*, gpointer n) { ++*static_cast<int*>(n); }),
                     &managers);
    gst_element_set_state(e, GST_STATE_PAUSED);
    GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(e), "manager");
    const bool want = std::string(engine) == "rtpbin";
    fail_unless_equals_int(rtpbin != nullptr, want);
    fail_unless_equals_int(managers, want ? 1 : 0);
    if (rtpbin != nullptr) gst_object_unref(rtpbin);
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
  }
}
GST_END_TEST;

GST_START_TEST(test_uri_handler) {
  GstElement* e = make_src();
  GstURIHandler* h = GST_URI_HANDLER(e);
  fail_unless_equals_int(gst_uri_handler_get_uri_type(h), GST_URI_SRC);
  std::set<std::string> protocols;
  for (const gchar* const* p = gst_uri_handler_get_protocols(h); *p != nullptr; ++p) protocols.insert(*p);
  const std::set<std::string> expected{"rtsp", "rtspu", "rtspt", "rtsps", "rtspsu", "rtspst"};
  fail_unless(protocols == expected);
  struct Case {
    const char* uri;
    bool ok;
  };
  const Case cases[] = {
      {"rtsp://127.0.0.1:8554/test", true},
      {"rtspu://cam/s", true},
      {"rtspt://[::1]:554/x", true},
      {"rtsps://cam:322/s?x=1", true},
      {"rtspsu://cam/s", true},
      {"rtspst://u:p@cam/s", true},
      {"http://cam/s", false},
      {"rtsp://", false},
      {"rtsp://cam:0/s", false},
      {"rtsp://cam:70000/s", false},
      {"rtsp://c am/s", false},
      {"rtsp://[::1/s", false},
  };
  for (const auto& c : cases) {
    GError* err = nullptr;
    gboolean ok = gst_uri_handler_set_uri(h, c.uri, &err);
    fail_unless(ok == (c.ok ? TRUE : FALSE), c.uri);
    if (c.ok) {
      gchar* back = gst_uri_handler_get_uri(h);
      fail_unless_equals_string(back, c.uri);
      g_free(back);
    } else {
      // Another scheme is refused by GstURIHandler itself (UNSUPPORTED_PROTOCOL), the rest by us (BAD_URI).
      fail_unless(err != nullptr && err->domain == GST_URI_ERROR, c.uri);
      g_clear_error(&err);
    }
  }
  gst_object_unref(e);
}
GST_END_TEST;

GST_START_TEST(test_no_location_fails_to_pause) {
  for (const char* location : {"", "not a url"}) {
    SrcProbe p("rtspsrc2", "");
    if (*location != '\0') g_object_set(p.src(), "location", location, nullptr);
    fail_unless_equals_int(gst_element_set_state(p.src(), GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int(gst_element_set_state(p.src(), GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int(p.error_count(), 1);
    fail_unless(g_error_matches(p.first_error(), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
    fail_unless_equals_int(gst_element_set_state(p.src(), GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  }
}
GST_END_TEST;

// READY→PAUSED and PLAYING both return at once whatever the server does, and going back down is bounded by
// teardown-timeout even when the server never answers.
GST_START_TEST(test_state_changes_do_not_block_on_network) {
  SilentListener silent;
  SrcProbe p("rtspsrc2", "rtsp://127.0.0.1:" + std::to_string(silent.port) + "/s");
  g_object_set(p.src(), "teardown-timeout", guint64(200 * GST_MSECOND), nullptr);
  auto t0 = Clock::now();
  fail_unless_equals_int(gst_element_set_state(p.src(), GST_STATE_PAUSED), GST_STATE_CHANGE_NO_PREROLL);
  fail_unless(ms_since(t0) < 500, "READY->PAUSED took %ld ms", ms_since(t0));
  t0 = Clock::now();
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(ms_since(t0) < 500, "PAUSED->PLAYING took %ld ms", ms_since(t0));
  t0 = Clock::now();
  fail_unless_equals_int(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  fail_unless(ms_since(t0) < 1500, "PLAYING->NULL took %ld ms", ms_since(t0));
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

GST_START_TEST(test_repeated_start_stop) {
  const std::uint16_t port = closed_port();
  SrcProbe p("rtspsrc2", "rtsp://127.0.0.1:" + std::to_string(port) + "/s");
  for (int i = 0; i < 20; ++i) {
    fail_if(p.set_state(i % 2 == 0 ? GST_STATE_PLAYING : GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_int(p.set_state(i % 3 == 0 ? GST_STATE_NULL : GST_STATE_READY),
                           GST_STATE_CHANGE_SUCCESS);
  }
}
GST_END_TEST;

// Connection-level failures: one error, the right domain, the URL without credentials, and NULL afterwards.
GST_START_TEST(test_connection_errors) {
  SilentListener silent;
  struct Case {
    std::string location;
    int code;
    const char* words;  // expected in the message
    guint64 tcp_timeout_us;
  };
  const Case cases[] = {
      {"rtsp://user:secret@127.0.0.1:" + std::to_string(closed_port()) + "/cam", GST_RESOURCE_ERROR_OPEN_READ,
       "connection refused", 20000000},
      {"rtsp://user:secret@no-such-host.invalid:554/cam", GST_RESOURCE_ERROR_NOT_FOUND, "resolve", 20000000},
      // TLS against a server that never completes the handshake: bounded by tcp-timeout.
      {"rtsps://user:secret@127.0.0.1:" + std::to_string(silent.port) + "/cam", GST_RESOURCE_ERROR_OPEN_READ,
       "no connection within", 300000},
  };
  for (const auto& c : cases) {
    SrcProbe p("rtspsrc2", c.location);
    g_object_set(p.src(), "tcp-timeout", c.tcp_timeout_us, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(p.wait_error(10000), "%s: no error", c.location.c_str());
    GError* e = p.first_error();
    fail_unless(e->domain == GST_RESOURCE_ERROR && e->code == c.code, "%s: %s (code %d)", c.location.c_str(),
                e->message, e->code);
    const std::string msg = e->message;
    fail_unless(msg.find(c.words) != std::string::npos, "%s", msg.c_str());
    fail_unless(
        msg.find("secret") == std::string::npos && p.first_error_debug().find("secret") == std::string::npos,
        "credentials leaked: %s", msg.c_str());
    const std::string url_without_credentials = "://" + c.location.substr(c.location.find('@') + 1);
    fail_unless(msg.find(url_without_credentials) != std::string::npos, "%s", msg.c_str());
    // Exactly one error: nothing else arrives.
    fail_if(p.wait([&] { return p.error_count() > 1; }, 300));
    fail_unless_equals_int(p.set_state(GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  }
}
GST_END_TEST;

GST_START_TEST(test_actions_without_session) {
  GstElement* e = make_src();
  GstPromise* promise = gst_promise_new();
  gboolean accepted = TRUE;
  // Not started: refused at once, not queued forever.
  g_signal_emit_by_name(e, "get-parameter", "x", nullptr, promise, &accepted);
  fail_if(accepted);
  g_signal_emit_by_name(e, "set-parameter", "x", "1", nullptr, promise, &accepted);
  fail_if(accepted);
  gst_promise_expire(promise);
  gst_promise_unref(promise);
  gst_object_unref(e);
}
GST_END_TEST;

static Suite* rtspsrc2_suite() {
  Suite* s = suite_create("rtspsrc2");
  TCase* tc = tcase_create("element");
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_registration);
  tcase_add_test(tc, test_matches_rtspsrc);
  tcase_add_test(tc, test_property_roundtrip);
  tcase_add_test(tc, test_new_property_defaults);
  tcase_add_test(tc, test_ntp_sync_offset_and_sdes);
  tcase_add_test(tc, test_rtp_engine_selects_the_receive_path);
  tcase_add_test(tc, test_uri_handler);
  tcase_add_test(tc, test_no_location_fails_to_pause);
  tcase_add_test(tc, test_state_changes_do_not_block_on_network);
  tcase_add_test(tc, test_repeated_start_stop);
  tcase_add_test(tc, test_connection_errors);
  tcase_add_test(tc, test_actions_without_session);
  return s;
}

GST_CHECK_MAIN(rtspsrc2);
