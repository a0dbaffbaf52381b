#include "sink_stream.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace rtsp2::sink {

namespace {

// RTP header fields and the start of the payload, read with gst_buffer_extract: payloaders build packets from
// several memories (header, then the input's), and mapping the whole buffer would merge them into a copy.
struct RtpView {
  bool valid = false;
  bool marker = false;
  std::uint32_t rtp_time = 0;
  std::uint32_t ssrc = 0;
  std::size_t payload_offset = 0;
  std::size_t payload_size = 0;
  std::array<std::uint8_t, 256> head{};
  std::size_t head_size = 0;
};

void read_rtp(GstBuffer* buffer, RtpView& v) {
  const std::size_t size = gst_buffer_get_size(buffer);
  v.head_size = gst_buffer_extract(buffer, 0, v.head.data(), std::min(size, v.head.size()));
  const auto* h = v.head.data();
  if (v.head_size < 12 || (h[0] >> 6) != 2) return;
  std::size_t off = 12 + 4 * std::size_t(h[0] & 0x0f);
  if ((h[0] & 0x10) != 0) {  // header extension: 2 bytes profile, 2 bytes length in words
    if (off + 4 > v.head_size) return;
    off += 4 + 4 * ((std::size_t(h[off + 2]) << 8) | h[off + 3]);
  }
  std::size_t padding = 0;
  if ((h[0] & 0x20) != 0 && size > 0) {
    std::uint8_t last = 0;
    gst_buffer_extract(buffer, size - 1, &last, 1);
    padding = last;
  }
  if (off + padding > size) return;
  v.marker = (h[1] & 0x80) != 0;
  v.rtp_time = (std::uint32_t(h[4]) << 24) | (std::uint32_t(h[5]) << 16) | (std::uint32_t(h[6]) << 8) | h[7];
  v.ssrc = (std::uint32_t(h[8]) << 24) | (std::uint32_t(h[9]) << 16) | (std::uint32_t(h[10]) << 8) | h[11];
  v.payload_offset = off;
  v.payload_size = size - off - padding;
  v.valid = true;
}

}  // namespace

SinkStream::SinkStream(unsigned index, StreamListener& listener, std::atomic<std::uint64_t>& order_counter)
    : index_(index), listener_(listener), order_counter_(order_counter) {}

void SinkStream::set_limits(std::chrono::nanoseconds max_queue_time, std::size_t hard_cap_bytes) {
  std::lock_guard lock(mutex_);
  max_queue_us_ = std::chrono::duration_cast<std::chrono::microseconds>(max_queue_time).count();
  hard_cap_ = std::max<std::size_t>(hard_cap_bytes, 64 * 1024);
  cv_.notify_all();
}

void SinkStream::set_caps(const GstCaps* rtp_caps) {
  const GstStructure* s = gst_caps_get_structure(rtp_caps, 0);
  const gchar* media = gst_structure_get_string(s, "media");
  const gchar* encoding = gst_structure_get_string(s, "encoding-name");
  CharPtr text(gst_caps_to_string(rtp_caps));
  std::lock_guard lock(mutex_);
  caps_ = text.get();
  video_ = media != nullptr && g_str_equal(media, "video");
  key_codec_ = key_codec_for(media != nullptr ? media : "", encoding != nullptr ? encoding : "");
}

std::string SinkStream::caps_string() const {
  std::lock_guard lock(mutex_);
  return caps_;
}

bool SinkStream::ready() const {
  std::lock_guard lock(mutex_);
  return ready_;
}

bool SinkStream::is_eos() const {
  std::lock_guard lock(mutex_);
  return eos_;
}

void SinkStream::mark_ready() {
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    if (!ready_) first = ready_ = true;
  }
  if (first) listener_.stream_ready(index_);
}

GstFlowReturn SinkStream::push(GstBuffer* packet) {
  mark_ready();
  return add_packet(packet, g_get_monotonic_time());
}

GstFlowReturn SinkStream::resume() {
  return commit_closed(g_get_monotonic_time());
}

