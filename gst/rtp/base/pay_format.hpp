// The format-specific half of an rtp2 payloader: turns input buffers into RTP payloads.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include <gst/gst.h>

namespace rtsp2::rtp {

using Bytes = std::span<const std::uint8_t>;

// What the format fills in when it accepts input caps; the element passes it to
// gst_rtp_base_payload_set_options / set_outcaps_structure.
struct PayCaps {
  const char* media = "video";
  const char* encoding_name = nullptr;
  guint clock_rate = 90000;
  GstStructure* fields = nullptr;  // optional extra output caps fields (fmtp); owned by the element after
};

// Where a format puts packets. Packets added between two flushes share one timestamp and go out as one
// buffer list (the base class gives every buffer of a list the RTP time of the first).
class PayOutput {
 public:
  // Appends one RTP packet whose payload is the concatenation of `pieces`.
  virtual void add_packet(std::initializer_list<Bytes> pieces, bool marker) = 0;
  virtual void add_packet(std::span<const Bytes> pieces, bool marker) = 0;
  // Timestamps for the packets that follow (a new list is started when they change).
  virtual void set_timestamps(GstClockTime pts, GstClockTime dts) = 0;
  // Largest payload that fits the configured MTU.
  virtual std::size_t max_payload() const = 0;
  // max-ptime of the base class (nanoseconds, -1 when unset).
  virtual gint64 max_ptime() const = 0;
  // Packet duration asked for by downstream caps ("ptime", e.g. from an SDP answer), ns; 0 when unset.
  virtual guint64 ptime() const = 0;
  // Updated output caps fields (e.g. new sprop-parameter-sets); the element renegotiates. Not owned.
  virtual bool update_caps(const GstStructure* fields) = 0;

 protected:
  ~PayOutput() = default;
};

class PayFormat {
 public:
  virtual ~PayFormat() = default;
  // Input caps arrived: validate, fill `out`; false with `error` set on refusal.
  virtual bool configure(const GstStructure* input, PayCaps& out, std::string& error) = 0;
  // One input buffer (not owned). Returns false on malformed input that cannot be payloaded.
  virtual bool handle(GstBuffer* input, PayOutput& out) = 0;
  // EOS / flush point: emit what the format aggregated.
  virtual void drain(PayOutput& /*out*/) {}
  // Forget stream state (flush, stop).
  virtual void reset() {}
  virtual void set_property(guint /*id*/, const GValue* /*value*/) {}
  virtual void get_property(guint /*id*/, GValue* /*value*/) const {}
};

}  // namespace rtsp2::rtp
