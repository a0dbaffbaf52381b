// rtsp2-streams-server: the RTSP server of bench/rtsp/streams_run.sh (gst-rtsp-server, its own process, so
// that the client's CPU figures hold only the client).
//
//   /raw          raw video (videotestsrc ! rtpvrawpay), ~13,400 packets/s at 640x480@30: the per-packet
//                 cost of the receive path with little else in the way
//   /av0..avN-1: the same with a G.711 audio stream (audiotestsrc ! mulawenc ! rtppcmupay, 50 packets/s)
//   /cam0..camN-1 "cameras": H.264 encoded ONCE at start-up (x264enc, snow so that the rate control spends
//                 the whole --bitrate), served from memory in a loop with running timestamps
//
// Encoding 40 streams live would need more CPU than this 2-core machine has, and its load would land in the
// client's figures. Each /camK media is its own (not shared) pipeline,
//   appsrc (the pre-encoded access units, PTS = running time of the first one + n / fps) ! identity sync=true
//   ! rtph264pay config-interval=-1
// so every client connection gets an independent stream (its own SSRC, sequence numbers and phase, as real
// cameras) paced by the clock (identity waits for each access unit's time), for UDP and TCP alike.
//
// Usage: rtsp2-streams-server [--port 0] [--cameras 64] [--frames 300] [--width 640 --height 480 --fps 30]
//                             [--bitrate 4000] [--mtu 1400]
// The chosen port is printed as "port N" once the encoding is done and the server listens.
#include <glib-unix.h>
#include <gst/app/app.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Options {
  int port = 0;
  int cameras = 64;
  int frames = 300;
  int width = 640;
  int height = 480;
  int fps = 30;
  int bitrate = 4000;
  int mtu = 1400;
};

// The pre-encoded loop, shared read-only by every camera media (buffers are shallow-copied per push).
struct Encoded {
  std::vector<GstBuffer*> units;
  GstCaps* caps = nullptr;
  GstClockTime frame_duration = 0;
};

Encoded g_encoded;

