#include "h264_depay.hpp"

#include <string_view>

#include "../base/nal_depay.hpp"
#include "h264_nal.hpp"

namespace rtsp2::rtp::h264 {
namespace {

// RFC 6184 packet types on the shared NAL assembly (base/nal_depay.hpp).
class H264Depay final : public NalDepay {
 public:
  explicit H264Depay(const DepayContext& context) : NalDepay(context, {"video/x-h264", "avc", nullptr}) {}

 private:
  bool configure_codec(const GstStructure* s, std::string& error) override {
    if (const gchar* mode = gst_structure_get_string(s, "packetization-mode");
        mode && std::string_view(mode) == "2") {
      error = "packetization-mode=2 (interleaved) is not supported";
      return false;
    }
    if (const gchar* sprop = gst_structure_get_string(s, "sprop-parameter-sets")) parse_sprop(sprop, params_);
    return true;
  }

  void reset_codec() override { params_.clear(); }

  NalClass classify(Bytes nal) const override {
    NalClass c;
    const std::uint8_t type = nal_type(nal[0]);
    c.forbidden = nal[0] & 0x80;
    c.keyframe = type == kIdr;
    c.parameter_set = type == kSps || type == kPps;
    c.vcl = is_vcl(type);
    // first_mb_in_slice is the first ue(v) of the slice header: it is 0 iff its first bit is 1.
    if (nal.size() > 1) c.first_slice = nal[1] & 0x80;
    return c;
  }

  bool store_parameter_set(Bytes nal) override { return params_.store(nal); }
  bool parameter_sets_complete() const override { return params_.complete(); }
  std::vector<Bytes> parameter_sets() const override { return params_.all(); }
  std::vector<std::uint8_t> codec_data() const override { return build_avcc(params_); }

  void depacketize(Bytes payload) override {
    const std::uint8_t type = nal_type(payload[0]);
    if (fu_active() && type != kFuA) mark_broken("FU interrupted by another packet type");
    switch (type) {
      case kStapA:
        stap(payload.subspan(1));
        break;
      case kStapB:
        // Only for interleaved mode; NALs go out in transmission order, so the DON is skipped.
        if (payload.size() < 3) {
          mark_broken("truncated STAP-B");
        } else {
          stap(payload.subspan(3));
        }
        break;
      case kMtap16:
      case kMtap24:
        if (!warned_mtap_) {
          warned_mtap_ = true;
          GST_CAT_WARNING_OBJECT(ctx_.category, ctx_.element,
                                 "MTAP packets (interleaved mode) are not supported");
        }
        mark_broken("MTAP16/MTAP24 not supported");
        break;
      case kFuA:
      case kFuB:
        fu(payload, type == kFuB);
        break;
      case 0:
      case 30:
      case 31:
        mark_broken("reserved NAL unit type");
        break;
      default:
        append_nal(payload);
        break;
    }
  }

  void stap(Bytes body) {
    while (!body.empty() && !broken()) {
      if (body.size() < 2) {
        mark_broken("truncated STAP size field");
        return;
      }
      const std::size_t len = (std::size_t{body[0]} << 8) | body[1];
      body = body.subspan(2);
      if (len == 0 || len > body.size()) {
        mark_broken("STAP NAL size out of bounds");
        return;
      }
      append_nal(body.first(len));
      body = body.subspan(len);
    }
  }

  void fu(Bytes payload, bool with_don) {
    if (payload.size() < 2) {
      mark_broken("truncated FU header");
      return;
    }
    const std::uint8_t fu_header = payload[1];
    Bytes data = payload.subspan(2);
    if (fu_header & 0x80) {
      if (with_don) {
        if (data.size() < 2) {
          mark_broken("truncated FU-B");
          return;
        }
        data = data.subspan(2);
      }
      header_[0] = static_cast<std::uint8_t>((payload[0] & 0xe0) | (fu_header & 0x1f));
      fu_start(Bytes(header_, 1), data);
      if (fu_header & 0x40) fu_data({}, true);
      return;
    }
    fu_data(data, fu_header & 0x40);
  }

  ParameterSets params_;
  std::uint8_t header_[1] = {0};
  bool warned_mtap_ = false;
};

}  // namespace

std::unique_ptr<DepayFormat> make_depay(const DepayContext& context) {
  return std::make_unique<H264Depay>(context);
}

DepayDescriptor depay_descriptor = {
    "rtph264depay2",
    "GstRtpH264Depay2",
    "RTP H.264 depayloader (rtp2)",
    "Extracts H.264 video from RTP packets (RFC 6184): single NAL, STAP-A/B, FU-A/B; drops broken access "
    "units",
    "application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264",
    "video/x-h264, stream-format=(string)byte-stream, alignment=(string){ au, nal }; "
    "video/x-h264, stream-format=(string)avc, alignment=(string)au",
    make_depay,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::h264
