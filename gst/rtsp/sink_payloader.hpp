// Which payloader turns a pad's encoded media into RTP: the pad's `payloader` property when set; otherwise
// ours (the *pay2 elements of plugin rtp2) first when one accepts the caps, else the highest-ranked payloader
// of the registry (rank >= marginal; equal ranks resolved by a short preference list, then by name).
#pragma once

#include <string>
#include <string_view>

#include <gst/gst.h>

#include "gst_ptr.hpp"

namespace rtsp2::sink {

// application/x-rtp: linked to the stream's sink as is.
bool is_rtp_caps(const GstCaps* caps);

// A new reference to the factory to use, or null with *error saying why (no payloader for these caps, an
// unknown factory name, a factory that is not a payloader or does not accept the caps).
GstObjectPtr<GstElementFactory> choose_payloader(const GstCaps* caps, std::string_view requested,
                                                 std::string* error);

// What a pad can take: application/x-rtp and the sink caps of every payloader choose_payloader() may pick
// (or of `requested` alone).
CapsPtr payloadable_caps(std::string_view requested);

// `mtu` (rtp-blocksize, as rtspclientsink; 0: the payloader's default) goes to the payloader's mtu property,
// before new-payloader, so the application can still change it. Settings every publisher wants: a distinct
// dynamic payload type per stream (96 + index) and, where the payloader has it, parameter sets repeated
// before every key frame (config-interval=-1) so that a server, or a reconnected session, can start decoding
// at any key frame.
void configure_payloader(GstElement* payloader, unsigned stream_index, unsigned mtu = 0);

}  // namespace rtsp2::sink
