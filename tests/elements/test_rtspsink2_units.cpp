// rtspsink2's pieces on their own (linked directly, no plugin, no network): key frame detection on RTP
// payloads, the stream queue (units, back-pressure, dropping, reconnect trimming, EOS), RTCP sender reports.
#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sink_keyframe.hpp"
#include "sink_rtcp.hpp"
#include "sink_stream.hpp"

#include "check.hpp"

using namespace rtsp2::sink;

namespace {

// ---- key frames ----

struct KeyCase {
  KeyCodec codec;
  std::vector<std::uint8_t> payload;
  bool delta_flag;
  bool key;
};

const KeyCase kKeyCases[] = {
    {KeyCodec::H264, {0x65, 0x88}, false, true},                                            // IDR
    {KeyCodec::H264, {0x67, 0x42}, false, true},                                            // SPS
    {KeyCodec::H264, {0x41, 0x9a}, false, false},                                           // non-IDR slice
    {KeyCodec::H264, {0x68, 0xce}, false, false},                                           // PPS alone
    {KeyCodec::H264, {0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}, false, true},  // STAP-A SPS+PPS
    {KeyCodec::H264, {0x18, 0x00, 0x02, 0x06, 0x05, 0x00, 0x02, 0x65, 0x88}, false, true},  // STAP-A SEI+IDR
    {KeyCodec::H264, {0x18, 0x00, 0x02, 0x09, 0x10}, false, false},                         // STAP-A AUD
    {KeyCodec::H264, {0x18, 0x00, 0x09, 0x67}, false, false},  // STAP-A with a size past the end
    {KeyCodec::H264, {0x7c, 0x85}, false, true},               // FU-A start of an IDR
    {KeyCodec::H264, {0x7c, 0x05}, false, false},              // FU-A middle of an IDR
    {KeyCodec::H264, {0x5c, 0x81}, false, false},              // FU-A start of a non-IDR slice
    {KeyCodec::H264, {}, false, false},
    {KeyCodec::H265, {0x26, 0x01}, false, true},                          // IDR_W_RADL (19)
    {KeyCodec::H265, {0x40, 0x01}, false, true},                          // VPS
    {KeyCodec::H265, {0x02, 0x01}, false, false},                         // TRAIL_R
    {KeyCodec::H265, {0x60, 0x01, 0x00, 0x02, 0x40, 0x01}, false, true},  // AP holding a VPS
    {KeyCodec::H265, {0x62, 0x01, 0x93}, false, true},                    // FU start, IDR_W_RADL
    {KeyCodec::H265, {0x62, 0x01, 0x13}, false, false},                   // FU middle
    {KeyCodec::Mp4v, {0x00, 0x00, 0x01, 0xb0, 0x01}, false, true},        // VOS
    {KeyCodec::Mp4v, {0x00, 0x00, 0x01, 0xb6, 0x10}, false, true},        // I-VOP
    {KeyCodec::Mp4v, {0x00, 0x00, 0x01, 0xb6, 0x50}, false, false},       // P-VOP
    {KeyCodec::EveryPacket, {0x01}, true, true},
    {KeyCodec::DeltaFlag, {0x01}, true, false},
    {KeyCodec::DeltaFlag, {0x01}, false, true},
};

GST_START_TEST(test_key_frames) {
  const KeyCase& c = kKeyCases[__i__];
  fail_unless_equals_int(packet_is_key(c.codec, c.payload, c.delta_flag), c.key);
}
GST_END_TEST;

GST_START_TEST(test_key_codec_for) {
  fail_unless(key_codec_for("video", "H264") == KeyCodec::H264);
  fail_unless(key_codec_for("video", "h265") == KeyCodec::H265);
  fail_unless(key_codec_for("video", "MP4V-ES") == KeyCodec::Mp4v);
  fail_unless(key_codec_for("video", "JPEG") == KeyCodec::EveryPacket);
  fail_unless(key_codec_for("video", "VP8") == KeyCodec::DeltaFlag);
  fail_unless(key_codec_for("audio", "MPEG4-GENERIC") == KeyCodec::EveryPacket);
  fail_unless(key_codec_for("video", "H26") == KeyCodec::DeltaFlag);
}
GST_END_TEST;

// ---- the stream queue ----

class Listener : public StreamListener {
 public:
  void stream_ready(unsigned) override { ready++; }
  void stream_data(unsigned) override { data++; }
  void stream_eos(unsigned) override { eos++; }
  void stream_dropping(unsigned, const std::string&) override { dropping++; }
  std::atomic<int> ready{0}, data{0}, eos{0}, dropping{0};
};

// One RTP packet: H.264 payload starting with `nal` (a key frame for 0x65/0x67), `size` bytes of payload.
GstBuffer* rtp(std::uint32_t ts, bool marker, std::uint8_t nal, std::size_t size = 100) {
  GstBuffer* b = gst_rtp_buffer_new_allocate(guint(size), 0, 0);
  GstRTPBuffer r = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &r);
  gst_rtp_buffer_set_timestamp(&r, ts);
  gst_rtp_buffer_set_marker(&r, marker);
  gst_rtp_buffer_set_ssrc(&r, 0x1234);
  gst_rtp_buffer_set_payload_type(&r, 96);
  auto* p = static_cast<std::uint8_t*>(gst_rtp_buffer_get_payload(&r));
  std::fill(p, p + size, 0);
  p[0] = nal;
  gst_rtp_buffer_unmap(&r);
  return b;
}

