// rtspsrc2's properties: rtspsrc's names, blurbs, ranges and defaults wherever the meaning is the same, plus
// reconnect-attempts, reconnect-max-interval and stats. Those it shares with rtspsink2 are installed and
// mapped by common_properties.cpp.
#include <gst/rtsp/gstrtsp-enumtypes.h>
#include <gst/rtsp/gstrtsptransport.h>

#include "common_properties.hpp"
#include "media_properties.hpp"
#include "rtspsrc2_private.hpp"

#define GST_CAT_DEFAULT rtspsrc2_debug

using rtsp2::set_string_or_null;
using rtsp2::Settings;
using rtsp2::string_or_empty;

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
  PROP_DO_RTCP,
  PROP_PORT_RANGE,
  PROP_MULTICAST_IFACE,
  PROP_TLS_VALIDATION_FLAGS,
  PROP_TLS_DATABASE,
  PROP_TLS_INTERACTION,
  PROP_TEARDOWN_TIMEOUT,
  PROP_NAT_METHOD,
  PROP_RECONNECT_ATTEMPTS,
  PROP_RECONNECT_MAX_INTERVAL,
  PROP_STATS,
  PROP_DROP_ON_LATENCY,
  PROP_RTP_ENGINE,
  PROP_READ_INTERVAL,
  PROP_UDP_BUFFER_SIZE,
  PROP_CONNECTION_SPEED,
  PROP_RTP_BLOCKSIZE,
  PROP_PROBATION,
  PROP_RETRY,
  PROP_SHORT_HEADER,
  PROP_DEBUG,
  PROP_SDES,
  PROP_BUFFER_MODE,
  PROP_NTP_SYNC,
  PROP_NTP_TIME_SOURCE,
  PROP_USE_PIPELINE_CLOCK,
  PROP_MAX_RTCP_RTP_TIME_DIFF,
  PROP_MAX_TS_OFFSET,
  PROP_MAX_TS_OFFSET_ADJUSTMENT,
  PROP_UDP_RECONNECT,
};

// rtspsrc registers "GstRTSPNatMethod" itself; a second type of that name would clash when both plugins load.
GType nat_method_get_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {int(rtsp2::NatMethod::None), "None", "none"},
        {int(rtsp2::NatMethod::Dummy), "Send Dummy packets", "dummy"},
        {0, nullptr, nullptr},
    };
    g_once_init_leave(&type, g_enum_register_static("GstRtspSrc2NatMethod", values));
  }
  return GType(type);
}

// rtspsrc's GstRTSPSrcBufferMode under a name of our own (as nat-method).
GType buffer_mode_get_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {int(rtsp2::BufferMode::None), "Only use RTP timestamps", "none"},
        {int(rtsp2::BufferMode::Slave), "Slave receiver to sender clock", "slave"},
        {int(rtsp2::BufferMode::Buffer), "Do low/high watermark buffering", "buffer"},
        {int(rtsp2::BufferMode::Auto), "Choose mode depending on stream live", "auto"},
        {int(rtsp2::BufferMode::Synced), "Synchronized sender and receiver clocks", "synced"},
        {0, nullptr, nullptr},
    };
    g_once_init_leave(&type, g_enum_register_static("GstRtspSrc2BufferMode", values));
  }
  return GType(type);
}

GType rtp_engine_get_type() {
  static gsize type = 0;
  if (g_once_init_enter(&type)) {
    static const GEnumValue values[] = {
        {int(rtsp2::RtpEngine::Native), "rtspsrc2's own receive path on its worker thread", "native"},
        {int(rtsp2::RtpEngine::RtpBin), "Upstream rtpbin (rtpsession, rtpjitterbuffer, ...)", "rtpbin"},
        {0, nullptr, nullptr},
    };
    g_once_init_leave(&type, g_enum_register_static("GstRtspSrc2RtpEngine", values));
  }
  return GType(type);
}

constexpr auto kRw = rtsp2::kPropertyReadWrite;

