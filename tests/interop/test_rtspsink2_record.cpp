// rtspsink2 publishing to gst-rtsp-server's RECORD mount (in process, 127.0.0.1, free port): H.264 alone and
// H.264 + AAC, over TCP and UDP, with and without Digest authentication. The server decodes what it receives;
// every frame that reached rtspsink2 must arrive, and the pipeline's EOS must come after the server has it
// all.
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <string>

#include "sink_pipeline.hpp"
#include "sink_record_server.hpp"

#include "check.hpp"

using rtsp2::test::RecordServer;

namespace {

struct Case {
  const char* name;
  bool audio;
  const char* protocols;  // rtspsink2's
  bool digest;
  bool server_tcp;
  bool server_udp;
};

const Case kCases[] = {
    {"h264 tcp", false, "tcp", false, true, true},
    {"h264 udp", false, "udp", false, true, true},
    {"h264+aac tcp", true, "tcp", false, true, true},
    {"h264+aac udp", true, "udp", false, true, true},
    {"h264 tcp digest", false, "tcp", true, true, true},
    {"h264+aac udp digest", true, "udp", true, true, true},
    // Default protocols (TCP first, then UDP) against a server that takes UDP only: 461, then UDP.
    {"h264 default protocols, server udp only", false, "tcp+udp", false, false, true},
};

constexpr int kFrames = 45;
constexpr int kAudioBuffers = 40;

GST_START_TEST(test_record) {
  const Case& c = kCases[__i__];
  GST_INFO("case: %s", c.name);
  RecordServer::Options opts;
  opts.audio = c.audio;
  opts.tcp = c.server_tcp;
  opts.udp = c.server_udp;
  if (c.digest) {
    opts.digest_user = "publisher";
    opts.digest_password = "s3cret";
  }
  RecordServer server(opts);
  fail_unless(server.start());

  std::string launch = rtsp2::test::h264_source(kFrames) + " ! rtspsink2 name=sink location=\"" +
                       server.url() + "\" protocols=" + c.protocols;
  if (c.digest) launch += " user-id=publisher user-pw=s3cret";
  if (c.audio) launch += " " + rtsp2::test::aac_source(kAudioBuffers) + " ! sink.";
  auto r = rtsp2::test::publish(launch);
  fail_unless(r.eos, "%s: no EOS (error: %s / %s, timed out: %d)", c.name, r.error_text.c_str(),
              r.error_debug.c_str(), r.timed_out);
  fail_unless(server.wait_media_eos(10000), "%s: the server's media never finished", c.name);
  fail_unless(r.video_sent > 0);
  // Over TCP every frame arrives. Over UDP the loopback may drop a datagram when the machine is loaded (the
  // source publishes faster than real time): a frame or two may be missing, never more, never extra.
  const bool over_udp = std::string(c.protocols) == "udp" || !c.server_tcp;
  const int slack = over_udp ? 2 : 0;
  auto arrived = [&](int got, int sent, const char* what) {
    fail_unless(got <= sent && got >= sent - slack, "%s: %d of %d %s frames arrived", c.name, got, sent,
                what);
  };
  arrived(server.video_frames(), r.video_sent, "video");
  if (c.audio) {
    fail_unless(r.audio_sent > 0);
    arrived(server.audio_frames(), r.audio_sent, "audio");
  }
  fail_unless_equals_int(server.requests("TEARDOWN"), 1);
  const auto transports = server.setup_transports();
  fail_unless_equals_int(int(transports.size()), c.audio ? 2 : 1);
  for (const auto& t : transports) {
    fail_unless(t.find("mode=record") != std::string::npos, "%s", t.c_str());
    if (std::string(c.protocols) == "udp") {
      fail_unless(t.find("client_port=") != std::string::npos, "%s", t.c_str());
      fail_unless(t.find("client_port=0-0") == std::string::npos, "%s", t.c_str());
    }
  }
  const std::string sdp = server.announced_sdp();
  fail_unless(sdp.find("a=rtpmap:96 H264/90000") != std::string::npos, "%s", sdp.c_str());
  fail_unless(sdp.find("sprop-parameter-sets=") != std::string::npos, "%s", sdp.c_str());
  fail_unless(sdp.find("a=control:stream=0") != std::string::npos, "%s", sdp.c_str());
  if (c.audio) fail_unless(sdp.find("MPEG4-GENERIC/48000") != std::string::npos, "%s", sdp.c_str());
  server.stop();
}
GST_END_TEST;

// RTSPS: gst-rtsp-server with a self-signed certificate for 127.0.0.1. With that certificate as tls-database
// anchor, validation passes; with the system's anchors it fails (one TLS error, nothing published); with
// tls-validation-flags=0 nothing is checked; the accept-certificate signal decides what validation refused.
GST_START_TEST(test_rtsps) {
  gchar* dir = g_dir_make_tmp("rtspsink2-tls-XXXXXX", nullptr);
  const std::string pem = std::string(dir) + "/server.pem";
  fail_unless(rtsp2::test::write_test_certificate(pem), "openssl could not make a certificate");
  enum class Signal { None, Accept, Refuse };
  struct {
    const char* name;
    bool anchor;
    bool validate;
    Signal signal;
    bool ok;
  } cases[] = {{"own anchor", true, true, Signal::None, true},
               {"system anchors", false, true, Signal::None, false},
               {"no validation", false, false, Signal::None, true},
               {"accepted by the signal", false, true, Signal::Accept, true},
               {"refused by the signal", false, true, Signal::Refuse, false}};
  for (const auto& c : cases) {
    struct Asked {
      int times = 0;
      GTlsCertificateFlags errors = GTlsCertificateFlags(0);
      bool certificate = false;
      bool answer = false;
    } asked;
    asked.answer = c.signal == Signal::Accept;
    RecordServer::Options opts;
    opts.tls_certificate = pem;
    RecordServer server(opts);
    fail_unless(server.start());
    std::string launch = rtsp2::test::h264_source(15) + " ! rtspsink2 name=sink protocols=tcp location=\"" +
                         server.url() + "\"";
    if (!c.validate) launch += " tls-validation-flags=0";
    rtsp2::test::PublishOptions po;
    po.setup = [&](GstElement* pipeline) {
      if (c.signal != Signal::None) {
        GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
        g_signal_connect(sink, "accept-certificate",
                         G_CALLBACK(+[](GstElement*, GTlsConnection*, GTlsCertificate* cert,
                                        GTlsCertificateFlags errors, gpointer data) -> gboolean {
                           auto* a = static_cast<Asked*>(data);
                           a->times++;
                           a->errors = errors;
                           a->certificate = G_IS_TLS_CERTIFICATE(cert);
                           return a->answer ? TRUE : FALSE;
                         }),
                         &asked);
        gst_object_unref(sink);
      }
      if (!c.anchor) return;
      GTlsDatabase* db = g_tls_file_database_new(pem.c_str(), nullptr);
      fail_unless(db != nullptr);
      GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
      g_object_set(sink, "tls-database", db, nullptr);
      g_object_unref(db);
      gst_object_unref(sink);
    };
    auto r = rtsp2::test::publish(launch, po);
    if (c.signal != Signal::None) {
      // Asked once per handshake, about the unknown issuer of a self-signed certificate.
      fail_unless(asked.times >= 1 && asked.certificate, "%s: asked %d times", c.name, asked.times);
      fail_unless(asked.errors & G_TLS_CERTIFICATE_UNKNOWN_CA, "%s: errors 0x%x", c.name,
                  unsigned(asked.errors));
    }
    if (c.ok) {
      fail_unless(r.eos, "%s: %s / %s", c.name, r.error_text.c_str(), r.error_debug.c_str());
      fail_unless(server.wait_media_eos(10000));
      fail_unless_equals_int(server.video_frames(), r.video_sent);
    } else {
      fail_unless(r.error, "%s: no error", c.name);
      fail_unless_equals_int(r.error_code, GST_RESOURCE_ERROR_OPEN_WRITE);
      fail_unless(r.error_text.find("TLS") != std::string::npos, "%s", r.error_text.c_str());
      fail_unless_equals_int(server.requests("ANNOUNCE"), 0);
    }
    server.stop();
  }
  g_remove(pem.c_str());
  g_rmdir(dir);
  g_free(dir);
}
GST_END_TEST;

Suite* rtspsink2_record_suite() {
  Suite* s = suite_create("rtspsink2_record");
  TCase* tc = tcase_create("record");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_record, 0, G_N_ELEMENTS(kCases));
  tcase_add_test(tc, test_rtsps);
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  gst_check_init(&argc, &argv);
  return gst_check_run_suite(rtspsink2_record_suite(), "rtspsink2_record", __FILE__);
}
