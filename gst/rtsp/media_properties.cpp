#include "media_properties.hpp"

#include "common_properties.hpp"
#include "media_transport.hpp"

namespace rtsp2 {

namespace {

// One type for both elements, under a name of our own: rtspsrc and rtspclientsink register theirs.
GType ntp_time_source_get_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {int(NtpTimeSource::Ntp), "NTP time based on realtime clock", "ntp"},
        {int(NtpTimeSource::Unix), "UNIX time based on realtime clock", "unix"},
        {int(NtpTimeSource::RunningTime), "Running time based on pipeline clock", "running-time"},
        {int(NtpTimeSource::ClockTime), "Pipeline clock time", "clock-time"},
        {0, nullptr, nullptr},
    };
    g_once_init_leave(&type, g_enum_register_static("GstRtsp2NtpTimeSource", values));
  }
  return GType(type);
}

}  // namespace

void install_media_properties(GObjectClass* klass, const MediaPropertyIds& ids,
                              const char* port_range_blurb) {
  const MediaSettings defaults;
  constexpr auto kRw = kPropertyReadWrite;
  g_object_class_install_property(
      klass, ids.port_range, g_param_spec_string("port-range", "Port range", port_range_blurb, nullptr, kRw));
  g_object_class_install_property(
      klass, ids.retry,
      g_param_spec_uint("retry", "Retry", "Max number of retries when allocating RTP ports.", 0, G_MAXUINT16,
                        defaults.retry, kRw));
  g_object_class_install_property(
      klass, ids.udp_buffer_size,
      g_param_spec_int("udp-buffer-size", "UDP Buffer Size",
                       "Size of the kernel UDP receive buffer in bytes, 0=default", 0, G_MAXINT,
                       defaults.udp_buffer_size, kRw));
  g_object_class_install_property(klass, ids.rtp_blocksize,
                                  g_param_spec_uint("rtp-blocksize", "RTP Blocksize",
                                                    "RTP package size to suggest to server (0 = disabled)", 0,
                                                    65536, defaults.rtp_blocksize, kRw));
  g_object_class_install_property(
      klass, ids.sdes,
      g_param_spec_boxed("sdes", "SDES", "The SDES items of this session", GST_TYPE_STRUCTURE, kRw));
  g_object_class_install_property(
      klass, ids.udp_reconnect,
      g_param_spec_boolean("udp-reconnect", "Reconnect to the server",
                           "Reconnect to the server if RTSP connection is closed when doing UDP",
                           defaults.udp_reconnect, kRw));
  g_object_class_install_property(
      klass, ids.ntp_time_source,
      g_param_spec_enum("ntp-time-source", "NTP Time Source", "NTP time source for RTCP packets",
                        ntp_time_source_get_type(), int(defaults.ntp_time_source), kRw));
}

bool set_media_property(GObject* object, MediaSettings& s, const MediaPropertyIds& ids, guint id,
                        const GValue* value) {
  if (id == ids.port_range) {
    std::string r = string_or_empty(value);
    if (!r.empty() && !parse_port_range(r)) {
      GST_WARNING_OBJECT(object, "invalid port-range '%s' ignored (expected e.g. 3000-3005)", r.c_str());
      return true;
    }
    s.port_range = std::move(r);
  } else if (id == ids.retry) {
    s.retry = g_value_get_uint(value);
  } else if (id == ids.udp_buffer_size) {
    s.udp_buffer_size = g_value_get_int(value);
  } else if (id == ids.rtp_blocksize) {
    s.rtp_blocksize = g_value_get_uint(value);
  } else if (id == ids.sdes) {
    const GstStructure* sdes = gst_value_get_structure(value);
    s.sdes.reset();
    if (sdes != nullptr) {
      // Copied once: the worker's copy of the settings shares it, and nobody changes it.
      s.sdes = std::shared_ptr<const GstStructure>(gst_structure_copy(sdes), [](const GstStructure* p) {
        gst_structure_free(const_cast<GstStructure*>(p));
      });
    }
  } else if (id == ids.udp_reconnect) {
    s.udp_reconnect = g_value_get_boolean(value) != FALSE;
  } else if (id == ids.ntp_time_source) {
    s.ntp_time_source = NtpTimeSource(g_value_get_enum(value));
  } else {
    return false;
  }
  return true;
}

bool get_media_property(const MediaSettings& s, const MediaPropertyIds& ids, guint id, GValue* value) {
  if (id == ids.port_range) {
    set_string_or_null(value, s.port_range);
  } else if (id == ids.retry) {
    g_value_set_uint(value, s.retry);
  } else if (id == ids.udp_buffer_size) {
    g_value_set_int(value, s.udp_buffer_size);
  } else if (id == ids.rtp_blocksize) {
    g_value_set_uint(value, s.rtp_blocksize);
  } else if (id == ids.sdes) {
    gst_value_set_structure(value, s.sdes.get());
  } else if (id == ids.udp_reconnect) {
    g_value_set_boolean(value, s.udp_reconnect ? TRUE : FALSE);
  } else if (id == ids.ntp_time_source) {
    g_value_set_enum(value, int(s.ntp_time_source));
  } else {
    return false;
  }
  return true;
}

}  // namespace rtsp2
