#include "worker_thread.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include "worker.hpp"

namespace rtsp2 {

class WorkerHub;

struct WorkerThread::Member {
  // Set at attach; the WorkerLoop outlives the member's time on the thread (its stop() waits for detached).
  WorkerLoop* loop = nullptr;
  GMainContext* context = nullptr;  // a reference of our own
  std::shared_ptr<WorkerHub> hub;
  // Under the registry mutex.
  bool detach_requested = false;
  bool detached = false;
  // The hosting thread's alone.
  bool acquired = false;
  int in_dispatch = 0;  // > 0 while its sources or commands run (it cannot stop itself then)
  gint priority = 0;
  std::size_t fd_offset = 0;
  gint n_fds = 0;

  ~Member() { g_main_context_unref(context); }
};

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kIdleEnd = std::chrono::seconds(5);
// A shared thread whose current dispatch has run this long is skipped when placing a new worker.
constexpr auto kBusy = std::chrono::milliseconds(100);
thread_local bool t_on_worker_thread = false;

struct Registry {
  std::mutex mutex;
  std::condition_variable detached;  // a member was detached
  std::vector<std::shared_ptr<WorkerHub>> shared;
  std::size_t limit = 0;  // 0: not set yet
};

// Never destroyed: shared threads may still be ending when the process exits.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

// Unless RTSP2_WORKER_THREADS says otherwise, every worker has a thread of its own (a shared thread hands
// the pushes of its elements to the output pool, which costs CPU per batch: see docs/rtspsrc2.md).
std::size_t default_limit() {
  if (const char* env = std::getenv("RTSP2_WORKER_THREADS")) {
    const long n = std::strtol(env, nullptr, 10);
    if (n >= 1 && n <= 65536) return std::size_t(n);
  }
  return std::numeric_limits<std::size_t>::max();
}

}  // namespace

class WorkerHub : public std::enable_shared_from_this<WorkerHub> {
 public:
  WorkerHub(std::string name, bool shared)
      : name_(std::move(name)), shared_(shared), control_(g_main_context_new()) {}
  ~WorkerHub() { g_main_context_unref(control_); }

