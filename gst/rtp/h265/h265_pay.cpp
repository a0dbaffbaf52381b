#include "h265_pay.hpp"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "../base/gst_ptr.hpp"
#include "../base/nal_pay.hpp"
#include "h265_nal.hpp"

namespace rtsp2::rtp::h265 {
namespace {

// RFC 7798 4.4.2 / 4.4.3: the AP header has F = OR of the F bits and the lowest LayerId and TID of the
// aggregated NALs; the FU payload header copies F, LayerId and TID of the NAL, the FU header its type.
const NalPacketCodec kPacketCodec = {
    2,
    2,
    3,
    [](std::uint8_t* header, Bytes nal, bool first) {
      const unsigned layer = ((nal[0] & 0x01) << 5) | (nal[1] >> 3);
      const unsigned tid = nal[1] & 0x07;
      unsigned f = nal[0] & 0x80, min_layer = layer, min_tid = tid;
      if (!first) {
        f |= header[0] & 0x80;
        min_layer = std::min(min_layer, ((header[0] & 0x01u) << 5) | (header[1] >> 3u));
        min_tid = std::min(min_tid, header[1] & 0x07u);
      }
      header[0] = static_cast<std::uint8_t>(f | (kAp << 1) | (min_layer >> 5));
      header[1] = static_cast<std::uint8_t>(((min_layer & 0x1f) << 3) | min_tid);
    },
    [](std::uint8_t* out, Bytes nal, bool start, bool end) {
      out[0] = static_cast<std::uint8_t>((nal[0] & 0x81) | (kFu << 1));
      out[1] = nal[1];
      out[2] = static_cast<std::uint8_t>((start ? 0x80 : 0) | (end ? 0x40 : 0) | nal_type(nal.data()));
    },
};

class H265Pay final : public NalPay {
 public:
  H265Pay() : NalPay(kPacketCodec) {}

  bool configure(const GstStructure* input, PayCaps& out, std::string& error) override {
    params_.clear();
    auto parse_hvcc = [this](Bytes hvcc, unsigned& length_size) {
      return h265::parse_hvcc(hvcc, length_size, params_);
    };
    if (!configure_input(input, kInputFormats, parse_hvcc, error)) return false;
    out.media = "video";
    out.encoding_name = "H265";
    out.clock_rate = 90000;
    out.fields = caps_fields();
    reset();
    return true;
  }

  bool handle(GstBuffer* input, PayOutput& out) override {
    MappedBuffer map(input);
    if (!map.ok()) return false;
    bool has_irap = false, has_params = false, changed = false;
    auto keep = [&](Bytes nal) {
      if (nal.size() < 2) return false;
      const std::uint8_t type = nal_type(nal.data());
      has_irap |= is_irap(type);
      if (is_parameter_set(type)) {
        has_params = true;
        changed |= params_.store(nal);
      }
      return true;
    };
    if (!collect_nals(Bytes(map.data(), map.size()), keep)) return false;
    send_access_unit(input, {.keyframe = has_irap, .carries_sets = has_params, .sets_changed = changed}, out);
    return true;
  }

 private:
  static constexpr InputFormats kInputFormats = {
      {"hvc1", "hev1"},
      "hvc1/hev1 without codec_data",
      "malformed hvcC codec_data",
  };

  bool parameter_sets_complete() const override { return params_.complete(); }
  std::vector<Bytes> parameter_sets() const override { return params_.all(); }
  bool is_access_unit_delimiter(Bytes nal) const override { return nal_type(nal.data()) == kAud; }

  GstStructure* caps_fields() const override {
    GstStructure* s = gst_structure_new_empty("fields");
    const std::pair<const char*, const std::map<std::uint32_t, ByteVector>*> sprops[] = {
        {"sprop-vps", &params_.vps}, {"sprop-sps", &params_.sps}, {"sprop-pps", &params_.pps}};
    for (const auto& [name, table] : sprops) {
      if (!table->empty()) gst_structure_set(s, name, G_TYPE_STRING, format_sprop(*table).c_str(), nullptr);
    }
    return s;
  }

  ParameterSets params_;
};

void install_properties(GObjectClass* klass, guint first_id) {
  NalPay::install_config_interval(klass, first_id, "VPS/SPS/PPS interval",
                                  "Send VPS, SPS and PPS in-band before IRAP frames that lack them: every N "
                                  "seconds (0 = never, -1 = with every IRAP frame)");
}

std::unique_ptr<PayFormat> make_pay(const PayContext&) {
  return std::make_unique<H265Pay>();
}

}  // namespace

PayDescriptor pay_descriptor = {
    "rtph265pay2",
    "GstRtpH265Pay2",
    "RTP H.265 payloader (rtp2)",
    "Payloads H.265 video into RTP packets (RFC 7798: single NAL, AP, FU)",
    "video/x-h265, stream-format=(string)byte-stream, alignment=(string){ au, nal }; "
    "video/x-h265, stream-format=(string){ hvc1, hev1 }, alignment=(string)au",
    "application/x-rtp, media=(string)video, payload=(int)[ 96, 127 ], clock-rate=(int)90000, "
    "encoding-name=(string)H265",
    make_pay,
    install_properties,
    nullptr,
};

}  // namespace rtsp2::rtp::h265
