// Owning smart pointers for the GStreamer mini objects and GObjects the rtp2 code holds.
#pragma once

#include <memory>

#include <gst/gst.h>

namespace rtsp2::rtp {

struct GstUnref {
  void operator()(GstBuffer* b) const { gst_buffer_unref(b); }
  void operator()(GstBufferList* l) const { gst_buffer_list_unref(l); }
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
  void operator()(GstEvent* e) const { gst_event_unref(e); }
  void operator()(GstStructure* s) const { gst_structure_free(s); }
  void operator()(gchar* s) const { g_free(s); }
};

template <typename T>
using GstPtr = std::unique_ptr<T, GstUnref>;

using BufferPtr = GstPtr<GstBuffer>;
using BufferListPtr = GstPtr<GstBufferList>;
using CapsPtr = GstPtr<GstCaps>;
using GCharPtr = GstPtr<gchar>;

// Maps a buffer for reading for the lifetime of the object.
class MappedBuffer {
 public:
  explicit MappedBuffer(GstBuffer* buffer) : buffer_(buffer) {
    ok_ = gst_buffer_map(buffer_, &info_, GST_MAP_READ);
  }
  ~MappedBuffer() {
    if (ok_) gst_buffer_unmap(buffer_, &info_);
  }
  MappedBuffer(const MappedBuffer&) = delete;
  MappedBuffer& operator=(const MappedBuffer&) = delete;

  bool ok() const { return ok_; }
  const std::uint8_t* data() const { return info_.data; }
  std::size_t size() const { return ok_ ? info_.size : 0; }

 private:
  GstBuffer* buffer_;
  GstMapInfo info_{};
  bool ok_ = false;
};

}  // namespace rtsp2::rtp
