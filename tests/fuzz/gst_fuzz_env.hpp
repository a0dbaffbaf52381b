// Shared set-up for fuzz targets that call into GStreamer (SDP, caps): include it in exactly one file per
// target.
//
// GLib never frees its quark table: when the table grows the old array is dropped on purpose (lock-free
// lookups), and every new caps field name from a fuzzed fmtp makes a quark. Those arrays are allocated under
// g_quark_from_*() (or in GLib's constructor for the first one); only they are exempt from leak reports. The
// slow unwinder is needed to see those frames through GLib, which has no frame pointers.
#pragma once

#include <gst/gst.h>

#include <cstdlib>

extern "C" const char* __lsan_default_suppressions() {
  return "leak:g_quark_from_string\n"
         "leak:g_quark_from_static_string\n"
         "leak:g_intern_string\n"
         "leak:g_intern_static_string\n"
         "leak:_dl_init\n";
}
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0:malloc_context_size=16";
}

// gst_init once; as in gst-check tests, no input may make GLib or GStreamer warn: abort() (unlike GLib's own
// SIGTRAP) leaves libFuzzer a crash artifact.
inline void init_gst_for_fuzzing() {
  static const bool initialised = [] {
    gst_init(nullptr, nullptr);
    g_log_set_default_handler(
        [](const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer) {
          g_log_default_handler(domain, level, message, nullptr);
          if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) abort();
        },
        nullptr);
    return true;
  }();
  (void)initialised;
}
