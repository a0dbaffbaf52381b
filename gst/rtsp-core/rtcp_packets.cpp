#include "rtcp_packets.hpp"

#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>

#include <algorithm>

namespace rtsp2::core {

std::string_view to_string(RtcpParseError e) {
  switch (e) {
    case RtcpParseError::BadCompound:
      return "malformed compound RTCP packet";
    case RtcpParseError::TruncatedSr:
      return "truncated sender report";
    case RtcpParseError::TruncatedSdes:
      return "truncated SDES";
    case RtcpParseError::TruncatedBye:
      return "truncated BYE";
  }
  return "unknown";
}

namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Owns the GstBuffer wrapped around the caller's bytes (no copy) and its RTCP mapping.
class MappedRtcp {
 public:
  explicit MappedRtcp(std::span<const std::uint8_t> bytes)
      : buffer_(gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, const_cast<std::uint8_t*>(bytes.data()),
                                            bytes.size(), 0, bytes.size(), nullptr, nullptr)) {
    gst_rtcp_buffer_map(buffer_, GST_MAP_READ, &rtcp_);
  }
  ~MappedRtcp() {
    gst_rtcp_buffer_unmap(&rtcp_);
    gst_buffer_unref(buffer_);
  }
  MappedRtcp(const MappedRtcp&) = delete;
  MappedRtcp& operator=(const MappedRtcp&) = delete;
  GstRTCPBuffer* get() { return &rtcp_; }

 private:
  GstBuffer* buffer_;
  GstRTCPBuffer rtcp_ = GST_RTCP_BUFFER_INIT;
};

// Walks the SDES chunks of the packet at [begin, end) (header included) and keeps the CNAMEs.
bool read_sdes(const std::uint8_t* begin, const std::uint8_t* end, unsigned chunks, RtcpCompound& out) {
  const std::uint8_t* p = begin + 4;
  for (unsigned c = 0; c < chunks; c++) {
    if (end - p < 4) return false;
    const std::uint32_t ssrc = be32(p);
    p += 4;
    for (;;) {
      if (p >= end) return false;  // no terminating null item
      const std::uint8_t type = p[0];
      if (type == GST_RTCP_SDES_END) {
        // The chunk ends with the null octet(s) up to the next 32-bit boundary of the packet.
        const std::size_t used = static_cast<std::size_t>(p - begin) + 1;
        p = begin + ((used + 3) & ~std::size_t{3});
        break;
      }
      if (end - p < 2) return false;
      const std::size_t len = p[1];
      if (static_cast<std::size_t>(end - p) < 2 + len) return false;
      if (type == GST_RTCP_SDES_CNAME)
        out.cnames.push_back({ssrc, std::string(reinterpret_cast<const char*>(p + 2), len)});
      p += 2 + len;
    }
    if (p > end) return false;
  }
  return true;
}

// The smallest size of each packet type (the table of newer GStreamer releases, whose packet walk stops at
// a packet below it while older ones read on): checking it first makes the walk the same on every version.
std::size_t min_packet_size(std::uint8_t type) {
  switch (type) {
    case GST_RTCP_TYPE_SR:
      return 28;
    case GST_RTCP_TYPE_RR:
    case GST_RTCP_TYPE_XR:
      return 8;
    case GST_RTCP_TYPE_APP:
    case GST_RTCP_TYPE_RTPFB:
    case GST_RTCP_TYPE_PSFB:
      return 12;
    default:
      return 4;
  }
}

}  // namespace

