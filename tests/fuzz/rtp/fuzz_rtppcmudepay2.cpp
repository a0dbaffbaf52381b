// libFuzzer target: rtppcmudepay2 (see depay_fuzz.hpp for the input format).
#include "depay_fuzz.hpp"
#include "g711/g711.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> sink_caps = {
      "application/x-rtp,media=audio,encoding-name=PCMU,clock-rate=8000",
      "application/x-rtp,media=audio,payload=0,clock-rate=8000,encoding-params=(string)2",
  };
  static const std::vector<const char*> downstream = {"audio/x-mulaw"};
  return rtsp2::rtp::fuzz::run_depay(rtsp2::rtp::g711::pcmu_depay_descriptor, sink_caps, downstream, data,
                                     size);
}
