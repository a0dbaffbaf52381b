// RTP-Info parsing and matching: whatever the header holds, no crash, and
//  - what parse_rtp_info() returns, written back (URLs quoted, seq/rtptime when present), parses to the same
//    entries: nothing it reports depends on how the server spelled it;
//  - there are never more entries than "url=" in the header;
//  - find_rtp_info() answers with one of the entries or nullptr, finds each entry by its own URL, and falls
//    back to the position whenever the counts match.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "rtp_info.hpp"
#include "text.hpp"

using namespace rtsp2::core;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool same(const std::vector<RtpInfoEntry>& a, const std::vector<RtpInfoEntry>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].url != b[i].url || a[i].seq != b[i].seq || a[i].rtptime != b[i].rtptime) return false;
  }
  return true;
}

std::size_t count_url_keys(std::string_view h) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 4 <= h.size(); ++i) {
    std::string_view k = h.substr(i, 4);
    if (text::to_lower(k[0]) == 'u' && text::to_lower(k[1]) == 'r' && text::to_lower(k[2]) == 'l' &&
        k[3] == '=')
      n++;
  }
  return n;
}

std::string write(const std::vector<RtpInfoEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += ", ";
    out += "url=\"" + e.url + "\"";
    if (e.seq) out += ";seq=" + std::to_string(*e.seq);
    if (e.rtptime) out += ";rtptime=" + std::to_string(*e.rtptime);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const auto entries = parse_rtp_info(header);
  check(entries.size() <= count_url_keys(header));

  bool quotable = true;
  for (const auto& e : entries) {
    check(text::trim(e.url) == e.url);
    quotable = quotable && e.url.find('"') == std::string::npos;
  }
  if (quotable) check(same(parse_rtp_info(write(entries)), entries));

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const RtpInfoEntry* e = find_rtp_info(entries, entries[i].url, i, entries.size());
    check(e != nullptr && e->url == entries[i].url);
  }
  // A control URL from the input's tail, at every position and stream count around the entry count.
  const std::string_view control = header.substr(header.size() / 2);
  for (std::size_t count = entries.size() ? entries.size() - 1 : 0; count <= entries.size() + 1; ++count) {
    for (std::size_t index = 0; index <= count; ++index) {
      const RtpInfoEntry* e = find_rtp_info(entries, control, index, count);
      check(e == nullptr || (e >= entries.data() && e < entries.data() + entries.size()));
      if (count == entries.size() && index < count) check(e != nullptr);
    }
  }
  return 0;
}
