// libFuzzer target: rtph264depay2 (see depay_fuzz.hpp for the input format).
#include "depay_fuzz.hpp"
#include "h264/h264_depay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> sink_caps = {
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264",
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,packetization-mode=(string)1,"
      "sprop-parameter-sets=(string)\"Z0LAFdkBQfsBagwMDUoAAAMAAgAAAwB5HixckA==,aMuMsg==\"",
  };
  static const std::vector<const char*> downstream = {
      "video/x-h264,stream-format=byte-stream,alignment=au",
      "video/x-h264,stream-format=byte-stream,alignment=nal",
      "video/x-h264,stream-format=avc,alignment=au",
  };
  return rtsp2::rtp::fuzz::run_depay(rtsp2::rtp::h264::depay_descriptor, sink_caps, downstream, data, size);
}
