// rtspsrc2's receive paths without sockets: the native path (one RtpReceiver per stream on a context this
// test owns) against rtpbin on the same packet trace, and what the native path does on its own: loss events,
// BYE → EOS, A/V offsets from sender reports, downstream EOS.
#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "check.hpp"  // last: check.h defines `fail`
#include "output_pool.hpp"
#include "receive_path.hpp"

using namespace rtsp2;

namespace {

constexpr auto kWait = std::chrono::seconds(20);

struct Out {
  std::uint16_t seq = 0;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  bool discont = false;
  std::chrono::steady_clock::time_point received{};
  std::thread::id thread;
};

// A sink pad that records what a receive path outputs.
class Collector {
 public:
  explicit Collector(GstFlowReturn answer = GST_FLOW_OK) : answer_(answer) {
    pad_ = gst_pad_new("collect", GST_PAD_SINK);
    gst_object_ref_sink(pad_);
    gst_pad_set_element_private(pad_, this);
    gst_pad_set_chain_function(pad_, &Collector::chain);
    gst_pad_set_chain_list_function(pad_, &Collector::chain_list);
    gst_pad_set_event_function(pad_, &Collector::event);
    gst_pad_set_active(pad_, TRUE);
  }
  ~Collector() {
    gst_pad_set_active(pad_, FALSE);
    gst_object_unref(pad_);
  }
  GstPad* pad() const { return pad_; }

  void link(GstPad* src) {
    std::lock_guard lock(mutex_);
    if (gst_pad_is_linked(pad_)) return;
    fail_unless_equals_int(gst_pad_link(src, pad_), GST_PAD_LINK_OK);
  }

  std::vector<Out> buffers() {
    std::lock_guard lock(mutex_);
    return out_;
  }
  std::vector<GstStructure*> lost() {  // borrowed, valid while the collector lives
    std::lock_guard lock(mutex_);
    return lost_;
  }
  bool eos() {
    std::lock_guard lock(mutex_);
    return eos_;
  }
  // Waits (bounded) until pred() holds; pred takes the collector's lock itself. With a context, dispatches it
  // in between: the native path's timer runs there.
  template <typename Pred>
  bool wait(Pred pred, GMainContext* context = nullptr) {
    const auto until = std::chrono::steady_clock::now() + kWait;
    for (;;) {
      if (context != nullptr) {
        while (g_main_context_iteration(context, FALSE)) {
        }
      }
      if (pred()) return true;
      if (std::chrono::steady_clock::now() > until) return false;
      std::unique_lock lock(mutex_);
      cond_.wait_for(lock, std::chrono::milliseconds(context != nullptr ? 2 : 50));
    }
  }

  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

 private:
  static Collector* self(GstPad* pad) { return static_cast<Collector*>(gst_pad_get_element_private(pad)); }

  void add(GstBuffer* b) {
    GstMapInfo map;
    Out o;
    if (gst_buffer_map(b, &map, GST_MAP_READ)) {
      if (map.size >= 4) o.seq = std::uint16_t((map.data[2] << 8) | map.data[3]);
      gst_buffer_unmap(b, &map);
    }
    o.pts = GST_BUFFER_PTS(b);
    o.received = std::chrono::steady_clock::now();
    o.thread = std::this_thread::get_id();
    o.discont = GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DISCONT);
    out_.push_back(o);
  }

  static GstFlowReturn chain(GstPad* pad, GstObject*, GstBuffer* buffer) {
    Collector* c = self(pad);
    {
      std::lock_guard lock(c->mutex_);
      c->add(buffer);
    }
    gst_buffer_unref(buffer);
    c->cond_.notify_all();
    return c->answer_;
  }
  static GstFlowReturn chain_list(GstPad* pad, GstObject*, GstBufferList* list) {
    Collector* c = self(pad);
    if (c->before_list) c->before_list(gst_buffer_list_get(list, 0));
    {
      std::lock_guard lock(c->mutex_);
      for (guint i = 0; i < gst_buffer_list_length(list); ++i) c->add(gst_buffer_list_get(list, i));
    }
    gst_buffer_list_unref(list);
    c->cond_.notify_all();
    return c->answer_;
  }
  static gboolean event(GstPad* pad, GstObject*, GstEvent* e) {
    Collector* c = self(pad);
    {
      std::lock_guard lock(c->mutex_);
      if (GST_EVENT_TYPE(e) == GST_EVENT_EOS) c->eos_ = true;
      if (GST_EVENT_TYPE(e) == GST_EVENT_CUSTOM_DOWNSTREAM && gst_event_has_name(e, "GstRTPPacketLost")) {
        c->lost_.push_back(gst_structure_copy(gst_event_get_structure(e)));
      }
    }
    gst_event_unref(e);
    c->cond_.notify_all();
    return TRUE;
  }

