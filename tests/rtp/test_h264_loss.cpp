// Loss, reorder and duplication of real H.264 RTP packets (x264enc → rtph264pay2) in front of
// rtph264depay2: the broken access units are dropped, the rest come out unchanged, and the first unit
// after a loss is DISCONT.
#include <algorithm>
#include <set>

#include "rtp_test_util.hpp"

#include "../common/check.hpp"

using namespace rtptest;

namespace {

// kFirst is the unit's first packet, which holds only its access unit delimiter (checked below);
// kFirstSlice is the next one, the FU-A start of its first slice.
enum Where { kFirst, kFirstSlice, kMiddle, kLast, kAll };
enum Action { kDrop, kSwapWithNext, kDuplicate };

struct Edit {
  int au;
  Where where;
  Action action = kDrop;
};

struct LossCase {
  const char* name;
  std::vector<Edit> edits;
  bool wait_for_keyframe;
  std::vector<int> missing;   // access units that must not come out
  std::vector<int> disconts;  // access units that come out DISCONT
};

const LossCase kCases[] = {
    {"no loss", {}, false, {}, {0}},
    {"AUD packet of a unit lost: the unit still comes out, DISCONT", {{3, kFirst}}, false, {}, {0, 3}},
    {"start of a unit's first slice lost", {{3, kFirstSlice}}, false, {3}, {0, 4}},
    {"middle packet of a unit lost", {{3, kMiddle}}, false, {3}, {0, 4}},
    {"marker packet of a unit lost", {{3, kLast}}, false, {3}, {0, 4}},
    {"whole unit lost", {{3, kAll}}, false, {3}, {0, 4}},
    {"end of one unit and the next one's AUD lost", {{3, kLast}, {4, kFirst}}, false, {3}, {0, 4}},
    {"end of one unit and the next one's first slice lost",
     {{3, kLast}, {4, kFirst}, {4, kFirstSlice}},
     false,
     {3, 4},
     {0, 5}},
    {"two separate losses", {{2, kMiddle}, {7, kFirstSlice}}, false, {2, 7}, {0, 3, 8}},
    {"two packets of a unit swapped", {{5, kMiddle, kSwapWithNext}}, false, {5}, {0, 6}},
    {"last packet of a unit swapped with the next unit's first",
     {{6, kLast, kSwapWithNext}},
     false,
     {6},
     {0, 7}},
    {"duplicated packet", {{4, kMiddle, kDuplicate}}, false, {}, {0}},
    {"wait-for-keyframe: no loss", {}, true, {}, {0}},
    {"wait-for-keyframe: loss skips to the next IDR", {{3, kMiddle}}, true, {3, 4, 5, 6, 7, 8, 9}, {0, 10}},
    {"wait-for-keyframe: loss in the IDR itself",
     {{10, kMiddle}},
     true,
     {10, 11, 12, 13, 14, 15, 16, 17, 18, 19},
     {0}},
};

constexpr int kFrames = 20;

std::vector<Bytes> slices_of(const std::vector<Bytes>& nals) {
  std::vector<Bytes> out;
  for (const Bytes& n : nals) {
    if ((n[0] & 0x1f) >= 1 && (n[0] & 0x1f) <= 5) out.push_back(n);
  }
  return out;
}

const char* kEncoder =
    "videotestsrc num-buffers=20 pattern=snow ! video/x-raw,format=I420,width=160,height=120,framerate=30/1"
    " ! x264enc key-int-max=10 speed-preset=ultrafast option-string=slices=2"
    " ! video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=sink";

GST_START_TEST(test_loss) {
  const LossCase& c = kCases[__i__];
  Media media = run_encoder(kEncoder);
  fail_unless_equals_int(media.buffers.size(), kFrames);
  Output rtp = run_element("rtph264pay2 mtu=300", media.caps, media.buffers);

  // Packets per access unit (the marker closes each one).
  std::vector<std::vector<GstBuffer*>> units(1);
  for (GstBuffer* b : rtp.buffers) {
    units.back().push_back(b);
    if (rtp_info(b).marker) units.emplace_back();
  }
  units.pop_back();
  fail_unless_equals_int(units.size(), kFrames);
  for (const auto& u : units) fail_unless(u.size() >= 4, "need 4+ packets per unit, got %zu", u.size());

  // Apply the edits to the packet sequence.
  std::vector<GstBuffer*> sequence;
  std::set<GstBuffer*> dropped;
  std::vector<std::pair<GstBuffer*, Action>> marked;
  for (const Edit& e : c.edits) {
    const auto& u = units[e.au];
    std::vector<GstBuffer*> hit;
    switch (e.where) {
      case kFirst: {
        const RtpInfo first = rtp_info(u[0]);
        fail_unless(first.payload.size() == 2 && (first.payload[0] & 0x1f) == 9,
                    "first packet is not a lone AUD");
        hit = {u.front()};
        break;
      }
      case kFirstSlice:
        hit = {u[1]};
        break;
      case kMiddle:
        hit = {u[u.size() / 2]};
        break;
      case kLast:
        hit = {u.back()};
        break;
      case kAll:
        hit = u;
        break;
    }
    for (GstBuffer* b : hit) marked.emplace_back(b, e.action);
  }
  for (GstBuffer* b : rtp.buffers) sequence.push_back(b);
  for (auto [b, action] : marked) {
    auto it = std::find(sequence.begin(), sequence.end(), b);
    if (action == kDrop) {
      sequence.erase(it);
    } else if (action == kSwapWithNext) {
      std::iter_swap(it, it + 1);
    } else {
      sequence.insert(it + 1, b);
    }
  }

  GstHarness* h = gst_harness_new("rtph264depay2");
  g_object_set(h->element, "wait-for-keyframe", c.wait_for_keyframe, nullptr);
  gst_harness_set_sink_caps_str(h, "video/x-h264,stream-format=byte-stream,alignment=au");
  gst_harness_set_src_caps(h, gst_caps_ref(rtp.caps));
  for (GstBuffer* b : sequence) fail_unless_equals_int(gst_harness_push(h, gst_buffer_ref(b)), GST_FLOW_OK);
  gst_harness_push_event(h, gst_event_new_eos());

  // Map the output back to access units by PTS and compare.
  std::vector<int> expected_out;
  for (int i = 0; i < kFrames; ++i) {
    if (std::find(c.missing.begin(), c.missing.end(), i) == c.missing.end()) expected_out.push_back(i);
  }
  std::vector<int> got;
  while (GstBuffer* b = gst_harness_try_pull(h)) {
    int index = -1;
    for (int i = 0; i < kFrames; ++i) {
      if (GST_BUFFER_PTS(media.buffers[i]) == GST_BUFFER_PTS(b)) index = i;
    }
    fail_unless(index >= 0, "%s: output with unknown PTS", c.name);
    got.push_back(index);
    const bool want_discont = std::find(c.disconts.begin(), c.disconts.end(), index) != c.disconts.end();
    // What comes out is exactly what went in (our payloader keeps every NAL). Right after a loss the
    // leading non-VCL NALs (AUD, SEI) of a unit may have been lost undetectably; its slices must be whole.
    auto nals_out = split_annexb(buffer_bytes(b));
    auto nals_in = split_annexb(buffer_bytes(media.buffers[index]));
    if (want_discont && index > 0) {
      nals_out = slices_of(nals_out);
      nals_in = slices_of(nals_in);
    }
    fail_unless(nals_out == nals_in, "%s: unit %d corrupted", c.name, index);
    fail_unless(GST_BUFFER_IS_DISCONT(b) == want_discont, "%s: unit %d DISCONT=%d", c.name, index,
                GST_BUFFER_IS_DISCONT(b));
    gst_buffer_unref(b);
  }
  std::string got_text;
  for (int i : got) got_text += std::to_string(i) + " ";
  fail_unless(got == expected_out, "%s: got units %s", c.name, got_text.c_str());
  gst_harness_teardown(h);
}
GST_END_TEST;

Suite* h264_loss_suite() {
  Suite* s = suite_create("rtp2-h264-loss");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_loop_test(tc, test_loss, 0, G_N_ELEMENTS(kCases));
  return s;
}

}  // namespace

RTP_CHECK_MAIN(h264_loss);
