// Shared libFuzzer driver for the rtp2 depayloaders: runs the same DepayCore + DepayFormat the elements
// run, on a sequence of RTP packets.
//
// Input: byte 0 picks the sink caps variant (low nibble) and the downstream caps variant plus core
// options (high nibble); then packets, each [u16 big-endian length][flags][RTP packet bytes], where
// flags bit 0 = buffer DISCONT, bit 1 = a lost-packet event before it. The RTP bytes are validated by
// gst_rtp_buffer_map exactly as in the element (bad CSRC count, extension or padding lengths fail there).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

#include "base/depay_element.hpp"

// GLib deliberately leaks its old quark array when gst_init grows it past 2048 quarks (lock-free
// lookups keep using it); the first array is allocated in a library constructor. Only allocations made
// from library constructors are exempt: every other leak still fails the run. GLib has no frame
// pointers, so seeing the constructor frame needs the slow unwinder (8 frames are enough).
extern "C" const char* __lsan_default_suppressions() {
  return "leak:_dl_init\n";
}
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0:malloc_context_size=8";
}

namespace rtsp2::rtp::fuzz {

class NullSink final : public DepaySink {
 public:
  GstFlowReturn push(GstBuffer* buffer) override {
    // Touch every byte so that ASan sees a bad buffer.
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      for (gsize i = 0; i < map.size; ++i) checksum += map.data[i];
      gst_buffer_unmap(buffer, &map);
    }
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  GstFlowReturn push_list(GstBufferList* list) override {
    for (guint i = 0; i < gst_buffer_list_length(list); ++i)
      push(gst_buffer_ref(gst_buffer_list_get(list, i)));
    gst_buffer_list_unref(list);
    return GST_FLOW_OK;
  }
  bool set_caps(GstCaps* caps) override {
    gst_caps_unref(caps);
    return true;
  }
  void request_keyframe() override {}
  void error(const char*) override {}
  void warning(const char*) override {}
  unsigned checksum = 0;
};

inline void init_gstreamer() {
  static bool done = [] {
    gst_init(nullptr, nullptr);
    return true;
  }();
  (void)done;
}

inline int run_depay(const DepayDescriptor& descriptor, const std::vector<const char*>& sink_caps,
                     const std::vector<const char*>& downstream_caps, const std::uint8_t* data,
                     std::size_t size) {
  init_gstreamer();
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  data++;
  size--;

  auto format = descriptor.create(DepayContext{});
  NullSink sink;
  DepayCore core(*format, sink);
  core.set_wait_for_keyframe(selector & 0x40);
  core.set_request_keyframe(selector & 0x80);

  GstCaps* caps = gst_caps_from_string(sink_caps[(selector & 0x0f) % sink_caps.size()]);
  GstCaps* downstream =
      gst_caps_from_string(downstream_caps[((selector >> 4) & 0x03) % downstream_caps.size()]);
  std::string error;
  GstCaps* out = format->configure(gst_caps_get_structure(caps, 0), downstream, error);
  gst_caps_unref(caps);
  gst_caps_unref(downstream);
  if (!out) return 0;
  gst_caps_unref(out);

  while (size >= 3) {
    const std::size_t len = (std::size_t{data[0]} << 8) | data[1];
    data += 2;
    size -= 2;
    const std::size_t take = len < size ? len : size;
    if (take == 0) continue;
    const std::uint8_t flags = data[0];
    GstBuffer* buffer = gst_buffer_new_memdup(data + 1, take - 1);
    data += take;
    size -= take;
    if (flags & 0x02) core.on_loss();
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp)) {
      core.process(packet_from_rtp(&rtp), flags & 0x01);
      gst_rtp_buffer_unmap(&rtp);
    }
    gst_buffer_unref(buffer);
  }
  core.drain();
  return 0;
}

}  // namespace rtsp2::rtp::fuzz
