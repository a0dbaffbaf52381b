#include "sink_ffmpeg.hpp"

#include <glib/gstdio.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace rtsp2::test {

namespace {

std::uint16_t free_port(GSocketType type = G_SOCKET_TYPE_STREAM) {
  GSocket* s = g_socket_new(G_SOCKET_FAMILY_IPV4, type, G_SOCKET_PROTOCOL_DEFAULT, nullptr);
  GInetAddress* lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  GSocketAddress* sa = g_inet_socket_address_new(lo, 0);
  g_socket_bind(s, sa, TRUE, nullptr);
  GSocketAddress* bound = g_socket_get_local_address(s, nullptr);
  const std::uint16_t port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_object_unref(bound);
  g_object_unref(sa);
  g_object_unref(lo);
  g_socket_close(s, nullptr);
  g_object_unref(s);
  return port;
}

// Whether something listens on 127.0.0.1:port, from /proc/net/tcp (state 0A = LISTEN). A connection attempt
// cannot be used to find out: ffmpeg's listen mode takes exactly one connection.
bool listening(std::uint16_t port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  char want[16];
  g_snprintf(want, sizeof want, ":%04X", port);
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string slot, local, remote, state;
    ss >> slot >> local >> remote >> state;
    if (state == "0A" && local.size() > 5 && local.compare(local.size() - 5, 5, want) == 0) return true;
  }
  return false;
}

std::string run(const std::vector<std::string>& argv) {
  std::vector<const gchar*> args;
  for (const auto& a : argv) args.push_back(a.c_str());
  args.push_back(nullptr);
  GError* err = nullptr;
  GSubprocess* p = g_subprocess_newv(args.data(), G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err);
  if (p == nullptr) {
    g_error_free(err);
    return {};
  }
  gchar* out = nullptr;
  g_subprocess_communicate_utf8(p, nullptr, nullptr, &out, nullptr, nullptr);
  std::string s = out != nullptr ? out : "";
  g_free(out);
  g_object_unref(p);
  return s;
}

}  // namespace

FfmpegRecorder::FfmpegRecorder() {
  gchar* dir = g_dir_make_tmp("rtspsink2-ffmpeg-XXXXXX", nullptr);
  dir_ = dir != nullptr ? dir : "/tmp";
  g_free(dir);
  output_ = dir_ + "/out.mkv";
}

FfmpegRecorder::~FfmpegRecorder() {
  if (process_ != nullptr) {
    g_subprocess_force_exit(process_);
    g_subprocess_wait(process_, nullptr, nullptr);
    g_object_unref(process_);
  }
  g_remove(output_.c_str());
  g_remove((dir_ + "/ffmpeg.log").c_str());
  g_rmdir(dir_.c_str());
}

bool FfmpegRecorder::available() {
  gchar* a = g_find_program_in_path("ffmpeg");
  gchar* b = g_find_program_in_path("ffprobe");
  const bool ok = a != nullptr && b != nullptr;
  g_free(a);
  g_free(b);
  return ok;
}

bool FfmpegRecorder::start(const std::string& path) {
  path_ = path;
  port_ = free_port();
  GSubprocessLauncher* launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_stderr_file_path(launcher, (dir_ + "/ffmpeg.log").c_str());
  g_subprocess_launcher_set_stdout_file_path(launcher, "/dev/null");
  const std::string u = url();
  // FFmpeg's RTP ports start at 5000 unless told otherwise, for every ffmpeg on the machine: two runs of this
  // test at once probe the same ports. A range from where the kernel hands out free ports instead.
  const unsigned rtp_min = std::min(64000u, unsigned(free_port(G_SOCKET_TYPE_DATAGRAM)) & ~1u);
  const std::string min_port = std::to_string(rtp_min), max_port = std::to_string(rtp_min + 100);
  GError* err = nullptr;
  process_ = g_subprocess_launcher_spawn(launcher, &err, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel",
                                         "info", "-rtsp_flags", "listen", "-timeout", "30", "-min_port",
                                         min_port.c_str(), "-max_port", max_port.c_str(), "-i", u.c_str(),
                                         "-c", "copy", "-y", output_.c_str(), nullptr);
  g_object_unref(launcher);
  if (process_ == nullptr) {
    g_error_free(err);
    return false;
  }
  // Bounded readiness check of a condition the kernel reports, not a guess at how long start-up takes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!listening(port_)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::string FfmpegRecorder::url() const {
  return "rtsp://127.0.0.1:" + std::to_string(port_) + path_;
}

bool FfmpegRecorder::wait_exit(int timeout_ms) {
  if (process_ == nullptr) return false;
  // g_subprocess_wait with a cancellable fired by a timer on a private context.
  GMainContext* ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  GCancellable* cancel = g_cancellable_new();
  GSource* timer = g_timeout_source_new(guint(timeout_ms));
  g_source_set_callback(
      timer,
      +[](gpointer c) -> gboolean {
        g_cancellable_cancel(static_cast<GCancellable*>(c));
        return G_SOURCE_REMOVE;
      },
      cancel, nullptr);
  g_source_attach(timer, ctx);
  bool done = false;
  g_subprocess_wait_async(
      process_, cancel, +[](GObject*, GAsyncResult*, gpointer d) { *static_cast<bool*>(d) = true; }, &done);
  while (!done) g_main_context_iteration(ctx, TRUE);
  g_source_destroy(timer);
  g_source_unref(timer);
  const bool exited = !g_cancellable_is_cancelled(cancel);
  g_object_unref(cancel);
  g_main_context_pop_thread_default(ctx);
  g_main_context_unref(ctx);
  if (!exited) {
    g_subprocess_force_exit(process_);
    g_subprocess_wait(process_, nullptr, nullptr);
  }
  gchar* text = nullptr;
  if (g_file_get_contents((dir_ + "/ffmpeg.log").c_str(), &text, nullptr, nullptr)) log_ = text;
  g_free(text);
  g_object_unref(process_);
  process_ = nullptr;
  return exited;
}

std::string FfmpegRecorder::log() const {
  return log_;
}

Probe ffprobe(const std::string& file) {
  Probe p;
  p.raw = run({"ffprobe", "-v", "error", "-count_frames", "-show_entries",
               "stream=index,codec_type,codec_name,nb_read_frames:format=duration", "-of",
               "default=noprint_wrappers=1", file});
  std::istringstream in(p.raw);
  std::string line;
  ProbedStream current;
  std::string type;
  auto flush = [&] {
    if (type == "video") p.video = current;
    if (type == "audio") p.audio = current;
    current = ProbedStream{};
    type.clear();
  };
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "index") flush();
    if (key == "codec_name") current.codec = value;
    if (key == "codec_type") type = value;
    if (key == "nb_read_frames") current.frames = value == "N/A" ? -1 : std::stoi(value);
    if (key == "duration" && value != "N/A") p.duration = g_ascii_strtod(value.c_str(), nullptr);
  }
  flush();
  p.ok = !p.video.codec.empty();
  return p;
}

}  // namespace rtsp2::test
