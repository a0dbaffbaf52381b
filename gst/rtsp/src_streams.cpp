// SrcController, per stream: transports offered in SETUP, the answer put to work, the data path into the
// receive path, the caps of each PLAY, seeking.
#include <algorithm>
#include <cmath>

#include "rtp_info.hpp"
#include "src_controller.hpp"
#include "src_stream.hpp"

GST_DEBUG_CATEGORY_EXTERN(rtspsrc2_debug);
#define GST_CAT_DEFAULT rtspsrc2_debug

namespace rtsp2 {

namespace {

// Packets kept per stream while waiting for PLAY's answer; older ones are dropped beyond that.
constexpr guint kMaxHeld = 4096;

core::TransportProfile profile_of(const std::string& protocol) {
  if (protocol == "RTP/AVPF") return core::TransportProfile::Avpf;
  if (protocol == "RTP/SAVP") return core::TransportProfile::Savp;
  if (protocol == "RTP/SAVPF") return core::TransportProfile::Savpf;
  return core::TransportProfile::Avp;
}

std::optional<std::uint16_t> rtp_seq(GstBuffer* b) {
  std::uint8_t h[4];
  if (gst_buffer_extract(b, 0, h, 4) != 4 || (h[0] >> 6) != 2) return std::nullopt;
  return std::uint16_t((h[2] << 8) | h[3]);
}

void append(BufferListPtr& to, BufferListPtr from) {
  if (!to) {
    to = std::move(from);
    return;
  }
  for (guint i = 0; i < gst_buffer_list_length(from.get()); ++i) {
    gst_buffer_list_add(to.get(), gst_buffer_ref(gst_buffer_list_get(from.get(), i)));
  }
  const guint n = gst_buffer_list_length(to.get());
  if (n > kMaxHeld) gst_buffer_list_remove(to.get(), 0, n - kMaxHeld);
}

}  // namespace

const char* lower_name(SrcController::Stream::Lower l) {
  switch (l) {
    case SrcController::Stream::Lower::Udp:
      return "udp";
    case SrcController::Stream::Lower::Mcast:
      return "udp-mcast";
    case SrcController::Stream::Lower::Tcp:
      return "tcp";
    case SrcController::Stream::Lower::None:
      break;
  }
  return "none";
}

void SrcController::setup_streams() {
  unsigned allowed = settings_.protocols & (kLowerUdp | kLowerUdpMcast | kLowerTcp);
  if (force_tcp_) allowed = kLowerTcp;
  if (url_.scheme == core::UrlScheme::Rtspu || url_.scheme == core::UrlScheme::Rtspsu) {
    allowed &= kLowerUdp | kLowerUdpMcast;
  }
  std::vector<core::StreamSetup> setups;
  std::uint16_t next_port = 0;  // in port-range: each stream starts after the pairs bound before it
  for (auto& s : streams_) {
    core::StreamSetup st;
    st.control_url = s->sdp.control_url;
    const auto profile = profile_of(s->sdp.protocol);
    if ((allowed & kLowerUdp) != 0) {
      if (!s->udp) {
        UdpBindOptions opts;
        if (auto remote = conn_ ? conn_->remote_address() : nullptr) {
          opts.ipv6 = g_inet_address_get_family(g_inet_socket_address_get_address(remote.get())) ==
                      G_SOCKET_FAMILY_IPV6;
        }
        if (!settings_.port_range.empty()) opts.port_range = parse_port_range(settings_.port_range);
        opts.receive_buffer_size = settings_.udp_buffer_size;
        opts.retries = int(settings_.retry);
        opts.range_start = next_port;
        std::string err;
        s->udp = UdpPair::bind_unicast(opts, &err);
        if (!s->udp)
          GST_WARNING_OBJECT(host_.element(), "no UDP ports for stream %u: %s", s->index, err.c_str());
      }
      if (s->udp) {
        if (s->udp->rtcp_port() < 65535) next_port = std::uint16_t(s->udp->rtcp_port() + 1);
        core::TransportSpec t;
        t.profile = profile;
        t.lower = core::LowerTransport::Udp;
        t.client_port = core::PortRange{s->udp->rtp_port(), s->udp->rtcp_port()};
        st.candidates.push_back(t);
      }
    }
    if ((allowed & kLowerUdpMcast) != 0) {
      core::TransportSpec t;
      t.profile = profile;
      t.lower = core::LowerTransport::Udp;
      t.multicast = true;
      st.candidates.push_back(t);
    }
    if ((allowed & kLowerTcp) != 0) {
      core::TransportSpec t;
      t.profile = profile;
      t.lower = core::LowerTransport::Tcp;
      t.interleaved = core::PortRange{std::uint16_t(2 * s->position), std::uint16_t(2 * s->position + 1)};
      st.candidates.push_back(t);
    }
    if (st.candidates.empty()) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
           "No transport allowed by the protocols property can be used for " + url_text_);
      return;
    }
    setups.push_back(std::move(st));
  }
  session_->setup(std::move(setups), now());
  setup_called_ = true;
  if (desired_playing_) {
    request_play();
  } else {
    drive();
  }
}

