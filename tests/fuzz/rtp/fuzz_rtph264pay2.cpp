// libFuzzer target: rtph264pay2's input parsing and packetization (see pay_fuzz.hpp).
#include "depay_fuzz.hpp"  // sanitizer options shared by all targets
#include "h264/h264_pay.hpp"
#include "pay_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> caps = {
      "video/x-h264,stream-format=byte-stream,alignment=au",
      "video/x-h264,stream-format=byte-stream,alignment=nal",
      "video/x-h264,stream-format=avc,alignment=au,"
      "codec_data=(buffer)0142c015ffe100096742c015d90141fb0101000468cb8cb2",
  };
  return rtsp2::rtp::fuzz::run_pay(rtsp2::rtp::h264::pay_descriptor, caps, data, size);
}
