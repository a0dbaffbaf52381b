// rtspsink2's properties: rtspclientsink's / rtspsrc2's names, blurbs and ranges wherever the meaning is the
// same, plus reconnect-attempts, reconnect-max-interval, max-queue-time and stats.
#include <gst/rtsp/gstrtsp-enumtypes.h>
#include <gst/rtsp/gstrtsptransport.h>

#include <vector>

#include "rtspsink2_private.hpp"

using rtsp2::sink::SinkSettings;

namespace {

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_PROTOCOLS,
  PROP_TIMEOUT,
  PROP_TCP_TIMEOUT,
  PROP_LATENCY,
  PROP_USER_ID,
  PROP_USER_PW,
  PROP_USER_AGENT,
  PROP_DO_RTSP_KEEP_ALIVE,
  PROP_TLS_VALIDATION_FLAGS,
  PROP_TLS_DATABASE,
  PROP_TLS_INTERACTION,
  PROP_RECONNECT_ATTEMPTS,
  PROP_RECONNECT_MAX_INTERVAL,
  PROP_MAX_QUEUE_TIME,
  PROP_STATS,
};

constexpr auto kRw = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

std::string string_or_empty(const GValue* v) {
  const gchar* s = g_value_get_string(v);
  return s != nullptr ? s : "";
}

void set_string_or_null(GValue* v, const std::string& s) {
  g_value_set_string(v, s.empty() ? nullptr : s.c_str());
}

GstStructure* build_stats(GstRtspSink2* self) {
  auto* priv = self->priv;
  rtsp2::sink::ControllerStats cs;
  {
    std::lock_guard lock(priv->run_mutex);
    cs = priv->controller ? priv->controller->stats() : priv->last_stats;
  }
  std::vector<std::pair<unsigned, rtsp2::sink::StreamCounters>> streams;
  {
    std::lock_guard lock(priv->pads_mutex);
    for (auto& [index, entry] : priv->pads) streams.emplace_back(index, entry.stream->counters());
  }
  GstStructure* s = gst_structure_new(
      "application/x-rtspsink2-stats", "state", G_TYPE_STRING, cs.state.c_str(), "reconnects", G_TYPE_UINT64,
      cs.reconnects, "keep-alives", G_TYPE_UINT64, cs.keep_alives, "requests", G_TYPE_UINT64, cs.requests,
      "rtt", G_TYPE_UINT64, cs.rtt_ms < 0 ? GST_CLOCK_TIME_NONE : guint64(cs.rtt_ms) * GST_MSECOND,
      "oversized-packets", G_TYPE_UINT64, cs.oversized_packets, "udp-send-errors", G_TYPE_UINT64,
      cs.udp_send_errors, nullptr);
  GValue list = G_VALUE_INIT;
  gst_value_list_init(&list, guint(streams.size()));
  std::size_t position = 0;
  for (const auto& [index, c] : streams) {
    const char* transport = position < cs.transports.size() && !cs.transports[position].empty()
                                ? cs.transports[position].c_str()
                                : "none";
    const guint64 rtcp = position < cs.rtcp_sent.size() ? cs.rtcp_sent[position] : 0;
    GstStructure* one = gst_structure_new(
        "application/x-rtspsink2-stream-stats", "index", G_TYPE_UINT, index, "transport", G_TYPE_STRING,
        transport, "packets-in", G_TYPE_UINT64, c.packets_in, "bytes-in", G_TYPE_UINT64, c.bytes_in,
        "packets-sent", G_TYPE_UINT64, c.sent_packets, "bytes-sent", G_TYPE_UINT64, c.sent_bytes,
        "dropped-packets", G_TYPE_UINT64, c.dropped_packets, "dropped-units", G_TYPE_UINT64, c.dropped_units,
        "drop-bursts", G_TYPE_UINT64, c.drop_bursts, "invalid-packets", G_TYPE_UINT64, c.invalid_packets,
        "queued-bytes", G_TYPE_UINT64, c.queued_bytes, "max-queued-bytes", G_TYPE_UINT64, c.max_queued_bytes,
        "rtcp-sent", G_TYPE_UINT64, rtcp, nullptr);
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&v, one);
    gst_value_list_append_and_take_value(&list, &v);
    ++position;
  }
  gst_structure_take_value(s, "streams", &list);
  return s;
}

}  // namespace

