// libFuzzer target: rtpjpegdepay2 (see depay_fuzz.hpp for the input format).
#include "depay_fuzz.hpp"
#include "jpeg/jpeg.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> sink_caps = {
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG",
  };
  static const std::vector<const char*> downstream = {"image/jpeg"};
  return rtsp2::rtp::fuzz::run_depay(rtsp2::rtp::jpeg::depay_descriptor, sink_caps, downstream, data, size);
}