void SrcController::on_stream_ready(const core::event::StreamReady& r) {
  if (r.stream >= streams_.size()) return;
  Stream& s = *streams_[r.stream];
  const core::TransportSpec& t = r.transport;
  s.ssrc = t.ssrc;
  auto on_packets = [this, &s](MediaChannel ch, BufferListPtr list, std::span<const std::int64_t> ages) {
    deliver(s, ch, std::move(list), true, ages);
  };
  if (t.lower == core::LowerTransport::Tcp) {
    s.lower = Stream::Lower::Tcp;
    const auto ch = t.interleaved.value_or(
        core::PortRange{std::uint16_t(2 * s.position), std::uint16_t(2 * s.position + 1)});
    s.rtp_channel = std::uint8_t(ch.first);
    s.rtcp_channel = std::uint8_t(ch.last);
    s.udp.reset();  // the ports are not needed any more
  } else if (t.multicast) {
    const std::string group = t.destination.value_or(s.sdp.multicast_group.value_or(""));
    const auto ports = t.port ? t.port : t.client_port;
    std::string err = "no group or port in the answer";
    if (!group.empty() && ports) {
      s.mcast = UdpPair::bind_multicast(group, ports->first, ports->last, settings_.multicast_iface,
                                        settings_.udp_buffer_size, &err);
    }
    if (!s.mcast) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
           "Could not join the multicast group of " + url_text_ + ": " + err);
      return;
    }
    GObjectPtr<GInetAddress> addr(g_inet_address_new_from_string(group.c_str()));
    s.mcast->set_peer(addr.get(), ports->first, ports->last);
    s.mcast->start_receive(context_, on_packets, receive_options(s.index));
    s.lower = Stream::Lower::Mcast;
    s.udp.reset();
  } else {
    s.lower = Stream::Lower::Udp;
    if (!s.udp) {
      fail(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
           "Server chose UDP for " + url_text_ + " unasked");
      return;
    }
    // The server's media come from its own address (or source=), whatever host Content-Base named.
    GObjectPtr<GInetAddress> addr;
    if (t.source) addr.reset(g_inet_address_new_from_string(t.source->c_str()));
    if (!addr && conn_) {
      if (auto remote = conn_->remote_address())
        addr = ref_object(g_inet_socket_address_get_address(remote.get()));
    }
    if (addr && t.server_port) s.udp->set_peer(addr.get(), t.server_port->first, t.server_port->last);
    s.udp->start_receive(context_, on_packets, receive_options(s.index));
    if (settings_.nat_method == NatMethod::Dummy) s.udp->send_nat_dummies();
  }
  GST_DEBUG_OBJECT(host_.element(), "stream %u over %s", s.index, lower_name(s.lower));
  std::lock_guard lock(host_.stats().mutex);
  for (auto& st : host_.stats().streams) {
    if (st.index == s.index) st.transport = lower_name(s.lower);
  }
}

