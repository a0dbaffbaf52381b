// GstRtp2Pay: the GObject base of every rtp2 payloader.
//
// It subclasses upstream GstRTPBasePayload rather than a base of our own: that class implements the
// properties users set and read (mtu, pt, ssrc, timestamp-offset, seqnum-offset, max-ptime, min-ptime,
// perfect-rtptime, stats, source-info), RTP header extensions (auto-header-extension, add-extension), the
// running-time to RTP-time mapping and caps negotiation of pt/ssrc/seqnum-base with downstream. Its per
// packet cost (one map to write seq/ts/ssrc) is small next to the bitstream work; our part is building
// each packet with a single allocation and one copy and pushing one buffer list per timestamp.
// The benchmark in bench/rtp measures the sum against the upstream payloaders.
#pragma once

#include <memory>

#include <gst/rtp/rtp.h>

#include "pay_format.hpp"

namespace rtsp2::rtp {

struct PayContext {
  GstElement* element = nullptr;
  GstDebugCategory* category = nullptr;
};

struct PayDescriptor {
  const char* element_name;  // "rtph264pay2"
  const char* type_name;     // "GstRtpH264Pay2"
  const char* long_name;
  const char* description;
  const char* sink_caps;
  const char* src_caps;
  std::unique_ptr<PayFormat> (*create)(const PayContext& context);
  void (*install_properties)(GObjectClass* klass, guint first_id);  // may be nullptr
  GstDebugCategory* category;                                       // set by register_payloader
  int default_pt = -1;  // a static payload type (RFC 3551); -1: the base class default (96)
};

bool register_payloader(GstPlugin* plugin, PayDescriptor& descriptor);

}  // namespace rtsp2::rtp
