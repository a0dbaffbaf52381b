#include "elements.hpp"

#include "g711/g711.hpp"
#include "h264/h264_depay.hpp"
#include "h264/h264_pay.hpp"
#include "h265/h265_depay.hpp"
#include "h265/h265_pay.hpp"
#include "jpeg/jpeg.hpp"
#include "mp4g/mp4g_depay.hpp"
#include "mp4g/mp4g_pay.hpp"
#include "mp4v/mp4v.hpp"
#include "opus/opus.hpp"

namespace rtsp2::rtp {

bool register_elements(GstPlugin* plugin) {
  bool ok = true;
  ok &= register_payloader(plugin, h264::pay_descriptor);
  ok &= register_depayloader(plugin, h264::depay_descriptor);
  ok &= register_payloader(plugin, h265::pay_descriptor);
  ok &= register_depayloader(plugin, h265::depay_descriptor);
  ok &= register_payloader(plugin, mp4g::pay_descriptor);
  ok &= register_depayloader(plugin, mp4g::depay_descriptor);
  ok &= register_payloader(plugin, mp4v::pay_descriptor);
  ok &= register_depayloader(plugin, mp4v::depay_descriptor);
  ok &= register_payloader(plugin, jpeg::pay_descriptor);
  ok &= register_depayloader(plugin, jpeg::depay_descriptor);
  ok &= register_payloader(plugin, g711::pcmu_pay_descriptor);
  ok &= register_depayloader(plugin, g711::pcmu_depay_descriptor);
  ok &= register_payloader(plugin, g711::pcma_pay_descriptor);
  ok &= register_depayloader(plugin, g711::pcma_depay_descriptor);
  ok &= register_payloader(plugin, opus::pay_descriptor);
  ok &= register_depayloader(plugin, opus::depay_descriptor);
  return ok;
}

}  // namespace rtsp2::rtp