 public:
  // Called before a list is taken, outside the lock (a sink waiting for its clock).
  std::function<void(GstBuffer* first)> before_list;

  void free_lost() {
    for (GstStructure* s : lost_) gst_structure_free(s);
    lost_.clear();
  }

 private:
  GstFlowReturn answer_;
  GstPad* pad_ = nullptr;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::vector<Out> out_;
  std::vector<GstStructure*> lost_;
  bool eos_ = false;
};

std::vector<std::uint8_t> rtp(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, std::uint8_t pt = 96,
                              std::size_t payload = 200) {
  std::vector<std::uint8_t> p(12 + payload, 0x5a);
  p[0] = 0x80;
  p[1] = pt;
  p[2] = std::uint8_t(seq >> 8);
  p[3] = std::uint8_t(seq);
  for (int i = 0; i < 4; ++i) p[4 + i] = std::uint8_t(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = std::uint8_t(ssrc >> (24 - 8 * i));
  return p;
}

void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(std::uint8_t(x >> (24 - 8 * i)));
}

std::vector<std::uint8_t> sender_report(std::uint32_t ssrc, std::uint64_t ntp, std::uint32_t rtp_ts) {
  std::vector<std::uint8_t> v = {0x80, 200, 0, 6};
  put32(v, ssrc);
  put32(v, std::uint32_t(ntp >> 32));
  put32(v, std::uint32_t(ntp));
  put32(v, rtp_ts);
  put32(v, 100);
  put32(v, 10000);
  return v;
}

std::vector<std::uint8_t> bye(std::uint32_t ssrc) {
  std::vector<std::uint8_t> v = {0x81, 203, 0, 1};
  put32(v, ssrc);
  return v;
}

// One datagram as the element hands it over: a list of one buffer stamped with its arrival running time.
BufferListPtr datagram(const std::vector<std::uint8_t>& bytes, GstClockTime arrival) {
  GstBuffer* b = gst_buffer_new_memdup(bytes.data(), bytes.size());
  GST_BUFFER_DTS(b) = arrival;
  BufferListPtr list(gst_buffer_list_new());
  gst_buffer_list_add(list.get(), b);
  return list;
}

CapsPtr rtp_caps(const char* media, int clock_rate, const char* encoding, int pt = 96) {
  return CapsPtr(gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, media, "payload",
                                     G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, clock_rate, "encoding-name",
                                     G_TYPE_STRING, encoding, nullptr));
}

// The native path on a context owned by the test thread (as the worker thread owns its context).
struct NativeHarness {
  explicit NativeHarness(unsigned latency_ms, GstFlowReturn answer = GST_FLOW_OK) {
    context = g_main_context_new();
    g_main_context_acquire(context);
    for (auto& c : collectors) c = std::make_unique<Collector>(answer);
    ReceivePathConfig config;
    config.latency_ms = latency_ms;
    ReceivePath::Callbacks cb;
    cb.pad_added = [this](unsigned n, GstPad* pad) { collectors[n]->link(pad); };
    cb.rtcp_out = [this](unsigned, BufferPtr) { ++rtcp_out; };
    cb.flow_error = [this](unsigned, GstFlowReturn) { ++flow_errors; };
    cb.worker_shared = [this] { return worker_shared.load(); };
    path = make_native_receive_path(context, config, std::move(cb));
  }
  ~NativeHarness() {
    path->remove();
    path.reset();
    for (auto& c : collectors) c->free_lost();
    g_main_context_release(context);
    g_main_context_unref(context);
  }
  void pump() {
    while (g_main_context_iteration(context, FALSE)) {
    }
  }
  // Stream 0: H.264 video (90 kHz, pt 96); stream 1: Opus audio (48 kHz, pt 97).
  void add_video() {
    CapsPtr caps = rtp_caps("video", 90000, "H264");
    path->add_stream(0, caps.get());
  }
  void add_audio() {
    CapsPtr caps = rtp_caps("audio", 48000, "OPUS", 97);
    path->add_stream(1, caps.get());
  }

