// libFuzzer target: rtpmp4vdepay2 (see depay_fuzz.hpp for the input format).
#include "depay_fuzz.hpp"
#include "mp4v/mp4v.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> sink_caps = {
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=MP4V-ES",
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=MP4V-ES,"
      "config=(string)000001b001000001b58913000001000000012000c48d8800f50a04",
  };
  static const std::vector<const char*> downstream = {"video/mpeg,mpegversion=4,systemstream=false"};
  return rtsp2::rtp::fuzz::run_depay(rtsp2::rtp::mp4v::depay_descriptor, sink_caps, downstream, data, size);
}
