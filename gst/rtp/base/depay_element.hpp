// GstRtp2Depay: the GObject base of every rtp2 depayloader.
//
// It subclasses upstream GstRTPBaseDepayload rather than a base of our own: that class already gives
// users the behaviour they rely on (sequence-number checks that drop duplicates and mark gaps DISCONT,
// max-reorder, source-info, stats, RTP header extensions through the extension API, segment handling
// from the RTP time, lost-packet events from rtpjitterbuffer) and it costs little per packet next to the
// bitstream work, which is ours (DepayCore + one DepayFormat per element). The benchmark in bench/rtp
// measures the sum; docs/bench/rtp.md has the figures.
//
// Each element is a dynamic subtype registered from a DepayDescriptor: names, caps templates, a factory
// for its DepayFormat and optional format properties.
#pragma once

#include <memory>

#include <gst/rtp/rtp.h>

#include "depay_core.hpp"

namespace rtsp2::rtp {

struct DepayContext {
  GstElement* element = nullptr;  // for logging; nullptr in fuzz targets
  GstDebugCategory* category = nullptr;
};

struct DepayDescriptor {
  const char* element_name;  // "rtph264depay2"
  const char* type_name;     // "GstRtpH264Depay2"
  const char* long_name;
  const char* description;
  const char* sink_caps;
  const char* src_caps;
  std::unique_ptr<DepayFormat> (*create)(const DepayContext& context);
  // Installs the format's own properties with ids first_id, first_id + 1, ... (may be nullptr).
  void (*install_properties)(GObjectClass* klass, guint first_id);
  GstDebugCategory* category;  // set by register_depayloader
};

// Registers the element described by `descriptor` (which must outlive the process) at rank MARGINAL.
bool register_depayloader(GstPlugin* plugin, DepayDescriptor& descriptor);

}  // namespace rtsp2::rtp
