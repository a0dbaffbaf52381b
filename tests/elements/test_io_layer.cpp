// The I/O layer under rtspsrc2/rtspsink2: worker command queue and timers, control connection (TCP, TLS,
// failures), UDP port pairs and batched receive. Peers are plain GIO sockets on 127.0.0.1 in a helper thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <functional>
#include <future>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <glib/gstdio.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/threads.hpp"
#include "control_connection.hpp"
#include "gst_ptr.hpp"
#include "media_transport.hpp"
#include "rtspsrc2_settings.hpp"
#include "worker.hpp"

#include "../common/check.hpp"

using namespace rtsp2;
using namespace std::chrono_literals;

namespace {

// Iterates `ctx` on this thread until `done()` or the deadline; returns done().
bool run_until(GMainContext* ctx, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = SteadyClock::now() + limit;
  Timer wake(ctx, [] {});
  while (!done() && SteadyClock::now() < deadline) {
    wake.arm_at(deadline);
    g_main_context_iteration(ctx, TRUE);
  }
  return done();
}

// A context owned by the test thread for the duration of one test.
struct TestContext {
  MainContextPtr ctx{g_main_context_new()};
  TestContext() { g_main_context_push_thread_default(ctx.get()); }
  ~TestContext() {
    while (g_main_context_iteration(ctx.get(), FALSE)) {
    }
    g_main_context_pop_thread_default(ctx.get());
  }
  GMainContext* get() const { return ctx.get(); }
};

// A TCP listener on 127.0.0.1 with an ephemeral port; serve() runs `script` on the first accepted connection
// in a thread (blocking sockets).
struct TcpPeer {
  GObjectPtr<GSocket> listener;
  std::uint16_t port = 0;
  std::thread thread;

  TcpPeer() {
    listener.reset(g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr));
    GObjectPtr<GInetAddress> lo(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4));
    GObjectPtr<GSocketAddress> sa(g_inet_socket_address_new(lo.get(), 0));
    fail_unless(g_socket_bind(listener.get(), sa.get(), TRUE, nullptr));
    fail_unless(g_socket_listen(listener.get(), nullptr));
    GObjectPtr<GSocketAddress> bound(g_socket_get_local_address(listener.get(), nullptr));
    port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound.get()));
  }
  void serve(std::function<void(GSocket*)> script) {
    thread = std::thread([this, script = std::move(script)] {
      GObjectPtr<GSocket> c(g_socket_accept(listener.get(), nullptr, nullptr));
      if (c) script(c.get());
    });
  }
  ~TcpPeer() {
    if (thread.joinable()) thread.join();
  }
};

std::string read_exactly(GSocket* s, std::size_t n) {
  std::string out;
  while (out.size() < n) {
    char buf[4096];
    gssize r = g_socket_receive(s, buf, std::min(sizeof buf, n - out.size()), nullptr, nullptr);
    if (r <= 0) break;
    out.append(buf, std::size_t(r));
  }
  return out;
}

// Self-signed EC certificate for CN=localhost, SAN DNS:localhost, IP:127.0.0.1, valid until 2126.
const char* kCertPem = R"(-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUZIltpafk/mTblTnGipeB+Bhvt+cwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE5MzU1NloYDzIxMjYxMTAx
MTkzNTU2WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAT3bvsZBzQ+h8CV4yUFlE2AS11ruT1MWDK77AY+M9KLwbNqSYZOth82
f/KM5dtxCgrNHfOR9+Qua3zBMg9/0nYto28wbTAdBgNVHQ4EFgQUbvDyUQaDJQbL
cLo1ReXrBjGUJNQwHwYDVR0jBBgwFoAUbvDyUQaDJQbLcLo1ReXrBjGUJNQwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSAAwRQIhAIAUVZo3kIrcr0HGusV3YrOUiFdcuThYiRTSrR7Q3QitAiA3
Gny9oBOHHFzl6b3vKFikHd1if+mveSApxuH52qBrGA==
-----END CERTIFICATE-----
)";
const char* kKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqRtiFoAc38a6CW8W
hryVml7iaA/uSQYjYaHxyzgzJtyhRANCAAT3bvsZBzQ+h8CV4yUFlE2AS11ruT1M
WDK77AY+M9KLwbNqSYZOth82f/KM5dtxCgrNHfOR9+Qua3zBMg9/0nYt
-----END PRIVATE KEY-----
)";

// Records what a ControlConnection reports.
struct Recorder {
  bool connected = false;
  std::string data;
  std::optional<ConnectionFailure> failure;
  ControlConnection::Callbacks callbacks() {
    return {[this] { connected = true; },
            [this](std::span<const std::uint8_t> b) {
              data.append(reinterpret_cast<const char*>(b.data()), b.size());
            },
            [this](const ConnectionFailure& f) { failure = f; }};
  }
};

ControlConnectionConfig local_config(std::uint16_t port) {
  ControlConnectionConfig c;
  c.host = "127.0.0.1";
  c.port = port;
  c.connect_timeout = 5s;
  return c;
}

}  // namespace

// ---------------------------------------------------------------- worker

constexpr WorkerLoop::Thread kThreadKinds[] = {WorkerLoop::Thread::Own, WorkerLoop::Thread::Shared};

GST_START_TEST(test_worker_runs_commands_in_order) {
  for (const auto kind : kThreadKinds) {
    std::vector<int> seen;
    std::mutex m;
    Worker<int> w(
        "t",
        [&](int& c) {
          std::lock_guard l(m);
          seen.push_back(c);
        },
        kind);
    // Pushed before start: kept, not dropped.
    for (int i = 0; i < 10; ++i) w.push(i);
    w.start();
    for (int i = 10; i < 1000; ++i) w.push(i);
    w.stop();  // runs everything pushed before it
    fail_unless_equals_int(int(seen.size()), 1000);
    for (int i = 0; i < 1000; ++i) fail_unless_equals_int(seen[std::size_t(i)], i);
  }
}
GST_END_TEST;

GST_START_TEST(test_worker_never_drops_under_contention) {
  for (const auto kind : kThreadKinds) {
    std::atomic<int> count{0};
    Worker<int> w(
        "t", [&](int&) { count.fetch_add(1); }, kind);
    w.start();
    std::vector<std::thread> pushers;
    for (int t = 0; t < 4; ++t) {
      pushers.emplace_back([&w] {
        for (int i = 0; i < 2500; ++i) w.push(i);
      });
    }
    for (auto& t : pushers) t.join();
    w.stop();
    fail_unless_equals_int(count.load(), 10000);
    // Restartable, and commands pushed while stopped run on the next start.
    w.push(1);
    fail_unless_equals_int(count.load(), 10000);
    w.start();
    w.stop();
    fail_unless_equals_int(count.load(), 10001);
  }
}
GST_END_TEST;

GST_START_TEST(test_worker_commands_run_on_worker_thread) {
  for (const auto kind : kThreadKinds) {
    std::thread::id handler_thread;
    bool in_worker = false;
    bool own_context = false;
    Worker<int>* wp = nullptr;
    Worker<int> w(
        "t",
        [&](int&) {
          handler_thread = std::this_thread::get_id();
          in_worker = wp->in_worker_thread();
          // GIO async calls started in a command call back on the worker's context.
          own_context = g_main_context_get_thread_default() == wp->context();
        },
        kind);
    wp = &w;
    w.start();
    w.push(1);
    w.stop();
    fail_unless(handler_thread != std::this_thread::get_id());
    fail_unless(in_worker);
    fail_unless(own_context);
    fail_if(w.in_worker_thread());
  }
}
GST_END_TEST;

