// A worker per element: its own GMainContext, on which the element's control connection, its UDP sockets and
// its timers live, and a typed queue of commands the element's threads (state changes, action signals,
// events) push for it. A WorkerThread runs the context: one of its own, or (rtspsrc2) one shared by several
// elements, see worker_thread.hpp.
//
//   streaming / application threads            worker thread (runs the context)
//   ─────────────────────────────             ─────────────────────────────────────
//   worker.push(cmd::Play{})   ──queue+wake──▶ handler(Play)  → ClientSession, sockets
//   worker.stop()              ──────────────▶ runs every queued command, then leaves the thread
//
// No command is ever dropped: a command pushed while the worker is not running waits for the next start(),
// and stop() returns only after every command pushed before it has run; after it, nothing of the context is
// dispatched any more.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "gst_ptr.hpp"
#include "worker_thread.hpp"

namespace rtsp2 {

using SteadyClock = std::chrono::steady_clock;

// Its context, the wake-up source and its place on a thread. Subclasses supply run_pending().
class WorkerLoop {
 public:
  enum class Thread { Own, Shared };
  explicit WorkerLoop(std::string name, Thread thread = Thread::Own);
  virtual ~WorkerLoop();
  WorkerLoop(const WorkerLoop&) = delete;
  WorkerLoop& operator=(const WorkerLoop&) = delete;

  // False when no thread could be started (the system refused one).
  bool start();
  // Runs everything queued, then leaves the thread (and ends it when it was its own). Never call it from the
  // worker's own commands or sources; from those of another worker on the same shared thread it is fine.
  void stop();
  bool running() const;
  bool in_worker_thread() const { return std::this_thread::get_id() == thread_id_.load(); }
  GMainContext* context() const { return context_.get(); }
  // True while the thread running this worker also runs others (a shared thread); from the worker thread.
  bool shares_thread() const;
  // The worker no longer runs anything that may block (pushes downstream): it may move to a thread shared
  // with other workers (Thread::Shared only; see worker_thread.hpp). Any thread.
  void share_thread();

 protected:
  // Called on the worker thread whenever wake() was called; must take everything pending.
  virtual void run_pending() = 0;
  // Thread-safe: makes the loop call run_pending() soon.
  void wake();

 private:
  friend class WorkerHub;     // runs run_pending() a last time when the worker leaves its thread
  friend class WorkerThread;  // sets thread_id_ and current_ before the first dispatch
  static gboolean dispatch_wake(GSource* source, GSourceFunc, gpointer);

  std::string name_;
  Thread thread_kind_;
  MainContextPtr context_;
  AttachedSourcePtr wake_source_;
  std::atomic<std::thread::id> thread_id_{};
  mutable std::mutex mutex_;
  std::shared_ptr<WorkerThread::Member> member_;               // while started
  std::atomic<const WorkerThread::Member*> current_{nullptr};  // member_, for shares_thread()
};

template <typename Command>
class Worker final : public WorkerLoop {
 public:
  using Handler = std::function<void(Command&)>;
  Worker(std::string name, Handler handler, Thread thread = Thread::Own)
      : WorkerLoop(std::move(name), thread), handler_(std::move(handler)) {}
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
