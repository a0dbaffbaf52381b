// A stream's output for the native receive path when the worker must not push it itself: several streams, a
// shared worker thread, a downstream that held the worker, a paused pipeline (native_receive_path.cpp).
//
// With one thread for all streams, a downstream element that holds one stream's push until another stream
// delivers (decodebin/playbin waiting for every pad, a collectpads muxer such as matroskamux) would wait for
// data that the same, blocked thread should read: a deadlock. So with two or more streams the worker only
// queues each stream's lists and events here, and a thread of the process-wide OutputPool pushes them, one
// stream at a time on at most one thread, in order; the worker never blocks on downstream. Otherwise a single
// stream keeps pushing on the worker.
//
//   worker ──push_list / push_event──▶ bounded FIFO ──schedule──▶ OutputPool thread: gst_pad_push_list /
//   _event
//          ◀── last_flow() ───────────────────────────────────────┘ (EOS, not-linked, errors for the worker)
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "output_pool.hpp"

namespace rtsp2 {

class StreamOutput final : private OutputPool::Job {
 public:
  // `max_buffers`: what may wait in the FIFO; beyond it a new list is dropped (counted), never the worker
  // blocked.
  StreamOutput(GstPad* pad, std::size_t max_buffers);
  // Waits for a push in progress to return (deactivate the pad first: a flushing pad returns at once); what
  // is still queued is dropped.
  ~StreamOutput();
  StreamOutput(const StreamOutput&) = delete;
  StreamOutput& operator=(const StreamOutput&) = delete;

  // Runs `fn` on the pool thread before it pushes the next item (the pad's pad-added: an application's
  // handler then holds that thread, not the worker, which may serve other elements too).
  void announce(std::function<void()> fn);
  // Takes ownership. False (and the list is dropped) when the FIFO is full.
  bool push_list(GstBufferList* list);
  void push_event(GstEvent* event);
  // Drops everything queued (a flushing seek; the caller pushes flush-start itself, which unblocks a push in
  // progress).
  void clear();
  GstFlowReturn last_flow() const { return last_flow_.load(); }
  void reset_flow() { last_flow_.store(GST_FLOW_OK); }
  std::uint64_t dropped_buffers() const { return dropped_.load(); }
  // Buffers queued, not yet taken by a pool thread. Any thread.
  std::size_t queued_buffers() const { return queued_buffers_.load(std::memory_order_relaxed); }

 private:
  bool enqueue(GstMiniObject* item);  // with mutex_ held; true: the caller schedules the stream
  void claim() override;
  void run_queued() override;

  GstPad* pad_;
  std::size_t max_buffers_;
  std::mutex mutex_;
  std::condition_variable idle_;  // signalled when a pool thread stops running this stream
  std::deque<GstMiniObject*> queue_;
  std::function<void()> announce_;              // before the next item
  std::atomic<std::size_t> queued_buffers_{0};  // written with mutex_ held
  bool scheduled_ = false;                      // in the pool's FIFO or running on a pool thread
  bool running_ = false;                        // on a pool thread
  bool stopping_ = false;
  std::atomic<GstFlowReturn> last_flow_{GST_FLOW_OK};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace rtsp2
