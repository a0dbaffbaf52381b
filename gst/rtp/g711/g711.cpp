#include "g711.hpp"

#include <algorithm>
#include <vector>

#include "../base/gst_ptr.hpp"

namespace rtsp2::rtp::g711 {
namespace {

enum class Law { kMu, kA };

const char* encoding_name(Law law) {
  return law == Law::kMu ? "PCMU" : "PCMA";
}
const char* media_type(Law law) {
  return law == Law::kMu ? "audio/x-mulaw" : "audio/x-alaw";
}

// One byte per sample and channel. Packets hold `ptime` of audio when downstream asks for a ptime (SDP
// a=ptime) or max-ptime is set, regrouping the input; otherwise each input buffer is sent as it comes
// (split only where it exceeds the MTU), which adds no latency.
class G711Pay final : public PayFormat {
 public:
  explicit G711Pay(Law law) : law_(law) {}

  bool configure(const GstStructure* input, PayCaps& out, std::string& error) override {
    gint rate = 0, channels = 1;
    if (!gst_structure_get_int(input, "rate", &rate) || rate <= 0) {
      error = "no rate";
      return false;
    }
    gst_structure_get_int(input, "channels", &channels);
    if (channels <= 0) channels = 1;
    rate_ = static_cast<guint>(rate);
    channels_ = static_cast<guint>(channels);
    out.media = "audio";
    out.encoding_name = encoding_name(law_);
    out.clock_rate = rate_;
    if (channels_ != 1) {
      const std::string params = std::to_string(channels_);
      out.fields = gst_structure_new("fields", "encoding-params", G_TYPE_STRING, params.c_str(), nullptr);
    }
    reset();
    return true;
  }

  bool handle(GstBuffer* input, PayOutput& out) override {
    MappedBuffer map(input);
    if (!map.ok()) return false;
    Bytes data(map.data(), map.size());
    const std::size_t frame = channels_;
    const std::size_t room = out.max_payload() / frame * frame;
    const std::size_t target = packet_bytes(out, room);
    const GstClockTime pts = GST_BUFFER_PTS(input);

    if (target == 0) {  // pass-through: each input buffer as is, split only at the MTU
      flush(out);
      std::size_t sent = 0;
      while (sent < data.size()) {
        const std::size_t n = std::min(room, data.size() - sent);
        out.set_timestamps(offset_pts(pts, sent), GST_CLOCK_TIME_NONE);
        out.add_packet({data.subspan(sent, n)}, sent == 0 && (GST_BUFFER_IS_DISCONT(input) || first_));
        sent += n;
      }
      first_ = false;
      return true;
    }
    // Regrouping: pending bytes continue the stream unless this buffer is a discontinuity.
    if (!pending_.empty() && (GST_BUFFER_IS_DISCONT(input) || !continues(pts))) flush(out);
    if (pending_.empty()) {
      pending_pts_ = pts;
      marker_ = GST_BUFFER_IS_DISCONT(input) || first_;
    }
    pending_.insert(pending_.end(), data.begin(), data.end());
    std::size_t sent = 0;
    while (pending_.size() - sent >= target) {
      out.set_timestamps(offset_pts(pending_pts_, sent), GST_CLOCK_TIME_NONE);
      out.add_packet({Bytes(pending_).subspan(sent, target)}, marker_);
      marker_ = false;
      sent += target;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(sent));
    pending_pts_ = offset_pts(pending_pts_, sent);
    first_ = false;
    return true;
  }

  void drain(PayOutput& out) override { flush(out); }
  void reset() override {
    pending_.clear();
    pending_pts_ = GST_CLOCK_TIME_NONE;
    first_ = true;
  }

 private:
  // Bytes per packet for regrouping, 0 for pass-through.
  std::size_t packet_bytes(const PayOutput& out, std::size_t room) const {
    GstClockTime duration = out.ptime();
    const gint64 max_ptime = out.max_ptime();
    if (max_ptime > 0 && (duration == 0 || duration > static_cast<guint64>(max_ptime))) duration = max_ptime;
    if (duration == 0) return 0;
    const std::size_t samples = std::max<std::size_t>(1, gst_util_uint64_scale(duration, rate_, GST_SECOND));
    return std::min(room, samples * channels_);
  }

  GstClockTime offset_pts(GstClockTime pts, std::size_t bytes) const {
    if (!GST_CLOCK_TIME_IS_VALID(pts)) return pts;
    return pts + gst_util_uint64_scale(bytes / channels_, GST_SECOND, rate_);
  }

  bool continues(GstClockTime pts) const {
    if (!GST_CLOCK_TIME_IS_VALID(pts) || !GST_CLOCK_TIME_IS_VALID(pending_pts_)) return true;
    const GstClockTime expected = offset_pts(pending_pts_, pending_.size());
    const GstClockTime tolerance = GST_SECOND / rate_ + 1;  // one sample
    return pts + tolerance >= expected && pts <= expected + tolerance;
  }

  void flush(PayOutput& out) {
    if (pending_.empty()) return;
    out.set_timestamps(pending_pts_, GST_CLOCK_TIME_NONE);
    out.add_packet({Bytes(pending_)}, marker_);
    marker_ = false;
    pending_.clear();
  }