  GMainContext* context = nullptr;
  std::unique_ptr<Collector> collectors[2];
  std::unique_ptr<ReceivePath> path;
  int rtcp_out = 0;
  int flow_errors = 0;
  std::atomic<bool> worker_shared{false};  // what the element's worker says of its thread
};

struct Packet {
  GstClockTime arrival;
  std::vector<std::uint8_t> bytes;
};

// A camera-like trace, fixed seed: 30 frames/s for 4 s, 1 to 6 packets per frame sent back to back, arrival
// jitter up to 0.8 ms, and now and then a packet overtaken by the next one.
std::vector<Packet> camera_trace() {
  std::mt19937 rng(20261125);
  std::vector<Packet> trace;
  const std::uint32_t ssrc = 0x1234abcd;
  std::uint16_t seq = 65000;  // wraps during the trace
  const GstClockTime start = 1 * GST_SECOND;
  for (int frame = 0; frame < 120; ++frame) {
    const std::uint32_t ts = 1000000u + std::uint32_t(frame) * 3000u;
    const int packets = 1 + int(rng() % 6);
    for (int k = 0; k < packets; ++k) {
      const GstClockTime sent =
          start + GstClockTime(frame) * GST_SECOND / 30 + GstClockTime(k) * 50 * GST_USECOND;
      const GstClockTime jitter = (rng() % 800) * GST_USECOND;
      trace.push_back(Packet{sent + 2 * GST_MSECOND + jitter, rtp(seq++, ts, ssrc)});
    }
  }
  // Now and then a packet is held up on the way and arrives just after the next one.
  for (std::size_t i = 10; i + 1 < trace.size(); i += 37) {
    trace[i].arrival = trace[i + 1].arrival + 100 * GST_USECOND;
    std::swap(trace[i], trace[i + 1]);
  }
  return trace;
}

}  // namespace

// Both engines get the same trace with the same arrival stamps: same packets, same order, pts within 1 ms.
GST_START_TEST(test_native_and_rtpbin_agree) {
  const auto trace = camera_trace();
  CapsPtr caps = rtp_caps("video", 90000, "H264");

  // rtpbin, inside a pipeline that runs (its jitterbuffer has a task).
  GstElement* pipeline = gst_pipeline_new(nullptr);
  Collector rtpbin_out;
  ReceivePath::Callbacks cb;
  cb.pad_added = [&](unsigned, GstPad* pad) { rtpbin_out.link(pad); };
  ReceivePathConfig config;
  config.latency_ms = 200;
  config.do_rtcp = false;
  auto rtpbin = make_rtpbin_receive_path(GST_BIN(pipeline), config, std::move(cb));
  fail_unless(rtpbin->manager() != nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  rtpbin->add_stream(0, caps.get());

  NativeHarness native(200);
  native.path->add_stream(0, caps.get());

  for (const auto& p : trace) {
    rtpbin->push_rtp(0, datagram(p.bytes, p.arrival));
    native.path->push_rtp(0, datagram(p.bytes, p.arrival));
  }
  EventPtr eos(gst_event_new_eos());
  rtpbin->push_event_all(eos.get());
  native.path->push_event_all(eos.get());
  fail_unless(rtpbin_out.wait([&] { return rtpbin_out.eos(); }), "rtpbin: no EOS");
  fail_unless(native.collectors[0]->wait([&] { return native.collectors[0]->eos(); }, native.context),
              "native: no EOS");

  const auto a = rtpbin_out.buffers();
  const auto b = native.collectors[0]->buffers();
  fail_unless_equals_int(int(b.size()), int(trace.size()));
  fail_unless_equals_int(int(a.size()), int(b.size()));
  GstClockTimeDiff worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    fail_unless_equals_int(a[i].seq, b[i].seq);
    if (i > 0)
      fail_unless(std::uint16_t(b[i].seq - b[i - 1].seq) == 1, "native output out of order at %zu", i);
    fail_unless(GST_CLOCK_TIME_IS_VALID(a[i].pts) && GST_CLOCK_TIME_IS_VALID(b[i].pts));
    worst = std::max(worst, std::abs(GST_CLOCK_DIFF(a[i].pts, b[i].pts)));
  }
  fail_unless(worst <= GstClockTimeDiff(GST_MSECOND), "pts differ by up to %" GST_STIME_FORMAT,
              GST_STIME_ARGS(worst));

  gst_element_set_state(pipeline, GST_STATE_NULL);
  rtpbin_out.free_lost();
  rtpbin->remove();
  rtpbin.reset();
  gst_object_unref(pipeline);
}
GST_END_TEST;

