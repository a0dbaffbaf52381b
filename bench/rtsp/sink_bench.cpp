// CPU time per sent RTP packet and peak RSS of rtspsink2 against upstream rtspclientsink: same server (the
// example server's RECORD mount, a separate process), same pre-encoded H.264 stream, same run, TCP and UDP.
// Not a test: see bench/rtsp/sink_run.sh and docs/bench/rtspsink2.md.
//
//   sink_bench --rounds R --seconds S --server BIN   parent: encodes the input once, starts the server, runs
//                                                    every variant R times (alternating), prints medians
//   sink_bench --child VARIANT PROTOCOL URL FILE     one publishing run in a fresh process, prints one line
//
// A child loads the encoded file into memory first, then resets the peak RSS counter (/proc/self/clear_refs),
// takes getrusage(RUSAGE_SELF), publishes the whole stream in real time (appsrc, timestamps as encoded, the
// sinks sync to the clock as a live publisher does) and takes getrusage again. CPU covers every thread of
// the process: appsrc, payloader, the sink and its network threads. Packets are counted on the payloader's
// source pad inside either sink.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gio/gio.h>
#include <gst/app/app.h>
#include <gst/gst.h>

namespace {

struct Loaded {
  std::vector<GstBuffer*> buffers;
  GstCaps* caps = nullptr;
};

Loaded load(const std::string& file) {
  Loaded l;
  const std::string desc =
      "filesrc location=\"" + file +
      "\" ! matroskademux ! h264parse ! video/x-h264,stream-format=byte-stream,alignment=au ! "
      "appsink name=sink sync=false";
  GstElement* p = gst_parse_launch(desc.c_str(), nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  gst_element_set_state(p, GST_STATE_PLAYING);
  while (GstSample* s = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    if (l.caps == nullptr) l.caps = gst_caps_ref(gst_sample_get_caps(s));
    l.buffers.push_back(gst_buffer_ref(gst_sample_get_buffer(s)));
    gst_sample_unref(s);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(p);
  return l;
}

long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return -1;
}

double cpu_ns() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e9 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e3;
}

guint64 g_packets = 0;

GstPadProbeReturn count(GstPad*, GstPadProbeInfo* info, gpointer) {
  if ((info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) != 0) {
    g_packets += gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  } else {
    g_packets++;
  }
  return GST_PAD_PROBE_OK;
}

// Payloaders appear inside the sinks once caps arrive: count on the first one's source pad.
void on_element_added(GstBin*, GstBin*, GstElement* element, gpointer) {
  GstElementFactory* f = gst_element_get_factory(element);
  if (f == nullptr || !gst_element_factory_list_is_type(f, GST_ELEMENT_FACTORY_TYPE_PAYLOADER)) return;
  GstPad* src = gst_element_get_static_pad(element, "src");
  gst_pad_add_probe(src, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST), count,
                    nullptr, nullptr);
  gst_object_unref(src);
}

