// Plugin "rtsp2": rtspsrc2 (RTSP PLAY client). rtspsink2 joins it later on the same I/O layer.
#include "config.h"

#include <gst/gst.h>

#include "rtspsink2.hpp"
#include "rtspsrc2.hpp"

GST_DEBUG_CATEGORY_EXTERN(rtspsrc2_debug);

static gboolean plugin_init(GstPlugin* plugin) {
  GST_DEBUG_CATEGORY_INIT(rtspsrc2_debug, "rtspsrc2", 0, "rtsp2 RTSP client source");
  if (!GST_ELEMENT_REGISTER(rtspsink2, plugin)) return FALSE;
  return GST_ELEMENT_REGISTER(rtspsrc2, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, rtsp2,
                  "RTSP client elements on a sans-I/O session core", plugin_init, PACKAGE_VERSION,
                  GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