std::string rtspsink2_default_user_agent() {
  gchar* v = gst_version_string();
  // "GStreamer 1.22.0" -> "GStreamer/1.22.0", what rtspclientsink sends: servers that whitelist clients know
  // it.
  std::string s = v;
  g_free(v);
  auto sp = s.find(' ');
  if (sp != std::string::npos) s[sp] = '/';
  return s;
}

void gst_rtsp_sink2_install_properties(GObjectClass* klass) {
  g_object_class_install_property(
      klass, PROP_LOCATION,
      g_param_spec_string("location", "RTSP Location", "Location of the RTSP url to publish to", nullptr,
                          kRw));
  g_object_class_install_property(
      klass, PROP_PROTOCOLS,
      g_param_spec_flags("protocols", "Protocols",
                         "Allowed lower transport protocols (TCP is tried first when allowed, then UDP)",
                         GST_TYPE_RTSP_LOWER_TRANS,
                         GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_UDP_MCAST | GST_RTSP_LOWER_TRANS_TCP,
                         kRw));
  g_object_class_install_property(
      klass, PROP_TIMEOUT,
      g_param_spec_uint64(
          "timeout", "Timeout",
          "How long to wait, in microseconds, for every requested pad to get caps and data once the "
          "first one has (the SDP needs them all; 0 = forever)",
          0, G_MAXUINT64, 5000000, kRw));
  g_object_class_install_property(
      klass, PROP_TCP_TIMEOUT,
      g_param_spec_uint64("tcp-timeout", "TCP Timeout",
                          "Fail after timeout microseconds on TCP connections (0 = disabled)", 0, G_MAXUINT64,
                          20000000, kRw));
  g_object_class_install_property(
      klass, PROP_LATENCY,
      g_param_spec_uint(
          "latency", "Buffer latency in ms",
          "Amount of ms to buffer (accepted for rtspclientsink compatibility: a publisher has no "
          "jitter buffer; see max-queue-time)",
          0, G_MAXUINT, 2000, kRw));
  g_object_class_install_property(
      klass, PROP_USER_ID,
      g_param_spec_string("user-id", "user-id", "RTSP location URI user id for authentication", nullptr,
                          kRw));
  g_object_class_install_property(
      klass, PROP_USER_PW,
      g_param_spec_string("user-pw", "user-pw", "RTSP location URI user password for authentication", nullptr,
                          kRw));
  g_object_class_install_property(
      klass, PROP_USER_AGENT,
      g_param_spec_string("user-agent", "User Agent", "The User-Agent string to send to the server",
                          rtspsink2_default_user_agent().c_str(), kRw));
  g_object_class_install_property(
      klass, PROP_DO_RTSP_KEEP_ALIVE,
      g_param_spec_boolean("do-rtsp-keep-alive", "Do RTSP Keep Alive",
                           "Send RTSP keep alive packets, disable for old incompatible server.", TRUE, kRw));
  g_object_class_install_property(
      klass, PROP_TLS_VALIDATION_FLAGS,
      g_param_spec_flags("tls-validation-flags", "TLS validation flags",
                         "TLS certificate validation flags used to validate the server certificate",
                         G_TYPE_TLS_CERTIFICATE_FLAGS, G_TLS_CERTIFICATE_VALIDATE_ALL, kRw));
  g_object_class_install_property(
      klass, PROP_TLS_DATABASE,
      g_param_spec_object(
          "tls-database", "TLS database",
          "TLS database with anchor certificate authorities used to validate the server certificate",
          G_TYPE_TLS_DATABASE, kRw));
  g_object_class_install_property(
      klass, PROP_TLS_INTERACTION,
      g_param_spec_object("tls-interaction", "TLS interaction",
                          "A GTlsInteraction object to prompt the user for password or certificate",
                          G_TYPE_TLS_INTERACTION, kRw));
  g_object_class_install_property(
      klass, PROP_RECONNECT_ATTEMPTS,
      g_param_spec_int(
          "reconnect-attempts", "Reconnect attempts",
          "Attempts to re-establish the session (re-ANNOUNCE, resume at the next key frame) after the "
          "connection or the session was lost while recording (-1 = unlimited, 0 = never: an error)",
          -1, G_MAXINT, -1, kRw));
  g_object_class_install_property(
      klass, PROP_RECONNECT_MAX_INTERVAL,
      g_param_spec_uint64(
          "reconnect-max-interval", "Reconnect maximum interval",
          "Longest wait between two reconnect attempts in microseconds (the wait doubles from 0.5 s "
          "up to this)",
          1, G_MAXUINT64, 30000000, kRw));
  g_object_class_install_property(
      klass, PROP_MAX_QUEUE_TIME,
      g_param_spec_uint64(
          "max-queue-time", "Maximum queue time",
          "Longest time in nanoseconds data may wait for a slow server; past it upstream is blocked "
          "for up to this long, then whole frames are dropped (counted in stats, warned about)",
          1, G_MAXUINT64, 2 * GST_SECOND, kRw));
  g_object_class_install_property(
      klass, PROP_STATS,
      g_param_spec_boxed(
          "stats", "Statistics",
          "Session and per-stream statistics (packets and bytes sent, dropped packets and frames, "
          "queue sizes, reconnects, keep-alives, round-trip time)",
          GST_TYPE_STRUCTURE, GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
}

void gst_rtsp_sink2_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  auto* priv = GST_RTSP_SINK2(object)->priv;
  std::lock_guard lock(priv->settings_mutex);
  SinkSettings& s = priv->settings;
  switch (prop_id) {
    case PROP_LOCATION:
      s.location = string_or_empty(value);
      break;
    case PROP_PROTOCOLS:
      s.protocols = g_value_get_flags(value);
      break;
    case PROP_TIMEOUT:
      s.timeout_us = g_value_get_uint64(value);
      break;
    case PROP_TCP_TIMEOUT:
      s.tcp_timeout_us = g_value_get_uint64(value);
      break;
    case PROP_LATENCY:
      s.latency_ms = g_value_get_uint(value);
      break;
    case PROP_USER_ID:
      s.user_id = string_or_empty(value);
      break;
    case PROP_USER_PW:
      s.user_pw = string_or_empty(value);
      break;
    case PROP_USER_AGENT:
      s.user_agent = string_or_empty(value);
      break;
    case PROP_DO_RTSP_KEEP_ALIVE:
      s.do_rtsp_keep_alive = g_value_get_boolean(value);
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      s.tls_validation_flags = GTlsCertificateFlags(g_value_get_flags(value));
      break;
    case PROP_TLS_DATABASE:
      s.tls_database =
          rtsp2::sink::ObjectRef<GTlsDatabase>(static_cast<GTlsDatabase*>(g_value_get_object(value)));
      break;
    case PROP_TLS_INTERACTION:
      s.tls_interaction =
          rtsp2::sink::ObjectRef<GTlsInteraction>(static_cast<GTlsInteraction*>(g_value_get_object(value)));
      break;
    case PROP_RECONNECT_ATTEMPTS:
      s.reconnect_attempts = g_value_get_int(value);
      break;
    case PROP_RECONNECT_MAX_INTERVAL:
      s.reconnect_max_interval_us = g_value_get_uint64(value);
      break;
    case PROP_MAX_QUEUE_TIME:
      s.max_queue_time_ns = g_value_get_uint64(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

void gst_rtsp_sink2_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_RTSP_SINK2(object);
  if (prop_id == PROP_STATS) {
    g_value_take_boxed(value, build_stats(self));
    return;
  }
  auto* priv = self->priv;
  std::lock_guard lock(priv->settings_mutex);
  const SinkSettings& s = priv->settings;
  switch (prop_id) {
    case PROP_LOCATION:
      set_string_or_null(value, s.location);
      break;
    case PROP_PROTOCOLS:
      g_value_set_flags(value, s.protocols);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint64(value, s.timeout_us);
      break;
    case PROP_TCP_TIMEOUT:
      g_value_set_uint64(value, s.tcp_timeout_us);
      break;
    case PROP_LATENCY:
      g_value_set_uint(value, s.latency_ms);
      break;
    case PROP_USER_ID:
      set_string_or_null(value, s.user_id);
      break;
    case PROP_USER_PW:
      set_string_or_null(value, s.user_pw);
      break;
    case PROP_USER_AGENT:
      set_string_or_null(value, s.user_agent);
      break;
    case PROP_DO_RTSP_KEEP_ALIVE:
      g_value_set_boolean(value, s.do_rtsp_keep_alive);
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      g_value_set_flags(value, s.tls_validation_flags);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object(value, s.tls_database.get());
      break;
    case PROP_TLS_INTERACTION:
      g_value_set_object(value, s.tls_interaction.get());
      break;
    case PROP_RECONNECT_ATTEMPTS:
      g_value_set_int(value, s.reconnect_attempts);
      break;
    case PROP_RECONNECT_MAX_INTERVAL:
      g_value_set_uint64(value, s.reconnect_max_interval_us);
      break;
    case PROP_MAX_QUEUE_TIME:
      g_value_set_uint64(value, s.max_queue_time_ns);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}
