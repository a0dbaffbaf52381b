#include "h264_depay.hpp"

#include <cstring>
#include <string_view>

#include "../base/gst_ptr.hpp"
#include "h264_nal.hpp"

namespace rtsp2::rtp::h264 {
namespace {

// Bound on one reassembled access unit: a broken or hostile sender cannot make us grow beyond it.
constexpr std::size_t kMaxAuSize = 16 * 1024 * 1024;

enum class Output { kByteStream, kAvc };

// Collects the NALs of one access unit (packets with one RTP timestamp) as 4-byte length + NAL, then
// turns them into the negotiated output once the unit is known complete (marker bit or next timestamp).
class H264Depay final : public DepayFormat {
 public:
  explicit H264Depay(const DepayContext& context) : ctx_(context) {}

  GstCaps* configure(const GstStructure* s, const GstCaps* downstream, std::string& error) override;
  void process(const RtpPacket& packet, DepayOutput& out) override;
  bool on_loss() override;
  void drain(DepayOutput& out) override;
  void reset() override;
  bool has_inter_frames() const override { return true; }

 private:
  void start_au(const RtpPacket& packet);
  void clear_au();
  void finish_au(DepayOutput& out);
  void mark_broken(const char* reason) {
    if (!broken_) broken_ = reason;
  }
  // Appends a complete NAL.
  void append_nal(Bytes nal);
  // Checks done when a NAL begins: `header` and, if present, the first payload byte.
  void note_nal_start(std::uint8_t header, std::optional<std::uint8_t> first_byte);
  void handle_stap(Bytes body);
  void handle_fu(Bytes payload, bool with_don);
  GstCaps* make_caps() const;
  void emit_au(DepayOutput& out);

  DepayContext ctx_;
  Output output_ = Output::kByteStream;
  bool nal_aligned_ = false;
  ParameterSets params_;
  bool params_changed_ = false;  // avc: codec_data must be renegotiated
  bool need_params_ = true;      // byte-stream: first keyframe needs SPS/PPS in front

  // Access unit in progress.
  bool have_au_ = false;
  std::uint32_t au_rtptime_ = 0;
  GstClockTime au_pts_ = GST_CLOCK_TIME_NONE;
  GstClockTime au_dts_ = GST_CLOCK_TIME_NONE;
  ByteVector au_;                        // [4-byte length][NAL]...
  std::vector<std::size_t> nal_starts_;  // offsets of the length fields in au_
  bool keyframe_ = false;
  bool has_sps_ = false;
  bool has_pps_ = false;
  bool vcl_seen_ = false;
  const char* broken_ = nullptr;
  bool fu_active_ = false;
  // After loss (and at start) the first unit must begin cleanly: its first slice must start at macroblock 0.
  bool after_loss_ = true;
  bool warned_mtap_ = false;
};

GstCaps* H264Depay::configure(const GstStructure* s, const GstCaps* downstream, std::string& error) {
  if (const gchar* mode = gst_structure_get_string(s, "packetization-mode");
      mode && std::string_view(mode) == "2") {
    error = "packetization-mode=2 (interleaved) is not supported";
    return nullptr;
  }
  params_.clear();
  if (const gchar* sprop = gst_structure_get_string(s, "sprop-parameter-sets")) parse_sprop(sprop, params_);

  output_ = Output::kByteStream;
  nal_aligned_ = false;
  if (downstream && !gst_caps_is_any(downstream) && !gst_caps_is_empty(downstream)) {
    const GstStructure* d = gst_caps_get_structure(downstream, 0);
    const gchar* format = gst_structure_get_string(d, "stream-format");
    const gchar* align = gst_structure_get_string(d, "alignment");
    if (format && std::string_view(format) == "avc") output_ = Output::kAvc;
    if (align && std::string_view(align) == "nal" && output_ == Output::kByteStream) nal_aligned_ = true;
  }
  params_changed_ = false;
  need_params_ = true;
  return make_caps();
}

GstCaps* H264Depay::make_caps() const {
  if (output_ == Output::kByteStream) {
    return gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "byte-stream", "alignment",
                               G_TYPE_STRING, nal_aligned_ ? "nal" : "au", nullptr);
  }
  GstCaps* caps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                                      G_TYPE_STRING, "au", nullptr);
  ByteVector avcc = build_avcc(params_);
  if (!avcc.empty()) {
    BufferPtr codec_data(gst_buffer_new_memdup(avcc.data(), avcc.size()));
    gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, codec_data.get(), nullptr);
  }
  return caps;
}

void H264Depay::start_au(const RtpPacket& packet) {
  have_au_ = true;
  au_rtptime_ = packet.rtptime;
  au_pts_ = packet.pts;
  au_dts_ = packet.dts;
}

void H264Depay::clear_au() {
  have_au_ = false;
  au_.clear();
  nal_starts_.clear();
  keyframe_ = has_sps_ = has_pps_ = vcl_seen_ = false;
  broken_ = nullptr;
  fu_active_ = false;
}

