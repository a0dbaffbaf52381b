#include "sdp.hpp"

#include "text.hpp"
#include "url.hpp"

#include <glib.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <system_error>

namespace rtsp2::core {

namespace {

using text::trim;

// ---- RAII for the GLib/GStreamer objects used here ----

struct GFree {
  void operator()(void* p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GFree>;

struct CapsUnref {
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};
using CapsPtr = std::unique_ptr<GstCaps, CapsUnref>;

struct SdpMessageFree {
  void operator()(GstSDPMessage* m) const { gst_sdp_message_free(m); }
};
using SdpMessagePtr = std::unique_ptr<GstSDPMessage, SdpMessageFree>;

SdpMessagePtr new_message() {
  GstSDPMessage* m = nullptr;
  gst_sdp_message_new(&m);
  return SdpMessagePtr(m);
}

// A GstSDPMedia on the stack. gst_sdp_message_add_media() takes over its contents, after which release()
// keeps the destructor from freeing them a second time.
class StackMedia {
 public:
  StackMedia() { gst_sdp_media_init(&media_); }
  ~StackMedia() {
    if (owned_) gst_sdp_media_uninit(&media_);
  }
  StackMedia(const StackMedia&) = delete;
  StackMedia& operator=(const StackMedia&) = delete;
  GstSDPMedia* get() { return &media_; }
  void release() { owned_ = false; }

 private:
  GstSDPMedia media_{};
  bool owned_ = true;
};

void set_error(std::string* error, std::string_view what) {
  if (error) *error = std::string(what);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!g_ascii_isdigit(c)) return false;
  }
  return true;
}

// True when s contains a space, a control character or a non-ASCII byte: such text cannot go into a URL or
// an SDP token.
bool has_space_or_ctl(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return true;
  }
  return false;
}

bool breaks_line(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

// ---- npt ----

// npt-sec = 1*DIGIT [ "." *DIGIT ]; at most 12 integer digits so that every value stays exact enough and
// finite.
std::optional<double> parse_decimal(std::string_view s, std::size_t max_int_digits) {
  std::size_t dot = s.find('.');
  std::string_view int_part = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (!all_digits(int_part) || int_part.size() > max_int_digits) return std::nullopt;
  if (!frac.empty() && !all_digits(frac)) return std::nullopt;
  std::string_view number = frac.empty() ? int_part : s;
  double v = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v, std::chars_format::fixed);
  if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// npt-time = npt-sec / npt-hhmmss (RFC 2326 §3.6): "10.026", "1:02:03.5".
std::optional<double> parse_npt_time(std::string_view s) {
  std::size_t c1 = s.find(':');
  if (c1 == std::string_view::npos) return parse_decimal(s, 12);
  std::size_t c2 = s.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  std::string_view hh = s.substr(0, c1);
  std::string_view mm = s.substr(c1 + 1, c2 - c1 - 1);
  std::string_view ss = s.substr(c2 + 1);
  if (!all_digits(hh) || hh.size() > 9 || !all_digits(mm) || mm.size() > 2) return std::nullopt;
  auto hours = parse_decimal(hh, 9);
  auto minutes = parse_decimal(mm, 2);
  auto seconds = parse_decimal(ss, 2);
  if (!hours || !minutes || !seconds || *minutes >= 60 || *seconds >= 60) return std::nullopt;
  return *hours * 3600 + *minutes * 60 + *seconds;
}

std::string format_seconds(double v) {
  if (!std::isfinite(v) || v < 0) v = 0;
  std::string buf(400, '\0');  // enough for any double in fixed notation with 3 decimals
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, 3);
  if (ec != std::errc()) return "0.000";
  buf.resize(static_cast<std::size_t>(end - buf.data()));
  return buf;
}

// ---- control URLs ----

// ---- attributes ----

bool message_has_attribute(const GstSDPMessage* msg, std::string_view key) {
  for (guint i = 0; i < gst_sdp_message_attributes_len(msg); ++i) {
    const GstSDPAttribute* a = gst_sdp_message_get_attribute(msg, i);
    if (a && a->key && key == a->key) return true;
  }
  return false;
}

bool media_has_attribute(const GstSDPMedia* media, std::string_view key) {
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (a && a->key && key == a->key) return true;
  }
  return false;
}

