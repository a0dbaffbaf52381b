// CPU time per packet of the rtp2 payloaders/depayloaders against the upstream ones, same input, same
// run. Not a test: see bench/rtp/run.sh and docs/bench/rtp.md.
//
// Each element runs alone between two pads of ours in the calling thread (no queues, no other
// threads), so the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) around the push loop is the element's
// cost plus a constant push/unref overhead that both sides pay. Rounds alternate ours/upstream and the
// median is reported. Under `valgrind --tool=callgrind --instr-atstart=no` with --callgrind it instead
// dumps one profile per element, named after it, covering exactly one pass over the input.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <gst/app/app.h>
#include <gst/gst.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#else
#define HAVE_CALLGRIND 0
#endif

namespace {

struct Stream {
  std::vector<GstBuffer*> buffers;
  GstCaps* caps = nullptr;
};

Stream encode(const std::string& description) {
  Stream s;
  GstElement* pipeline = gst_parse_launch(description.c_str(), nullptr);
  if (!pipeline) g_error("cannot build %s", description.c_str());
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_object_set(sink, "sync", FALSE, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    if (!s.caps) s.caps = gst_caps_ref(gst_sample_get_caps(sample));
    s.buffers.push_back(gst_buffer_ref(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  if (s.buffers.empty()) g_error("%s produced nothing", description.c_str());
  return s;
}

double thread_cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// One element between a source pad and a counting sink pad of ours.
class Runner {
 public:
  Runner(const std::string& factory_and_props, GstCaps* caps, const char* downstream_caps, bool keep)
      : keep_(keep) {
    gchar** parts = g_strsplit(factory_and_props.c_str(), " ", -1);
    element_ = gst_element_factory_make(parts[0], nullptr);
    if (!element_) g_error("no element %s", parts[0]);
    for (gchar** p = parts + 1; *p; ++p) {
      gchar** kv = g_strsplit(*p, "=", 2);
      gst_util_set_object_arg(G_OBJECT(element_), kv[0], kv[1]);
      g_strfreev(kv);
    }
    g_strfreev(parts);
    downstream_ = downstream_caps ? gst_caps_from_string(downstream_caps) : gst_caps_new_any();
    src_ = gst_pad_new("src", GST_PAD_SRC);
    sink_ = gst_pad_new("sink", GST_PAD_SINK);
    g_object_set_data(G_OBJECT(sink_), "runner", this);
    gst_pad_set_chain_function(sink_, chain);
    gst_pad_set_chain_list_function(sink_, chain_list);
    gst_pad_set_event_function(sink_, [](GstPad*, GstObject*, GstEvent* e) -> gboolean {
      gst_event_unref(e);
      return TRUE;
    });
    gst_pad_set_query_function(sink_, query);
    GstPad* esink = gst_element_get_static_pad(element_, "sink");
    GstPad* esrc = gst_element_get_static_pad(element_, "src");
    gst_pad_link(src_, esink);
    gst_pad_link(esrc, sink_);
    gst_object_unref(esink);
    gst_object_unref(esrc);
    gst_pad_set_active(src_, TRUE);
    gst_pad_set_active(sink_, TRUE);
    gst_element_set_state(element_, GST_STATE_PLAYING);
    gst_pad_push_event(src_, gst_event_new_stream_start("bench"));
    gst_pad_push_event(src_, gst_event_new_caps(caps));
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    gst_pad_push_event(src_, gst_event_new_segment(&segment));
  }
  ~Runner() {
    gst_element_set_state(element_, GST_STATE_NULL);
    gst_object_unref(element_);
    gst_object_unref(src_);
    gst_object_unref(sink_);
    gst_caps_unref(downstream_);
    for (GstBuffer* b : kept_) gst_buffer_unref(b);
  }

  // Pushes every buffer and returns the CPU time it took.
  __attribute__((noinline)) double run(const std::vector<GstBuffer*>& input) {
    const double start = thread_cpu_ns();
    for (GstBuffer* b : input) {
      if (gst_pad_push(src_, gst_buffer_ref(b)) != GST_FLOW_OK) g_error("push failed");
    }
    return thread_cpu_ns() - start;
  }
  // Same as run() without timing; a separate function so that callgrind's --toggle-collect=*Runner::run*
  // does not count the making of the inputs.
  __attribute__((noinline)) void prepare(const std::vector<GstBuffer*>& input) {
    for (GstBuffer* b : input) {
      if (gst_pad_push(src_, gst_buffer_ref(b)) != GST_FLOW_OK) g_error("push failed");
    }
  }

  std::size_t outputs = 0;
  std::vector<GstBuffer*> kept_;
  GstCaps* out_caps = nullptr;

 private:
  static Runner* self(GstPad* pad) {
    return static_cast<Runner*>(g_object_get_data(G_OBJECT(pad), "runner"));
  }
  static GstFlowReturn chain(GstPad* pad, GstObject*, GstBuffer* b) {
    Runner* r = self(pad);
    ++r->outputs;
    if (r->keep_) {
      r->kept_.push_back(b);
    } else {
      gst_buffer_unref(b);
    }
    return GST_FLOW_OK;
  }
  static GstFlowReturn chain_list(GstPad* pad, GstObject*, GstBufferList* l) {
    Runner* r = self(pad);
    for (guint i = 0; i < gst_buffer_list_length(l); ++i) {
      ++r->outputs;
      if (r->keep_) r->kept_.push_back(gst_buffer_ref(gst_buffer_list_get(l, i)));
    }
    gst_buffer_list_unref(l);
    return GST_FLOW_OK;
  }
  static gboolean query(GstPad* pad, GstObject* parent, GstQuery* q) {
    Runner* r = self(pad);
    if (GST_QUERY_TYPE(q) == GST_QUERY_CAPS) {
      GstCaps* filter = nullptr;
      gst_query_parse_caps(q, &filter);
      GstCaps* result = filter ? gst_caps_intersect_full(filter, r->downstream_, GST_CAPS_INTERSECT_FIRST)
                               : gst_caps_ref(r->downstream_);
      gst_query_set_caps_result(q, result);
      gst_caps_unref(result);
      return TRUE;
    }
    if (GST_QUERY_TYPE(q) == GST_QUERY_ACCEPT_CAPS) {
      gst_query_set_accept_caps_result(q, TRUE);
      return TRUE;
    }
    if (GST_QUERY_TYPE(q) == GST_QUERY_ALLOCATION) return FALSE;
    return gst_pad_query_default(pad, parent, q);
  }

  GstElement* element_;
  GstPad* src_;
  GstPad* sink_;
  GstCaps* downstream_;
  bool keep_;
};

struct Pair {
  const char* name;
  const char* ours;
  const char* upstream;
  const Stream* input;
  const char* downstream;
  bool per_output;  // payloaders: per packet out; depayloaders: per packet in
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  int rounds = 15;
  bool callgrind = false;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
    if (!strcmp(argv[i], "--callgrind")) callgrind = true;
  }

  // Inputs, made once: H.264 640x360 ~2 Mbit/s and AAC-LC 48 kHz stereo 128 kbit/s, 10 s each.
  Stream h264 = encode(
      "videotestsrc num-buffers=300 pattern=snow ! "
      "video/x-raw,format=I420,width=640,height=360,framerate=30/1 ! "
      "x264enc speed-preset=ultrafast bitrate=2000 key-int-max=60 ! "
      "video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink");
  Stream aac = encode(
      "audiotestsrc num-buffers=470 samplesperbuffer=1024 wave=white-noise ! "
      "audio/x-raw,rate=48000,channels=2 ! "
      "avenc_aac bitrate=128000 ! audio/mpeg,stream-format=raw ! appsink name=sink");
  // RTP packets from the upstream payloaders feed both depayloaders.
  Stream h264_rtp, aac_rtp;
  {
    Runner r("rtph264pay mtu=1400 config-interval=0", h264.caps, nullptr, true);
    r.prepare(h264.buffers);
    h264_rtp.buffers = std::move(r.kept_);
    r.kept_.clear();
  }
  {
    Runner r("rtpmp4gpay", aac.caps, nullptr, true);
    r.prepare(aac.buffers);
    aac_rtp.buffers = std::move(r.kept_);
    r.kept_.clear();
  }
  // udpsrc delivers each packet in one memory; the payloaders made header + payload memories.
  for (Stream* s : {&h264_rtp, &aac_rtp}) {
    for (GstBuffer*& b : s->buffers) {
      GstMapInfo map;
      gst_buffer_map(b, &map, GST_MAP_READ);
      GstBuffer* flat = gst_buffer_new_memdup(map.data, map.size);
      gst_buffer_unmap(b, &map);
      gst_buffer_copy_into(flat, b, GST_BUFFER_COPY_METADATA, 0, -1);
      gst_buffer_unref(b);
      b = flat;
    }
  }
  // Caps for the depayloaders, as an SDP would give them.
  h264_rtp.caps = gst_caps_from_string(
      "application/"
      "x-rtp,media=video,clock-rate=90000,encoding-name=H264,packetization-mode=(string)1,payload=96");
  {
    const GValue* cd = gst_structure_get_value(gst_caps_get_structure(aac.caps, 0), "codec_data");
    GstMapInfo map;
    GstBuffer* b = gst_value_get_buffer(cd);
    gst_buffer_map(b, &map, GST_MAP_READ);
    std::string hex;
    for (gsize i = 0; i < map.size; ++i) {
      char two[3];
      snprintf(two, sizeof two, "%02x", map.data[i]);
      hex += two;
    }
    gst_buffer_unmap(b, &map);
    std::string caps =
        "application/"
        "x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,encoding-params=(string)2,"
        "mode=(string)AAC-hbr,sizelength=(string)13,indexlength=(string)3,indexdeltalength=(string)3,"
        "streamtype=(string)5,payload=96,config=(string)" +
        hex;
    aac_rtp.caps = gst_caps_from_string(caps.c_str());
  }

  const Pair pairs[] = {
      {"H.264 pay", "rtph264pay2 mtu=1400", "rtph264pay mtu=1400", &h264, nullptr, true},
      {"H.264 depay", "rtph264depay2", "rtph264depay", &h264_rtp,
       "video/x-h264,stream-format=byte-stream,alignment=au", false},
      {"AAC pay", "rtpmp4gpay2", "rtpmp4gpay", &aac, nullptr, true},
      {"AAC depay", "rtpmp4gdepay2", "rtpmp4gdepay", &aac_rtp, nullptr, false},
  };

  if (callgrind) {
#if HAVE_CALLGRIND
    CALLGRIND_START_INSTRUMENTATION;
    for (const Pair& p : pairs) {
      for (const char* e : {p.ours, p.upstream}) {
        Runner warm(e, p.input->caps, p.downstream, false);  // first use: type and caps setup
        warm.run(p.input->buffers);
        Runner r(e, p.input->caps, p.downstream, false);
        CALLGRIND_ZERO_STATS;
        CALLGRIND_TOGGLE_COLLECT;
        r.run(p.input->buffers);
        CALLGRIND_TOGGLE_COLLECT;
        const std::size_t packets = p.per_output ? r.outputs : p.input->buffers.size();
        const std::string name = std::string(p.name) + " | " + e + " | " + std::to_string(packets);
        CALLGRIND_DUMP_STATS_AT(name.c_str());
      }
    }
    return 0;
#else
    g_printerr("built without valgrind/callgrind.h\n");
    return 1;
#endif
  }

  printf("| case | packets | ours ns/packet | upstream ns/packet | ours/upstream |\n");
  printf("|---|---:|---:|---:|---:|\n");
  for (const Pair& p : pairs) {
    std::vector<double> ours, theirs;
    std::size_t packets_ours = 0, packets_theirs = 0;
    for (int i = 0; i < rounds; ++i) {
      for (int side = 0; side < 2; ++side) {
        // Alternate which side goes first so that neither always runs on a warmer cache.
        const bool ours_now = (side == 0) == (i % 2 == 0);
        Runner r(ours_now ? p.ours : p.upstream, p.input->caps, p.downstream, false);
        const double ns = r.run(p.input->buffers);
        const std::size_t packets = p.per_output ? r.outputs : p.input->buffers.size();
        (ours_now ? ours : theirs).push_back(ns / static_cast<double>(packets));
        (ours_now ? packets_ours : packets_theirs) = packets;
      }
    }
    const double m_ours = median(ours), m_theirs = median(theirs);
    printf("| %s | %zu (upstream %zu) | %.0f | %.0f | %.2f |\n", p.name, packets_ours, packets_theirs, m_ours,
           m_theirs, m_ours / m_theirs);
  }
  return 0;
}