int child(const std::string& variant, const std::string& protocol, const std::string& url,
          const std::string& file) {
  Loaded in = load(file);
  if (in.buffers.empty()) {
    std::fprintf(stderr, "no input\n");
    return 1;
  }
  std::string sink;
  const std::string baseline = "baseline-";
  if (variant.rfind(baseline, 0) == 0) {
    // The same source and payloader into a syncing fakesink: what both sinks cost on top of it is the rest.
    sink = variant.substr(baseline.size()) + " name=pay ! fakesink sync=true";
  } else if (variant == "rtspclientsink") {
    sink = "rtspclientsink name=sink location=" + url + " protocols=" + protocol;
  } else {
    sink = "rtspsink2 name=sink location=" + url + " protocols=" + protocol;
  }
  const std::string desc = "appsrc name=src format=time max-bytes=2000000 block=true ! " + sink;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), nullptr);
  if (pipeline == nullptr) return 1;
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  g_object_set(src, "caps", in.caps, nullptr);
  GstElement* s = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  if (s != nullptr) {
    g_signal_connect(s, "deep-element-added", G_CALLBACK(on_element_added), nullptr);
  } else {
    GstElement* pay = gst_bin_get_by_name(GST_BIN(pipeline), "pay");
    on_element_added(nullptr, nullptr, pay, nullptr);
    gst_object_unref(pay);
  }
  if (s != nullptr && variant == "rtspsink2-rtph264pay") {
    GstPad* pad = gst_element_get_static_pad(s, "sink_0");
    if (pad != nullptr) {
      g_object_set(pad, "payloader", "rtph264pay", nullptr);
      gst_object_unref(pad);
    }
  }
  // rtspsink2's pad exists once appsrc linked to it (sink_0); set before data flows.
  if (s != nullptr) gst_object_unref(s);

  // Everything before this point (loading, parsing) is excluded.
  std::FILE* clear = std::fopen("/proc/self/clear_refs", "w");
  if (clear != nullptr) {
    std::fputs("5", clear);
    std::fclose(clear);
  }
  const long base_kb = status_kb("VmRSS:");
  const double cpu0 = cpu_ns();
  const gint64 wall0 = g_get_monotonic_time();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  for (GstBuffer* b : in.buffers) gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(b));
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m =
      gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  bool ok = m != nullptr && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
  if (m != nullptr && !ok) {
    GError* e = nullptr;
    gst_message_parse_error(m, &e, nullptr);
    std::fprintf(stderr, "%s %s: %s\n", variant.c_str(), protocol.c_str(), e->message);
    g_error_free(e);
  }
  if (m != nullptr) gst_message_unref(m);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  const double cpu1 = cpu_ns();
  const gint64 wall1 = g_get_monotonic_time();
  const long peak_kb = status_kb("VmHWM:");
  std::printf("ok=%d packets=%" G_GUINT64_FORMAT " cpu_ns=%.0f wall_ms=%" G_GINT64_FORMAT
              " base_kb=%ld peak_kb=%ld\n",
              ok ? 1 : 0, g_packets, cpu1 - cpu0, (wall1 - wall0) / 1000, base_kb, peak_kb);
  gst_object_unref(bus);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  return ok ? 0 : 1;
}

struct Result {
  double ns_per_packet = 0;
  double packets = 0;
  long peak_kb = 0;
  long base_kb = 0;
};

bool run_child(const char* self, const std::string& variant, const std::string& protocol,
               const std::string& url, const std::string& file, Result* r) {
  const gchar* argv[] = {self,        "--child",    variant.c_str(), protocol.c_str(),
                         url.c_str(), file.c_str(), nullptr};
  gchar* out = nullptr;
  gint status = 0;
  if (!g_spawn_sync(nullptr, const_cast<gchar**>(argv), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out,
                    nullptr, &status, nullptr)) {
    return false;
  }
  int ok = 0;
  unsigned long long packets = 0;
  double cpu = 0;
  long wall = 0, base = 0, peak = 0;
  const bool parsed =
      out != nullptr && std::sscanf(out, "ok=%d packets=%llu cpu_ns=%lf wall_ms=%ld base_kb=%ld peak_kb=%ld",
                                    &ok, &packets, &cpu, &wall, &base, &peak) == 6;
  g_free(out);
  if (!parsed || !ok || packets == 0) return false;
  r->ns_per_packet = cpu / double(packets);
  r->packets = double(packets);
  r->peak_kb = peak;
  r->base_kb = base;
  return true;
}

