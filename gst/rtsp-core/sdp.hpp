// SDP for RTSP (RFC 4566 through GstSDPMessage): the DESCRIBE body read into a Presentation, and an SDP
// written for ANNOUNCE from the caps of the streams a publisher sends. GStreamer must be initialised (caps
// are built).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtsp2::core {

enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };

// a=range:npt=START-[END]; times in seconds. `end` is empty for open-ended (live) ranges, `now` for
// "npt=now-".
struct NptRange {
  double start = 0;
  std::optional<double> end;
  bool start_is_now = false;
};
std::optional<NptRange> parse_npt_range(
    std::string_view value);               // "npt=0-10.5", "npt=now-", "npt=1:02:03.5-"
std::string to_string(const NptRange& r);  // "npt=0.000-10.500"

struct PayloadFormat {
  int pt = -1;
  std::string encoding_name;  // upper case, e.g. "H264"; may be empty for static payload types without rtpmap
  int clock_rate = 0;
  std::string encoding_params;  // e.g. channels for audio
  std::string fmtp;             // raw parameters after "a=fmtp:PT "
  // application/x-rtp caps as upstream rtspsrc builds them (gst_sdp_media_get_caps_from_media plus session-
  // and media-level attributes as a-* fields), serialised with gst_caps_to_string. Like rtspsrc, the media
  // type is application/x-srtp for RTP/SAVP and RTP/SAVPF streams; no ssrc field (the SETUP reply gives it).
  std::string caps;
};

struct SdpStream {
  std::size_t index = 0;
  std::string media;                   // "video", "audio", "application", ...
  std::string protocol;                // "RTP/AVP", "RTP/SAVP", ...
  std::string control;                 // raw a=control value ("" when absent)
  std::string control_url;             // resolved against the base given to parse_presentation
  std::vector<PayloadFormat> formats;  // in m= line order; never empty (see parse_presentation)
  Direction direction = Direction::SendRecv;
  // From c= / m= when the SDP announces a multicast group.
  std::optional<std::string> multicast_group;
  std::uint16_t port = 0;
  std::optional<std::uint8_t> ttl;
};

struct Presentation {
  std::string session_name;
  std::string aggregate_control_url;  // resolved session-level control (the base for "*" or none)
  std::optional<NptRange> range;
  std::vector<SdpStream> streams;

  bool seekable() const;  // a closed range with an end beyond the start
};

// Parses an SDP. `base_url` is Content-Base, else Content-Location, else the request URL. On failure returns
// nullopt and puts a short reason in *error.
// Payload formats that yield no caps are skipped as rtspsrc skips them (dynamic type without rtpmap, clock
// rate not a positive number, format not a payload type 0..127), and so are formats of non-RTP profiles. A
// stream left without formats is dropped (`index` keeps the m= position); no usable stream at all is an
// error. A stream without a=control uses the aggregate control URL, as rtspsrc does.
std::optional<Presentation> parse_presentation(std::string_view sdp, std::string_view base_url,
                                               std::string* error = nullptr);

struct AnnounceStream {
  std::string caps;     // application/x-rtp caps (media, payload, clock-rate, encoding-name, fmtp fields...)
  std::string control;  // e.g. "stream=0"
};

struct AnnounceOptions {
  std::string session_name = "rtsp2";
  std::string origin_address = "127.0.0.1";
  Direction direction = Direction::RecvOnly;  // as rtspclientsink writes it: the server receives
};

// Writes an SDP for ANNOUNCE: v/o/s/c/t lines, one m= section per stream with rtpmap, fmtp, other a-* caps
// fields as attributes, a=control (stream=N when empty) and the direction attribute. nullopt with *error when
// a caps string cannot be turned into a media section or a value would break a line.
std::optional<std::string> write_announce_sdp(const std::vector<AnnounceStream>& streams,
                                              const AnnounceOptions& options, std::string* error = nullptr);

}  // namespace rtsp2::core
