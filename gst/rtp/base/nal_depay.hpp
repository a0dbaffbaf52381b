// What the H.264 and H.265 depayloaders share: assembling the NAL units of one access unit (the packets
// of one RTP timestamp) with bounded reassembly of fragmentation units, dropping units that are broken,
// and producing the negotiated output (byte-stream or length-prefixed with codec_data, au or nal
// alignment). A codec subclass parses its packet types and knows its NAL header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "depay_element.hpp"

namespace rtsp2::rtp {

// What a codec tells the assembler about a NAL from its first bytes.
struct NalClass {
  bool forbidden = false;      // forbidden_zero_bit set
  bool keyframe = false;       // IDR (H.264) / IRAP (H.265)
  bool parameter_set = false;  // SPS/PPS (and VPS)
  bool vcl = false;
  bool first_slice = true;  // a VCL NAL that starts its picture (true when that cannot be read)
};

// Media type and stream-format names of a codec's output.
struct NalOutputNames {
  const char* media_type;           // "video/x-h264"
  const char* length_prefixed;      // "avc"
  const char* length_prefixed_alt;  // "hev1" or nullptr
};

class NalDepay : public DepayFormat {
 public:
  GstCaps* configure(const GstStructure* sink_caps, const GstCaps* downstream, std::string& error) final;
  void process(const RtpPacket& packet, DepayOutput& out) final;
  bool on_loss() final;
  void drain(DepayOutput& out) final;
  void reset() final;
  bool has_inter_frames() const final { return true; }

 protected:
  NalDepay(const DepayContext& context, NalOutputNames names) : ctx_(context), names_(names) {}

  // ---- codec hooks ----
  // Sink caps: parse sprop parameter sets etc.; false with `error` to refuse.
  virtual bool configure_codec(const GstStructure* sink_caps, std::string& error) = 0;
  // One RTP payload (never empty): calls append_nal / fu_start / fu_data / mark_broken.
  virtual void depacketize(Bytes payload) = 0;
  // Classifies a NAL from its start (at least the NAL header).
  virtual NalClass classify(Bytes nal_start) const = 0;
  // Stores a complete parameter-set NAL; true when it is new or changed.
  virtual bool store_parameter_set(Bytes nal) = 0;
  virtual bool parameter_sets_complete() const = 0;
  // The stored parameter sets in the order a decoder needs them.
  virtual std::vector<Bytes> parameter_sets() const = 0;
  // codec_data (avcC / hvcC) from the stored parameter sets; empty when incomplete.
  virtual std::vector<std::uint8_t> codec_data() const = 0;
  virtual void reset_codec() {}

  // ---- helpers for depacketize() ----
  void append_nal(Bytes nal);
  // A fragmented NAL starts: `header` is the reconstructed NAL header, `data` the first fragment.
  void fu_start(Bytes header, Bytes data);
  // A later fragment; `end` completes the NAL. A fragment without a start breaks the unit.
  void fu_data(Bytes data, bool end);
  bool fu_active() const { return fu_active_; }
  void mark_broken(const char* reason) {
    if (!broken_) broken_ = reason;
  }
  bool broken() const { return broken_ != nullptr; }

  DepayContext ctx_;

 private:
  void start_au(const RtpPacket& packet);
  void clear_au();
  void finish_au(DepayOutput& out);
  void emit_au(DepayOutput& out);
  bool note_nal_start(Bytes nal_start);  // false: the unit is broken
  void complete_nal(std::size_t at);     // parameter-set bookkeeping of a finished NAL
  GstCaps* make_caps() const;

  NalOutputNames names_;
  bool length_prefixed_ = false;
  const char* length_format_ = nullptr;
  bool nal_aligned_ = false;
  bool params_changed_ = false;  // length-prefixed: codec_data must be renegotiated
  bool need_params_ = true;      // byte-stream: the next keyframe needs parameter sets in front

  // Access unit in progress: [4-byte length][NAL]... and where each NAL starts.
  bool have_au_ = false;
  std::uint32_t au_rtptime_ = 0;
  GstClockTime au_pts_ = GST_CLOCK_TIME_NONE;
  GstClockTime au_dts_ = GST_CLOCK_TIME_NONE;
  std::vector<std::uint8_t> au_;
  std::vector<std::size_t> nal_starts_;
  std::vector<bool> nal_is_param_;
  bool keyframe_ = false;
  bool has_params_ = false;
  bool vcl_seen_ = false;
  const char* broken_ = nullptr;
  bool fu_active_ = false;
  // After loss (and at start) the first unit must begin cleanly: its first slice must start the picture.
  bool after_loss_ = true;
};

}  // namespace rtsp2::rtp