// A gap that does not fill within the latency: one GstRTPPacketLost event for it (first seqnum, its time and
// duration), then the packets after it, the first of them DISCONT.
GST_START_TEST(test_native_lost_event) {
  NativeHarness h(50);
  h.add_video();
  const GstClockTime t0 = 10 * GST_SECOND;
  for (std::uint16_t seq = 100; seq < 120; ++seq) {
    if (seq >= 105 && seq <= 107) continue;  // lost on the way
    h.path->push_rtp(0, datagram(rtp(seq, seq * 3000u, 42), t0 + seq * 33 * GST_MSECOND));
  }
  Collector& c = *h.collectors[0];
  fail_unless(c.wait([&] { return c.buffers().size() >= 17; }, h.context), "got %zu buffers",
              c.buffers().size());
  const auto lost = c.lost();
  fail_unless_equals_int(int(lost.size()), 1);
  guint seqnum = 0;
  guint64 timestamp = 0, duration = 0;
  fail_unless(gst_structure_get_uint(lost[0], "seqnum", &seqnum));
  fail_unless(gst_structure_get_uint64(lost[0], "timestamp", &timestamp));
  fail_unless(gst_structure_get_uint64(lost[0], "duration", &duration));
  fail_unless_equals_int(seqnum, 105);
  const auto out = c.buffers();
  // The missing three sat between packets 104 and 108: their time is inside that interval.
  GstClockTime pts104 = 0, pts108 = 0;
  for (const auto& o : out) {
    if (o.seq == 104) pts104 = o.pts;
    if (o.seq == 108) {
      pts108 = o.pts;
      fail_unless(o.discont, "first packet after the loss not DISCONT");
    }
  }
  fail_unless(timestamp > pts104 && timestamp < pts108);
  fail_unless(duration > 0 && timestamp + duration <= pts108 + GST_MSECOND);
  fail_unless_equals_int(int(c.buffers().size()), 17);
}
GST_END_TEST;

// BYE from the sender: what it sent is output, then EOS on that stream only.
GST_START_TEST(test_native_bye_is_eos) {
  NativeHarness h(200);
  h.add_video();
  h.add_audio();
  const GstClockTime t0 = GST_SECOND;
  for (std::uint16_t i = 0; i < 5; ++i) {
    h.path->push_rtp(0, datagram(rtp(i, i * 3000u, 7), t0 + i * 33 * GST_MSECOND));
    h.path->push_rtp(1, datagram(rtp(i, i * 960u, 8, 97), t0 + i * 20 * GST_MSECOND));
  }
  h.path->push_rtcp(0, datagram(bye(99), t0 + GST_SECOND));  // not the sender: ignored
  fail_if(h.collectors[0]->eos());
  h.path->push_rtcp(0, datagram(bye(7), t0 + GST_SECOND));
  fail_unless(h.collectors[0]->wait([&] { return h.collectors[0]->eos(); }, h.context));
  fail_unless_equals_int(int(h.collectors[0]->buffers().size()), 5);
  fail_if(h.collectors[1]->eos());
}
GST_END_TEST;

