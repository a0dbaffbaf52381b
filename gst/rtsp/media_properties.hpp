// The media-transport properties rtspsrc2 and rtspsink2 share with rtspsrc and rtspclientsink (port-range,
// retry, udp-buffer-size, rtp-blocksize, sdes, udp-reconnect, ntp-time-source): their plain-data settings,
// and one place that installs them and maps them onto MediaSettings, as common_properties does for the
// connection. Each element keeps its own property enum and passes the ids it gave these properties.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <gst/gst.h>

namespace rtsp2 {

// rtspsrc's GstRTSPSrcNtpTimeSource / rtspclientsink's GstRTSPClientSinkNtpTimeSource (rtpbin's numbering).
enum class NtpTimeSource { Ntp = 0, Unix = 1, RunningTime = 2, ClockTime = 3 };

struct MediaSettings {
  std::string port_range;  // client UDP ports, "3000-3005"; "": any
  unsigned retry = 20;     // UDP port pairs tried after the first
  int udp_buffer_size =
      512 * 1024;              // rtspsrc2: SO_RCVBUF of the media sockets; rtspsink2: SO_SNDBUF of RTP's
  unsigned rtp_blocksize = 0;  // Blocksize header on SETUP (rtspsink2: and the payloaders' mtu); 0: none
  std::shared_ptr<const GstStructure> sdes;  // SDES items of our RTCP (rtpbin's field names); null: defaults
  bool udp_reconnect = true;  // media over UDP: a closed control connection is made again, the session kept
  NtpTimeSource ntp_time_source = NtpTimeSource::Ntp;  // the clock of RTCP sender reports' NTP times
};

struct MediaPropertyIds {
  guint port_range;
  guint retry;
  guint udp_buffer_size;
  guint rtp_blocksize;
  guint sdes;
  guint udp_reconnect;
  guint ntp_time_source;
};

// Installs the shared properties with the upstream element's blurbs (`port_range_blurb` differs between
// rtspsrc and rtspclientsink). Must be called once, from class_init.
void install_media_properties(GObjectClass* klass, const MediaPropertyIds& ids, const char* port_range_blurb);
// Sets or gets one shared property; false when `id` is none of `ids` (the caller warns). An invalid
// port-range is refused with a warning on `object` and the previous value stays.
bool set_media_property(GObject* object, MediaSettings& s, const MediaPropertyIds& ids, guint id,
                        const GValue* value);
bool get_media_property(const MediaSettings& s, const MediaPropertyIds& ids, guint id, GValue* value);

}  // namespace rtsp2
