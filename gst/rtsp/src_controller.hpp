// rtspsrc2's worker-side logic: drives one rtsp2::core::ClientSession with the control connection, the UDP
// sockets and the receive path, and turns what happens into element messages, errors and pad data.
//
//   Open ─▶ connect ─▶ DESCRIBE ─▶ on-sdp / select-stream ─▶ bind UDP ─▶ SETUP ×n (461: next transport)
//        ─▶ [Play] PLAY ─▶ caps from RTP-Info, segment, data flows ─▶ watchdog (timeout)
//   lost connection / 454 / silence ─▶ connection-lost message ─▶ backoff ─▶ the same again ─▶ restored
//   UDP silent from the start, TCP allowed ─▶ warning ─▶ the same again over TCP
//
// Everything here runs on the worker thread. The element is reached only through SrcHost.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client_session.hpp"
#include "control_connection.hpp"
#include "media_transport.hpp"
#include "receive_path.hpp"
#include "src_commands.hpp"
#include "worker.hpp"

namespace rtsp2 {

// Counters the element reads for its "stats" property.
struct StreamStats {
  unsigned index = 0;
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t reordered = 0;
  std::uint64_t rtcp_packets = 0;
  std::uint64_t batches = 0;       // reads that brought RTP of this stream (read moderation makes them fewer)
  std::uint64_t kernel_drops = 0;  // RTP datagrams the kernel dropped for a full receive buffer (UDP)
  std::uint64_t read_holds = 0;    // RTP reads put off while the output queue was deep (UDP, native engine)
  std::string transport;           // "udp", "udp-mcast", "tcp"
  // for the reorder count
  bool seq_known = false;
  std::uint16_t max_seq = 0;
};

struct SharedStats {
  std::mutex mutex;
  std::vector<StreamStats> streams;
  std::uint64_t reconnects = 0;
  std::uint64_t keep_alives = 0;
  std::uint64_t requests = 0;
  std::int64_t rtt_ms = -1;
  std::uint64_t dropped_interleaved = 0;
};

// What the controller needs from the element. Called on the worker thread.
class SrcHost {
 public:
  virtual ~SrcHost() = default;
  virtual GstElement* element() = 0;
  virtual ReceivePath* receive_path() = 0;
  virtual SharedStats& stats() = 0;
  virtual void emit_on_sdp(GstSDPMessage* sdp) = 0;
  virtual bool emit_select_stream(unsigned index, GstCaps* caps) = 0;
  // The streams that will get pads (SDP indices), once per Open.
  virtual void set_streams(const std::vector<unsigned>& indices) = 0;
  virtual void set_presentation(bool seekable, GstClockTime duration) = 0;
  // The next buffer on every pad is marked DISCONT (after a reconnect).
  virtual void mark_discont() = 0;
  // Whether any stream has its pad yet.
  virtual bool has_pads() = 0;
  // The before-send signal: the application may change the request, or drop it (false).
  virtual bool before_send(core::Request& request) = 0;
  // The handle-request signal: the application may change the answer to a request from the server.
  virtual void handle_request(const core::Request& request, core::Response& response) = 0;
  // The accept-certificate signal (tls-validation-flags refused the server's certificate).
  virtual bool accept_certificate(GTlsConnection* connection, GTlsCertificate* certificate,
                                  GTlsCertificateFlags errors) = 0;
  virtual void teardown_done() = 0;
  // Running time of the element's clock now, or GST_CLOCK_TIME_NONE without a clock.
  virtual GstClockTime running_time() = 0;
};

class SrcController {
 public:
  SrcController(GMainContext* context, SrcHost& host, Settings settings);
  ~SrcController();
  SrcController(const SrcController&) = delete;
  SrcController& operator=(const SrcController&) = delete;

  void handle(Command& command);

  struct Stream;  // src_stream.hpp

 private:
  struct PendingParameter;

  void connect();
  void on_connected();
  void on_connection_failed(const ConnectionFailure& f);
  void drive();
  void handle_event(core::Event& e);
  void on_described(core::event::Described& d);
  void setup_streams();
  void on_stream_ready(const core::event::StreamReady& r);
  void on_playing(const core::event::Playing& p);
  void apply_play_caps(const core::event::Playing& p);
  void release_held();
  void on_failed(const core::event::Failed& f);
  void on_interleaved(core::event::Interleaved& frame);
  void flush_interleaved();
  GstBuffer* frame_buffer(const std::uint8_t* data, std::size_t size);
  void on_parameter_reply(const core::event::ParameterReply& r);

  void request_play();
  void do_seek(const cmd::Seek& s);
  void send_parameter(bool get, std::string body, std::string content_type, PromisePtr promise);
  void send_rtcp(unsigned stream, BufferPtr buffer);

  void deliver(Stream& s, MediaChannel channel, BufferListPtr list, bool from_udp,
               std::span<const std::int64_t> ages_ns = {});
  // The read moderation of the media sockets: read-interval, or automatic from latency.
  ReceiveOptions receive_options(unsigned stream);
  void push(Stream& s, MediaChannel channel, BufferListPtr list);
  void on_watchdog();
  bool reconnect_allowed() const;
  void lose_connection(const std::string& reason);
  void restart_session();
  void drop_session();
  void fail(GQuark domain, int code, const std::string& text, const std::string& debug = {});
  void fail_parameters(const char* reason);
  void publish_stats();
  Stream* stream_by_channel(std::uint8_t channel, MediaChannel* which);
  core::Instant now() const { return core::Clock::now(); }

  GMainContext* context_;
  SrcHost& host_;
  Settings settings_;
  core::Url url_;
  std::string url_text_;  // without credentials, for messages

  std::unique_ptr<ControlConnection> conn_;
  std::unique_ptr<core::ClientSession> session_;
  std::uint64_t session_generation_ = 0;
  Timer session_timer_;
  Timer watchdog_timer_;
  Timer reconnect_timer_;

  std::optional<core::Presentation> presentation_;
  std::vector<std::unique_ptr<Stream>> streams_;
  bool setup_called_ = false;
  bool play_sent_ = false;
  bool playing_ = false;
  bool desired_playing_ = false;
  bool established_ = false;
  bool tearing_down_ = false;
  bool failed_ = false;
  bool force_tcp_ = false;
  bool reconnecting_ = false;
  bool resuming_control_ = false;  // reconnecting the control connection of a kept session (udp-reconnect)
  int reconnect_attempt_ = 0;
  std::string lost_reason_;
  std::optional<cmd::Seek> pending_seek_;
  bool need_segment_ = true;          // the next PLAY moves the position: its answer brings a new segment
  std::deque<bool> plays_in_flight_;  // per PLAY sent and not answered: does it move the position
  std::uint32_t segment_seqnum_ = 0;
  double requested_rate_ = 1.0;
  bool udp_data_seen_ = false;
  SteadyClock::time_point last_data_{};

  GstObjectPtr<GstBufferPool> frame_pool_;  // interleaved frames' buffers
  std::size_t frame_buffer_size_ = 1500;    // their size (grows with the frames)

  std::map<std::uint64_t, std::unique_ptr<PendingParameter>> parameters_;  // by core token
  std::vector<std::unique_ptr<PendingParameter>> parameters_waiting_;      // before a session exists
};

}  // namespace rtsp2
