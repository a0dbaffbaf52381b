// Small owning wrappers for GLib / GObject / GStreamer references.
//
// Every wrapper holds one reference (or one allocation) and releases it on destruction. Construction from a
// raw pointer ADOPTS it (for functions returning "transfer full"); use the ref_*() helpers to take a new
// reference on a borrowed pointer ("transfer none").
#pragma once

#include <memory>
#include <utility>

#include <gio/gio.h>
#include <glib-object.h>
#include <glib.h>
#include <gst/gst.h>
#include <gst/sdp/gstsdpmessage.h>

namespace rtsp2 {

template <auto Release>
struct ReleaseWith {
  template <typename T>
  void operator()(T* p) const {
    if (p != nullptr) Release(p);
  }
};

namespace detail {
inline void unref_caps(GstCaps* c) {
  gst_caps_unref(c);
}
inline void unref_buffer(GstBuffer* b) {
  gst_buffer_unref(b);
}
inline void unref_buffer_list(GstBufferList* l) {
  gst_buffer_list_unref(l);
}
inline void unref_event(GstEvent* e) {
  gst_event_unref(e);
}
inline void unref_message(GstMessage* m) {
  gst_message_unref(m);
}
inline void unref_query(GstQuery* q) {
  gst_query_unref(q);
}
inline void unref_promise(GstPromise* p) {
  gst_promise_unref(p);
}
inline void free_sdp(GstSDPMessage* m) {
  gst_sdp_message_free(m);
}
}  // namespace detail

// Any GObject (GSocket, GTlsDatabase, GCancellable...): g_object_unref.
template <typename T>
using GObjectPtr = std::unique_ptr<T, ReleaseWith<g_object_unref>>;
// Any GstObject (elements, pads, bins, clocks, buses): gst_object_unref.
template <typename T>
using GstObjectPtr = std::unique_ptr<T, ReleaseWith<gst_object_unref>>;

using CapsPtr = std::unique_ptr<GstCaps, ReleaseWith<detail::unref_caps>>;
using BufferPtr = std::unique_ptr<GstBuffer, ReleaseWith<detail::unref_buffer>>;
using BufferListPtr = std::unique_ptr<GstBufferList, ReleaseWith<detail::unref_buffer_list>>;
using EventPtr = std::unique_ptr<GstEvent, ReleaseWith<detail::unref_event>>;
using MessagePtr = std::unique_ptr<GstMessage, ReleaseWith<detail::unref_message>>;
using QueryPtr = std::unique_ptr<GstQuery, ReleaseWith<detail::unref_query>>;
using PromisePtr = std::unique_ptr<GstPromise, ReleaseWith<detail::unref_promise>>;
using StructurePtr = std::unique_ptr<GstStructure, ReleaseWith<gst_structure_free>>;
using SdpMessagePtr = std::unique_ptr<GstSDPMessage, ReleaseWith<detail::free_sdp>>;
using ErrorPtr = std::unique_ptr<GError, ReleaseWith<g_error_free>>;
using CharPtr = std::unique_ptr<gchar, ReleaseWith<g_free>>;
using MainContextPtr = std::unique_ptr<GMainContext, ReleaseWith<g_main_context_unref>>;
using MainLoopPtr = std::unique_ptr<GMainLoop, ReleaseWith<g_main_loop_unref>>;
using SourcePtr = std::unique_ptr<GSource, ReleaseWith<g_source_unref>>;

template <typename T>
GObjectPtr<T> ref_object(T* p) {
  return GObjectPtr<T>(p != nullptr ? static_cast<T*>(g_object_ref(p)) : nullptr);
}
template <typename T>
GstObjectPtr<T> ref_gst_object(T* p) {
  return GstObjectPtr<T>(p != nullptr ? static_cast<T*>(gst_object_ref(p)) : nullptr);
}
inline CapsPtr ref_caps(GstCaps* c) {
  return CapsPtr(c != nullptr ? gst_caps_ref(c) : nullptr);
}
inline BufferPtr ref_buffer(GstBuffer* b) {
  return BufferPtr(b != nullptr ? gst_buffer_ref(b) : nullptr);
}
inline PromisePtr ref_promise(GstPromise* p) {
  return PromisePtr(p != nullptr ? gst_promise_ref(p) : nullptr);
}

// A GSource attached to a context: destroyed (detached) and unreferenced together. g_source_unref alone would
// leave the source running on its context.
struct AttachedSourceRelease {
  void operator()(GSource* s) const {
    if (s != nullptr) {
      g_source_destroy(s);
      g_source_unref(s);
    }
  }
};
using AttachedSourcePtr = std::unique_ptr<GSource, AttachedSourceRelease>;

// For out-parameters: `GError* raw = nullptr; f(&raw); ErrorPtr err(raw);` is spelled `ErrorOut e;
// f(e.out());`.
class ErrorOut {
 public:
  GError** out() { return &raw_; }
  ~ErrorOut() {
    if (raw_ != nullptr) g_error_free(raw_);
  }
  ErrorOut() = default;
  ErrorOut(const ErrorOut&) = delete;
  ErrorOut& operator=(const ErrorOut&) = delete;
  GError* get() const { return raw_; }
  explicit operator bool() const { return raw_ != nullptr; }
  const char* message() const { return raw_ != nullptr ? raw_->message : ""; }
  ErrorPtr take() { return ErrorPtr(std::exchange(raw_, nullptr)); }

 private:
  GError* raw_ = nullptr;
};

}  // namespace rtsp2