GstFlowReturn push(SinkStream& s, GstBuffer* b) {
  GstFlowReturn ret = s.push(b);
  gst_buffer_unref(b);
  return ret;
}

struct Fixture {
  explicit Fixture(const char* caps = "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264") {
    GstCaps* c = gst_caps_from_string(caps);
    stream.set_caps(c);
    gst_caps_unref(c);
  }
  Listener listener;
  std::atomic<std::uint64_t> order{0};
  SinkStream stream{3, listener, order};
};

std::vector<OutPacket> drain(SinkStream& s) {
  std::vector<OutPacket> out;
  OutPacket p;
  while (s.pop(p)) out.push_back(std::move(p));
  return out;
}

GST_START_TEST(test_units_and_order) {
  Fixture f;
  // Frame 1: key, three packets; frame 2: delta, two packets.
  fail_unless_equals_int(push(f.stream, rtp(1000, false, 0x67)), GST_FLOW_OK);
  fail_unless_equals_int(f.listener.ready.load(), 1);
  fail_unless_equals_int(f.listener.data.load(), 0);  // a unit is queued only when complete
  push(f.stream, rtp(1000, false, 0x68));
  push(f.stream, rtp(1000, true, 0x65));
  fail_unless_equals_int(f.listener.data.load(), 1);
  push(f.stream, rtp(4000, false, 0x41));
  push(f.stream, rtp(4000, true, 0x41));
  auto out = drain(f.stream);
  fail_unless_equals_int(int(out.size()), 5);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) fail_unless(out[i].order > out[i - 1].order);
    fail_unless_equals_int(out[i].unit_start, i == 0 || i == 3);
    fail_unless_equals_int(out[i].key, i < 3);
    fail_unless_equals_int(out[i].ssrc, 0x1234);
  }
  fail_unless_equals_int(out[3].rtp_time, 4000);
  // A lost marker: the next timestamp closes the unit.
  push(f.stream, rtp(7000, false, 0x41));
  push(f.stream, rtp(10000, true, 0x41));
  out = drain(f.stream);
  fail_unless_equals_int(int(out.size()), 2);
  fail_unless(out[0].unit_start && out[1].unit_start);
  auto c = f.stream.counters();
  fail_unless_equals_uint64(c.packets_in, 7);
  fail_unless_equals_uint64(c.sent_packets, 7);
  fail_unless_equals_uint64(c.dropped_packets, 0);
  // Not RTP: counted and dropped.
  GstBuffer* junk = gst_buffer_new_allocate(nullptr, 5, nullptr);
  fail_unless_equals_int(push(f.stream, junk), GST_FLOW_OK);
  fail_unless_equals_uint64(f.stream.counters().invalid_packets, 1);
}
GST_END_TEST;

