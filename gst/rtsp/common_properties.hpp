// The GObject properties rtspsrc2 and rtspsink2 share (timeout, tcp-timeout, user-id, user-pw, user-agent,
// do-rtsp-keep-alive, tls-*, reconnect-*): one place installs them and maps them onto ConnectionSettings, so
// the two elements cannot drift apart. Each element keeps its own property enum and passes the ids it gave
// these properties.
#pragma once

#include <string>

#include <gio/gio.h>
#include <glib-object.h>
#include <gst/gst.h>

#include "connection_settings.hpp"

namespace rtsp2 {

inline constexpr auto kPropertyReadWrite = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

// The element's property ids of the shared properties.
struct ConnectionPropertyIds {
  guint timeout;
  guint tcp_timeout;
  guint user_id;
  guint user_pw;
  guint user_agent;
  guint do_rtsp_keep_alive;
  guint tls_validation_flags;
  guint tls_database;
  guint tls_interaction;
  guint reconnect_attempts;
  guint reconnect_max_interval;
};

// The blurbs that differ because the property means something element-specific.
struct ConnectionPropertyBlurbs {
  const char* timeout;
  const char* reconnect_attempts;
};

// Installs the shared properties; their defaults are those of ConnectionSettings, user-agent's is
// default_user_agent(). Must be called once, from class_init.
void install_connection_properties(GObjectClass* klass, const ConnectionPropertyIds& ids,
                                   const ConnectionPropertyBlurbs& blurbs);
// Sets or gets one shared property; false when `id` is none of `ids` (the caller warns).
bool set_connection_property(ConnectionSettings& s, const ConnectionPropertyIds& ids, guint id,
                             const GValue* value);
bool get_connection_property(const ConnectionSettings& s, const ConnectionPropertyIds& ids, guint id,
                             GValue* value);

// The accept-certificate signal of rtspsrc and rtspclientsink: gboolean (GTlsConnection*, GTlsCertificate*,
// GTlsCertificateFlags), emitted when tls-validation-flags refuse the server's certificate; TRUE accepts it.
guint install_accept_certificate_signal(GObjectClass* klass);
bool emit_accept_certificate(GstElement* element, guint signal, GTlsConnection* connection,
                             GTlsCertificate* certificate, GTlsCertificateFlags errors);

// "GStreamer/1.22.0": what rtspsrc and rtspclientsink send; servers that whitelist clients know it.
std::string default_user_agent();

// String properties: NULL and "" are both "unset", stored as "".
std::string string_or_empty(const GValue* v);
void set_string_or_null(GValue* v, const std::string& s);

}  // namespace rtsp2