void H264Depay::note_nal_start(std::uint8_t header, std::optional<std::uint8_t> first_byte) {
  if (header & 0x80) {
    mark_broken("NAL with forbidden_zero_bit set");
    return;
  }
  const std::uint8_t type = nal_type(header);
  if (type == kIdr) keyframe_ = true;
  if (type == kSps) has_sps_ = true;
  if (type == kPps) has_pps_ = true;
  if (is_vcl(type) && !vcl_seen_) {
    vcl_seen_ = true;
    // first_mb_in_slice is the first ue(v) of the slice header: it is 0 iff the first bit is 1.
    if (after_loss_ && first_byte && !(*first_byte & 0x80)) mark_broken("access unit lost its first slice");
  }
}

void H264Depay::append_nal(Bytes nal) {
  if (broken_) return;
  if (au_.size() + 4 + nal.size() > kMaxAuSize) {
    mark_broken("access unit larger than the reassembly limit");
    return;
  }
  note_nal_start(nal[0], nal.size() > 1 ? std::optional<std::uint8_t>(nal[1]) : std::nullopt);
  if (broken_) return;
  if (params_.store(nal)) params_changed_ = true;
  nal_starts_.push_back(au_.size());
  const std::uint32_t len = static_cast<std::uint32_t>(nal.size());
  const std::uint8_t prefix[4] = {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                                  static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len)};
  au_.insert(au_.end(), prefix, prefix + 4);
  au_.insert(au_.end(), nal.begin(), nal.end());
}

