#include "output_pool.hpp"

#include <pthread.h>

#include <thread>

namespace rtsp2 {

OutputPool& OutputPool::instance() {
  // Never destroyed: its threads may outlive static destruction at process exit (they only wait then).
  static OutputPool* pool = new OutputPool();
  return *pool;
}

void OutputPool::schedule(Job* job) {
  std::lock_guard lock(mutex_);
  ready_.push_back(job);
  // Every waiting job has a thread of its own to go to: none waits behind a push that may block.
  if (ready_.size() > idle_) {
    ++threads_;
    std::thread([this] { thread_main(); }).detach();
  } else {
    cond_.notify_one();
  }
}

std::size_t OutputPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

std::size_t OutputPool::idle_threads() const {
  std::lock_guard lock(mutex_);
  return idle_;
}

void OutputPool::thread_main() {
  pthread_setname_np(pthread_self(), "rtspsrc2-out");
  std::unique_lock lock(mutex_);
  for (;;) {
    if (ready_.empty()) {
      ++idle_;
      const bool woken = cond_.wait_for(lock, kIdleEnd, [this] { return !ready_.empty(); });
      --idle_;
      if (!woken) break;
    }
    Job* job = ready_.front();
    ready_.pop_front();
    job->claim();
    lock.unlock();
    job->run_queued();
    lock.lock();
  }
  --threads_;
}

}  // namespace rtsp2