// The media properties rtspsink2 has too (media_properties.hpp).
constexpr rtsp2::MediaPropertyIds kMediaIds = {
    .port_range = PROP_PORT_RANGE,
    .retry = PROP_RETRY,
    .udp_buffer_size = PROP_UDP_BUFFER_SIZE,
    .rtp_blocksize = PROP_RTP_BLOCKSIZE,
    .sdes = PROP_SDES,
    .udp_reconnect = PROP_UDP_RECONNECT,
    .ntp_time_source = PROP_NTP_TIME_SOURCE,
};

// The properties rtspsink2 has too (common_properties.hpp).
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

}  // namespace

void gst_rtsp_src2_install_compat_properties(GObjectClass* klass);

std::string rtspsrc2_default_user_agent() {
  return rtsp2::default_user_agent();
}

void gst_rtsp_src2_install_properties(GObjectClass* klass) {
  g_object_class_install_property(
      klass, PROP_LOCATION,
      g_param_spec_string("location", "RTSP Location", "Location of the RTSP url to read", nullptr, kRw));
  g_object_class_install_property(
      klass, PROP_PROTOCOLS,
      g_param_spec_flags(
          "protocols", "Protocols", "Allowed lower transport protocols", GST_TYPE_RTSP_LOWER_TRANS,
          GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_UDP_MCAST | GST_RTSP_LOWER_TRANS_TCP, kRw));
  rtsp2::install_connection_properties(
      klass, kConnectionIds,
      {.timeout = "Retry TCP transport after UDP timeout microseconds (0 = disabled)",
       .reconnect_attempts = "Attempts to re-establish the session after the connection or the session was "
                             "lost (-1 = unlimited for live streams and off for recorded ones, 0 = never)"});
  g_object_class_install_property(klass, PROP_LATENCY,
                                  g_param_spec_uint("latency", "Buffer latency in ms",
                                                    "Amount of ms to buffer", 0, G_MAXUINT, 2000, kRw));
  g_object_class_install_property(
      klass, PROP_DO_RTCP,
      g_param_spec_boolean("do-rtcp", "Do RTCP", "Send RTCP packets, disable for old incompatible server.",
                           TRUE, kRw));
  g_object_class_install_property(
      klass, PROP_MULTICAST_IFACE,
      g_param_spec_string("multicast-iface", "Multicast Interface",
                          "The network interface on which to join the multicast group", nullptr, kRw));
  g_object_class_install_property(
      klass, PROP_TEARDOWN_TIMEOUT,
      g_param_spec_uint64(
          "teardown-timeout", "Teardown Timeout",
          "When transitioning PAUSED-READY, allow up to timeout (in nanoseconds) delay in order to "
          "send teardown (0 = disabled)",
          0, G_MAXUINT64, 100000000, kRw));
  g_object_class_install_property(
      klass, PROP_NAT_METHOD,
      g_param_spec_enum("nat-method", "NAT Method", "Method to use for traversing firewalls and NAT",
                        nat_method_get_type(), int(rtsp2::NatMethod::Dummy), kRw));
  g_object_class_install_property(
      klass, PROP_STATS,
      g_param_spec_boxed(
          "stats", "Statistics",
          "Session and per-stream statistics (packets, bytes, lost, reordered, jitter, reconnects, "
          "keep-alives, round-trip time)",
          GST_TYPE_STRUCTURE, GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
  g_object_class_install_property(
      klass, PROP_DROP_ON_LATENCY,
      g_param_spec_boolean("drop-on-latency", "Drop buffers when maximum latency is reached",
                           "Tells the jitterbuffer to never exceed the given latency in size", FALSE, kRw));
  g_object_class_install_property(
      klass, PROP_RTP_ENGINE,
      g_param_spec_enum("rtp-engine", "RTP engine",
                        "What receives RTP/RTCP and reorders, times and synchronises it: rtspsrc2's own path "
                        "(no thread per stream) or upstream rtpbin",
                        rtp_engine_get_type(), int(rtsp2::RtpEngine::Native), kRw));
  g_object_class_install_property(
      klass, PROP_READ_INTERVAL,
      g_param_spec_int(
          "read-interval", "Read interval in ms",
          "While media packets keep arriving, wait this long after each read of a socket and read "
          "what came meanwhile at once (arrival times stay exact): fewer wake-ups for up to this "
          "much delay, taken from the latency budget (-1 = a tenth of latency, at most 100 ms; "
          "0 = read every packet as it arrives)",
          -1, 1000, -1, kRw));
  rtsp2::install_media_properties(
      klass, kMediaIds,
      "Client port range that can be used to receive RTP and RTCP data, eg. 3000-3005 (NULL = no "
      "restrictions)");
  gst_rtsp_src2_install_compat_properties(klass);
}

void gst_rtsp_src2_install_compat_properties(GObjectClass* klass) {
  g_object_class_install_property(
      klass, PROP_CONNECTION_SPEED,
      g_param_spec_uint64("connection-speed", "Connection Speed",
                          "Network connection speed in kbps (0 = unknown)", 0, G_MAXUINT64 / 1000, 0, kRw));
  g_object_class_install_property(
      klass, PROP_PROBATION,
      g_param_spec_uint("probation", "Number of probations",
                        "Consecutive packet sequence numbers to accept the source", 0, G_MAXUINT, 2, kRw));
  g_object_class_install_property(
      klass, PROP_SHORT_HEADER,
      g_param_spec_boolean("short-header", "Short Header",
                           "Only send the basic RTSP headers for broken encoders", FALSE, kRw));
  g_object_class_install_property(
      klass, PROP_DEBUG,
      g_param_spec_boolean(
          "debug", "Debug",
          "Dump request and response messages to stdout(DEPRECATED: Printed all RTSP message to "
          "gstreamer log as 'log' level)",
          FALSE, GParamFlags(kRw | G_PARAM_DEPRECATED)));
  g_object_class_install_property(
      klass, PROP_BUFFER_MODE,
      g_param_spec_enum("buffer-mode", "Buffer Mode", "Control the buffering algorithm in use",
                        buffer_mode_get_type(), int(rtsp2::BufferMode::Auto), kRw));
  g_object_class_install_property(
      klass, PROP_NTP_SYNC,
      g_param_spec_boolean("ntp-sync", "Sync on NTP clock", "Synchronize received streams to the NTP clock",
                           FALSE, kRw));
  g_object_class_install_property(
      klass, PROP_USE_PIPELINE_CLOCK,
      g_param_spec_boolean("use-pipeline-clock", "Use pipeline clock",
                           "Use the pipeline running-time to set the NTP time in the RTCP SR messages"
                           "(DEPRECATED: Use ntp-time-source property)",
                           FALSE, GParamFlags(kRw | G_PARAM_DEPRECATED)));
  g_object_class_install_property(
      klass, PROP_MAX_RTCP_RTP_TIME_DIFF,
      g_param_spec_int("max-rtcp-rtp-time-diff", "Max RTCP RTP Time Diff",
                       "Maximum amount of time in ms that the RTP time in RTCP SRs is allowed to be ahead "
                       "(-1 disabled)",
                       -1, G_MAXINT, 1000, kRw));
  g_object_class_install_property(
      klass, PROP_MAX_TS_OFFSET,
      g_param_spec_int64(
          "max-ts-offset", "Max TS Offset",
          "The maximum absolute value of the time offset in (nanoseconds). Note, if the ntp-sync "
          "parameter is set the default value is changed to 0 (no limit)",
          0, G_MAXINT64, 3000000000, kRw));
  g_object_class_install_property(
      klass, PROP_MAX_TS_OFFSET_ADJUSTMENT,
      g_param_spec_uint64(
          "max-ts-offset-adjustment", "Max Timestamp Offset Adjustment",
          "The maximum number of nanoseconds per frame that time stamp offsets may be adjusted "
          "(0 = no limit).",
          0, G_MAXUINT64, 0, kRw));
}

void gst_rtsp_src2_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec) {
  auto* priv = GST_RTSP_SRC2(object)->priv;
  std::lock_guard lock(priv->settings_mutex);
  Settings& s = priv->settings;
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
    case PROP_DO_RTCP:
      s.do_rtcp = g_value_get_boolean(value);
      break;
    case PROP_MULTICAST_IFACE:
      s.multicast_iface = string_or_empty(value);
      break;
    case PROP_TEARDOWN_TIMEOUT:
      s.teardown_timeout_ns = g_value_get_uint64(value);
      break;
    case PROP_NAT_METHOD:
      s.nat_method = rtsp2::NatMethod(g_value_get_enum(value));
      break;
    case PROP_DROP_ON_LATENCY:
      s.drop_on_latency = g_value_get_boolean(value) != FALSE;
      break;
    case PROP_RTP_ENGINE:
      s.rtp_engine = rtsp2::RtpEngine(g_value_get_enum(value));
      break;
    case PROP_READ_INTERVAL:
      s.read_interval_ms = g_value_get_int(value);
      break;
    case PROP_CONNECTION_SPEED:
      s.connection_speed_kbps = g_value_get_uint64(value);
      break;
    case PROP_PROBATION:
      s.probation = g_value_get_uint(value);
      break;
    case PROP_SHORT_HEADER:
      s.short_header = g_value_get_boolean(value) != FALSE;
      break;
    case PROP_DEBUG:
      s.debug = g_value_get_boolean(value) != FALSE;
      break;
    case PROP_BUFFER_MODE:
      s.rtpbin.buffer_mode = rtsp2::BufferMode(g_value_get_enum(value));
      break;
    case PROP_NTP_SYNC:
      s.rtpbin.ntp_sync = g_value_get_boolean(value) != FALSE;
      // As rtspsrc: ntp-sync lifts the offset limit unless max-ts-offset was set.
      if (!s.rtpbin.max_ts_offset_set) s.rtpbin.max_ts_offset = s.rtpbin.ntp_sync ? 0 : 3'000'000'000;
      break;
    case PROP_USE_PIPELINE_CLOCK:
      s.rtpbin.use_pipeline_clock = g_value_get_boolean(value) != FALSE;
      break;
    case PROP_MAX_RTCP_RTP_TIME_DIFF:
      s.rtpbin.max_rtcp_rtp_time_diff = g_value_get_int(value);
      break;
    case PROP_MAX_TS_OFFSET:
      s.rtpbin.max_ts_offset = g_value_get_int64(value);
      s.rtpbin.max_ts_offset_set = true;
      break;
    case PROP_MAX_TS_OFFSET_ADJUSTMENT:
      s.rtpbin.max_ts_offset_adjustment = g_value_get_uint64(value);
      break;
    default:
      if (!rtsp2::set_connection_property(s, kConnectionIds, prop_id, value) &&
          !rtsp2::set_media_property(object, s, kMediaIds, prop_id, value)) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      }
      break;
  }
}