void H264Depay::handle_stap(Bytes body) {
  while (!body.empty() && !broken_) {
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

void H264Depay::handle_fu(Bytes payload, bool with_don) {
  if (payload.size() < 2) {
    mark_broken("truncated FU header");
    return;
  }
  const std::uint8_t fu_header = payload[1];
  const bool start = fu_header & 0x80;
  const bool end = fu_header & 0x40;
  Bytes data = payload.subspan(2);
  if (start) {
    if (fu_active_) mark_broken("FU start before the previous FU ended");
    if (with_don) {
      if (data.size() < 2) {
        mark_broken("truncated FU-B");
        return;
      }
      data = data.subspan(2);
    }
    if (broken_) return;
    const std::uint8_t header = static_cast<std::uint8_t>((payload[0] & 0xe0) | (fu_header & 0x1f));
    note_nal_start(header, data.empty() ? std::nullopt : std::optional<std::uint8_t>(data[0]));
    if (broken_) return;
    if (au_.size() + 5 + data.size() > kMaxAuSize) {
      mark_broken("access unit larger than the reassembly limit");
      return;
    }
    nal_starts_.push_back(au_.size());
    au_.insert(au_.end(), {0, 0, 0, 0, header});
    fu_active_ = true;
  } else if (!fu_active_) {
    mark_broken("FU fragment without its start");
    return;
  }
  if (broken_) return;
  if (au_.size() + data.size() > kMaxAuSize) {
    mark_broken("access unit larger than the reassembly limit");
    return;
  }
  au_.insert(au_.end(), data.begin(), data.end());
  if (end) {
    fu_active_ = false;
    const std::size_t at = nal_starts_.back();
    const std::size_t len = au_.size() - at - 4;
    au_[at] = static_cast<std::uint8_t>(len >> 24);
    au_[at + 1] = static_cast<std::uint8_t>(len >> 16);
    au_[at + 2] = static_cast<std::uint8_t>(len >> 8);
    au_[at + 3] = static_cast<std::uint8_t>(len);
    if (params_.store(Bytes(au_).subspan(at + 4, len))) params_changed_ = true;
  }
}

void H264Depay::process(const RtpPacket& packet, DepayOutput& out) {
  if (have_au_ && packet.rtptime != au_rtptime_) finish_au(out);  // the sender set no marker
  if (!have_au_) start_au(packet);

  const Bytes payload = packet.payload;
  if (payload.empty()) {
    mark_broken("empty RTP payload");
  } else if (!broken_) {
    const std::uint8_t type = nal_type(payload[0]);
    if (fu_active_ && type != kFuA) mark_broken("FU interrupted by another packet type");
    switch (type) {
      case kStapA:
        handle_stap(payload.subspan(1));
        break;
      case kStapB:
        // Only for interleaved mode; our NALs go out in transmission order, so the DON is skipped.
        if (payload.size() < 3) {
          mark_broken("truncated STAP-B");
        } else {
          handle_stap(payload.subspan(3));
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
        handle_fu(payload, false);
        break;
      case kFuB:
        handle_fu(payload, true);
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
  if (packet.marker) finish_au(out);
}

void H264Depay::finish_au(DepayOutput& out) {
  if (!have_au_) return;
  if (fu_active_) mark_broken("access unit ended inside an FU");
  if (broken_) {
    out.drop_unit(broken_);
    clear_au();
    return;
  }
  if (!nal_starts_.empty()) emit_au(out);
  clear_au();
}

void H264Depay::emit_au(DepayOutput& out) {
  if (output_ == Output::kAvc) {
    if (params_changed_ || need_params_) {
      if (!params_.complete()) {
        out.drop_unit("avc output needs SPS and PPS, none seen yet");
        return;
      }
      out.set_caps(make_caps());
      params_changed_ = false;
      need_params_ = false;
    }
  }
  const bool prepend_params = output_ == Output::kByteStream && need_params_ && keyframe_ &&
                              !(has_sps_ && has_pps_) && params_.complete();
  if (output_ == Output::kByteStream && keyframe_) need_params_ = false;

  // Size of the output: avc drops SPS/PPS (they live in codec_data), byte-stream may add the stored ones.
  std::size_t size = 0;
  auto keep = [this](std::size_t at) {
    const std::uint8_t type = nal_type(au_[at + 4]);
    return output_ == Output::kByteStream || (type != kSps && type != kPps);
  };
  for (std::size_t k = 0; k < nal_starts_.size(); ++k) {
    const std::size_t at = nal_starts_[k];
    const std::size_t next = k + 1 < nal_starts_.size() ? nal_starts_[k + 1] : au_.size();
    if (keep(at)) size += next - at;
  }
  std::vector<const ByteVector*> extra;
  if (prepend_params) {
    for (const auto& [id, nal] : params_.sps) extra.push_back(&nal);
    for (const auto& [id, nal] : params_.pps) extra.push_back(&nal);
    for (const ByteVector* nal : extra) size += 4 + nal->size();
  }
  if (size == 0) return;

  static constexpr std::uint8_t kStartCode[4] = {0, 0, 0, 1};
  auto write_prefix = [this](std::uint8_t* w, std::size_t len) {
    if (output_ == Output::kByteStream) {
      std::memcpy(w, kStartCode, 4);
    } else {
      w[0] = static_cast<std::uint8_t>(len >> 24);
      w[1] = static_cast<std::uint8_t>(len >> 16);
      w[2] = static_cast<std::uint8_t>(len >> 8);
      w[3] = static_cast<std::uint8_t>(len);
    }
  };

  auto stamp = [this](GstBuffer* b) {
    GST_BUFFER_PTS(b) = au_pts_;
    GST_BUFFER_DTS(b) = au_dts_;
  };

  if (!nal_aligned_) {
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
      gst_buffer_unref(buffer);
      return;
    }
    std::uint8_t* w = map.data;
    for (const ByteVector* nal : extra) {
      write_prefix(w, nal->size());
      std::memcpy(w + 4, nal->data(), nal->size());
      w += 4 + nal->size();
    }
    for (std::size_t k = 0; k < nal_starts_.size(); ++k) {
      const std::size_t at = nal_starts_[k];
      const std::size_t next = k + 1 < nal_starts_.size() ? nal_starts_[k + 1] : au_.size();
      if (!keep(at)) continue;
      write_prefix(w, next - at - 4);
      std::memcpy(w + 4, au_.data() + at + 4, next - at - 4);
      w += next - at;
    }
    gst_buffer_unmap(buffer, &map);
    stamp(buffer);
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_MARKER);
    if (!keyframe_) GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    out.emit(buffer, keyframe_);
  } else {
    GstBufferList* list = gst_buffer_list_new_sized(nal_starts_.size() + extra.size());
    auto add = [&](const std::uint8_t* nal, std::size_t len) {
      GstBuffer* b = gst_buffer_new_allocate(nullptr, len + 4, nullptr);
      GstMapInfo map;
      if (gst_buffer_map(b, &map, GST_MAP_WRITE)) {
        write_prefix(map.data, len);
        std::memcpy(map.data + 4, nal, len);
        gst_buffer_unmap(b, &map);
      }
      stamp(b);
      if (!keyframe_) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
      gst_buffer_list_add(list, b);
    };
    for (const ByteVector* nal : extra) add(nal->data(), nal->size());
    for (std::size_t k = 0; k < nal_starts_.size(); ++k) {
      const std::size_t at = nal_starts_[k];
      const std::size_t next = k + 1 < nal_starts_.size() ? nal_starts_[k + 1] : au_.size();
      add(au_.data() + at + 4, next - at - 4);
    }
    // h264parse and decoders read the marker flag as "last NAL of the access unit".
    GST_BUFFER_FLAG_SET(gst_buffer_list_get_writable(list, gst_buffer_list_length(list) - 1),
                        GST_BUFFER_FLAG_MARKER);
    out.emit_list(list, keyframe_);
  }
  after_loss_ = false;
}

bool H264Depay::on_loss() {
  const bool had = have_au_ && (!nal_starts_.empty() || broken_);
  clear_au();
  after_loss_ = true;
  // The lost packets may have held parameter sets: byte-stream output puts the stored ones in front of
  // the next IDR that lacks them.
  need_params_ = true;
  return had;
}

void H264Depay::drain(DepayOutput& out) {
  // At EOS a unit without marker is as complete as it will get, unless an FU is open.
  if (have_au_) finish_au(out);
}

void H264Depay::reset() {
  clear_au();
  after_loss_ = true;
  need_params_ = true;
}

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