// Sender reports put two streams in sync: audio that arrives 100 ms ahead of its video is delayed by 100 ms.
GST_START_TEST(test_native_sync_from_sender_reports) {
  NativeHarness h(200);
  h.add_video();
  h.add_audio();
  // Capture instant c (seconds): video arrives at c + 0.2, audio at c + 0.1.
  auto at = [](double s) { return GstClockTime(std::llround(s * GST_SECOND)); };
  const std::uint64_t ntp_base = std::uint64_t(3900000000u) << 32;
  auto ntp_of = [&](double c) { return ntp_base + std::uint64_t(std::llround(c * 4294967296.0)); };
  std::uint16_t seq = 0;
  auto push_both = [&](double c) {
    h.path->push_rtp(0, datagram(rtp(seq, std::uint32_t(std::llround(c * 90000)), 7), at(c + 0.2)));
    h.path->push_rtp(1, datagram(rtp(seq, std::uint32_t(std::llround(c * 48000)), 8, 97), at(c + 0.1)));
    ++seq;
  };
  double c = 1.0;
  for (int i = 0; i < 10; ++i, c += 0.02) push_both(c);
  h.path->push_rtcp(
      0, datagram(sender_report(7, ntp_of(c), std::uint32_t(std::llround(c * 90000))), at(c + 0.2)));
  h.path->push_rtcp(
      1, datagram(sender_report(8, ntp_of(c), std::uint32_t(std::llround(c * 48000))), at(c + 0.1)));
  const double first_synced = c;
  for (int i = 0; i < 10; ++i, c += 0.02) push_both(c);
  // Two streams: each has its streaming thread; wait for them.
  Collector& cv = *h.collectors[0];
  Collector& ca = *h.collectors[1];
  fail_unless(cv.wait([&] { return cv.buffers().size() >= 20; }, h.context));
  fail_unless(ca.wait([&] { return ca.buffers().size() >= 20; }, h.context));
  const auto v = h.collectors[0]->buffers();
  const auto a = h.collectors[1]->buffers();
  fail_unless_equals_int(int(v.size()), 20);
  fail_unless_equals_int(int(a.size()), 20);
  // Before the reports audio is 100 ms early; after them the same capture instant has the same pts.
  fail_unless(std::abs(GST_CLOCK_DIFF(v[0].pts, a[0].pts) + GstClockTimeDiff(100 * GST_MSECOND)) <
              GstClockTimeDiff(2 * GST_MSECOND));
  for (std::size_t i = 10; i < 20; ++i) {
    fail_unless(std::abs(GST_CLOCK_DIFF(v[i].pts, a[i].pts)) < GstClockTimeDiff(2 * GST_MSECOND),
                "packet %zu (capture %.2f): video %" GST_TIME_FORMAT " audio %" GST_TIME_FORMAT, i,
                first_synced, GST_TIME_ARGS(v[i].pts), GST_TIME_ARGS(a[i].pts));
  }
  // A later audio report 5 ms off (report jitter) would lower its offset: it is not, audio pts never step
  // back.
  h.path->push_rtcp(
      1, datagram(sender_report(8, ntp_of(c - 0.005), std::uint32_t(std::llround(c * 48000))), at(c + 0.1)));
  for (int i = 0; i < 5; ++i, c += 0.02) push_both(c);
  fail_unless(cv.wait([&] { return cv.buffers().size() >= 25; }, h.context));
  fail_unless(ca.wait([&] { return ca.buffers().size() >= 25; }, h.context));
  const auto a2 = h.collectors[1]->buffers();
  fail_unless_equals_int(int(a2.size()), 25);
  for (std::size_t i = 1; i < a2.size(); ++i)
    fail_unless(a2[i].pts > a2[i - 1].pts, "audio pts back at %zu", i);
  const auto v2 = h.collectors[0]->buffers();
  fail_unless(std::abs(GST_CLOCK_DIFF(v2[24].pts, a2[24].pts)) < GstClockTimeDiff(2 * GST_MSECOND));
}
GST_END_TEST;

// Downstream answering EOS ends the stream with an EOS event, as a source's loop does; an error is reported.
GST_START_TEST(test_native_downstream_flow) {
  {
    NativeHarness h(200, GST_FLOW_EOS);
    h.add_video();
    for (std::uint16_t i = 0; i < 4; ++i) h.path->push_rtp(0, datagram(rtp(i, i * 3000u, 7), GST_SECOND + i));
    fail_unless(h.collectors[0]->eos());
    fail_unless_equals_int(int(h.collectors[0]->buffers().size()), 2);  // probation: two at once, then EOS
    fail_unless_equals_int(h.flow_errors, 0);
  }
  {
    NativeHarness h(200, GST_FLOW_NOT_NEGOTIATED);
    h.add_video();
    for (std::uint16_t i = 0; i < 4; ++i) h.path->push_rtp(0, datagram(rtp(i, i * 3000u, 7), GST_SECOND + i));
    fail_unless_equals_int(h.flow_errors, 1);
  }
}
GST_END_TEST;

