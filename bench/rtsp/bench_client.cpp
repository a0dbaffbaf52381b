// rtsp2-bench-client: plays an RTSP URL through one source element (rtspsrc2 or rtspsrc) into fakesinks and
// measures, in this process only:
//   first_buffer_ms  from PLAYING to the first buffer on any src pad
//   packets          RTP packets out of the element during the measured window
//   cpu_ms           user+system CPU time of the process during that window
//   us_per_packet    cpu_ms * 1000 / packets
//   peak_rss_kb      maximum resident set size of the process
// Prints them as one line of key=value. Usage:
//   rtsp2-bench-client --factory rtspsrc2 --url rtsp://... [--protocols udp] [--warmup 2] [--seconds 10]
//                      [--latency 50] [--first-buffer-only]
#include <gst/gst.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<std::uint64_t> g_packets{0};
std::atomic<bool> g_first{false};
Clock::time_point g_first_at;

double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

GstPadProbeReturn count(GstPad*, GstPadProbeInfo* info, gpointer) {
  std::uint64_t n = 1;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    n = gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
  if (!g_first.exchange(true)) g_first_at = Clock::now();
  g_packets += n;
  return GST_PAD_PROBE_OK;
}

void on_pad(GstElement* src, GstPad* pad, gpointer pipeline) {
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  gst_bin_add(GST_BIN(pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sinkpad);
  gst_object_unref(sinkpad);
  gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST), count,
                    nullptr, nullptr);
  (void)src;
}

}  // namespace

int main(int argc, char** argv) {
  gchar* factory = nullptr;
  gchar* url = nullptr;
  gchar* protocols = nullptr;
  int warmup = 2, seconds = 10, latency = 50;
  gboolean first_only = FALSE;
  GOptionEntry entries[] = {
      {"factory", 'f', 0, G_OPTION_ARG_STRING, &factory, "rtspsrc2 or rtspsrc", "F"},
      {"url", 'u', 0, G_OPTION_ARG_STRING, &url, "RTSP URL", "URL"},
      {"protocols", 'p', 0, G_OPTION_ARG_STRING, &protocols, "protocols property (default: the element's)",
       "P"},
      {"warmup", 'w', 0, G_OPTION_ARG_INT, &warmup, "Seconds before measuring (2)", "S"},
      {"seconds", 's', 0, G_OPTION_ARG_INT, &seconds, "Seconds measured (10)", "S"},
      {"latency", 'l', 0, G_OPTION_ARG_INT, &latency, "Jitterbuffer latency in ms (50)", "MS"},
      {"first-buffer-only", 0, 0, G_OPTION_ARG_NONE, &first_only, "Stop at the first buffer", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  GOptionContext* ctx = g_option_context_new("- RTSP source benchmark client");
  g_option_context_add_main_entries(ctx, entries, nullptr);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  if (!g_option_context_parse(ctx, &argc, &argv, nullptr) || factory == nullptr || url == nullptr) {
    std::fprintf(stderr, "usage: rtsp2-bench-client --factory F --url URL [options]\n");
    return 2;
  }
  g_option_context_free(ctx);

  GstElement* pipeline = gst_pipeline_new(nullptr);
  GstElement* src = gst_element_factory_make(factory, "src");
  if (src == nullptr) {
    std::fprintf(stderr, "no element %s\n", factory);
    return 1;
  }
  g_object_set(src, "location", url, "latency", guint(latency), nullptr);
  if (protocols) gst_util_set_object_arg(G_OBJECT(src), "protocols", protocols);
  gst_bin_add(GST_BIN(pipeline), src);
  g_signal_connect(src, "pad-added", G_CALLBACK(on_pad), pipeline);
  GstBus* bus = gst_element_get_bus(pipeline);

  const auto t0 = Clock::now();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  // Wait for the first buffer (bounded), watching for errors.
  int rc = 0;
  while (!g_first) {
    GstMessage* m = gst_bus_timed_pop_filtered(bus, 10 * GST_MSECOND, GST_MESSAGE_ERROR);
    if (m) {
      GError* e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      std::fprintf(stderr, "error: %s\n", e->message);
      g_error_free(e);
      gst_message_unref(m);
      rc = 1;
      break;
    }
    if (Clock::now() - t0 > std::chrono::seconds(20)) {
      std::fprintf(stderr, "no buffer within 20 s\n");
      rc = 1;
      break;
    }
  }
  double first_ms = -1;
  if (rc == 0) first_ms = std::chrono::duration<double, std::milli>(g_first_at - t0).count();
  double cpu = 0;
  std::uint64_t packets = 0;
  if (rc == 0 && !first_only) {
    std::this_thread::sleep_for(std::chrono::seconds(warmup));  // the measured window's start, not a sync
    const double cpu0 = cpu_ms();
    const std::uint64_t p0 = g_packets;
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    cpu = cpu_ms() - cpu0;
    packets = g_packets - p0;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("factory=%s first_buffer_ms=%.1f packets=%llu cpu_ms=%.1f us_per_packet=%.3f peak_rss_kb=%ld\n",
              factory, first_ms, static_cast<unsigned long long>(packets), cpu,
              packets ? cpu * 1000.0 / double(packets) : 0.0, u.ru_maxrss);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return rc;
}
