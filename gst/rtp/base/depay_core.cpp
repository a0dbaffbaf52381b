#include "depay_core.hpp"

namespace rtsp2::rtp {

RtpPacket packet_from_rtp(GstRTPBuffer* rtp) {
  RtpPacket packet;
  // gst_rtp_buffer_map maps the memory holding the header; when the payload lies in that same mapping
  // (a single-memory packet, as udpsrc/rtpjitterbuffer deliver) it is used directly: mapping the
  // payload range again (gst_rtp_buffer_get_payload) costs about a fifth of a depayloader's time.
  const guint header_len = gst_rtp_buffer_get_header_len(rtp);
  const guint payload_len = gst_rtp_buffer_get_payload_len(rtp);
  if (rtp->map[0].size >= std::size_t{header_len} + payload_len) {
    packet.payload = {rtp->map[0].data + header_len, payload_len};
  } else {
    packet.payload = {static_cast<const std::uint8_t*>(gst_rtp_buffer_get_payload(rtp)), payload_len};
  }
  packet.rtptime = gst_rtp_buffer_get_timestamp(rtp);
  packet.ssrc = gst_rtp_buffer_get_ssrc(rtp);
  packet.seq = gst_rtp_buffer_get_seq(rtp);
  packet.marker = gst_rtp_buffer_get_marker(rtp);
  packet.pts = GST_BUFFER_PTS(rtp->buffer);
  packet.dts = GST_BUFFER_DTS(rtp->buffer);
  return packet;
}

GstFlowReturn DepayCore::process(const RtpPacket& packet, bool discont) {
  if (failed_) return GST_FLOW_OK;  // the error is posted; drop the rest quietly
  ++stats_.packets;
  flow_ = GST_FLOW_OK;
  if (!started_) {
    started_ = true;
    waiting_keyframe_ = wait_for_keyframe_ && format_.has_inter_frames();
  }

  if (have_last_) {
    const bool new_source = packet.ssrc != last_ssrc_;
    const bool gap = packet.seq != static_cast<std::uint16_t>(last_seq_ + 1);
    if (new_source || gap || discont) {
      enter_loss();
      // A packet after a gap that carries the timestamp of the last one belongs to the unit that lost
      // packets: skip it and the rest of that unit. A new source starts a new timeline, nothing to skip.
      skipping_ = !new_source;
      skip_rtptime_ = last_rtptime_;
    }
  }
  have_last_ = true;
  last_seq_ = packet.seq;
  last_ssrc_ = packet.ssrc;
  last_rtptime_ = packet.rtptime;

  if (skipping_) {
    if (packet.rtptime == skip_rtptime_) {
      ++stats_.dropped_packets;
      return GST_FLOW_OK;
    }
    skipping_ = false;
  }
  format_.process(packet, *this);
  return flow_;
}

void DepayCore::on_loss() {
  if (failed_) return;
  enter_loss();
  // The lost packets may have belonged to the unit whose packets arrived last.
  if (have_last_) {
    skipping_ = true;
    skip_rtptime_ = last_rtptime_;
  }
}

void DepayCore::enter_loss() {
  ++stats_.losses;
  if (format_.on_loss()) ++stats_.dropped_units;
  after_gap();
}

void DepayCore::after_gap() {
  discont_pending_ = true;
  if (format_.has_inter_frames()) {
    if (wait_for_keyframe_) waiting_keyframe_ = true;
    if (request_keyframe_) {
      ++stats_.keyframe_requests;
      sink_.request_keyframe();
    }
  }
}

GstFlowReturn DepayCore::drain() {
  if (failed_) return GST_FLOW_OK;
  flow_ = GST_FLOW_OK;
  format_.drain(*this);
  return flow_;
}

void DepayCore::reset() {
  format_.reset();
  have_last_ = false;
  skipping_ = false;
  discont_pending_ = true;
  waiting_keyframe_ = false;
  started_ = false;
  warned_ = false;
  failed_ = false;
  flow_ = GST_FLOW_OK;
}

bool DepayCore::admit(bool keyframe) {
  if (waiting_keyframe_) {
    if (!keyframe) {
      ++stats_.dropped_units;
      return false;
    }
    waiting_keyframe_ = false;
  }
  warned_ = false;
  ++stats_.units;
  return true;
}

void DepayCore::emit(GstBuffer* unit, bool keyframe) {
  if (!admit(keyframe) || flow_ != GST_FLOW_OK) {
    gst_buffer_unref(unit);
    return;
  }
  if (discont_pending_) {
    unit = gst_buffer_make_writable(unit);
    GST_BUFFER_FLAG_SET(unit, GST_BUFFER_FLAG_DISCONT);
    discont_pending_ = false;
  }
  flow_ = sink_.push(unit);
}

void DepayCore::emit_list(GstBufferList* unit, bool keyframe) {
  if (gst_buffer_list_length(unit) == 0 || !admit(keyframe) || flow_ != GST_FLOW_OK) {
    gst_buffer_list_unref(unit);
    return;
  }
  if (discont_pending_) {
    unit = gst_buffer_list_make_writable(unit);
    GstBuffer* first = gst_buffer_list_get_writable(unit, 0);
    GST_BUFFER_FLAG_SET(first, GST_BUFFER_FLAG_DISCONT);
    discont_pending_ = false;
  }
  flow_ = sink_.push_list(unit);
}

void DepayCore::drop_unit(const char* reason) {
  ++stats_.dropped_units;
  if (!warned_) {
    warned_ = true;
    sink_.warning(reason);
  }
  after_gap();
}

void DepayCore::set_caps(GstCaps* caps) {
  if (!sink_.set_caps(caps) && flow_ == GST_FLOW_OK) flow_ = GST_FLOW_NOT_NEGOTIATED;
}

void DepayCore::fatal(const char* message) {
  if (failed_) return;
  failed_ = true;
  sink_.error(message);
  flow_ = GST_FLOW_ERROR;
}

}  // namespace rtsp2::rtp
