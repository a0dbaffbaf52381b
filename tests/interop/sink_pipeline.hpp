// Runs a publishing pipeline for rtspsink2's tests and reports what happened: the first error (domain, code,
// text, debug), warnings, element messages, and how many buffers passed the identity elements named vcount
// and acount (what reached rtspsink2).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <gst/gst.h>

namespace rtsp2::test {

struct PublishResult {
  bool eos = false;
  bool timed_out = false;
  bool error = false;
  GQuark error_domain = 0;
  int error_code = 0;
  std::string error_text;
  std::string error_debug;
  std::vector<std::string> warnings;
  std::vector<std::string> element_messages;  // structure names, in order
  int video_sent = 0;
  int audio_sent = 0;
};

struct PublishOptions {
  int timeout_ms = 30000;
  // Called with the pipeline in NULL, after parsing (connect signals, set properties).
  std::function<void(GstElement*)> setup;
  // Called for every element message; returning true stops the run (as EOS would).
  std::function<bool(GstElement*, const GstStructure*)> on_element;
  // Called for every warning (its message).
  std::function<void(GstElement*, const std::string&)> on_warning;
  // Called when the run ended (EOS, error or timeout), before the pipeline goes to NULL.
  std::function<void(GstElement*)> at_end;
};

PublishResult publish(const std::string& launch, const PublishOptions& options = {});

// Launch fragments.
std::string h264_source(int frames, int key_interval = 15, int width = 320, int height = 240);
std::string aac_source(int buffers);

}  // namespace rtsp2::test
