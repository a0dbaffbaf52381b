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
  ready_.push_back(Entry{job, std::chrono::steady_clock::now()});
  if (ready_.size() <= available_) {
    cond_.notify_one();
    return;
  }
  // More jobs than threads free to take them. A few threads start at once; beyond that a busy thread usually
  // comes back within microseconds (a push that did not block), so the monitor starts one only for a job
  // that waited kSpawnDelay: by then the push before it is blocked downstream, and this job must not wait
  // behind it.
  if (threads_ < kEagerThreads) {
    spawn();
    return;
  }
  cond_.notify_one();
  if (!monitor_started_) {
    monitor_started_ = true;
    std::thread([this] { monitor_main(); }).detach();
  } else {
    monitor_cond_.notify_one();
  }
}

void OutputPool::spawn() {
  ++threads_;
  ++available_;  // counted free from the start, so that the same job does not start two threads
  std::thread([this] { thread_main(); }).detach();
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
    const auto deadline = ready_.front().queued + kSpawnDelay;
    monitor_cond_.wait_until(lock, deadline, [this] { return ready_.size() <= available_; });
    if (ready_.size() > available_ && std::chrono::steady_clock::now() >= deadline) spawn();
  }
}

}  // namespace rtsp2
