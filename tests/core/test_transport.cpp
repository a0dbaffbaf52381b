#include <string>
#include <string_view>
#include <vector>

#include "transport.hpp"

#include "../common/check.hpp"

using namespace rtsp2::core;

namespace {

using Specs = std::vector<TransportSpec>;

struct ValidCase {
  std::string_view input;
  Specs expected;
  std::string_view written;  // canonical form, mode in lower case
};

// The server responses below are copied from /work/shared/captures (the file is named in each comment).
const ValidCase kValid[] = {
    // live555-2026.06.24_play_mkv_udp.txt
    {"RTP/AVP;unicast;destination=127.0.0.1;source=127.0.0.1;client_port=59002-59003;server_port=6970-6971",
     {{.destination = "127.0.0.1",
       .source = "127.0.0.1",
       .client_port = PortRange{59002, 59003},
       .server_port = PortRange{6970, 6971}}},
     "RTP/AVP;unicast;destination=127.0.0.1;source=127.0.0.1;client_port=59002-59003;server_port=6970-6971"},
    // live555-2026.06.24_play_mkv_tcp.txt
    {"RTP/AVP/TCP;unicast;destination=127.0.0.1;source=127.0.0.1;interleaved=2-3",
     {{.lower = LowerTransport::Tcp,
       .destination = "127.0.0.1",
       .source = "127.0.0.1",
       .interleaved = PortRange{2, 3}}},
     "RTP/AVP/TCP;unicast;destination=127.0.0.1;source=127.0.0.1;interleaved=2-3"},
    // gst-rtsp-server-1.22_play_av_tcp.txt
    {"RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=DA701FD1;mode=\"PLAY\"",
     {{.lower = LowerTransport::Tcp,
       .interleaved = PortRange{0, 1},
       .ssrc = 0xDA701FD1u,
       .mode = TransportMode::Play}},
     "RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=DA701FD1;mode=play"},
    // gst-rtsp-server-1.22_record_from_rtspclientsink_tcp.txt
    {"RTP/AVP/TCP;unicast;interleaved=0-1;mode=\"RECORD\"",
     {{.lower = LowerTransport::Tcp, .interleaved = PortRange{0, 1}, .mode = TransportMode::Record}},
     "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"},
    // vlc-3.0.24_play_mkv_udp.txt
    {"RTP/AVP/UDP;unicast;client_port=47130-47131;server_port=38800-38801;ssrc=97B5992B;mode=play",
     {{.explicit_lower = true,
       .client_port = PortRange{47130, 47131},
       .server_port = PortRange{38800, 38801},
       .ssrc = 0x97B5992Bu,
       .mode = TransportMode::Play}},
     "RTP/AVP/UDP;unicast;client_port=47130-47131;server_port=38800-38801;ssrc=97B5992B;mode=play"},
    // ffmpeg-5.1-listen_record_from_ffmpeg_tcp.txt: request, then FFmpeg's answer ("receive" = RECORD).
    {"RTP/AVP/TCP;unicast;interleaved=0-1;mode=record",
     {{.lower = LowerTransport::Tcp, .interleaved = PortRange{0, 1}, .mode = TransportMode::Record}},
     "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"},
    {"RTP/AVP/TCP;unicast;mode=receive;interleaved=2-3",
     {{.lower = LowerTransport::Tcp, .interleaved = PortRange{2, 3}, .mode = TransportMode::Record}},
     "RTP/AVP/TCP;unicast;interleaved=2-3;mode=record"},
    // Multicast, single ports, ttl.
    {"RTP/AVP;multicast;destination=224.1.2.3;port=5000-5001;ttl=16",
     {{.multicast = true, .destination = "224.1.2.3", .port = PortRange{5000, 5001}, .ttl = 16}},
     "RTP/AVP;multicast;destination=224.1.2.3;port=5000-5001;ttl=16"},
    {"RTP/AVP;unicast;client_port=5000",
     {{.client_port = PortRange{5000, 5000}}},
     "RTP/AVP;unicast;client_port=5000"},
    {"RTP/AVP;multicast;ttl=0;port=0",
     {{.multicast = true, .port = PortRange{0, 0}, .ttl = 0}},
     "RTP/AVP;multicast;port=0;ttl=0"},
    {"RTP/AVP;multicast;ttl=255;port=65535-65535",
     {{.multicast = true, .port = PortRange{65535, 65535}, .ttl = 255}},
     "RTP/AVP;multicast;port=65535;ttl=255"},
    {"RTP/AVP/TCP;interleaved=255",
     {{.lower = LowerTransport::Tcp, .interleaved = PortRange{255, 255}}},
     "RTP/AVP/TCP;unicast;interleaved=255"},
    // Profiles and lower transports, any case; "unicast" is the default.
    {"RTP/AVP", {{}}, "RTP/AVP;unicast"},
    {"rtp/avp/udp", {{.explicit_lower = true}}, "RTP/AVP/UDP;unicast"},
    {"RTP/SAVP;unicast", {{.profile = TransportProfile::Savp}}, "RTP/SAVP;unicast"},
    {"RTP/AVPF/TCP",
     {{.profile = TransportProfile::Avpf, .lower = LowerTransport::Tcp}},
     "RTP/AVPF/TCP;unicast"},
    {"Rtp/SavPF/Udp",
     {{.profile = TransportProfile::Savpf, .explicit_lower = true}},
     "RTP/SAVPF/UDP;unicast"},
    // ssrc: short hex, lower case, written as 8 upper-case digits.
    {"RTP/AVP;ssrc=1a", {{.ssrc = 0x1Au}}, "RTP/AVP;unicast;ssrc=0000001A"},
    {"RTP/AVP;ssrc=ffffffff", {{.ssrc = 0xFFFFFFFFu}}, "RTP/AVP;unicast;ssrc=FFFFFFFF"},
    // mode in any case, quoted or not; append; mode_upper is covered separately.
    {"RTP/AVP;MODE=Record;APPEND",
     {{.mode = TransportMode::Record, .append = true}},
     "RTP/AVP;unicast;mode=record;append"},
    {"RTP/AVP;mode=\"play\"", {{.mode = TransportMode::Play}}, "RTP/AVP;unicast;mode=play"},
    // Unknown parameters survive, in order, with or without value; unknown modes too.
    {"RTP/AVP;unicast;rtcp-mux;layers=2;setup=x=y;x-foo=\"a b;c,d\"",
     {{.extra = {{"rtcp-mux", ""}, {"layers", "2"}, {"setup", "x=y"}, {"x-foo", "\"a b;c,d\""}}}},
     "RTP/AVP;unicast;rtcp-mux;layers=2;setup=x=y;x-foo=\"a b;c,d\""},
    {"RTP/AVP;mode=\"PLAY,RECORD\"",
     {{.extra = {{"mode", "\"PLAY,RECORD\""}}}},
     "RTP/AVP;unicast;mode=\"PLAY,RECORD\""},
    {"RTP/AVP;mode=SETUP;Mode=play",
     {{.mode = TransportMode::Play, .extra = {{"mode", "SETUP"}}}},
     "RTP/AVP;unicast;mode=play;mode=SETUP"},
    // "destination" alone; quoted addresses.
    {"RTP/AVP;multicast;destination",
     {{.multicast = true, .destination = ""}},
     "RTP/AVP;multicast;destination"},
    {"RTP/AVP;destination=\"::1\";source=\"10.0.0.1\"",
     {{.destination = "::1", .source = "10.0.0.1"}},
     "RTP/AVP;unicast;destination=::1;source=10.0.0.1"},
    // Whitespace around separators and '='; empty parameters.
    {" RTP/AVP ; unicast ;client_port = 5000-5001 ",
     {{.client_port = PortRange{5000, 5001}}},
     "RTP/AVP;unicast;client_port=5000-5001"},
    {"\tRTP/AVP/TCP ;\tunicast\t; interleaved= 4-5 ;;",
     {{.lower = LowerTransport::Tcp, .interleaved = PortRange{4, 5}}},
     "RTP/AVP/TCP;unicast;interleaved=4-5"},
    // Several alternatives (upstream rtspsrc's request).
    {"RTP/AVP/UDP;unicast;client_port=5000-5001 , RTP/AVP/UDP;multicast,RTP/AVP/TCP",
     {{.explicit_lower = true, .client_port = PortRange{5000, 5001}},
      {.explicit_lower = true, .multicast = true},
      {.lower = LowerTransport::Tcp}},
     "RTP/AVP/UDP;unicast;client_port=5000-5001,RTP/AVP/UDP;multicast,RTP/AVP/TCP;unicast"},
};

const std::string_view kInvalid[] = {
    "",
    " ",
    ",",
    "RTP/AVP,",
    ",RTP/AVP",
    "RTP/AVP,,RTP/AVP/TCP",
    // protocol
    "RTP",
    "RTP/",
    "RTP/AV",
    "RTP/AVPX",
    "RTP/AVP/",
    "RTP/AVP/SCTP",
    "RTP/AVP/TCP/X",
    "RAW/RAW/UDP",
    "MP2T/H2221/UDP",
    "RTP//AVP",
    "RTP /AVP",
    "unicast;RTP/AVP",
    "RTP/AVP,RTP/XYZ",
    // ports
    "RTP/AVP;client_port=",
    "RTP/AVP;client_port",
    "RTP/AVP;client_port=5000-",
    "RTP/AVP;client_port=-5001",
    "RTP/AVP;client_port=5001-5000",
    "RTP/AVP;client_port=65536",
    "RTP/AVP;client_port=5000-65536",
    "RTP/AVP;server_port=99999999999999999999",
    "RTP/AVP;server_port=+5000",
    "RTP/AVP;server_port=5000-5001-5002",
    "RTP/AVP;server_port=0x10",
    "RTP/AVP;port=a-b",
    "RTP/AVP;port=5000 5001",
    "RTP/AVP;client_port=5000 - 5001",
    // interleaved
    "RTP/AVP/TCP;interleaved=256",
    "RTP/AVP/TCP;interleaved=0-256",
    "RTP/AVP/TCP;interleaved=1-0",
    "RTP/AVP/TCP;interleaved=",
    "RTP/AVP/TCP;interleaved=-1",
    // ttl
    "RTP/AVP;ttl=256",
    "RTP/AVP;ttl=-1",
    "RTP/AVP;ttl=",
    "RTP/AVP;ttl=1.5",
    // ssrc
    "RTP/AVP;ssrc=",
    "RTP/AVP;ssrc=123456789",
    "RTP/AVP;ssrc=0x1234",
    "RTP/AVP;ssrc=DA701FDG",
    "RTP/AVP;ssrc=\"DA701FD1\"",
    // flags with values, bad names and values
    "RTP/AVP;unicast=1",
    "RTP/AVP;multicast=yes",
    "RTP/AVP;append=1",
    "RTP/AVP;source",
    "RTP/AVP;source=",
    "RTP/AVP;destination=a b",
    "RTP/AVP;=5",
    "RTP/AVP;x y=1",
    "RTP/AVP;x=a b",
    "RTP/AVP;x=a\"b\"",
    "RTP/AVP;x=\"a\"\"b\"",
    "RTP/AVP;x=\"unterminated",
    "RTP/AVP;mode=\"PLAY",
    // bytes that never belong in a header value
    "RTP/AVP;unicast\r\n",
    "RTP/AVP;x=\x01",
    std::string_view("RTP/AVP;x=a\0b", 13),
    "RTP/AVP;x=\x7f",
    "RTP/AVP;x=\xc3\xa4",
    "RTP/AVP;x=\"\xff\"",
    "RTP/AVP;destination=\xe2\x82",
};

}  // namespace

