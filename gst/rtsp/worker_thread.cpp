#include "worker_thread.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
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
  std::string name;  // of the thread it would start
  // Under the registry mutex.
  bool detach_requested = false;
  bool detached = false;
  bool share_requested = false;  // to move to a shared thread, see WorkerThread::share()
  // The hosting thread's alone.
  bool acquired = false;
  int in_dispatch = 0;  // > 0 while its sources or commands run (it cannot stop itself then)
  gint priority = 0;
  std::size_t fd_offset = 0;  // in the hub's poll array this round
  gint n_fds = 0;
  // What its last prepare and query gave: polled again as they are until it is dispatched or something of it
  // fires (its fds, its deadline), so that a wake-up for one worker does not prepare and check all of them.
  bool stale = true;
  std::vector<GPollFD> fds;
  gint64 deadline_us = -1;  // g_get_monotonic_time() base; -1: none

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
  std::condition_variable detached;                // a member was detached
  std::vector<std::shared_ptr<WorkerHub>> shared;  // solo and shared threads
  std::size_t limit = 0;                           // of shared threads; 0: not read yet
  bool share_all = false;
};

// Never destroyed: shared threads may still be ending when the process exits.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

// RTSP2_WORKER_THREADS=N: every shared-kind worker goes to one of at most N shared threads. Otherwise each
// starts on a thread of its own (which pushes a single stream itself: a shared thread would hand every push
// to the output pool, which costs CPU per batch, see docs/rtspsrc2.md) and moves to one of as many shared
// threads as there are CPUs once it no longer pushes (WorkerThread::share()).
void read_limit(Registry& r) {
  if (r.limit != 0) return;
  if (const char* env = std::getenv("RTSP2_WORKER_THREADS")) {
    const long n = std::strtol(env, nullptr, 10);
    if (n >= 1 && n <= 65536) {
      r.limit = std::size_t(n);
      r.share_all = true;
      return;
    }
  }
  r.limit = std::max<std::size_t>(1, g_get_num_processors());
}

}  // namespace

class WorkerHub : public std::enable_shared_from_this<WorkerHub> {
 public:
  // Own: one worker's, ends with it. Solo: one worker's at a time, reused after it left. Shared: several.
  enum class Kind { Own, Solo, Shared };
  WorkerHub(std::string name, Kind kind)
      : name_(std::move(name)), kind_(kind), shared_(kind != Kind::Own), control_(g_main_context_new()) {}
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
  Kind kind() const { return kind_; }

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
  bool moved_out_ = false;  // a Solo hub whose worker moved to a shared thread: it ends at once
  void changed() { generation_.fetch_add(1, std::memory_order_release); }
  void add(const std::shared_ptr<WorkerThread::Member>& m, bool moving);  // under the registry lock

 private:
  void run();
  // Moves the member to a shared thread (or finishes it, when its stop() came meanwhile): on this thread.
  void move(const std::shared_ptr<WorkerThread::Member>& m);
  // Adds the context's poll records to fds_; returns its poll timeout.
  gint query(GMainContext* context, gint priority, std::size_t& offset, gint& n);

