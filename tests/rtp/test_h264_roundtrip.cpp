// H.264 round trips with real x264enc output: ours→ours, ours→upstream, upstream→ours. The
// depayloaded NAL units must equal what the encoder produced and the result must decode.
#include <map>
#include <memory>

#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

enum Encoding { kByteStream, kAvc, kAvcShortGop };

const char* encoder_description(Encoding e) {
  // Two slices per frame so that access units hold several VCL NALs; snow so that frames are large.
  switch (e) {
    case kByteStream:
      return "videotestsrc num-buffers=20 pattern=snow ! "
             "video/x-raw,format=I420,width=160,height=120,framerate=30/1"
             " ! x264enc key-int-max=10 speed-preset=ultrafast option-string=slices=2"
             " ! video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink";
    case kAvc:
      return "videotestsrc num-buffers=20 pattern=snow ! "
             "video/x-raw,format=I420,width=160,height=120,framerate=30/1"
             " ! x264enc key-int-max=10 speed-preset=ultrafast option-string=slices=2"
             " ! video/x-h264,stream-format=avc,alignment=au ! appsink name=sink";
    case kAvcShortGop:
      // avc: SPS/PPS only in codec_data, never in-band; four IDR frames.
      return "videotestsrc num-buffers=20 pattern=snow ! "
             "video/x-raw,format=I420,width=160,height=120,framerate=30/1"
             " ! x264enc key-int-max=5 speed-preset=ultrafast option-string=repeat-headers=0"
             " ! video/x-h264,stream-format=avc,alignment=au ! appsink name=sink";
  }
  return nullptr;
}

// Encoded once per process and shared by the cases.
const Media& encoded(Encoding e) {
  static std::map<Encoding, std::unique_ptr<Media>> cache;
  auto& slot = cache[e];
  if (!slot) slot = std::make_unique<Media>(run_encoder(encoder_description(e)));
  return *slot;
}

bool is_param_or_aud(const Bytes& nal) {
  const int type = nal[0] & 0x1f;
  return type == 7 || type == 8 || type == 9;
}

std::vector<Bytes> without_params(const std::vector<Bytes>& nals) {
  std::vector<Bytes> out;
  for (const Bytes& n : nals) {
    if (!is_param_or_aud(n)) out.push_back(n);
  }
  return out;
}

bool has_type(const std::vector<Bytes>& nals, int type) {
  for (const Bytes& n : nals) {
    if ((n[0] & 0x1f) == type) return true;
  }
  return false;
}

struct RoundTrip {
  const char* name;
  Encoding encoding;
  const char* pay;
  const char* depay;
  const char* depay_caps;  // what downstream of the depayloader accepts
  bool exact;              // every NAL, parameter sets and AUDs included, comes out unchanged
  int idr_with_params;     // how many IDR access units carry SPS and PPS in-band (-1: not checked)
};

const RoundTrip kRoundTrips[] = {
    {"ours->ours byte-stream au", kByteStream, "rtph264pay2", "rtph264depay2",
     "video/x-h264,stream-format=byte-stream,alignment=au", true, -1},
    {"ours->ours small mtu (FU-A)", kByteStream, "rtph264pay2 mtu=200", "rtph264depay2",
     "video/x-h264,stream-format=byte-stream,alignment=au", true, -1},
    {"ours->ours nal alignment", kByteStream, "rtph264pay2 mtu=600", "rtph264depay2",
     "video/x-h264,stream-format=byte-stream,alignment=nal", true, -1},
    {"ours->ours avc output", kByteStream, "rtph264pay2 mtu=600", "rtph264depay2",
     "video/x-h264,stream-format=avc,alignment=au", false, -1},
    {"ours (avc input)->ours", kAvc, "rtph264pay2 mtu=700", "rtph264depay2",
     "video/x-h264,stream-format=byte-stream,alignment=au", false, -1},
    // SPS/PPS only out of band: the depayloader puts them in front of the first IDR only...
    {"ours config-interval=0 ->ours", kAvcShortGop, "rtph264pay2", "rtph264depay2",
     "video/x-h264,stream-format=byte-stream,alignment=au", false, 1},
    // ... config-interval=-1 sends them in-band with every IDR.
    {"ours config-interval=-1 ->ours", kAvcShortGop, "rtph264pay2 config-interval=-1", "rtph264depay2",
     "video/x-h264,stream-format=byte-stream,alignment=au", false, 4},
    {"ours->upstream", kByteStream, "rtph264pay2 mtu=500", "rtph264depay",
     "video/x-h264,stream-format=byte-stream,alignment=au", false, -1},
    {"upstream->ours", kByteStream, "rtph264pay mtu=500", "rtph264depay2",
     "video/x-h264,stream-format=byte-stream,alignment=au", false, -1},
    {"upstream (STAP-A)->ours", kByteStream, "rtph264pay mtu=500 aggregate-mode=zero-latency",
     "rtph264depay2", "video/x-h264,stream-format=byte-stream,alignment=au", false, -1},
    {"upstream->ours avc output", kByteStream, "rtph264pay mtu=500", "rtph264depay2",
     "video/x-h264,stream-format=avc,alignment=au", false, -1},
};

// Groups the depayloader output into access units of NALs.
std::vector<std::vector<Bytes>> output_units(const Output& out, bool avc, bool nal_aligned,
                                             std::vector<GstClockTime>& pts) {
  std::vector<std::vector<Bytes>> units;
  std::vector<Bytes> current;
  for (GstBuffer* b : out.buffers) {
    Bytes data = buffer_bytes(b);
    for (Bytes& n : avc ? split_avc(data) : split_annexb(data)) current.push_back(std::move(n));
    if (!nal_aligned || GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_MARKER)) {
      units.push_back(std::move(current));
      current.clear();
      pts.push_back(GST_BUFFER_PTS(b));
    }
  }
  fail_unless(current.empty(), "NALs after the last marked buffer");
  return units;
}