// Downstream that holds the pushing thread (a sink with sync=true waits for the clock, a paused pipeline's
// sink for PLAYING) would hold the worker, and with it the socket reads, the server's answers and the
// keep-alives. After the first push that held it longer than max(20 ms, latency / 2) the output threads push
// the stream: everything still arrives, in order, and nothing after that push comes from the worker.
GST_START_TEST(test_native_blocked_push_moves_output_off_the_worker) {
  NativeHarness h(100);
  Collector& c = *h.collectors[0];
  bool first_list = true;
  c.before_list = [&](GstBuffer*) {
    // What the sink does to the pushing thread (not a synchronisation of the test).
    if (std::exchange(first_list, false)) std::this_thread::sleep_for(std::chrono::milliseconds(150));
  };
  h.add_video();
  constexpr int kPackets = 20;
  for (int i = 0; i < kPackets; ++i)
    h.path->push_rtp(0, datagram(rtp(std::uint16_t(i), std::uint32_t(i) * 3000u, 7), GST_SECOND + i));
  fail_unless(c.wait([&] { return c.buffers().size() == kPackets; }, h.context), "got %zu",
              c.buffers().size());
  const auto out = c.buffers();
  // Probation held packet 0 until packet 1: both went out in the first list, on the worker, and blocked.
  fail_unless(out[0].thread == std::this_thread::get_id());
  fail_unless(out[1].thread == std::this_thread::get_id());
  for (std::size_t i = 2; i < out.size(); ++i) {
    fail_if(out[i].thread == std::this_thread::get_id(), "packet %zu pushed on the worker", i);
    fail_unless(out[i].pts > out[i - 1].pts, "packet %zu out of order", i);
  }
}
GST_END_TEST;

// A single stream is pushed by the thread that reads it (the worker): no thread of its own.
GST_START_TEST(test_native_single_stream_pushes_on_the_worker) {
  NativeHarness h(200);
  h.add_video();
  for (std::uint16_t i = 0; i < 4; ++i) h.path->push_rtp(0, datagram(rtp(i, i * 3000u, 7), GST_SECOND + i));
  const auto out = h.collectors[0]->buffers();
  fail_unless_equals_int(int(out.size()), 4);
  for (const auto& o : out) fail_unless(o.thread == std::this_thread::get_id());
}
GST_END_TEST;

// A single stream moves from the worker to the output threads between two pushes, in order, and stays there
// (what is queued keeps its order with what comes next), when its worker thread starts to run other elements
// too (a push blocked downstream would hold them all) and when the pipeline pauses (its sinks hold the next
// push until PLAYING, whether or not a push blocked before).
GST_START_TEST(test_native_single_stream_moves_to_the_output_threads) {
  struct Case {
    const char* name;
    std::function<void(NativeHarness&)> cause;
  };
  const Case cases[] = {
      {"worker thread shared", [](NativeHarness& h) { h.worker_shared = true; }},
      {"pipeline paused", [](NativeHarness& h) { h.path->pipeline_paused(); }},
  };
  for (const auto& tc : cases) {
    NativeHarness h(200);
    h.add_video();
    Collector& c = *h.collectors[0];
    auto push = [&](std::uint16_t from, std::uint16_t to) {
      for (std::uint16_t i = from; i < to; ++i)
        h.path->push_rtp(0, datagram(rtp(i, i * 3000u, 7), GST_SECOND + i));
    };
    push(0, 3);
    fail_unless_equals_int(int(c.buffers().size()), 3);
    tc.cause(h);
    push(3, 6);
    fail_unless(c.wait([&] { return c.buffers().size() == 6; }, h.context), "%s", tc.name);
    h.worker_shared = false;  // alone on its thread again: it stays with the output threads
    push(6, 9);
    fail_unless(c.wait([&] { return c.buffers().size() == 9; }, h.context), "%s", tc.name);
    const auto out = c.buffers();
    for (std::size_t i = 0; i < out.size(); ++i) {
      fail_unless((out[i].thread == std::this_thread::get_id()) == (i < 3), "%s: packet %zu on the %s",
                  tc.name, i, i < 3 ? "output threads" : "worker");
      if (i > 0) fail_unless(out[i].pts > out[i - 1].pts, "%s: packet %zu out of order", tc.name, i);
    }
  }
}
GST_END_TEST;