  Law law_;
  guint rate_ = 8000;
  guint channels_ = 1;
  std::vector<std::uint8_t> pending_;
  GstClockTime pending_pts_ = GST_CLOCK_TIME_NONE;
  bool marker_ = false;
  bool first_ = true;
};

// Every packet is a whole number of samples; nothing spans packets, so loss needs no reassembly state.
class G711Depay final : public DepayFormat {
 public:
  explicit G711Depay(Law law) : law_(law) {}

  GstCaps* configure(const GstStructure* s, const GstCaps*, std::string& error) override {
    gint rate = 8000;
    gst_structure_get_int(s, "clock-rate", &rate);
    if (rate <= 0) {
      error = "bad clock-rate";
      return nullptr;
    }
    rate_ = static_cast<guint>(rate);
    channels_ = 1;
    if (const gchar* params = gst_structure_get_string(s, "encoding-params")) {
      const guint64 c = g_ascii_strtoull(params, nullptr, 10);
      if (c >= 1 && c <= 8) channels_ = static_cast<guint>(c);
    }
    return gst_caps_new_simple(media_type(law_), "rate", G_TYPE_INT, rate, "channels", G_TYPE_INT,
                               static_cast<int>(channels_), nullptr);
  }

  void process(const RtpPacket& packet, DepayOutput& out) override {
    const std::size_t usable = packet.payload.size() / channels_ * channels_;
    if (usable == 0) return;  // nothing to play (or a truncated frame)
    GstBuffer* buffer = gst_buffer_new_memdup(packet.payload.data(), usable);
    GST_BUFFER_PTS(buffer) = packet.pts;
    GST_BUFFER_DTS(buffer) = packet.pts;
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(usable / channels_, GST_SECOND, rate_);
    // The marker starts a talkspurt (RFC 3551 4.1): a resynchronisation point for jitter buffers.
    if (packet.marker) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_RESYNC);
    out.emit(buffer, true);
  }

  bool on_loss() override { return false; }
  void drain(DepayOutput&) override {}
  void reset() override {}

 private:
  Law law_;
  guint rate_ = 8000;
  guint channels_ = 1;
};

template <Law law>
std::unique_ptr<PayFormat> make_pay(const PayContext&) {
  return std::make_unique<G711Pay>(law);
}
template <Law law>
std::unique_ptr<DepayFormat> make_depay(const DepayContext&) {
  return std::make_unique<G711Depay>(law);
}

}  // namespace

PayDescriptor pcmu_pay_descriptor = {
    "rtppcmupay2",
    "GstRtpPcmuPay2",
    "RTP G.711 µ-law payloader (rtp2)",
    "Payloads G.711 µ-law audio into RTP packets (RFC 3551 PCMU), ptime/max-ptime packetization",
    "audio/x-mulaw, channels=(int)[ 1, 8 ], rate=(int)[ 1, MAX ]",
    "application/x-rtp, media=(string)audio, payload=(int)0, clock-rate=(int)8000, "
    "encoding-name=(string)PCMU; "
    "application/x-rtp, media=(string)audio, payload=(int)[ 96, 127 ], clock-rate=(int)[ 1, MAX ], "
    "encoding-name=(string)PCMU",
    make_pay<Law::kMu>,
    nullptr,
    nullptr,
    0,
};

PayDescriptor pcma_pay_descriptor = {
    "rtppcmapay2",
    "GstRtpPcmaPay2",
    "RTP G.711 A-law payloader (rtp2)",
    "Payloads G.711 A-law audio into RTP packets (RFC 3551 PCMA), ptime/max-ptime packetization",
    "audio/x-alaw, channels=(int)[ 1, 8 ], rate=(int)[ 1, MAX ]",
    "application/x-rtp, media=(string)audio, payload=(int)8, clock-rate=(int)8000, "
    "encoding-name=(string)PCMA; "
    "application/x-rtp, media=(string)audio, payload=(int)[ 96, 127 ], clock-rate=(int)[ 1, MAX ], "
    "encoding-name=(string)PCMA",
    make_pay<Law::kA>,
    nullptr,
    nullptr,
    8,
};

DepayDescriptor pcmu_depay_descriptor = {
    "rtppcmudepay2",
    "GstRtpPcmuDepay2",
    "RTP G.711 µ-law depayloader (rtp2)",
    "Extracts G.711 µ-law audio from RTP packets (RFC 3551 PCMU)",
    "application/x-rtp, media=(string)audio, encoding-name=(string)PCMU, clock-rate=(int)[ 1, MAX ]; "
    "application/x-rtp, media=(string)audio, payload=(int)0, clock-rate=(int)8000",
    "audio/x-mulaw, channels=(int)[ 1, 8 ], rate=(int)[ 1, MAX ]",
    make_depay<Law::kMu>,
    nullptr,
    nullptr,
};

DepayDescriptor pcma_depay_descriptor = {
    "rtppcmadepay2",
    "GstRtpPcmaDepay2",
    "RTP G.711 A-law depayloader (rtp2)",
    "Extracts G.711 A-law audio from RTP packets (RFC 3551 PCMA)",
    "application/x-rtp, media=(string)audio, encoding-name=(string)PCMA, clock-rate=(int)[ 1, MAX ]; "
    "application/x-rtp, media=(string)audio, payload=(int)8, clock-rate=(int)8000",
    "audio/x-alaw, channels=(int)[ 1, 8 ], rate=(int)[ 1, MAX ]",
    make_depay<Law::kA>,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::g711