  // With the registry lock held. False when the system refused a thread.
  bool start() {
    try {
      thread_ = std::thread([self = shared_from_this()] { self->run(); });
    } catch (const std::system_error& e) {
      g_warning("rtsp2: could not start a worker thread: %s", e.what());
      return false;
    }
    id_ = thread_.get_id();
    // A shared thread ends on its own once idle; nobody joins it.
    if (shared_) thread_.detach();
    return true;
  }
  void wake() { g_main_context_wakeup(control_); }
  // True while one dispatch has run for longer than `limit` (downstream blocked a push, an application
  // callback waits): a new worker should not wait behind it.
  bool busy(Clock::duration limit) const {
    const auto since = busy_since_.load(std::memory_order_relaxed);
    return since != 0 && Clock::now().time_since_epoch().count() - since > limit.count();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::thread::id id() const { return id_; }
  bool shared() const { return shared_; }

  // Runs the member's commands a last time and gives its context back: on this hub's thread.
  void finish(const std::shared_ptr<WorkerThread::Member>& m) {
    // Already done when a neighbour's last commands stopped it while it waited in the leaving list.
    if (m->detached) return;
    auto& r = registry();
    if (!m->acquired) m->acquired = g_main_context_acquire(m->context) != FALSE;
    ++m->in_dispatch;
    if (m->acquired) g_main_context_push_thread_default(m->context);
    m->loop->run_pending();
    if (m->acquired) g_main_context_pop_thread_default(m->context);
    --m->in_dispatch;
    if (m->acquired) g_main_context_release(m->context);
    m->acquired = false;
    std::lock_guard lock(r.mutex);
    m->detached = true;
    m->loop = nullptr;
    members_.erase(std::find(members_.begin(), members_.end(), m));
    count_.store(members_.size(), std::memory_order_relaxed);
    if (members_.empty()) idle_since_ = Clock::now();
    changed();
    r.detached.notify_all();
  }

  // Under the registry lock.
  std::vector<std::shared_ptr<WorkerThread::Member>> members_;
  std::atomic<std::size_t> count_{0};
  void changed() { generation_.fetch_add(1, std::memory_order_release); }

 private:
  void run();
  // Adds the context's poll records to fds_; returns its poll timeout.
  gint query(GMainContext* context, gint priority, std::size_t& offset, gint& n);

  std::string name_;
  bool shared_;
  GMainContext* control_;  // no sources: its wake-up ends the poll when members come and go
  std::thread thread_;
  std::thread::id id_;
  std::vector<GPollFD> fds_;
  std::atomic<std::uint64_t> generation_{1};     // members_ or a detach request changed
  Clock::time_point idle_since_ = Clock::now();  // under the registry lock: when members_ became empty
  std::atomic<Clock::rep> busy_since_{0};        // when the dispatch in progress began; 0: none
  bool warned_ = false;
};

gint WorkerHub::query(GMainContext* context, gint priority, std::size_t& offset, gint& n) {
  offset = fds_.size();
  gint timeout = -1;
  gint space = 8;
  for (;;) {
    fds_.resize(offset + std::size_t(space));
    const gint needed = g_main_context_query(context, priority, &timeout, fds_.data() + offset, space);
    if (needed <= space) {
      fds_.resize(offset + std::size_t(needed));
      n = needed;
      return timeout;
    }
    space = needed;
  }
}

void WorkerHub::run() {
  // Named after the element kind, so that top -H / gdb show whose thread it is (Linux allows 15 characters).
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  t_on_worker_thread = true;
  g_main_context_acquire(control_);
  auto& r = registry();
  std::vector<std::shared_ptr<WorkerThread::Member>> active;
  std::vector<std::shared_ptr<WorkerThread::Member>> leaving;
  std::uint64_t seen = 0;
  for (;;) {
    // Membership is read again only when it changed (or while there is none, to end after being idle).
    const std::uint64_t generation = generation_.load(std::memory_order_acquire);
    gint timeout = -1;
    if (generation != seen || active.empty()) {
      seen = generation;
      active.clear();
      leaving.clear();
      std::lock_guard lock(r.mutex);
      for (auto& m : members_) (m->detach_requested ? leaving : active).push_back(m);
      if (members_.empty()) {
        const auto idle = Clock::now() - idle_since_;
        if (!shared_ || idle >= kIdleEnd) {
          if (shared_) r.shared.erase(std::find(r.shared.begin(), r.shared.end(), shared_from_this()));
          break;
        }
        timeout = gint(std::chrono::ceil<std::chrono::milliseconds>(kIdleEnd - idle).count());
      }
    }
    if (!leaving.empty()) {
      for (auto& m : leaving) finish(m);
      leaving.clear();
      active.clear();
      continue;
    }

    fds_.clear();
    gint control_priority = 0;
    g_main_context_prepare(control_, &control_priority);
    std::size_t control_offset = 0;
    gint control_n = 0;
    query(control_, control_priority, control_offset, control_n);
    for (auto& m : active) {
      if (!m->acquired) {
        m->acquired = g_main_context_acquire(m->context) != FALSE;
        if (!m->acquired && !std::exchange(warned_, true))
          g_critical("rtsp2 worker thread: a worker's context is run by another thread");
      }
      if (!m->acquired) continue;
      g_main_context_prepare(m->context, &m->priority);
      const gint t = query(m->context, m->priority, m->fd_offset, m->n_fds);
      if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
    }
    g_poll(fds_.data(), guint(fds_.size()), timeout);
    g_main_context_check(control_, control_priority, fds_.data() + control_offset, control_n);
    for (auto& m : active) {
      // A member detached meanwhile (by a callback of another one) is not the thread's any more.
      if (m->detached || !m->acquired) continue;
      if (!g_main_context_check(m->context, m->priority, fds_.data() + m->fd_offset, m->n_fds)) continue;
      ++m->in_dispatch;
      busy_since_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
      // GIO async operations started here call back on the member's context.
      g_main_context_push_thread_default(m->context);
      g_main_context_dispatch(m->context);
      g_main_context_pop_thread_default(m->context);
      busy_since_.store(0, std::memory_order_relaxed);
      --m->in_dispatch;
    }
  }
  active.clear();
  g_main_context_release(control_);
}

std::shared_ptr<WorkerThread::Member> WorkerThread::attach(WorkerLoop* loop, GMainContext* context,
                                                           const std::string& name, bool shared) {
  auto m = std::make_shared<Member>();
  m->loop = loop;
  m->context = g_main_context_ref(context);
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::shared_ptr<WorkerHub> hub;
  if (shared) {
    if (r.limit == 0) r.limit = default_limit();
    // The least loaded of the first `limit` threads (more exist only after the limit was lowered, or while
    // all were busy), none that is busy; a new one while there are fewer, or when all are busy.
    const std::size_t n = std::min(r.limit, r.shared.size());
    for (std::size_t i = 0; i < n; ++i) {
      auto& h = r.shared[i];
      if (h->busy(kBusy)) continue;
      if (!hub || h->members_.size() < hub->members_.size()) hub = h;
    }
    if (!hub || (!hub->members_.empty() && r.shared.size() < r.limit)) {
      auto fresh = std::make_shared<WorkerHub>(name, true);
      if (fresh->start()) {
        r.shared.push_back(fresh);
        hub = fresh;
      }
    }
  } else {
    hub = std::make_shared<WorkerHub>(name, false);
    if (!hub->start()) hub.reset();
  }
  if (!hub) return nullptr;
  m->hub = hub;
  // Known to the loop before its first command runs on the thread.
  loop->thread_id_.store(hub->id());
  loop->current_.store(m.get());
  hub->members_.push_back(m);
  hub->count_.store(hub->members_.size(), std::memory_order_relaxed);
  hub->changed();
  hub->wake();
  return m;
}

bool WorkerThread::detach(const std::shared_ptr<Member>& member) {
  auto hub = member->hub;
  if (std::this_thread::get_id() == hub->id()) {
    if (member->in_dispatch > 0) return false;
    hub->finish(member);
    return true;
  }
  auto& r = registry();
  {
    std::unique_lock lock(r.mutex);
    member->detach_requested = true;
    hub->changed();
    hub->wake();
    r.detached.wait(lock, [&] { return member->detached; });
  }
  if (!hub->shared()) hub->join();
  return true;
}

bool WorkerThread::on_worker_thread() {
  return t_on_worker_thread;
}

bool WorkerThread::shared_now(const Member& member) {
  return member.hub->count_.load(std::memory_order_relaxed) > 1;
}

void WorkerThread::set_shared_thread_limit(std::size_t limit) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.limit = std::max<std::size_t>(1, limit);
}

std::size_t WorkerThread::shared_thread_limit() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (r.limit == 0) r.limit = default_limit();
  return r.limit;
}

std::size_t WorkerThread::shared_threads() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return r.shared.size();
}

}  // namespace rtsp2
