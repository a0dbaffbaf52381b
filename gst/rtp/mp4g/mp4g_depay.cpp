#include "mp4g_depay.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "../base/bit_reader.hpp"
#include "../base/gst_ptr.hpp"
#include "mp4g_common.hpp"

namespace rtsp2::rtp::mp4g {
namespace {

// Bound on one reassembled (fragmented) access unit.
constexpr std::size_t kMaxAuSize = 1024 * 1024;
// Bound on AU headers per packet: every header takes at least one bit, packets are at most 64 KiB.
constexpr std::size_t kMaxAusPerPacket = 65536 * 8;

struct AuHeader {
  std::uint32_t size = 0;
};

// Packet = [AU-headers-length (16 bits) + AU-headers] [auxiliary section] [AUs]. Whole AUs go out
// one buffer each, with the packet PTS advanced by one AU duration per AU; an AU larger than its
// packet is a fragment and is collected over the packets of the same timestamp.
class Mp4gDepay final : public DepayFormat {
 public:
  explicit Mp4gDepay(const DepayContext& context) : ctx_(context) {}

  GstCaps* configure(const GstStructure* s, const GstCaps* downstream, std::string& error) override;
  void process(const RtpPacket& packet, DepayOutput& out) override;
  bool on_loss() override {
    const bool had = fragment_active_;
    fragment_active_ = false;
    fragment_.clear();
    return had;
  }
  void drain(DepayOutput&) override {}
  void reset() override { on_loss(); }

 private:
  // Parses the AU-header and auxiliary sections; returns the offset of the first AU, or nullopt.
  std::optional<std::size_t> parse_headers(Bytes payload, const char*& error);
  void emit(Bytes au, GstClockTime pts, DepayOutput& out);

  DepayContext ctx_;
  AuLayout layout_;
  unsigned clock_rate_ = 0;
  unsigned au_duration_ = 1024;  // in RTP clock units
  std::vector<AuHeader> headers_;

