// rtsp2-streams-client: plays N RTSP streams in this one process, each through its own source element
// (rtspsrc, or rtspsrc2 with an optional rtp-engine) in its own pipeline, every output pad into
// fakesink sync=false (no clock waits), and measures the process:
//   packets           RTP packets out of the source elements in the measured window (pad probes)
//   cpu_ms            user+system CPU time of the process in that window (getrusage), without the main
//                     thread's: it only polls the buses and samples /proc for this benchmark (main_cpu_ms);
//                     the pipelines run on the elements' own threads
//   us_per_packet     cpu_ms * 1000 / packets
//   expected, lost    sequence-number span of the packets out of the elements in the window, and how many
//                     of it never came out (per pad, extended sequence numbers; what an application misses)
//   threads_base      threads of the process after gst_init, before any pipeline (/proc/self/status)
//   threads_peak      most threads seen, sampled every 50 ms from start-up to the end of the window
//   threads_window    most threads seen during the window (after start-up and warm-up: the steady state)
//   rss_base_kb       VmRSS after gst_init
//   peak_rss_kb       VmHWM at the end
// Prints them as one line of key=value on stdout; progress and errors on stderr. Usage:
//   rtsp2-streams-client --factory rtspsrc2 [--engine native|rtpbin] --url rtsp://127.0.0.1:P/cam{i}
//                        --streams N [--protocols udp] [--latency 2000] [--warmup 2] [--seconds 10]
//                        [--set read-interval=0 ...]
// "{i}" in the URL becomes the stream's index (0..N-1).
// Memory diagnostics (environment, all optional): RSS_SMAPS_BASE=file gets /proc/self/smaps right after
// gst_init, RSS_SMAPS=file at the end of the window (pipelines still playing), RSS_MALLOC_INFO=file glibc's
// malloc_info() then (one <heap> per arena), RSS_HOLD=seconds keeps the pipelines playing that long after the
// window (to attach heaptrack or read /proc).
#include <gst/gst.h>
#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

long status_field(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0) return std::atol(line.c_str() + n);
  }
  return -1;
}

