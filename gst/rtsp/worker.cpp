#include "worker.hpp"

#include <algorithm>

namespace rtsp2 {

namespace {

// A source with neither prepare nor check: it becomes ready through g_source_set_ready_time only, which is
// safe to call from any thread (it wakes the context).
GSourceFuncs wake_funcs = {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

}  // namespace

WorkerLoop::WorkerLoop(std::string name, Thread thread)
    : name_(std::move(name)), thread_kind_(thread), context_(g_main_context_new()) {
  wake_funcs.dispatch = &WorkerLoop::dispatch_wake;
  GSource* src = g_source_new(&wake_funcs, sizeof(GSource));
  g_source_set_callback(src, nullptr, this, nullptr);
  g_source_set_ready_time(src, -1);
  g_source_set_name(src, "rtsp2-worker-wake");
  g_source_attach(src, context_.get());
  wake_source_.reset(src);
}

WorkerLoop::~WorkerLoop() {
  // Subclasses stop() in their own destructor, while run_pending() is still theirs to call.
  if (member_) g_critical("WorkerLoop %s destroyed while running", name_.c_str());
}

gboolean WorkerLoop::dispatch_wake(GSource* source, GSourceFunc, gpointer data) {
  g_source_set_ready_time(source, -1);
  static_cast<WorkerLoop*>(data)->run_pending();
  return G_SOURCE_CONTINUE;
}

void WorkerLoop::wake() {
  g_source_set_ready_time(wake_source_.get(), 0);
}

bool WorkerLoop::start() {
  std::lock_guard lock(mutex_);
  if (member_) return true;
  member_ = WorkerThread::attach(this, context_.get(), name_, thread_kind_ == Thread::Shared);
  if (!member_) return false;
  // Commands queued while stopped run as soon as the thread turns to this context.
  g_source_set_ready_time(wake_source_.get(), 0);
  return true;
}

void WorkerLoop::stop() {
  std::shared_ptr<WorkerThread::Member> member;
  {
    std::lock_guard lock(mutex_);
    member = std::move(member_);
  }
  if (!member) return;  // not started, or another stop() is at it
  // Not under mutex_: the last commands run meanwhile and may ask running() or even start() again.
  if (!WorkerThread::detach(member)) {
    g_critical("WorkerLoop %s: stop() called from its own thread", name_.c_str());
    std::lock_guard lock(mutex_);
    if (!member_) member_ = std::move(member);
    return;
  }
  std::lock_guard lock(mutex_);
  if (!member_) {
    current_.store(nullptr);
    thread_id_.store(std::thread::id());
  }
}

bool WorkerLoop::running() const {
  std::lock_guard lock(mutex_);
  return member_ != nullptr;
}

void WorkerLoop::share_thread() {
  std::lock_guard lock(mutex_);
  if (member_) WorkerThread::share(member_);
}

bool WorkerLoop::shares_thread() const {
  const WorkerThread::Member* m = current_.load();
  return m != nullptr && WorkerThread::shared_now(*m);
}

namespace {

gboolean deadline_prepare(GSource* source, gint* timeout) {
  const gint64 deadline =
      __atomic_load_n(&reinterpret_cast<DeadlineSource*>(source)->deadline_us, __ATOMIC_ACQUIRE);
  if (deadline < 0) {
    *timeout = -1;
    return FALSE;
  }
  const gint64 now = g_source_get_time(source);
  if (now >= deadline) {
    *timeout = 0;
    return TRUE;
  }
  *timeout = gint(std::min<gint64>((deadline - now + 999) / 1000, G_MAXINT));
  return FALSE;
}

gboolean deadline_check(GSource* source) {
  const gint64 deadline =
      __atomic_load_n(&reinterpret_cast<DeadlineSource*>(source)->deadline_us, __ATOMIC_ACQUIRE);
  return deadline >= 0 && g_source_get_time(source) >= deadline ? TRUE : FALSE;
}

}  // namespace

const GSourceFuncs kDeadlineSourceFuncs = {deadline_prepare, deadline_check, nullptr,
                                           nullptr,          nullptr,        nullptr};

GSource* new_deadline_source(GSourceFuncs* funcs) {
  GSource* s = g_source_new(funcs, sizeof(DeadlineSource));
  reinterpret_cast<DeadlineSource*>(s)->deadline_us = -1;
  return s;
}

void set_deadline(GSource* source, gint64 deadline_us) {
  auto* d = reinterpret_cast<DeadlineSource*>(source);
  if (__atomic_exchange_n(&d->deadline_us, deadline_us, __ATOMIC_ACQ_REL) == deadline_us) return;
  // The context's thread computes its poll timeout afresh after dispatching it; from anywhere else (another
  // thread, or another worker's dispatch on a shared thread, which leaves this context's prepared state
  // alone) the context must be woken.
  GMainContext* context = g_source_get_context(source);
  if (deadline_us >= 0 && context != nullptr &&
      (!g_main_context_is_owner(context) || g_main_context_get_thread_default() != context))
    g_main_context_wakeup(context);
}

Timer::Timer(GMainContext* context, std::function<void()> callback) : callback_(std::move(callback)) {
  static GSourceFuncs timer_funcs = [] {
    GSourceFuncs f = kDeadlineSourceFuncs;
    f.dispatch = &Timer::dispatch;
    return f;
  }();
  GSource* src = new_deadline_source(&timer_funcs);
  g_source_set_callback(src, nullptr, this, nullptr);
  g_source_set_name(src, "rtsp2-timer");
  g_source_attach(src, context);
  source_.reset(src);
}

Timer::~Timer() = default;

gboolean Timer::dispatch(GSource* source, GSourceFunc, gpointer data) {
  auto* self = static_cast<Timer*>(data);
  set_deadline(source, -1);
  self->armed_ = false;
  // The callback may re-arm or even destroy the timer's owner; touch nothing after it.
  auto cb = self->callback_;
  cb();
  return G_SOURCE_CONTINUE;
}

void Timer::arm_at(SteadyClock::time_point deadline) {
  // Both clocks are CLOCK_MONOTONIC on Linux, but convert through "now" so that nothing depends on it.
  const auto delta = std::chrono::duration_cast<std::chrono::microseconds>(deadline - SteadyClock::now());
  set_deadline(source_.get(), g_get_monotonic_time() + std::max<gint64>(0, delta.count()));
  armed_ = true;
}

void Timer::disarm() {
  set_deadline(source_.get(), -1);
  armed_ = false;
}

}  // namespace rtsp2
