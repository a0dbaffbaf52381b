// rtsp2-example-server: a small RTSP server (gst-rtsp-server) for the demo, the benchmarks and manual tests.
//
//   /test    live test pattern as H.264
//   /av      H.264 + AAC
//   /raw     raw video (rtpvrawpay), a high packet rate for the benchmarks
//   /record  RECORD mount (ANNOUNCE/RECORD with H.264): what arrives is written to --record-file
//            (MPEG-TS: readable even when the server is killed, and in-band SPS/PPS changes are fine)
//
// Usage: rtsp2-example-server [--port N] [--address A] [--record-file F] [--user U --password P]
// --port 0 (the default) picks a free port; the chosen port is printed on stdout as "port N" before anything
// else.
#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdio>
#include <string>

namespace {

struct Options {
  int port = 0;
  std::string address = "127.0.0.1";
  std::string record_file = "rtsp2-record.ts";
  std::string user;
  std::string password;
  int width = 640;
  int height = 480;
  int fps = 30;
};

std::string h264_launch(const Options& o) {
  return "videotestsrc is-live=true pattern=ball ! video/x-raw,width=" + std::to_string(o.width) +
         ",height=" + std::to_string(o.height) + ",framerate=" + std::to_string(o.fps) +
         "/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" + std::to_string(o.fps) +
         " bitrate=1000 ! rtph264pay name=pay0 pt=96 config-interval=1";
}

void add(GstRTSPMountPoints* mounts, const char* path, const std::string& launch, bool record, bool auth) {
  GstRTSPMediaFactory* f = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(f, ("( " + launch + " )").c_str());
  gst_rtsp_media_factory_set_shared(f, record ? FALSE : TRUE);
  if (record) {
    gst_rtsp_media_factory_set_transport_mode(f, GST_RTSP_TRANSPORT_MODE_RECORD);
    // On TEARDOWN, EOS through the pipeline first: what the publisher sent last is still in the depayloader,
    // parser and muxer, and the file gets its end. Without it the last frame was lost about every other run.
    gst_rtsp_media_factory_set_eos_shutdown(f, TRUE);
  }
  if (auth) {
    gst_rtsp_media_factory_add_role(f, "user", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);
  }
  gst_rtsp_mount_points_add_factory(mounts, path, f);
}

// A value in gst-launch syntax: double quotes, with '"' and '\\' escaped.
std::string launch_quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

gboolean on_signal(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
  return G_SOURCE_REMOVE;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  gchar* address = nullptr;
  gchar* record_file = nullptr;
  gchar* user = nullptr;
  gchar* password = nullptr;
  GOptionEntry entries[] = {
      {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, "Port to listen on (0: any free port, printed)", "N"},
      {"address", 'a', 0, G_OPTION_ARG_STRING, &address, "Address to listen on (default 127.0.0.1)", "A"},
      {"record-file", 'r', 0, G_OPTION_ARG_FILENAME, &record_file, "Where /record writes (MPEG-TS)", "F"},
      {"user", 'u', 0, G_OPTION_ARG_STRING, &user, "Require Digest authentication with this user", "U"},
      {"password", 'w', 0, G_OPTION_ARG_STRING, &password, "Password for --user", "P"},
      {"width", 0, 0, G_OPTION_ARG_INT, &o.width, "Video width (default 640)", "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &o.height, "Video height (default 480)", "H"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &o.fps, "Frames per second (default 30)", "F"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- rtsp2 example RTSP server");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError* err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    g_printerr("%s\n", err->message);
    return 2;
  }
  g_option_context_free(ctx);
  if (address) o.address = address;
  if (record_file) o.record_file = record_file;
  if (user) o.user = user;
  if (password) o.password = password;
  g_free(address);
  g_free(record_file);
  g_free(user);
  g_free(password);
  if (o.port < 0 || o.port > 65535 || o.width <= 0 || o.height <= 0 || o.fps <= 0) {
    g_printerr("bad arguments\n");
    return 2;
  }

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  GstRTSPServer* server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, o.address.c_str());
  gst_rtsp_server_set_service(server, std::to_string(o.port).c_str());

  const bool auth = !o.user.empty();
  if (auth) {
    GstRTSPAuth* a = gst_rtsp_auth_new();
    gst_rtsp_auth_set_supported_methods(a, GST_RTSP_AUTH_DIGEST);
    GstRTSPToken* token =
        gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "user", nullptr);
    gst_rtsp_auth_add_digest(a, o.user.c_str(), o.password.c_str(), token);
    gst_rtsp_token_unref(token);
    gst_rtsp_server_set_auth(server, a);
    g_object_unref(a);
  }

  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  add(mounts, "/test", h264_launch(o), false, auth);
  add(mounts, "/av",
      h264_launch(o) +
          " audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! "
          "voaacenc ! "
          "rtpmp4gpay name=pay1 pt=97",
      false, auth);
  add(mounts, "/raw",
      "videotestsrc is-live=true pattern=smpte ! video/x-raw,format=UYVY,width=" + std::to_string(o.width) +
          ",height=" + std::to_string(o.height) + ",framerate=" + std::to_string(o.fps) +
          "/1 ! rtpvrawpay name=pay0 pt=96",
      false, auth);
  add(mounts, "/record",
      "rtph264depay name=depay0 ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! "
      "mpegtsmux ! "
      "filesink location=" +
          launch_quote(o.record_file),
      true, auth);
  g_object_unref(mounts);

  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    g_printerr("cannot listen on %s:%d\n", o.address.c_str(), o.port);
    return 1;
  }
  const int port = gst_rtsp_server_get_bound_port(server);
  std::printf("port %d\n", port);
  std::printf(
      "rtsp2-example-server: rtsp://%s:%d/test (H.264), /av (H.264+AAC), /raw (raw video), "
      "/record (RECORD -> %s)%s\n",
      o.address.c_str(), port, o.record_file.c_str(), auth ? ", Digest auth" : "");
  std::fflush(stdout);

  g_unix_signal_add(SIGINT, on_signal, loop);
  g_unix_signal_add(SIGTERM, on_signal, loop);
  g_main_loop_run(loop);

  g_object_unref(server);
  g_main_loop_unref(loop);
  return 0;
}
