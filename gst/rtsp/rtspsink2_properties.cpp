// rtspsink2's properties: rtspclientsink's / rtspsrc2's names, blurbs and ranges wherever the meaning is the
// same, plus reconnect-attempts, reconnect-max-interval, max-queue-time and stats. Those it shares with
// rtspsrc2 are installed and mapped by common_properties.cpp.
#include <gst/rtsp/gstrtsp-enumtypes.h>
#include <gst/rtsp/gstrtsptransport.h>

#include <vector>

#include "common_properties.hpp"
#include "media_properties.hpp"
#include "rtspsink2_private.hpp"

using rtsp2::set_string_or_null;
using rtsp2::string_or_empty;
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
  PROP_PORT_RANGE,
  PROP_RETRY,
  PROP_UDP_BUFFER_SIZE,
  PROP_RTP_BLOCKSIZE,
  PROP_SDES,
  PROP_UDP_RECONNECT,
  PROP_NTP_TIME_SOURCE,
};

constexpr auto kRw = rtsp2::kPropertyReadWrite;

// The media properties rtspsrc2 has too (media_properties.hpp).
constexpr rtsp2::MediaPropertyIds kMediaIds = {
    .port_range = PROP_PORT_RANGE,
    .retry = PROP_RETRY,
    .udp_buffer_size = PROP_UDP_BUFFER_SIZE,
    .rtp_blocksize = PROP_RTP_BLOCKSIZE,
    .sdes = PROP_SDES,
    .udp_reconnect = PROP_UDP_RECONNECT,
    .ntp_time_source = PROP_NTP_TIME_SOURCE,
};

// The properties rtspsrc2 has too (common_properties.hpp).
constexpr rtsp2::ConnectionPropertyIds kConnectionIds = {
    .timeout = PROP_TIMEOUT,
    .tcp_timeout = PROP_TCP_TIMEOUT,
    .user_id = PROP_USER_ID,
    .user_pw = PROP_USER_PW,
    .user_agent = PROP_USER_AGENT,
    .do_rtsp_keep_alive = PROP_DO_RTSP_KEEP_ALIVE,
    .tls_validation_flags = PROP_TLS_VALIDATION_FLAGS,
    .tls_database = PROP_TLS_DATABASE,
    .tls_interaction = PROP_TLS_INTERACTION,
    .reconnect_attempts = PROP_RECONNECT_ATTEMPTS,
    .reconnect_max_interval = PROP_RECONNECT_MAX_INTERVAL,
};

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
  rtsp2::install_connection_properties(
      klass, kConnectionIds,
      {.timeout = "How long to wait, in microseconds, for every requested pad to get caps and data once the "
                  "first one has (the SDP needs them all; 0 = forever)",
       .reconnect_attempts =
           "Attempts to re-establish the session (re-ANNOUNCE, resume at the next key frame) after the "
           "connection or the session was lost while recording (-1 = unlimited, 0 = never: an error)"});
  g_object_class_install_property(
      klass, PROP_LATENCY,
      g_param_spec_uint(
          "latency", "Buffer latency in ms",
          "Amount of ms to buffer (accepted for rtspclientsink compatibility: a publisher has no "
          "jitter buffer; see max-queue-time)",
          0, G_MAXUINT, 2000, kRw));
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
  rtsp2::install_media_properties(
      klass, kMediaIds,
      "Client port range that can be used to receive RTCP data, eg. 3000-3005 (NULL = no restrictions)");
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
    case PROP_LATENCY:
      s.latency_ms = g_value_get_uint(value);
      break;
    case PROP_MAX_QUEUE_TIME:
      s.max_queue_time_ns = g_value_get_uint64(value);
      break;
    default:
      if (!rtsp2::set_connection_property(s, kConnectionIds, prop_id, value) &&
          !rtsp2::set_media_property(object, s, kMediaIds, prop_id, value)) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      }
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
    case PROP_LATENCY:
      g_value_set_uint(value, s.latency_ms);
      break;
    case PROP_MAX_QUEUE_TIME:
      g_value_set_uint64(value, s.max_queue_time_ns);
      break;
    default:
      if (!rtsp2::get_connection_property(s, kConnectionIds, prop_id, value) &&
          !rtsp2::get_media_property(s, kMediaIds, prop_id, value)) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      }
      break;
  }
}
