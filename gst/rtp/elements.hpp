// Registration of every rtp2 element, shared by the plugin and by tests/fuzz targets that link the
// static library directly (they pass plugin = nullptr to register static elements).
#pragma once

#include <gst/gst.h>

namespace rtsp2::rtp {

bool register_elements(GstPlugin* plugin);

}  // namespace rtsp2::rtp
