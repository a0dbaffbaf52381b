// rtspsink2 publishing to FFmpeg's RTSP listen mode (a separate process), then ffprobe on the file FFmpeg
// wrote: every frame that reached rtspsink2 is in it, with the right codec and duration. FFmpeg only takes
// mode=record in lower case, which is what rtspsink2 writes.
#include <gst/gst.h>

#include <cmath>
#include <string>

#include "sink_ffmpeg.hpp"
#include "sink_pipeline.hpp"

#include "check.hpp"

namespace {

struct Case {
  const char* name;
  bool audio;
  const char* protocols;
};

const Case kCases[] = {
    {"h264 tcp", false, "tcp"},
    {"h264+aac tcp", true, "tcp"},
    {"h264 udp", false, "udp"},
    {"h264+aac udp", true, "udp"},
};

constexpr int kFrames = 60;  // two seconds at 30 fps
constexpr int kAudioBuffers = 60;

GST_START_TEST(test_ffmpeg_records) {
  const Case& c = kCases[__i__];
  fail_unless(rtsp2::test::FfmpegRecorder::available(),
              "ffmpeg/ffprobe not installed (scripts/setup.sh installs ffmpeg)");
  rtsp2::test::FfmpegRecorder ffmpeg;
  fail_unless(ffmpeg.start("/live/cam?x=1"), "ffmpeg did not start listening");
  std::string launch = rtsp2::test::h264_source(kFrames) + " ! rtspsink2 name=sink location=\"" +
                       ffmpeg.url() + "\" protocols=" + c.protocols;
  if (c.audio) launch += " " + rtsp2::test::aac_source(kAudioBuffers) + " ! sink.";
  auto r = rtsp2::test::publish(launch);
  fail_unless(r.eos, "%s: no EOS (%s / %s)", c.name, r.error_text.c_str(), r.error_debug.c_str());
  fail_unless(ffmpeg.wait_exit(15000), "%s: ffmpeg did not finish after TEARDOWN", c.name);
  auto probe = rtsp2::test::ffprobe(ffmpeg.output_file());
  fail_unless(probe.ok, "%s: ffprobe: %s\nffmpeg: %s", c.name, probe.raw.c_str(), ffmpeg.log().c_str());
  fail_unless(r.video_sent > 0);
  fail_unless_equals_string(probe.video.codec.c_str(), "h264");
  fail_unless_equals_int(probe.video.frames, r.video_sent);
  const double expected = r.video_sent / 30.0;
  fail_unless(std::fabs(probe.duration - expected) < 0.2, "%s: duration %f, %d frames sent", c.name,
              probe.duration, r.video_sent);
  if (c.audio) {
    fail_unless_equals_string(probe.audio.codec.c_str(), "aac");
    fail_unless_equals_int(probe.audio.frames, r.audio_sent);
  }
}
GST_END_TEST;

Suite* rtspsink2_ffmpeg_suite() {
  Suite* s = suite_create("rtspsink2_ffmpeg");
  TCase* tc = tcase_create("ffmpeg");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_ffmpeg_records, 0, G_N_ELEMENTS(kCases));
  suite_add_tcase(s, tc);
  return s;
}

}  // namespace

GST_CHECK_MAIN(rtspsink2_ffmpeg)
