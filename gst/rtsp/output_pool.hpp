// The threads that push the native receive path's output for presentations with several streams, shared by
// every rtspsrc2 of the process and elastic: a stream with queued output is handed to an idle thread, and a
// new thread is started when none is idle, so that a stream never waits behind another one whose push is
// blocked downstream (decodebin holding one pad until every pad exists, a collectpads muxer holding video
// until audio comes). Threads that stay idle for a while end. In steady state a handful of threads serve all
// streams of all elements (rtspsrc: one per stream and more), while every blocked push still has its own.
//
//   StreamOutput::push_*  ──schedule(job)──▶ ready FIFO ──▶ idle thread (or a new one): job->run_queued()
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace rtsp2 {

class OutputPool {
 public:
  // What a pool thread runs. claim() is called with the pool's lock held as a thread takes the job (so that
  // unschedule() sees it either still waiting or claimed); then run_queued() pushes what the job has queued
  // and returns.
  class Job {
   public:
    virtual void claim() = 0;
    virtual void run_queued() = 0;

   protected:
    ~Job() = default;
  };

  static OutputPool& instance();

  // `job` must not be scheduled already (StreamOutput keeps a flag). Never blocks on downstream.
  void schedule(Job* job);
  // Takes `job` out of the ready FIFO if it is there, then runs `then` under the pool's lock, so that no
  // thread can pick the job up in between (StreamOutput's destructor marks itself stopping there).
  template <typename F>
  void unschedule(Job* job, F&& then) {
    std::lock_guard lock(mutex_);
    for (auto it = ready_.begin(); it != ready_.end(); ++it) {
      if (*it == job) {
        ready_.erase(it);
        break;
      }
    }
    then();
  }
  std::size_t threads() const;       // started and not yet ended
  std::size_t idle_threads() const;  // waiting for a job

 private:
  OutputPool() = default;
  void thread_main();

  static constexpr std::chrono::seconds kIdleEnd{5};
  mutable std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<Job*> ready_;
  std::size_t threads_ = 0;
  std::size_t idle_ = 0;
};

}  // namespace rtsp2
