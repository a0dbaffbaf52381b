// One worker thread per element: it runs its own GMainContext, on which the element's control connection, its
// UDP sockets and its timers live, and executes the commands the element's threads (state changes, action
// signals, events) push on a typed queue.
//
//   streaming / application threads            worker thread (GMainContext)
//   ─────────────────────────────             ─────────────────────────────────────
//   worker.push(cmd::Play{})   ──queue+wake──▶ handler(Play)  → ClientSession, sockets
//   worker.stop()              ──────────────▶ runs every queued command, then quits; stop() joins
//
// No command is ever dropped: a command pushed while the thread is not running waits for the next start(),
// and stop() returns only after every command pushed before it has run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "gst_ptr.hpp"

namespace rtsp2 {

using SteadyClock = std::chrono::steady_clock;

// The thread, its context and the wake-up source. Subclasses supply run_pending().
class WorkerLoop {
 public:
  explicit WorkerLoop(std::string name);
  virtual ~WorkerLoop();
  WorkerLoop(const WorkerLoop&) = delete;
  WorkerLoop& operator=(const WorkerLoop&) = delete;

  void start();
  // Runs everything queued, then ends the thread and joins it. Never call it from the worker thread itself.
  void stop();
  bool running() const;
  bool in_worker_thread() const { return std::this_thread::get_id() == thread_id_; }
  GMainContext* context() const { return context_.get(); }

 protected:
  // Called on the worker thread whenever wake() was called; must take everything pending.
  virtual void run_pending() = 0;
  // Thread-safe: makes the loop call run_pending() soon.
  void wake();

 private:
  static gboolean dispatch_wake(GSource* source, GSourceFunc, gpointer);
  void thread_main();

  std::string name_;
  MainContextPtr context_;
  MainLoopPtr loop_;
  AttachedSourcePtr wake_source_;
  std::thread thread_;
  std::thread::id thread_id_;
  mutable std::mutex mutex_;
  bool stop_requested_ = false;
};

template <typename Command>
class Worker final : public WorkerLoop {
 public:
  using Handler = std::function<void(Command&)>;
  Worker(std::string name, Handler handler) : WorkerLoop(std::move(name)), handler_(std::move(handler)) {}
  ~Worker() override { stop(); }

  void push(Command command) {
    {
      std::lock_guard lock(queue_mutex_);
      queue_.push_back(std::move(command));
    }
    wake();
  }

  std::size_t pending() const {
    std::lock_guard lock(queue_mutex_);
    return queue_.size();
  }

 protected:
  void run_pending() override {
    for (;;) {
      std::deque<Command> batch;
      {
        std::lock_guard lock(queue_mutex_);
        batch.swap(queue_);
      }
      if (batch.empty()) return;
      for (auto& c : batch) handler_(c);
    }
  }

 private:
  Handler handler_;
  mutable std::mutex queue_mutex_;
  std::deque<Command> queue_;
};

// A GSource that becomes ready at a deadline it reports from prepare(). Unlike g_source_set_ready_time(),
// which signals the context's eventfd on every call (one write, one extra poll and one read per re-arm, even
// on the context's own thread), setting the deadline from the context's thread costs nothing; from another
// thread it wakes the context once. Millisecond resolution, as the context's poll.
struct DeadlineSource {
  GSource source;
  gint64 deadline_us;  // g_get_monotonic_time() base; -1: none
};
// Funcs for such a source: copy them and set `dispatch`. Create with new_deadline_source().
extern const GSourceFuncs kDeadlineSourceFuncs;
GSource* new_deadline_source(GSourceFuncs* funcs);
void set_deadline(GSource* source, gint64 deadline_us);

// A one-shot timer on a context, re-armable. The callback runs on the context's thread; the Timer must be
// destroyed on that thread too (or while the loop is not running).
class Timer {
 public:
  Timer(GMainContext* context, std::function<void()> callback);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void arm_at(SteadyClock::time_point deadline);
  void arm_in(std::chrono::microseconds delay) { arm_at(SteadyClock::now() + delay); }
  void disarm();
  bool armed() const { return armed_; }

 private:
  static gboolean dispatch(GSource* source, GSourceFunc, gpointer);
  AttachedSourcePtr source_;
  std::function<void()> callback_;
  bool armed_ = false;
};

}  // namespace rtsp2
