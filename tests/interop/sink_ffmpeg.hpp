// FFmpeg as a RECORD server for rtspsink2's tests: `ffmpeg -rtsp_flags listen -i rtsp://127.0.0.1:PORT/PATH
// -c copy OUT.mkv` as a child process (always killed when the object goes), and ffprobe on what it wrote.
#pragma once

#include <cstdint>
#include <string>

#include <gio/gio.h>

namespace rtsp2::test {

struct ProbedStream {
  std::string codec;  // "" when absent
  int frames = -1;
};

struct Probe {
  bool ok = false;
  ProbedStream video;
  ProbedStream audio;
  double duration = -1;
  std::string raw;  // ffprobe's output, for failure messages
};

class FfmpegRecorder {
 public:
  FfmpegRecorder();
  ~FfmpegRecorder();
  FfmpegRecorder(const FfmpegRecorder&) = delete;
  FfmpegRecorder& operator=(const FfmpegRecorder&) = delete;

  static bool available();
  // Starts ffmpeg on a free port and waits (bounded) until it listens. False when it could not.
  bool start(const std::string& path = "/live");
  std::string url() const;
  // Waits for ffmpeg to finish (it does after TEARDOWN); false on timeout (then it is killed).
  bool wait_exit(int timeout_ms);
  std::string output_file() const { return output_; }
  std::string log() const;  // ffmpeg's stderr so far (after wait_exit)

 private:
  GSubprocess* process_ = nullptr;
  std::string dir_;
  std::string output_;
  std::string path_;
  std::uint16_t port_ = 0;
  std::string log_;
};

Probe ffprobe(const std::string& file);

}  // namespace rtsp2::test
