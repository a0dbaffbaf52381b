#include "pay_element.hpp"

#include <cstring>

#include "element_type.hpp"
#include "gst_ptr.hpp"

namespace rtsp2::rtp {
namespace {
struct PayPrivate;
}
}  // namespace rtsp2::rtp

struct GstRtp2Pay {
  GstRTPBasePayload parent;
  rtsp2::rtp::PayPrivate* priv;
};

struct GstRtp2PayClass {
  GstRTPBasePayloadClass parent_class;
  const rtsp2::rtp::PayDescriptor* descriptor;
};

G_DEFINE_ABSTRACT_TYPE(GstRtp2Pay, gst_rtp2_pay, GST_TYPE_RTP_BASE_PAYLOAD)

namespace rtsp2::rtp {
namespace {

constexpr guint kPropFormatFirst = 100;
constexpr std::size_t kRtpHeaderSize = 12;

// Collects the packets of one timestamp into a buffer list and pushes it.
class Collector final : public PayOutput {
 public:
  explicit Collector(GstRTPBasePayload* payload) : payload_(payload) {}

  void add_packet(std::initializer_list<Bytes> pieces, bool marker) override {
    add_packet(std::span<const Bytes>(pieces.begin(), pieces.size()), marker);
  }

  void add_packet(std::span<const Bytes> pieces, bool marker) override {
    std::size_t size = kRtpHeaderSize;
    for (const Bytes& p : pieces) size += p.size();
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
      gst_buffer_unref(buffer);
      return;
    }
    // Version 2, no padding/extension/CSRC; the base class writes pt, seq, timestamp and ssrc.
    std::memset(map.data, 0, kRtpHeaderSize);
    map.data[0] = 0x80;
    map.data[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | (GST_RTP_BASE_PAYLOAD_PT(payload_) & 0x7f));
    std::uint8_t* w = map.data + kRtpHeaderSize;
    for (const Bytes& p : pieces) {
      if (!p.empty()) std::memcpy(w, p.data(), p.size());
      w += p.size();
    }
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = pts_;
    GST_BUFFER_DTS(buffer) = dts_;
    if (!list_) list_ = gst_buffer_list_new_sized(8);
    gst_buffer_list_add(list_, buffer);
  }

  void set_timestamps(GstClockTime pts, GstClockTime dts) override {
    if (pts != pts_ || dts != dts_) flush();
    pts_ = pts;
    dts_ = dts;
  }

  std::size_t max_payload() const override {
    const guint mtu = GST_RTP_BASE_PAYLOAD_MTU(payload_);
    return mtu > kRtpHeaderSize + 16 ? mtu - kRtpHeaderSize : 16;
  }

  gint64 max_ptime() const override { return payload_->max_ptime; }
  guint64 ptime() const override { return payload_->ptime; }

  bool update_caps(const GstStructure* fields) override {
    flush();  // packets already made belong to the old caps
    GstStructure* copy = gst_structure_copy(fields);
    bool ok = gst_rtp_base_payload_set_outcaps_structure(payload_, copy);
    gst_structure_free(copy);
    return ok;
  }

  // Pushes what was collected; returns the first non-OK flow seen so far.
  GstFlowReturn flush() {
    if (list_) {
      GstBufferList* list = list_;
      list_ = nullptr;
      GstFlowReturn ret;
      if (gst_buffer_list_length(list) == 1) {
        // A list of one costs more than the buffer alone (list allocation, foreach walks).
        GstBuffer* only = gst_buffer_ref(gst_buffer_list_get(list, 0));
        gst_buffer_list_unref(list);  // before pushing: the base class writes into a buffer it owns alone
        ret = gst_rtp_base_payload_push(payload_, only);
      } else {
        ret = gst_rtp_base_payload_push_list(payload_, list);
      }
      if (flow_ == GST_FLOW_OK) flow_ = ret;
    }
    return flow_;
  }

  ~Collector() {
    if (list_) gst_buffer_list_unref(list_);
  }

