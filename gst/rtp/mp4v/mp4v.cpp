#include "mp4v.hpp"

#include <algorithm>
#include <vector>

#include "../base/annexb.hpp"
#include "../base/gst_ptr.hpp"
#include "../mp4g/mp4g_common.hpp"

namespace rtsp2::rtp::mp4v {
namespace {

// Start code values (ISO 14496-2 6.2): 00 00 01 xx.
constexpr std::uint8_t kVosStart = 0xb0;
constexpr std::uint8_t kVopStart = 0xb6;
constexpr std::size_t kMaxFrameSize = 8 * 1024 * 1024;

using ByteVector = std::vector<std::uint8_t>;

// Offset of the first VOP start code, or data.size().
std::size_t find_vop(Bytes data) {
  std::size_t at = find_start_code(data, 0);
  while (at < data.size()) {
    if (at + 3 < data.size() && data[at + 3] == kVopStart) return at;
    at = find_start_code(data, at + 3);
  }
  return data.size();
}

// The configuration (VOS/VO/VOL headers) in front of the first VOP, if the frame starts with one.
Bytes config_of(Bytes frame) {
  if (frame.size() < 4 || frame[0] != 0 || frame[1] != 0 || frame[2] != 1 || frame[3] == kVopStart) return {};
  // Visual object sequence, visual object or video object / video object layer start codes.
  if (frame[3] != kVosStart && frame[3] != 0xb5 && frame[3] > 0x2f) return {};
  return frame.first(find_vop(frame));
}

// RFC 6416: a frame (VOP, with any configuration and GOV headers in front) is split over packets at the
// MTU; the marker ends it. The configuration also goes in the caps (config=, profile-level-id=).
class Mp4vPay final : public PayFormat {
 public:
  bool configure(const GstStructure* input, PayCaps& out, std::string&) override {
    config_.clear();
    if (const GValue* v = gst_structure_get_value(input, "codec_data"); v && GST_VALUE_HOLDS_BUFFER(v)) {
      MappedBuffer map(gst_value_get_buffer(v));
      config_.assign(map.data(), map.data() + map.size());
    }
    out.media = "video";
    out.encoding_name = "MP4V-ES";
    out.clock_rate = 90000;
    out.fields = caps_fields();
    return true;
  }

  bool handle(GstBuffer* input, PayOutput& out) override {
    MappedBuffer map(input);
    if (!map.ok()) return false;
    Bytes data(map.data(), map.size());
    if (data.empty()) return true;
    if (Bytes cfg = config_of(data);
        !cfg.empty() && !std::equal(cfg.begin(), cfg.end(), config_.begin(), config_.end())) {
      config_.assign(cfg.begin(), cfg.end());
      GstPtr<GstStructure> fields(caps_fields());
      out.update_caps(fields.get());
    }
    const std::size_t room = out.max_payload();
    while (!data.empty()) {
      const std::size_t n = std::min(room, data.size());
      out.add_packet({data.first(n)}, n == data.size());
      data = data.subspan(n);
    }
    return true;
  }

 private:
  GstStructure* caps_fields() const {
    // profile_and_level_indication follows the VOS start code; 1 (Simple Profile L1) without one.
    unsigned profile = 1;
    if (config_.size() > 4 && config_[0] == 0 && config_[1] == 0 && config_[2] == 1 &&
        config_[3] == kVosStart) {
      profile = config_[4];
    }
    const std::string plid = std::to_string(profile);
    GstStructure* s = gst_structure_new("fields", "profile-level-id", G_TYPE_STRING, plid.c_str(), nullptr);
    if (!config_.empty()) {
      gst_structure_set(s, "config", G_TYPE_STRING, mp4g::to_hex(config_).c_str(), nullptr);
    }
    return s;
  }

  ByteVector config_;
};

// Frames are the packets of one timestamp up to the marker. The configuration comes from config= in
// the caps or from the headers in front of a VOP, whichever is newer; changes renegotiate codec_data.
class Mp4vDepay final : public DepayFormat {
 public:
  GstCaps* configure(const GstStructure* s, const GstCaps*, std::string& error) override {
    config_.clear();
    if (const gchar* config = gst_structure_get_string(s, "config")) {
      auto raw = mp4g::from_hex(config);
      if (!raw) {
        error = "malformed config";
        return nullptr;
      }
      config_.assign(raw->begin(), raw->end());
    }
    reset();
    return make_caps();
  }