GST_START_TEST(test_parse_valid) {
  for (const auto& c : kValid) {
    const auto ts = parse_transports(c.input);
    fail_unless(ts.has_value(), "rejected '%s'", c.input.data());
    fail_unless(*ts == c.expected, "'%s' parsed wrong", c.input.data());
    fail_unless(to_string(*ts) == c.written, "'%s' written as '%s'", c.input.data(), to_string(*ts).c_str());
  }
}
GST_END_TEST;

GST_START_TEST(test_parse_invalid) {
  for (std::string_view in : kInvalid) {
    fail_if(parse_transports(in).has_value(), "accepted '%s'", std::string(in).c_str());
  }
}
GST_END_TEST;

GST_START_TEST(test_round_trip) {
  for (const auto& c : kValid) {
    for (bool upper : {false, true}) {
      const auto again = parse_transports(to_string(c.expected, upper));
      fail_unless(again.has_value() && *again == c.expected, "'%s' (upper=%d) does not round-trip",
                  c.input.data(), upper);
    }
    // One alternative at a time as well.
    for (const auto& t : c.expected) {
      const auto one = parse_transports(to_string(t));
      fail_unless(one.has_value() && one->size() == 1 && one->front() == t);
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_truncations) {
  // Every prefix either fails or parses into something that round-trips; none crashes.
  for (const auto& c : kValid) {
    for (std::size_t n = 0; n <= c.input.size(); ++n) {
      const auto ts = parse_transports(c.input.substr(0, n));
      if (ts) {
        const auto again = parse_transports(to_string(*ts));
        fail_unless(again.has_value() && *again == *ts, "prefix %zu of '%s'", n, c.input.data());
      }
    }
  }
}
GST_END_TEST;

GST_START_TEST(test_writer) {
  struct Case {
    TransportSpec spec;
    bool mode_upper;
    std::string_view written;
  };
  const Case cases[] = {
      {{.lower = LowerTransport::Tcp, .interleaved = PortRange{0, 1}, .mode = TransportMode::Record},
       false,
       "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record"},
      {{.lower = LowerTransport::Tcp, .interleaved = PortRange{0, 1}, .mode = TransportMode::Record},
       true,
       "RTP/AVP/TCP;unicast;interleaved=0-1;mode=RECORD"},
      {{.mode = TransportMode::Play}, true, "RTP/AVP;unicast;mode=PLAY"},
      {{.multicast = true, .destination = "224.1.2.3", .port = PortRange{5000, 5001}, .ttl = 16},
       false,
       "RTP/AVP;multicast;destination=224.1.2.3;port=5000-5001;ttl=16"},
      {{.client_port = PortRange{5000, 5000}}, false, "RTP/AVP;unicast;client_port=5000"},
      {{.profile = TransportProfile::Savpf, .ssrc = 0u}, false, "RTP/SAVPF;unicast;ssrc=00000000"},
  };
  for (const auto& c : cases) {
    fail_unless(to_string(c.spec, c.mode_upper) == c.written, "wrote '%s'",
                to_string(c.spec, c.mode_upper).c_str());
  }
  fail_unless(to_string(Specs{}) == "");
}
GST_END_TEST;

static Suite* transport_suite() {
  Suite* s = suite_create("transport");
  TCase* tc = tcase_create("general");
  suite_add_tcase(s, tc);
  tcase_add_test(tc, test_parse_valid);
  tcase_add_test(tc, test_parse_invalid);
  tcase_add_test(tc, test_round_trip);
  tcase_add_test(tc, test_truncations);
  tcase_add_test(tc, test_writer);
  return s;
}

GST_CHECK_MAIN(transport);