  std::string name_;
  Kind kind_;
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
  std::vector<std::shared_ptr<WorkerThread::Member>> moving;
  std::uint64_t seen = 0;
  for (;;) {
    // Membership is read again only when it changed (or while there is none, to end after being idle).
    const std::uint64_t generation = generation_.load(std::memory_order_acquire);
    gint timeout = -1;
    if (generation != seen || active.empty()) {
      seen = generation;
      active.clear();
      leaving.clear();
      moving.clear();
      std::lock_guard lock(r.mutex);
      for (auto& m : members_)
        (m->detach_requested ? leaving : m->share_requested ? moving : active).push_back(m);
      if (members_.empty()) {
        const auto idle = Clock::now() - idle_since_;
        if (!shared_ || idle >= kIdleEnd || moved_out_) {
          if (shared_) r.shared.erase(std::find(r.shared.begin(), r.shared.end(), shared_from_this()));
          break;
        }
        timeout = gint(std::chrono::ceil<std::chrono::milliseconds>(kIdleEnd - idle).count());
      }
    }
    if (!leaving.empty() || !moving.empty()) {
      for (auto& m : leaving) finish(m);
      for (auto& m : moving) move(m);
      leaving.clear();
      moving.clear();
      active.clear();
      continue;
    }

    fds_.clear();
    gint control_priority = 0;
    g_main_context_prepare(control_, &control_priority);
    std::size_t control_offset = 0;
    gint control_n = 0;
    query(control_, control_priority, control_offset, control_n);
    const gint64 now = g_get_monotonic_time();
    for (auto& m : active) {
      if (!m->acquired) {
        m->acquired = g_main_context_acquire(m->context) != FALSE;
        if (!m->acquired && !std::exchange(warned_, true))
          g_critical("rtsp2 worker thread: a worker's context is run by another thread");
      }
      if (!m->acquired) continue;
      if (m->stale) {
        g_main_context_prepare(m->context, &m->priority);
        const gint t = query(m->context, m->priority, m->fd_offset, m->n_fds);
        m->fds.assign(fds_.begin() + std::ptrdiff_t(m->fd_offset), fds_.end());
        m->deadline_us = t < 0 ? -1 : now + gint64(t) * 1000;
        m->stale = false;
      } else {
        // Nothing of it changed since (anything from another thread signals its wake-up fd, polled here).
        m->fd_offset = fds_.size();
        fds_.insert(fds_.end(), m->fds.begin(), m->fds.end());
      }
      if (m->deadline_us >= 0) {
        const gint t = gint(std::clamp<gint64>((m->deadline_us - now + 999) / 1000, 0, G_MAXINT));
        if (timeout < 0 || t < timeout) timeout = t;
      }
    }
    g_poll(fds_.data(), guint(fds_.size()), timeout);
    g_main_context_check(control_, control_priority, fds_.data() + control_offset, control_n);
    const gint64 after = g_get_monotonic_time();
    for (auto& m : active) {
      // A member detached meanwhile (by a callback of another one) is not the thread's any more.
      if (m->detached || !m->acquired) continue;
      bool fired = m->deadline_us >= 0 && after >= m->deadline_us;
      for (gint i = 0; i < m->n_fds && !fired; ++i) fired = fds_[m->fd_offset + std::size_t(i)].revents != 0;
      if (!fired) continue;
      m->stale = true;
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

namespace {

// Under the registry lock: the least loaded of the first `limit` shared threads, none that is busy; a new one
// while there are fewer, or when all are busy. Null when the system refused a thread.
std::shared_ptr<WorkerHub> pick_shared(Registry& r, const std::string& name) {
  std::shared_ptr<WorkerHub> hub;
  std::size_t count = 0;
  for (auto& h : r.shared) {
    if (h->kind() != WorkerHub::Kind::Shared) continue;
    // More exist only after the limit was lowered, or while all were busy.
    if (count++ >= r.limit) continue;
    if (h->busy(kBusy)) continue;
    if (!hub || h->members_.size() < hub->members_.size()) hub = h;
  }
  if (!hub || (!hub->members_.empty() && count < r.limit)) {
    // Named so that top -H tells them from the threads of one element (Linux allows 15 characters).
    auto fresh = std::make_shared<WorkerHub>(name + "-shared", WorkerHub::Kind::Shared);
    if (fresh->start()) {
      r.shared.push_back(fresh);
      hub = fresh;
    }
  }
  return hub;
}

// Under the registry lock: an idle solo thread (a stopped worker's, within its last seconds), else a new one.
std::shared_ptr<WorkerHub> pick_solo(Registry& r, const std::string& name) {
  for (auto& h : r.shared)
    if (h->kind() == WorkerHub::Kind::Solo && h->members_.empty()) return h;
  auto fresh = std::make_shared<WorkerHub>(name, WorkerHub::Kind::Solo);
  if (!fresh->start()) return nullptr;
  r.shared.push_back(fresh);
  return fresh;
}

}  // namespace

void WorkerHub::add(const std::shared_ptr<WorkerThread::Member>& m, bool moving) {
  m->hub = shared_from_this();
  // Known to the loop before its first command runs on the thread. A member on its way out of a loop that
  // was stopped and started again meanwhile (moving while its stop() waited for the lock) leaves the new
  // member's fields alone.
  if (!moving || m->loop->current_.load() == m.get()) {
    m->loop->thread_id_.store(id_);
    m->loop->current_.store(m.get());
  }
  m->stale = true;  // prepared afresh by its new thread
  members_.push_back(m);
  moved_out_ = false;
  count_.store(members_.size(), std::memory_order_relaxed);
  changed();
  wake();
}

void WorkerHub::move(const std::shared_ptr<WorkerThread::Member>& m) {
  auto& r = registry();
  {
    std::lock_guard lock(r.mutex);
    m->share_requested = false;
    if (!m->detach_requested) {
      auto target = pick_shared(r, m->name);
      if (!target) return;  // no thread to be had: it stays here
      // Given up before the other thread can take it (it takes it when it reads its members again).
      if (m->acquired) g_main_context_release(m->context);
      m->acquired = false;
      members_.erase(std::find(members_.begin(), members_.end(), m));
      count_.store(members_.size(), std::memory_order_relaxed);
      if (members_.empty()) {
        idle_since_ = Clock::now();
        moved_out_ = kind_ == Kind::Solo;
      }
      changed();
      target->add(m, true);
      return;
    }
  }
  finish(m);  // its stop() came first
}

std::shared_ptr<WorkerThread::Member> WorkerThread::attach(WorkerLoop* loop, GMainContext* context,
                                                           const std::string& name, bool shared) {
  auto m = std::make_shared<Member>();
  m->loop = loop;
  m->context = g_main_context_ref(context);
  m->name = name;
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  std::shared_ptr<WorkerHub> hub;
  if (shared) {
    read_limit(r);
    hub = r.share_all ? pick_shared(r, name) : pick_solo(r, name);
  } else {
    hub = std::make_shared<WorkerHub>(name, WorkerHub::Kind::Own);
    if (!hub->start()) hub.reset();
  }
  if (!hub) return nullptr;
  hub->add(m, false);
  return m;
}

void WorkerThread::share(const std::shared_ptr<Member>& member) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  if (member->detach_requested || member->detached || member->hub->kind() != WorkerHub::Kind::Solo) return;
  member->share_requested = true;
  member->hub->changed();
  member->hub->wake();
}

bool WorkerThread::detach(const std::shared_ptr<Member>& member) {
  auto& r = registry();
  std::unique_lock lock(r.mutex);
  // The hub changes only under the lock (share()), and never while its thread runs this worker.
  auto hub = member->hub;
  if (std::this_thread::get_id() == hub->id()) {
    lock.unlock();
    if (member->in_dispatch > 0) return false;
    hub->finish(member);
    return true;
  }
  member->detach_requested = true;
  hub->changed();
  hub->wake();
  // Waits for whichever thread hosts it by then (a move in progress finishes it instead).
  r.detached.wait(lock, [&] { return member->detached; });
  lock.unlock();
  if (!hub->shared()) hub->join();
  return true;
}

bool WorkerThread::on_worker_thread() {
  return t_on_worker_thread;
}

bool WorkerThread::shared_now(const Member& member) {
  return member.hub->count_.load(std::memory_order_relaxed) > 1;
}

void WorkerThread::set_shared_thread_limit(std::size_t limit, bool share_all) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.limit = std::max<std::size_t>(1, limit);
  r.share_all = share_all;
}

std::size_t WorkerThread::shared_threads() {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  return std::size_t(std::count_if(r.shared.begin(), r.shared.end(),
                                   [](auto& h) { return h->kind() == WorkerHub::Kind::Shared; }));
}

}  // namespace rtsp2
