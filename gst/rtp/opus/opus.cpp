#include "opus.hpp"

#include <string_view>

#include "../base/gst_ptr.hpp"

namespace rtsp2::rtp::opus {
namespace {

// RFC 7587: the RTP clock is always 48 kHz and encoding-params always "2", whatever the stream; whether
// the sender sends stereo is in sprop-stereo. Multichannel (channel mapping family 1) is not in the RFC.
class OpusPay final : public PayFormat {
 public:
  bool configure(const GstStructure* input, PayCaps& out, std::string& error) override {
    gint channels = 2, family = 0;
    gst_structure_get_int(input, "channels", &channels);
    gst_structure_get_int(input, "channel-mapping-family", &family);
    if (family != 0 || channels < 1 || channels > 2) {
      error = "only mono or stereo Opus (channel-mapping-family 0) fits RFC 7587";
      return false;
    }
    out.media = "audio";
    out.encoding_name = "OPUS";
    out.clock_rate = 48000;
    out.fields = gst_structure_new("fields", "encoding-params", G_TYPE_STRING, "2", "sprop-stereo",
                                   G_TYPE_STRING, channels == 2 ? "1" : "0", nullptr);
    gint rate = 0;
    if (gst_structure_get_int(input, "rate", &rate) && rate > 0) {
      const std::string r = std::to_string(rate);
      gst_structure_set(out.fields, "sprop-maxcapturerate", G_TYPE_STRING, r.c_str(), nullptr);
    }
    first_ = true;
    return true;
  }

  bool handle(GstBuffer* input, PayOutput& out) override {
    MappedBuffer map(input);
    if (!map.ok()) return false;
    // An empty buffer is a DTX gap: nothing to send (RFC 7587 3.1.3 lets the sender skip packets).
    if (map.size() == 0) return true;
    if (map.size() > out.max_payload()) return false;  // Opus packets are not fragmented (RFC 7587)
    out.add_packet({Bytes(map.data(), map.size())}, first_ || GST_BUFFER_IS_DISCONT(input));
    first_ = false;
    return true;
  }

  void reset() override { first_ = true; }

 private:
  bool first_ = true;
};

class OpusDepay final : public DepayFormat {
 public:
  GstCaps* configure(const GstStructure* s, const GstCaps*, std::string& error) override {
    gint rate = 48000;
    gst_structure_get_int(s, "clock-rate", &rate);
    if (rate != 48000) {
      error = "Opus RTP runs at a 48000 Hz clock (RFC 7587 4.1)";
      return nullptr;
    }
    // sprop-stereo tells whether the sender sends stereo; without it, assume stereo (a decoder downmixes).
    int channels = 2;
    if (const gchar* stereo = gst_structure_get_string(s, "sprop-stereo")) {
      channels = std::string_view(stereo) == "0" ? 1 : 2;
    }
    GstCaps* caps = gst_caps_new_simple("audio/x-opus", "channel-mapping-family", G_TYPE_INT, 0, "channels",
                                        G_TYPE_INT, channels, "rate", G_TYPE_INT, 48000, nullptr);
    return caps;
  }

  void process(const RtpPacket& packet, DepayOutput& out) override {
    if (packet.payload.empty()) return;  // DTX
    GstBuffer* buffer = gst_buffer_new_memdup(packet.payload.data(), packet.payload.size());
    GST_BUFFER_PTS(buffer) = packet.pts;
    GST_BUFFER_DTS(buffer) = packet.pts;
    out.emit(buffer, true);
  }

  bool on_loss() override { return false; }
  void drain(DepayOutput&) override {}
  void reset() override {}
};

std::unique_ptr<PayFormat> make_pay(const PayContext&) {
  return std::make_unique<OpusPay>();
}
std::unique_ptr<DepayFormat> make_depay(const DepayContext&) {
  return std::make_unique<OpusDepay>();
}

}  // namespace

PayDescriptor pay_descriptor = {
    "rtpopuspay2",
    "GstRtpOpusPay2",
    "RTP Opus payloader (rtp2)",
    "Payloads Opus audio into RTP packets (RFC 7587)",
    "audio/x-opus, channels=(int)[ 1, 2 ], channel-mapping-family=(int)0",
    "application/x-rtp, media=(string)audio, payload=(int)[ 96, 127 ], clock-rate=(int)48000, "
    "encoding-name=(string)OPUS",
    make_pay,
    nullptr,
    nullptr,
};

DepayDescriptor depay_descriptor = {
    "rtpopusdepay2",
    "GstRtpOpusDepay2",
    "RTP Opus depayloader (rtp2)",
    "Extracts Opus audio from RTP packets (RFC 7587)",
    "application/x-rtp, media=(string)audio, clock-rate=(int)48000, encoding-name=(string){ OPUS, "
    "X-GST-OPUS-DRAFT-SPITTKA-00 }",
    "audio/x-opus, channel-mapping-family=(int)0",
    make_depay,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::opus
