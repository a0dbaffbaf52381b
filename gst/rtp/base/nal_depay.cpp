#include "nal_depay.hpp"

#include <cstring>
#include <string_view>

#include "gst_ptr.hpp"

namespace rtsp2::rtp {
namespace {

// Bound on one reassembled access unit: a broken or hostile sender cannot make us grow beyond it.
constexpr std::size_t kMaxAuSize = 16 * 1024 * 1024;

void put_be32(std::uint8_t* w, std::size_t v) {
  w[0] = static_cast<std::uint8_t>(v >> 24);
  w[1] = static_cast<std::uint8_t>(v >> 16);
  w[2] = static_cast<std::uint8_t>(v >> 8);
  w[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

GstCaps* NalDepay::configure(const GstStructure* s, const GstCaps* downstream, std::string& error) {
  reset_codec();
  if (!configure_codec(s, error)) return nullptr;
  length_prefixed_ = false;
  length_format_ = nullptr;
  nal_aligned_ = false;
  if (downstream && !gst_caps_is_any(downstream) && !gst_caps_is_empty(downstream)) {
    const GstStructure* d = gst_caps_get_structure(downstream, 0);
    const gchar* format = gst_structure_get_string(d, "stream-format");
    const gchar* align = gst_structure_get_string(d, "alignment");
    for (const char* name : {names_.length_prefixed, names_.length_prefixed_alt}) {
      if (name && format && std::string_view(format) == name) {
        length_prefixed_ = true;
        length_format_ = name;
      }
    }
    if (align && std::string_view(align) == "nal" && !length_prefixed_) nal_aligned_ = true;
  }
  params_changed_ = false;
  need_params_ = true;
  return make_caps();
}

GstCaps* NalDepay::make_caps() const {
  if (!length_prefixed_) {
    return gst_caps_new_simple(names_.media_type, "stream-format", G_TYPE_STRING, "byte-stream", "alignment",
                               G_TYPE_STRING, nal_aligned_ ? "nal" : "au", nullptr);
  }
  GstCaps* caps = gst_caps_new_simple(names_.media_type, "stream-format", G_TYPE_STRING, length_format_,
                                      "alignment", G_TYPE_STRING, "au", nullptr);
  const std::vector<std::uint8_t> cd = codec_data();
  if (!cd.empty()) {
    BufferPtr buffer(gst_buffer_new_memdup(cd.data(), cd.size()));
    gst_caps_set_simple(caps, "codec_data", GST_TYPE_BUFFER, buffer.get(), nullptr);
  }
  return caps;
}

void NalDepay::start_au(const RtpPacket& packet) {
  have_au_ = true;
  au_rtptime_ = packet.rtptime;
  au_pts_ = packet.pts;
  au_dts_ = packet.dts;
}

void NalDepay::clear_au() {
  have_au_ = false;
  au_.clear();
  nal_starts_.clear();
  nal_is_param_.clear();
  keyframe_ = has_params_ = vcl_seen_ = false;
  broken_ = nullptr;
  fu_active_ = false;
}

bool NalDepay::note_nal_start(Bytes nal_start) {
  const NalClass c = classify(nal_start);
  if (c.forbidden) {
    mark_broken("NAL with forbidden_zero_bit set");
    return false;
  }
  keyframe_ |= c.keyframe;
  has_params_ |= c.parameter_set;
  if (c.vcl && !vcl_seen_) {
    vcl_seen_ = true;
    if (after_loss_ && !c.first_slice) {
      mark_broken("access unit lost its first slice");
      return false;
    }
  }
  nal_is_param_.push_back(c.parameter_set);
  return true;
}

void NalDepay::complete_nal(std::size_t index) {
  if (!nal_is_param_[index]) return;
  const std::size_t at = nal_starts_[index];
  const std::size_t end = index + 1 < nal_starts_.size() ? nal_starts_[index + 1] : au_.size();
  if (store_parameter_set(Bytes(au_).subspan(at + 4, end - at - 4))) params_changed_ = true;
}

void NalDepay::append_nal(Bytes nal) {
  if (broken_) return;
  if (au_.size() + 4 + nal.size() > kMaxAuSize) {
    mark_broken("access unit larger than the reassembly limit");
    return;
  }
  if (!note_nal_start(nal)) return;
  nal_starts_.push_back(au_.size());
  au_.resize(au_.size() + 4);
  put_be32(au_.data() + nal_starts_.back(), nal.size());
  au_.insert(au_.end(), nal.begin(), nal.end());
  complete_nal(nal_starts_.size() - 1);
}

void NalDepay::fu_start(Bytes header, Bytes data) {
  if (fu_active_) mark_broken("FU start before the previous FU ended");
  if (broken_) return;
  if (au_.size() + 4 + header.size() + data.size() > kMaxAuSize) {
    mark_broken("access unit larger than the reassembly limit");
    return;
  }
  // Classify from the header and the first payload bytes (enough for the first-slice flag).
  std::uint8_t start[8];
  const std::size_t n = std::min(sizeof(start), header.size() + data.size());
  std::memcpy(start, header.data(), std::min(n, header.size()));
  if (n > header.size()) std::memcpy(start + header.size(), data.data(), n - header.size());
  if (!note_nal_start(Bytes(start, n))) return;
  nal_starts_.push_back(au_.size());
  au_.resize(au_.size() + 4);
  au_.insert(au_.end(), header.begin(), header.end());
  au_.insert(au_.end(), data.begin(), data.end());
  fu_active_ = true;
}

void NalDepay::fu_data(Bytes data, bool end) {
  if (broken_) return;
  if (!fu_active_) {
    mark_broken("FU fragment without its start");
    return;
  }
  if (au_.size() + data.size() > kMaxAuSize) {
    mark_broken("access unit larger than the reassembly limit");
    return;
  }
  au_.insert(au_.end(), data.begin(), data.end());
  if (end) {
    fu_active_ = false;
    const std::size_t at = nal_starts_.back();
    put_be32(au_.data() + at, au_.size() - at - 4);
    complete_nal(nal_starts_.size() - 1);
  }
}

void NalDepay::process(const RtpPacket& packet, DepayOutput& out) {
  if (have_au_ && packet.rtptime != au_rtptime_) finish_au(out);  // the sender set no marker
  if (!have_au_) start_au(packet);
  if (packet.payload.empty()) {
    mark_broken("empty RTP payload");
  } else if (!broken_) {
    depacketize(packet.payload);
  }
  if (packet.marker) finish_au(out);
}

void NalDepay::finish_au(DepayOutput& out) {
  if (!have_au_) return;
  if (fu_active_) mark_broken("access unit ended inside an FU");
  if (broken_) {
    out.drop_unit(broken_);
  } else if (!nal_starts_.empty()) {
    emit_au(out);
  }
  clear_au();
}

void NalDepay::emit_au(DepayOutput& out) {
  if (length_prefixed_ && (params_changed_ || need_params_)) {
    if (!parameter_sets_complete()) {
      out.drop_unit("length-prefixed output needs the parameter sets, none seen yet");
      return;
    }
    out.set_caps(make_caps());
    params_changed_ = false;
    need_params_ = false;
  }
  std::vector<Bytes> extra;
  if (!length_prefixed_ && keyframe_) {
    if (need_params_ && !has_params_ && parameter_sets_complete()) extra = parameter_sets();
    need_params_ = false;
  }
  // Length-prefixed output carries the parameter sets in codec_data only.
  auto keep = [this](std::size_t k) { return !length_prefixed_ || !nal_is_param_[k]; };
  auto nal_end = [this](std::size_t k) {
    return k + 1 < nal_starts_.size() ? nal_starts_[k + 1] : au_.size();
  };
  static constexpr std::uint8_t kStartCode[4] = {0, 0, 0, 1};
  auto write_prefix = [this](std::uint8_t* w, std::size_t len) {
    if (length_prefixed_) {
      put_be32(w, len);
    } else {
      std::memcpy(w, kStartCode, 4);
    }
  };
  auto stamp = [this](GstBuffer* b) {
    GST_BUFFER_PTS(b) = au_pts_;
    GST_BUFFER_DTS(b) = au_dts_;
    if (!keyframe_) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
  };

  if (!nal_aligned_) {
    std::size_t size = 0;
    for (Bytes nal : extra) size += 4 + nal.size();
    for (std::size_t k = 0; k < nal_starts_.size(); ++k) {
      if (keep(k)) size += nal_end(k) - nal_starts_[k];
    }
    if (size == 0) return;
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
      gst_buffer_unref(buffer);
      return;
    }
    std::uint8_t* w = map.data;
    for (Bytes nal : extra) {
      write_prefix(w, nal.size());
      std::memcpy(w + 4, nal.data(), nal.size());
      w += 4 + nal.size();
    }
    for (std::size_t k = 0; k < nal_starts_.size(); ++k) {
      if (!keep(k)) continue;
      const std::size_t at = nal_starts_[k];
      const std::size_t len = nal_end(k) - at - 4;
      write_prefix(w, len);
      std::memcpy(w + 4, au_.data() + at + 4, len);
      w += 4 + len;
    }
    gst_buffer_unmap(buffer, &map);
    stamp(buffer);
    GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_MARKER);
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
      gst_buffer_list_add(list, b);
    };
    for (Bytes nal : extra) add(nal.data(), nal.size());
    for (std::size_t k = 0; k < nal_starts_.size(); ++k) {
      add(au_.data() + nal_starts_[k] + 4, nal_end(k) - nal_starts_[k] - 4);
    }
    // Parsers and decoders read the marker flag as "last NAL of the access unit".
    GST_BUFFER_FLAG_SET(gst_buffer_list_get_writable(list, gst_buffer_list_length(list) - 1),
                        GST_BUFFER_FLAG_MARKER);
    out.emit_list(list, keyframe_);
  }
  after_loss_ = false;
}

bool NalDepay::on_loss() {
  const bool had = have_au_ && (!nal_starts_.empty() || broken_);
  clear_au();
  after_loss_ = true;
  // The lost packets may have held parameter sets: byte-stream output puts the stored ones in front of
  // the next keyframe that lacks them.
  need_params_ = true;
  return had;
}

void NalDepay::drain(DepayOutput& out) {
  // At EOS a unit without marker is as complete as it will get, unless an FU is open.
  if (have_au_) finish_au(out);
}

void NalDepay::reset() {
  clear_au();
  after_loss_ = true;
  need_params_ = true;
}

}  // namespace rtsp2::rtp