GST_START_TEST(test_roundtrip) {
  const RoundTrip& c = kRoundTrips[__i__];
  const Media& media = encoded(c.encoding);
  fail_unless(media.buffers.size() == 20, "%s: encoder gave %zu buffers", c.name, media.buffers.size());
  const bool avc_in = c.encoding == kAvc || c.encoding == kAvcShortGop;

  Output rtp = run_element(c.pay, media.caps, media.buffers);
  fail_unless(!rtp.buffers.empty(), "%s: no RTP packets", c.name);
  // Every packet fits the MTU and the last packet of each access unit carries the marker.
  guint mtu = 1400;
  if (const char* m = strstr(c.pay, "mtu=")) mtu = atoi(m + 4);
  std::size_t markers = 0;
  for (GstBuffer* b : rtp.buffers) {
    fail_unless(gst_buffer_get_size(b) <= mtu, "%s: packet of %zu bytes over mtu %u", c.name,
                gst_buffer_get_size(b), mtu);
    markers += rtp_info(b).marker;
  }
  fail_unless_equals_int(markers, media.buffers.size());

  Output out = run_element(c.depay, rtp.caps, rtp.buffers, c.depay_caps);
  fail_unless(out.caps != nullptr, "%s: no output caps", c.name);
  const GstStructure* s = gst_caps_get_structure(out.caps, 0);
  const bool avc_out = g_str_equal(gst_structure_get_string(s, "stream-format"), "avc");
  const bool nal_out = g_str_equal(gst_structure_get_string(s, "alignment"), "nal");
  fail_unless(g_strrstr(c.depay_caps, avc_out ? "avc" : "byte-stream"), "%s: negotiated %" GST_PTR_FORMAT,
              c.name, static_cast<void*>(out.caps));

  std::vector<GstClockTime> pts;
  auto units = output_units(out, avc_out, nal_out, pts);
  int idr_with_params = 0;
  fail_unless_equals_int(units.size(), media.buffers.size());
  for (std::size_t i = 0; i < units.size(); ++i) {
    Bytes in = buffer_bytes(media.buffers[i]);
    std::vector<Bytes> in_nals = avc_in ? split_avc(in) : split_annexb(in);
    if (c.exact) {
      fail_unless(units[i] == in_nals, "%s: access unit %zu differs", c.name, i);
    } else {
      fail_unless(without_params(units[i]) == without_params(in_nals), "%s: access unit %zu differs", c.name,
                  i);
    }
    fail_unless_equals_uint64(pts[i], GST_BUFFER_PTS(media.buffers[i]));
    if (has_type(units[i], 5) && has_type(units[i], 7) && has_type(units[i], 8)) ++idr_with_params;
  }
  if (avc_out) {
    fail_unless(gst_structure_has_field(s, "codec_data"), "%s: avc without codec_data", c.name);
  } else {
    // A byte-stream decoder needs SPS and PPS in front of the first frame, in-band or from sprop.
    fail_unless(has_type(units[0], 7) && has_type(units[0], 8), "%s: no SPS/PPS before the first frame",
                c.name);
  }

  if (c.idr_with_params >= 0) fail_unless_equals_int(idr_with_params, c.idr_with_params);

  // And it decodes: one picture per access unit.
  fail_unless_equals_int(
      decode_count(nal_out ? "h264parse ! avdec_h264" : "avdec_h264", out.caps, out.buffers),
      media.buffers.size());
}
GST_END_TEST;

// The payloader puts sprop-parameter-sets and profile-level-id in its caps.
GST_START_TEST(test_pay_caps) {
  const Media& media = encoded(kByteStream);
  Output rtp = run_element("rtph264pay2", media.caps, media.buffers);
  const GstStructure* s = gst_caps_get_structure(rtp.caps, 0);
  fail_unless_equals_string(gst_structure_get_string(s, "encoding-name"), "H264");
  fail_unless_equals_string(gst_structure_get_string(s, "packetization-mode"), "1");
  const gchar* sprop = gst_structure_get_string(s, "sprop-parameter-sets");
  fail_unless(sprop != nullptr);
  // The sprop NALs are the encoder's SPS and PPS.
  std::vector<Bytes> first = split_annexb(buffer_bytes(media.buffers[0]));
  gchar** parts = g_strsplit(sprop, ",", -1);
  fail_unless_equals_int(g_strv_length(parts), 2);
  for (int k = 0; k < 2; ++k) {
    gsize len = 0;
    guchar* raw = g_base64_decode(parts[k], &len);
    Bytes nal(raw, raw + len);
    g_free(raw);
    bool found = false;
    for (const Bytes& n : first) found |= n == nal;
    fail_unless(found, "sprop NAL %d not in the stream", k);
  }
  g_strfreev(parts);
  const gchar* plid = gst_structure_get_string(s, "profile-level-id");
  fail_unless(plid != nullptr && strlen(plid) == 6);
}
GST_END_TEST;

Suite* h264_roundtrip_suite() {
  Suite* s = suite_create("rtp2-h264-roundtrip");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_roundtrip, 0, G_N_ELEMENTS(kRoundTrips));
  tcase_add_test(tc, test_pay_caps);
  return s;
}

}  // namespace

RTP_CHECK_MAIN(h264_roundtrip);
