// rtspsrc2 against gst-rtsp-server in-process: what plays decodes, over every transport, with the same caps
// as upstream rtspsrc.
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

#include "../common/rtsp_test_server.hpp"
#include "../common/threads.hpp"
#include "src_probe.hpp"

#include "../common/check.hpp"

using namespace rtsp2::test;

namespace {

constexpr int kTimeoutMs = 20000;

std::unique_ptr<RtspTestServer> serve(Mount m) {
  auto s = std::make_unique<RtspTestServer>();
  s->add_mount(std::move(m));
  fail_unless(s->start(0), "server did not start");
  return s;
}

std::string transport_of(GstElement* src, unsigned index) {
  GstStructure* stats = nullptr;
  g_object_get(src, "stats", &stats, nullptr);
  std::string out;
  const GValue* list = gst_structure_get_value(stats, "streams");
  for (guint i = 0; list && i < gst_value_list_get_size(list); ++i) {
    const GstStructure* st = gst_value_get_structure(gst_value_list_get_value(list, i));
    guint idx = 0;
    gst_structure_get_uint(st, "index", &idx);
    if (idx == index) out = gst_structure_get_string(st, "transport");
  }
  gst_structure_free(stats);
  return out;
}

// Plays `location` until `pads` each decoded `frames` buffers; checks timestamps and errors.
void play_and_check(SrcProbe& p, const std::vector<std::string>& pads, int frames) {
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  for (const auto& pad : pads) {
    fail_unless(p.wait_frames(pad, frames, kTimeoutMs), "%s: %d frames (errors %d)", pad.c_str(),
                p.pad(pad).buffers, p.error_count());
    fail_unless(p.pad(pad).pts_increasing, "%s: timestamps not increasing", pad.c_str());
  }
  fail_unless_equals_int(p.error_count(), 0);
}

}  // namespace

GST_START_TEST(test_h264_over_each_transport) {
  struct Case {
    const char* protocols;
    const char* expected_transport;
    const char* setup_contains;
  };
  const Case cases[] = {{"udp", "udp", "client_port="}, {"tcp", "tcp", "interleaved="}};
  for (const auto& c : cases) {
    auto server = serve({"/test", h264_launch()});
    SrcProbe p("rtspsrc2", server->url("/test"));
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", c.protocols);
    g_object_set(p.src(), "latency", 200u, nullptr);
    play_and_check(p, {"stream_0"}, 30);
    fail_unless(p.wait([&] { return p.no_more_pads(); }, kTimeoutMs));
    fail_unless(transport_of(p.src(), 0) == c.expected_transport, "%s: transport %s", c.protocols,
                transport_of(p.src(), 0).c_str());
    auto transports = server->setup_transports();
    fail_unless_equals_int(int(transports.size()), 1);
    fail_unless(transports[0].find(c.setup_contains) != std::string::npos, "%s", transports[0].c_str());
    // No OPTIONS round trip before DESCRIBE.
    fail_unless_equals_int(server->requests("OPTIONS"), 0);
  }
}
GST_END_TEST;

std::uint64_t stream_stat(GstElement* src, unsigned index, const char* field) {
  GstStructure* stats = nullptr;
  g_object_get(src, "stats", &stats, nullptr);
  guint64 out = 0;
  const GValue* list = gst_structure_get_value(stats, "streams");
  for (guint i = 0; list && i < gst_value_list_get_size(list); ++i) {
    const GstStructure* st = gst_value_get_structure(gst_value_list_get_value(list, i));
    guint idx = 0;
    gst_structure_get_uint(st, "index", &idx);
    if (idx == index) gst_structure_get_uint64(st, field, &out);
  }
  gst_structure_free(stats);
  return out;
}

