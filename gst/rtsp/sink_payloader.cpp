#include "sink_payloader.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace rtsp2::sink {

namespace {

// Among payloaders of equal rank, the ones RTSP servers accept most widely: AAC as mpeg4-generic (RFC 3640)
// rather than MP4A-LATM.
constexpr std::array<std::string_view, 1> kPreferred = {"rtpmp4gpay"};

bool is_ours(GstElementFactory* f) {
  const gchar* plugin = gst_plugin_feature_get_plugin_name(GST_PLUGIN_FEATURE(f));
  return plugin != nullptr && g_str_equal(plugin, "rtp2");
}

bool is_payloader(GstElementFactory* f) {
  return gst_element_factory_list_is_type(f, GST_ELEMENT_FACTORY_TYPE_PAYLOADER);
}

int preference(GstElementFactory* f) {
  const std::string_view name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f));
  return std::find(kPreferred.begin(), kPreferred.end(), name) != kPreferred.end() ? 1 : 0;
}

// Candidates in the order they are tried; the list owns its references.
class Candidates {
 public:
  Candidates() {
    GList* all = gst_element_factory_list_get_elements(GST_ELEMENT_FACTORY_TYPE_PAYLOADER, GST_RANK_NONE);
    for (GList* l = all; l != nullptr; l = l->next) {
      auto* f = GST_ELEMENT_FACTORY(l->data);
      const std::string_view name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f));
      // rtpgstpay takes anything and only GStreamer peers understand it; rank none means "not for
      // autoplugging".
      if (name == "rtpgstpay") continue;
      if (!is_ours(f) && gst_plugin_feature_get_rank(GST_PLUGIN_FEATURE(f)) < GST_RANK_MARGINAL) continue;
      list_.push_back(GstObjectPtr<GstElementFactory>(GST_ELEMENT_FACTORY(gst_object_ref(f))));
    }
    gst_plugin_feature_list_free(all);
    std::stable_sort(list_.begin(), list_.end(), [](const auto& a, const auto& b) {
      const bool oa = is_ours(a.get()), ob = is_ours(b.get());
      if (oa != ob) return oa;
      const guint ra = gst_plugin_feature_get_rank(GST_PLUGIN_FEATURE(a.get()));
      const guint rb = gst_plugin_feature_get_rank(GST_PLUGIN_FEATURE(b.get()));
      if (ra != rb) return ra > rb;
      const int pa = preference(a.get()), pb = preference(b.get());
      if (pa != pb) return pa > pb;
      return g_strcmp0(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(a.get())),
                       gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(b.get()))) < 0;
    });
  }
  const std::vector<GstObjectPtr<GstElementFactory>>& list() const { return list_; }

 private:
  std::vector<GstObjectPtr<GstElementFactory>> list_;
};

void append_sink_caps(GstElementFactory* f, GstCaps* into) {
  for (const GList* t = gst_element_factory_get_static_pad_templates(f); t != nullptr; t = t->next) {
    auto* tmpl = static_cast<GstStaticPadTemplate*>(t->data);
    if (tmpl->direction != GST_PAD_SINK) continue;
    GstCaps* c = gst_static_caps_get(&tmpl->static_caps);
    gst_caps_append(into, c);  // takes c
  }
}

}  // namespace

bool is_rtp_caps(const GstCaps* caps) {
  return caps != nullptr && gst_caps_get_size(caps) >= 1 &&
         gst_structure_has_name(gst_caps_get_structure(caps, 0), "application/x-rtp");
}

GstObjectPtr<GstElementFactory> choose_payloader(const GstCaps* caps, std::string_view requested,
                                                 std::string* error) {
  if (!requested.empty()) {
    GstObjectPtr<GstElementFactory> f(gst_element_factory_find(std::string(requested).c_str()));
    if (!f) {
      *error = "no element called \"" + std::string(requested) + "\" (payloader property)";
      return {};
    }
    if (!is_payloader(f.get())) {
      *error = "\"" + std::string(requested) + "\" is not an RTP payloader";
      return {};
    }
    if (!gst_element_factory_can_sink_any_caps(f.get(), caps)) {
      CharPtr c(gst_caps_to_string(caps));
      *error = "payloader \"" + std::string(requested) + "\" does not accept " + c.get();
      return {};
    }
    return f;
  }
  Candidates candidates;
  for (const auto& f : candidates.list()) {
    if (gst_element_factory_can_sink_any_caps(f.get(), caps)) {
      return GstObjectPtr<GstElementFactory>(GST_ELEMENT_FACTORY(gst_object_ref(f.get())));
    }
  }
  CharPtr c(gst_caps_to_string(caps));
  *error = std::string("no RTP payloader accepts ") + c.get();
  return {};
}

CapsPtr payloadable_caps(std::string_view requested) {
  CapsPtr caps(gst_caps_from_string("application/x-rtp"));
  if (!requested.empty()) {
    GstObjectPtr<GstElementFactory> f(gst_element_factory_find(std::string(requested).c_str()));
    if (f && is_payloader(f.get())) append_sink_caps(f.get(), caps.get());
    return caps;
  }
  Candidates candidates;
  for (const auto& f : candidates.list()) append_sink_caps(f.get(), caps.get());
  return CapsPtr(gst_caps_simplify(caps.release()));
}

void configure_payloader(GstElement* payloader, unsigned stream_index, unsigned mtu) {
  GObjectClass* klass = G_OBJECT_GET_CLASS(payloader);
  if (GParamSpec* m = g_object_class_find_property(klass, "mtu");
      mtu > 0 && m != nullptr && G_IS_PARAM_SPEC_UINT(m)) {
    g_object_set(payloader, "mtu",
                 std::clamp(mtu, G_PARAM_SPEC_UINT(m)->minimum, G_PARAM_SPEC_UINT(m)->maximum), nullptr);
  }
  if (GParamSpec* pt = g_object_class_find_property(klass, "pt"); pt != nullptr && G_IS_PARAM_SPEC_UINT(pt)) {
    guint current = 0;
    g_object_get(payloader, "pt", &current, nullptr);
    // Static payload types (PCMU 0, PCMA 8, JPEG 26) stay; dynamic ones get one per stream.
    if (current >= 96) g_object_set(payloader, "pt", guint(std::min(96u + stream_index, 127u)), nullptr);
  }
  if (GParamSpec* ci = g_object_class_find_property(klass, "config-interval");
      ci != nullptr && G_IS_PARAM_SPEC_INT(ci) && G_PARAM_SPEC_INT(ci)->minimum <= -1) {
    g_object_set(payloader, "config-interval", -1, nullptr);
  }
}

}  // namespace rtsp2::sink