double cpu_ms(int who) {
  rusage u{};
  getrusage(who, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

struct Stream {
  GstElement* pipeline = nullptr;
  GstBus* bus = nullptr;
  std::atomic<bool> first{false};
};

// One output pad: packets and the extended sequence-number span. The probe runs on the pad's streaming
// thread; the main thread reads totals at the window's edges, hence the (uncontended) mutex.
struct PadCount {
  std::mutex mutex;
  Stream* stream = nullptr;
  bool have = false;
  std::int64_t first_ext = 0;
  std::int64_t max_ext = 0;
  std::uint64_t received = 0;

  void add(GstBuffer* b) {
    std::uint8_t h[4];
    if (gst_buffer_extract(b, 0, h, 4) != 4 || (h[0] >> 6) != 2) return;  // not RTP
    const std::uint16_t seq = std::uint16_t(h[2] << 8 | h[3]);
    if (!have) {
      have = true;
      first_ext = max_ext = seq;
    } else {
      const std::int64_t ext = max_ext + std::int16_t(std::uint16_t(seq - std::uint16_t(max_ext)));
      if (ext > max_ext) max_ext = ext;
    }
    received++;
  }
};

struct Totals {
  std::uint64_t received = 0;
  std::int64_t span = 0;  // sum over pads of max_ext - first_ext + 1
};

std::mutex g_pads_mutex;
std::vector<std::unique_ptr<PadCount>> g_pads;

Totals totals() {
  Totals t;
  std::lock_guard lock(g_pads_mutex);
  for (auto& p : g_pads) {
    std::lock_guard l(p->mutex);
    if (!p->have) continue;
    t.received += p->received;
    t.span += p->max_ext - p->first_ext + 1;
  }
  return t;
}

GstPadProbeReturn count(GstPad*, GstPadProbeInfo* info, gpointer user_data) {
  auto* pc = static_cast<PadCount*>(user_data);
  {
    std::lock_guard lock(pc->mutex);
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
      GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
      const guint n = gst_buffer_list_length(list);
      for (guint i = 0; i < n; i++) pc->add(gst_buffer_list_get(list, i));
    } else {
      pc->add(GST_PAD_PROBE_INFO_BUFFER(info));
    }
  }
  pc->stream->first.store(true, std::memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

void on_pad(GstElement*, GstPad* pad, gpointer user_data) {
  auto* stream = static_cast<Stream*>(user_data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, "enable-last-sample", FALSE, nullptr);
  gst_bin_add(GST_BIN(stream->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
  auto pc = std::make_unique<PadCount>();
  pc->stream = stream;
  PadCount* raw = pc.get();
  {
    std::lock_guard lock(g_pads_mutex);
    g_pads.push_back(std::move(pc));
  }
  gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST), count,
                    raw, nullptr);
}

std::string url_for(const std::string& tmpl, int i) {
  std::string u = tmpl;
  const auto at = u.find("{i}");
  if (at != std::string::npos) u.replace(at, 3, std::to_string(i));
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  gchar* factory = nullptr;
  gchar* engine = nullptr;
  gchar* url = nullptr;
  gchar* protocols = nullptr;
  gchar** sets = nullptr;
  int streams = 1, warmup = 2, seconds = 10, latency = 2000;
  GOptionEntry entries[] = {
      {"factory", 'f', 0, G_OPTION_ARG_STRING, &factory, "rtspsrc2 or rtspsrc", "F"},
      {"engine", 'e', 0, G_OPTION_ARG_STRING, &engine, "rtp-engine property value (default: not set)", "E"},
      {"url", 'u', 0, G_OPTION_ARG_STRING, &url, "RTSP URL; {i} is replaced by the stream index", "URL"},
      {"streams", 'n', 0, G_OPTION_ARG_INT, &streams, "Streams (source elements) in this process (1)", "N"},
      {"protocols", 'p', 0, G_OPTION_ARG_STRING, &protocols, "protocols property (default: the element's)",
       "P"},
      {"latency", 'l', 0, G_OPTION_ARG_INT, &latency, "latency property in ms (2000)", "MS"},
      {"warmup", 'w', 0, G_OPTION_ARG_INT, &warmup,
       "Seconds between the last first buffer and the window (2)", "S"},
      {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "Seconds measured (10)", "S"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets,
       "Another property of the source, name=value (repeatable)", "NAME=VALUE"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- multi-stream RTSP receive benchmark client");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  if (!g_option_context_parse(ctx, &argc, &argv, nullptr) || factory == nullptr || url == nullptr ||
      streams < 1 || seconds < 1 || warmup < 0 || latency < 0) {
    std::fprintf(stderr, "usage: rtsp2-streams-client --factory F --url URL [--streams N] [options]\n");
    return 2;
  }
  g_option_context_free(ctx);

  const long threads_base = status_field("Threads:");
  const long rss_base = status_field("VmRSS:");
  if (const char* dump = g_getenv("RSS_SMAPS_BASE")) {
    std::ifstream in("/proc/self/smaps");
    std::ofstream out(dump);
    out << in.rdbuf();
  }
  long threads_peak = threads_base;
  long threads_window = 0;
  bool in_window = false;

  std::vector<std::unique_ptr<Stream>> all;
  for (int i = 0; i < streams; i++) {
    auto s = std::make_unique<Stream>();
    GstElement* src = gst_element_factory_make(factory, nullptr);
    if (src == nullptr) {
      std::fprintf(stderr, "no element %s\n", factory);
      return 1;
    }
    if (engine != nullptr) {
      if (g_object_class_find_property(G_OBJECT_GET_CLASS(src), "rtp-engine") == nullptr) {
        std::fprintf(stderr, "%s has no rtp-engine property\n", factory);
        return 1;
      }
      gst_util_set_object_arg(G_OBJECT(src), "rtp-engine", engine);
    }
    const std::string u = url_for(url, i);
    g_object_set(src, "location", u.c_str(), "latency", guint(latency), nullptr);
    if (protocols) gst_util_set_object_arg(G_OBJECT(src), "protocols", protocols);
    for (gchar** p = sets; p != nullptr && *p != nullptr; ++p) {
      const std::string kv(*p);
      const auto eq = kv.find('=');
      if (eq == std::string::npos ||
          g_object_class_find_property(G_OBJECT_GET_CLASS(src), kv.substr(0, eq).c_str()) == nullptr) {
        std::fprintf(stderr, "%s: no property for --set %s\n", factory, kv.c_str());
        return 1;
      }
      gst_util_set_object_arg(G_OBJECT(src), kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str());
    }
    s->pipeline = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(s->pipeline), src);
    g_signal_connect(src, "pad-added", G_CALLBACK(on_pad), s.get());
    s->bus = gst_element_get_bus(s->pipeline);
    all.push_back(std::move(s));
  }

  // Drains every bus (so that messages do not pile up in memory), fails on an error, samples the threads.
  int rc = 0;
  auto poll = [&]() {
    for (auto& s : all) {
      while (GstMessage* m = gst_bus_pop(s->bus)) {
        if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
          GError* e = nullptr;
          gst_message_parse_error(m, &e, nullptr);
          std::fprintf(stderr, "error: %s\n", e->message);
          g_error_free(e);
          rc = 1;
        }
        gst_message_unref(m);
      }
    }
    const long t = status_field("Threads:");
    if (t > threads_peak) threads_peak = t;
    if (in_window && t > threads_window) threads_window = t;
  };
  auto run_for = [&](Clock::duration d) {
    const auto end = Clock::now() + d;
    while (rc == 0 && Clock::now() < end) {
      poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a sampling period, not a sync
    }
  };

  const auto t0 = Clock::now();
  for (auto& s : all) gst_element_set_state(s->pipeline, GST_STATE_PLAYING);
  // Every stream must deliver before the window opens; bounded.
  const auto limit = std::chrono::seconds(20 + streams / 2);
  for (;;) {
    poll();
    std::size_t started = 0;
    for (auto& s : all) started += s->first.load(std::memory_order_relaxed) ? 1 : 0;
    if (rc != 0) break;
    if (started == all.size()) break;
    if (Clock::now() - t0 > limit) {
      std::fprintf(stderr, "only %zu of %zu streams delivered within %lld s\n", started, all.size(),
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(limit).count()));
      rc = 1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double startup_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

  double cpu = 0;       // every thread but this one
  double main_cpu = 0;  // this thread: the bench's own polling and sampling
  Totals a, b;
  if (rc == 0) {
    run_for(std::chrono::seconds(warmup));
    const double cpu0 = cpu_ms(RUSAGE_SELF);
    const double main0 = cpu_ms(RUSAGE_THREAD);
    a = totals();
    in_window = true;
    run_for(std::chrono::seconds(seconds));
    in_window = false;
    b = totals();
    main_cpu = cpu_ms(RUSAGE_THREAD) - main0;
    cpu = cpu_ms(RUSAGE_SELF) - cpu0 - main_cpu;
  }
  if (const char* dump = g_getenv("RSS_SMAPS")) {
    std::ifstream in("/proc/self/smaps");
    std::ofstream out(dump);
    out << in.rdbuf();
  }
  if (const char* mi = g_getenv("RSS_MALLOC_INFO")) {
    if (FILE* f = std::fopen(mi, "w")) {
      malloc_info(0, f);
      std::fclose(f);
    }
  }
  if (const char* hold = g_getenv("RSS_HOLD"))
    std::this_thread::sleep_for(std::chrono::seconds(std::atoi(hold)));
  for (auto& s : all) gst_element_set_state(s->pipeline, GST_STATE_NULL);
  const long peak_rss = status_field("VmHWM:");
  const std::uint64_t packets = b.received - a.received;
  const std::int64_t expected = b.span - a.span;
  std::printf(
      "factory=%s engine=%s streams=%d startup_ms=%.0f packets=%llu cpu_ms=%.1f main_cpu_ms=%.1f "
      "us_per_packet=%.3f "
      "expected=%lld lost=%lld threads_base=%ld threads_peak=%ld threads_window=%ld rss_base_kb=%ld "
      "peak_rss_kb=%ld\n",
      factory, engine ? engine : "-", streams, startup_ms, static_cast<unsigned long long>(packets), cpu,
      main_cpu, packets ? cpu * 1000.0 / double(packets) : 0.0, static_cast<long long>(expected),
      static_cast<long long>(expected - std::int64_t(packets)), threads_base, threads_peak, threads_window,
      rss_base, peak_rss);
  for (auto& s : all) {
    gst_object_unref(s->bus);
    gst_object_unref(s->pipeline);
  }
  return rc;
}