// read-interval: packets of a 30 fps live stream are read in batches at most about once per interval (a
// read per frame or more without it), over UDP and over TCP, and still decode with increasing timestamps.
GST_START_TEST(test_read_interval_batches_media) {
  for (const char* protocols : {"udp", "tcp"}) {
    auto server = serve({"/test", h264_launch()});
    SrcProbe p("rtspsrc2", server->url("/test"));
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", protocols);
    g_object_set(p.src(), "latency", 2000u, "read-interval", 250, nullptr);
    const auto start = std::chrono::steady_clock::now();
    play_and_check(p, {"stream_0"}, 45);
    const auto elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
            .count();
    const std::uint64_t packets = stream_stat(p.src(), 0, "packets");
    const std::uint64_t batches = stream_stat(p.src(), 0, "batches");
    fail_unless(packets >= 45, "%s: %llu packets", protocols, (unsigned long long)packets);
    // One read per rest while data keeps coming; twice that leaves room for idle gaps.
    const std::uint64_t bound = std::uint64_t(2 * elapsed_ms / 250 + 4);
    fail_unless(batches >= 1 && batches <= bound, "%s: %llu batches for %llu packets in %lld ms", protocols,
                (unsigned long long)batches, (unsigned long long)packets, (long long)elapsed_ms);
  }
}
GST_END_TEST;