bool encode(const Options& o) {
  // key-int-max = fps: an IDR every second and at the start of the loop, so the loop point is clean.
  const std::string desc =
      "videotestsrc pattern=snow num-buffers=" + std::to_string(o.frames) +
      " ! video/x-raw,format=I420,width=" + std::to_string(o.width) + ",height=" + std::to_string(o.height) +
      ",framerate=" + std::to_string(o.fps) +
      "/1 ! x264enc speed-preset=ultrafast tune=zerolatency bitrate=" + std::to_string(o.bitrate) +
      " key-int-max=" + std::to_string(o.fps) +
      " ! video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink sync=false";
  GError* err = nullptr;
  GstElement* p = gst_parse_launch(desc.c_str(), &err);
  if (p == nullptr) {
    std::fprintf(stderr, "encode pipeline: %s\n", err ? err->message : "?");
    g_clear_error(&err);
    return false;
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  gst_element_set_state(p, GST_STATE_PLAYING);
  std::size_t bytes = 0;
  while (GstSample* s = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    if (g_encoded.caps == nullptr) g_encoded.caps = gst_caps_ref(gst_sample_get_caps(s));
    GstBuffer* b = gst_buffer_ref(gst_sample_get_buffer(s));
    bytes += gst_buffer_get_size(b);
    g_encoded.units.push_back(b);
    gst_sample_unref(s);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(p);
  if (g_encoded.units.empty() || g_encoded.caps == nullptr) {
    std::fprintf(stderr, "encode: no output\n");
    return false;
  }
  g_encoded.frame_duration = gst_util_uint64_scale_int(GST_SECOND, 1, o.fps);
  std::fprintf(stderr, "encoded %zu access units, %.0f kbit/s\n", g_encoded.units.size(),
               double(bytes) * 8.0 * o.fps / 1000.0 / double(g_encoded.units.size()));
  return true;
}

// One camera media's position in the loop.
struct Feed {
  std::size_t next = 0;
  GstClockTime base = GST_CLOCK_TIME_NONE;
};

void need_data(GstAppSrc* src, guint, gpointer user_data) {
  auto* f = static_cast<Feed*>(user_data);
  if (!GST_CLOCK_TIME_IS_VALID(f->base)) {
    // The running time now: the media is PLAYING (a live appsrc asks for data only then).
    f->base = 0;
    if (GstClock* clock = gst_element_get_clock(GST_ELEMENT(src))) {
      const GstClockTime now = gst_clock_get_time(clock);
      const GstClockTime base_time = gst_element_get_base_time(GST_ELEMENT(src));
      if (now > base_time) f->base = now - base_time;
      gst_object_unref(clock);
    }
  }
  const std::size_t n = g_encoded.units.size();
  GstBuffer* b = gst_buffer_copy(g_encoded.units[f->next % n]);  // shares the memory
  const GstClockTime pts = f->base + f->next * g_encoded.frame_duration;
  GST_BUFFER_PTS(b) = pts;
  GST_BUFFER_DTS(b) = pts;
  GST_BUFFER_DURATION(b) = g_encoded.frame_duration;
  f->next++;
  gst_app_src_push_buffer(src, b);
}

void on_media_configure(GstRTSPMediaFactory*, GstRTSPMedia* media, gpointer) {
  GstElement* bin = gst_rtsp_media_get_element(media);
  GstElement* src = gst_bin_get_by_name_recurse_up(GST_BIN(bin), "src");
  if (src != nullptr) {
    auto* feed = new Feed();
    g_object_set(src, "caps", g_encoded.caps, nullptr);
    GstAppSrcCallbacks cb{};
    cb.need_data = need_data;
    gst_app_src_set_callbacks(GST_APP_SRC(src), &cb, feed, [](gpointer p) { delete static_cast<Feed*>(p); });
    gst_object_unref(src);
  }
  gst_object_unref(bin);
}

void add(GstRTSPMountPoints* mounts, const std::string& path, const std::string& launch, bool camera) {
  GstRTSPMediaFactory* f = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(f, ("( " + launch + " )").c_str());
  gst_rtsp_media_factory_set_shared(f, FALSE);
  if (camera) g_signal_connect(f, "media-configure", G_CALLBACK(on_media_configure), nullptr);
  gst_rtsp_mount_points_add_factory(mounts, path.c_str(), f);
}

gboolean on_signal(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
  return G_SOURCE_REMOVE;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  GOptionEntry entries[] = {
      {"port", 'p', 0, G_OPTION_ARG_INT, &o.port, "Port on 127.0.0.1 (0: any free port, printed)", "N"},
      {"cameras", 'c', 0, G_OPTION_ARG_INT, &o.cameras, "Number of /camK mounts (64)", "N"},
      {"frames", 0, 0, G_OPTION_ARG_INT, &o.frames, "Frames encoded once and looped (300)", "N"},
      {"width", 0, 0, G_OPTION_ARG_INT, &o.width, "Width, camera and raw (640)", "W"},
      {"height", 0, 0, G_OPTION_ARG_INT, &o.height, "Height, camera and raw (480)", "H"},
      {"fps", 0, 0, G_OPTION_ARG_INT, &o.fps, "Frames per second (30)", "F"},
      {"bitrate", 0, 0, G_OPTION_ARG_INT, &o.bitrate, "Camera bitrate in kbit/s (4000)", "K"},
      {"mtu", 0, 0, G_OPTION_ARG_INT, &o.mtu, "Payloaders' MTU (1400)", "B"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- RTSP server of the receive benchmark");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError* err = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
    std::fprintf(stderr, "%s\n", err->message);
    return 2;
  }
  g_option_context_free(ctx);
  if (o.port < 0 || o.port > 65535 || o.cameras < 0 || o.frames <= 0 || o.width <= 0 || o.height <= 0 ||
      o.fps <= 0 || o.bitrate <= 0 || o.mtu < 100) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }
  if (o.cameras > 0 && !encode(o)) return 1;

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  GstRTSPServer* server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, "127.0.0.1");
  gst_rtsp_server_set_service(server, std::to_string(o.port).c_str());
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server);
  const std::string mtu = " mtu=" + std::to_string(o.mtu);
  add(mounts, "/raw",
      "videotestsrc is-live=true pattern=smpte ! video/x-raw,format=UYVY,width=" + std::to_string(o.width) +
          ",height=" + std::to_string(o.height) + ",framerate=" + std::to_string(o.fps) +
          "/1 ! rtpvrawpay name=pay0 pt=96" + mtu,
      false);
  for (int i = 0; i < o.cameras; i++) {
    const std::string video =
        "appsrc name=src is-live=true format=time ! identity sync=true ! rtph264pay name=pay0 pt=96 "
        "config-interval=-1" +
        mtu;
    add(mounts, "/cam" + std::to_string(i), video, true);
    // The same camera with G.711 audio as most cameras send it (8 kHz, 20 ms packets): two streams.
    add(mounts, "/av" + std::to_string(i),
        video +
            " audiotestsrc is-live=true wave=sine samplesperbuffer=160 ! audio/x-raw,rate=8000,channels=1 ! "
            "mulawenc ! rtppcmupay name=pay1 pt=0",
        true);
  }
  g_object_unref(mounts);
  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", o.port);
    return 1;
  }
  std::printf("port %d\n", gst_rtsp_server_get_bound_port(server));
  std::fflush(stdout);

  g_unix_signal_add(SIGINT, on_signal, loop);
  g_unix_signal_add(SIGTERM, on_signal, loop);
  g_main_loop_run(loop);

  g_object_unref(server);
  g_main_loop_unref(loop);
  for (GstBuffer* b : g_encoded.units) gst_buffer_unref(b);
  if (g_encoded.caps != nullptr) gst_caps_unref(g_encoded.caps);
  return 0;
}