// Shared workers: at most set_shared_thread_limit() threads for any number of them, each worker still with
// its own context (the thread-default one while its commands run) and timers, and a worker is told when its
// thread also runs others.
GST_START_TEST(test_shared_workers_share_threads) {
  WorkerThread::set_shared_thread_limit(2);
  constexpr int kWorkers = 5;
  struct Seen {
    std::thread::id thread;
    bool own_context = false;
    bool shared = false;
    std::atomic<bool> timer_fired{false};
  };
  std::vector<Seen> seen(kWorkers);
  std::vector<std::unique_ptr<Worker<int>>> workers;
  std::vector<std::unique_ptr<Timer>> timers;
  for (int i = 0; i < kWorkers; ++i) {
    auto& s = seen[std::size_t(i)];
    workers.push_back(std::make_unique<Worker<int>>(
        "t",
        [&s, &workers, i](int&) {
          s.thread = std::this_thread::get_id();
          s.own_context = g_main_context_get_thread_default() == workers[std::size_t(i)]->context();
          s.shared = workers[std::size_t(i)]->shares_thread();
        },
        WorkerLoop::Thread::Shared));
    timers.push_back(std::make_unique<Timer>(workers.back()->context(), [&s] { s.timer_fired = true; }));
  }
  for (auto& w : workers) w->start();
  fail_unless(WorkerThread::shared_threads() <= 2);
  // Armed from this thread: each worker's thread must wake for it.
  for (auto& t : timers) t->arm_in(1ms);
  for (auto& w : workers) w->push(0);
  const auto until = SteadyClock::now() + 10s;
  auto all_fired = [&] {
    for (auto& s : seen)
      if (!s.timer_fired) return false;
    return true;
  };
  while (!all_fired() && SteadyClock::now() < until) std::this_thread::yield();
  for (auto& w : workers) w->stop();
  timers.clear();
  fail_unless(all_fired());
  std::set<std::thread::id> threads;
  int shared = 0;
  for (auto& s : seen) {
    threads.insert(s.thread);
    fail_unless(s.own_context);
    shared += s.shared ? 1 : 0;
  }
  fail_if(threads.count(std::this_thread::get_id()) != 0);
  fail_unless(threads.size() <= 2, "%zu threads for %d shared workers", threads.size(), kWorkers);
  fail_unless(shared >= kWorkers - 1, "%d of %d workers knew they share a thread", shared, kWorkers);
}
GST_END_TEST;

// A worker's command may stop another worker of the same thread (an application stopping one element from
// another's callback): the other's queued commands run at once, and nothing of it is dispatched afterwards.
GST_START_TEST(test_shared_worker_stopped_by_a_neighbour) {
  WorkerThread::set_shared_thread_limit(1);
  std::atomic<int> b_ran{0};
  std::atomic<int> b_timer{0};
  Worker<int> b(
      "b", [&](int&) { b_ran.fetch_add(1); }, WorkerLoop::Thread::Shared);
  auto b_late = std::make_unique<Timer>(b.context(), [&] { b_timer.fetch_add(1); });
  int b_ran_at_stop = -1;
  bool same_thread = false;
  std::atomic<bool> a_done{false};
  Worker<int> a(
      "a",
      [&](int&) {
        same_thread = b.in_worker_thread();
        b_late->arm_in(0ms);  // due at once: it must not fire, b leaves the thread first
        b.stop();
        b_ran_at_stop = b_ran.load();
        a_done = true;
      },
      WorkerLoop::Thread::Shared);
  b.start();
  a.start();
  for (int i = 0; i < 100; ++i) b.push(i);
  a.push(0);
  const auto until = SteadyClock::now() + 10s;
  while (!a_done && SteadyClock::now() < until) std::this_thread::yield();
  fail_unless(a_done);
  a.stop();
  fail_unless(same_thread);
  fail_unless_equals_int(b_ran_at_stop, 100);
  fail_if(b.running());
  // b's timer fell due as b stopped: it never fires (a.stop() took the thread round at least once more).
  fail_unless_equals_int(b_timer.load(), 0);
  b_late.reset();
}
GST_END_TEST;

// A shared thread prepares a worker's context again only when something of it fired; a timer of one worker
// armed from another's command on the same thread must still wake it.
GST_START_TEST(test_shared_worker_timer_armed_by_a_neighbour) {
  WorkerThread::set_shared_thread_limit(1);
  std::atomic<bool> fired{false};
  std::atomic<bool> same_thread{false};
  std::atomic<int> b_ran{0};
  std::atomic<int> a_ran{0};
  Worker<int> b(
      "b", [&](int&) { b_ran.fetch_add(1); }, WorkerLoop::Thread::Shared);
  auto timer = std::make_unique<Timer>(b.context(), [&] { fired = true; });
  Worker<int> a(
      "a",
      [&](int& c) {
        if (c == 1) {
          same_thread = b.in_worker_thread();
          timer->arm_in(1ms);
        }
        a_ran.fetch_add(1);
      },
      WorkerLoop::Thread::Shared);
  b.start();
  a.start();
  const auto until = SteadyClock::now() + 10s;
  auto wait_for = [&](std::atomic<int>& n, int value) {
    while (n.load() < value && SteadyClock::now() < until) std::this_thread::yield();
  };
  // b runs a command, then the thread goes round once more (a's first command): b is prepared afresh with
  // nothing due, and is left alone from then on until something of it fires.
  b.push(0);
  wait_for(b_ran, 1);
  a.push(0);
  wait_for(a_ran, 1);
  a.push(1);  // arms b's timer from a's command
  while (!fired && SteadyClock::now() < until) std::this_thread::yield();
  a.stop();
  b.stop();
  timer.reset();
  fail_unless(same_thread);
  fail_unless(fired, "b's timer, armed from a on their shared thread, never fired");
}
GST_END_TEST;

// Without a limit each shared worker has a thread to itself, and a stopped worker's thread serves the next
// one that starts (an element reconnecting or restarted does not cost a new thread).
GST_START_TEST(test_shared_worker_thread_is_reused) {
  WorkerThread::set_shared_thread_limit(std::numeric_limits<std::size_t>::max());
  std::thread::id seen[3];
  auto record = [&](int& i) { seen[i] = std::this_thread::get_id(); };
  Worker<int> a("a", record, WorkerLoop::Thread::Shared);
  Worker<int> b("b", record, WorkerLoop::Thread::Shared);
  a.start();
  b.start();
  a.push(0);
  b.push(1);
  a.stop();
  fail_if(a.shares_thread());
  Worker<int> c("c", record, WorkerLoop::Thread::Shared);
  c.start();
  c.push(2);
  c.stop();
  b.stop();
  fail_if(seen[0] == seen[1], "two workers on one thread without a limit");
  fail_unless(seen[2] == seen[0], "a new thread instead of the idle one");
}
GST_END_TEST;

// By default a shared-kind worker starts on a thread of its own and moves to a shared one (at most
// set_shared_thread_limit()) when it asks to: its commands keep their order across the move, its thread ends,
// and a stop() that comes before the move is done still runs everything queued.
GST_START_TEST(test_worker_moves_to_a_shared_thread) {
  WorkerThread::set_shared_thread_limit(1, false);
  struct Ran {
    std::mutex m;
    std::vector<std::pair<int, std::thread::id>> commands;
    bool shared = false;
  };
  Ran ran[2];
  std::vector<std::unique_ptr<Worker<int>>> workers;
  for (int w = 0; w < 2; ++w) {
    workers.push_back(std::make_unique<Worker<int>>(
        w == 0 ? "mover-a" : "mover-b",
        [&ran, &workers, w](int& c) {
          std::lock_guard l(ran[w].m);
          ran[w].commands.emplace_back(c, std::this_thread::get_id());
          ran[w].shared = workers[std::size_t(w)]->shares_thread();
        },
        WorkerLoop::Thread::Shared));
  }
  auto last = [&](int w) {
    std::lock_guard l(ran[w].m);
    return ran[w].commands.empty() ? std::make_pair(-1, std::thread::id()) : ran[w].commands.back();
  };
  auto run_one = [&](int w, int c) {
    workers[std::size_t(w)]->push(c);
    const auto until = SteadyClock::now() + 10s;
    while (last(w).first != c && SteadyClock::now() < until) std::this_thread::yield();
    return last(w).first == c;
  };
  for (auto& w : workers) w->start();
  fail_unless(run_one(0, 0) && run_one(1, 0));
  const std::thread::id solo[2] = {last(0).second, last(1).second};
  fail_if(solo[0] == solo[1], "both workers started on one thread");
  fail_unless_equals_int(int(WorkerThread::shared_threads()), 0);
  fail_unless_equals_int(rtsp2::test::threads_named("mover-a"), 1);

  for (auto& w : workers) w->share_thread();
  // Commands pushed meanwhile run in order; the move shows within a bounded number of them.
  int next = 1;
  const auto until = SteadyClock::now() + 10s;
  while (SteadyClock::now() < until) {
    fail_unless(run_one(0, next) && run_one(1, next));
    ++next;
    if (last(0).second == last(1).second) break;
  }
  fail_unless(last(0).second == last(1).second, "not moved after %d commands", next);
  fail_if(last(0).second == solo[0] || last(0).second == solo[1]);
  fail_unless_equals_int(int(WorkerThread::shared_threads()), 1);
  // Both there now: a knows it shares its thread.
  fail_unless(run_one(0, next) && run_one(1, next));
  {
    std::lock_guard l(ran[0].m);
    fail_unless(ran[0].shared);
    for (std::size_t i = 0; i < ran[0].commands.size(); ++i)
      fail_unless_equals_int(ran[0].commands[i].first, int(i));
  }
  // The threads they left end.
  const auto gone_by = SteadyClock::now() + 10s;
  while (rtsp2::test::threads_named("mover-a") + rtsp2::test::threads_named("mover-b") > 0 &&
         SteadyClock::now() < gone_by)
    std::this_thread::yield();
  fail_unless_equals_int(rtsp2::test::threads_named("mover-a") + rtsp2::test::threads_named("mover-b"), 0);
  // Named after the worker that moved first.
  fail_unless_equals_int(
      rtsp2::test::threads_named("mover-a-shared") + rtsp2::test::threads_named("mover-b-shared"), 1);

  // Asked to move and stopped at once (the stop may find it moved or not): everything queued runs once, and
  // the stop returns.
  std::atomic<int> count{0};
  Worker<int> c(
      "mover-c", [&](int&) { count.fetch_add(1); }, WorkerLoop::Thread::Shared);
  c.start();
  for (int i = 0; i < 100; ++i) c.push(i);
  c.share_thread();
  c.stop();
  fail_unless_equals_int(count.load(), 100);
  fail_if(c.running());
  for (auto& w : workers) w->stop();
}
GST_END_TEST;

