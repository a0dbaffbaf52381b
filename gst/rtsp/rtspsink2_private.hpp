// rtspsink2's C++ state, shared by rtspsink2.cpp (element, pads, state changes) and rtspsink2_properties.cpp.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "rtspsink2.hpp"
#include "sink_controller.hpp"
#include "sink_settings.hpp"
#include "sink_stream.hpp"
#include "worker.hpp"

GST_DEBUG_CATEGORY_EXTERN(rtspsink2_debug);

struct _GstRtspSink2 {
  GstBin parent;
  struct RtspSink2Private* priv;
};

struct _GstRtspSink2Pad {
  GstGhostPad parent;
  gchar* payloader;  // requested factory name, or null (under the object lock)
  guint index;
};

namespace rtsp2::sink {

// One request pad and what it feeds.
struct PadEntry {
  GstRtspSink2Pad* pad = nullptr;  // owned by the element once added
  std::shared_ptr<SinkStream> stream;
  GstElement* out = nullptr;        // in the bin; one reference held here too (released with the pad)
  GstElement* payloader = nullptr;  // likewise; null for application/x-rtp input
  bool linked = false;
};

}  // namespace rtsp2::sink

struct RtspSink2Private final : public rtsp2::sink::StreamListener, public rtsp2::sink::SinkHost {
  explicit RtspSink2Private(GstRtspSink2* self) : self(self) {}

  GstRtspSink2* self;

  // Properties (rtspsink2_properties.cpp), under settings_mutex.
  std::mutex settings_mutex;
  rtsp2::sink::SinkSettings settings;

  std::mutex pads_mutex;
  std::map<unsigned, rtsp2::sink::PadEntry> pads;
  unsigned next_pad = 0;
  std::atomic<std::uint64_t> order{0};

  // The worker and its controller exist from READY→PAUSED to PAUSED→READY. run_mutex guards the pointers for
  // the streaming threads (commands) and the stats property; the worker thread never takes it.
  std::mutex run_mutex;
  std::unique_ptr<rtsp2::Worker<rtsp2::sink::SinkCommand>> worker;
  std::unique_ptr<rtsp2::sink::SinkController> controller;
  rtsp2::sink::ControllerStats last_stats;  // kept after stop for the stats property

  std::mutex stop_mutex;
  std::condition_variable stop_cond;
  bool stop_done = false;

  void push(rtsp2::sink::SinkCommand command);

  // StreamListener (streaming threads)
  void stream_ready(unsigned index) override;
  void stream_data(unsigned index) override;
  void stream_eos(unsigned index) override;
  void stream_dropping(unsigned index, const std::string& why) override;

  // SinkHost (worker thread)
  GstElement* element() override { return GST_ELEMENT(self); }
  void update_sdp(GstSDPMessage* sdp) override;
  void stopped() override;
  bool accept_certificate(GTlsConnection* connection, GTlsCertificate* certificate,
                          GTlsCertificateFlags errors) override;
};

// rtspsink2_properties.cpp
void gst_rtsp_sink2_install_properties(GObjectClass* klass);
void gst_rtsp_sink2_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec);
void gst_rtsp_sink2_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);
