// libFuzzer target: rtpopusdepay2 (see depay_fuzz.hpp for the input format).
#include "depay_fuzz.hpp"
#include "opus/opus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> sink_caps = {
      "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000",
      "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,sprop-stereo=(string)0",
  };
  static const std::vector<const char*> downstream = {"audio/x-opus"};
  return rtsp2::rtp::fuzz::run_depay(rtsp2::rtp::opus::depay_descriptor, sink_caps, downstream, data, size);
}