// A worker whose command (a push blocked downstream, an application callback) holds its shared thread does
// not hold a worker started meanwhile: that one goes to another thread, even beyond the limit.
GST_START_TEST(test_shared_worker_avoids_a_blocked_thread) {
  WorkerThread::set_shared_thread_limit(1);
  std::mutex m;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  bool b_ran = false;
  Worker<int> a(
      "a",
      [&](int&) {
        std::unique_lock l(m);
        entered = true;
        cv.notify_all();
        cv.wait_for(l, 10s, [&] { return release; });
      },
      WorkerLoop::Thread::Shared);
  Worker<int> b(
      "b",
      [&](int&) {
        std::lock_guard l(m);
        b_ran = true;
        cv.notify_all();
      },
      WorkerLoop::Thread::Shared);
  a.start();
  a.push(0);
  std::unique_lock l(m);
  fail_unless(cv.wait_for(l, 10s, [&] { return entered; }));
  // The thread counts as blocked once one dispatch has run for 100 ms.
  const auto blocked_since = SteadyClock::now();
  l.unlock();
  while (SteadyClock::now() - blocked_since < 150ms) std::this_thread::yield();
  b.start();
  b.push(0);
  l.lock();
  const bool ran_while_blocked = cv.wait_for(l, 5s, [&] { return b_ran; });
  release = true;
  cv.notify_all();
  l.unlock();
  a.stop();
  b.stop();
  fail_unless(ran_while_blocked, "b waited behind a's blocked command");
}
GST_END_TEST;

GST_START_TEST(test_timer_fires_rearms_and_disarms) {
  TestContext ctx;
  int fired = 0;
  Timer t(ctx.get(), [&] { ++fired; });
  t.arm_in(10ms);
  fail_unless(t.armed());
  fail_unless(run_until(ctx.get(), [&] { return fired == 1; }));
  fail_if(t.armed());
  // Disarmed before its deadline: never fires.
  Timer other(ctx.get(), [&] { fired += 100; });
  other.arm_in(20ms);
  other.disarm();
  t.arm_in(60ms);
  fail_unless(run_until(ctx.get(), [&] { return fired >= 2; }));
  fail_unless_equals_int(fired, 2);
}
GST_END_TEST;

// A deadline set from another thread while the context sleeps in poll must wake it (its own thread re-reads
// deadlines before each poll without being woken, another thread's change would wait for the next wake-up).
std::latch* g_in_poll = nullptr;
std::atomic<bool> g_poll_seen{false};
gint signalling_poll(GPollFD* fds, guint n, gint timeout) {
  if (!g_poll_seen.exchange(true)) g_in_poll->count_down();
  return g_poll(fds, n, timeout);
}

GST_START_TEST(test_timer_armed_from_another_thread_wakes_the_context) {
  TestContext ctx;
  std::latch in_poll(1);
  g_in_poll = &in_poll;
  g_poll_seen = false;
  g_main_context_set_poll_func(ctx.get(), signalling_poll);
  std::atomic<bool> fired{false};
  SteadyClock::time_point armed, at;
  Timer t(ctx.get(), [&] {
    fired = true;
    at = SteadyClock::now();
  });
  // Backstop: without the wake-up the poll would sleep until this one (and the test would fail below).
  bool backstop_fired = false;
  Timer backstop(ctx.get(), [&] { backstop_fired = true; });
  backstop.arm_in(20s);
  std::thread other([&] {
    in_poll.wait();  // the test thread is in its poll, waiting for the backstop
    armed = SteadyClock::now();
    t.arm_in(1ms);
  });
  while (!fired && !backstop_fired) g_main_context_iteration(ctx.get(), TRUE);
  other.join();
  g_main_context_set_poll_func(ctx.get(), g_poll);
  fail_unless(fired);
  fail_unless(at - armed < 10s);
}
GST_END_TEST;

// ---------------------------------------------------------------- control connection

GST_START_TEST(test_connection_exchanges_bytes_and_frames) {
  TestContext ctx;
  TcpPeer peer;
  std::string peer_got;
  peer.serve([&](GSocket* s) {
    peer_got = read_exactly(s, 5 + 4 + 3);
    const char reply[] = "RTSP/1.0 200 OK\r\n\r\n";
    g_socket_send(s, reply, sizeof reply - 1, nullptr, nullptr);
  });
  Recorder rec;
  ControlConnection conn(ctx.get(), rec.callbacks());
  conn.connect(local_config(peer.port));
  fail_unless(run_until(ctx.get(), [&] { return rec.connected || rec.failure; }));
  fail_unless(rec.connected);
  fail_unless(conn.is_connected());
  fail_unless(conn.remote_address() != nullptr);
  fail_unless_equals_int(g_inet_socket_address_get_port(conn.remote_address().get()), peer.port);
  conn.send("hello");
  const std::uint8_t payload[] = {1, 2, 3};
  fail_unless(conn.send_interleaved(7, payload));
  fail_unless(run_until(ctx.get(), [&] { return rec.data.size() >= 19 && rec.failure; }));
  fail_unless_equals_string(rec.data.c_str(), "RTSP/1.0 200 OK\r\n\r\n");
  // The peer closed after replying.
  fail_unless(rec.failure->error == ConnectionError::Closed);
  peer.thread.join();
  fail_unless(peer_got == std::string("hello$\x07\x00\x03\x01\x02\x03", 12));
}
GST_END_TEST;

// Read moderation on the control connection (media interleaved on it): after a read that got bytes, the
// socket rests for the interval; two later sends come in one read, no earlier than the interval after the
// first.
GST_START_TEST(test_connection_read_interval_rests_after_a_read) {
  {
    const std::chrono::microseconds interval = 300ms;
    TestContext ctx;
    TcpPeer peer;
    std::promise<void> first_read;
    std::promise<void> done;
    peer.serve([&](GSocket* s) {
      g_socket_send(s, "a", 1, nullptr, nullptr);
      first_read.get_future().wait();
      g_socket_send(s, "b", 1, nullptr, nullptr);
      g_socket_send(s, "c", 1, nullptr, nullptr);
      done.get_future().wait();
    });
    std::vector<std::pair<SteadyClock::time_point, std::string>> reads;
    ControlConnection::Callbacks cb;
    cb.connected = [] {};
    cb.failed = [](const ConnectionFailure&) {};
    cb.data = [&](std::span<const std::uint8_t> b) {
      reads.emplace_back(SteadyClock::now(), std::string(reinterpret_cast<const char*>(b.data()), b.size()));
    };
    ControlConnection conn(ctx.get(), cb);
    conn.set_read_interval(interval);
    conn.connect(local_config(peer.port));
    std::string all;
    bool signalled = false;
    const bool all_read = run_until(ctx.get(), [&] {
      // Between iterations, so after the read that got "a" has returned: the peer sends the rest now.
      if (!reads.empty() && !signalled) {
        signalled = true;
        first_read.set_value();
      }
      all.clear();
      for (auto& r : reads) all += r.second;
      return all == "abc";
    });
    if (!signalled) first_read.set_value();  // the peer must never wait forever
    done.set_value();
    conn.close();
    fail_unless(all_read, "got \"%s\"", all.c_str());
    fail_unless_equals_int(int(reads.size()), 2);
    fail_unless_equals_string(reads[1].second.c_str(), "bc");
    fail_unless(
        reads[1].first - reads[0].first >= interval - 5ms, "second read %lld ms after the first",
        (long long)std::chrono::duration_cast<std::chrono::milliseconds>(reads[1].first - reads[0].first)
            .count());
  }
}
GST_END_TEST;

