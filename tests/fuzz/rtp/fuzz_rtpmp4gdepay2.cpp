// libFuzzer target: rtpmp4gdepay2 (see depay_fuzz.hpp for the input format).
#include "depay_fuzz.hpp"
#include "mp4g/mp4g_depay.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<const char*> sink_caps = {
      // AAC-hbr as every sender uses it.
      "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)AAC-hbr,"
      "config=(string)1190,sizelength=(string)13,indexlength=(string)3,indexdeltalength=(string)3,"
      "streamtype=(string)5",
      // AAC-lbr.
      "application/x-rtp,media=audio,clock-rate=44100,encoding-name=MPEG4-GENERIC,mode=(string)AAC-lbr,"
      "config=(string)1210,sizelength=(string)6,indexlength=(string)2,indexdeltalength=(string)2,"
      "constantduration=(string)1024,streamtype=(string)5",
      // Every optional AU-header field and the auxiliary section.
      "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)generic,"
      "streamtype=(string)5,config=(string)1190,sizelength=(string)13,indexlength=(string)3,"
      "indexdeltalength=(string)3,ctsdeltalength=(string)16,dtsdeltalength=(string)16,"
      "randomaccessindication=(string)1,streamstateindication=(string)4,auxiliarydatasizelength=(string)8",
      // Constant size, no AU headers.
      "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)generic,"
      "streamtype=(string)5,config=(string)1190,constantsize=(string)4",
      // Only an index field: headers of zero bits after the first.
      "application/x-rtp,media=audio,clock-rate=48000,encoding-name=MPEG4-GENERIC,mode=(string)generic,"
      "streamtype=(string)5,config=(string)1190,indexlength=(string)3",
  };
  static const std::vector<const char*> downstream = {"audio/mpeg,mpegversion=4,stream-format=raw"};
  return rtsp2::rtp::fuzz::run_depay(rtsp2::rtp::mp4g::depay_descriptor, sink_caps, downstream, data, size);
}
