#include "mp4g_pay.hpp"

#include <vector>

#include "../base/gst_ptr.hpp"
#include "mp4g_common.hpp"

namespace rtsp2::rtp::mp4g {
namespace {

// AAC-hbr: 13-bit AU-size, 3-bit AU-Index / AU-Index-delta, all 0 (no interleaving): 2 bytes per AU.
constexpr std::size_t kHeaderBytes = 2;
constexpr std::size_t kMaxAuSize = (1u << 13) - 1;

class Mp4gPay final : public PayFormat {
 public:
  explicit Mp4gPay(const PayContext& context) : ctx_(context) {}

  bool configure(const GstStructure* input, PayCaps& out, std::string& error) override;
  bool handle(GstBuffer* input, PayOutput& out) override;
  void drain(PayOutput& out) override { flush(out); }
  void reset() override {
    pending_.clear();
    sizes_.clear();
  }

 private:
  void flush(PayOutput& out);
  void fragment(Bytes au, PayOutput& out);

  PayContext ctx_;
  GstClockTime au_duration_ = 0;
  // AUs waiting to share a packet.
  std::vector<std::uint8_t> pending_;
  std::vector<std::size_t> sizes_;
  GstClockTime pending_pts_ = GST_CLOCK_TIME_NONE;
  GstClockTime pending_dts_ = GST_CLOCK_TIME_NONE;
  std::vector<std::uint8_t> headers_;
};

bool Mp4gPay::configure(const GstStructure* input, PayCaps& out, std::string& error) {
  const GValue* v = gst_structure_get_value(input, "codec_data");
  if (!v || !GST_VALUE_HOLDS_BUFFER(v)) {
    error = "no codec_data (AudioSpecificConfig) in the caps";
    return false;
  }
  MappedBuffer map(gst_value_get_buffer(v));
  auto audio = parse_audio_specific_config(Bytes(map.data(), map.size()));
  if (!audio) {
    error = "unparsable AudioSpecificConfig";
    return false;
  }
  gint rate = static_cast<gint>(audio->sample_rate);
  gint channels = static_cast<gint>(audio->channels);
  gst_structure_get_int(input, "rate", &rate);
  gst_structure_get_int(input, "channels", &channels);
  if (rate <= 0) {
    error = "no sample rate";
    return false;
  }
  au_duration_ = gst_util_uint64_scale_int(audio->frame_length, GST_SECOND, rate);
  const std::string config = to_hex(Bytes(map.data(), map.size()));
  const std::string params = std::to_string(channels > 0 ? channels : 1);
  out.media = "audio";
  out.encoding_name = "MPEG4-GENERIC";
  out.clock_rate = static_cast<guint>(rate);
  out.fields =
      gst_structure_new("fields", "encoding-params", G_TYPE_STRING, params.c_str(), "streamtype",
                        G_TYPE_STRING, "5", "profile-level-id", G_TYPE_STRING, "1", "mode", G_TYPE_STRING,
                        "AAC-hbr", "config", G_TYPE_STRING, config.c_str(), "sizelength", G_TYPE_STRING, "13",
                        "indexlength", G_TYPE_STRING, "3", "indexdeltalength", G_TYPE_STRING, "3", nullptr);
  reset();
  return true;
}

bool Mp4gPay::handle(GstBuffer* input, PayOutput& out) {
  MappedBuffer map(input);
  if (!map.ok()) return false;
  const Bytes au(map.data(), map.size());
  if (au.empty()) return true;
  const std::size_t room = out.max_payload();
  if (au.size() > kMaxAuSize) return false;  // AAC frames are at most 6144 bits per channel

  // An AU that does not fit a packet alone is fragmented (after what waits is sent).
  if (2 + kHeaderBytes + au.size() > room) {
    flush(out);
    out.set_timestamps(GST_BUFFER_PTS(input), GST_BUFFER_DTS(input));
    fragment(au, out);
    return true;
  }
  // Several AUs share a packet while they fit and stay within max-ptime; without max-ptime each AU
  // goes out at once (no added latency).
  const gint64 max_ptime = out.max_ptime();
  const bool fits = 2 + (sizes_.size() + 1) * kHeaderBytes + pending_.size() + au.size() <= room;
  const bool in_time = max_ptime > 0 &&
                       static_cast<gint64>((sizes_.size() + 1) * au_duration_) <= max_ptime &&
                       sizes_.size() < 255;
  if (!sizes_.empty() && !(fits && in_time)) flush(out);
  if (sizes_.empty()) {
    pending_pts_ = GST_BUFFER_PTS(input);
    pending_dts_ = GST_BUFFER_DTS(input);
  }
  pending_.insert(pending_.end(), au.begin(), au.end());
  sizes_.push_back(au.size());
  const bool next_fits = 2 + (sizes_.size() + 1) * kHeaderBytes + pending_.size() <= room;
  if (!(max_ptime > 0 && static_cast<gint64>((sizes_.size() + 1) * au_duration_) <= max_ptime && next_fits)) {
    flush(out);
  }
  return true;
}

void Mp4gPay::flush(PayOutput& out) {
  if (sizes_.empty()) return;
  const std::size_t bits = sizes_.size() * 16;
  headers_.assign({static_cast<std::uint8_t>(bits >> 8), static_cast<std::uint8_t>(bits & 0xff)});
  for (std::size_t size : sizes_) {
    headers_.push_back(static_cast<std::uint8_t>(size >> 5));
    headers_.push_back(static_cast<std::uint8_t>((size & 0x1f) << 3));  // AU-Index(-delta) 0
  }
  out.set_timestamps(pending_pts_, pending_dts_);
  out.add_packet({Bytes(headers_), Bytes(pending_)}, true);
  pending_.clear();
  sizes_.clear();
}

void Mp4gPay::fragment(Bytes au, PayOutput& out) {
  // Every fragment carries one AU header with the size of the whole AU; the marker ends the AU.
  const std::uint8_t header[4] = {0x00, 0x10, static_cast<std::uint8_t>(au.size() >> 5),
                                  static_cast<std::uint8_t>((au.size() & 0x1f) << 3)};
  const std::size_t chunk = out.max_payload() - sizeof(header);
  while (!au.empty()) {
    const std::size_t n = std::min(chunk, au.size());
    out.add_packet({Bytes(header, sizeof(header)), au.first(n)}, n == au.size());
    au = au.subspan(n);
  }
}

}  // namespace

std::unique_ptr<PayFormat> make_pay(const PayContext& context) {
  return std::make_unique<Mp4gPay>(context);
}

PayDescriptor pay_descriptor = {
    "rtpmp4gpay2",
    "GstRtpMp4gPay2",
    "RTP MPEG-4 generic (AAC) payloader (rtp2)",
    "Payloads MPEG-4 AAC audio into RTP packets (RFC 3640 mpeg4-generic, AAC-hbr)",
    "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw",
    "application/x-rtp, media=(string)audio, payload=(int)[ 96, 127 ], clock-rate=(int)[ 1, MAX ], "
    "encoding-name=(string)MPEG4-GENERIC",
    make_pay,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::mp4g