GST_START_TEST(test_connection_refused) {
  TestContext ctx;
  std::uint16_t port = 0;
  {
    TcpPeer closed;  // take a free port, then close it
    port = closed.port;
  }
  Recorder rec;
  ControlConnection conn(ctx.get(), rec.callbacks());
  conn.connect(local_config(port));
  fail_unless(run_until(ctx.get(), [&] { return rec.failure.has_value(); }));
  fail_if(rec.connected);
  fail_unless(rec.failure->error == ConnectionError::Refused, "got %s", to_string(rec.failure->error).data());
}
GST_END_TEST;

GST_START_TEST(test_connection_unknown_host) {
  TestContext ctx;
  Recorder rec;
  ControlConnection conn(ctx.get(), rec.callbacks());
  auto cfg = local_config(554);
  cfg.host = "no-such-host.invalid";  // RFC 6761: never resolves
  conn.connect(std::move(cfg));
  fail_unless(run_until(ctx.get(), [&] { return rec.failure.has_value(); }));
  fail_unless(rec.failure->error == ConnectionError::HostNotFound, "got %s",
              to_string(rec.failure->error).data());
}
GST_END_TEST;

GST_START_TEST(test_connection_tls_handshake_timeout) {
  TestContext ctx;
  TcpPeer peer;  // accepts TCP and never says anything
  std::atomic<bool> release{false};
  peer.serve([&](GSocket* s) {
    // Hold the connection open (reading) until the client gives up.
    char buf[1024];
    while (!release && g_socket_receive(s, buf, sizeof buf, nullptr, nullptr) > 0) {
    }
  });
  Recorder rec;
  ControlConnection conn(ctx.get(), rec.callbacks());
  auto cfg = local_config(peer.port);
  cfg.tls = true;
  cfg.connect_timeout = 300ms;
  const auto start = SteadyClock::now();
  conn.connect(std::move(cfg));
  fail_unless(run_until(ctx.get(), [&] { return rec.failure.has_value(); }));
  fail_unless(rec.failure->error == ConnectionError::Timeout, "got %s", to_string(rec.failure->error).data());
  fail_unless(SteadyClock::now() - start >= 300ms);
  release = true;
  conn.close();  // the peer's receive sees EOF
}
GST_END_TEST;

namespace {
// A TLS server on the peer thread: handshake with the test certificate, then echo once.
void tls_echo(GSocket* s) {
  GObjectPtr<GSocketConnection> base(g_socket_connection_factory_create_connection(s));
  ErrorOut err;
  GObjectPtr<GTlsCertificate> cert(
      g_tls_certificate_new_from_pem((std::string(kCertPem) + kKeyPem).c_str(), -1, err.out()));
  if (!cert) return;
  GObjectPtr<GIOStream> tls(g_tls_server_connection_new(G_IO_STREAM(base.get()), cert.get(), nullptr));
  if (!tls || !g_tls_connection_handshake(G_TLS_CONNECTION(tls.get()), nullptr, nullptr)) return;
  char buf[64];
  gssize n = g_input_stream_read(g_io_stream_get_input_stream(tls.get()), buf, 4, nullptr, nullptr);
  if (n > 0)
    g_output_stream_write_all(g_io_stream_get_output_stream(tls.get()), buf, gsize(n), nullptr, nullptr,
                              nullptr);
  g_io_stream_close(tls.get(), nullptr, nullptr);
}
}  // namespace

GST_START_TEST(test_connection_tls_validation) {
  fail_unless(g_tls_backend_supports_tls(g_tls_backend_get_default()),
              "no TLS backend (scripts/setup.sh installs glib-networking)");
  struct Case {
    const char* name;
    GTlsCertificateFlags flags;
    bool with_database;
    bool expect_ok;
  };
  const Case cases[] = {
      {"self-signed rejected by default", G_TLS_CERTIFICATE_VALIDATE_ALL, false, false},
      {"unknown CA tolerated by flags",
       GTlsCertificateFlags(G_TLS_CERTIFICATE_VALIDATE_ALL & ~G_TLS_CERTIFICATE_UNKNOWN_CA), false, true},
      {"trusted through tls-database", G_TLS_CERTIFICATE_VALIDATE_ALL, true, true},
  };
  for (const auto& c : cases) {
    TestContext ctx;
    TcpPeer peer;
    peer.serve(tls_echo);
    Recorder rec;
    ControlConnection conn(ctx.get(), rec.callbacks());
    auto cfg = local_config(peer.port);
    cfg.host = "localhost";
    cfg.tls = true;
    cfg.tls_validation_flags = c.flags;
    // The database reads its file lazily: the file lives until the end of the case.
    char path[] = "/tmp/rtsp2-ca-XXXXXX";
    std::unique_ptr<char, void (*)(char*)> unlink_later(nullptr, [](char* p) { g_unlink(p); });
    if (c.with_database) {
      int fd = g_mkstemp(path);
      unlink_later.reset(path);
      fail_unless(fd >= 0);
      fail_unless(g_file_set_contents(path, kCertPem, -1, nullptr));
      close(fd);
      cfg.tls_database.reset(g_tls_file_database_new(path, nullptr));
      fail_unless(cfg.tls_database != nullptr, c.name);
    }
    conn.connect(std::move(cfg));
    fail_unless(run_until(ctx.get(), [&] { return rec.connected || rec.failure; }), c.name);
    if (!c.expect_ok) {
      fail_unless(rec.failure && rec.failure->error == ConnectionError::Tls, c.name);
      continue;
    }
    fail_unless(rec.connected, "%s: %s", c.name, rec.failure ? rec.failure->message.c_str() : "");
    conn.send("ping");
    fail_unless(run_until(ctx.get(), [&] { return rec.data.size() >= 4; }), c.name);
    fail_unless_equals_string(rec.data.c_str(), "ping");
  }
}
GST_END_TEST;

GST_START_TEST(test_connection_destroyed_inside_callback) {
  TestContext ctx;
  TcpPeer peer;
  peer.serve([](GSocket* s) {
    const char reply[] = "abc";
    g_socket_send(s, reply, 3, nullptr, nullptr);
  });
  std::unique_ptr<ControlConnection> conn;
  int data_calls = 0;
  conn = std::make_unique<ControlConnection>(
      ctx.get(), ControlConnection::Callbacks{[] {},
                                              [&](std::span<const std::uint8_t>) {
                                                ++data_calls;
                                                conn.reset();  // the owner goes away from inside the callback
                                              },
                                              [](const ConnectionFailure&) { fail("no failure expected"); }});
  conn->connect(local_config(peer.port));
  fail_unless(run_until(ctx.get(), [&] { return conn == nullptr; }));
  fail_unless_equals_int(data_calls, 1);
}
GST_END_TEST;

GST_START_TEST(test_connection_interleaved_bounds) {
  TestContext ctx;
  Recorder rec;
  ControlConnection conn(ctx.get(), rec.callbacks());
  const std::vector<std::uint8_t> small(10);
  // Not connected: dropped and counted.
  fail_if(conn.send_interleaved(0, small));
  fail_unless_equals_int(int(conn.dropped_frames()), 1);
  TcpPeer peer;
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  peer.serve([&](GSocket*) {
    // Holds the connection open without reading until the test is done.
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });
  });
  auto cfg = local_config(peer.port);
  cfg.max_queued_frames_bytes = 64 * 1024;
  conn.connect(std::move(cfg));
  fail_unless(run_until(ctx.get(), [&] { return rec.connected; }));
  const std::vector<std::uint8_t> too_big(70000);
  fail_if(conn.send_interleaved(0, too_big));
  // The peer never reads: frames queue up to the bound, then are dropped; RTSP messages still queue.
  const std::vector<std::uint8_t> frame(60000);
  int sent = 0;
  for (int i = 0; i < 2000 && conn.send_interleaved(1, frame); ++i) ++sent;
  fail_unless(sent > 0 && sent < 2000);
  const auto before = conn.queued_bytes();
  conn.send(std::string(1000, 'x'));
  fail_unless_equals_int(int(conn.queued_bytes() - before), 1000);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
}
GST_END_TEST;

// ---------------------------------------------------------------- UDP

