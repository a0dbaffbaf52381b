// rtspsink2 as an element, loaded from the rtsp2 plugin, without a server: properties, request pads, what the
// pads accept, which payloader gets plugged, and the errors that need no network.
#include <gst/gst.h>

#include <string>

#include "check.hpp"
#include "same_property.hpp"

namespace {

// A port with no listener: nothing here may reach the network anyway (no buffers are pushed).
constexpr const char* kUrl = "rtsp://127.0.0.1:9/x";

GstElement* make_sink() {
  GstElement* e = gst_element_factory_make("rtspsink2", nullptr);
  fail_unless(e != nullptr, "rtspsink2 not found");
  return e;
}

GST_START_TEST(test_property_defaults) {
  GstElement* e = make_sink();
  gchar* location = nullptr;
  gchar* agent = nullptr;
  guint protocols = 0, latency = 0;
  guint64 timeout = 0, tcp_timeout = 0, max_queue = 0, max_interval = 0;
  gint attempts = 0;
  gboolean keep_alive = FALSE;
  g_object_get(e, "location", &location, "user-agent", &agent, "protocols", &protocols, "latency", &latency,
               "timeout", &timeout, "tcp-timeout", &tcp_timeout, "max-queue-time", &max_queue,
               "reconnect-max-interval", &max_interval, "reconnect-attempts", &attempts, "do-rtsp-keep-alive",
               &keep_alive, nullptr);
  fail_unless(location == nullptr);
  fail_unless(g_str_has_prefix(agent, "GStreamer/"), "%s", agent);
  fail_unless_equals_int(protocols, 0x7);  // udp | udp-mcast | tcp, as rtspclientsink
  fail_unless_equals_int(latency, 2000);
  fail_unless_equals_uint64(timeout, 5000000);
  fail_unless_equals_uint64(tcp_timeout, 20000000);
  fail_unless_equals_uint64(max_queue, 2 * GST_SECOND);
  fail_unless_equals_uint64(max_interval, 30000000);
  fail_unless_equals_int(attempts, -1);
  fail_unless(keep_alive);
  g_free(location);
  g_free(agent);

  g_object_set(e, "location", "rtsp://user:pw@example.com:8554/a/b?x=1", "reconnect-attempts", 0,
               "max-queue-time", guint64(GST_SECOND / 2), nullptr);
  g_object_get(e, "location", &location, "reconnect-attempts", &attempts, "max-queue-time", &max_queue,
               nullptr);
  fail_unless_equals_string(location, "rtsp://user:pw@example.com:8554/a/b?x=1");
  fail_unless_equals_int(attempts, 0);
  fail_unless_equals_uint64(max_queue, GST_SECOND / 2);
  g_free(location);

  GstStructure* stats = nullptr;
  g_object_get(e, "stats", &stats, nullptr);
  fail_unless(stats != nullptr);
  fail_unless(gst_structure_has_name(stats, "application/x-rtspsink2-stats"));
  fail_unless(gst_structure_has_field(stats, "reconnects"));
  fail_unless(gst_structure_has_field(stats, "streams"));
  fail_unless_equals_string(gst_structure_get_string(stats, "state"), "idle");
  gst_structure_free(stats);
  gst_object_unref(e);
}
GST_END_TEST;

// The properties and signals whose meaning is rtspclientsink's carry its type, blurb, range and default, or
// signature.
GST_START_TEST(test_matches_rtspclientsink) {
  GstElement* ours = make_sink();
  assert_same_as_upstream(ours, "rtspclientsink", "gstreamer1.0-rtsp",
                          {"tcp-timeout", "user-id", "user-pw", "user-agent", "do-rtsp-keep-alive",
                           "tls-validation-flags", "tls-database", "tls-interaction", "port-range", "retry",
                           "udp-buffer-size", "rtp-blocksize", "sdes", "udp-reconnect", "ntp-time-source"},
                          {"accept-certificate", "update-sdp", "new-payloader"});
  gst_object_unref(ours);
}
GST_END_TEST;

GST_START_TEST(test_request_pads) {
  GstElement* e = make_sink();
  GstPad* p0 = gst_element_request_pad_simple(e, "sink_%u");
  GstPad* p5 = gst_element_request_pad_simple(e, "sink_5");
  GstPad* p1 = gst_element_request_pad_simple(e, "sink_%u");
  fail_unless(p0 && p5 && p1);
  fail_unless_equals_string(GST_PAD_NAME(p0), "sink_0");
  fail_unless_equals_string(GST_PAD_NAME(p5), "sink_5");
  fail_unless_equals_string(GST_PAD_NAME(p1), "sink_6");
  fail_unless(g_object_class_find_property(G_OBJECT_GET_CLASS(p0), "payloader") != nullptr);
  // One internal sink per pad, gone with the pad.
  fail_unless_equals_int(GST_BIN(e)->numchildren, 3);
  gst_element_release_request_pad(e, p5);
  gst_object_unref(p5);
  fail_unless_equals_int(GST_BIN(e)->numchildren, 2);
  GstStructure* stats = nullptr;
  g_object_get(e, "stats", &stats, nullptr);
  fail_unless_equals_int(gst_value_list_get_size(gst_structure_get_value(stats, "streams")), 2);
  gst_structure_free(stats);
  gst_object_unref(p0);
  gst_object_unref(p1);
  gst_object_unref(e);
}
GST_END_TEST;

GST_START_TEST(test_invalid_location) {
  const char* locations[] = {nullptr, "", "http://example.com/x", "rtsp://", "rtsp://host:99999/x"};
  for (const char* loc : locations) {
    GstElement* e = make_sink();
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(e, bus);
    g_object_set(e, "location", loc, nullptr);
    fail_unless_equals_int(gst_element_set_state(e, GST_STATE_READY), GST_STATE_CHANGE_FAILURE);
    GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    fail_unless(m != nullptr, "%s: no error", loc ? loc : "(null)");
    GError* err = nullptr;
    gst_message_parse_error(m, &err, nullptr);
    fail_unless(g_error_matches(err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND));
    g_error_free(err);
    gst_message_unref(m);
    gst_element_set_state(e, GST_STATE_NULL);
    gst_element_set_bus(e, nullptr);
    gst_object_unref(bus);
    gst_object_unref(e);
  }
}
GST_END_TEST;

// A source pad linked to one of rtspsink2's request pads, with the element in PAUSED (a sink bin prerolls, so
// the state change is ASYNC: GstHarness insists on SUCCESS).
class Feeder {
 public:
  explicit Feeder(const char* requested_payloader = "") {
    element = make_sink();
    g_object_set(element, "location", kUrl, nullptr);
    bus = gst_bus_new();
    gst_element_set_bus(element, bus);
    sinkpad = gst_element_request_pad_simple(element, "sink_%u");
    if (*requested_payloader != '\0') g_object_set(sinkpad, "payloader", requested_payloader, nullptr);
    src = gst_pad_new("src", GST_PAD_SRC);
    fail_unless_equals_int(gst_pad_link(src, sinkpad), GST_PAD_LINK_OK);
    gst_pad_set_active(src, TRUE);
    fail_unless(gst_element_set_state(element, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    gst_pad_push_event(src, gst_event_new_stream_start("test"));
  }
  ~Feeder() {
    gst_element_set_state(element, GST_STATE_NULL);
    gst_pad_set_active(src, FALSE);
    gst_object_unref(src);
    gst_object_unref(sinkpad);
    gst_element_set_bus(element, nullptr);
    gst_object_unref(bus);
    gst_object_unref(element);
  }
  bool push_caps(const char* caps) {
    return gst_pad_push_event(src, gst_event_new_caps(gst_caps_from_string(caps)));
  }
  GstElement* element;
  GstBus* bus;
  GstPad* sinkpad;
  GstPad* src;
};

GstCaps* query_pad_caps(GstPad* pad) {
  return gst_pad_query_caps(pad, nullptr);
}

bool caps_has(GstCaps* caps, const char* str) {
  GstCaps* c = gst_caps_from_string(str);
  bool r = gst_caps_can_intersect(caps, c);
  gst_caps_unref(c);
  return r;
}

GST_START_TEST(test_pad_caps_query) {
  GstElement* e = make_sink();
  GstPad* pad = gst_element_request_pad_simple(e, "sink_%u");
  GstCaps* caps = query_pad_caps(pad);
  for (const char* c :
       {"application/x-rtp", "video/x-h264,stream-format=byte-stream,alignment=au",
        "video/x-h265,stream-format=byte-stream,alignment=au", "audio/mpeg,mpegversion=4", "audio/x-opus",
        "audio/x-mulaw,rate=8000,channels=1", "audio/x-alaw,rate=8000,channels=1", "image/jpeg",
        "video/mpeg,mpegversion=4,systemstream=false"}) {
    fail_unless(caps_has(caps, c), "%s not offered", c);
  }
  fail_unless(!caps_has(caps, "application/x-rtsp2-unknown"));
  gst_caps_unref(caps);
  GstCaps* opus = gst_caps_from_string("audio/x-opus");
  fail_unless(gst_pad_query_accept_caps(pad, opus));

  // With a payloader chosen, only what it takes.
  g_object_set(pad, "payloader", "rtph264pay", nullptr);
  caps = query_pad_caps(pad);
  fail_unless(caps_has(caps, "video/x-h264,stream-format=avc,alignment=au"));
  fail_unless(caps_has(caps, "application/x-rtp"));
  fail_unless(!caps_has(caps, "audio/x-opus"));
  gst_caps_unref(caps);
  // Accept-caps lets anything through to the caps event, where a mismatch is one clear error (see below).
  fail_unless(gst_pad_query_accept_caps(pad, opus));
  gst_caps_unref(opus);
  gst_object_unref(pad);
  gst_object_unref(e);
}
GST_END_TEST;

// Which payloader a pad plugs for which caps: ours (plugin rtp2) first, else the best-ranked upstream one;
// the pad's payloader property wins.
struct PayCase {
  const char* caps;
  const char* requested;
  const char* expected;
};
const PayCase kPayCases[] = {
    {"video/x-h264,stream-format=byte-stream,alignment=au", "", "rtph264pay2"},
    {"video/"
     "x-h264,stream-format=avc,alignment=au,codec_data=(buffer)"
     "01640014ffe1000a6764001ac4d0a04c6d0101000568ee3c80",
     "", "rtph264pay2"},
    {"video/x-h264,stream-format=byte-stream,alignment=au", "rtph264pay", "rtph264pay"},
    {"audio/mpeg,mpegversion=4,stream-format=raw,rate=48000,channels=2,codec_data=(buffer)1190", "",
     "rtpmp4gpay2"},
    {"audio/mpeg,mpegversion=4,stream-format=raw,rate=48000,channels=2,codec_data=(buffer)1190", "rtpmp4apay",
     "rtpmp4apay"},
    {"video/x-h265,stream-format=byte-stream,alignment=au", "", "rtph265pay2"},
    {"audio/x-opus,channel-mapping-family=0,channels=2,rate=48000", "", "rtpopuspay2"},
    {"audio/x-mulaw,rate=8000,channels=1", "", "rtppcmupay2"},
    {"audio/x-alaw,rate=8000,channels=1", "", "rtppcmapay2"},
    {"image/jpeg,width=320,height=240", "", "rtpjpegpay2"},
    {"video/mpeg,mpegversion=4,systemstream=false", "", "rtpmp4vpay2"},
};

std::string plugged_payloader(GstElement* bin) {
  std::string name;
  GstIterator* it = gst_bin_iterate_elements(GST_BIN(bin));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement* child = GST_ELEMENT(g_value_get_object(&v));
    GstElementFactory* f = gst_element_get_factory(child);
    if (f != nullptr && gst_element_factory_list_is_type(f, GST_ELEMENT_FACTORY_TYPE_PAYLOADER)) {
      name = GST_OBJECT_NAME(f);
    }
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return name;
}

GST_START_TEST(test_payloader_choice) {
  const PayCase& c = kPayCases[__i__];
  Feeder f(c.requested);
  std::string announced;
  g_signal_connect(f.element, "new-payloader", G_CALLBACK(+[](GstElement*, GstElement* pay, gpointer d) {
                     *static_cast<std::string*>(d) = GST_OBJECT_NAME(gst_element_get_factory(pay));
                   }),
                   &announced);
  fail_unless(f.push_caps(c.caps), "%s refused", c.caps);
  const std::string plugged = plugged_payloader(f.element);
  fail_unless_equals_string(plugged.c_str(), c.expected);
  fail_unless_equals_string(announced.c_str(), c.expected);
}
GST_END_TEST;

GST_START_TEST(test_rtp_caps_need_no_payloader) {
  Feeder f;
  fail_unless(f.push_caps("application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96"));
  const std::string plugged = plugged_payloader(f.element);
  fail_unless_equals_string(plugged.c_str(), "");
  fail_unless_equals_int(GST_BIN(f.element)->numchildren, 1);
}
GST_END_TEST;

// Caps no payloader takes, or that the chosen payloader does not take: STREAM FORMAT naming the pad.
GST_START_TEST(test_unpayloadable_caps) {
  struct {
    const char* caps;
    const char* requested;
  } cases[] = {{"application/x-rtsp2-unknown", ""},
               {"audio/x-opus,channel-mapping-family=0", "rtph264pay"},
               {"audio/x-opus,channel-mapping-family=0", "no-such-element"},
               {"audio/x-opus,channel-mapping-family=0", "fakesink"}};
  for (const auto& c : cases) {
    Feeder f(c.requested);
    f.push_caps(c.caps);
    GstMessage* m = gst_bus_pop_filtered(f.bus, GST_MESSAGE_ERROR);
    fail_unless(m != nullptr, "%s/%s: no error", c.caps, c.requested);
    GError* err = nullptr;
    gst_message_parse_error(m, &err, nullptr);
    fail_unless(g_error_matches(err, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT), "%s", err->message);
    fail_unless(strstr(err->message, "sink_0") != nullptr, "%s", err->message);
    g_error_free(err);
    gst_message_unref(m);
  }
}
GST_END_TEST;

Suite* rtspsink2_suite() {
  Suite* s = suite_create("rtspsink2");
  TCase* tc = tcase_create("element");
  tcase_add_test(tc, test_property_defaults);
  tcase_add_test(tc, test_matches_rtspclientsink);
  tcase_add_test(tc, test_request_pads);
  tcase_add_test(tc, test_invalid_location);
  tcase_add_test(tc, test_pad_caps_query);
  tcase_add_loop_test(tc, test_payloader_choice, 0, G_N_ELEMENTS(kPayCases));
  tcase_add_test(tc, test_rtp_caps_need_no_payloader);
  tcase_add_test(tc, test_unpayloadable_caps);
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

GST_CHECK_MAIN(rtspsink2)