GST_START_TEST(test_audio_packets_are_units) {
  Fixture f("application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC");
  push(f.stream, rtp(0, false, 0x00));
  push(f.stream, rtp(1024, false, 0x00));
  auto out = drain(f.stream);
  fail_unless_equals_int(int(out.size()), 2);
  fail_unless(out[0].unit_start && out[0].key && out[1].unit_start && out[1].key);
}
GST_END_TEST;

// Fills a Sending queue up to its byte cap with 1000-byte key units; returns how many went in.
int fill_to_cap(SinkStream& s, std::uint32_t* ts) {
  int n = 0;
  while (s.queued_bytes() < 64 * 1024) {
    push(s, rtp(*ts, true, 0x65, 1000));
    *ts += 3000;
    n++;
  }
  return n;
}

// Sending: a unit that finds the queue full waits up to max-queue-time for room, then is dropped whole, and
// so is everything after it, without waiting, until there is room and a key frame.
GST_START_TEST(test_back_pressure_drops_whole_units) {
  Fixture f;
  f.stream.set_limits(std::chrono::milliseconds(40), 64 * 1024);
  f.stream.set_mode(StreamMode::Sending);
  std::uint32_t ts = 0;
  const int queued = fill_to_cap(f.stream, &ts);
  const auto t0 = std::chrono::steady_clock::now();
  push(f.stream, rtp(ts, false, 0x41));
  push(f.stream, rtp(ts, true, 0x41));  // completes the unit: it waits, then is dropped
  ts += 3000;
  fail_unless(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(40),
              "dropped without waiting");
  fail_unless_equals_int(f.listener.dropping.load(), 1);
  auto c = f.stream.counters();
  fail_unless_equals_uint64(c.dropped_packets, 2);  // the whole unit
  fail_unless_equals_uint64(c.dropped_units, 1);
  fail_unless_equals_uint64(c.drop_bursts, 1);
  fail_unless_equals_int(int(drain(f.stream).size()), queued);
  // Room again, but a delta frame: still dropped, at once.
  const auto t1 = std::chrono::steady_clock::now();
  push(f.stream, rtp(ts, true, 0x41));
  ts += 3000;
  fail_unless(std::chrono::steady_clock::now() - t1 < std::chrono::milliseconds(40));
  fail_unless_equals_uint64(f.stream.counters().dropped_units, 2);
  fail_unless(drain(f.stream).empty());
  // A key frame ends the burst.
  push(f.stream, rtp(ts, false, 0x67));
  push(f.stream, rtp(ts, true, 0x65));
  auto out = drain(f.stream);
  fail_unless_equals_int(int(out.size()), 2);
  fail_unless(out[0].key && out[0].unit_start);
  fail_unless_equals_int(f.listener.dropping.load(), 1);
}
GST_END_TEST;