GST_START_TEST(test_port_range_parsing) {
  struct Case {
    const char* text;
    bool ok;
    int first, last;
  };
  const Case cases[] = {{"3000-3005", true, 3000, 3005}, {"5000-5000", true, 5000, 5000},
                        {"3005-3000", false, 0, 0},      {"", false, 0, 0},
                        {"3000", false, 0, 0},           {"0-10", false, 0, 0},
                        {"1-65536", false, 0, 0},        {"a-b", false, 0, 0},
                        {"10-20x", false, 0, 0}};
  for (const auto& c : cases) {
    auto r = parse_port_range(c.text);
    fail_unless(r.has_value() == c.ok, c.text);
    if (r) {
      fail_unless_equals_int(r->first, c.first);
      fail_unless_equals_int(r->last, c.last);
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_udp_pair_ephemeral_even_odd) {
  std::string err;
  auto a = UdpPair::bind_unicast({}, &err);
  fail_unless(a != nullptr, err.c_str());
  fail_unless_equals_int(a->rtp_port() % 2, 0);
  fail_unless_equals_int(a->rtcp_port(), a->rtp_port() + 1);
  auto b = UdpPair::bind_unicast({}, &err);
  fail_unless(b != nullptr);
  fail_if(b->rtp_port() == a->rtp_port());
}
GST_END_TEST;

GST_START_TEST(test_udp_pair_port_range) {
  // Find a free even pair region, then take it through port-range; the next bind in the same range must move
  // on to the next pair, and a third must fail when the range holds only two pairs.
  std::string err;
  auto probe = UdpPair::bind_unicast({}, &err);
  fail_unless(probe != nullptr);
  const std::uint16_t base = probe->rtp_port();
  probe.reset();
  UdpBindOptions opts;
  opts.port_range = PortPairRange{std::uint16_t(base - 1), std::uint16_t(base + 3)};  // odd start: skipped
  auto a = UdpPair::bind_unicast(opts, &err);
  auto b = UdpPair::bind_unicast(opts, &err);
  if (!a || !b) {
    GST_INFO("ports around %u taken by someone else meanwhile: skipped", base);
    return;
  }
  fail_unless_equals_int(a->rtp_port(), base);
  fail_unless_equals_int(b->rtp_port(), base + 2);
  auto c = UdpPair::bind_unicast(opts, &err);
  fail_unless(c == nullptr);
  fail_if(err.empty());
}
GST_END_TEST;

namespace {
GObjectPtr<GSocket> sender_socket() {
  return GObjectPtr<GSocket>(
      g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr));
}
GObjectPtr<GSocketAddress> loopback(std::uint16_t port) {
  GObjectPtr<GInetAddress> lo(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4));
  return GObjectPtr<GSocketAddress>(g_inet_socket_address_new(lo.get(), port));
}

// Linux turns receive timestamps on for the whole stack from a work queue after the first socket asks: until
// then a datagram is stamped when it is read, not when it arrived. True once a datagram that waited 2 ms
// says so (bounded; a loaded machine may take a while).
bool kernel_rx_timestamps_on() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bool stamped = false;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    const auto until = SteadyClock::now() + 10s;
    while (!stamped && SteadyClock::now() < until) {
      sendto(fd, "t", 1, 0, reinterpret_cast<sockaddr*>(&addr), len);
      const auto sent = SteadyClock::now();
      while (SteadyClock::now() - sent < 2ms) std::this_thread::yield();
      char byte = 0;
      iovec iov{&byte, 1};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
      msghdr h{};
      h.msg_iov = &iov;
      h.msg_iovlen = 1;
      h.msg_control = control;
      h.msg_controllen = sizeof control;
      if (recvmsg(fd, &h, 0) < 0) break;
      timespec now{};
      clock_gettime(CLOCK_REALTIME, &now);
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        const std::int64_t age =
            (std::int64_t(now.tv_sec) - ts.tv_sec) * 1'000'000'000 + (now.tv_nsec - ts.tv_nsec);
        stamped = age >= 1'000'000;
      }
    }
  }
  close(fd);
  return stamped;
}
}  // namespace

GST_START_TEST(test_udp_receive_batches) {
  TestContext ctx;
  std::string err;
  auto pair = UdpPair::bind_unicast({}, &err);
  fail_unless(pair != nullptr);
  std::vector<std::string> rtp, rtcp;
  int lists = 0;
  pair->start_receive(ctx.get(), [&](MediaChannel ch, BufferListPtr list, std::span<const std::int64_t>) {
    ++lists;
    for (guint i = 0; i < gst_buffer_list_length(list.get()); ++i) {
      GstBuffer* b = gst_buffer_list_get(list.get(), i);
      std::string s(gst_buffer_get_size(b), '\0');
      gst_buffer_extract(b, 0, s.data(), s.size());
      (ch == MediaChannel::Rtp ? rtp : rtcp).push_back(s);
    }
  });
  auto tx = sender_socket();
  constexpr int kPackets = 200;
  for (int i = 0; i < kPackets; ++i) {
    std::string p = "packet-" + std::to_string(i);
    g_socket_send_to(tx.get(), loopback(pair->rtp_port()).get(), p.data(), p.size(), nullptr, nullptr);
  }
  g_socket_send_to(tx.get(), loopback(pair->rtcp_port()).get(), "rtcp", 4, nullptr, nullptr);
  fail_unless(run_until(ctx.get(), [&] { return rtp.size() == kPackets && rtcp.size() == 1; }));
  for (int i = 0; i < kPackets; ++i) fail_unless(rtp[std::size_t(i)] == "packet-" + std::to_string(i));
  fail_unless_equals_string(rtcp[0].c_str(), "rtcp");
  // Batched: far fewer lists than packets (the sender filled the socket before the first read).
  fail_unless(lists < kPackets / 4, "lists %d", lists);
  fail_unless_equals_int(int(pair->stats(MediaChannel::Rtp).packets), kPackets);
}
GST_END_TEST;

// Read moderation: after a read that found packets the socket rests; what arrives meanwhile comes in one
// list, no earlier than the rest after the first read, each packet with its age (how long it waited, from the
// kernel's receive timestamp). The first rest is an eighth of the interval (slow start).
GST_START_TEST(test_udp_read_interval_batches_with_arrival_ages) {
  TestContext ctx;
  std::string err;
  auto pair = UdpPair::bind_unicast({}, &err);
  fail_unless(pair != nullptr);
  constexpr auto kInterval = 2400ms;
  constexpr auto kFirstRest = kInterval / 8;
  fail_unless(kernel_rx_timestamps_on());
  auto tx = sender_socket();
  auto to = loopback(pair->rtp_port());
  struct Read {
    SteadyClock::time_point at;
    std::vector<std::int64_t> ages;
  };
  std::vector<Read> reads;
  SteadyClock::time_point sent_second;
  pair->start_receive(
      ctx.get(),
      [&](MediaChannel, BufferListPtr list, std::span<const std::int64_t> ages) {
        fail_unless_equals_int(int(ages.size()), int(gst_buffer_list_length(list.get())));
        reads.push_back({SteadyClock::now(), {ages.begin(), ages.end()}});
        if (reads.size() == 1) {
          // Sent right after the first read: they wait in the socket while it rests.
          sent_second = SteadyClock::now();
          // As many as the socket keeps buffers ready for at first (one list per recvmmsg).
          for (int i = 0; i < 4; ++i) g_socket_send_to(tx.get(), to.get(), "later", 5, nullptr, nullptr);
        }
      },
      ReceiveOptions{kInterval});
  g_socket_send_to(tx.get(), to.get(), "first", 5, nullptr, nullptr);
  fail_unless(run_until(ctx.get(), [&] {
    std::size_t n = 0;
    for (auto& r : reads) n += r.ages.size();
    return n == 5;
  }));
  fail_unless_equals_int(int(reads.size()), 2);
  fail_unless_equals_int(int(reads[1].ages.size()), 4);
  const auto rested = reads[1].at - reads[0].at;
  fail_unless(rested >= kFirstRest - 5ms, "second read %lld ms after the first",
              (long long)std::chrono::duration_cast<std::chrono::milliseconds>(rested).count());
  // Each waited from its send until the read: at least most of the rest, at most the time since sending.
  const auto waited = std::chrono::duration_cast<std::chrono::nanoseconds>(reads[1].at - sent_second).count();
  const auto least = std::chrono::duration_cast<std::chrono::nanoseconds>(kFirstRest).count() * 8 / 10;
  for (std::int64_t age : reads[1].ages) {
    fail_unless(age >= least && age <= waited + 5'000'000, "age %lld ns, waited %lld ns", (long long)age,
                (long long)waited);
  }
}
GST_END_TEST;

