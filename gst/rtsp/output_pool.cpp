#include "output_pool.hpp"

#include <pthread.h>

#include <glib.h>

#include <system_error>
#include <thread>

namespace rtsp2 {

OutputPool& OutputPool::instance() {
  // Never destroyed: its threads may outlive static destruction at process exit (they only wait then).
  static OutputPool* pool = new OutputPool();
  return *pool;
}

void OutputPool::schedule(Job* job) {
  std::lock_guard lock(mutex_);
  ready_.push_back(Entry{job, std::chrono::steady_clock::now()});
  if (ready_.size() <= available_) {
    cond_.notify_one();
    return;
  }
  // More jobs than threads free to take them. A few threads start at once; beyond that a busy thread usually
  // comes back within microseconds (a push that did not block), so the monitor starts one only for a job
  // that waited kSpawnDelay: by then the push before it is blocked downstream, and this job must not wait
  // behind it.
  if (threads_ < kEagerThreads && spawn()) return;
  cond_.notify_one();
  if (!monitor_started_) {
    try {
      std::thread([this] { monitor_main(); }).detach();
      monitor_started_ = true;
    } catch (const std::system_error& e) {
      g_warning("rtspsrc2: could not start the output monitor thread: %s", e.what());
    }
  } else {
    monitor_cond_.notify_one();
  }
}

bool OutputPool::spawn() {
  try {
    std::thread([this] { thread_main(); }).detach();
  } catch (const std::system_error& e) {
    // Out of threads: the job waits for a busy thread (the monitor tries again later).
    g_warning("rtspsrc2: could not start an output thread: %s", e.what());
    return false;
  }
  ++threads_;
  ++available_;  // counted free from the start, so that the same job does not start two threads
  return true;
}

std::size_t OutputPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

std::size_t OutputPool::idle_threads() const {
  std::lock_guard lock(mutex_);
  return available_;
}

void OutputPool::thread_main() {
  pthread_setname_np(pthread_self(), "rtspsrc2-out");
  std::unique_lock lock(mutex_);
  for (;;) {
    if (ready_.empty() && !cond_.wait_for(lock, kIdleEnd, [this] { return !ready_.empty(); })) break;
    Job* job = ready_.front().job;
    ready_.pop_front();
    --available_;
    job->claim();
    lock.unlock();
    job->run_queued();
    lock.lock();
    ++available_;
  }
  --available_;
  --threads_;
}

void OutputPool::monitor_main() {
  pthread_setname_np(pthread_self(), "rtspsrc2-outmon");
  std::unique_lock lock(mutex_);
  for (;;) {
    monitor_cond_.wait(lock, [this] { return ready_.size() > available_; });
    // Free threads take jobs from the front: the first one no free thread will take decides.
    const auto deadline = ready_[available_].queued + kSpawnDelay;
    monitor_cond_.wait_until(lock, deadline, [this] { return ready_.size() <= available_; });
    if (ready_.size() > available_ && std::chrono::steady_clock::now() >= deadline && !spawn())
      monitor_cond_.wait_for(lock, kSpawnRetry);
  }
}

}  // namespace rtsp2