void SrcController::apply_play_caps(const core::event::Playing& p) {
  const auto entries = core::parse_rtp_info(p.rtp_info);
  for (auto& sp : streams_) {
    Stream& s = *sp;
    CapsPtr caps(gst_caps_copy(s.sdp_caps.get()));
    const auto* e = core::find_rtp_info(entries, s.sdp.control_url, s.position, streams_.size());
    s.seqnum_base = e ? e->seq : std::nullopt;
    for (guint i = 0; i < gst_caps_get_size(caps.get()); ++i) {
      // The fields upstream rtspsrc adds, in its order, so that downstream sees the same caps.
      GstStructure* st = gst_caps_get_structure(caps.get(), i);
      if (s.ssrc) gst_structure_set(st, "ssrc", G_TYPE_UINT, guint(*s.ssrc), nullptr);
      if (e && e->rtptime) gst_structure_set(st, "clock-base", G_TYPE_UINT, guint(*e->rtptime), nullptr);
      if (e && e->seq) gst_structure_set(st, "seqnum-base", G_TYPE_UINT, guint(*e->seq), nullptr);
      const double start = p.range ? std::max(0.0, p.range->start) : 0.0;
      gst_structure_set(st, "npt-start", G_TYPE_UINT64, guint64(std::llround(start * GST_SECOND)), nullptr);
      if (p.range && p.range->end) {
        gst_structure_set(st, "npt-stop", G_TYPE_UINT64, guint64(std::llround(*p.range->end * GST_SECOND)),
                          nullptr);
      }
      gst_structure_set(st, "play-speed", G_TYPE_DOUBLE, requested_rate_, "play-scale", G_TYPE_DOUBLE,
                        p.scale.value_or(1.0), "onvif-mode", G_TYPE_BOOLEAN, FALSE, nullptr);
    }
    host_.receive_path()->set_caps(s.index, caps.get());
  }
}

void SrcController::release_held() {
  for (auto& sp : streams_) {
    Stream& s = *sp;
    s.ready = true;
    if (s.held_rtp && s.seqnum_base) {
      // After a seek, what was in flight before the server's new position is stale.
      BufferListPtr keep(gst_buffer_list_new());
      for (guint i = 0; i < gst_buffer_list_length(s.held_rtp.get()); ++i) {
        GstBuffer* b = gst_buffer_list_get(s.held_rtp.get(), i);
        auto seq = rtp_seq(b);
        if (seq && std::int16_t(std::uint16_t(*seq - *s.seqnum_base)) < 0) continue;
        gst_buffer_list_add(keep.get(), gst_buffer_ref(b));
      }
      s.held_rtp = std::move(keep);
    }
    if (s.held_rtcp) push(s, MediaChannel::Rtcp, std::move(s.held_rtcp));
    if (s.held_rtp && gst_buffer_list_length(s.held_rtp.get()) > 0)
      push(s, MediaChannel::Rtp, std::move(s.held_rtp));
    s.held_rtp.reset();
    s.held_rtcp.reset();
  }
}

SrcController::Stream* SrcController::stream_by_channel(std::uint8_t channel, MediaChannel* which) {
  for (auto& s : streams_) {
    if (s->lower != Stream::Lower::Tcp) continue;
    if (s->rtp_channel == channel) {
      *which = MediaChannel::Rtp;
      return s.get();
    }
    if (s->rtcp_channel == channel) {
      *which = MediaChannel::Rtcp;
      return s.get();
    }
  }
  return nullptr;
}

