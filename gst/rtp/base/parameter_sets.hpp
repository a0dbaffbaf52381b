// What the H.264 and H.265 parameter-set code shares: tables of parameter-set NALs by id, their sprop
// text form (comma-separated base64: RFC 6184 8.1 sprop-parameter-sets, RFC 7798 7.1 sprop-vps/sps/pps)
// and the NAL lists of avcC / hvcC (each NAL after a 2-byte big-endian size).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <glib.h>

namespace rtsp2::rtp {

using Bytes = std::span<const std::uint8_t>;
using ParameterSetTable = std::map<std::uint32_t, std::vector<std::uint8_t>>;

// Stores `nal` as the set with `id`; true when it is new or differs from the one stored.
bool store_parameter_set(ParameterSetTable& table, std::uint32_t id, Bytes nal);
// Appends views of the table's NALs in id order.
void append_parameter_sets(std::vector<Bytes>& out, const ParameterSetTable& table);

// "a,b,c" from the base64 of each NAL.
std::string format_sprop_list(std::span<const Bytes> nals);
// Calls f(Bytes nal) for every item of a sprop list that decodes to something; returns how many did.
template <typename F>
std::size_t for_each_sprop_nal(std::string_view text, F&& f) {
  std::size_t count = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    std::string item(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    gsize len = 0;
    guchar* raw = g_base64_decode(item.c_str(), &len);
    if (raw && len > 0) {
      f(Bytes(raw, len));
      ++count;
    }
    g_free(raw);
  }
  return count;
}

// Appends the 2-byte size and the NAL.
void append_sized_nal(std::vector<std::uint8_t>& out, Bytes nal);
// Calls f(Bytes nal) for `count` sized NALs from data[at] on, moving `at` past them; false when one
// overruns the data.
template <typename F>
bool read_sized_nals(Bytes data, std::size_t& at, std::size_t count, F&& f) {
  for (std::size_t k = 0; k < count; ++k) {
    if (data.size() - at < 2) return false;
    const std::size_t len = (std::size_t{data[at]} << 8) | data[at + 1];
    at += 2;
    if (len > data.size() - at) return false;
    f(data.subspan(at, len));
    at += len;
  }
  return true;
}

}  // namespace rtsp2::rtp
