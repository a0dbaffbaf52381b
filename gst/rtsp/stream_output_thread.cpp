#include "stream_output_thread.hpp"

#include <pthread.h>

#include <utility>

namespace rtsp2 {

StreamOutputThread::StreamOutputThread(GstPad* pad, std::string name, std::size_t max_buffers)
    : pad_(GST_PAD(gst_object_ref(pad))), max_buffers_(max_buffers) {
  thread_ = std::thread([this, name = std::move(name)] {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    run();
  });
}

StreamOutputThread::~StreamOutputThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cond_.notify_all();
  thread_.join();
  clear();
  gst_object_unref(pad_);
}

bool StreamOutputThread::push_list(GstBufferList* list) {
  const std::size_t n = gst_buffer_list_length(list);
  {
    std::lock_guard lock(mutex_);
    if (queued_buffers_ + n <= max_buffers_ || queued_buffers_ == 0) {
      queue_.push_back(GST_MINI_OBJECT_CAST(list));
      queued_buffers_ += n;
      cond_.notify_one();
      return true;
    }
  }
  dropped_ += n;
  gst_buffer_list_unref(list);
  return false;
}

void StreamOutputThread::push_event(GstEvent* event) {
  std::lock_guard lock(mutex_);
  queue_.push_back(GST_MINI_OBJECT_CAST(event));
  cond_.notify_one();
}

void StreamOutputThread::clear() {
  std::deque<GstMiniObject*> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(queue_);
    queued_buffers_ = 0;
  }
  for (GstMiniObject* o : dropped) gst_mini_object_unref(o);
}

void StreamOutputThread::run() {
  for (;;) {
    GstMiniObject* item = nullptr;
    {
      std::unique_lock lock(mutex_);
      cond_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = queue_.front();
      queue_.pop_front();
      if (GST_IS_BUFFER_LIST(item)) queued_buffers_ -= gst_buffer_list_length(GST_BUFFER_LIST_CAST(item));
    }
    if (GST_IS_BUFFER_LIST(item)) {
      const GstFlowReturn ret = gst_pad_push_list(pad_, GST_BUFFER_LIST_CAST(item));
      if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING) last_flow_.store(ret);
    } else {
      gst_pad_push_event(pad_, GST_EVENT_CAST(item));
    }
  }
}

}  // namespace rtsp2