void SrcController::on_interleaved(core::event::Interleaved& frame) {
  MediaChannel which = MediaChannel::Rtp;
  Stream* s = stream_by_channel(frame.channel, &which);
  if (s == nullptr || frame.payload.empty()) return;
  BufferListPtr& pending = which == MediaChannel::Rtp ? s->tcp_rtp : s->tcp_rtcp;
  if (!pending) pending.reset(gst_buffer_list_new_sized(32));
  gst_buffer_list_add(pending.get(), frame_buffer(frame.payload.data(), frame.payload.size()));
}

// A frame's bytes in a buffer from the controller's pool (no allocation per packet once the pool is warm).
// The buffers start at an Ethernet MTU's datagram, what payloaders send; a larger frame makes them grow (to a
// KiB multiple), as servers that send larger packets over TCP do so all the time.
GstBuffer* SrcController::frame_buffer(const std::uint8_t* data, std::size_t size) {
  if (size > frame_buffer_size_) {
    frame_buffer_size_ = (size + 1023) / 1024 * 1024;
    if (frame_pool_) gst_buffer_pool_set_active(frame_pool_.get(), FALSE);  // buffers out are freed on return
    frame_pool_.reset();
  }
  if (!frame_pool_) {
    frame_pool_.reset(gst_buffer_pool_new());
    GstStructure* config = gst_buffer_pool_get_config(frame_pool_.get());
    gst_buffer_pool_config_set_params(config, nullptr, guint(frame_buffer_size_), 0, 0);  // grows as needed
    gst_buffer_pool_set_config(frame_pool_.get(), config);
    gst_buffer_pool_set_active(frame_pool_.get(), TRUE);
  }
  GstBuffer* b = nullptr;
  if (gst_buffer_pool_acquire_buffer(frame_pool_.get(), &b, nullptr) != GST_FLOW_OK || b == nullptr)
    return gst_buffer_new_memdup(data, size);
  gst_buffer_fill(b, 0, data, size);
  gst_buffer_set_size(b, gssize(size));
  return b;
}

ReceiveOptions SrcController::receive_options(unsigned stream) {
  ReceiveOptions o;
  o.read_interval = read_interval(settings_);
  // Both run on the worker thread, the receive path outlives the sockets.
  o.rtp_backlog = [this, stream] {
    ReceivePath* path = host_.receive_path();
    return path != nullptr ? path->backlog(stream) : std::size_t(0);
  };
  return o;
}

void SrcController::flush_interleaved() {
  for (auto& s : streams_) {
    if (s->tcp_rtcp) deliver(*s, MediaChannel::Rtcp, std::move(s->tcp_rtcp), false);
    if (s->tcp_rtp) deliver(*s, MediaChannel::Rtp, std::move(s->tcp_rtp), false);
  }
}

void SrcController::deliver(Stream& s, MediaChannel channel, BufferListPtr list, bool from_udp,
                            std::span<const std::int64_t> ages_ns) {
  if (failed_) return;
  const GstClockTime arrival = host_.running_time();
  const guint n = gst_buffer_list_length(list.get());
  std::uint64_t bytes = 0, reordered = 0;
  const bool count_order = host_.receive_path() != nullptr && !host_.receive_path()->counts_sequence();
  {
    std::lock_guard lock(host_.stats().mutex);
    StreamStats* st = nullptr;
    for (auto& x : host_.stats().streams) {
      if (x.index == s.index) st = &x;
    }
    for (guint i = 0; i < n; ++i) {
      GstBuffer* b = gst_buffer_list_get_writable(list.get(), i);
      // A packet that waited in the socket (read moderation) arrived that much earlier.
      const std::int64_t age = i < ages_ns.size() ? ages_ns[i] : 0;
      // (Not when it is older than the running time itself: just after a flushing seek the running time
      // starts again, and what waited belongs to the time before it.)
      GST_BUFFER_DTS(b) = GST_CLOCK_TIME_IS_VALID(arrival) && std::uint64_t(age) < arrival
                              ? arrival - GstClockTime(age)
                              : arrival;
      bytes += gst_buffer_get_size(b);
      if (count_order && channel == MediaChannel::Rtp && st != nullptr) {
        if (auto seq = rtp_seq(b)) {
          const auto diff = std::int16_t(std::uint16_t(*seq - st->max_seq));
          if (!st->seq_known || diff > 0) {
            st->max_seq = *seq;
            st->seq_known = true;
          } else if (diff < 0) {
            ++reordered;
          }
        }
      }
    }
    if (st != nullptr) {
      if (channel == MediaChannel::Rtp) {
        st->batches++;
        if (const UdpPair* pair = s.udp ? s.udp.get() : s.mcast.get()) {
          const UdpStats u = pair->stats(MediaChannel::Rtp);
          st->kernel_drops = u.kernel_drops;
          st->read_holds = u.holds;
        }
        st->packets += n;
        st->bytes += bytes;
        st->reordered += reordered;
      } else {
        st->rtcp_packets += n;
      }
    }
  }
  last_data_ = SteadyClock::now();
  if (from_udp && channel == MediaChannel::Rtp) udp_data_seen_ = true;
  if (!s.ready) {
    append(channel == MediaChannel::Rtp ? s.held_rtp : s.held_rtcp, std::move(list));
    return;
  }
  push(s, channel, std::move(list));
}

