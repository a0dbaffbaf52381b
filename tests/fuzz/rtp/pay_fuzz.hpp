// Shared libFuzzer driver for the rtp2 payloaders' input parsing: byte 0 picks the caps variant (low
// nibble) and the MTU (high nibble), then buffers follow as [u16 big-endian length][bytes].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "base/pay_element.hpp"

namespace rtsp2::rtp::fuzz {

class NullPayOutput final : public PayOutput {
 public:
  explicit NullPayOutput(std::size_t mtu) : room_(mtu - 12) {}
  void add_packet(std::initializer_list<Bytes> pieces, bool marker) override {
    add_packet(std::span<const Bytes>(pieces.begin(), pieces.size()), marker);
  }
  void add_packet(std::span<const Bytes> pieces, bool) override {
    std::size_t size = 0;
    for (const Bytes& p : pieces) {
      for (std::uint8_t b : p) checksum += b;  // touch every byte: ASan checks the spans
      size += p.size();
    }
    if (size > room_) __builtin_trap();  // a packet over the MTU is a bug
  }
  void set_timestamps(GstClockTime, GstClockTime) override {}
  std::size_t max_payload() const override { return room_; }
  gint64 max_ptime() const override { return max_ptime_; }
  guint64 ptime() const override { return 0; }
  bool update_caps(const GstStructure*) override { return true; }
  gint64 max_ptime_ = -1;
  unsigned checksum = 0;

 private:
  std::size_t room_;
};

inline int run_pay(const PayDescriptor& descriptor, const std::vector<const char*>& input_caps,
                   const std::uint8_t* data, std::size_t size) {
  static bool init = [] {
    gst_init(nullptr, nullptr);
    return true;
  }();
  (void)init;
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  data++;
  size--;
  auto format = descriptor.create(PayContext{});
  GstCaps* caps = gst_caps_from_string(input_caps[(selector & 0x0f) % input_caps.size()]);
  PayCaps out_caps;
  std::string error;
  const bool ok = format->configure(gst_caps_get_structure(caps, 0), out_caps, error);
  gst_caps_unref(caps);
  if (out_caps.fields) gst_structure_free(out_caps.fields);
  if (!ok) return 0;
  NullPayOutput out(64 + (selector >> 4) * 100);
  if (selector & 0x80) out.max_ptime_ = 100 * GST_MSECOND;
  while (size >= 2) {
    const std::size_t len = (std::size_t{data[0]} << 8) | data[1];
    data += 2;
    size -= 2;
    const std::size_t take = len < size ? len : size;
    GstBuffer* buffer = gst_buffer_new_memdup(data, take);
    data += take;
    size -= take;
    format->handle(buffer, out);
    gst_buffer_unref(buffer);
  }
  format->drain(out);
  return 0;
}

}  // namespace rtsp2::rtp::fuzz
