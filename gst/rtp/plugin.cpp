// Plugin "rtp2": RTP payloaders and depayloaders (rtp<format>pay2 / rtp<format>depay2), all at rank
// MARGINAL so that installing it changes no autoplugging; users and rtspsink2 pick them by name.
#include <config.h>

#include <gst/gst.h>

#include "elements.hpp"

static gboolean plugin_init(GstPlugin* plugin) {
  return rtsp2::rtp::register_elements(plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, rtp2, "RTP payloaders and depayloaders (rtsp2)",
                  plugin_init, PACKAGE_VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
