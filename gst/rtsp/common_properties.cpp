#include "common_properties.hpp"

#include <gst/gst.h>

namespace rtsp2 {

std::string default_user_agent() {
  gchar* v = gst_version_string();
  // "GStreamer 1.22.0" -> "GStreamer/1.22.0".
  std::string s = v;
  g_free(v);
  auto sp = s.find(' ');
  if (sp != std::string::npos) s[sp] = '/';
  return s;
}

guint install_accept_certificate_signal(GObjectClass* klass) {
  return g_signal_new("accept-certificate", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                      g_signal_accumulator_true_handled, nullptr, nullptr, G_TYPE_BOOLEAN, 3,
                      G_TYPE_TLS_CONNECTION, G_TYPE_TLS_CERTIFICATE, G_TYPE_TLS_CERTIFICATE_FLAGS);
}

bool emit_accept_certificate(GstElement* element, guint signal, GTlsConnection* connection,
                             GTlsCertificate* certificate, GTlsCertificateFlags errors) {
  gboolean accepted = FALSE;
  g_signal_emit(element, signal, 0, connection, certificate, errors, &accepted);
  return accepted != FALSE;
}

std::string string_or_empty(const GValue* v) {
  const gchar* s = g_value_get_string(v);
  return s != nullptr ? s : "";
}

void set_string_or_null(GValue* v, const std::string& s) {
  g_value_set_string(v, s.empty() ? nullptr : s.c_str());
}

void install_connection_properties(GObjectClass* klass, const ConnectionPropertyIds& ids,
                                   const ConnectionPropertyBlurbs& blurbs) {
  const ConnectionSettings defaults;
  g_object_class_install_property(klass, ids.timeout,
                                  g_param_spec_uint64("timeout", "Timeout", blurbs.timeout, 0, G_MAXUINT64,
                                                      defaults.timeout_us, kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.tcp_timeout,
      g_param_spec_uint64("tcp-timeout", "TCP Timeout",
                          "Fail after timeout microseconds on TCP connections (0 = disabled)", 0, G_MAXUINT64,
                          defaults.tcp_timeout_us, kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.user_id,
      g_param_spec_string("user-id", "user-id", "RTSP location URI user id for authentication", nullptr,
                          kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.user_pw,
      g_param_spec_string("user-pw", "user-pw", "RTSP location URI user password for authentication", nullptr,
                          kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.user_agent,
      g_param_spec_string("user-agent", "User Agent", "The User-Agent string to send to the server",
                          default_user_agent().c_str(), kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.do_rtsp_keep_alive,
      g_param_spec_boolean("do-rtsp-keep-alive", "Do RTSP Keep Alive",
                           "Send RTSP keep alive packets, disable for old incompatible server.",
                           defaults.do_rtsp_keep_alive, kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.tls_validation_flags,
      g_param_spec_flags("tls-validation-flags", "TLS validation flags",
                         "TLS certificate validation flags used to validate the server certificate",
                         G_TYPE_TLS_CERTIFICATE_FLAGS, defaults.tls_validation_flags, kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.tls_database,
      g_param_spec_object(
          "tls-database", "TLS database",
          "TLS database with anchor certificate authorities used to validate the server certificate",
          G_TYPE_TLS_DATABASE, kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.tls_interaction,
      g_param_spec_object("tls-interaction", "TLS interaction",
                          "A GTlsInteraction object to prompt the user for password or certificate",
                          G_TYPE_TLS_INTERACTION, kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.reconnect_attempts,
      g_param_spec_int("reconnect-attempts", "Reconnect attempts", blurbs.reconnect_attempts, -1, G_MAXINT,
                       defaults.reconnect_attempts, kPropertyReadWrite));
  g_object_class_install_property(
      klass, ids.reconnect_max_interval,
      g_param_spec_uint64(
          "reconnect-max-interval", "Reconnect maximum interval",
          "Longest wait between two reconnect attempts in microseconds (the wait doubles from 0.5 s "
          "up to this)",
          1, G_MAXUINT64, defaults.reconnect_max_interval_us, kPropertyReadWrite));
}

// The ids are the element's, not constants here: an if chain instead of a switch.
bool set_connection_property(ConnectionSettings& s, const ConnectionPropertyIds& ids, guint id,
                             const GValue* value) {
  if (id == ids.timeout) {
    s.timeout_us = g_value_get_uint64(value);
  } else if (id == ids.tcp_timeout) {
    s.tcp_timeout_us = g_value_get_uint64(value);
  } else if (id == ids.user_id) {
    s.user_id = string_or_empty(value);
  } else if (id == ids.user_pw) {
    s.user_pw = string_or_empty(value);
  } else if (id == ids.user_agent) {
    s.user_agent = string_or_empty(value);
  } else if (id == ids.do_rtsp_keep_alive) {
    s.do_rtsp_keep_alive = g_value_get_boolean(value);
  } else if (id == ids.tls_validation_flags) {
    s.tls_validation_flags = GTlsCertificateFlags(g_value_get_flags(value));
  } else if (id == ids.tls_database) {
    s.tls_database = GRef<GTlsDatabase>(static_cast<GTlsDatabase*>(g_value_get_object(value)));
  } else if (id == ids.tls_interaction) {
    s.tls_interaction = GRef<GTlsInteraction>(static_cast<GTlsInteraction*>(g_value_get_object(value)));
  } else if (id == ids.reconnect_attempts) {
    s.reconnect_attempts = g_value_get_int(value);
  } else if (id == ids.reconnect_max_interval) {
    s.reconnect_max_interval_us = g_value_get_uint64(value);
  } else {
    return false;
  }
  return true;
}

bool get_connection_property(const ConnectionSettings& s, const ConnectionPropertyIds& ids, guint id,
                             GValue* value) {
  if (id == ids.timeout) {
    g_value_set_uint64(value, s.timeout_us);
  } else if (id == ids.tcp_timeout) {
    g_value_set_uint64(value, s.tcp_timeout_us);
  } else if (id == ids.user_id) {
    set_string_or_null(value, s.user_id);
  } else if (id == ids.user_pw) {
    set_string_or_null(value, s.user_pw);
  } else if (id == ids.user_agent) {
    set_string_or_null(value, s.user_agent);
  } else if (id == ids.do_rtsp_keep_alive) {
    g_value_set_boolean(value, s.do_rtsp_keep_alive);
  } else if (id == ids.tls_validation_flags) {
    g_value_set_flags(value, s.tls_validation_flags);
  } else if (id == ids.tls_database) {
    g_value_set_object(value, s.tls_database.get());
  } else if (id == ids.tls_interaction) {
    g_value_set_object(value, s.tls_interaction.get());
  } else if (id == ids.reconnect_attempts) {
    g_value_set_int(value, s.reconnect_attempts);
  } else if (id == ids.reconnect_max_interval) {
    g_value_set_uint64(value, s.reconnect_max_interval_us);
  } else {
    return false;
  }
  return true;
}

}  // namespace rtsp2
