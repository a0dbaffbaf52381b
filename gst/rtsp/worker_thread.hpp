// The threads that run WorkerLoops: each iterates the GMainContexts of one or more loops, as GMainLoop would
// one (prepare, query, one poll over all of them, check, dispatch), so that every loop keeps a context of its
// own (its sources are never dispatched after its stop(), whatever thread destroys them later) while many
// loops share a thread.
//
//   rtspsrc2 #1 context ─┐
//   rtspsrc2 #2 context ─┼─▶ shared WorkerThread "rtspsrc2": one poll, then each ready context dispatched,
//   rtspsrc2 #3 context ─┘   with it as the thread-default context (GIO async calls come back to it)
//   rtspsink2 context   ───▶ own WorkerThread "rtspsink2" (ends at stop())
//
// Shared threads are process-wide: a loop goes to the one hosting fewest loops, and a new thread starts only
// while there are fewer than shared_thread_limit() (RTSP2_WORKER_THREADS; unset: no limit, so each loop has
// a thread to itself, reused after a stop), or when every one is busy (one dispatch running for 100 ms:
// downstream blocked an element's push on it). A shared thread with nothing to run ends after a few seconds.
#pragma once

#include <glib.h>

#include <cstddef>
#include <memory>
#include <string>
#include <thread>

namespace rtsp2 {

class WorkerLoop;

class WorkerThread {
 public:
  struct Member;
  // Hosts `loop`'s `context` on a thread: a new one of its own, or a shared one. Returns the handle for
  // detach(), or null when no thread could be started. Sets the loop's thread id before its first dispatch.
  static std::shared_ptr<Member> attach(WorkerLoop* loop, GMainContext* context, const std::string& name,
                                        bool shared);
  // Runs the loop's pending commands a last time on its thread, then stops dispatching its context. Returns
  // when that is done; called on the hosting thread itself (another loop's callback stopping this one), it
  // does it at once. False when called from the loop's own dispatch (it cannot stop itself).
  static bool detach(const std::shared_ptr<Member>& member);
  // True on any worker thread (whose work an element's state change must not wait for).
  static bool on_worker_thread();
  // True while the member's thread also runs other loops.
  static bool shared_now(const Member& member);

  // How many shared threads may run; tests lower it. The default is RTSP2_WORKER_THREADS, else no limit.
  static void set_shared_thread_limit(std::size_t limit);
  static std::size_t shared_thread_limit();
  // Shared threads started and not yet ended.
  static std::size_t shared_threads();
};

}  // namespace rtsp2