  void process(const RtpPacket& packet, DepayOutput& out) override {
    if (have_frame_ && packet.rtptime != rtptime_) finish(out);
    if (!have_frame_) {
      have_frame_ = true;
      rtptime_ = packet.rtptime;
      pts_ = packet.pts;
      // After loss, a frame must begin at a start code: otherwise its first packets were lost.
      const Bytes p = packet.payload;
      if (after_loss_ && !(p.size() >= 3 && p[0] == 0 && p[1] == 0 && p[2] == 1)) {
        broken_ = "frame lost its first packet";
      }
    }
    if (packet.payload.empty()) {
      broken_ = broken_ ? broken_ : "empty RTP payload";
    } else if (!broken_) {
      if (frame_.size() + packet.payload.size() > kMaxFrameSize) {
        broken_ = "frame larger than the reassembly limit";
      } else {
        frame_.insert(frame_.end(), packet.payload.begin(), packet.payload.end());
      }
    }
    if (packet.marker) finish(out);
  }

  bool on_loss() override {
    const bool had = have_frame_;
    clear();
    after_loss_ = true;
    return had;
  }
  void drain(DepayOutput& out) override {
    if (have_frame_) finish(out);
  }
  void reset() override {
    clear();
    after_loss_ = true;
  }
  bool has_inter_frames() const override { return true; }

 private:
  GstCaps* make_caps() const {
    GstCaps* caps = gst_caps_new_simple("video/mpeg", "mpegversion", G_TYPE_INT, 4, "systemstream",
                                        G_TYPE_BOOLEAN, FALSE, nullptr);
    if (!config_.empty()) {
      BufferPtr cd(gst_buffer_new_memdup(config_.data(), config_.size()));
      gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, cd.get(), nullptr);
    }
    return caps;
  }

  void clear() {
    have_frame_ = false;
    frame_.clear();
    broken_ = nullptr;
  }

  void finish(DepayOutput& out) {
    if (broken_) {
      out.drop_unit(broken_);
    } else if (!frame_.empty()) {
      const Bytes frame(frame_);
      if (Bytes cfg = config_of(frame);
          !cfg.empty() && !std::equal(cfg.begin(), cfg.end(), config_.begin(), config_.end())) {
        config_.assign(cfg.begin(), cfg.end());
        out.set_caps(make_caps());
      }
      // vop_coding_type, the first two bits after the VOP start code: 0 is an I-VOP.
      const std::size_t vop = find_vop(frame);
      const bool keyframe = vop + 4 < frame.size() && (frame[vop + 4] >> 6) == 0;
      GstBuffer* buffer = gst_buffer_new_memdup(frame.data(), frame.size());
      GST_BUFFER_PTS(buffer) = pts_;
      if (!keyframe) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
      out.emit(buffer, keyframe);
      after_loss_ = false;
    }
    clear();
  }

  ByteVector config_;
  bool have_frame_ = false;
  std::uint32_t rtptime_ = 0;
  GstClockTime pts_ = GST_CLOCK_TIME_NONE;
  ByteVector frame_;
  const char* broken_ = nullptr;
  bool after_loss_ = true;
};

std::unique_ptr<PayFormat> make_pay(const PayContext&) {
  return std::make_unique<Mp4vPay>();
}
std::unique_ptr<DepayFormat> make_depay(const DepayContext&) {
  return std::make_unique<Mp4vDepay>();
}

}  // namespace

PayDescriptor pay_descriptor = {
    "rtpmp4vpay2",
    "GstRtpMp4vPay2",
    "RTP MPEG-4 Visual payloader (rtp2)",
    "Payloads MPEG-4 Visual elementary streams into RTP packets (RFC 6416 MP4V-ES)",
    "video/mpeg, mpegversion=(int)4, systemstream=(boolean)false",
    "application/x-rtp, media=(string)video, payload=(int)[ 96, 127 ], clock-rate=(int)[ 1, MAX ], "
    "encoding-name=(string)MP4V-ES",
    make_pay,
    nullptr,
    nullptr,
};

DepayDescriptor depay_descriptor = {
    "rtpmp4vdepay2",
    "GstRtpMp4vDepay2",
    "RTP MPEG-4 Visual depayloader (rtp2)",
    "Extracts MPEG-4 Visual elementary streams from RTP packets (RFC 6416 MP4V-ES); drops broken frames",
    "application/x-rtp, media=(string)video, clock-rate=(int)[ 1, MAX ], encoding-name=(string)MP4V-ES",
    "video/mpeg, mpegversion=(int)4, systemstream=(boolean)false",
    make_depay,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::mp4v