// The rest grows towards the configured interval while the rate is low, and a burst that would take a good
// part of the socket's receive buffer during a rest makes it shorter (or the kernel would drop datagrams);
// when no burst follows, it grows back.
GST_START_TEST(test_udp_read_interval_adapts_to_the_receive_buffer) {
  TestContext ctx;
  std::string err;
  UdpBindOptions options;
  options.receive_buffer_size = 64 * 1024;
  auto pair = UdpPair::bind_unicast(options, &err);
  fail_unless(pair != nullptr);
  constexpr auto kInterval = 100ms;
  auto tx = sender_socket();
  auto to = loopback(pair->rtp_port());
  bool burst_sent = false;
  std::size_t burst_received = 0;
  const std::string big(1200, 'x');
  pair->start_receive(
      ctx.get(),
      [&](MediaChannel, BufferListPtr list, std::span<const std::int64_t>) {
        if (burst_sent) burst_received += gst_buffer_list_length(list.get());
        if (!burst_sent && pair->stats(MediaChannel::Rtp).interval == kInterval) {
          // Resting the whole interval now: 36 kB arrive meanwhile (about 80 kB of the 128 kB buffer with
          // the kernel's overhead), far more than the rate so far.
          burst_sent = true;
          for (int i = 0; i < 30; ++i)
            g_socket_send_to(tx.get(), to.get(), big.data(), big.size(), nullptr, nullptr);
        }
      },
      ReceiveOptions{kInterval});
  // Small packets, one per read, until the rest has grown to the interval and the burst came.
  fail_unless(run_until(ctx.get(), [&] {
    if (burst_received >= 30) return true;
    if (!burst_sent) g_socket_send_to(tx.get(), to.get(), "small", 5, nullptr, nullptr);
    return false;
  }));
  const auto shortened = pair->stats(MediaChannel::Rtp).interval;
  fail_unless(shortened < kInterval, "interval %lld us", (long long)shortened.count());
  // A one-off burst: once the rate is low again for a while, the rests grow back to the interval.
  fail_unless(run_until(
                  ctx.get(),
                  [&] {
                    if (pair->stats(MediaChannel::Rtp).interval == kInterval) return true;
                    g_socket_send_to(tx.get(), to.get(), "small", 5, nullptr, nullptr);
                    return false;
                  },
                  10s),
              "interval still %lld us", (long long)pair->stats(MediaChannel::Rtp).interval.count());
}
GST_END_TEST;

// Rests keep microsecond precision (they end on a timerfd, not on the context's poll timeout, which counts
// whole milliseconds): with an interval of 1.6 ms the first rest is 200 µs (twice the slow start's 100 µs),
// and what arrives meanwhile is read after it.
GST_START_TEST(test_udp_read_interval_rests_below_a_millisecond) {
  TestContext ctx;
  std::string err;
  auto pair = UdpPair::bind_unicast({}, &err);
  fail_unless(pair != nullptr);
  constexpr auto kInterval = 1600us;
  auto tx = sender_socket();
  auto to = loopback(pair->rtp_port());
  std::vector<SteadyClock::time_point> reads;
  std::size_t received = 0;
  std::chrono::microseconds rest{-1};
  pair->start_receive(
      ctx.get(),
      [&](MediaChannel, BufferListPtr list, std::span<const std::int64_t>) {
        reads.push_back(SteadyClock::now());
        received += gst_buffer_list_length(list.get());
        if (reads.size() == 1) {
          for (int i = 0; i < 10; ++i) g_socket_send_to(tx.get(), to.get(), "later", 5, nullptr, nullptr);
        } else if (reads.size() == 2) {
          rest = pair->stats(MediaChannel::Rtp).interval;  // the rest that just ended
        }
      },
      ReceiveOptions{kInterval});
  g_socket_send_to(tx.get(), to.get(), "first", 5, nullptr, nullptr);
  fail_unless(run_until(ctx.get(), [&] { return received == 11; }));
  fail_unless(rest == 200us, "rest %lld us", (long long)rest.count());
  fail_unless(reads[1] - reads[0] >= 200us, "second read %lld us after the first",
              (long long)std::chrono::duration_cast<std::chrono::microseconds>(reads[1] - reads[0]).count());
}
GST_END_TEST;

