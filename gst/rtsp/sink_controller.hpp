// rtspsink2's worker-side logic: drives one rtsp2::core::ClientSession in Record mode over the shared control
// connection, and writes every stream's queued RTP to the server (TCP interleaved or UDP) with RTCP sender
// reports.
//
//   Start ─▶ wait until every pad has caps and data (bounded by `timeout`)
//         ─▶ connect ─▶ SDP from the caps (update-sdp) ─▶ [OPTIONS] ANNOUNCE ─▶ bind UDP ─▶ SETUP ×n
//            (mode=record; 461: next transport) ─▶ RECORD ─▶ streams Sending: pump queued packets
//   all pads EOS ─▶ pump until every queue is empty and the socket has taken everything ─▶ TEARDOWN
//               ─▶ streams finished: their sinks let EOS go
//   connection or session lost while recording ─▶ connection-lost message ─▶ streams Reconnecting
//               ─▶ backoff ─▶ the same again ─▶ connection-restored message ─▶ Sending (from a key frame)
//   Stop (PAUSED→READY) ─▶ TEARDOWN, bounded ─▶ stopped()
//
// Everything here runs on the worker thread; the element reaches it only through commands and stats().
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include <gst/sdp/gstsdpmessage.h>

#include "client_session.hpp"
#include "control_connection.hpp"
#include "media_transport.hpp"
#include "sink_rtcp.hpp"
#include "sink_settings.hpp"
#include "sink_stream.hpp"
#include "worker.hpp"

namespace rtsp2::sink {

namespace cmd {
struct Start {  // READY→PAUSED
  SinkSettings settings;
  std::vector<std::shared_ptr<SinkStream>> streams;  // in SDP order
};
struct Ready {  // a stream has caps and a first packet (or EOS)
  unsigned pad_index = 0;
};
struct Data {};  // a queue went from empty to not empty
struct Eos {
  unsigned pad_index = 0;
};
struct Stop {};  // PAUSED→READY: TEARDOWN (bounded), then stopped()
}  // namespace cmd

using SinkCommand = std::variant<cmd::Start, cmd::Ready, cmd::Data, cmd::Eos, cmd::Stop>;

struct ControllerStats {
  std::string state = "idle";
  std::uint64_t reconnects = 0;
  std::uint64_t requests = 0;
  std::uint64_t keep_alives = 0;
  std::int64_t rtt_ms = -1;
  std::uint64_t oversized_packets = 0;  // larger than an interleaved frame can carry
  std::uint64_t udp_send_errors = 0;
  std::vector<std::string> transports;  // per stream: "tcp", "udp" or "" before SETUP
  std::vector<std::uint64_t> rtcp_sent;
};

// What the controller needs from the element. Called on the worker thread.
class SinkHost {
 public:
  virtual ~SinkHost() = default;
  virtual GstElement* element() = 0;
  // The update-sdp signal: the application may change the SDP before it is announced.
  virtual void update_sdp(GstSDPMessage* sdp) = 0;
  // Stop is done (torn down, timed out or nothing to tear down).
  virtual void stopped() = 0;
  // The accept-certificate signal (tls-validation-flags refused the server's certificate).
  virtual bool accept_certificate(GTlsConnection* connection, GTlsCertificate* certificate,
                                  GTlsCertificateFlags errors) = 0;
};

class SinkController {
 public:
  SinkController(GMainContext* context, SinkHost& host);
  ~SinkController();
  SinkController(const SinkController&) = delete;
  SinkController& operator=(const SinkController&) = delete;

  void handle(SinkCommand& command);
  ControllerStats stats() const;  // any thread

 private:
  enum class Phase { Idle, WaitingStreams, Connecting, Negotiating, Recording, Backoff, Done, Failed };
  struct Out;

  void on_start(cmd::Start& s);
  void on_ready(unsigned pad_index);
  void on_eos(unsigned pad_index);
  void on_stop();
  void check_streams();
  void connect();
  ControlConnectionConfig connection_config() const;
  void on_connected();
  void on_connection_failed(const ConnectionFailure& f);
  void on_caps_timeout();
  void drive();
  void handle_event(core::Event& e);
  void on_announced();
  void on_stream_ready(const core::event::StreamReady& r);
  void on_recording();
  void on_failed(const core::event::Failed& f);
  void lose(const std::string& reason);
  void fail(GQuark domain, int code, const std::string& text, const std::string& debug);
  void finish_streams();
  void finish_stop();
  void pump();
  void flush_udp(Out& o);
  void watch_udp(Out& o);
  void check_drained();
  void send_reports();
  void note_state(const char* state);
  void sync_stats();
  std::optional<std::string> build_sdp(std::string* error);
  Out* out_by_pad(unsigned pad_index);
  bool allowed_tcp() const;
  bool allowed_udp() const;
  std::string url_text() const;

  GMainContext* context_;
  SinkHost& host_;
  SinkSettings settings_;
  core::Url url_;
  std::vector<std::unique_ptr<Out>> outs_;
  Phase phase_ = Phase::Idle;
  bool recorded_once_ = false;     // a session reached RECORD: losing it is a case for reconnecting
  bool lost_ = false;              // between connection-lost and connection-restored
  bool connected_ = false;         // the current connection attempt got through
  bool resuming_control_ = false;  // udp-reconnect: a new control connection for the kept session
  int attempts_ = 0;               // reconnect attempts since the loss
  bool eos_ = false;               // every stream ended: drain, then TEARDOWN
  bool stop_requested_ = false;
  bool stopped_sent_ = false;
  bool tearing_down_ = false;
  std::string cname_;                       // of our sender reports (the sdes property's, if it has one)
  std::vector<core::SdesItem> sdes_items_;  // the sdes property's further items
  std::uint64_t report_ntp_time() const;    // now, in the clock ntp-time-source names

  std::unique_ptr<ControlConnection> conn_;
  std::unique_ptr<core::ClientSession> session_;
  std::unique_ptr<Timer> session_timer_;
  std::unique_ptr<Timer> caps_timer_;
  std::unique_ptr<Timer> backoff_timer_;
  std::unique_ptr<Timer> rtcp_timer_;
  std::unique_ptr<Timer> drain_timer_;
  std::unique_ptr<Timer> stop_timer_;
  std::unique_ptr<Timer> redirect_timer_;
  std::string batch_;  // interleaved frames written with one send()

  mutable std::mutex stats_mutex_;
  ControllerStats stats_;
};

}  // namespace rtsp2::sink
