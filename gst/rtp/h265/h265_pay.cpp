#include "h265_pay.hpp"

#include <algorithm>
#include <atomic>
#include <string_view>
#include <vector>

#include "../base/gst_ptr.hpp"
#include "../base/nal_pay.hpp"
#include "h265_nal.hpp"

namespace rtsp2::rtp::h265 {
namespace {

enum { PROP_CONFIG_INTERVAL };

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

class H265Pay final : public PayFormat {
 public:
  bool configure(const GstStructure* input, PayCaps& out, std::string& error) override {
    params_.clear();
    const gchar* format = gst_structure_get_string(input, "stream-format");
    length_prefixed_ = format && (std::string_view(format) == "hvc1" || std::string_view(format) == "hev1");
    const gchar* alignment = gst_structure_get_string(input, "alignment");
    nal_input_ = alignment && std::string_view(alignment) == "nal";
    length_size_ = 4;
    if (length_prefixed_) {
      const GValue* v = gst_structure_get_value(input, "codec_data");
      if (!v || !GST_VALUE_HOLDS_BUFFER(v)) {
        error = "hvc1/hev1 without codec_data";
        return false;
      }
      MappedBuffer map(gst_value_get_buffer(v));
      if (!map.ok() || !parse_hvcc(Bytes(map.data(), map.size()), length_size_, params_)) {
        error = "malformed hvcC codec_data";
        return false;
      }
    }
    out.media = "video";
    out.encoding_name = "H265";
    out.clock_rate = 90000;
    out.fields = caps_fields();
    last_config_ = GST_CLOCK_TIME_NONE;
    return true;
  }

  bool handle(GstBuffer* input, PayOutput& out) override {
    MappedBuffer map(input);
    if (!map.ok()) return false;
    const Bytes data(map.data(), map.size());
    nals_.clear();
    bool has_irap = false, has_params = false, changed = false;
    auto collect = [&](Bytes nal) {
      if (nal.size() < 2) return;
      const std::uint8_t type = nal_type(nal.data());
      has_irap |= is_irap(type);
      if (is_parameter_set(type)) {
        has_params = true;
        changed |= params_.store(nal);
      }
      nals_.push_back(nal);
    };
    if (length_prefixed_) {
      if (!for_each_length_prefixed_nal(data, length_size_, collect)) return false;
    } else {
      for_each_annexb_nal(data, collect);
    }
    if (nals_.empty()) return true;
    if (changed) {
      GstPtr<GstStructure> fields(caps_fields());
      out.update_caps(fields.get());
    }
    const GstClockTime pts = GST_BUFFER_PTS(input);
    const int interval = config_interval_;
    if (has_irap && has_params) {
      last_config_ = pts;
    } else if (has_irap && interval != 0 && params_.complete()) {
      const bool due = interval < 0 || !GST_CLOCK_TIME_IS_VALID(last_config_) ||
                       !GST_CLOCK_TIME_IS_VALID(pts) ||
                       pts >= last_config_ + static_cast<GstClockTime>(interval) * GST_SECOND;
      if (due) {
        const std::size_t at = nal_type(nals_[0].data()) == kAud ? 1 : 0;
        const std::vector<Bytes> config = params_.all();
        nals_.insert(nals_.begin() + static_cast<std::ptrdiff_t>(at), config.begin(), config.end());
        last_config_ = pts;
      }
    }
    const bool marker = !nal_input_ || GST_BUFFER_FLAG_IS_SET(input, GST_BUFFER_FLAG_MARKER);
    packetizer_.packetize(nals_, out, marker);
    return true;
  }

  void reset() override { last_config_ = GST_CLOCK_TIME_NONE; }
  void set_property(guint id, const GValue* value) override {
    if (id == PROP_CONFIG_INTERVAL) config_interval_ = g_value_get_int(value);
  }
  void get_property(guint id, GValue* value) const override {
    if (id == PROP_CONFIG_INTERVAL) g_value_set_int(value, config_interval_);
  }

 private:
  GstStructure* caps_fields() const {
    GstStructure* s = gst_structure_new_empty("fields");
    const std::pair<const char*, const std::map<std::uint32_t, ByteVector>*> sprops[] = {
        {"sprop-vps", &params_.vps}, {"sprop-sps", &params_.sps}, {"sprop-pps", &params_.pps}};
    for (const auto& [name, table] : sprops) {
      if (!table->empty()) gst_structure_set(s, name, G_TYPE_STRING, format_sprop(*table).c_str(), nullptr);
    }
    return s;
  }

  std::atomic<int> config_interval_{0};
  bool length_prefixed_ = false;
  bool nal_input_ = false;
  unsigned length_size_ = 4;
  ParameterSets params_;
  GstClockTime last_config_ = GST_CLOCK_TIME_NONE;
  std::vector<Bytes> nals_;
  NalPacketizer packetizer_{kPacketCodec};
};

void install_properties(GObjectClass* klass, guint first_id) {
  g_object_class_install_property(
      klass, first_id + PROP_CONFIG_INTERVAL,
      g_param_spec_int(
          "config-interval", "VPS/SPS/PPS interval",
          "Send VPS, SPS and PPS in-band before IRAP frames that lack them: every N seconds (0 = "
          "never, -1 = with every IRAP frame)",
          -1, 3600, 0, GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
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
