// What the H.264 and H.265 payloaders share. NalPacketizer packs the NAL units of one access unit into
// RTP payloads: consecutive NALs that fit together go into one aggregation packet (STAP-A / AP), a lone
// one goes as a single NAL packet, a NAL larger than the payload room is cut into fragmentation units
// (FU-A / FU); the marker bit goes on the last packet of the access unit. NalPay is the format base
// around it: input caps (byte-stream or length-prefixed with codec_data, au or nal alignment), the NALs
// of one buffer, and config-interval (parameter sets sent in-band before keyframes that lack them).
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "annexb.hpp"
#include "gst_ptr.hpp"
#include "pay_format.hpp"

namespace rtsp2::rtp {

struct NalPacketCodec {
  std::size_t nal_header_size;        // 1 (H.264) or 2 (H.265)
  std::size_t aggregate_header_size;  // STAP-A: 1, AP: 2
  std::size_t fu_header_size;         // FU-A: 2, FU: 3
  // Updates the aggregation header for one more NAL (`first`: the header holds nothing yet).
  void (*aggregate)(std::uint8_t* header, Bytes nal, bool first);
  // Writes the FU headers of a fragment of `nal`.
  void (*fu)(std::uint8_t* out, Bytes nal, bool start, bool end);
};

class NalPacketizer {
 public:
  explicit NalPacketizer(const NalPacketCodec& codec) : codec_(codec) {}
  void packetize(std::span<const Bytes> nals, PayOutput& out, bool marker_at_end);

 private:
  void flush(PayOutput& out, bool marker);
  void fragment(Bytes nal, PayOutput& out, bool marker);

  const NalPacketCodec& codec_;
  std::vector<Bytes> pieces_;        // [aggregate header] [size][NAL] [size][NAL] ...
  std::vector<std::uint8_t> sizes_;  // the 2-byte size fields the pieces point into
  std::size_t count_ = 0;
  std::size_t size_ = 0;
  std::uint8_t header_[4] = {};
};

class NalPay : public PayFormat {
 public:
  void reset() final { last_config_ = GST_CLOCK_TIME_NONE; }
  void set_property(guint id, const GValue* value) final;
  void get_property(guint id, GValue* value) const final;
  // Installs config-interval, the one format property, with the codec's nick and blurb.
  static void install_config_interval(GObjectClass* klass, guint first_id, const char* nick,
                                      const char* blurb);

 protected:
  // The input stream-formats of a codec.
  struct InputFormats {
    const char* length_prefixed[2];  // stream-format values with length-prefixed NALs (unused: nullptr)
    const char* missing_codec_data;  // configure() errors
    const char* malformed_codec_data;
  };
  // What handle() found in one access unit.
  struct AccessUnit {
    bool keyframe = false;      // IDR / IRAP
    bool carries_sets = false;  // brings its own parameter sets
    bool sets_changed = false;  // stored sets are new: the caps change
  };

  explicit NalPay(const NalPacketCodec& codec) : packetizer_(codec) {}

  // ---- codec hooks ----
  virtual bool parameter_sets_complete() const = 0;
  // The stored parameter sets in the order a decoder needs them.
  virtual std::vector<Bytes> parameter_sets() const = 0;
  // Output caps fields (sprop-*, profile): a new structure.
  virtual GstStructure* caps_fields() const = 0;
  virtual bool is_access_unit_delimiter(Bytes nal) const = 0;

  // ---- helpers for configure() and handle() ----
  // Reads stream-format, alignment and, for a length-prefixed format, codec_data, which
  // parse_codec_data(Bytes, unsigned& length_size) parses and stores.
  template <typename Parse>
  bool configure_input(const GstStructure* caps, const InputFormats& formats, Parse&& parse_codec_data,
                       std::string& error);
  // Fills the access unit with the NALs of `data` for which keep(Bytes nal) is true; false when the
  // length-prefixed framing is broken.
  template <typename Keep>
  bool collect_nals(Bytes data, Keep&& keep);
  // Sends the collected access unit: new caps when the sets changed, the stored sets in front when
  // config-interval says so, the marker on its end.
  void send_access_unit(GstBuffer* input, const AccessUnit& au, PayOutput& out);

 private:
  bool input_format_error(const char* message, std::string& error) {
    error = message;
    return false;
  }

  std::atomic<int> config_interval_{0};
  bool length_prefixed_ = false;
  bool nal_input_ = false;  // alignment=nal
  unsigned length_size_ = 4;
  GstClockTime last_config_ = GST_CLOCK_TIME_NONE;
  // Per buffer scratch, kept to reuse the allocations.
  std::vector<Bytes> nals_;
  NalPacketizer packetizer_;
};

template <typename Parse>
bool NalPay::configure_input(const GstStructure* caps, const InputFormats& formats, Parse&& parse_codec_data,
                             std::string& error) {
  const gchar* format = gst_structure_get_string(caps, "stream-format");
  length_prefixed_ = false;
  for (const char* name : formats.length_prefixed) {
    length_prefixed_ |= format && name && std::string_view(format) == name;
  }
  const gchar* alignment = gst_structure_get_string(caps, "alignment");
  nal_input_ = alignment && std::string_view(alignment) == "nal";
  length_size_ = 4;
  if (!length_prefixed_) return true;
  const GValue* v = gst_structure_get_value(caps, "codec_data");
  if (!v || !GST_VALUE_HOLDS_BUFFER(v)) return input_format_error(formats.missing_codec_data, error);
  MappedBuffer map(gst_value_get_buffer(v));
  if (!map.ok() || !parse_codec_data(Bytes(map.data(), map.size()), length_size_)) {
    return input_format_error(formats.malformed_codec_data, error);
  }
  return true;
}

template <typename Keep>
bool NalPay::collect_nals(Bytes data, Keep&& keep) {
  nals_.clear();
  auto collect = [&](Bytes nal) {
    if (keep(nal)) nals_.push_back(nal);
  };
  if (length_prefixed_) return for_each_length_prefixed_nal(data, length_size_, collect);
  for_each_annexb_nal(data, collect);
  return true;
}

}  // namespace rtsp2::rtp