GstFlowReturn SinkStream::add_packet(GstBuffer* packet, std::int64_t now_us) {
  RtpView v;
  read_rtp(packet, v);
  KeyCodec codec;
  bool video;
  {
    std::lock_guard lock(mutex_);
    counters_.packets_in++;
    counters_.bytes_in += gst_buffer_get_size(packet);
    if (!v.valid) {
      counters_.invalid_packets++;
      return GST_FLOW_OK;
    }
    codec = key_codec_;
    video = video_;
  }
  const std::size_t avail = v.head_size > v.payload_offset ? v.head_size - v.payload_offset : 0;
  const std::span<const std::uint8_t> head(v.head.data() + std::min(v.payload_offset, v.head_size),
                                           std::min(avail, v.payload_size));
  const bool key = packet_is_key(codec, head, GST_BUFFER_FLAG_IS_SET(packet, GST_BUFFER_FLAG_DELTA_UNIT));

  OutPacket p;
  p.buffer = ref_buffer(packet);
  p.size = std::uint32_t(gst_buffer_get_size(packet));
  p.payload_size = std::uint32_t(v.payload_size);
  p.rtp_time = v.rtp_time;
  p.ssrc = v.ssrc;

  // Video units end at the marker bit; a new timestamp also ends one whose marker got lost. Every other
  // packet is a unit of its own.
  if (!open_.packets.empty() && v.rtp_time != open_.rtp_time) close_open_unit();
  if (open_.packets.empty()) open_.rtp_time = v.rtp_time;
  open_.key = open_.key || key || !video;
  open_.packets.push_back(std::move(p));
  if (!video || v.marker) close_open_unit();
  return commit_closed(now_us);
}

void SinkStream::close_open_unit() {
  if (open_.packets.empty()) return;
  open_.packets.front().unit_start = true;
  for (auto& p : open_.packets) p.key = open_.key;
  closed_.push_back(std::move(open_));
  open_ = Unit{};
}

GstFlowReturn SinkStream::commit_closed(std::int64_t now_us) {
  while (!closed_.empty()) {
    GstFlowReturn ret = commit_unit(closed_.front(), now_us);
    if (ret == GST_FLOW_FLUSHING) return ret;  // kept for resume()
    closed_.pop_front();
    if (ret != GST_FLOW_OK) {
      closed_.clear();
      return ret;
    }
  }
  return GST_FLOW_OK;
}

bool SinkStream::full_locked(std::int64_t now_us) const {
  if (bytes_ >= hard_cap_) return true;
  if (mode_ == StreamMode::Holding) return false;
  return !queue_.empty() && now_us - queue_.front().queued_us >= max_queue_us_;
}

void SinkStream::enqueue_locked(Unit& unit, std::int64_t now_us, bool* became_non_empty) {
  *became_non_empty = queue_.empty();
  for (auto& p : unit.packets) {
    p.order = order_counter_.fetch_add(1, std::memory_order_relaxed);
    p.queued_us = now_us;
    bytes_ += p.size;
    queue_.push_back(std::move(p));
  }
  if (unit.key) need_key_ = false;
  counters_.queued_bytes = bytes_;
  counters_.max_queued_bytes = std::max<std::uint64_t>(counters_.max_queued_bytes, bytes_);
}

void SinkStream::drop_unit_locked(const Unit& unit) {
  counters_.dropped_units++;
  counters_.dropped_packets += unit.packets.size();
}

void SinkStream::pop_front_unit_locked() {
  bool first = true;
  while (!queue_.empty() && (first || !queue_.front().unit_start)) {
    bytes_ -= queue_.front().size;
    counters_.dropped_packets++;
    if (queue_.front().unit_start) counters_.dropped_units++;
    queue_.pop_front();
    first = false;
  }
  counters_.queued_bytes = bytes_;
}

void SinkStream::trim_for_reconnect_locked(std::int64_t now_us) {
  while (!queue_.empty() && (bytes_ > hard_cap_ || now_us - queue_.front().queued_us > max_queue_us_)) {
    pop_front_unit_locked();
  }
  // What reaches the new session starts with a whole unit, for video a key one.
  while (!queue_.empty() && !(queue_.front().unit_start && (queue_.front().key || !video_))) {
    pop_front_unit_locked();
  }
  if (queue_.empty() && video_) need_key_ = true;
}

