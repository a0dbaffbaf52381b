#include "nal_pay.hpp"

#include <algorithm>

namespace rtsp2::rtp {

void NalPacketizer::packetize(std::span<const Bytes> nals, PayOutput& out, bool marker_at_end) {
  const std::size_t room = out.max_payload();
  pieces_.assign(1, Bytes{});  // slot for the aggregation header
  sizes_.clear();
  sizes_.reserve(2 * nals.size());  // the pieces point into it: it must not reallocate
  count_ = 0;
  size_ = codec_.aggregate_header_size;
  for (std::size_t k = 0; k < nals.size(); ++k) {
    const Bytes nal = nals[k];
    const bool last = k + 1 == nals.size();
    if (nal.size() < codec_.nal_header_size) continue;
    if (nal.size() > room) {
      flush(out, false);
      fragment(nal, out, last && marker_at_end);
      continue;
    }
    if (count_ > 0 && size_ + 2 + nal.size() > room) flush(out, false);
    const std::size_t at = sizes_.size();
    sizes_.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
    sizes_.push_back(static_cast<std::uint8_t>(nal.size() & 0xff));
    pieces_.push_back(Bytes(sizes_).subspan(at, 2));
    pieces_.push_back(nal);
    codec_.aggregate(header_, nal, count_ == 0);
    ++count_;
    size_ += 2 + nal.size();
  }
  flush(out, marker_at_end);
}

void NalPacketizer::flush(PayOutput& out, bool marker) {
  if (count_ == 1) {
    out.add_packet({pieces_[2]}, marker);
  } else if (count_ > 1) {
    pieces_[0] = Bytes(header_, codec_.aggregate_header_size);
    out.add_packet(std::span<const Bytes>(pieces_), marker);
  }
  pieces_.resize(1);
  count_ = 0;
  size_ = codec_.aggregate_header_size;
}

void NalPacketizer::fragment(Bytes nal, PayOutput& out, bool marker) {
  const std::size_t chunk = out.max_payload() - codec_.fu_header_size;
  Bytes rest = nal.subspan(codec_.nal_header_size);
  std::uint8_t header[4];
  bool first = true;
  while (!rest.empty()) {
    const std::size_t n = std::min(chunk, rest.size());
    const bool last = n == rest.size();
    codec_.fu(header, nal, first, last);
    out.add_packet({Bytes(header, codec_.fu_header_size), rest.first(n)}, last && marker);
    rest = rest.subspan(n);
    first = false;
  }
}

}  // namespace rtsp2::rtp

namespace rtsp2::rtp {

namespace {
enum { PROP_CONFIG_INTERVAL };
}  // namespace

void NalPay::set_property(guint id, const GValue* value) {
  if (id == PROP_CONFIG_INTERVAL) config_interval_ = g_value_get_int(value);
}

void NalPay::get_property(guint id, GValue* value) const {
  if (id == PROP_CONFIG_INTERVAL) g_value_set_int(value, config_interval_);
}

void NalPay::install_config_interval(GObjectClass* klass, guint first_id, const char* nick,
                                     const char* blurb) {
  g_object_class_install_property(klass, first_id + PROP_CONFIG_INTERVAL,
                                  g_param_spec_int("config-interval", nick, blurb, -1, 3600, 0,
                                                   GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)));
}

void NalPay::send_access_unit(GstBuffer* input, const AccessUnit& au, PayOutput& out) {
  if (nals_.empty()) return;
  if (au.sets_changed) {
    GstPtr<GstStructure> fields(caps_fields());
    out.update_caps(fields.get());
  }
  const GstClockTime pts = GST_BUFFER_PTS(input);
  const int interval = config_interval_;
  if (au.keyframe && au.carries_sets) {
    last_config_ = pts;
  } else if (au.keyframe && interval != 0 && parameter_sets_complete()) {
    const bool due = interval < 0 || !GST_CLOCK_TIME_IS_VALID(last_config_) ||
                     !GST_CLOCK_TIME_IS_VALID(pts) ||
                     pts >= last_config_ + static_cast<GstClockTime>(interval) * GST_SECOND;
    if (due) {
      // In front of the access unit, after an access unit delimiter if there is one.
      const std::size_t at = is_access_unit_delimiter(nals_[0]) ? 1 : 0;
      const std::vector<Bytes> sets = parameter_sets();
      nals_.insert(nals_.begin() + static_cast<std::ptrdiff_t>(at), sets.begin(), sets.end());
      last_config_ = pts;
    }
  }
  // An input with alignment=au is a whole access unit; with alignment=nal the parser marks the last NAL.
  const bool marker = !nal_input_ || GST_BUFFER_FLAG_IS_SET(input, GST_BUFFER_FLAG_MARKER);
  packetizer_.packetize(nals_, out, marker);
}

}  // namespace rtsp2::rtp