template <typename T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int parent(const char* self, int rounds, int seconds, const std::string& server_bin, const std::string& dir) {
  const std::string file = dir + "/input.mkv";
  {
    const std::string desc =
        "videotestsrc pattern=snow num-buffers=" + std::to_string(seconds * 30) +
        " ! video/x-raw,width=640,height=480,framerate=30/1 ! x264enc speed-preset=ultrafast "
        "tune=zerolatency bitrate=4000 key-int-max=30 ! h264parse ! matroskamux ! filesink "
        "location=\"" +
        file + "\"";
    GstElement* p = gst_parse_launch(desc.c_str(), nullptr);
    gst_element_set_state(p, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(p);
    GstMessage* m = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                               GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(p, GST_STATE_NULL);
    gst_object_unref(p);
  }
  // The server prints "port N" first.
  const std::string record = dir + "/server-record.mkv";
  const gchar* argv[] = {server_bin.c_str(), "--port", "0", "--record-file", record.c_str(), nullptr};
  GError* err = nullptr;
  GSubprocess* server = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err);
  if (server == nullptr) {
    std::fprintf(stderr, "cannot start %s: %s\n", server_bin.c_str(), err->message);
    return 1;
  }
  GDataInputStream* lines = g_data_input_stream_new(g_subprocess_get_stdout_pipe(server));
  gchar* first = g_data_input_stream_read_line(lines, nullptr, nullptr, nullptr);
  int port = 0;
  if (first == nullptr || std::sscanf(first, "port %d", &port) != 1) {
    std::fprintf(stderr, "server did not say its port\n");
    return 1;
  }
  g_free(first);
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/record";

  const std::vector<std::string> variants = {"rtspsink2", "rtspsink2-rtph264pay", "rtspclientsink"};
  const std::vector<std::string> baselines = {"baseline-rtph264pay2", "baseline-rtph264pay"};
  const std::vector<std::string> protocols = {"tcp", "udp", "none"};
  std::map<std::string, std::vector<Result>> results;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& proto : protocols) {
      for (const auto& v : proto == "none" ? baselines : variants) {
        Result r;
        if (!run_child(self, v, proto, url, file, &r)) {
          std::fprintf(stderr, "round %d: %s over %s failed\n", round, v.c_str(), proto.c_str());
          continue;
        }
        results[proto + " " + v].push_back(r);
        std::fprintf(stderr, "round %d %s %s: %.0f ns/packet, %.0f packets, peak %ld kB (base %ld kB)\n",
                     round, proto.c_str(), v.c_str(), r.ns_per_packet, r.packets, r.peak_kb, r.base_kb);
      }
    }
  }
  std::printf(
      "| transport | sink | packets | CPU ns/packet (median of %d) | peak RSS kB | peak - start kB |\n",
      rounds);
  std::printf("|---|---|---:|---:|---:|---:|\n");
  for (const auto& proto : protocols) {
    for (const auto& v : proto == "none" ? baselines : variants) {
      auto& rs = results[proto + " " + v];
      if (rs.empty()) continue;
      std::vector<double> ns, packets;
      std::vector<long> peak, growth;
      for (const auto& r : rs) {
        ns.push_back(r.ns_per_packet);
        packets.push_back(r.packets);
        peak.push_back(r.peak_kb);
        growth.push_back(r.peak_kb - r.base_kb);
      }
      std::printf("| %s | %s | %.0f | %.0f | %ld | %ld |\n", proto.c_str(), v.c_str(), median(packets),
                  median(ns), median(peak), median(growth));
    }
  }
  g_subprocess_force_exit(server);
  g_subprocess_wait(server, nullptr, nullptr);
  g_object_unref(lines);
  g_object_unref(server);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  if (argc >= 6 && std::strcmp(argv[1], "--child") == 0) return child(argv[2], argv[3], argv[4], argv[5]);
  int rounds = 3, seconds = 10;
  std::string server, dir = ".";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--server") == 0) server = argv[i + 1];
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
  }
  if (server.empty()) {
    std::fprintf(stderr, "usage: %s --server rtsp2-example-server [--rounds R] [--seconds S] [--dir D]\n",
                 argv[0]);
    return 2;
  }
  return parent(argv[0], rounds, seconds, server, dir);
}