// rtspsrc2 elements share their worker threads (RTSP2_WORKER_THREADS of them at most, here 1), over UDP and
// TCP, and each still plays; the single-stream elements then push through the output threads, so that one
// blocked downstream would not hold the others.
GST_START_TEST(test_elements_share_worker_threads) {
  g_setenv("RTSP2_WORKER_THREADS", "1", TRUE);
  // A media per client: gst-rtsp-server adding branches to one shared media for clients of several
  // transports at once may let data into a new branch before its stream-start (an upstream race).
  auto server = serve({"/test", h264_launch(), false});
  std::vector<std::unique_ptr<SrcProbe>> probes;
  for (const char* protocols : {"udp", "tcp", "udp"}) {
    probes.push_back(std::make_unique<SrcProbe>("rtspsrc2", server->url("/test"), false));
    gst_util_set_object_arg(G_OBJECT(probes.back()->src()), "protocols", protocols);
    g_object_set(probes.back()->src(), "latency", 200u, nullptr);
    fail_if(probes.back()->set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  }
  for (auto& p : probes) {
    // Counted where they leave rtspsrc2 (lists), as the plain fakesinks have no depayloader.
    fail_unless(p->wait([&] { return p->pad("stream_0").rtp_buffers >= 100; }, kTimeoutMs),
                "%d buffers (errors %d)", p->pad("stream_0").rtp_buffers, p->error_count());
    fail_unless_equals_int(p->error_count(), 0);
  }
  fail_unless_equals_int(threads_named("rtspsrc2-shared"), 1);
  fail_unless_equals_int(threads_named("rtspsrc2"), 0);
  // The native engine's output threads push (rtpbin has threads of its own).
  const char* engine = g_getenv("RTSP2_RTP_ENGINE");
  if (engine == nullptr || g_str_equal(engine, "native")) fail_unless(threads_named("rtspsrc2-out") >= 1);
  probes.clear();
  g_unsetenv("RTSP2_WORKER_THREADS");
}
GST_END_TEST;

// A pad-added handler that takes its time (an application linking and starting a branch, opening a device)
// holds the thread that announced the pad, never a worker that other elements share: with every element on
// one worker thread, two elements keep delivering while the third one's handler waits.
GST_START_TEST(test_slow_pad_added_does_not_hold_shared_workers) {
  g_setenv("RTSP2_WORKER_THREADS", "1", TRUE);
  auto server = serve({"/av", h264_aac_launch(), false});  // a media per client, as above
  struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool entered = false;
    bool open = false;
  } gate;
  std::vector<std::unique_ptr<SrcProbe>> probes;
  for (int i = 0; i < 3; ++i) {
    probes.push_back(std::make_unique<SrcProbe>("rtspsrc2", server->url("/av"), false));
    g_object_set(probes.back()->src(), "latency", 200u, nullptr);
  }
  g_signal_connect(probes[2]->src(), "pad-added", G_CALLBACK(+[](GstElement*, GstPad*, gpointer data) {
                     auto* g = static_cast<Gate*>(data);
                     std::unique_lock l(g->m);
                     g->entered = true;
                     g->cv.notify_all();
                     g->cv.wait_for(l, std::chrono::seconds(20), [g] { return g->open; });
                   }),
                   &gate);
  for (auto& p : probes) fail_if(p->set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  {
    std::unique_lock l(gate.m);
    fail_unless(gate.cv.wait_for(l, std::chrono::seconds(10), [&] { return gate.entered; }));
  }
  int before[2];
  for (int i = 0; i < 2; ++i) before[i] = probes[std::size_t(i)]->pad("stream_0").rtp_buffers;
  const bool others_went_on = probes[0]->wait(
      [&] {
        return probes[0]->pad("stream_0").rtp_buffers > before[0] + 20 &&
               probes[1]->pad("stream_0").rtp_buffers > before[1] + 20;
      },
      kTimeoutMs);
  {
    std::lock_guard l(gate.m);
    gate.open = true;
    gate.cv.notify_all();
  }
  fail_unless(others_went_on, "neighbours stalled: +%d, +%d buffers",
              probes[0]->pad("stream_0").rtp_buffers - before[0],
              probes[1]->pad("stream_0").rtp_buffers - before[1]);
  // The third one goes on once its handler returns.
  fail_unless(probes[2]->wait([&] { return probes[2]->pad("stream_0").rtp_buffers >= 10; }, kTimeoutMs));
  for (auto& p : probes) fail_unless_equals_int(p->error_count(), 0);
  probes.clear();
  g_unsetenv("RTSP2_WORKER_THREADS");
}
GST_END_TEST;

// By default an element whose streams the output threads push (the native engine with two streams) leaves
// its own worker thread for one shared with other such elements, at most one per CPU: three A/V elements,
// and no worker thread of their own is left. Each goes on playing there.
GST_START_TEST(test_multi_stream_elements_share_worker_threads) {
  const char* engine = g_getenv("RTSP2_RTP_ENGINE");
  const bool native = engine == nullptr || g_str_equal(engine, "native");
  auto server = serve({"/av", h264_aac_launch(), false});  // a media per client, as above
  std::vector<std::unique_ptr<SrcProbe>> probes;
  for (int i = 0; i < 3; ++i) {
    probes.push_back(std::make_unique<SrcProbe>("rtspsrc2", server->url("/av"), false));
    g_object_set(probes.back()->src(), "latency", 200u, nullptr);
    fail_if(probes.back()->set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  }
  auto each_has = [&](int buffers) {
    for (auto& p : probes)
      for (const char* pad : {"stream_0", "stream_1"})
        if (p->pad(pad).rtp_buffers < buffers) return false;
    return true;
  };
  fail_unless(probes[0]->wait([&] { return each_has(10); }, kTimeoutMs));
  if (native) {
    // Their own threads end as they move.
    fail_unless(probes[0]->wait([] { return threads_named("rtspsrc2") == 0; }, kTimeoutMs), "%d left",
                threads_named("rtspsrc2"));
    const int shared = threads_named("rtspsrc2-shared");
    fail_unless(shared >= 1 && shared <= int(std::min(3u, g_get_num_processors())), "%d shared threads",
                shared);
  } else {
    // rtpbin pushes from threads of its own; each worker keeps its thread.
    fail_unless_equals_int(threads_named("rtspsrc2"), 3);
  }
  int seen[3][2];
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 2; ++k)
      seen[i][k] = probes[std::size_t(i)]->pad(k ? "stream_1" : "stream_0").rtp_buffers;
  // Still reading, depacketising and pushing on every stream after the move.
  fail_unless(probes[0]->wait(
      [&] {
        for (int i = 0; i < 3; ++i)
          for (int k = 0; k < 2; ++k)
            if (probes[std::size_t(i)]->pad(k ? "stream_1" : "stream_0").rtp_buffers <= seen[i][k] + 5)
              return false;
        return true;
      },
      kTimeoutMs));
  for (auto& p : probes) fail_unless_equals_int(p->error_count(), 0);
}
GST_END_TEST;

// udp-buffer-size reaches the media sockets: with a buffer of a few datagrams a raw video stream (bursts of
// hundreds of packets) loses some in the kernel, and the stream stats count them (kernel-drops).
GST_START_TEST(test_udp_buffer_size_and_kernel_drops) {
  auto server = serve({"/raw", raw_video_launch(320, 240, 30)});
  SrcProbe p("rtspsrc2", server->url("/raw"));
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp");
  g_object_set(p.src(), "latency", 200u, "udp-buffer-size", 2048, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait([&] { return stream_stat(p.src(), 0, "kernel-drops") > 0; }, kTimeoutMs),
              "no kernel drops with a 2 KiB buffer (%llu packets)",
              (unsigned long long)stream_stat(p.src(), 0, "packets"));
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

// With the output threads pushing (an A/V element) and the video branch blocked downstream, the video
// stream's output queue deepens and its socket's reads are held (read-holds) instead of taking a pooled
// buffer per datagram; nothing is lost meanwhile (read anyway past a quarter of the receive buffer), the
// audio goes on, and so does the video once the branch is unblocked. The rtpbin engine has no such queue.
GST_START_TEST(test_reads_held_while_a_blocked_branch_backs_up) {
  const char* engine = g_getenv("RTSP2_RTP_ENGINE");
  if (engine != nullptr && !g_str_equal(engine, "native")) return;
  auto server = serve({"/av", h264_aac_launch()});
  SrcProbe p("rtspsrc2", server->url("/av"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp");
  g_object_set(p.src(), "latency", 200u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(
      p.wait([&] { return p.pad("stream_0").rtp_buffers >= 10 && p.pad("stream_1").rtp_buffers >= 10; },
             kTimeoutMs));
  fail_unless_equals_int(int(stream_stat(p.src(), 0, "read-holds")), 0);
  GstPad* video = gst_element_get_static_pad(p.src(), "stream_0");
  fail_unless(video != nullptr);
  const gulong block = gst_pad_add_probe(
      video, GstPadProbeType(GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM),
      [](GstPad*, GstPadProbeInfo*, gpointer) { return GST_PAD_PROBE_OK; }, nullptr, nullptr);
  const int audio = p.pad("stream_1").rtp_buffers;
  fail_unless(p.wait(
                  [&] {
                    return stream_stat(p.src(), 0, "read-holds") > 0 &&
                           p.pad("stream_1").rtp_buffers >= audio + 10;
                  },
                  kTimeoutMs),
              "%llu holds, %llu packets of stream 0, audio %d -> %d",
              (unsigned long long)stream_stat(p.src(), 0, "read-holds"),
              (unsigned long long)stream_stat(p.src(), 0, "packets"), audio, p.pad("stream_1").rtp_buffers);
  const int video_before = p.pad("stream_0").rtp_buffers;
  gst_pad_remove_probe(video, block);
  gst_object_unref(video);
  fail_unless(p.wait([&] { return p.pad("stream_0").rtp_buffers >= video_before + 30; }, kTimeoutMs));
  fail_unless_equals_int(int(stream_stat(p.src(), 0, "kernel-drops")), 0);
  fail_unless_equals_int(int(stream_stat(p.src(), 0, "dropped-output")), 0);
  fail_unless_equals_int(int(stream_stat(p.src(), 0, "lost")), 0);
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

// Interleaved frames larger than an Ethernet MTU (a server sending 6000-byte RTP packets over TCP) arrive
// whole: the frame buffers grow to fit them.
GST_START_TEST(test_large_interleaved_frames) {
  auto server =
      serve({"/big",
             "( videotestsrc is-live=true ! video/x-raw,format=UYVY,width=320,height=240,framerate=30/1 "
             "! rtpvrawpay name=pay0 pt=96 mtu=6000 )"});
  SrcProbe p("rtspsrc2", server->url("/big"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
  g_object_set(p.src(), "latency", 200u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait([&] { return p.pad("stream_0").rtp_buffers >= 100; }, kTimeoutMs));
  const std::uint64_t packets = stream_stat(p.src(), 0, "packets");
  const std::uint64_t bytes = stream_stat(p.src(), 0, "bytes");
  // A 320x240 UYVY frame is 153,600 bytes: 26 packets of at most 6000, all but the last one full.
  fail_unless(packets > 0 && bytes / packets > 5000, "%llu bytes in %llu packets", (unsigned long long)bytes,
              (unsigned long long)packets);
  fail_unless_equals_int(int(stream_stat(p.src(), 0, "lost")), 0);
  fail_unless_equals_int(p.error_count(), 0);
}
GST_END_TEST;

GST_START_TEST(test_h264_aac) {
  auto server = serve({"/av", h264_aac_launch()});
  SrcProbe p("rtspsrc2", server->url("/av"));
  g_object_set(p.src(), "latency", 200u, nullptr);
  play_and_check(p, {"stream_0", "stream_1"}, 20);
  fail_unless(p.wait([&] { return p.no_more_pads(); }, kTimeoutMs));
  fail_unless(p.pad("stream_0").caps.find("H264") != std::string::npos);
  fail_unless(p.pad("stream_1").caps.find("MPEG4-GENERIC") != std::string::npos);
  // Stats per stream count what arrived.
  GstStructure* stats = nullptr;
  g_object_get(p.src(), "stats", &stats, nullptr);
  const GValue* streams = gst_structure_get_value(stats, "streams");
  fail_unless_equals_int(int(gst_value_list_get_size(streams)), 2);
  for (guint i = 0; i < 2; ++i) {
    const GstStructure* st = gst_value_get_structure(gst_value_list_get_value(streams, i));
    guint64 packets = 0, bytes = 0;
    fail_unless(gst_structure_get_uint64(st, "packets", &packets) && packets > 0);
    fail_unless(gst_structure_get_uint64(st, "bytes", &bytes) && bytes > packets * 12);
    fail_unless(gst_structure_has_field(st, "jitter") && gst_structure_has_field(st, "lost"));
  }
  gst_structure_free(stats);
  // An application EOS (gst-launch -e) reaches every pad and the bus.
  fail_unless(gst_element_send_event(p.pipeline(), gst_event_new_eos()));
  fail_unless(p.wait([&] { return p.eos(); }, kTimeoutMs));
}
GST_END_TEST;

namespace {
// Caps without what differs from one session to the next.
std::string stable_caps(const std::string& text) {
  GstCaps* caps = gst_caps_from_string(text.c_str());
  GstStructure* s = gst_caps_get_structure(caps, 0);
  std::vector<std::string> drop;
  for (int i = 0; i < gst_structure_n_fields(s); ++i) {
    std::string f = gst_structure_nth_field_name(s, guint(i));
    if (f == "ssrc" || f == "clock-base" || f == "seqnum-base" || f.rfind("ssrc-", 0) == 0) drop.push_back(f);
  }
  for (auto& f : drop) gst_structure_remove_field(s, f.c_str());
  gchar* out = gst_caps_to_string(caps);
  std::string r = out;
  g_free(out);
  gst_caps_unref(caps);
  return r;
}

std::map<std::string, std::string> caps_by_media(SrcProbe& p) {
  std::map<std::string, std::string> m;
  for (const auto& name : p.pad_names()) {
    std::string caps = stable_caps(p.pad(name).caps);
    m[caps.find("media=(string)video") != std::string::npos ? "video" : "audio"] = caps;
  }
  return m;
}
}  // namespace

GST_START_TEST(test_caps_as_rtspsrc) {
  GstElementFactory* rtspsrc = gst_element_factory_find("rtspsrc");
  fail_unless(rtspsrc != nullptr,
              "rtspsrc not installed (scripts/setup.sh installs gstreamer1.0-plugins-good)");
  gst_object_unref(rtspsrc);
  auto server = serve({"/av", h264_aac_launch()});
  std::map<std::string, std::string> ours, theirs;
  for (const char* factory : {"rtspsrc", "rtspsrc2"}) {
    SrcProbe p(factory, server->url("/av"), false);
    g_object_set(p.src(), "latency", 100u, nullptr);
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(p.wait([&] { return p.pad_names().size() == 2; }, kTimeoutMs), "%s: pads", factory);
    (std::string(factory) == "rtspsrc" ? theirs : ours) = caps_by_media(p);
  }
  fail_unless_equals_int(int(ours.size()), 2);
  for (const char* media : {"video", "audio"}) {
    fail_unless(ours[media] == theirs[media], "%s caps differ:\n ours   %s\n theirs %s", media,
                ours[media].c_str(), theirs[media].c_str());
  }
}
GST_END_TEST;

namespace {
// A free even UDP port pair on this host (for the multicast group's ports).
std::uint16_t free_even_port() {
  for (int i = 0; i < 50; ++i) {
    GSocket* s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
    GInetAddress* any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
    GSocketAddress* sa = g_inet_socket_address_new(any, 0);
    g_socket_bind(s, sa, FALSE, nullptr);
    GSocketAddress* bound = g_socket_get_local_address(s, nullptr);
    const std::uint16_t port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_object_unref(bound);
    g_object_unref(sa);
    g_object_unref(any);
    g_socket_close(s, nullptr);
    g_object_unref(s);
    if (port % 2 == 0 && port < 65534) return port;
  }
  return 0;
}
}  // namespace

// gst-rtsp-server cannot share a multicast port with a client on the same host (its sockets do not set
// SO_REUSEADDR), so a scripted server hands out the group and the test sends to it through lo. Runs only in a
// network namespace of its own (tests/netns_run.sh; the meson tests multicast and multicast_rtpbin).
GST_START_TEST(test_multicast) {
  const std::uint16_t port = free_even_port();
  const std::string group = "239.255.42." + std::to_string(100 + port % 50);
  const char* sdp =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=mc\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:stream=0\r\n";
  using S = ScriptedRtspServer;
  const std::string transport = "RTP/AVP;multicast;destination=" + group + ";port=" + std::to_string(port) +
                                "-" + std::to_string(port + 1) + ";ttl=1";
  S server([&](const S::Request& r) { return S::sdp_answer(r, sdp, transport); });
  SrcProbe p("rtspsrc2", server.url("/mc"), false);
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp-mcast");
  g_object_set(p.src(), "latency", 50u, "multicast-iface", "lo", nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));
  fail_unless(p.error_count() == 0, "%s", p.error_count() ? p.first_error()->message : "");
  GSocket* tx = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  struct in_addr lo_if {};
  lo_if.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(g_socket_get_fd(tx), IPPROTO_IP, IP_MULTICAST_IF, &lo_if, sizeof lo_if);
  GInetAddress* g = g_inet_address_new_from_string(group.c_str());
  GSocketAddress* to = g_inet_socket_address_new(g, port);
  std::uint16_t seq = 1;
  // The group is joined when SETUP's answer is handled, which may come after the server saw PLAY: resend.
  const bool arrived = p.repeat_until(
      [&] {
        for (int i = 0; i < 5; ++i, ++seq) {
          const std::string rtp = rtp_packet(96, seq, seq, 0x42, std::string("\x65\x88\x84\x00", 4));
          g_socket_send_to(tx, to, rtp.data(), rtp.size(), nullptr, nullptr);
        }
      },
      [&] { return p.pad("stream_0").rtp_buffers > 0 || p.error_count() > 0; }, 100, kTimeoutMs);
  g_object_unref(to);
  g_object_unref(g);
  g_socket_close(tx, nullptr);
  g_object_unref(tx);
  fail_unless(arrived && p.pad("stream_0").rtp_buffers > 0, "%s",
              p.error_count() ? p.first_error()->message : "nothing arrived");
  fail_unless(transport_of(p.src(), 0) == "udp-mcast");
}
GST_END_TEST;

GST_START_TEST(test_461_moves_to_next_transport) {
  // The server has no UDP: the UDP SETUP is answered 461 and the same stream is set up over TCP.
  Mount m{"/tcponly", h264_launch()};
  m.tcp_only = true;
  auto server = serve(m);
  SrcProbe p("rtspsrc2", server->url("/tcponly"));
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "udp+tcp");
  g_object_set(p.src(), "latency", 200u, nullptr);
  play_and_check(p, {"stream_0"}, 15);
  auto transports = server->setup_transports();
  fail_unless_equals_int(int(transports.size()), 2);
  fail_unless(transports[0].find("client_port") != std::string::npos);
  fail_unless(transports[1].find("interleaved") != std::string::npos);
  fail_unless(transport_of(p.src(), 0) == "tcp");
}
GST_END_TEST;

GST_START_TEST(test_461_without_alternative) {
  // The other direction: the server speaks UDP only and we allow TCP only.
  Mount m{"/udponly", h264_launch()};
  m.udp_only = true;
  auto server = serve(m);
  SrcProbe p("rtspsrc2", server->url("/udponly"));
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(p.wait_error(kTimeoutMs));
  fail_unless(g_error_matches(p.first_error(), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS), "%s",
              p.first_error()->message);
  fail_unless(std::string(p.first_error()->message).find(server->url("/udponly")) != std::string::npos);
  // With UDP allowed as well, it plays (a fresh server: gst-rtsp-server keeps a media that failed SETUP
  // broken).
  server = serve(m);
  SrcProbe q("rtspsrc2", server->url("/udponly"));
  gst_util_set_object_arg(G_OBJECT(q.src()), "protocols", "tcp+udp");
  g_object_set(q.src(), "latency", 200u, nullptr);
  play_and_check(q, {"stream_0"}, 10);
  fail_unless_equals_int(p.error_count(), 1);
}
GST_END_TEST;

GST_START_TEST(test_rtsps) {
  fail_unless(g_tls_backend_supports_tls(g_tls_backend_get_default()),
              "no TLS backend (scripts/setup.sh installs glib-networking)");
  RtspTestServer server;
  server.add_mount({"/test", h264_launch()});
  server.enable_tls();
  fail_unless(server.start(0));
  // The server's certificate is self-signed: refused with the default validation...
  {
    SrcProbe p("rtspsrc2", server.url("/test"));
    fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
    fail_unless(p.wait_error(kTimeoutMs));
    fail_unless(g_error_matches(p.first_error(), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ), "%s",
                p.first_error()->message);
    fail_unless(std::string(p.first_error()->message).find("TLS") != std::string::npos);
  }
  // ... unless the accept-certificate signal accepts what validation refused (asked with the errors found);
  // a handler that refuses changes nothing.
  for (bool accept : {true, false}) {
    struct Asked {
      int times = 0;
      GTlsCertificateFlags errors = GTlsCertificateFlags(0);
      bool answer = false;
    } asked;
    asked.answer = accept;
    SrcProbe p("rtspsrc2", server.url("/test"));
    g_object_set(p.src(), "latency", 200u, nullptr);
    g_signal_connect(p.src(), "accept-certificate",
                     G_CALLBACK(+[](GstElement*, GTlsConnection*, GTlsCertificate*,
                                    GTlsCertificateFlags errors, gpointer data) -> gboolean {
                       auto* a = static_cast<Asked*>(data);
                       a->times++;
                       a->errors = errors;
                       return a->answer ? TRUE : FALSE;
                     }),
                     &asked);
    if (accept) {
      play_and_check(p, {"stream_0"}, 10);
    } else {
      fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
      fail_unless(p.wait_error(kTimeoutMs));
      fail_unless(std::string(p.first_error()->message).find("TLS") != std::string::npos);
    }
    fail_unless(asked.times >= 1);
    fail_unless(asked.errors & G_TLS_CERTIFICATE_UNKNOWN_CA, "errors 0x%x", unsigned(asked.errors));
  }
  // ... and accepted with it as the anchor in tls-database, for interleaved and for UDP media.
  gchar* dir = g_dir_make_tmp("rtsp2-tls-XXXXXX", nullptr);
  const std::string ca = std::string(dir) + "/ca.pem";
  fail_unless(g_file_set_contents(ca.c_str(), test_certificate_pem(), -1, nullptr));
  GTlsDatabase* db = g_tls_file_database_new(ca.c_str(), nullptr);
  fail_unless(db != nullptr);
  for (const char* protocols : {"tcp", "udp"}) {
    SrcProbe p("rtspsrc2", server.url("/test"));
    gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", protocols);
    g_object_set(p.src(), "tls-database", db, "latency", 200u, nullptr);
    play_and_check(p, {"stream_0"}, 10);
    fail_unless(transport_of(p.src(), 0) == protocols);
  }
  g_object_unref(db);
  g_unlink(ca.c_str());
  g_rmdir(dir);
  g_free(dir);
}
GST_END_TEST;

GST_START_TEST(test_unlinked_pad_does_not_stop_others) {
  auto server = serve({"/av", h264_aac_launch()});
  SrcProbe p("rtspsrc2", server->url("/av"), true, "audio");
  g_object_set(p.src(), "latency", 200u, nullptr);
  play_and_check(p, {"stream_0"}, 60);
  // The audio pad exists, unlinked, and the video went on regardless.
  GstPad* audio = gst_element_get_static_pad(p.src(), "stream_1");
  fail_unless(audio != nullptr);
  fail_if(gst_pad_is_linked(audio));
  gst_object_unref(audio);
}
GST_END_TEST;

// The unlinked pad's stream may start first. Its not-linked, while the other stream has no pad yet, is not
// an error: that stream may still be linked (the element only stops when every stream set up is unlinked).
// The server sends audio alone first, over TCP so that the order is certain.
GST_START_TEST(test_unlinked_pad_first_is_not_an_error) {
  const char* sdp =
      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=av\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
      "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:stream=0\r\n"
      "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=control:stream=1\r\n";
  using S = ScriptedRtspServer;
  S server([&](const S::Request& r) {
    const bool audio = r.uri.find("stream=1") != std::string::npos;
    return S::sdp_answer(r, sdp, std::string("RTP/AVP/TCP;unicast;interleaved=") + (audio ? "2-3" : "0-1"));
  });
  // Counted by a probe on the unlinked audio pad: declared before the pipeline, which it outlives.
  std::atomic<int> audio_pushes{0};
  SrcProbe p("rtspsrc2", server.url("/av"), false, "audio");
  gst_util_set_object_arg(G_OBJECT(p.src()), "protocols", "tcp");
  g_object_set(p.src(), "latency", 20u, nullptr);
  fail_if(p.set_state(GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE);
  fail_unless(server.wait_method("PLAY", 1, kTimeoutMs));

  // Audio until its unlinked pad has been pushed to (a probe sees a push before the missing peer fails it).
  bool probed = false;
  std::uint16_t seq = 1;
  const bool audio_pushed = p.repeat_until(
      [&] {
        server.send_to_client(
            interleaved_frame(2, rtp_packet(0, seq, seq, 0xa0d10, std::string(160, '\x7f'))));
        ++seq;
        if (probed) return;
        if (GstPad* pad = gst_element_get_static_pad(p.src(), "stream_1")) {
          probed = true;
          gst_pad_add_probe(
              pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
              +[](GstPad*, GstPadProbeInfo*, gpointer n) -> GstPadProbeReturn {
                static_cast<std::atomic<int>*>(n)->fetch_add(1);
                return GST_PAD_PROBE_OK;
              },
              &audio_pushes, nullptr);
          gst_object_unref(pad);
        }
      },
      [&] { return audio_pushes.load() >= 3 || p.error_count() > 0; }, 20, kTimeoutMs);
  fail_unless(audio_pushed, "the audio pad was never pushed to");
  GstPad* video_pad = gst_element_get_static_pad(p.src(), "stream_0");
  if (video_pad != nullptr) gst_object_unref(video_pad);
  fail_unless(video_pad == nullptr, "the video pad came first");

  // Then video: it flows, and no error came.
  const bool video = p.repeat_until(
      [&] {
        server.send_to_client(interleaved_frame(0, rtp_packet(96, seq, seq, 0xd1de0, "\x65\x88\x84")));
        server.send_to_client(
            interleaved_frame(2, rtp_packet(0, seq, seq, 0xa0d10, std::string(160, '\x7f'))));
        ++seq;
      },
      [&] { return p.pad("stream_0").rtp_buffers > 0 || p.error_count() > 0; }, 20, kTimeoutMs);
  fail_unless(video && p.error_count() == 0, "%s",
              p.error_count() ? p.first_error()->message : "no video arrived");
  fail_if(p.wait([&] { return p.error_count() > 0; }, 300), "%s", p.first_error()->message);
}
GST_END_TEST;

static Suite* play_suite() {
  Suite* s = suite_create("interop_play");
  TCase* tc = tcase_create("play");
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_h264_over_each_transport);
  tcase_add_test(tc, test_h264_aac);
  tcase_add_test(tc, test_read_interval_batches_media);
  tcase_add_test(tc, test_elements_share_worker_threads);
  tcase_add_test(tc, test_multi_stream_elements_share_worker_threads);
  tcase_add_test(tc, test_reads_held_while_a_blocked_branch_backs_up);
  tcase_add_test(tc, test_large_interleaved_frames);
  tcase_add_test(tc, test_slow_pad_added_does_not_hold_shared_workers);
  tcase_add_test(tc, test_udp_buffer_size_and_kernel_drops);
  tcase_add_test(tc, test_caps_as_rtspsrc);
  // Multicast only where tests/netns_run.sh made a network namespace for it.
  if (g_getenv("RTSP2_NETNS")) tcase_add_test(tc, test_multicast);
  tcase_add_test(tc, test_461_moves_to_next_transport);
  tcase_add_test(tc, test_461_without_alternative);
  tcase_add_test(tc, test_rtsps);
  tcase_add_test(tc, test_unlinked_pad_does_not_stop_others);
  tcase_add_test(tc, test_unlinked_pad_first_is_not_an_error);
  return s;
}

GST_CHECK_MAIN(play);