// Two streams, and downstream holds the first until the second delivered (what decodebin/playbin and
// collectpads muxers do). With one thread for both that would never end; each stream has its own streaming
// thread, so the worker keeps going and both streams arrive.
GST_START_TEST(test_native_streams_do_not_wait_for_each_other) {
  NativeHarness h(200);
  Collector& video = *h.collectors[0];
  Collector& audio = *h.collectors[1];
  bool gave_up = false;
  video.before_list = [&](GstBuffer*) {
    if (!audio.wait([&] { return !audio.buffers().empty(); })) gave_up = true;
  };
  h.add_video();
  h.add_audio();
  for (std::uint16_t i = 0; i < 4; ++i) h.path->push_rtp(0, datagram(rtp(i, i * 3000u, 7), GST_SECOND + i));
  for (std::uint16_t i = 0; i < 4; ++i)
    h.path->push_rtp(1, datagram(rtp(i, i * 960u, 8, 97), GST_SECOND + i));
  fail_unless(video.wait([&] { return video.buffers().size() == 4; }, h.context));
  fail_unless(audio.wait([&] { return audio.buffers().size() == 4; }, h.context));
  fail_if(gave_up, "the video push waited for audio that never came");
  fail_if(video.buffers()[0].thread == std::this_thread::get_id());
}
GST_END_TEST;

// `n` native paths with a video and an audio stream each (several elements of a process).
std::vector<std::unique_ptr<NativeHarness>> av_elements(int n) {
  std::vector<std::unique_ptr<NativeHarness>> elements;
  for (int e = 0; e < n; ++e) {
    elements.push_back(std::make_unique<NativeHarness>(200));
    elements.back()->add_video();
    elements.back()->add_audio();
  }
  return elements;
}

