// Feeds one RtpReceiver a packet stream and checks its invariants after every step.
//
// Input: 4 configuration bytes (latency, window size, drop-on-latency / probation / clock rate / SDES items,
// seed), then records of: 1 kind byte, its body, 1 time-delta byte.
//   kind 0: raw RTP      body: 2-byte big-endian length + that many bytes
//   kind 1: raw RTCP     body: same
//   kind 2: made-up RTP  body: seq delta (int8), timestamp delta (int8, x 300 ticks), SSRC pick (2 bits)
//   kind 3: timeout      (handle_timeout at the receiver's own deadline when it has one)
//   kind 4: made-up RTCP body: 1 byte: SR / SDES / BYE, SSRC pick
//   kind 5: control      body: 1 byte: drain / reset / send BYE (rarely)
// Time advances by the delta byte in ms, or by whole seconds for values from 250 on.
//
// Checked: output ext_seq strictly increasing and Lost ranges in between; every handle given back exactly
// once (output or release), all of them by destruction; held packets bounded by the window (plus probation
// and one jump packet); the next deadline after the time of the last call; our own RTCP valid; our RTP header
// checks agree with gst_rtp_buffer_map() (but for a padding count of 0, which only we reject).
#include <gst/gst.h>
#include <gst/rtp/gstrtcpbuffer.h>
#include <gst/rtp/gstrtpbuffer.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "gst_fuzz_env.hpp"
#include "rtcp_packets.hpp"
#include "rtp_packet.hpp"
#include "rtp_receiver.hpp"

using namespace rtsp2::core;

namespace {

constexpr std::uint32_t kSsrcs[4] = {0x11111111, 0x22222222, 0x33333333, 0x44444444};

struct Reader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t off = 0;
  bool more() const { return off < size; }
  std::uint8_t byte() { return off < size ? data[off++] : 0; }
  std::span<const std::uint8_t> bytes(std::size_t n) {
    n = std::min(n, size - off);
    std::span<const std::uint8_t> s(data + off, n);
    off += n;
    return s;
  }
};

void check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "invariant broken: %s\n", what);
    abort();
  }
}

// Our header checks against GStreamer's on the same bytes.
void compare_with_gst(std::span<const std::uint8_t> bytes) {
  RtpParseResult ours = parse_rtp_header(bytes);
  if (bytes.empty()) {
    check(!ours.header, "empty packet accepted");
    return;
  }
  GstBuffer* buf = gst_buffer_new_memdup(bytes.data(), bytes.size());
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  const bool gst_ok = gst_rtp_buffer_map(buf, GST_MAP_READ, &rtp);
  if (gst_ok) {
    if (ours.header) {
      check(gst_rtp_buffer_get_payload_len(&rtp) == ours.header->payload_size,
            "payload size differs from gst");
      check(gst_rtp_buffer_get_header_len(&rtp) == ours.header->header_size, "header size differs from gst");
      check(gst_rtp_buffer_get_seq(&rtp) == ours.header->seq, "seq differs from gst");
    } else {
      check(ours.error == RtpParseError::BadPadding && bytes.back() == 0, "gst accepts what we reject");
    }
    gst_rtp_buffer_unmap(&rtp);
  } else {
    check(!ours.header, "we accept what gst rejects");
  }
  gst_buffer_unref(buf);
}

std::vector<std::uint8_t> make_rtcp(std::uint8_t pick, std::uint32_t rtp_ts) {
  GstBuffer* buf = gst_rtcp_buffer_new(1400);
  GstRTCPBuffer rtcp = GST_RTCP_BUFFER_INIT;
  gst_rtcp_buffer_map(buf, GST_MAP_READWRITE, &rtcp);
  GstRTCPPacket p;
  const std::uint32_t ssrc = kSsrcs[(pick >> 2) & 3];
  gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SR, &p);
  gst_rtcp_packet_sr_set_sender_info(&p, ssrc, (std::uint64_t{3900000000u} << 32) + pick * 12345678u, rtp_ts,
                                     pick, pick * 100u);
  if ((pick & 3) == 1) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_SDES, &p);
    gst_rtcp_packet_sdes_add_item(&p, ssrc);
    gst_rtcp_packet_sdes_add_entry(&p, GST_RTCP_SDES_CNAME, 5, reinterpret_cast<const guint8*>("fuzz!"));
  } else if ((pick & 3) == 2) {
    gst_rtcp_buffer_add_packet(&rtcp, GST_RTCP_TYPE_BYE, &p);
    gst_rtcp_packet_bye_add_ssrc(&p, ssrc);
  }
  gst_rtcp_buffer_unmap(&rtcp);
  std::vector<std::uint8_t> out(gst_buffer_get_size(buf));
  gst_buffer_extract(buf, 0, out.data(), out.size());
  gst_buffer_unref(buf);
  return out;
}