RtcpParseResult parse_rtcp(std::span<const std::uint8_t> bytes) {
  RtcpParseResult result;
  // validate_data_reduced() g_return_if_fails on NULL data and needs 4 bytes; both are plain errors here.
  if (bytes.size() < 4 || bytes.size() > G_MAXUINT) return result;
  if (!gst_rtcp_buffer_validate_data_reduced(const_cast<std::uint8_t*>(bytes.data()),
                                             static_cast<guint>(bytes.size())))
    return result;
  // Packet sizes (validated above to tile the datagram) against the minimum of their type.
  std::size_t packets = 0;
  for (std::size_t off = 0; off + 4 <= bytes.size(); packets++) {
    const std::size_t size = 4 + 4 * ((std::size_t{bytes[off + 2]} << 8) | bytes[off + 3]);
    if (size < min_packet_size(bytes[off + 1])) {
      result.error =
          bytes[off + 1] == GST_RTCP_TYPE_SR ? RtcpParseError::TruncatedSr : RtcpParseError::BadCompound;
      return result;
    }
    off += size;
  }
  MappedRtcp mapped(bytes);
  RtcpCompound out;
  GstRTCPPacket packet;
  std::size_t visited = 0;
  bool more = gst_rtcp_buffer_get_first_packet(mapped.get(), &packet);
  while (more) {
    visited++;
    // The packet's words after its header, as the length field says (validated to lie inside the buffer).
    const std::size_t words = gst_rtcp_packet_get_length(&packet);
    const std::uint8_t* begin = bytes.data() + packet.offset;
    const std::uint8_t* end = begin + 4 + words * 4;
    const unsigned count = gst_rtcp_packet_get_count(&packet);
    switch (gst_rtcp_packet_get_type(&packet)) {
      case GST_RTCP_TYPE_SR: {
        SenderReport sr;  // 28 bytes checked above
        guint64 ntp = 0;
        gst_rtcp_packet_sr_get_sender_info(&packet, &sr.ssrc, &ntp, &sr.rtp_timestamp, &sr.packet_count,
                                           &sr.octet_count);
        sr.ntp = ntp;
        out.sender_reports.push_back(sr);
        break;
      }
      case GST_RTCP_TYPE_SDES:
        if (!read_sdes(begin, end, count, out)) {
          result.error = RtcpParseError::TruncatedSdes;
          return result;
        }
        break;
      case GST_RTCP_TYPE_BYE:
        if (count > words) {
          result.error = RtcpParseError::TruncatedBye;
          return result;
        }
        for (unsigned i = 0; i < count; i++)
          out.bye_ssrcs.push_back(gst_rtcp_packet_bye_get_nth_ssrc(&packet, i));
        break;
      default:
        break;  // RR, APP, feedback, XR: nothing a receiver of one stream acts on
    }
    more = gst_rtcp_packet_move_to_next(&packet);
  }
  // GstRTCPBuffer stops after a packet with the padding bit: padding anywhere but at the end is an error.
  if (visited != packets) return result;
  result.compound = std::move(out);
  return result;
}

unsigned sdes_buffer_size(std::span<const SdesItem> items) {
  guint size = kRtcpBaseSize;
  for (const SdesItem& item : items) size += 2 + guint(std::min<std::size_t>(item.value.size(), 255));
  return std::min(size, kMaxRtcpSize);
}

bool add_sdes_chunk(GstRTCPBuffer* rtcp, std::uint32_t ssrc, std::string_view cname,
                    std::span<const SdesItem> items) {
  GstRTCPPacket packet;
  if (!gst_rtcp_buffer_add_packet(rtcp, GST_RTCP_TYPE_SDES, &packet) ||
      !gst_rtcp_packet_sdes_add_item(&packet, ssrc)) {
    return false;
  }
  const std::size_t len = std::min<std::size_t>(cname.size(), GST_RTCP_MAX_SDES);
  if (!gst_rtcp_packet_sdes_add_entry(&packet, GST_RTCP_SDES_CNAME, static_cast<guint8>(len),
                                      reinterpret_cast<const guint8*>(cname.data()))) {
    return false;
  }
  // The further items stop where the packet would pass kMaxRtcpSize (as rtpsession, which builds RTCP in an
  // MTU-sized buffer): the report, the CNAME and a BYE always fit.
  std::size_t room = kMaxRtcpSize - kRtcpBaseSize;
  for (const SdesItem& item : items) {
    if (item.type <= GST_RTCP_SDES_CNAME || item.type > GST_RTCP_SDES_NOTE) continue;
    const std::size_t n = std::min<std::size_t>(item.value.size(), GST_RTCP_MAX_SDES);
    if (2 + n > room) continue;
    room -= 2 + n;
    gst_rtcp_packet_sdes_add_entry(&packet, GstRTCPSDESType(item.type), static_cast<guint8>(n),
                                   reinterpret_cast<const guint8*>(item.value.data()));
  }
  return true;
}