 private:
  GstRTPBasePayload* payload_;
  GstBufferList* list_ = nullptr;
  GstClockTime pts_ = GST_CLOCK_TIME_NONE;
  GstClockTime dts_ = GST_CLOCK_TIME_NONE;
  GstFlowReturn flow_ = GST_FLOW_OK;
};

struct PayPrivate {
  std::unique_ptr<PayFormat> format;
};

PayPrivate* priv_of(gpointer object) {
  return reinterpret_cast<GstRtp2Pay*>(object)->priv;
}

GstDebugCategory* category_of(gpointer self) {
  return reinterpret_cast<GstRtp2PayClass*>(G_OBJECT_GET_CLASS(self))->descriptor->category;
}

gboolean pay_set_caps(GstRTPBasePayload* payload, GstCaps* caps) {
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  PayCaps out;
  std::string error;
  if (!priv_of(payload)->format->configure(s, out, error)) {
    GST_ELEMENT_ERROR(payload, STREAM, FORMAT, ("Cannot payload this stream: %s", error.c_str()),
                      ("caps %" GST_PTR_FORMAT, static_cast<void*>(caps)));
    if (out.fields) gst_structure_free(out.fields);
    return FALSE;
  }
  const bool dynamic = GST_RTP_BASE_PAYLOAD_PT(payload) >= 96;
  gst_rtp_base_payload_set_options(payload, out.media, dynamic, out.encoding_name, out.clock_rate);
  gboolean ok = gst_rtp_base_payload_set_outcaps_structure(payload, out.fields);
  if (out.fields) gst_structure_free(out.fields);
  return ok;
}

GstFlowReturn pay_handle_buffer(GstRTPBasePayload* payload, GstBuffer* buffer) {
  BufferPtr input(buffer);
  Collector out(payload);
  out.set_timestamps(GST_BUFFER_PTS(buffer), GST_BUFFER_DTS(buffer));
  if (!priv_of(payload)->format->handle(buffer, out)) {
    GST_CAT_WARNING_OBJECT(category_of(payload), payload,
                           "dropping malformed input buffer of %" G_GSIZE_FORMAT " bytes",
                           gst_buffer_get_size(buffer));
  }
  return out.flush();
}

gboolean pay_sink_event(GstRTPBasePayload* payload, GstEvent* event) {
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_EOS: {
      Collector out(payload);
      priv_of(payload)->format->drain(out);
      out.flush();
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      priv_of(payload)->format->reset();
      break;
    default:
      break;
  }
  return GST_RTP_BASE_PAYLOAD_CLASS(gst_rtp2_pay_parent_class)->sink_event(payload, event);
}

GstStateChangeReturn pay_change_state(GstElement* element, GstStateChange transition) {
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) priv_of(element)->format->reset();
  return GST_ELEMENT_CLASS(gst_rtp2_pay_parent_class)->change_state(element, transition);
}

void pay_set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  set_format_property(object, *priv_of(object)->format, kPropFormatFirst, id, value, pspec);
}

void pay_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  get_format_property(object, *priv_of(object)->format, kPropFormatFirst, id, value, pspec);
}

void pay_finalize(GObject* object) {
  auto* self = reinterpret_cast<GstRtp2Pay*>(object);
  delete self->priv;
  self->priv = nullptr;
  G_OBJECT_CLASS(gst_rtp2_pay_parent_class)->finalize(object);
}

void subclass_class_init(gpointer klass, gpointer class_data) {
  auto* descriptor = static_cast<const PayDescriptor*>(class_data);
  reinterpret_cast<GstRtp2PayClass*>(klass)->descriptor = descriptor;
  set_element_class(GST_ELEMENT_CLASS(klass), descriptor->long_name, "Codec/Payloader/Network/RTP",
                    descriptor->description, descriptor->sink_caps, descriptor->src_caps);
  // GObject does not inherit set_property/get_property: each class that installs properties sets them.
  G_OBJECT_CLASS(klass)->set_property = pay_set_property;
  G_OBJECT_CLASS(klass)->get_property = pay_get_property;
  if (descriptor->install_properties) descriptor->install_properties(G_OBJECT_CLASS(klass), kPropFormatFirst);
}

void subclass_instance_init(GTypeInstance* instance, gpointer klass) {
  auto* self = reinterpret_cast<GstRtp2Pay*>(instance);
  const PayDescriptor* descriptor = reinterpret_cast<GstRtp2PayClass*>(klass)->descriptor;
  PayContext context{GST_ELEMENT(self), descriptor->category};
  self->priv = new PayPrivate{descriptor->create(context)};
  if (descriptor->default_pt >= 0) GST_RTP_BASE_PAYLOAD_PT(self) = static_cast<guint>(descriptor->default_pt);
}

}  // namespace

bool register_payloader(GstPlugin* plugin, PayDescriptor& descriptor) {
  const ElementTypeInfo info{gst_rtp2_pay_get_type(), descriptor.type_name, descriptor.element_name,
                             sizeof(GstRtp2PayClass), sizeof(GstRtp2Pay),   subclass_class_init,
                             subclass_instance_init,  &descriptor};
  return register_element_type(plugin, info, descriptor.long_name, descriptor.category);
}

}  // namespace rtsp2::rtp

static void gst_rtp2_pay_class_init(GstRtp2PayClass* klass) {
  using namespace rtsp2::rtp;
  GObjectClass* object_class = G_OBJECT_CLASS(klass);
  object_class->set_property = pay_set_property;
  object_class->get_property = pay_get_property;
  object_class->finalize = pay_finalize;
  GST_ELEMENT_CLASS(klass)->change_state = pay_change_state;
  GstRTPBasePayloadClass* pay_class = GST_RTP_BASE_PAYLOAD_CLASS(klass);
  pay_class->set_caps = pay_set_caps;
  pay_class->handle_buffer = pay_handle_buffer;
  pay_class->sink_event = pay_sink_event;
}

static void gst_rtp2_pay_init(GstRtp2Pay* self) {
  self->priv = nullptr;
}
