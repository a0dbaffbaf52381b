// rtspsrc2's C++ state, shared by rtspsrc2.cpp (element, pads, state changes) and rtspsrc2_properties.cpp.
#pragma once

#include <gst/base/gstflowcombiner.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "receive_path.hpp"
#include "rtspsrc2.hpp"
#include "src_commands.hpp"
#include "src_controller.hpp"
#include "worker.hpp"

struct _GstRtspSrc2 {
  GstBin parent;
  struct RtspSrc2Private* priv;
};

GST_DEBUG_CATEGORY_EXTERN(rtspsrc2_debug);

namespace rtsp2 {

struct OutputPad {
  unsigned index = 0;
  GstPad* ghost = nullptr;  // owned by the element once added
  std::atomic<bool> discont{false};
};

}  // namespace rtsp2

struct RtspSrc2Private final : public rtsp2::SrcHost {
  explicit RtspSrc2Private(GstRtspSrc2* self);
  ~RtspSrc2Private() override;

  GstRtspSrc2* self;

  // Properties (rtspsrc2_properties.cpp), under settings_mutex.
  std::mutex settings_mutex;
  rtsp2::Settings settings;

  rtsp2::SharedStats shared_stats;
  std::unique_ptr<rtsp2::Worker<rtsp2::Command>> worker;
  std::unique_ptr<rtsp2::SrcController> controller;  // worker thread only

  // The receive path exists from READY→PAUSED to PAUSED→READY; receive_mutex guards the pointer for readers
  // outside the worker (stats).
  std::mutex receive_mutex;
  std::unique_ptr<rtsp2::ReceivePath> receive;

  std::mutex pads_mutex;
  std::map<unsigned, std::unique_ptr<rtsp2::OutputPad>> pads;
  std::vector<unsigned> expected_pads;
  bool no_more_pads_sent = false;
  std::mutex combiner_mutex;
  // Under combiner_mutex: every stream set up has its pad. Until then not-linked is never the combined flow
  // (a stream whose first packet is still to come may be linked), as rtspsrc counts every stream from SETUP.
  bool combiner_has_every_pad = false;
  GstFlowCombiner* combiner = nullptr;

  std::mutex teardown_mutex;
  std::condition_variable teardown_cond;
  bool teardown_finished = false;

  std::atomic<bool> started{false};
  std::atomic<bool> seekable{false};
  std::atomic<GstClockTime> duration{GST_CLOCK_TIME_NONE};
  std::atomic<std::uint32_t> last_seek_seqnum{0};

  // SrcHost
  GstElement* element() override { return GST_ELEMENT(self); }
  rtsp2::ReceivePath* receive_path() override { return receive.get(); }
  rtsp2::SharedStats& stats() override { return shared_stats; }
  void emit_on_sdp(GstSDPMessage* sdp) override;
  bool emit_select_stream(unsigned index, GstCaps* caps) override;
  void set_streams(const std::vector<unsigned>& indices) override;
  void set_presentation(bool seekable, GstClockTime duration) override;
  void mark_discont() override;
  bool has_pads() override;
  bool before_send(rtsp2::core::Request& request) override;
  void handle_request(const rtsp2::core::Request& request, rtsp2::core::Response& response) override;
  bool accept_certificate(GTlsConnection* connection, GTlsCertificate* certificate,
                          GTlsCertificateFlags errors) override;
  void teardown_done() override;
  GstClockTime running_time() override;
};

// rtspsrc2_properties.cpp
void gst_rtsp_src2_install_properties(GObjectClass* klass);
void gst_rtsp_src2_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec);
void gst_rtsp_src2_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);
GstStructure* gst_rtsp_src2_build_stats(GstRtspSrc2* self);
