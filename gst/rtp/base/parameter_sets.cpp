#include "parameter_sets.hpp"

#include <algorithm>

namespace rtsp2::rtp {

bool store_parameter_set(ParameterSetTable& table, std::uint32_t id, Bytes nal) {
  std::vector<std::uint8_t>& slot = table[id];
  if (slot.size() == nal.size() && std::equal(slot.begin(), slot.end(), nal.begin())) return false;
  slot.assign(nal.begin(), nal.end());
  return true;
}

void append_parameter_sets(std::vector<Bytes>& out, const ParameterSetTable& table) {
  for (const auto& [id, nal] : table) out.emplace_back(nal);
}

std::string format_sprop_list(std::span<const Bytes> nals) {
  std::string out;
  for (const Bytes nal : nals) {
    gchar* b64 = g_base64_encode(nal.data(), nal.size());
    if (!out.empty()) out += ',';
    out += b64;
    g_free(b64);
  }
  return out;
}

void append_sized_nal(std::vector<std::uint8_t>& out, Bytes nal) {
  out.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(nal.size() & 0xff));
  out.insert(out.end(), nal.begin(), nal.end());
}

}  // namespace rtsp2::rtp