std::vector<std::uint8_t> make_rtp(std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc, bool marker) {
  std::vector<std::uint8_t> p(16, 0x5a);
  p[0] = 0x80;
  p[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | 96);
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; i++) p[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; i++) p[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

struct Tracker {
  std::vector<std::uint8_t> state;  // per handle id - 1: 0 held by the receiver, 1 given back
  bool have_last = false;
  std::uint64_t last = 0;  // highest ext_seq output or announced lost

  void given_back(PacketHandle h) {
    const auto id = reinterpret_cast<std::uintptr_t>(h);
    check(id >= 1 && id <= state.size(), "unknown handle");
    check(state[id - 1] == 0, "handle given back twice");
    state[id - 1] = 1;
  }
  void covered(std::uint64_t first, std::uint64_t last_of_range) {
    check(!have_last || first > last, "ext_seq not increasing");
    check(last_of_range >= first, "empty range");
    have_last = true;
    last = last_of_range;
  }
};

void drain(RtpReceiver& r, Tracker& t) {
  while (auto o = r.poll_output()) {
    if (auto* p = std::get_if<rtp_out::Packet>(&*o)) {
      t.given_back(p->handle);
      t.covered(p->ext_seq, p->ext_seq);
      check((p->ext_seq & 0xffff) == p->seq, "ext_seq low bits are not seq");
    } else if (auto* l = std::get_if<rtp_out::Lost>(&*o)) {
      check(l->count > 0, "Lost of nothing");
      t.covered(l->first_ext_seq, l->first_ext_seq + l->count - 1);
      check((l->first_ext_seq & 0xffff) == l->first_seq, "Lost ext_seq low bits are not seq");
    }
  }
  while (auto bytes = r.poll_rtcp()) {
    check(gst_rtcp_buffer_validate_data(bytes->data(), static_cast<guint>(bytes->size())),
          "our RTCP invalid");
    check(parse_rtcp(*bytes).compound.has_value(), "our RTCP unparsable");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  init_gst_for_fuzzing();
  Reader in{data, size};
  Tracker tracker;
  RtpReceiverConfig c;
  const std::uint8_t b0 = in.byte(), b1 = in.byte(), b2 = in.byte(), b3 = in.byte();
  c.latency = Duration(20 + (b0 % 16) * 25);
  c.max_held_packets = 1 + b1 % 64;
  c.drop_on_latency = b2 & 1;
  c.probation = (b2 >> 1) & 3;
  const std::uint32_t rates[] = {90000, 8000, 48000, 0};
  c.clock_rate = rates[(b2 >> 3) & 3];
  c.local_ssrc = 0xabcdef00u | b3;
  // The sdes property's items, up to the longest value, in half of the runs.
  if (b2 & 0x20) c.sdes_items = {{6, "fuzz"}, {7, std::string(300, 'n')}, {1, "second cname"}};
  std::uint32_t seed = b3;
  c.random = [seed]() mutable {
    seed = seed * 1103515245u + 12345u;
    return static_cast<double>((seed >> 8) & 0xffff) / 65536.0;
  };
  c.release = [&tracker](PacketHandle h) { tracker.given_back(h); };
  const std::size_t max_held = c.max_held_packets + std::max(c.probation, 1u) + 1;

  Instant now = Instant{} + std::chrono::hours(1);
  {
    RtpReceiver r(c, now);
    std::uint16_t seq[4] = {100, 30000, 65500, 0};
    std::uint32_t ts[4] = {0, 1u << 31, 0xfffff000u, 12345};
    auto new_handle = [&tracker] {
      tracker.state.push_back(0);
      return reinterpret_cast<PacketHandle>(tracker.state.size());
    };
    while (in.more()) {
      const std::uint8_t kind = in.byte() % 6;
      bool serviced = true;  // the call took `now` (reset, send_bye and no-ops do not)
      switch (kind) {
        case 0:
        case 1: {
          const std::size_t len = (std::size_t{in.byte()} << 8) | in.byte();
          auto bytes = in.bytes(len);
          if (kind == 0) {
            compare_with_gst(bytes);
            r.handle_rtp(bytes, now, new_handle());
          } else {
            r.handle_rtcp(bytes, now);
          }
          break;
        }
        case 2: {
          const auto dseq = static_cast<std::int8_t>(in.byte());
          const auto dts = static_cast<std::int8_t>(in.byte());
          const std::uint8_t pick = in.byte();
          const int s = pick & 3;
          seq[s] = static_cast<std::uint16_t>(seq[s] + dseq);
          ts[s] += static_cast<std::uint32_t>(dts * 300);
          const auto bytes = make_rtp(seq[s], ts[s], kSsrcs[s], pick & 4);
          r.handle_rtp(bytes, now, new_handle());
          break;
        }
        case 3: {
          const auto t = r.poll_timeout();
          if (t && *t - now < std::chrono::seconds(30)) now = *t;
          r.handle_timeout(now);
          break;
        }
        case 4: {
          const std::uint8_t pick = in.byte();
          r.handle_rtcp(make_rtcp(pick, ts[(pick >> 2) & 3] - 1000), now);
          break;
        }
        case 5: {
          const std::uint8_t pick = in.byte();
          serviced = pick == 0xfd;
          if (pick == 0xfd) r.drain(now);
          if (pick == 0xfe) r.reset();
          if (pick == 0xff) r.send_bye(now);
          break;
        }
      }
      drain(r, tracker);
      check(r.held_packets() <= max_held, "held packets beyond the window");
      const auto t = r.poll_timeout();
      check(!serviced || !t || *t > now, "deadline not in the future");
      const std::uint8_t dt = in.byte();
      now += dt < 250 ? std::chrono::milliseconds(dt) : std::chrono::milliseconds((dt - 249) * 1000);
    }
    drain(r, tracker);
  }
  for (std::uint8_t s : tracker.state) check(s == 1, "handle never given back");
  return 0;
}
