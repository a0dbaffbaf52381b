// The threads that run WorkerLoops: each iterates the GMainContexts of one or more loops, as GMainLoop would
// one (prepare, query, one poll over all of them, check, dispatch), so that every loop keeps a context of its
// own (its sources are never dispatched after its stop(), whatever thread destroys them later) while many
// loops share a thread.
//
//   rtspsrc2 #1 context ───▶ solo WorkerThread "rtspsrc2" (pushes its single stream itself)
//   rtspsrc2 #2 context ─┐
//   rtspsrc2 #3 context ─┼─▶ shared WorkerThread "rtspsrc2-shared": one poll, then each ready context
//   rtspsrc2 #4 context ─┘   dispatched with it as the thread-default context (GIO async calls come back to
//   it) rtspsink2 context   ───▶ own WorkerThread "rtspsink2" (ends at stop())
//
// A shared-kind loop starts on a solo thread (reused by the next loop for a few seconds after it stopped),
// and moves to a shared thread when share() says it no longer does work that may block (rtspsrc2: its
// streams are pushed by the output pool). Shared threads are process-wide: a loop goes to the one hosting
// fewest loops, and a new thread starts only while there are fewer than the limit (as many as
// CPUs), or when every one is busy (one dispatch running for 100 ms: an application callback blocked it).
// RTSP2_WORKER_THREADS=N puts every shared-kind loop on at most N shared threads from its start. A shared
// thread with nothing to run ends after a few seconds.
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
  // Moves a loop from its solo thread to a shared one, soon (between two dispatches). Any thread; nothing
  // when it is not on a solo thread or is being stopped.
  static void share(const std::shared_ptr<Member>& member);
  // True on any worker thread (whose work an element's state change must not wait for).
  static bool on_worker_thread();
  // True while the member's thread also runs other loops.
  static bool shared_now(const Member& member);

  // How many shared threads may run, and whether loops go there from their start; tests set them. The
  // default is RTSP2_WORKER_THREADS (from the start), else the number of CPUs (after share()).
  static void set_shared_thread_limit(std::size_t limit, bool share_all = true);
  // Shared threads started and not yet ended.
  static std::size_t shared_threads();
};

}  // namespace rtsp2