SdesSettings read_sdes_structure(const GstStructure* sdes) {
  static constexpr std::pair<const char*, std::uint8_t> kItems[] = {
      {"name", GST_RTCP_SDES_NAME},    {"email", GST_RTCP_SDES_EMAIL}, {"phone", GST_RTCP_SDES_PHONE},
      {"location", GST_RTCP_SDES_LOC}, {"tool", GST_RTCP_SDES_TOOL},   {"note", GST_RTCP_SDES_NOTE},
  };
  SdesSettings out;
  if (sdes == nullptr) return out;
  if (const gchar* cname = gst_structure_get_string(sdes, "cname"); cname != nullptr) out.cname = cname;
  for (const auto& [field, type] : kItems) {
    if (const gchar* v = gst_structure_get_string(sdes, field); v != nullptr && *v != 0) {
      out.items.push_back({type, v});
    }
  }
  return out;
}

std::vector<std::uint8_t> build_receiver_report(std::uint32_t ssrc, const std::optional<ReportBlock>& block,
                                                std::string_view cname, bool bye,
                                                std::span<const SdesItem> items) {
  GstBuffer* buffer = gst_rtcp_buffer_new(sdes_buffer_size(items));
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buffer, GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket packet;
  if (gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_RR, &packet)) {
    gst_rtcp_packet_rr_set_ssrc(&packet, ssrc);
    if (block) {
      gst_rtcp_packet_add_rb(&packet, block->ssrc, block->values.fraction_lost, block->values.cumulative_lost,
                             block->values.extended_highest_seq, block->jitter, block->lsr, block->dlsr);
    }
  }
  add_sdes_chunk(&rtcp, ssrc, cname, items);
  if (bye && gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_BYE, &packet))
    gst_rtcp_packet_bye_add_ssrc(&packet, ssrc);
  gst_rtcp_buffer_unmap(&rtcp);
  std::vector<std::uint8_t> out(gst_buffer_get_size(buffer));
  gst_buffer_extract(buffer, 0, out.data(), out.size());
  gst_buffer_unref(buffer);
  return out;
}

std::chrono::nanoseconds rtcp_deterministic_interval(const RtcpIntervalInput& in) {
  constexpr double kSenderShare = 0.25;
  constexpr double kReceiverShare = 0.75;
  const std::chrono::nanoseconds min_interval = in.initial ? in.min_interval / 2 : in.min_interval;
  if (in.rtcp_bandwidth <= 0) return min_interval;
  double bandwidth = in.rtcp_bandwidth;
  double n = std::max(in.members, 1);
  if (in.senders <= in.members * kSenderShare) {
    if (in.we_sent) {
      bandwidth *= kSenderShare;
      n = std::max(in.senders, 1);
    } else {
      bandwidth *= kReceiverShare;
      n = std::max(in.members - in.senders, 1);
    }
  }
  const double seconds = in.avg_rtcp_size * n / bandwidth;
  const std::chrono::duration<double> t(seconds);
  if (t < min_interval) return min_interval;
  // Beyond an hour the bandwidth setting is nonsense; do not let the cast overflow.
  if (t > std::chrono::hours(1)) return std::chrono::hours(1);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t);
}

std::chrono::nanoseconds randomize_interval(std::chrono::nanoseconds t, double random01) {
  const double factor = 0.5 + std::clamp(random01, 0.0, 1.0);
  return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(t.count()) * factor));
}

std::int64_t ntp_diff_ns(std::uint64_t a, std::uint64_t b) {
  const auto d = static_cast<std::int64_t>(a - b);  // 32.32 fixed point, wrap-safe
  // Seconds and fraction separately: d * 1e9 would overflow for more than 2 seconds.
  const std::int64_t seconds = d >> 32;  // floor, also for negative d
  const auto fraction = static_cast<std::uint64_t>(d) & 0xffffffffu;
  return seconds * 1'000'000'000 + static_cast<std::int64_t>((fraction * 1'000'000'000u) >> 32);
}

std::uint32_t to_dlsr(std::chrono::nanoseconds d) {
  if (d.count() <= 0) return 0;
  // 1/65536 s units; saturate past the 18-hour range of the field.
  const auto ns = static_cast<std::uint64_t>(d.count());
  const std::uint64_t units =
      ((ns / 1'000'000'000u) << 16) + (((ns % 1'000'000'000u) << 16) / 1'000'000'000u);
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(units, UINT32_MAX));
}

std::optional<std::chrono::nanoseconds> sync_offset(const ReceivedSenderReport& reference,
                                                    const ReceivedSenderReport& other) {
  if (!reference.pts || !other.pts) return std::nullopt;
  const std::int64_t ntp = ntp_diff_ns(reference.report.ntp, other.report.ntp);
  return (*reference.pts - *other.pts) - std::chrono::nanoseconds(ntp);
}

}  // namespace rtsp2::core