void SrcController::push(Stream& s, MediaChannel channel, BufferListPtr list) {
  ReceivePath* path = host_.receive_path();
  if (path == nullptr) return;
  // NOT_LINKED / FLUSHING are the downstream's business (the pads combine flows); nothing to do here.
  if (channel == MediaChannel::Rtp) {
    path->push_rtp(s.index, std::move(list));
  } else {
    path->push_rtcp(s.index, std::move(list));
  }
}

void SrcController::send_rtcp(unsigned index, BufferPtr buffer) {
  for (auto& sp : streams_) {
    Stream& s = *sp;
    if (s.index != index) continue;
    switch (s.lower) {
      case Stream::Lower::Udp:
        if (s.udp) s.udp->send(MediaChannel::Rtcp, buffer.get());
        break;
      case Stream::Lower::Mcast:
        if (s.mcast) s.mcast->send(MediaChannel::Rtcp, buffer.get());
        break;
      case Stream::Lower::Tcp:
        if (conn_ && conn_->is_connected()) {
          GstMapInfo map;
          if (gst_buffer_map(buffer.get(), &map, GST_MAP_READ)) {
            conn_->send_interleaved(s.rtcp_channel, std::span<const std::uint8_t>(map.data, map.size));
            gst_buffer_unmap(buffer.get(), &map);
          }
        }
        break;
      case Stream::Lower::None:
        break;
    }
    return;
  }
}

void SrcController::do_seek(const cmd::Seek& seek) {
  if (!presentation_ || !presentation_->seekable() || failed_) return;
  GST_DEBUG_OBJECT(host_.element(), "seek to %.3f s (rate %.2f)", seek.start_s, seek.rate);
  segment_seqnum_ = seek.seqnum;
  if (seek.flush && host_.receive_path() != nullptr) {
    EventPtr start(gst_event_new_flush_start());
    gst_event_set_seqnum(start.get(), seek.seqnum);
    host_.receive_path()->push_event_all(start.get());
    EventPtr stop(gst_event_new_flush_stop(TRUE));
    gst_event_set_seqnum(stop.get(), seek.seqnum);
    host_.receive_path()->push_event_all(stop.get());
  }
  need_segment_ = true;
  for (auto& s : streams_) {
    s->ready = false;
    s->held_rtp.reset();
    s->held_rtcp.reset();
  }
  pending_seek_ = seek;
  if (session_ && setup_called_ && desired_playing_) {
    if (play_sent_ || playing_) session_->pause(now());
    play_sent_ = false;
    playing_ = false;
    watchdog_timer_.disarm();
    request_play();
  }
}

}  // namespace rtsp2
