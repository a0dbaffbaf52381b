#include "h265_depay.hpp"

#include "../base/nal_depay.hpp"
#include "h265_nal.hpp"

namespace rtsp2::rtp::h265 {
namespace {

// RFC 7798 packet types on the shared NAL assembly (base/nal_depay.hpp). With sprop-max-don-diff > 0
// the packets carry decoding order numbers; NAL units are passed on in transmission order, which is
// right as long as that is the decoding order: a DON going backwards (de-interleaving needed) breaks
// the unit instead of producing a wrongly ordered one.
class H265Depay final : public NalDepay {
 public:
  explicit H265Depay(const DepayContext& context) : NalDepay(context, {"video/x-h265", "hvc1", "hev1"}) {}

 private:
  bool configure_codec(const GstStructure* s, std::string&) override {
    for (const char* field : {"sprop-vps", "sprop-sps", "sprop-pps"}) {
      if (const gchar* sprop = gst_structure_get_string(s, field)) parse_sprop(sprop, params_);
    }
    donl_ = false;
    if (const gchar* diff = gst_structure_get_string(s, "sprop-max-don-diff")) {
      donl_ = g_ascii_strtoull(diff, nullptr, 10) > 0;
    } else {
      gint v = 0;
      donl_ = gst_structure_get_int(s, "sprop-max-don-diff", &v) && v > 0;
    }
    have_don_ = false;
    return true;
  }

  void reset_codec() override {
    params_.clear();
    have_don_ = false;
  }

  NalClass classify(Bytes nal) const override {
    NalClass c;
    if (nal.size() < 2) {
      c.forbidden = true;  // not even a NAL header
      return c;
    }
    const std::uint8_t type = nal_type(nal.data());
    c.forbidden = nal[0] & 0x80;
    c.keyframe = is_irap(type);
    c.parameter_set = is_parameter_set(type);
    c.vcl = is_vcl(type);
    if (nal.size() > 2) c.first_slice = nal[2] & 0x80;  // first_slice_segment_in_pic_flag
    return c;
  }

  bool store_parameter_set(Bytes nal) override { return params_.store(nal); }
  bool parameter_sets_complete() const override { return params_.complete(); }
  std::vector<Bytes> parameter_sets() const override { return params_.all(); }
  std::vector<std::uint8_t> codec_data() const override { return build_hvcc(params_); }

  // Checks the decoding order number of the next NAL.
  void don(std::uint16_t value) {
    if (have_don_ && static_cast<std::int16_t>(value - last_don_) <= 0) {
      mark_broken("NAL units out of decoding order (DON); de-interleaving is not supported");
    }
    have_don_ = true;
    last_don_ = value;
  }

  void depacketize(Bytes payload) override {
    if (payload.size() < 2) {
      mark_broken("truncated payload header");
      return;
    }
    const std::uint8_t type = nal_type(payload.data());
    if (fu_active() && type != kFu) mark_broken("FU interrupted by another packet type");
    if (broken()) return;
    switch (type) {
      case kAp:
        aggregation(payload.subspan(2));
        break;
      case kFu:
        fragment(payload);
        break;
      case kPaci:
        mark_broken("PACI packets are not supported");
        break;
      default:
        if (type > kPaci) {
          mark_broken("reserved NAL unit type");
        } else if (donl_) {
          // [NAL header][DONL][rest of the NAL]
          if (payload.size() < 4) {
            mark_broken("truncated DONL");
            return;
          }
          don(static_cast<std::uint16_t>((payload[2] << 8) | payload[3]));
          scratch_.assign(payload.begin(), payload.begin() + 2);
          scratch_.insert(scratch_.end(), payload.begin() + 4, payload.end());
          append_nal(scratch_);
        } else {
          append_nal(payload);
        }
        break;
    }
  }

  void aggregation(Bytes body) {
    bool first = true;
    while (!body.empty() && !broken()) {
      if (donl_) {
        // DONL (16 bits) before the first NAL, DOND (8 bits, DON - previous DON - 1) before the others.
        if (body.size() < (first ? 2u : 1u)) {
          mark_broken("truncated AP DON field");
          return;
        }
        if (first) {
          don(static_cast<std::uint16_t>((body[0] << 8) | body[1]));
          body = body.subspan(2);
        } else {
          don(static_cast<std::uint16_t>(last_don_ + body[0] + 1));
          body = body.subspan(1);
        }
      }
      if (body.size() < 2) {
        mark_broken("truncated AP size field");
        return;
      }
      const std::size_t len = (std::size_t{body[0]} << 8) | body[1];
      body = body.subspan(2);
      if (len < 2 || len > body.size()) {
        mark_broken("AP NAL size out of bounds");
        return;
      }
      append_nal(body.first(len));
      body = body.subspan(len);
      first = false;
    }
  }

  void fragment(Bytes payload) {
    if (payload.size() < 3) {
      mark_broken("truncated FU header");
      return;
    }
    const std::uint8_t fu_header = payload[2];
    Bytes data = payload.subspan(3);
    if (fu_header & 0x80) {
      if (donl_) {
        if (data.size() < 2) {
          mark_broken("truncated FU DONL");
          return;
        }
        don(static_cast<std::uint16_t>((data[0] << 8) | data[1]));
        data = data.subspan(2);
      }
      header_[0] = static_cast<std::uint8_t>((payload[0] & 0x81) | ((fu_header & 0x3f) << 1));
      header_[1] = payload[1];
      fu_start(Bytes(header_, 2), data);
      if (fu_header & 0x40) fu_data({}, true);
      return;
    }
    fu_data(data, fu_header & 0x40);
  }

  ParameterSets params_;
  bool donl_ = false;
  bool have_don_ = false;
  std::uint16_t last_don_ = 0;
  std::uint8_t header_[2] = {};
  std::vector<std::uint8_t> scratch_;
};

std::unique_ptr<DepayFormat> make_depay(const DepayContext& context) {
  return std::make_unique<H265Depay>(context);
}

}  // namespace

DepayDescriptor depay_descriptor = {
    "rtph265depay2",
    "GstRtpH265Depay2",
    "RTP H.265 depayloader (rtp2)",
    "Extracts H.265 video from RTP packets (RFC 7798): single NAL, AP, FU; drops broken access units",
    "application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)H265",
    "video/x-h265, stream-format=(string)byte-stream, alignment=(string){ au, nal }; "
    "video/x-h265, stream-format=(string){ hvc1, hev1 }, alignment=(string)au",
    make_depay,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::h265
