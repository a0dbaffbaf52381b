#include "h264_pay.hpp"

#include <algorithm>
#include <atomic>
#include <string_view>
#include <vector>

#include "../base/gst_ptr.hpp"
#include "../base/nal_pay.hpp"
#include "h264_nal.hpp"

namespace rtsp2::rtp::h264 {
namespace {

enum { PROP_CONFIG_INTERVAL };

// RFC 6184 5.7.1 / 5.8: STAP-A header F = OR of the F bits, NRI = highest NRI; FU indicator keeps F and
// NRI of the NAL, the FU header carries its type.
const NalPacketCodec kPacketCodec = {
    1,
    1,
    2,
    [](std::uint8_t* header, Bytes nal, bool first) {
      const std::uint8_t prev = first ? 0 : header[0];
      const std::uint8_t f = (prev | nal[0]) & 0x80;
      const std::uint8_t nri = std::max<std::uint8_t>(prev & 0x60, nal[0] & 0x60);
      header[0] = static_cast<std::uint8_t>(f | nri | kStapA);
    },
    [](std::uint8_t* out, Bytes nal, bool start, bool end) {
      out[0] = static_cast<std::uint8_t>((nal[0] & 0xe0) | kFuA);
      out[1] = static_cast<std::uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | nal_type(nal[0]));
    },
};

// Packs the NALs of one input buffer: consecutive NALs that fit together go into one STAP-A (a lone one
// goes as a single NAL packet), NALs larger than the payload room are cut into FU-A fragments. SPS/PPS
// seen in the stream update sprop-parameter-sets in the caps, and with config-interval they are sent
// in-band before IDR frames that lack them.
class H264Pay final : public PayFormat {
 public:
  explicit H264Pay(const PayContext& context) : ctx_(context) {}

  bool configure(const GstStructure* input, PayCaps& out, std::string& error) override;
  bool handle(GstBuffer* input, PayOutput& out) override;
  void reset() override { last_config_ = GST_CLOCK_TIME_NONE; }
  void set_property(guint id, const GValue* value) override {
    if (id == PROP_CONFIG_INTERVAL) config_interval_ = g_value_get_int(value);
  }
  void get_property(guint id, GValue* value) const override {
    if (id == PROP_CONFIG_INTERVAL) g_value_set_int(value, config_interval_);
  }

 private:
  GstStructure* caps_fields() const;

  PayContext ctx_;
  std::atomic<int> config_interval_{0};
  bool avc_input_ = false;
  bool nal_input_ = false;  // alignment=nal
  unsigned length_size_ = 4;
  ParameterSets params_;
  GstClockTime last_config_ = GST_CLOCK_TIME_NONE;