// Only what a rest gathered shortens the rests. A burst found while the socket was polled (here it came
// before the context ran at all) and one that came after a rest was due (the thread got the CPU only later:
// here the test holds the context meanwhile) say nothing about how long a rest may be: the rests still grow
// to the interval.
GST_START_TEST(test_udp_read_interval_not_shortened_by_bursts_outside_rests) {
  const std::string big(1200, 'x');
  for (const bool late : {false, true}) {
    TestContext ctx;
    std::string err;
    UdpBindOptions options;
    options.receive_buffer_size = 64 * 1024;  // 36 kB take about 80 kB of the 128 kB the kernel grants
    auto pair = UdpPair::bind_unicast(options, &err);
    fail_unless(pair != nullptr);
    constexpr auto kInterval = 100ms;
    auto tx = sender_socket();
    auto to = loopback(pair->rtp_port());
    auto burst = [&] {
      for (int i = 0; i < 30; ++i)
        g_socket_send_to(tx.get(), to.get(), big.data(), big.size(), nullptr, nullptr);
    };
    int reads = 0;
    pair->start_receive(
        ctx.get(), [&](MediaChannel, BufferListPtr, std::span<const std::int64_t>) { ++reads; },
        ReceiveOptions{kInterval});
    if (late) {
      g_socket_send_to(tx.get(), to.get(), "first", 5, nullptr, nullptr);
      fail_unless(run_until(ctx.get(), [&] { return reads == 1; }));
      // Resting 12.5 ms now; the burst comes 20 rests later, all at once.
      g_usleep(250'000);
    }
    burst();
    // Small packets, one per read, until the rest has grown to the interval.
    fail_unless(run_until(ctx.get(),
                          [&] {
                            if (pair->stats(MediaChannel::Rtp).interval == kInterval) return true;
                            g_socket_send_to(tx.get(), to.get(), "small", 5, nullptr, nullptr);
                            return false;
                          }),
                late ? "late rest" : "no rest");
    fail_unless_equals_int(int(pair->stats(MediaChannel::Rtp).kernel_drops), 0);
  }
}
GST_END_TEST;

// Datagrams the kernel drops while the socket rests (a burst larger than the receive buffer) are counted
// (SO_RXQ_OVFL), and the rests are capped at a quarter of the one that lost them, for good.
GST_START_TEST(test_udp_read_interval_backs_off_after_kernel_drops) {
  TestContext ctx;
  std::string err;
  UdpBindOptions options;
  options.receive_buffer_size = 4096;  // the kernel doubles it: a few datagrams fit
  auto pair = UdpPair::bind_unicast(options, &err);
  fail_unless(pair != nullptr);
  constexpr auto kInterval = 800ms;  // the first rest is 100 ms
  auto tx = sender_socket();
  auto to = loopback(pair->rtp_port());
  int reads = 0;
  const std::string big(1200, 'x');
  pair->start_receive(
      ctx.get(),
      [&](MediaChannel, BufferListPtr, std::span<const std::int64_t>) {
        if (++reads == 1) {
          for (int i = 0; i < 200; ++i)
            g_socket_send_to(tx.get(), to.get(), big.data(), big.size(), nullptr, nullptr);
        }
      },
      ReceiveOptions{kInterval});
  g_socket_send_to(tx.get(), to.get(), "first", 5, nullptr, nullptr);
  // The kernel reports the count with the next datagram it queues after the drops.
  fail_unless(run_until(ctx.get(), [&] {
    if (reads > 0) g_socket_send_to(tx.get(), to.get(), "next", 4, nullptr, nullptr);
    return pair->stats(MediaChannel::Rtp).kernel_drops > 0;
  }));
  // Small packets from now on, a read each: the rests never grow back past the cap.
  for (int k = 0; k < 20; ++k) {
    const int before = reads;
    g_socket_send_to(tx.get(), to.get(), "small", 5, nullptr, nullptr);
    fail_unless(run_until(ctx.get(), [&] { return reads > before; }));
  }
  const auto capped = pair->stats(MediaChannel::Rtp).interval;
  const auto first_rest = kInterval / 8;
  fail_unless(capped <= first_rest / 4, "interval %lld us after drops in a %lld us rest",
              (long long)capped.count(), (long long)std::chrono::microseconds(first_rest).count());
}
GST_END_TEST;

// Automatic read interval: a tenth of latency, at most 100 ms, none for latency 0; a set value wins.
GST_START_TEST(test_read_interval_from_latency) {
  using std::chrono::milliseconds;
  rtsp2::Settings s;
  fail_unless(rtsp2::read_interval(s) == milliseconds(100));  // latency 2000
  s.latency_ms = 200;
  fail_unless(rtsp2::read_interval(s) == milliseconds(20));
  s.latency_ms = 0;
  fail_unless(rtsp2::read_interval(s).count() == 0);
  s.latency_ms = 100000;
  fail_unless(rtsp2::read_interval(s) == milliseconds(100));
  s.read_interval_ms = 0;
  fail_unless(rtsp2::read_interval(s).count() == 0);
  s.read_interval_ms = 120;
  fail_unless(rtsp2::read_interval(s) == milliseconds(120));
}
GST_END_TEST;

// Datagrams larger than the pool's MTU-sized buffers: up to 8 kB more come whole at once (the overflow
// iovec), byte for byte; a larger one is truncated by the kernel, dropped and counted, and the buffers grow
// for the next ones.
GST_START_TEST(test_udp_receive_large_datagram) {
  TestContext ctx;
  std::string err;
  auto pair = UdpPair::bind_unicast({}, &err);
  fail_unless(pair != nullptr);
  std::vector<std::string> got;
  pair->start_receive(ctx.get(), [&](MediaChannel, BufferListPtr list, std::span<const std::int64_t>) {
    for (guint i = 0; i < gst_buffer_list_length(list.get()); ++i) {
      GstBuffer* b = gst_buffer_list_get(list.get(), i);
      std::string s(gst_buffer_get_size(b), '\0');
      gst_buffer_extract(b, 0, s.data(), s.size());
      got.push_back(std::move(s));
    }
  });
  auto tx = sender_socket();
  auto datagram = [](std::size_t size, int seed) {
    std::string d(size, '\0');
    for (std::size_t i = 0; i < size; ++i) d[i] = char((i * 7 + std::size_t(seed)) & 0xff);
    return d;
  };
  auto send = [&](const std::string& d) {
    g_socket_send_to(tx.get(), loopback(pair->rtp_port()).get(), d.data(), d.size(), nullptr, nullptr);
  };
  // Small, jumbo-frame sized, small again in one read: each whole and in order.
  const std::string a = datagram(100, 1), b = datagram(9000, 2), c = datagram(1400, 3);
  send(a);
  send(b);
  send(c);
  fail_unless(run_until(ctx.get(), [&] { return got.size() == 3; }));
  fail_unless(got[0] == a && got[1] == b && got[2] == c);
  fail_unless_equals_int(int(pair->stats(MediaChannel::Rtp).truncated), 0);
  // Past the overflow area: the first is lost, the next one fits the grown buffers.
  const std::string big = datagram(40000, 4);  // the buffers grew to 9216 bytes for the 9000
  send(big);
  fail_unless(run_until(ctx.get(), [&] { return pair->stats(MediaChannel::Rtp).truncated == 1; }));
  send(big);
  fail_unless(run_until(ctx.get(), [&] { return got.size() == 4; }));
  fail_unless(got[3] == big);
}
GST_END_TEST;

// While two batches or more of the socket's buffers wait for another thread to push them (the output
// backlog), the RTP socket is left unread as long as the kernel queue holds less than a quarter of its
// receive buffer; past that it is read anyway (no datagram lost), and once the backlog is gone the rest
// comes, in order. With and without read moderation (the hold ends on the timerfd, or on the context's
// deadline).
GST_START_TEST(test_udp_reads_held_while_the_output_backlog_is_deep) {
  for (const auto interval : {0ms, 40ms}) {
    TestContext ctx;
    std::string err;
    UdpBindOptions options;
    options.receive_buffer_size = 128 * 1024;  // the kernel grants 256 kB: a quarter is 64 kB
    auto pair = UdpPair::bind_unicast(options, &err);
    fail_unless(pair != nullptr);
    std::size_t backlog = 0;
    std::vector<int> got;
    ReceiveOptions ro{interval};
    ro.rtp_backlog = [&] { return backlog; };
    ro.max_hold = 60s;  // not what this test is about
    pair->start_receive(
        ctx.get(),
        [&](MediaChannel, BufferListPtr list, std::span<const std::int64_t>) {
          for (guint i = 0; i < gst_buffer_list_length(list.get()); ++i) {
            GstBuffer* b = gst_buffer_list_get(list.get(), i);
            int index = -1;
            gst_buffer_extract(b, 0, &index, sizeof index);
            got.push_back(index);
          }
        },
        ro);
    auto tx = sender_socket();
    auto to = loopback(pair->rtp_port());
    int sent = 0;
    auto send = [&](std::size_t size) {
      std::string p(size, 'x');
      std::memcpy(p.data(), &sent, sizeof sent);
      ++sent;
      g_socket_send_to(tx.get(), to.get(), p.data(), p.size(), nullptr, nullptr);
    };
    // No backlog: read as usual (and the reads grow to 32 datagrams).
    for (int i = 0; i < 100; ++i) send(100);
    fail_unless(run_until(ctx.get(), [&] { return got.size() == 100; }));
    fail_unless_equals_int(pair->stats(MediaChannel::Rtp).batch, 32);
    fail_unless_equals_int(int(pair->stats(MediaChannel::Rtp).holds), 0);
    // A deep backlog and a few small datagrams, far under a quarter of the buffer: they stay in the kernel.
    backlog = 100;
    for (int i = 0; i < 5; ++i) send(100);
    fail_unless(run_until(ctx.get(), [&] { return pair->stats(MediaChannel::Rtp).holds >= 4; }));
    fail_unless_equals_int(int(got.size()), 100);
    // 80 kB more (about twice that with the kernel's overhead, under the whole buffer): past the quarter,
    // batches are read until it is under a quarter again, not all of them.
    for (int i = 0; i < 80; ++i) send(1000);
    fail_unless(run_until(ctx.get(), [&] { return got.size() >= 132; }), "%zu read, interval %lld ms",
                got.size(), (long long)std::chrono::milliseconds(interval).count());
    const std::uint64_t holds = pair->stats(MediaChannel::Rtp).holds;
    fail_unless(run_until(ctx.get(), [&] { return pair->stats(MediaChannel::Rtp).holds >= holds + 3; }));
    fail_unless(got.size() < std::size_t(sent), "all %zu read with the backlog deep", got.size());
    backlog = 0;
    fail_unless(run_until(ctx.get(), [&] { return got.size() == std::size_t(sent); }));
    for (int i = 0; i < sent; ++i) fail_unless_equals_int(got[std::size_t(i)], i);
    fail_unless_equals_int(int(pair->stats(MediaChannel::Rtp).kernel_drops), 0);
  }
}
GST_END_TEST;

// Holds in a row last at most max_hold: then the socket is read however little the kernel holds (a low-rate
// stream would otherwise wait seconds for a quarter of the buffer, unseen by the element's no-data timeout).
// And no hold while read moderation reads at once (here: an interval below the shortest rest).
GST_START_TEST(test_udp_holds_end_after_max_hold) {
  for (const bool moderation_off_for_rate : {false, true}) {
    TestContext ctx;
    std::string err;
    auto pair = UdpPair::bind_unicast({}, &err);
    fail_unless(pair != nullptr);
    std::size_t backlog = 0, got = 0;
    ReceiveOptions ro{moderation_off_for_rate ? 50us : 0us};
    ro.rtp_backlog = [&] { return backlog; };
    ro.max_hold = 40ms;
    pair->start_receive(
        ctx.get(),
        [&](MediaChannel, BufferListPtr list, std::span<const std::int64_t>) {
          got += gst_buffer_list_length(list.get());
        },
        ro);
    auto tx = sender_socket();
    auto to = loopback(pair->rtp_port());
    g_socket_send_to(tx.get(), to.get(), "first", 5, nullptr, nullptr);
    fail_unless(run_until(ctx.get(), [&] { return got == 1; }));
    backlog = 100;
    const auto sent = SteadyClock::now();
    for (int i = 0; i < 5; ++i) g_socket_send_to(tx.get(), to.get(), "small", 5, nullptr, nullptr);
    fail_unless(run_until(ctx.get(), [&] { return got == 6; }));
    const auto waited = SteadyClock::now() - sent;
    const auto holds = pair->stats(MediaChannel::Rtp).holds;
    if (moderation_off_for_rate) {
      fail_unless_equals_int(int(holds), 0);
    } else {
      fail_unless(holds >= 2, "%d holds", int(holds));
      fail_unless(waited >= 40ms, "read after %lld ms",
                  (long long)std::chrono::duration_cast<std::chrono::milliseconds>(waited).count());
    }
  }
}
GST_END_TEST;

// A socket keeps a few buffers ready at first and doubles them each time a read fills them all, up to 32;
// the RTCP socket stays at 4.
GST_START_TEST(test_udp_buffers_ready_grow_with_the_reads) {
  TestContext ctx;
  std::string err;
  auto pair = UdpPair::bind_unicast({}, &err);
  fail_unless(pair != nullptr);
  std::size_t rtp = 0, rtcp = 0;
  pair->start_receive(ctx.get(), [&](MediaChannel ch, BufferListPtr list, std::span<const std::int64_t>) {
    (ch == MediaChannel::Rtp ? rtp : rtcp) += gst_buffer_list_length(list.get());
  });
  auto tx = sender_socket();
  g_socket_send_to(tx.get(), loopback(pair->rtp_port()).get(), "one", 3, nullptr, nullptr);
  fail_unless(run_until(ctx.get(), [&] { return rtp == 1; }));
  fail_unless_equals_int(pair->stats(MediaChannel::Rtp).batch, 4);
  for (int i = 0; i < 200; ++i)
    g_socket_send_to(tx.get(), loopback(pair->rtp_port()).get(), "many", 4, nullptr, nullptr);
  for (int i = 0; i < 20; ++i)
    g_socket_send_to(tx.get(), loopback(pair->rtcp_port()).get(), "rtcp", 4, nullptr, nullptr);
  fail_unless(run_until(ctx.get(), [&] { return rtp == 201 && rtcp == 20; }));
  fail_unless_equals_int(pair->stats(MediaChannel::Rtp).batch, 32);
  fail_unless_equals_int(pair->stats(MediaChannel::Rtcp).batch, 4);
}
GST_END_TEST;

GST_START_TEST(test_udp_send_and_nat_dummies) {
  std::string err;
  auto server = UdpPair::bind_unicast({}, &err);
  auto client = UdpPair::bind_unicast({}, &err);
  fail_unless(server && client);
  BufferPtr empty(gst_buffer_new());
  fail_if(client->send(MediaChannel::Rtcp, empty.get()));  // no peer yet
  GObjectPtr<GInetAddress> lo(g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4));
  client->set_peer(lo.get(), server->rtp_port(), server->rtcp_port());
  client->send_nat_dummies();
  BufferPtr rr(gst_buffer_new_memdup("rtcp-rr!", 8));
  fail_unless(client->send(MediaChannel::Rtcp, rr.get()));
  TestContext ctx;
  std::vector<std::pair<MediaChannel, std::string>> got;
  server->start_receive(ctx.get(), [&](MediaChannel ch, BufferListPtr list, std::span<const std::int64_t>) {
    for (guint i = 0; i < gst_buffer_list_length(list.get()); ++i) {
      GstBuffer* b = gst_buffer_list_get(list.get(), i);
      std::string s(gst_buffer_get_size(b), '\0');
      gst_buffer_extract(b, 0, s.data(), s.size());
      got.emplace_back(ch, s);
    }
  });
  fail_unless(run_until(ctx.get(), [&] { return got.size() == 4; }));
  int rtp = 0, rtcp = 0;
  for (auto& [ch, s] : got) {
    if (ch == MediaChannel::Rtp) {
      ++rtp;
      fail_unless_equals_int(int(s.size()), 12);
      fail_unless_equals_int(std::uint8_t(s[0]), 0x80);
    } else {
      ++rtcp;
      fail_unless(s == std::string("\x80\xc9\x00\x01\x00\x00\x00\x00", 8) || s == "rtcp-rr!");
    }
  }
  fail_unless_equals_int(rtp, 2);
  fail_unless_equals_int(rtcp, 2);
}
GST_END_TEST;

