// A pipeline around rtspsrc2 (or rtspsrc) for tests: each src pad gets a branch that depayloads and decodes
// what it knows (H.264 → avdec_h264, AAC → rtpmp4gdepay) and counts buffers at a fakesink; bus messages are
// collected. Tests wait on conditions with a bounded timeout, never sleep.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rtsp2::test {

struct PadProbe {
  std::string name;
  std::string caps;  // of the src pad when it was added
  int buffers = 0;   // at the end of the branch (decoded frames for H.264)
  int discont = 0;   // DISCONT buffers seen on the src pad itself
  int rtp_buffers = 0;
  std::vector<std::uint16_t> seqs;  // RTP sequence numbers pushed on the src pad (the first 4096)
  bool pts_increasing = true;
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  std::vector<GstSegment> segments;
};

class SrcProbe {
 public:
  // factory: "rtspsrc2" or "rtspsrc". decode=false: every pad goes to a plain fakesink. Pads whose caps have
  // media=`leave_unlinked` are left alone.
  SrcProbe(const std::string& factory, const std::string& location, bool decode = true,
           std::string leave_unlinked = {});
  ~SrcProbe();
  SrcProbe(const SrcProbe&) = delete;
  SrcProbe& operator=(const SrcProbe&) = delete;

  GstElement* src() const { return src_; }
  GstElement* pipeline() const { return pipeline_; }
  GstStateChangeReturn set_state(GstState s) { return gst_element_set_state(pipeline_, s); }

  // Waits until pred() holds (checked whenever something happens) or the time is up.
  bool wait(const std::function<bool()>& pred, int timeout_ms);
  bool wait_frames(const std::string& pad, int n, int timeout_ms);
  // Does `action` (e.g. send packets) every `period_ms` until pred() holds or the time is up.
  bool repeat_until(const std::function<void()>& action, const std::function<bool()>& pred, int period_ms,
                    int timeout_ms);
  bool wait_error(int timeout_ms);

  // Under the lock.
  PadProbe pad(const std::string& name);
  std::vector<std::string> pad_names();
  int error_count();
  GError* first_error();  // owned by the probe
  std::string first_error_debug();
  int warning_count();
  std::vector<std::string> warnings();          // the messages' texts
  std::vector<std::string> element_messages();  // structure names
  bool no_more_pads();
  bool eos();

 private:
  static void on_pad_added(GstElement*, GstPad* pad, gpointer self);
  static void on_no_more_pads(GstElement*, gpointer self);
  static GstBusSyncReply on_bus(GstBus*, GstMessage* msg, gpointer self);
  static GstPadProbeReturn on_src_buffer(GstPad*, GstPadProbeInfo* info, gpointer data);
  static GstPadProbeReturn on_sink_buffer(GstPad*, GstPadProbeInfo* info, gpointer data);
  void notify();

  GstElement* pipeline_ = nullptr;
  GstElement* src_ = nullptr;
  bool decode_ = true;
  std::string leave_unlinked_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::uint64_t generation_ = 0;
  std::map<std::string, PadProbe> pads_;
  std::vector<GError*> errors_;
  std::vector<std::string> error_debug_;
  std::vector<std::string> warnings_;
  std::vector<std::string> element_messages_;
  bool no_more_pads_ = false;
  bool eos_ = false;
  struct ProbeContext {
    SrcProbe* self;
    std::string pad;
  };
  std::vector<std::unique_ptr<ProbeContext>> contexts_;
};

}  // namespace rtsp2::test