  bool fragment_active_ = false;
  std::uint32_t fragment_rtptime_ = 0;
  std::uint32_t fragment_size_ = 0;
  GstClockTime fragment_pts_ = GST_CLOCK_TIME_NONE;
  std::vector<std::uint8_t> fragment_;
};

GstCaps* Mp4gDepay::configure(const GstStructure* s, const GstCaps*, std::string& error) {
  if (!parse_layout(s, layout_, error)) return nullptr;
  if (layout_.max_displacement > 0) {
    error = "interleaved mpeg4-generic streams (maxDisplacement > 0, RFC 3640 3.2.1) are not supported";
    return nullptr;
  }
  const gchar* mode = gst_structure_get_string(s, "mode");
  const auto stream_type = caps_uint(s, "streamtype");
  const bool aac_mode =
      mode && (g_ascii_strcasecmp(mode, "AAC-hbr") == 0 || g_ascii_strcasecmp(mode, "AAC-lbr") == 0);
  if (!aac_mode && !(stream_type && *stream_type == 5)) {
    error = std::string("only MPEG-4 audio (AAC) is supported, mode=") + (mode ? mode : "(none)");
    return nullptr;
  }
  if (!layout_.has_au_headers() && layout_.constant_size == 0 && layout_.auxiliary_data_size_length == 0) {
    // Neither AU headers nor a constant size: one AU per packet (RFC 3640 3.2.1).
  }
  gint rate = 0;
  if (!gst_structure_get_int(s, "clock-rate", &rate) || rate <= 0) {
    error = "no clock-rate";
    return nullptr;
  }
  clock_rate_ = static_cast<unsigned>(rate);
  const gchar* config = gst_structure_get_string(s, "config");
  std::optional<std::string> asc = config ? from_hex(config) : std::nullopt;
  if (!asc || asc->empty()) {
    error = "missing or malformed config (AudioSpecificConfig)";
    return nullptr;
  }
  const auto* asc_bytes = reinterpret_cast<const std::uint8_t*>(asc->data());
  auto audio = parse_audio_specific_config({asc_bytes, asc->size()});
  if (!audio) {
    error = "unparsable AudioSpecificConfig in config";
    return nullptr;
  }
  au_duration_ = layout_.constant_duration ? layout_.constant_duration : audio->frame_length;
  headers_.clear();
  on_loss();

  BufferPtr codec_data(gst_buffer_new_memdup(asc->data(), asc->size()));
  GstCaps* caps =
      gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format", G_TYPE_STRING, "raw",
                          "codec_data", GST_TYPE_BUFFER, codec_data.get(), nullptr);
  if (audio->sample_rate)
    gst_caps_set_simple(caps, "rate", G_TYPE_INT, static_cast<int>(audio->sample_rate), nullptr);
  if (audio->channels)
    gst_caps_set_simple(caps, "channels", G_TYPE_INT, static_cast<int>(audio->channels), nullptr);
  return caps;
}

std::optional<std::size_t> Mp4gDepay::parse_headers(Bytes payload, const char*& error) {
  headers_.clear();
  std::size_t offset = 0;
  if (layout_.has_au_headers()) {
    if (payload.size() < 2) {
      error = "truncated AU-headers-length";
      return std::nullopt;
    }
    const std::size_t bits = (std::size_t{payload[0]} << 8) | payload[1];
    const std::size_t bytes = (bits + 7) / 8;
    if (payload.size() - 2 < bytes) {
      error = "AU-header section longer than the packet";
      return std::nullopt;
    }
    BitReader r(payload.subspan(2, bytes));
    std::size_t left = bits;
    auto take = [&](unsigned n) -> std::optional<std::uint32_t> {
      if (n > left) return std::nullopt;
      left -= n;
      return r.read(n);
    };
    bool first = true;
    while (left > 0) {
      if (headers_.size() >= kMaxAusPerPacket) break;
      const std::size_t left_before = left;
      AuHeader h;
      auto size = take(layout_.size_length);
      auto index = take(first ? layout_.index_length : layout_.index_delta_length);
      if (!size || !index) {
        error = "truncated AU header";
        return std::nullopt;
      }
      // Non-interleaved streams number their AUs consecutively: index 0, deltas 0 (RFC 3640 3.2.1.1).
      if (*index != 0) {
        error = "interleaved";
        return std::nullopt;
      }
      for (unsigned len : {layout_.cts_delta_length, layout_.dts_delta_length}) {
        if (len == 0) continue;
        auto flag = take(1);
        if (!flag || (*flag && !take(len))) {
          error = "truncated AU header";
          return std::nullopt;
        }
      }
      if ((layout_.random_access_indication && !take(1)) ||
          (layout_.stream_state_indication && !take(layout_.stream_state_indication))) {
        error = "truncated AU header";
        return std::nullopt;
      }
      if (left == left_before) {
        error = "AU header of zero bits";
        return std::nullopt;
      }
      h.size = *size;
      headers_.push_back(h);
      first = false;
    }
    offset = 2 + bytes;
  }
  if (layout_.auxiliary_data_size_length > 0) {
    BitReader r(payload.subspan(offset));
    auto aux_bits = r.read(layout_.auxiliary_data_size_length);
    if (!aux_bits) {
      error = "truncated auxiliary section";
      return std::nullopt;
    }
    const std::size_t aux_bytes = (layout_.auxiliary_data_size_length + std::size_t{*aux_bits} + 7) / 8;
    if (aux_bytes > payload.size() - offset) {
      error = "auxiliary section longer than the packet";
      return std::nullopt;
    }
    offset += aux_bytes;
  }
  return offset;
}

void Mp4gDepay::emit(Bytes au, GstClockTime pts, DepayOutput& out) {
  if (au.empty()) return;
  GstBuffer* buffer = gst_buffer_new_memdup(au.data(), au.size());
  GST_BUFFER_PTS(buffer) = pts;
  GST_BUFFER_DTS(buffer) = pts;
  GST_BUFFER_DURATION(buffer) =
      gst_util_uint64_scale_int(au_duration_, GST_SECOND, static_cast<int>(clock_rate_));
  out.emit(buffer, true);
}

void Mp4gDepay::process(const RtpPacket& packet, DepayOutput& out) {
  if (fragment_active_ && packet.rtptime != fragment_rtptime_) {
    fragment_active_ = false;
    fragment_.clear();
    out.drop_unit("fragmented AU ended without its last fragment");
  }
  const char* error = nullptr;
  auto offset = parse_headers(packet.payload, error);
  if (!offset) {
    if (std::string_view(error) == "interleaved") {
      out.fatal(
          "interleaved mpeg4-generic stream (AU-Index/AU-Index-delta not 0, RFC 3640 3.2.1.1) is not "
          "supported");
      return;
    }
    if (fragment_active_) {
      fragment_active_ = false;
      fragment_.clear();
    }
    out.drop_unit(error);
    return;
  }
  Bytes data = packet.payload.subspan(*offset);

  // Without AU headers the sizes come from constantsize, or the packet is one AU.
  if (!layout_.has_au_headers() || layout_.size_length == 0) {
    const std::size_t count = headers_.empty() ? 1 : headers_.size();
    headers_.assign(count, AuHeader{});
    if (layout_.constant_size) {
      headers_.assign(std::max<std::size_t>(1, data.size() / layout_.constant_size),
                      AuHeader{layout_.constant_size});
    } else if (count == 1) {
      headers_[0].size = static_cast<std::uint32_t>(data.size());
    } else {
      out.drop_unit("several AUs without sizes");
      return;
    }
  }

  if (fragment_active_ && headers_.size() != 1) {
    fragment_active_ = false;
    fragment_.clear();
    out.drop_unit("fragmented AU interrupted");
  }
  // A packet with one AU header whose size exceeds the data is a fragment (RFC 3640 3.2.3).
  if (headers_.size() == 1 && (headers_[0].size > data.size() || fragment_active_)) {
    const std::uint32_t size = headers_[0].size;
    if (!fragment_active_) {
      if (size > kMaxAuSize) {
        out.drop_unit("AU larger than the reassembly limit");
        return;
      }
      fragment_active_ = true;
      fragment_rtptime_ = packet.rtptime;
      fragment_size_ = size;
      fragment_pts_ = packet.pts;
      fragment_.clear();
    } else if (size != fragment_size_) {
      fragment_active_ = false;
      fragment_.clear();
      out.drop_unit("AU size changed between fragments");
      return;
    }
    if (fragment_.size() + data.size() > fragment_size_) {
      fragment_active_ = false;
      fragment_.clear();
      out.drop_unit("fragments longer than the AU");
      return;
    }
    fragment_.insert(fragment_.end(), data.begin(), data.end());
    if (fragment_.size() == fragment_size_) {
      fragment_active_ = false;
      emit(Bytes(fragment_), fragment_pts_, out);
      fragment_.clear();
    } else if (packet.marker) {
      fragment_active_ = false;
      fragment_.clear();
      out.drop_unit("last fragment does not complete the AU");
    }
    return;
  }

  std::size_t total = 0;
  for (const AuHeader& h : headers_) total += h.size;
  if (total > data.size()) {
    out.drop_unit("AU sizes exceed the packet");
    return;
  }
  std::size_t at = 0;
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    // AU i starts i AU durations after the packet's timestamp (non-interleaved: consecutive AUs).
    const GstClockTime pts = GST_CLOCK_TIME_IS_VALID(packet.pts)
                                 ? packet.pts + gst_util_uint64_scale_int(i * au_duration_, GST_SECOND,
                                                                          static_cast<int>(clock_rate_))
                                 : GST_CLOCK_TIME_NONE;
    emit(data.subspan(at, headers_[i].size), pts, out);
    at += headers_[i].size;
  }
}

}  // namespace

std::unique_ptr<DepayFormat> make_depay(const DepayContext& context) {
  return std::make_unique<Mp4gDepay>(context);
}

DepayDescriptor depay_descriptor = {
    "rtpmp4gdepay2",
    "GstRtpMp4gDepay2",
    "RTP MPEG-4 generic (AAC) depayloader (rtp2)",
    "Extracts MPEG-4 AAC audio from RTP packets (RFC 3640 mpeg4-generic; interleaving refused)",
    "application/x-rtp, media=(string)audio, clock-rate=(int)[ 1, MAX ], encoding-name=(string)MPEG4-GENERIC",
    "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw",
    make_depay,
    nullptr,
    nullptr,
};

}  // namespace rtsp2::rtp::mp4g