constexpr std::pair<Direction, std::string_view> kDirections[] = {
    {Direction::SendRecv, "sendrecv"},
    {Direction::SendOnly, "sendonly"},
    {Direction::RecvOnly, "recvonly"},
    {Direction::Inactive, "inactive"},
};

std::string_view direction_name(Direction d) {
  for (const auto& [dir, name] : kDirections) {
    if (dir == d) return name;
  }
  return "sendrecv";
}

template <typename HasAttribute>
std::optional<Direction> find_direction(HasAttribute has) {
  for (const auto& [dir, name] : kDirections) {
    if (has(name)) return dir;
  }
  return std::nullopt;
}

// The format list of fmtp for `pt`: "a=fmtp:96 packetization-mode=1;..." -> "packetization-mode=1;...".
std::string find_fmtp(const GstSDPMedia* media, int pt) {
  const std::string prefix = std::to_string(pt);
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (!a || !a->key || !a->value || std::string_view(a->key) != "fmtp") continue;
    std::string_view v = a->value;
    if (v.substr(0, prefix.size()) != prefix || v.size() == prefix.size()) continue;
    if (v[prefix.size()] != ' ' && v[prefix.size()] != '\t') continue;
    return std::string(trim(v.substr(prefix.size())));
  }
  return {};
}

// RFC 3551 static payload types, for encoding_name when the SDP has no rtpmap.
std::string_view static_encoding_name(int pt) {
  switch (pt) {
    case 0:
      return "PCMU";
    case 3:
      return "GSM";
    case 4:
      return "G723";
    case 5:
    case 6:
    case 16:
    case 17:
      return "DVI4";
    case 7:
      return "LPC";
    case 8:
      return "PCMA";
    case 9:
      return "G722";
    case 10:
    case 11:
      return "L16";
    case 12:
      return "QCELP";
    case 13:
      return "CN";
    case 14:
      return "MPA";
    case 15:
      return "G728";
    case 18:
      return "G729";
    case 25:
      return "CELB";
    case 26:
      return "JPEG";
    case 28:
      return "NV";
    case 31:
      return "H261";
    case 32:
      return "MPV";
    case 33:
      return "MP2T";
    case 34:
      return "H263";
    default:
      return "";
  }
}

bool is_rtp_profile(std::string_view proto) {
  return proto == "RTP/AVP" || proto == "RTP/SAVP" || proto == "RTP/AVPF" || proto == "RTP/SAVPF";
}

std::optional<int> parse_pt(std::string_view s) {
  if (!all_digits(s) || s.size() > 3) return std::nullopt;
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  if (v > 127) return std::nullopt;
  return v;
}

// What gst_rtspsrc_collect_payloads() + gst_rtspsrc_stream_configure_transport() do for one payload type:
// caps from the m= section, intersected with the session- and media-level attributes (as a-* fields), then
// named after the transport's media type.
std::optional<PayloadFormat> payload_format(const GstSDPMedia* media, GstCaps* global_caps, int pt,
                                            std::string_view media_type) {
  CapsPtr caps(gst_sdp_media_get_caps_from_media(media, pt));
  if (!caps) return std::nullopt;
  CapsPtr merged(gst_caps_intersect(caps.get(), global_caps));
  if (!merged || gst_caps_get_size(merged.get()) != 1) return std::nullopt;
  GstStructure* s = gst_caps_get_structure(merged.get(), 0);
  gst_structure_set_name(s, std::string(media_type).c_str());

  PayloadFormat f;
  f.pt = pt;
  if (!gst_structure_get_int(s, "clock-rate", &f.clock_rate) || f.clock_rate <= 0) return std::nullopt;
  if (const gchar* enc = gst_structure_get_string(s, "encoding-name")) {
    GCharPtr upper(g_ascii_strup(enc, -1));
    f.encoding_name = upper.get();
  } else {
    f.encoding_name = std::string(static_encoding_name(pt));
  }
  if (const gchar* params = gst_structure_get_string(s, "encoding-params")) f.encoding_params = params;
  f.fmtp = find_fmtp(media, pt);
  GCharPtr text(gst_caps_to_string(merged.get()));
  f.caps = text.get();
  return f;
}

bool is_utf8(const gchar* s) {
  return s == nullptr || g_utf8_validate(s, -1, nullptr);
}

