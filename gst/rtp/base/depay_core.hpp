// The part of every rtp2 depayloader that is not format specific: loss tracking, DISCONT marking,
// wait-for-keyframe and keyframe requests. Formats (H.264, AAC, ...) only turn packets into units.
//
// It knows nothing of GstElement so that the fuzz targets and unit tests drive exactly the code the
// elements run: packets in (in arrival order), complete units out through a DepaySink.
//
//   packet ──► DepayCore ──(gap? ssrc change? → format.on_loss(), skip rest of the broken unit)──►
//              DepayFormat::process ──► DepayOutput (= DepayCore) ──(keyframe gate, DISCONT)──► DepaySink
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

namespace rtsp2::rtp {

using Bytes = std::span<const std::uint8_t>;

// One RTP packet as a format sees it: the header fields it needs and the payload (CSRCs, header extension
// and padding are already removed and length checked by gst_rtp_buffer_map).
struct RtpPacket {
  std::span<const std::uint8_t> payload;
  std::uint32_t rtptime = 0;
  std::uint32_t ssrc = 0;
  std::uint16_t seq = 0;
  bool marker = false;
  GstClockTime pts = GST_CLOCK_TIME_NONE;
  GstClockTime dts = GST_CLOCK_TIME_NONE;
};

// The packet view of a mapped RTP buffer (what the element and the fuzz targets feed the core).
RtpPacket packet_from_rtp(GstRTPBuffer* rtp);

// Where a format hands what it produced. Implemented by DepayCore.
class DepayOutput {
 public:
  // A complete unit (access unit, audio frame); takes ownership. `keyframe`: decodable on its own.
  virtual void emit(GstBuffer* unit, bool keyframe) = 0;
  // One unit made of several buffers (e.g. H.264 alignment=nal); takes ownership.
  virtual void emit_list(GstBufferList* unit, bool keyframe) = 0;
  // The format found the unit in progress broken and dropped it (the output is then DISCONT).
  virtual void drop_unit(const char* reason) = 0;
  // New output caps (e.g. changed codec_data); takes ownership.
  virtual void set_caps(GstCaps* caps) = 0;
  // The stream uses something we do not support: the element posts an error and drops the rest.
  virtual void fatal(const char* message) = 0;

 protected:
  ~DepayOutput() = default;
};

// The bitstream logic of one payload format.
class DepayFormat {
 public:
  virtual ~DepayFormat() = default;
  // Sink caps arrived: validate them and return the src caps (full ownership), or nullptr with `error`
  // set. `downstream` is what the peer accepts (nullptr: anything).
  virtual GstCaps* configure(const GstStructure* sink_caps, const GstCaps* downstream,
                             std::string& error) = 0;
  // One packet, in arrival order after the core's loss checks.
  virtual void process(const RtpPacket& packet, DepayOutput& out) = 0;
  // Packets were lost: drop the unit in progress. Returns whether there was one.
  virtual bool on_loss() = 0;
  // End of stream: emit what is complete but still waits for a marker or timestamp change.
  virtual void drain(DepayOutput& out) = 0;
  // Forget all stream state (flush, stop); settings and caps stay.
  virtual void reset() = 0;
  // Whether units depend on earlier ones, i.e. loss needs a keyframe to recover.
  virtual bool has_inter_frames() const { return false; }
  // Format properties (ids relative to the format's first id), see DepayDescriptor.
  virtual void set_property(guint /*id*/, const GValue* /*value*/) {}
  virtual void get_property(guint /*id*/, GValue* /*value*/) const {}
};

// Where the core delivers (the element, or a test/fuzz sink).
class DepaySink {
 public:
  virtual GstFlowReturn push(GstBuffer* buffer) = 0;         // takes ownership
  virtual GstFlowReturn push_list(GstBufferList* list) = 0;  // takes ownership
  virtual bool set_caps(GstCaps* caps) = 0;                  // takes ownership
  virtual void request_keyframe() = 0;
  virtual void error(const char* message) = 0;
  virtual void warning(const char* message) = 0;

 protected:
  ~DepaySink() = default;
};

struct DepayStats {
  std::uint64_t packets = 0;
  std::uint64_t units = 0;            // pushed downstream
  std::uint64_t losses = 0;           // gaps, SSRC changes, lost-packet events
  std::uint64_t dropped_units = 0;    // broken units and units dropped waiting for a keyframe
  std::uint64_t dropped_packets = 0;  // packets of an already broken unit
  std::uint64_t keyframe_requests = 0;
};

class DepayCore final : private DepayOutput {
 public:
  DepayCore(DepayFormat& format, DepaySink& sink) : format_(format), sink_(sink) {}

  // `discont`: the buffer carried GST_BUFFER_FLAG_DISCONT (the upstream base class sets it on gaps too).
  GstFlowReturn process(const RtpPacket& packet, bool discont);
  // A lost-packet event (rtpjitterbuffer do-lost) or any other knowledge of loss.
  void on_loss();
  // EOS: emit the complete unit still held.
  GstFlowReturn drain();
  // Flush/stop: back to the initial state (the next output is DISCONT).
  void reset();

  void set_wait_for_keyframe(bool on) { wait_for_keyframe_ = on; }
  bool wait_for_keyframe() const { return wait_for_keyframe_; }
  void set_request_keyframe(bool on) { request_keyframe_ = on; }
  bool request_keyframe() const { return request_keyframe_; }
  bool failed() const { return failed_; }
  const DepayStats& stats() const { return stats_; }

 private:
  void emit(GstBuffer* unit, bool keyframe) override;
  void emit_list(GstBufferList* unit, bool keyframe) override;
  void drop_unit(const char* reason) override;
  void set_caps(GstCaps* caps) override;
  void fatal(const char* message) override;

  void enter_loss();
  // Output has a gap (lost or dropped data): DISCONT next, and wait for / ask for a keyframe as set.
  void after_gap();
  // Applies the keyframe gate; false: the unit must be dropped.
  bool admit(bool keyframe);

  DepayFormat& format_;
  DepaySink& sink_;
  std::atomic<bool> wait_for_keyframe_{false};
  std::atomic<bool> request_keyframe_{false};

  bool have_last_ = false;
  std::uint16_t last_seq_ = 0;
  std::uint32_t last_ssrc_ = 0;
  std::uint32_t last_rtptime_ = 0;
  // After a gap, the rest of the unit that was in progress (same RTP timestamp) is skipped.
  bool skipping_ = false;
  std::uint32_t skip_rtptime_ = 0;
  bool discont_pending_ = true;
  bool waiting_keyframe_ = false;
  bool started_ = false;
  bool warned_ = false;  // one warning per burst of trouble, re-armed by a good unit
  bool failed_ = false;
  GstFlowReturn flow_ = GST_FLOW_OK;
  DepayStats stats_;
};

}  // namespace rtsp2::rtp