  // Per buffer scratch, kept to reuse the allocations.
  std::vector<Bytes> nals_;
  NalPacketizer packetizer_{kPacketCodec};
};

GstStructure* H264Pay::caps_fields() const {
  GstStructure* s = gst_structure_new("fields", "packetization-mode", G_TYPE_STRING, "1", nullptr);
  if (params_.complete()) {
    const std::string sprop = format_sprop(params_);
    gst_structure_set(s, "sprop-parameter-sets", G_TYPE_STRING, sprop.c_str(), nullptr);
  }
  const std::string plid = profile_level_id(params_);
  if (!plid.empty()) gst_structure_set(s, "profile-level-id", G_TYPE_STRING, plid.c_str(), nullptr);
  return s;
}

bool H264Pay::configure(const GstStructure* input, PayCaps& out, std::string& error) {
  params_.clear();
  const gchar* format = gst_structure_get_string(input, "stream-format");
  avc_input_ = format && std::string_view(format) == "avc";
  const gchar* alignment = gst_structure_get_string(input, "alignment");
  nal_input_ = alignment && std::string_view(alignment) == "nal";
  length_size_ = 4;
  if (avc_input_) {
    const GValue* v = gst_structure_get_value(input, "codec_data");
    if (!v || !GST_VALUE_HOLDS_BUFFER(v)) {
      error = "stream-format=avc without codec_data";
      return false;
    }
    MappedBuffer map(gst_value_get_buffer(v));
    if (!map.ok() || !parse_avcc(Bytes(map.data(), map.size()), length_size_, params_)) {
      error = "malformed avcC codec_data";
      return false;
    }
  }
  out.media = "video";
  out.encoding_name = "H264";
  out.clock_rate = 90000;
  out.fields = caps_fields();
  return true;
}

bool H264Pay::handle(GstBuffer* input, PayOutput& out) {
  MappedBuffer map(input);
  if (!map.ok()) return false;
  const Bytes data(map.data(), map.size());
  nals_.clear();
  bool has_idr = false, has_sps = false, has_pps = false, params_changed = false;
  auto collect = [&](Bytes nal) {
    const std::uint8_t type = nal_type(nal[0]);
    has_idr |= type == kIdr;
    has_sps |= type == kSps;
    has_pps |= type == kPps;
    if (type == kSps || type == kPps) params_changed |= params_.store(nal);
    nals_.push_back(nal);
  };
  if (avc_input_) {
    if (!for_each_length_prefixed_nal(data, length_size_, collect)) return false;
  } else {
    for_each_annexb_nal(data, collect);
  }
  if (nals_.empty()) return true;
  if (params_changed) {
    GstPtr<GstStructure> fields(caps_fields());
    out.update_caps(fields.get());
  }

  const GstClockTime pts = GST_BUFFER_PTS(input);
  const int interval = config_interval_;
  if (has_idr && has_sps && has_pps) {
    last_config_ = pts;
  } else if (has_idr && interval != 0 && params_.complete()) {
    const bool due = interval < 0 || !GST_CLOCK_TIME_IS_VALID(last_config_) ||
                     !GST_CLOCK_TIME_IS_VALID(pts) ||
                     pts >= last_config_ + static_cast<GstClockTime>(interval) * GST_SECOND;
    if (due) {
      // In front of the access unit, after an access unit delimiter if there is one.
      std::size_t at = (!nals_.empty() && nal_type(nals_[0][0]) == kAud) ? 1 : 0;
      std::vector<Bytes> config;
      for (const auto& [id, nal] : params_.sps) config.emplace_back(nal);
      for (const auto& [id, nal] : params_.pps) config.emplace_back(nal);
      nals_.insert(nals_.begin() + static_cast<std::ptrdiff_t>(at), config.begin(), config.end());
      last_config_ = pts;
    }
  }

  // An input with alignment=au is a whole access unit; with alignment=nal the parser marks the last NAL.
  const bool marker = !nal_input_ || GST_BUFFER_FLAG_IS_SET(input, GST_BUFFER_FLAG_MARKER);
  packetizer_.packetize(nals_, out, marker);
  return true;
}

void install_properties(GObjectClass* klass, guint first_id) {
  g_object_class_install_property(
      klass, first_id + PROP_CONFIG_INTERVAL,
      g_param_spec_int(
          "config-interval", "SPS/PPS interval",
          "Send SPS and PPS in-band before IDR frames that lack them: every N seconds (0 = never, "
          "-1 = with every IDR frame)",
          -1, 3600, 0, GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

}  // namespace

std::unique_ptr<PayFormat> make_pay(const PayContext& context) {
  return std::make_unique<H264Pay>(context);
}

PayDescriptor pay_descriptor = {
    "rtph264pay2",
    "GstRtpH264Pay2",
    "RTP H.264 payloader (rtp2)",
    "Payloads H.264 video into RTP packets (RFC 6184 packetization-mode 1: single NAL, STAP-A, FU-A)",
    "video/x-h264, stream-format=(string)byte-stream, alignment=(string){ au, nal }; "
    "video/x-h264, stream-format=(string)avc, alignment=(string)au",
    "application/x-rtp, media=(string)video, payload=(int)[ 96, 127 ], clock-rate=(int)90000, "
    "encoding-name=(string)H264",
    make_pay,
    install_properties,
    nullptr,
};

}  // namespace rtsp2::rtp::h264