// GstStructure refuses strings that are not UTF-8 with a g_warning, and rtspsrc then lacks that field.
// Dropping such attributes before building caps gives the same caps without a warning a server can trigger.
void drop_non_utf8_attributes(GstSDPMessage* msg) {
  auto bad = [](const GstSDPAttribute* a) {
    return a && (!a->key || !is_utf8(a->key) || !is_utf8(a->value));
  };
  for (guint i = gst_sdp_message_attributes_len(msg); i-- > 0;) {
    if (bad(gst_sdp_message_get_attribute(msg, i))) gst_sdp_message_remove_attribute(msg, i);
  }
  for (guint m = 0; m < gst_sdp_message_medias_len(msg); ++m) {
    // The message is ours; GstSDP only hands out const media.
    auto* media = const_cast<GstSDPMedia*>(gst_sdp_message_get_media(msg, m));
    for (guint i = gst_sdp_media_attributes_len(media); i-- > 0;) {
      if (bad(gst_sdp_media_get_attribute(media, i))) gst_sdp_media_remove_attribute(media, i);
    }
  }
}

const GstSDPConnection* stream_connection(const GstSDPMessage* msg, const GstSDPMedia* media) {
  if (gst_sdp_media_connections_len(media) > 0) return gst_sdp_media_get_connection(media, 0);
  return gst_sdp_message_get_connection(msg);
}

}  // namespace

std::optional<NptRange> parse_npt_range(std::string_view value) {
  value = trim(value);
  if (std::size_t semi = value.find(';'); semi != std::string_view::npos) value = trim(value.substr(0, semi));
  if (value.size() < 4 || !iequals(value.substr(0, 4), "npt=")) return std::nullopt;
  value = trim(value.substr(4));
  std::size_t dash = value.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view start = trim(value.substr(0, dash));
  std::string_view end = trim(value.substr(dash + 1));

  NptRange r;
  if (start.empty()) {
    if (end.empty()) return std::nullopt;  // "npt=-" says nothing
  } else if (iequals(start, "now")) {
    r.start_is_now = true;
  } else {
    auto t = parse_npt_time(start);
    if (!t) return std::nullopt;
    r.start = *t;
  }
  if (!end.empty()) {
    auto t = parse_npt_time(end);
    if (!t || (!r.start_is_now && *t < r.start)) return std::nullopt;
    r.end = *t;
  }
  return r;
}

std::string to_string(const NptRange& r) {
  std::string out = "npt=";
  out += r.start_is_now ? std::string("now") : format_seconds(r.start);
  out += '-';
  if (r.end) out += format_seconds(*r.end);
  return out;
}

bool Presentation::seekable() const {
  return range && !range->start_is_now && range->end && *range->end > range->start;
}

