// ClientSession's queue of events not yet polled, and the keeper of the Interleaved payloads' lifetime rule
// (see event::Interleaved in client_session.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "client_session.hpp"

namespace rtsp2::core {

class EventQueue {
 public:
  void push(Event e) { events_.push_back(std::move(e)); }
  std::optional<Event> poll();
  bool empty() const { return head_ == events_.size(); }

  // Call before anything may move or reuse the memory that queued frames' payloads view (the parser's
  // buffer): copies those payloads to storage of the queue's own. Payloads already polled are not touched,
  // and the previous copies are released: their validity ends here.
  void keep_queued_frames();

 private:
  // Unpolled events are [head_, events_.size()). A vector rather than a deque: once drained its storage is
  // reused, so a steady stream of frames allocates nothing (a deque allocates a node every few events, every
  // event for one as large as Event).
  std::vector<Event> events_;
  std::size_t head_ = 0;
  std::unique_ptr<std::uint8_t[]> kept_;  // what keep_queued_frames() copied
};

}  // namespace rtsp2::core
