// The threads that push the native receive path's output for presentations with several streams, shared by
// every rtspsrc2 of the process and elastic: a stream with queued output goes to a free thread, and when none
// is free a new one starts, at once while there are fewer than kEagerThreads, otherwise once the job has
// waited kSpawnDelay (a monitor thread watches): by then the push ahead of it is blocked downstream
// (decodebin holding one pad until every pad exists, a collectpads muxer holding video until audio comes, a
// sink waiting for the clock), and a stream must never wait behind another one's blocked push. Threads idle
// for kIdleEnd end. So a handful of threads serve all streams of all elements while pushes return promptly,
// and every blocked push still leaves the others a thread.
//
//   StreamOutput::push_*  ──schedule(job)──▶ ready FIFO ──▶ free thread (or a new one): job->run_queued()
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
      if (it->job == job) {
        ready_.erase(it);
        break;
      }
    }
    then();
  }
  std::size_t threads() const;       // started and not yet ended
  std::size_t idle_threads() const;  // not running a job

 private:
  OutputPool() = default;
  void thread_main();

  struct Entry {
    Job* job;
    std::chrono::steady_clock::time_point queued;
  };
  bool spawn();  // with mutex_ held; false when the system refused a thread
  void monitor_main();

  static constexpr std::size_t kEagerThreads = 4;
  static constexpr std::chrono::milliseconds kSpawnDelay{5};
  static constexpr std::chrono::milliseconds kSpawnRetry{100};
  static constexpr std::chrono::seconds kIdleEnd{5};
  mutable std::mutex mutex_;
  std::condition_variable cond_;          // pool threads wait here for jobs
  std::condition_variable monitor_cond_;  // the monitor waits here for jobs without a free thread
  std::deque<Entry> ready_;
  std::size_t threads_ = 0;
  std::size_t available_ = 0;  // threads not running a job (waiting, or started and not yet waiting)
  bool monitor_started_ = false;
};

}  // namespace rtsp2
