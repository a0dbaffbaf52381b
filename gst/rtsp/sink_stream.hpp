// One publishing stream's queue between its streaming thread (the internal sink's render) and the worker that
// writes to the network. It is where back-pressure and dropping happen, always on whole access units.
//
//   streaming thread                          worker thread
//   push(rtp packets) ─▶ group into access units (video: up to the marker bit; other media: each packet)
//                        decide per unit: queue / wait for room / drop (never part of a unit)
//                        queue ─────────────────────────────────▶ pop() one packet at a time, in order
//   end_of_stream()   ─▶ flush the open unit; eos                  drained() once everything was popped
//   wait_finished()   ◀─────────────────────────────────────────── finish() after TEARDOWN (or failure)
//
// Modes (set by the worker):
//   Holding       before the first RECORD: queue everything, block only at the hard byte cap
//   Sending       recording: a unit that finds the queue full (its oldest packet waited max-queue-time, or
//   the
//                 byte cap) waits up to max-queue-time for room, then is dropped; dropping goes on without
//                 waiting until there is room again and, for video, a key unit arrives
//   Reconnecting  session lost: queue without blocking, keep at most max-queue-time, starting at a key unit
//   Failed        an error was posted: push() returns GST_FLOW_ERROR
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <gst/gst.h>

#include "gst_ptr.hpp"
#include "sink_keyframe.hpp"

namespace rtsp2::sink {

struct OutPacket {
  BufferPtr buffer;            // one RTP packet, as the payloader made it
  std::uint64_t order = 0;     // arrival order across all streams of the element
  std::int64_t queued_us = 0;  // monotonic time it entered the queue
  std::uint32_t size = 0;      // whole packet
  std::uint32_t payload_size = 0;
  std::uint32_t rtp_time = 0;
  std::uint32_t ssrc = 0;
  bool unit_start = false;  // first packet of an access unit
  bool key = false;         // the unit it belongs to is a random access point
};

enum class StreamMode { Holding, Sending, Reconnecting, Failed };

struct StreamCounters {
  std::uint64_t packets_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t dropped_packets = 0;  // whole units dropped: their packets
  std::uint64_t dropped_units = 0;
  std::uint64_t invalid_packets = 0;  // not RTP
  std::uint64_t sent_packets = 0;
  std::uint64_t sent_bytes = 0;
  std::uint64_t queued_bytes = 0;
  std::uint64_t max_queued_bytes = 0;
  std::uint64_t drop_bursts = 0;
};

// What a stream tells its owner. Called without the stream's lock held.
class StreamListener {
 public:
  virtual ~StreamListener() = default;
  virtual void stream_ready(unsigned index) = 0;  // first packet arrived: its caps are final
  virtual void stream_data(unsigned index) = 0;   // the queue went from empty to not empty
  virtual void stream_eos(unsigned index) = 0;
  virtual void stream_dropping(unsigned index, const std::string& why) = 0;  // once per burst
};

class SinkStream {
 public:
  SinkStream(unsigned index, StreamListener& listener, std::atomic<std::uint64_t>& order_counter);
  SinkStream(const SinkStream&) = delete;
  SinkStream& operator=(const SinkStream&) = delete;

  unsigned index() const { return index_; }

  void set_limits(std::chrono::nanoseconds max_queue_time, std::size_t hard_cap_bytes);
  // From the caps event of the RTP side (streaming thread).
  void set_caps(const GstCaps* rtp_caps);
  std::string caps_string() const;
  bool ready() const;  // caps known and a first packet (or EOS) seen
  bool is_eos() const;

  // ---- streaming thread ----
  // Takes the packet (borrowed: a reference is added) in every case. GST_FLOW_FLUSHING means a wait for room
  // was interrupted by set_flushing(true): the unit stays with the stream and resume() commits it later.
  GstFlowReturn push(GstBuffer* packet);
  GstFlowReturn resume();
  // The first buffer prerolled: caps are final (the session can be announced before PLAYING).
  void mark_ready();
  // Flushes the open access unit and marks the end of the stream.
  void end_of_stream();
  // Blocks until finish() (true) or set_flushing(true) (false).
  bool wait_finished();
  // basesink unlock / unlock_stop: wakes and refuses any wait while set.
  void set_flushing(bool flushing);
  // After a flush or a state change: forget the open unit, the queue and EOS.
  void reset();

  // ---- worker thread ----
  void set_mode(StreamMode mode);
  StreamMode mode() const;
  // Arrival order of the front packet, or UINT64_MAX when empty.
  std::uint64_t front_order() const;
  // Takes the front packet; it counts as sent from here on.
  bool pop(OutPacket& out);
  std::size_t queued_bytes() const;
  bool drained() const;  // EOS seen and nothing left to pop
  void finish();

  StreamCounters counters() const;

 private:
  struct Unit {
    std::vector<OutPacket> packets;
    bool key = false;
    std::uint32_t rtp_time = 0;
  };

  GstFlowReturn add_packet(GstBuffer* packet, std::int64_t now_us);
  void close_open_unit();
  GstFlowReturn commit_closed(std::int64_t now_us);
  GstFlowReturn commit_unit(Unit& unit, std::int64_t now_us);
  bool full_locked(std::int64_t now_us) const;
  void enqueue_locked(Unit& unit, std::int64_t now_us, bool* became_non_empty);
  void drop_unit_locked(const Unit& unit);
  void trim_for_reconnect_locked(std::int64_t now_us);
  void pop_front_unit_locked();

  const unsigned index_;
  StreamListener& listener_;
  std::atomic<std::uint64_t>& order_counter_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<OutPacket> queue_;
  std::size_t bytes_ = 0;
  StreamMode mode_ = StreamMode::Holding;
  bool flushing_ = false;
  bool eos_ = false;
  bool finished_ = false;
  bool ready_ = false;
  bool need_key_ = false;  // video: nothing is queued until a key unit
  bool dropping_ = false;  // in a drop burst
  int waiters_ = 0;
  std::int64_t max_queue_us_ = 2'000'000;
  std::size_t hard_cap_ = 32u << 20;
  std::string caps_;
  bool video_ = false;
  KeyCodec key_codec_ = KeyCodec::EveryPacket;
  StreamCounters counters_;

  // Streaming thread only: the access unit being collected, and complete units not committed yet (more than
  // one only after an interrupted wait).
  Unit open_;
  std::deque<Unit> closed_;
};

}  // namespace rtsp2::sink
