#include "sink_pipeline.hpp"

#include <atomic>
#include <chrono>

namespace rtsp2::test {

namespace {

struct Counter {
  std::atomic<int> n{0};
};

void attach_counter(GstElement* pipeline, const char* name, Counter* counter) {
  GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), name);
  if (e == nullptr) return;
  GstPad* pad = gst_element_get_static_pad(e, "src");
  gst_pad_add_probe(
      pad, GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo*, gpointer d) -> GstPadProbeReturn {
        static_cast<Counter*>(d)->n++;
        return GST_PAD_PROBE_OK;
      },
      counter, nullptr);
  gst_object_unref(pad);
  gst_object_unref(e);
}

}  // namespace

PublishResult publish(const std::string& launch, const PublishOptions& options) {
  PublishResult r;
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &err);
  if (pipeline == nullptr || err != nullptr) {
    r.error = true;
    r.error_text = err != nullptr ? err->message : "parse failed";
    if (err != nullptr) g_error_free(err);
    if (pipeline != nullptr) gst_object_unref(pipeline);
    return r;
  }
  Counter video, audio;
  attach_counter(pipeline, "vcount", &video);
  attach_counter(pipeline, "acount", &audio);
  if (options.setup) options.setup(pipeline);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  for (bool done = false; !done;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    GstMessage* msg = gst_bus_timed_pop_filtered(
        bus, GstClockTime(left.count()),
        GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_ELEMENT));
    if (msg == nullptr) {
      r.timed_out = true;
      break;
    }
    switch (GST_MESSAGE_TYPE(msg)) {
      case GST_MESSAGE_EOS:
        r.eos = true;
        done = true;
        break;
      case GST_MESSAGE_ERROR: {
        GError* e = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(msg, &e, &debug);
        r.error = true;
        r.error_domain = e->domain;
        r.error_code = e->code;
        r.error_text = e->message;
        r.error_debug = debug != nullptr ? debug : "";
        g_error_free(e);
        g_free(debug);
        done = true;
        break;
      }
      case GST_MESSAGE_WARNING: {
        GError* e = nullptr;
        gst_message_parse_warning(msg, &e, nullptr);
        r.warnings.push_back(e->message);
        if (options.on_warning) options.on_warning(pipeline, e->message);
        g_error_free(e);
        break;
      }
      case GST_MESSAGE_ELEMENT: {
        const GstStructure* s = gst_message_get_structure(msg);
        if (s != nullptr) {
          r.element_messages.push_back(gst_structure_get_name(s));
          if (options.on_element && options.on_element(pipeline, s)) done = true;
        }
        break;
      }
      default:
        break;
    }
    gst_message_unref(msg);
  }
  if (options.at_end) options.at_end(pipeline);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  r.video_sent = video.n.load();
  r.audio_sent = audio.n.load();
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  return r;
}

std::string h264_source(int frames, int key_interval, int width, int height) {
  return "videotestsrc num-buffers=" + std::to_string(frames) +
         " ! video/x-raw,width=" + std::to_string(width) + ",height=" + std::to_string(height) +
         ",framerate=30/1 ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=400 key-int-max=" +
         std::to_string(key_interval) + " ! h264parse ! identity name=vcount";
}

std::string aac_source(int buffers) {
  return "audiotestsrc num-buffers=" + std::to_string(buffers) +
         " samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=1 ! voaacenc ! aacparse ! identity "
         "name=acount";
}

}  // namespace rtsp2::test
