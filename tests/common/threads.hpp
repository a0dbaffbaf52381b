// Threads of the test process by name (what pthread_setname_np gave them, as top -H shows).
#pragma once

#include <glib.h>

#include <string>

namespace rtsp2::test {

// How many threads of this process are named `name` (-1 when /proc cannot be read).
inline int threads_named(const std::string& name) {
  GDir* dir = g_dir_open("/proc/self/task", 0, nullptr);
  if (dir == nullptr) return -1;
  int n = 0;
  while (const char* tid = g_dir_read_name(dir)) {
    gchar* comm = nullptr;
    const std::string path = std::string("/proc/self/task/") + tid + "/comm";
    if (g_file_get_contents(path.c_str(), &comm, nullptr, nullptr)) {
      if (g_strchomp(comm) == name) ++n;
      g_free(comm);
    }
  }
  g_dir_close(dir);
  return n;
}

}  // namespace rtsp2::test