void gst_rtsp_src2_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
  auto* self = GST_RTSP_SRC2(object);
  if (prop_id == PROP_STATS) {
    g_value_take_boxed(value, gst_rtsp_src2_build_stats(self));
    return;
  }
  auto* priv = self->priv;
  std::lock_guard lock(priv->settings_mutex);
  const Settings& s = priv->settings;
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
    case PROP_DO_RTCP:
      g_value_set_boolean(value, s.do_rtcp);
      break;
    case PROP_MULTICAST_IFACE:
      set_string_or_null(value, s.multicast_iface);
      break;
    case PROP_TEARDOWN_TIMEOUT:
      g_value_set_uint64(value, s.teardown_timeout_ns);
      break;
    case PROP_NAT_METHOD:
      g_value_set_enum(value, int(s.nat_method));
      break;
    case PROP_DROP_ON_LATENCY:
      g_value_set_boolean(value, s.drop_on_latency ? TRUE : FALSE);
      break;
    case PROP_RTP_ENGINE:
      g_value_set_enum(value, int(s.rtp_engine));
      break;
    case PROP_READ_INTERVAL:
      g_value_set_int(value, s.read_interval_ms);
      break;
    case PROP_CONNECTION_SPEED:
      g_value_set_uint64(value, s.connection_speed_kbps);
      break;
    case PROP_PROBATION:
      g_value_set_uint(value, s.probation);
      break;
    case PROP_SHORT_HEADER:
      g_value_set_boolean(value, s.short_header ? TRUE : FALSE);
      break;
    case PROP_DEBUG:
      g_value_set_boolean(value, s.debug ? TRUE : FALSE);
      break;
    case PROP_BUFFER_MODE:
      g_value_set_enum(value, int(s.rtpbin.buffer_mode));
      break;
    case PROP_NTP_SYNC:
      g_value_set_boolean(value, s.rtpbin.ntp_sync ? TRUE : FALSE);
      break;
    case PROP_USE_PIPELINE_CLOCK:
      g_value_set_boolean(value, s.rtpbin.use_pipeline_clock ? TRUE : FALSE);
      break;
    case PROP_MAX_RTCP_RTP_TIME_DIFF:
      g_value_set_int(value, s.rtpbin.max_rtcp_rtp_time_diff);
      break;
    case PROP_MAX_TS_OFFSET:
      g_value_set_int64(value, s.rtpbin.max_ts_offset);
      break;
    case PROP_MAX_TS_OFFSET_ADJUSTMENT:
      g_value_set_uint64(value, s.rtpbin.max_ts_offset_adjustment);
      break;
    default:
      if (!rtsp2::get_connection_property(s, kConnectionIds, prop_id, value) &&
          !rtsp2::get_media_property(s, kMediaIds, prop_id, value)) {
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      }
      break;
  }
}