GstFlowReturn SinkStream::commit_unit(Unit& unit, std::int64_t now_us) {
  bool became_non_empty = false;
  std::string dropping_reason;
  {
    std::unique_lock lock(mutex_);
    for (bool done = false; !done;) {
      if (flushing_) return GST_FLOW_FLUSHING;
      switch (mode_) {
        case StreamMode::Failed:
          return GST_FLOW_ERROR;
        case StreamMode::Holding: {
          if (bytes_ < hard_cap_) {
            enqueue_locked(unit, now_us, &became_non_empty);
            done = true;
            break;
          }
          waiters_++;
          cv_.wait(lock);
          waiters_--;
          now_us = g_get_monotonic_time();
          break;  // look again: flushing, mode or room may have changed
        }
        case StreamMode::Reconnecting: {
          if (video_ && need_key_ && !unit.key) {
            drop_unit_locked(unit);
            return GST_FLOW_OK;
          }
          enqueue_locked(unit, now_us, &became_non_empty);
          trim_for_reconnect_locked(now_us);
          became_non_empty = became_non_empty && !queue_.empty();
          done = true;
          break;
        }
        case StreamMode::Sending: {
          if (dropping_) {
            if (full_locked(now_us) || (video_ && !unit.key)) {
              drop_unit_locked(unit);
              return GST_FLOW_OK;
            }
            dropping_ = false;
          } else if (video_ && need_key_ && !unit.key) {
            drop_unit_locked(unit);
            return GST_FLOW_OK;
          } else if (full_locked(now_us)) {
            // Back-pressure: the server is slower than the stream. Wait up to max-queue-time for room.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(max_queue_us_);
            waiters_++;
            while (!flushing_ && mode_ == StreamMode::Sending && full_locked(g_get_monotonic_time())) {
              if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
            }
            waiters_--;
            now_us = g_get_monotonic_time();
            if (flushing_ || mode_ != StreamMode::Sending) break;  // look again in the new situation
            if (full_locked(now_us)) {
              dropping_ = true;
              need_key_ = video_;
              counters_.drop_bursts++;
              drop_unit_locked(unit);
              dropping_reason = "the server does not take the data fast enough: dropping " +
                                std::string(video_ ? "frames until the next key frame" : "packets") +
                                " after waiting " + std::to_string(max_queue_us_ / 1000) + " ms";
              done = true;
              break;
            }
          }
          enqueue_locked(unit, now_us, &became_non_empty);
          done = true;
          break;
        }
      }
    }
  }
  if (!dropping_reason.empty()) listener_.stream_dropping(index_, dropping_reason);
  if (became_non_empty) listener_.stream_data(index_);
  return GST_FLOW_OK;
}

void SinkStream::end_of_stream() {
  close_open_unit();
  commit_closed(g_get_monotonic_time());
  bool first = false;
  {
    std::lock_guard lock(mutex_);
    eos_ = true;
    if (!ready_) first = ready_ = true;
  }
  if (first) listener_.stream_ready(index_);
  listener_.stream_eos(index_);
}

bool SinkStream::wait_finished() {
  std::unique_lock lock(mutex_);
  waiters_++;
  cv_.wait(lock, [&] { return finished_ || flushing_ || mode_ == StreamMode::Failed; });
  waiters_--;
  return finished_ || mode_ == StreamMode::Failed;
}

void SinkStream::set_flushing(bool flushing) {
  std::lock_guard lock(mutex_);
  flushing_ = flushing;
  cv_.notify_all();
}

void SinkStream::reset() {
  std::lock_guard lock(mutex_);
  queue_.clear();
  bytes_ = 0;
  eos_ = false;
  finished_ = false;
  dropping_ = false;
  need_key_ = false;
  mode_ = StreamMode::Holding;
  counters_.queued_bytes = 0;
  open_ = Unit{};
  closed_.clear();
  cv_.notify_all();
}

void SinkStream::set_mode(StreamMode mode) {
  std::lock_guard lock(mutex_);
  if (mode == StreamMode::Reconnecting && mode_ != StreamMode::Reconnecting) {
    dropping_ = false;
    trim_for_reconnect_locked(g_get_monotonic_time());
  }
  mode_ = mode;
  cv_.notify_all();
}

StreamMode SinkStream::mode() const {
  std::lock_guard lock(mutex_);
  return mode_;
}

std::uint64_t SinkStream::front_order() const {
  std::lock_guard lock(mutex_);
  return queue_.empty() ? UINT64_MAX : queue_.front().order;
}

bool SinkStream::pop(OutPacket& out) {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return false;
  out = std::move(queue_.front());
  queue_.pop_front();
  bytes_ -= out.size;
  counters_.queued_bytes = bytes_;
  counters_.sent_packets++;
  counters_.sent_bytes += out.size;
  if (waiters_ > 0) cv_.notify_all();
  return true;
}

std::size_t SinkStream::queued_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

bool SinkStream::drained() const {
  std::lock_guard lock(mutex_);
  return eos_ && queue_.empty();
}

void SinkStream::finish() {
  std::lock_guard lock(mutex_);
  finished_ = true;
  cv_.notify_all();
}

StreamCounters SinkStream::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace rtsp2::sink