GST_START_TEST(test_udp_multicast_loopback) {
  std::string err;
  auto probe = UdpPair::bind_unicast({}, &err);
  fail_unless(probe != nullptr);
  const std::uint16_t port = probe->rtp_port();
  probe.reset();
  auto pair = UdpPair::bind_multicast("239.255.42.99", port, std::uint16_t(port + 1), "lo", 0, &err);
  fail_unless(pair != nullptr, "%s", err.c_str());
  fail_unless_equals_int(pair->rtp_port(), port);
  TestContext ctx;
  int received = 0;
  pair->start_receive(ctx.get(), [&](MediaChannel, BufferListPtr l, std::span<const std::int64_t>) {
    received += int(gst_buffer_list_length(l.get()));
  });
  auto tx = sender_socket();
  g_socket_set_multicast_loopback(tx.get(), TRUE);
  // Send through lo, where the receiver joined.
  struct in_addr lo_if {};
  lo_if.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(g_socket_get_fd(tx.get()), IPPROTO_IP, IP_MULTICAST_IF, &lo_if, sizeof lo_if);
  GObjectPtr<GInetAddress> group(g_inet_address_new_from_string("239.255.42.99"));
  GObjectPtr<GSocketAddress> to(g_inet_socket_address_new(group.get(), port));
  fail_unless_equals_int(int(g_socket_send_to(tx.get(), to.get(), "m", 1, nullptr, nullptr)), 1);
  fail_unless(run_until(
      ctx.get(), [&] { return received == 1; }, 5000ms));
  fail_if(UdpPair::bind_multicast("10.0.0.1", port, std::uint16_t(port + 1), "", 0, &err) != nullptr);
}
GST_END_TEST;

static Suite* io_layer_suite() {
  Suite* s = suite_create("io_layer");
  TCase* worker = tcase_create("worker");
  suite_add_tcase(s, worker);
  tcase_add_test(worker, test_worker_runs_commands_in_order);
  tcase_add_test(worker, test_worker_never_drops_under_contention);
  tcase_add_test(worker, test_worker_commands_run_on_worker_thread);
  tcase_add_test(worker, test_shared_workers_share_threads);
  tcase_add_test(worker, test_shared_worker_stopped_by_a_neighbour);
  tcase_add_test(worker, test_shared_worker_avoids_a_blocked_thread);
  tcase_add_test(worker, test_shared_worker_thread_is_reused);
  tcase_add_test(worker, test_worker_moves_to_a_shared_thread);
  tcase_add_test(worker, test_shared_worker_timer_armed_by_a_neighbour);
  tcase_add_test(worker, test_timer_fires_rearms_and_disarms);
  tcase_add_test(worker, test_timer_armed_from_another_thread_wakes_the_context);
  TCase* conn = tcase_create("control_connection");
  suite_add_tcase(s, conn);
  tcase_add_test(conn, test_connection_exchanges_bytes_and_frames);
  tcase_add_test(conn, test_connection_read_interval_rests_after_a_read);
  tcase_add_test(conn, test_connection_refused);
  tcase_add_test(conn, test_connection_unknown_host);
  tcase_add_test(conn, test_connection_tls_handshake_timeout);
  tcase_add_test(conn, test_connection_tls_validation);
  tcase_add_test(conn, test_connection_destroyed_inside_callback);
  tcase_add_test(conn, test_connection_interleaved_bounds);
  TCase* udp = tcase_create("udp");
  suite_add_tcase(s, udp);
  tcase_add_test(udp, test_port_range_parsing);
  tcase_add_test(udp, test_udp_pair_ephemeral_even_odd);
  tcase_add_test(udp, test_udp_pair_port_range);
  tcase_add_test(udp, test_udp_receive_batches);
  tcase_add_test(udp, test_udp_receive_large_datagram);
  tcase_add_test(udp, test_udp_read_interval_batches_with_arrival_ages);
  tcase_add_test(udp, test_udp_read_interval_adapts_to_the_receive_buffer);
  tcase_add_test(udp, test_udp_read_interval_rests_below_a_millisecond);
  tcase_add_test(udp, test_udp_read_interval_not_shortened_by_bursts_outside_rests);
  tcase_add_test(udp, test_udp_read_interval_backs_off_after_kernel_drops);
  tcase_add_test(udp, test_read_interval_from_latency);
  tcase_add_test(udp, test_udp_reads_held_while_the_output_backlog_is_deep);
  tcase_add_test(udp, test_udp_buffers_ready_grow_with_the_reads);
  tcase_add_test(udp, test_udp_holds_end_after_max_hold);
  tcase_add_test(udp, test_udp_send_and_nat_dummies);
  // Multicast only where tests/netns_run.sh made a network namespace for it (meson test io_layer_multicast).
  if (g_getenv("RTSP2_NETNS")) tcase_add_test(udp, test_udp_multicast_loopback);
  return s;
}

GST_CHECK_MAIN(io_layer);
