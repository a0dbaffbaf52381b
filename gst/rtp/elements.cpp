#include "elements.hpp"

#include "h264/h264_depay.hpp"
#include "h264/h264_pay.hpp"
#include "mp4g/mp4g_depay.hpp"
#include "mp4g/mp4g_pay.hpp"

namespace rtsp2::rtp {

bool register_elements(GstPlugin* plugin) {
  bool ok = true;
  ok &= register_payloader(plugin, h264::pay_descriptor);
  ok &= register_depayloader(plugin, h264::depay_descriptor);
  ok &= register_payloader(plugin, mp4g::pay_descriptor);
  ok &= register_depayloader(plugin, mp4g::depay_descriptor);
  return ok;
}

}  // namespace rtsp2::rtp