std::optional<Presentation> parse_presentation(std::string_view sdp, std::string_view base_url,
                                               std::string* error) {
  if (sdp.empty()) {
    set_error(error, "empty SDP");
    return std::nullopt;
  }
  if (sdp.size() > G_MAXUINT) {
    set_error(error, "SDP too large");
    return std::nullopt;
  }
  if (sdp.find('\0') != std::string_view::npos) {
    set_error(error, "SDP contains NUL bytes");
    return std::nullopt;
  }
  SdpMessagePtr msg = new_message();
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                   static_cast<guint>(sdp.size()), msg.get()) != GST_SDP_OK) {
    set_error(error, "malformed SDP");
    return std::nullopt;
  }
  drop_non_utf8_attributes(msg.get());
  const guint n_medias = gst_sdp_message_medias_len(msg.get());
  if (n_medias == 0) {
    set_error(error, "no streams");
    return std::nullopt;
  }

  Presentation p;
  if (const gchar* name = gst_sdp_message_get_session_name(msg.get())) p.session_name = name;

  const gchar* session_control = gst_sdp_message_get_attribute_val(msg.get(), "control");
  auto aggregate = resolve_control(base_url, session_control ? session_control : "");
  if (!aggregate) {
    set_error(error, "cannot resolve the session control URL");
    return std::nullopt;
  }
  p.aggregate_control_url = std::move(*aggregate);

  if (const gchar* range = gst_sdp_message_get_attribute_val(msg.get(), "range"))
    p.range = parse_npt_range(range);

  const Direction session_direction = find_direction([&](std::string_view k) {
                                        return message_has_attribute(msg.get(), k);
                                      }).value_or(Direction::SendRecv);

  for (guint i = 0; i < n_medias; ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(msg.get(), i);
    if (!media) continue;
    SdpStream st;
    st.index = i;
    if (const gchar* m = gst_sdp_media_get_media(media)) st.media = m;
    if (const gchar* proto = gst_sdp_media_get_proto(media)) st.protocol = proto;
    st.direction = find_direction([&](std::string_view k) {
                     return media_has_attribute(media, k);
                   }).value_or(session_direction);

    const guint port = gst_sdp_media_get_port(media);
    st.port = port <= G_MAXUINT16 ? static_cast<std::uint16_t>(port) : 0;
    if (const GstSDPConnection* conn = stream_connection(msg.get(), media);
        conn && conn->nettype && conn->addrtype && conn->address &&
        gst_sdp_address_is_multicast(conn->nettype, conn->addrtype, conn->address)) {
      st.multicast_group = conn->address;
      // For IP6 the "/n" after the address is a count of addresses, not a TTL (RFC 4566 §5.7).
      if (std::string_view(conn->addrtype) == "IP4" && conn->ttl > 0 && conn->ttl <= 255) {
        st.ttl = static_cast<std::uint8_t>(conn->ttl);
      }
    }

    if (is_rtp_profile(st.protocol) && is_utf8(gst_sdp_media_get_media(media))) {
      const bool secure = st.protocol == "RTP/SAVP" || st.protocol == "RTP/SAVPF";
      CapsPtr global_caps(gst_caps_new_empty_simple("application/x-unknown"));
      gst_sdp_message_attributes_to_caps(msg.get(), global_caps.get());
      gst_sdp_media_attributes_to_caps(media, global_caps.get());
      for (guint f = 0; f < gst_sdp_media_formats_len(media); ++f) {
        const gchar* fmt = gst_sdp_media_get_format(media, f);
        auto pt = parse_pt(fmt ? fmt : "");
        if (!pt) continue;
        auto pf = payload_format(media, global_caps.get(), *pt,
                                 secure ? "application/x-srtp" : "application/x-rtp");
        if (pf) st.formats.push_back(std::move(*pf));
      }
    }
    if (st.formats.empty()) continue;  // nothing to set up; its control URL does not matter either

    if (const gchar* control = gst_sdp_media_get_attribute_val(media, "control")) {
      st.control = control;
      auto url = resolve_control(base_url, st.control);
      if (!url) {
        set_error(error, "cannot resolve the control URL of stream " + std::to_string(i));
        return std::nullopt;
      }
      st.control_url = std::move(*url);
    } else {
      st.control_url = p.aggregate_control_url;
    }
    p.streams.push_back(std::move(st));
  }

  if (!p.range) {
    // Some servers put a=range in the media sections only.
    for (guint i = 0; i < n_medias && !p.range; ++i) {
      if (const gchar* range =
              gst_sdp_media_get_attribute_val(gst_sdp_message_get_media(msg.get(), i), "range")) {
        p.range = parse_npt_range(range);
      }
    }
  }

  if (p.streams.empty()) {
    set_error(error, "no usable streams");
    return std::nullopt;
  }
  return p;
}

namespace {

// Caps fields that would duplicate what write_announce_sdp() writes itself, or that carry state of a parsed
// SDP that does not belong in a new one.
constexpr std::string_view kDroppedFields[] = {"a-control",  "a-rtpmap",   "a-fmtp",     "a-sendrecv",
                                               "a-sendonly", "a-recvonly", "a-inactive", "a-range"};

// One application/x-rtp structure, checked before gst_caps_from_string(), which g_critical()s on some bad
// structure names (GStreamer 1.22) instead of just failing.
bool is_single_rtp_caps_text(std::string_view text) {
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) return false;
  text = trim(text);
  constexpr std::string_view name = "application/x-rtp";
  if (text.substr(0, name.size()) != name) return false;
  std::string_view rest = text.substr(name.size());
  if (!rest.empty() && rest.front() != ',' && rest.front() != ' ') return false;
  bool quoted = false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '\\') {
      ++i;
    } else if (rest[i] == '"') {
      quoted = !quoted;
    } else if (rest[i] == ';' && !quoted) {
      return false;  // a second structure
    }
  }
  return true;
}