GstStructure* gst_rtsp_src2_build_stats(GstRtspSrc2* self) {
  auto* priv = self->priv;
  GstStructure* s = gst_structure_new_empty("application/x-rtspsrc2-stats");
  std::vector<rtsp2::StreamStats> streams;
  {
    std::lock_guard lock(priv->shared_stats.mutex);
    auto& st = priv->shared_stats;
    gst_structure_set(s, "reconnects", G_TYPE_UINT64, st.reconnects, "keep-alives", G_TYPE_UINT64,
                      st.keep_alives, "requests", G_TYPE_UINT64, st.requests, "rtt", G_TYPE_UINT64,
                      st.rtt_ms < 0 ? GST_CLOCK_TIME_NONE : guint64(st.rtt_ms) * GST_MSECOND,
                      "dropped-interleaved", G_TYPE_UINT64, st.dropped_interleaved, nullptr);
    streams = st.streams;
  }
  GValue list = G_VALUE_INIT;
  gst_value_list_init(&list, guint(streams.size()));
  std::lock_guard lock(priv->receive_mutex);
  for (const auto& st : streams) {
    GstStructure* one = gst_structure_new(
        "application/x-rtspsrc2-stream-stats", "index", G_TYPE_UINT, st.index, "transport", G_TYPE_STRING,
        st.transport.empty() ? "none" : st.transport.c_str(), "packets", G_TYPE_UINT64, st.packets, "bytes",
        G_TYPE_UINT64, st.bytes, "reordered", G_TYPE_UINT64, st.reordered, "rtcp-packets", G_TYPE_UINT64,
        st.rtcp_packets, "batches", G_TYPE_UINT64, st.batches, "kernel-drops", G_TYPE_UINT64, st.kernel_drops,
        "read-holds", G_TYPE_UINT64, st.read_holds, "lost", G_TYPE_INT64, gint64(0), "jitter", G_TYPE_UINT,
        0u, nullptr);
    if (priv->receive) priv->receive->add_stats(st.index, one);
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed(&v, one);
    gst_value_list_append_and_take_value(&list, &v);
  }
  gst_structure_take_value(s, "streams", &list);
  return s;
}
