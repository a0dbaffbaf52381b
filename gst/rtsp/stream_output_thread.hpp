// A stream's own streaming thread for the native receive path, used when a presentation has several streams.
//
// With one thread for all streams, a downstream element that holds one stream's push until another stream
// delivers (decodebin/playbin waiting for every pad, a collectpads muxer such as matroskamux) would wait for
// data that the same, blocked thread should read: a deadlock. So with two or more streams the worker only
// queues each stream's lists and events here, and this thread pushes them; the worker never blocks on
// downstream. A single stream keeps pushing on the worker (no extra thread).
//
//   worker ──enqueue(list | event)──▶ bounded FIFO ──▶ thread: gst_pad_push_list / gst_pad_push_event
//          ◀── last_flow() ─────────────────────────────┘ (EOS, not-linked, errors for the worker to act on)
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace rtsp2 {

class StreamOutputThread {
 public:
  // `max_buffers`: what may wait in the FIFO; beyond it a new list is dropped (counted), never the worker
  // blocked.
  StreamOutputThread(GstPad* pad, std::string name, std::size_t max_buffers);
  ~StreamOutputThread();  // stops and joins; what is still queued is dropped
  StreamOutputThread(const StreamOutputThread&) = delete;
  StreamOutputThread& operator=(const StreamOutputThread&) = delete;

  // Takes ownership. False (and the list is dropped) when the FIFO is full.
  bool push_list(GstBufferList* list);
  void push_event(GstEvent* event);
  // Drops everything queued (a flushing seek; the caller pushes flush-start itself, which unblocks a push in
  // progress).
  void clear();
  GstFlowReturn last_flow() const { return last_flow_.load(); }
  void reset_flow() { last_flow_.store(GST_FLOW_OK); }
  std::uint64_t dropped_buffers() const { return dropped_.load(); }

 private:
  void run();

  GstPad* pad_;
  std::size_t max_buffers_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<GstMiniObject*> queue_;
  std::size_t queued_buffers_ = 0;
  bool stopping_ = false;
  std::atomic<GstFlowReturn> last_flow_{GST_FLOW_OK};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace rtsp2
