// Helpers for the rtp2 element tests: encode real media with Debian's encoders, run payloaders and
// depayloaders in GstHarness, build RTP packets by hand. Include before tests/common/check.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <gst/app/app.h>
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <gst/rtp/rtp.h>

namespace rtptest {

using Bytes = std::vector<std::uint8_t>;

inline Bytes buffer_bytes(GstBuffer* buffer) {
  Bytes out(gst_buffer_get_size(buffer));
  gst_buffer_extract(buffer, 0, out.data(), out.size());
  return out;
}

inline GstBuffer* buffer_from(const Bytes& bytes) {
  return gst_buffer_new_memdup(bytes.data(), bytes.size());
}

// Encoded media: the buffers an encoder produced (owned) and the caps they came with.
struct Media {
  std::vector<GstBuffer*> buffers;
  GstCaps* caps = nullptr;
  Media() = default;
  Media(const Media&) = delete;
  Media& operator=(const Media&) = delete;
  Media(Media&& o) noexcept : buffers(std::move(o.buffers)), caps(o.caps) { o.caps = nullptr; }
  ~Media() {
    for (GstBuffer* b : buffers) gst_buffer_unref(b);
    if (caps) gst_caps_unref(caps);
  }
};

// Runs `description` (which must end in "appsink name=sink") to EOS and keeps what reached the sink.
inline Media run_encoder(const std::string& description) {
  Media media;
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline) g_error("cannot build pipeline %s: %s", description.c_str(), error ? error->message : "?");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_object_set(sink, "sync", FALSE, nullptr);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  while (GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink))) {
    if (!media.caps) media.caps = gst_caps_ref(gst_sample_get_caps(sample));
    media.buffers.push_back(gst_buffer_ref(gst_sample_get_buffer(sample)));
    gst_sample_unref(sample);
  }
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
  if (msg) {
    GError* err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    g_error("encoder pipeline failed: %s", err->message);
  }
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return media;
}

// Output of a harness run: buffers and the caps the element set on its src pad.
struct Output {
  std::vector<GstBuffer*> buffers;
  GstCaps* caps = nullptr;
  Output() = default;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  Output(Output&& o) noexcept : buffers(std::move(o.buffers)), caps(o.caps) { o.caps = nullptr; }
  ~Output() {
    for (GstBuffer* b : buffers) gst_buffer_unref(b);
    if (caps) gst_caps_unref(caps);
  }
};

inline void drain_harness(GstHarness* h, Output& out) {
  while (GstBuffer* b = gst_harness_try_pull(h)) out.buffers.push_back(b);
  GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
  if (caps) {
    if (out.caps) gst_caps_unref(out.caps);
    out.caps = caps;
  }
}

// Pushes `inputs` with `caps` through `element_desc` (gst_harness_new_parse syntax), then EOS.
inline Output run_element(const std::string& element_desc, GstCaps* caps,
                          const std::vector<GstBuffer*>& inputs, const char* sink_caps = nullptr) {
  GstHarness* h = gst_harness_new_parse(element_desc.c_str());
  if (sink_caps) gst_harness_set_sink_caps_str(h, sink_caps);
  gst_harness_set_src_caps(h, gst_caps_ref(caps));
  Output out;
  for (GstBuffer* b : inputs) {
    GstFlowReturn ret = gst_harness_push(h, gst_buffer_ref(b));
    if (ret != GST_FLOW_OK) g_error("push into %s: %s", element_desc.c_str(), gst_flow_get_name(ret));
    drain_harness(h, out);
  }
  gst_harness_push_event(h, gst_event_new_eos());
  drain_harness(h, out);
  gst_harness_teardown(h);
  return out;
}

// A hand-made RTP packet.
struct Packet {
  std::uint16_t seq;
  std::uint32_t ts;
  bool marker;
  Bytes payload;
  std::uint32_t ssrc = 0x11223344;
};

inline GstBuffer* make_rtp(const Packet& p, std::uint8_t pt = 96) {
  GstBuffer* b = gst_rtp_buffer_new_allocate(p.payload.size(), 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gst_rtp_buffer_map(b, GST_MAP_WRITE, &rtp);
  gst_rtp_buffer_set_seq(&rtp, p.seq);
  gst_rtp_buffer_set_timestamp(&rtp, p.ts);
  gst_rtp_buffer_set_marker(&rtp, p.marker);
  gst_rtp_buffer_set_ssrc(&rtp, p.ssrc);
  gst_rtp_buffer_set_payload_type(&rtp, pt);
  if (!p.payload.empty())
    std::copy(p.payload.begin(), p.payload.end(), (std::uint8_t*)gst_rtp_buffer_get_payload(&rtp));
  gst_rtp_buffer_unmap(&rtp);
  GST_BUFFER_PTS(b) = gst_util_uint64_scale(p.ts, GST_SECOND, 90000);
  return b;
}

struct RtpInfo {
  std::uint16_t seq;
  std::uint32_t ts;
  bool marker;
  Bytes payload;
};

inline RtpInfo rtp_info(GstBuffer* b) {
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(b, GST_MAP_READ, &rtp)) g_error("not an RTP packet");
  RtpInfo info{gst_rtp_buffer_get_seq(&rtp),
               gst_rtp_buffer_get_timestamp(&rtp),
               gst_rtp_buffer_get_marker(&rtp) != FALSE,
               {}};
  auto* p = static_cast<const std::uint8_t*>(gst_rtp_buffer_get_payload(&rtp));
  info.payload.assign(p, p + gst_rtp_buffer_get_payload_len(&rtp));
  gst_rtp_buffer_unmap(&rtp);
  return info;
}

// Splits an Annex B byte stream into NALs (independent of the code under test: a plain scan).
inline std::vector<Bytes> split_annexb(const Bytes& data) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i + 2 < data.size(); ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      starts.push_back(i + 3);
      i += 2;
    }
  }
  std::vector<Bytes> nals;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    std::size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : data.size();
    while (end > starts[k] && data[end - 1] == 0) --end;
    nals.emplace_back(data.begin() + starts[k], data.begin() + end);
  }
  return nals;
}

inline std::vector<Bytes> split_avc(const Bytes& data) {
  std::vector<Bytes> nals;
  std::size_t i = 0;
  while (i + 4 <= data.size()) {
    std::size_t len = (std::size_t(data[i]) << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
    i += 4;
    if (len > data.size() - i) g_error("avc length overruns buffer");
    nals.emplace_back(data.begin() + i, data.begin() + i + len);
    i += len;
  }
  return nals;
}

// Decodes `buffers` with `decoder` (e.g. "avdec_h264") and returns how many frames came out.
inline std::size_t decode_count(const char* decoder, GstCaps* caps, const std::vector<GstBuffer*>& buffers) {
  Output out = run_element(decoder, caps, buffers);
  return out.buffers.size();
}

inline bool have_element(const char* name) {
  GstElementFactory* f = gst_element_factory_find(name);
  if (f) gst_object_unref(f);
  return f != nullptr;
}

}  // namespace rtptest

// GST_CHECK_MAIN with one addition: plugins are scanned in the test process. Under ASan the forked
// gst-plugin-scanner (not instrumented) cannot load our instrumented plugin and would blacklist it.
#define RTP_CHECK_MAIN(name)                        \
  int main(int argc, char** argv) {                 \
    g_setenv("GST_REGISTRY_FORK", "no", FALSE);     \
    gst_check_init(&argc, &argv);                   \
    Suite* s = name##_suite();                      \
    return gst_check_run_suite(s, #name, __FILE__); \
  }
