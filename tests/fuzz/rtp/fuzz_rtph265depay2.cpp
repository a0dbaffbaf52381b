// libFuzzer target: rtph265depay2 (see depay_fuzz.hpp for the input format).
#include "depay_fuzz.hpp"
#include "h265/h265_depay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> sink_caps = {
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265",
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265,sprop-max-don-diff=(string)3",
      "application/x-rtp,media=video,clock-rate=90000,encoding-name=H265,"
      "sprop-vps=(string)QAEMAf//AWAAAAMAkAAAAwAAAwA/lZQJ,"
      "sprop-sps=(string)QgEBAWAAAAMAkAAAAwAAAwA/oCCBBZZWVKTC//AAEAAWoMDAwIAAAAMAgAAADwQ=,"
      "sprop-pps=(string)RAHAc8CJ",
  };
  static const std::vector<const char*> downstream = {
      "video/x-h265,stream-format=byte-stream,alignment=au",
      "video/x-h265,stream-format=byte-stream,alignment=nal",
      "video/x-h265,stream-format=hvc1,alignment=au",
  };
  return rtsp2::rtp::fuzz::run_depay(rtsp2::rtp::h265::depay_descriptor, sink_caps, downstream, data, size);
}
