#include "stream_output.hpp"

#include <utility>

namespace rtsp2 {

StreamOutput::StreamOutput(GstPad* pad, std::size_t max_buffers)
    : pad_(GST_PAD(gst_object_ref(pad))), max_buffers_(max_buffers) {}

StreamOutput::~StreamOutput() {
  // Out of the pool's FIFO, or claimed by a thread already: either way no thread starts on it after this.
  OutputPool::instance().unschedule(this, [this] {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  });
  {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return !running_; });
  }
  clear();
  gst_object_unref(pad_);
}

bool StreamOutput::enqueue(GstMiniObject* item) {
  queue_.push_back(item);
  if (scheduled_ || stopping_) return false;
  scheduled_ = true;
  return true;
}

// schedule() is called after the stream's lock is released: the only nesting is pool, then stream (claim()).
bool StreamOutput::push_list(GstBufferList* list) {
  const std::size_t n = gst_buffer_list_length(list);
  bool schedule = false;
  {
    std::lock_guard lock(mutex_);
    if (queued_buffers_ + n > max_buffers_ && queued_buffers_ != 0) {
      dropped_ += n;
      gst_buffer_list_unref(list);
      return false;
    }
    queued_buffers_ += n;
    schedule = enqueue(GST_MINI_OBJECT_CAST(list));
  }
  if (schedule) OutputPool::instance().schedule(this);
  return true;
}

void StreamOutput::announce(std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  announce_ = std::move(fn);
}

void StreamOutput::push_event(GstEvent* event) {
  bool schedule = false;
  {
    std::lock_guard lock(mutex_);
    schedule = enqueue(GST_MINI_OBJECT_CAST(event));
  }
  if (schedule) OutputPool::instance().schedule(this);
}

void StreamOutput::clear() {
  std::deque<GstMiniObject*> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(queue_);
    queued_buffers_ = 0;
  }
  for (GstMiniObject* o : dropped) gst_mini_object_unref(o);
}

void StreamOutput::claim() {
  // With the pool's lock held (and so never while the destructor is in unschedule()).
  std::lock_guard lock(mutex_);
  running_ = true;
}

void StreamOutput::run_queued() {
  for (;;) {
    GstMiniObject* item = nullptr;
    std::function<void()> announce;
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || queue_.empty()) {
        scheduled_ = false;
        running_ = false;
        idle_.notify_all();
        return;
      }
      item = queue_.front();
      queue_.pop_front();
      if (GST_IS_BUFFER_LIST(item)) queued_buffers_ -= gst_buffer_list_length(GST_BUFFER_LIST_CAST(item));
      if (announce_) announce.swap(announce_);
    }
    if (announce) announce();
    if (GST_IS_BUFFER_LIST(item)) {
      const GstFlowReturn ret = gst_pad_push_list(pad_, GST_BUFFER_LIST_CAST(item));
      if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING) last_flow_.store(ret);
    } else {
      gst_pad_push_event(pad_, GST_EVENT_CAST(item));
    }
  }
}

}  // namespace rtsp2