std::optional<std::string> check_media(const GstSDPMedia* media) {
  const gchar* name = gst_sdp_media_get_media(media);
  if (!name || !*name || has_space_or_ctl(name)) return "no usable media field";
  const gchar* format = gst_sdp_media_formats_len(media) == 1 ? gst_sdp_media_get_format(media, 0) : nullptr;
  if (!format || !parse_pt(format)) return "payload is not a payload type 0..127";
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
    if (!a || !a->key || !*a->key || has_space_or_ctl(a->key) || (a->value && breaks_line(a->value))) {
      return "a field cannot be written as an SDP attribute";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> write_announce_sdp(const std::vector<AnnounceStream>& streams,
                                              const AnnounceOptions& options, std::string* error) {
  if (streams.empty()) {
    set_error(error, "no streams");
    return std::nullopt;
  }
  if (breaks_line(options.session_name)) {
    set_error(error, "session name contains a line break");
    return std::nullopt;
  }
  if (options.origin_address.empty() || has_space_or_ctl(options.origin_address)) {
    set_error(error, "bad origin address");
    return std::nullopt;
  }
  const bool ip6 = options.origin_address.find(':') != std::string::npos;
  const char* addrtype = ip6 ? "IP6" : "IP4";

  SdpMessagePtr msg = new_message();
  gst_sdp_message_set_version(msg.get(), "0");
  const std::string session_id = std::to_string(g_random_int());
  gst_sdp_message_set_origin(msg.get(), "-", session_id.c_str(), "1", "IN", addrtype,
                             options.origin_address.c_str());
  // RFC 4566 §5.3: s= must not be empty; a single space stands for "no name".
  gst_sdp_message_set_session_name(msg.get(),
                                   options.session_name.empty() ? " " : options.session_name.c_str());
  gst_sdp_message_set_connection(msg.get(), "IN", addrtype, ip6 ? "::" : "0.0.0.0", 0, 0);
  gst_sdp_message_add_time(msg.get(), "0", "0", nullptr);

  for (std::size_t i = 0; i < streams.size(); ++i) {
    const std::string where = "stream " + std::to_string(i) + ": ";
    CapsPtr caps(is_single_rtp_caps_text(streams[i].caps) ? gst_caps_from_string(streams[i].caps.c_str())
                                                          : nullptr);
    if (!caps || gst_caps_get_size(caps.get()) != 1 ||
        !gst_structure_has_name(gst_caps_get_structure(caps.get(), 0), "application/x-rtp")) {
      set_error(error, where + "not application/x-rtp caps");
      return std::nullopt;
    }
    caps.reset(gst_caps_make_writable(caps.release()));
    GstStructure* s = gst_caps_get_structure(caps.get(), 0);
    for (auto field : kDroppedFields) gst_structure_remove_field(s, std::string(field).c_str());
    // a=ssrc lines of a parsed SDP come back as ssrc-<id>-<attr> fields; GStreamer 1.22 would write them into
    // fmtp, and they describe the source of that SDP, not ours.
    gst_structure_filter_and_map_in_place(
        s,
        [](GQuark field, GValue*, gpointer) -> gboolean {
          return !g_str_has_prefix(g_quark_to_string(field), "ssrc-");
        },
        nullptr);

    std::string control = streams[i].control.empty() ? "stream=" + std::to_string(i) : streams[i].control;
    if (has_space_or_ctl(control)) {
      set_error(error, where + "control contains spaces or control characters");
      return std::nullopt;
    }

    StackMedia media;
    if (gst_sdp_media_set_media_from_caps(caps.get(), media.get()) != GST_SDP_OK) {
      set_error(error, where + "caps lack media, payload or clock-rate");
      return std::nullopt;
    }
    if (auto bad = check_media(media.get())) {
      set_error(error, where + *bad);
      return std::nullopt;
    }
    gst_sdp_media_set_proto(media.get(), "RTP/AVP");
    gst_sdp_media_set_port_info(media.get(), 0, 1);
    gst_sdp_media_add_attribute(media.get(), "control", control.c_str());
    gst_sdp_media_add_attribute(media.get(), std::string(direction_name(options.direction)).c_str(), nullptr);
    gst_sdp_message_add_media(msg.get(), media.get());
    media.release();
  }

  GCharPtr text(gst_sdp_message_as_text(msg.get()));
  if (!text) {
    set_error(error, "cannot write SDP");
    return std::nullopt;
  }
  return std::string(text.get());
}

}  // namespace rtsp2::core
