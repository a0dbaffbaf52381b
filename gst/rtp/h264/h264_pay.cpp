#include "h264_pay.hpp"

#include <algorithm>
#include <vector>

#include "../base/gst_ptr.hpp"
#include "../base/nal_pay.hpp"
#include "h264_nal.hpp"

namespace rtsp2::rtp::h264 {
namespace {

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
class H264Pay final : public NalPay {
 public:
  explicit H264Pay(const PayContext& context) : NalPay(kPacketCodec), ctx_(context) {}

  bool configure(const GstStructure* input, PayCaps& out, std::string& error) override;
  bool handle(GstBuffer* input, PayOutput& out) override;

 private:
  static constexpr InputFormats kInputFormats = {
      {"avc", nullptr},
      "stream-format=avc without codec_data",
      "malformed avcC codec_data",
  };

  bool parameter_sets_complete() const override { return params_.complete(); }
  std::vector<Bytes> parameter_sets() const override { return params_.all(); }
  GstStructure* caps_fields() const override;
  bool is_access_unit_delimiter(Bytes nal) const override { return nal_type(nal[0]) == kAud; }

  PayContext ctx_;
  ParameterSets params_;
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
  auto parse_avcc = [this](Bytes avcc, unsigned& length_size) {
    return h264::parse_avcc(avcc, length_size, params_);
  };
  if (!configure_input(input, kInputFormats, parse_avcc, error)) return false;
  out.media = "video";
  out.encoding_name = "H264";
  out.clock_rate = 90000;
  out.fields = caps_fields();
  return true;
}

bool H264Pay::handle(GstBuffer* input, PayOutput& out) {
  MappedBuffer map(input);
  if (!map.ok()) return false;
  bool has_idr = false, has_sps = false, has_pps = false, params_changed = false;
  auto keep = [&](Bytes nal) {
    const std::uint8_t type = nal_type(nal[0]);
    has_idr |= type == kIdr;
    has_sps |= type == kSps;
    has_pps |= type == kPps;
    if (type == kSps || type == kPps) params_changed |= params_.store(nal);
    return true;
  };
  if (!collect_nals(Bytes(map.data(), map.size()), keep)) return false;
  send_access_unit(
      input, {.keyframe = has_idr, .carries_sets = has_sps && has_pps, .sets_changed = params_changed}, out);
  return true;
}

void install_properties(GObjectClass* klass, guint first_id) {
  NalPay::install_config_interval(
      klass, first_id, "SPS/PPS interval",
      "Send SPS and PPS in-band before IDR frames that lack them: every N seconds (0 = "
      "never, -1 = with every IDR frame)");
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
