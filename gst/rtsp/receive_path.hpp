// What turns received RTP/RTCP into timed output pads: jitterbuffer, RTCP receiver reports and A/V sync.
//
//   worker thread ──push_rtp/push_rtcp(stream, list)──▶ ReceivePath ──pad_added(stream, pad)──▶ element
//   ghosts it
//                                                        └──rtcp_out(stream, buffer)──▶ worker sends it to
//                                                        the server
//
// Two implementations: the native one (make_native_receive_path: one core::RtpReceiver per stream on the
// worker thread, the default) and one wrapping upstream rtpbin inside the element's bin
// (make_rtpbin_receive_path, rtp-engine=rtpbin). Streams are numbered like the element's pads. The native
// path must be called on the worker thread, except push_event*() (marshalled there) and add_stats().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "gst_ptr.hpp"
#include "media_properties.hpp"

namespace rtsp2 {

// rtspsrc's GstRTSPSrcBufferMode values (rtpbin's numbering).
enum class BufferMode { None = 0, Slave = 1, Buffer = 2, Auto = 3, Synced = 4 };

// What rtpbin alone applies (rtp-engine=rtpbin); the native engine warns about what it does not do.
struct RtpBinOnlySettings {
  BufferMode buffer_mode = BufferMode::Auto;  // auto: slave (no x-gst-clock, no buffering mode)
  bool ntp_sync = false;
  NtpTimeSource ntp_time_source = NtpTimeSource::Ntp;
  bool use_pipeline_clock = false;
  int max_rtcp_rtp_time_diff = 1000;
  std::int64_t max_ts_offset = 3'000'000'000;
  bool max_ts_offset_set = false;  // ntp-sync changes the default to 0 unless it was set
  std::uint64_t max_ts_offset_adjustment = 0;
};

struct ReceivePathConfig {
  unsigned latency_ms = 2000;
  bool drop_on_latency = false;
  bool do_rtcp = true;
  unsigned probation = 2;                    // RFC 3550 MIN_SEQUENTIAL
  std::shared_ptr<const GstStructure> sdes;  // the sdes property: our SDES items; null: the defaults
  RtpBinOnlySettings rtpbin;
};

class ReceivePath {
 public:
  struct Callbacks {
    // A stream's output appeared (or was replaced, when the sender's SSRC changed): from a streaming thread.
    std::function<void(unsigned stream, GstPad* pad)> pad_added;
    std::function<void(unsigned stream, GstPad* pad)> pad_removed;
    // RTCP for the server, from the receive path's RTCP thread.
    std::function<void(unsigned stream, BufferPtr rtcp)> rtcp_out;
    // Downstream refused data for good (not-linked, not-negotiated, error): native path only, worker thread.
    std::function<void(unsigned stream, GstFlowReturn ret)> flow_error;
    // True while the worker thread also serves other elements (native path, worker thread): a push blocked
    // downstream must then not hold it.
    std::function<bool()> worker_shared;
    // From now on the output threads push every stream, not the worker (native path, worker thread, once):
    // the worker's thread may then serve other elements as well.
    std::function<void()> output_threaded;
  };

  virtual ~ReceivePath() = default;
  // The element managing the sessions (for the new-manager signal); may be null.
  virtual GstElement* manager() const = 0;
  // True when the path counts reordering itself (the element then only counts packets and bytes).
  virtual bool counts_sequence() const { return false; }
  // Adds the stream's receive statistics (lost, jitter, ...) to `out`. Any thread.
  virtual void add_stats(unsigned stream, GstStructure* out) const = 0;
  // Adds a stream with its RTP caps (application/x-rtp with clock-rate...). Idempotent per stream number.
  virtual void add_stream(unsigned stream, GstCaps* caps) = 0;
  // New caps for the stream (RTP-Info, ranges after PLAY): sent before the next data.
  virtual void set_caps(unsigned stream, GstCaps* caps) = 0;
  // Buffers of the stream's RTP waiting for an output thread to push them (native path, worker thread);
  // the UDP reader holds its reads while that is deep (media_transport.hpp).
  virtual std::size_t backlog(unsigned /*stream*/) { return 0; }
  // The pipeline went PLAYING→PAUSED: its sinks hold the next push until PLAYING. Any thread.
  virtual void pipeline_paused() {}
  // Buffers must carry their arrival time (running time) as DTS.
  virtual GstFlowReturn push_rtp(unsigned stream, BufferListPtr list) = 0;
  virtual GstFlowReturn push_rtcp(unsigned stream, BufferListPtr list) = 0;
  // An event into every stream (flush-start/stop, segment, EOS).
  virtual void push_event_all(GstEvent* event) = 0;  // transfer none
  virtual void push_event(unsigned stream, GstEvent* event) = 0;
  // Takes the manager out of the bin; the object must then be destroyed. Called with the bin at READY or
  // below.
  virtual void remove() = 0;
};

// The rtpbin-only properties set to something the native path does not do (it works as buffer-mode=slave,
// and ntp-time-source / use-pipeline-clock only matter for RTCP sender reports, which a receiver never
// sends).
std::vector<const char*> native_unapplied_properties(const RtpBinOnlySettings& settings);

std::unique_ptr<ReceivePath> make_native_receive_path(GMainContext* context, const ReceivePathConfig& config,
                                                      ReceivePath::Callbacks callbacks);
std::unique_ptr<ReceivePath> make_rtpbin_receive_path(GstBin* bin, const ReceivePathConfig& config,
                                                      ReceivePath::Callbacks callbacks);

}  // namespace rtsp2
