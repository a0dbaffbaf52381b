#include "event_queue.hpp"

#include <cstring>
#include <utility>

namespace rtsp2::core {

std::optional<Event> EventQueue::poll() {
  if (empty()) return std::nullopt;
  Event e = std::move(events_[head_++]);
  if (head_ == events_.size()) {
    events_.clear();  // keeps the storage for the next events
    head_ = 0;
  } else if (head_ >= 64 && head_ * 2 >= events_.size()) {
    // A caller that never drains completely: drop the polled prefix now and then (amortised O(1) per event).
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  return e;
}

void EventQueue::keep_queued_frames() {
  std::size_t total = 0;
  for (std::size_t i = head_; i < events_.size(); ++i) {
    if (auto* f = std::get_if<event::Interleaved>(&events_[i])) total += f->payload.size();
  }
  std::unique_ptr<std::uint8_t[]> kept;
  if (total > 0) kept = std::make_unique_for_overwrite<std::uint8_t[]>(total);
  std::size_t at = 0;
  for (std::size_t i = head_; i < events_.size(); ++i) {
    auto* f = std::get_if<event::Interleaved>(&events_[i]);
    if (f == nullptr) continue;
    if (f->payload.empty()) {
      f->payload = {};  // no bytes, but no pointer into memory about to go either
      continue;
    }
    std::memcpy(kept.get() + at, f->payload.data(), f->payload.size());
    f->payload = {kept.get() + at, f->payload.size()};
    at += f->payload.size();
  }
  // Only now: a queued frame copied by an earlier call may have been viewing the old copies.
  kept_ = std::move(kept);
}

}  // namespace rtsp2::core