// Output threads are the process's, not the streams': six elements with two streams each, fed one after the
// other (each time once the pool has an idle thread again), are all pushed by the same one or two threads
// (a thread per stream would be twelve). The deadlock test above shows a blocked push still gets company.
GST_START_TEST(test_native_output_threads_are_shared) {
  auto elements = av_elements(6);
  const auto pool_idle = [] {
    const auto until = std::chrono::steady_clock::now() + kWait;
    while (OutputPool::instance().idle_threads() == 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::yield();
  };
  std::set<std::thread::id> pushers;
  for (auto& h : elements) {
    for (unsigned stream = 0; stream < 2; ++stream) {
      Collector& c = *h->collectors[stream];
      for (std::uint16_t i = 0; i < 3; ++i) {
        if (OutputPool::instance().threads() > 0) pool_idle();
        h->path->push_rtp(stream,
                          datagram(rtp(i, i * 3000u, 7 + stream, stream == 0 ? 96 : 97), GST_SECOND + i));
        // Probation holds the first packet; from the second on each one is pushed at once.
        if (i > 0) fail_unless(c.wait([&] { return c.buffers().size() == std::size_t(i) + 1; }, h->context));
      }
      for (const Out& o : c.buffers()) pushers.insert(o.thread);
    }
  }
  fail_if(pushers.count(std::this_thread::get_id()) != 0);
  fail_unless(pushers.size() <= 2, "%zu pushing threads for 12 streams", pushers.size());
}
GST_END_TEST;

// Beyond the first few threads the pool starts a new one only for a job that waited (a push ahead of it is
// blocked): eight streams whose pushes all block downstream at once still each get a thread, and a ninth
// stream is pushed while they wait.
GST_START_TEST(test_native_output_pool_grows_past_blocked_pushes) {
  auto elements = av_elements(5);
  std::mutex m;
  std::condition_variable cv;
  int entered = 0;
  bool release = false;
  for (int e = 0; e < 4; ++e) {
    for (auto& c : elements[std::size_t(e)]->collectors) {
      c->before_list = [&](GstBuffer*) {
        std::unique_lock lock(m);
        ++entered;
        cv.notify_all();
        cv.wait_for(lock, kWait, [&] { return release; });
      };
    }
  }
  const auto feed = [](NativeHarness& h, unsigned stream) {
    for (std::uint16_t i = 0; i < 2; ++i)
      h.path->push_rtp(stream,
                       datagram(rtp(i, i * 3000u, 7 + stream, stream == 0 ? 96 : 97), GST_SECOND + i));
  };
  for (int e = 0; e < 4; ++e) {
    feed(*elements[std::size_t(e)], 0);
    feed(*elements[std::size_t(e)], 1);
  }
  bool all_blocked = false;
  {
    std::unique_lock lock(m);
    all_blocked = cv.wait_for(lock, kWait, [&] { return entered == 8; });
  }
  // A ninth stream, while eight pushes are blocked.
  NativeHarness& last = *elements[4];
  feed(last, 0);
  Collector& c = *last.collectors[0];
  const bool ninth = c.wait([&] { return c.buffers().size() == 2; }, last.context);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  fail_unless(all_blocked, "only %d of 8 blocked pushes got a thread", entered);
  fail_unless(ninth, "the ninth stream waited behind blocked pushes");
  fail_unless(OutputPool::instance().threads() >= 9);
}
GST_END_TEST;

// A flushing seek with a stream thread: what waited is dropped, and after it data flows again with its caps.
GST_START_TEST(test_native_flush_with_stream_threads) {
  NativeHarness h(200);
  h.add_video();
  h.add_audio();
  Collector& v = *h.collectors[0];
  for (std::uint16_t i = 0; i < 4; ++i) h.path->push_rtp(0, datagram(rtp(i, i * 3000u, 7), GST_SECOND + i));
  fail_unless(v.wait([&] { return v.buffers().size() == 4; }, h.context));
  EventPtr start(gst_event_new_flush_start());
  EventPtr stop(gst_event_new_flush_stop(TRUE));
  h.path->push_event_all(start.get());
  h.path->push_event_all(stop.get());
  GstSegment seg;  // the element sends the new position's segment with PLAY's answer
  gst_segment_init(&seg, GST_FORMAT_TIME);
  EventPtr segment(gst_event_new_segment(&seg));
  h.path->push_event_all(segment.get());
  // The sender starts again from another position after the seek (new sequence, new SSRC here).
  for (std::uint16_t i = 0; i < 4; ++i)
    h.path->push_rtp(0, datagram(rtp(std::uint16_t(500 + i), 90000u + i * 3000u, 9), 2 * GST_SECOND + i));
  fail_unless(v.wait([&] { return v.buffers().size() == 8; }, h.context), "got %zu", v.buffers().size());
  fail_unless(v.buffers()[4].discont);
  fail_unless_equals_int(v.buffers()[4].seq, 500);
  GstCaps* caps = gst_pad_get_current_caps(v.pad());
  fail_unless(caps != nullptr);
  gst_caps_unref(caps);
}
GST_END_TEST;

// The native path answers the latency query as rtpjitterbuffer does.
GST_START_TEST(test_native_latency_query) {
  NativeHarness h(350);
  h.add_video();
  h.path->push_rtp(0, datagram(rtp(1, 0, 7), GST_SECOND));
  h.path->push_rtp(0, datagram(rtp(2, 3000, 7), GST_SECOND + 1));
  GstQuery* q = gst_query_new_latency();
  fail_unless(gst_pad_peer_query(h.collectors[0]->pad(), q));
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(q, &live, &min, &max);
  gst_query_unref(q);
  fail_unless(live);
  fail_unless_equals_uint64(min, 350 * GST_MSECOND);
}
GST_END_TEST;

static Suite* receive_paths_suite() {
  Suite* s = suite_create("receive_paths");
  TCase* tc = tcase_create("general");
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_native_and_rtpbin_agree);
  tcase_add_test(tc, test_native_lost_event);
  tcase_add_test(tc, test_native_bye_is_eos);
  tcase_add_test(tc, test_native_sync_from_sender_reports);
  tcase_add_test(tc, test_native_downstream_flow);
  tcase_add_test(tc, test_native_latency_query);
  tcase_add_test(tc, test_native_blocked_push_moves_output_off_the_worker);
  tcase_add_test(tc, test_native_single_stream_pushes_on_the_worker);
  tcase_add_test(tc, test_native_single_stream_moves_to_the_output_threads);
  tcase_add_test(tc, test_native_streams_do_not_wait_for_each_other);
  tcase_add_test(tc, test_native_flush_with_stream_threads);
  tcase_add_test(tc, test_native_output_threads_are_shared);
  tcase_add_test(tc, test_native_output_pool_grows_past_blocked_pushes);
  return s;
}

GST_CHECK_MAIN(receive_paths)
