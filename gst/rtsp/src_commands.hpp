// The typed commands rtspsrc2's threads hand to its worker (see worker.hpp). Each is executed once, in order;
// commands that carry a GstPromise always get a reply, also when the session is gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "gst_ptr.hpp"
#include "rtspsrc2_settings.hpp"

namespace rtsp2 {

namespace cmd {
struct Open {  // READY→PAUSED: connect, DESCRIBE, SETUP
  Settings settings;
};
struct Play {};   // PAUSED→PLAYING
struct Pause {};  // PLAYING→PAUSED
struct Seek {     // a seek event on a src pad
  double rate = 1.0;
  double start_s = 0;
  std::optional<double> stop_s;
  bool flush = true;
  std::uint32_t seqnum = 0;
};
struct Teardown {};  // PAUSED→READY: TEARDOWN, bounded by teardown-timeout on the element side
struct Shutdown {};  // after Teardown: drop the session, the sockets and the timers
struct GetParameter {
  std::string body;
  std::string content_type;
  PromisePtr promise;
};
struct SetParameter {
  std::string body;
  std::string content_type;
  PromisePtr promise;
};
struct SendRtcp {  // a receiver report from the receive path, for the server
  unsigned stream = 0;
  BufferPtr buffer;
};
struct FlowError {  // downstream refused a stream's data for good: the element stops with an error
  unsigned stream = 0;
  GstFlowReturn ret = GST_FLOW_ERROR;
};
}  // namespace cmd

using Command = std::variant<cmd::Open, cmd::Play, cmd::Pause, cmd::Seek, cmd::Teardown, cmd::Shutdown,
                             cmd::GetParameter, cmd::SetParameter, cmd::SendRtcp, cmd::FlowError>;

}  // namespace rtsp2