// Sending: a unit waiting for room goes in as soon as the worker takes packets; nothing is dropped.
GST_START_TEST(test_back_pressure_releases_on_pop) {
  Fixture f;
  f.stream.set_limits(std::chrono::seconds(20), 64 * 1024);
  f.stream.set_mode(StreamMode::Sending);
  std::uint32_t ts = 0;
  const int queued = fill_to_cap(f.stream, &ts);
  std::thread worker([&] {
    // The producer counts its packet before it waits for room.
    while (f.stream.counters().packets_in < std::uint64_t(queued) + 1) std::this_thread::yield();
    OutPacket p;
    fail_unless(f.stream.pop(p));
  });
  const auto t0 = std::chrono::steady_clock::now();
  fail_unless_equals_int(push(f.stream, rtp(ts, true, 0x41)), GST_FLOW_OK);
  worker.join();
  fail_unless(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  fail_unless_equals_uint64(f.stream.counters().dropped_units, 0);
  fail_unless_equals_int(int(drain(f.stream).size()), queued);
}
GST_END_TEST;

// Holding (before RECORD): nothing is dropped for age, only the byte cap blocks.
GST_START_TEST(test_holding_keeps_everything) {
  Fixture f;
  f.stream.set_limits(std::chrono::milliseconds(1), 1 << 20);
  for (std::uint32_t i = 0; i < 50; ++i) push(f.stream, rtp(i * 3000, true, i == 0 ? 0x65 : 0x41));
  fail_unless_equals_uint64(f.stream.counters().dropped_units, 0);
  fail_unless_equals_int(int(drain(f.stream).size()), 50);
}
GST_END_TEST;

// Reconnecting: no blocking; what waits for the new session starts at a key frame and is at most
// max-queue-time old; a partly sent unit at the front is dropped.
GST_START_TEST(test_reconnecting_trims_to_key_frames) {
  Fixture f;
  f.stream.set_limits(std::chrono::seconds(10), 1 << 20);
  f.stream.set_mode(StreamMode::Sending);
  push(f.stream, rtp(0, false, 0x67));
  push(f.stream, rtp(0, true, 0x65));
  push(f.stream, rtp(3000, false, 0x41));
  push(f.stream, rtp(3000, true, 0x41));
  OutPacket p;
  fail_unless(f.stream.pop(p));  // the first packet of the key unit went out, then the connection broke
  f.stream.set_mode(StreamMode::Reconnecting);
  fail_unless_equals_uint64(f.stream.queued_bytes(),
                            0);           // the rest of that unit and the delta frame after it
  push(f.stream, rtp(6000, true, 0x41));  // delta without a key before it: dropped
  fail_unless_equals_uint64(f.stream.queued_bytes(), 0);
  push(f.stream, rtp(9000, false, 0x67));
  push(f.stream, rtp(9000, true, 0x65));
  push(f.stream, rtp(12000, true, 0x41));
  auto out = drain(f.stream);
  fail_unless_equals_int(int(out.size()), 3);
  fail_unless(out[0].key && out[0].unit_start);
  fail_unless_equals_int(out[0].rtp_time, 9000);
}
GST_END_TEST;

GST_START_TEST(test_failed_and_flushing) {
  Fixture f;
  f.stream.set_mode(StreamMode::Failed);
  fail_unless_equals_int(push(f.stream, rtp(0, true, 0x65)), GST_FLOW_ERROR);
  f.stream.reset();
  // Flushing while a unit waits for room in Holding: FLUSHING now, committed by resume() later.
  f.stream.set_limits(std::chrono::seconds(1), 64 * 1024);
  int pushed = 0;
  GstFlowReturn ret = GST_FLOW_OK;
  std::thread unlocker([&] {
    while (f.stream.queued_bytes() < 64 * 1024) std::this_thread::yield();
    f.stream.set_flushing(true);
  });
  while (ret == GST_FLOW_OK) {
    ret = push(f.stream, rtp(std::uint32_t(pushed) * 3000, true, 0x65, 1000));
    pushed++;
  }
  unlocker.join();
  fail_unless_equals_int(ret, GST_FLOW_FLUSHING);
  const std::size_t before = drain(f.stream).size();
  f.stream.set_flushing(false);
  fail_unless_equals_int(f.stream.resume(), GST_FLOW_OK);
  fail_unless_equals_int(int(before + drain(f.stream).size()), pushed);
}
GST_END_TEST;

GST_START_TEST(test_eos_and_finish) {
  Fixture f;
  push(f.stream, rtp(0, false, 0x65));  // a unit without its marker yet
  fail_unless(!f.stream.drained());
  f.stream.end_of_stream();  // closes the open unit
  fail_unless_equals_int(f.listener.eos.load(), 1);
  fail_unless(!f.stream.drained());
  fail_unless_equals_int(int(drain(f.stream).size()), 1);
  fail_unless(f.stream.drained());
  std::thread finisher([&] {
    while (!f.stream.is_eos()) std::this_thread::yield();
    f.stream.finish();
  });
  fail_unless(f.stream.wait_finished());
  finisher.join();
  // Interrupted by an unlock instead: false.
  f.stream.reset();
  std::thread unlocker([&] { f.stream.set_flushing(true); });
  unlocker.join();
  fail_unless(!f.stream.wait_finished());
}
GST_END_TEST;

// ---- RTCP ----

GST_START_TEST(test_sender_report) {
  SenderState s;
  s.ssrc = 0xdeadbeef;
  s.clock_rate = 90000;
  s.last_rtp_time = 1000;
  s.last_send_us = 5'000'000;
  s.packets = 42;
  s.octets = 4200;
  s.active = true;
  // 0.5 s after the last packet: 45000 ticks later.
  fail_unless_equals_int(extrapolate_rtp_time(s, 5'500'000), 46000);
  fail_unless_equals_uint64(ntp_from_unix_us(0), std::uint64_t(2208988800ull) << 32);
  fail_unless_equals_uint64(ntp_from_unix_us(1'500'000),
                            ((std::uint64_t(2208988801ull)) << 32) | 0x80000000u);
  fail_unless_equals_uint64(ntp_format_ns(1'500'000'000), (std::uint64_t(1) << 32) | 0x80000000u);
  const std::vector<rtsp2::core::SdesItem> items = {{GST_RTCP_SDES_TOOL, "nvr-x"}};
  rtsp2::BufferPtr sr = build_sender_report(s, "me@host", items, 5'500'000, ntp_from_unix_us(1'500'000));
  fail_unless(sr != nullptr);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  fail_unless(gst_rtcp_buffer_validate(sr.get()));
  gst_rtcp_buffer_map(sr.get(), GST_MAP_READ, &rtcp);
  GstRTCPPacket packet;
  fail_unless(gst_rtcp_buffer_get_first_packet(&rtcp, &packet));
  fail_unless_equals_int(gst_rtcp_packet_get_type(&packet), GST_RTCP_TYPE_SR);
  guint32 ssrc, rtptime, count, octets;
  guint64 ntp;
  gst_rtcp_packet_sr_get_sender_info(&packet, &ssrc, &ntp, &rtptime, &count, &octets);
  fail_unless_equals_int(ssrc, 0xdeadbeef);
  fail_unless_equals_uint64(ntp, ntp_from_unix_us(1'500'000));
  fail_unless_equals_int(rtptime, 46000);
  fail_unless_equals_int(count, 42);
  fail_unless_equals_int(octets, 4200);
  fail_unless(gst_rtcp_packet_move_to_next(&packet));
  fail_unless_equals_int(gst_rtcp_packet_get_type(&packet), GST_RTCP_TYPE_SDES);
  // CNAME, then the sdes property's items.
  fail_unless(gst_rtcp_packet_sdes_first_entry(&packet));
  GstRTCPSDESType type;
  guint8 len = 0;
  guint8* data = nullptr;
  fail_unless(gst_rtcp_packet_sdes_get_entry(&packet, &type, &len, &data));
  fail_unless(type == GST_RTCP_SDES_CNAME && std::string(reinterpret_cast<char*>(data), len) == "me@host");
  fail_unless(gst_rtcp_packet_sdes_next_entry(&packet));
  fail_unless(gst_rtcp_packet_sdes_get_entry(&packet, &type, &len, &data));
  fail_unless(type == GST_RTCP_SDES_TOOL && std::string(reinterpret_cast<char*>(data), len) == "nvr-x");
  gst_rtcp_buffer_unmap(&rtcp);
}
GST_END_TEST;

Suite* rtspsink2_units_suite() {
  Suite* s = suite_create("rtspsink2_units");
  TCase* tc = tcase_create("units");
  tcase_add_loop_test(tc, test_key_frames, 0, G_N_ELEMENTS(kKeyCases));
  tcase_add_test(tc, test_key_codec_for);
  tcase_add_test(tc, test_units_and_order);
  tcase_add_test(tc, test_audio_packets_are_units);
  tcase_add_test(tc, test_back_pressure_drops_whole_units);
  tcase_add_test(tc, test_back_pressure_releases_on_pop);
  tcase_add_test(tc, test_holding_keeps_everything);
  tcase_add_test(tc, test_reconnecting_trims_to_key_frames);
  tcase_add_test(tc, test_failed_and_flushing);
  tcase_add_test(tc, test_eos_and_finish);
  tcase_add_test(tc, test_sender_report);
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

GST_CHECK_MAIN(rtspsink2_units)
