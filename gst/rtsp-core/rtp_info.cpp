#include "rtp_info.hpp"

#include <charconv>

#include "text.hpp"

namespace rtsp2::core {

namespace {

using text::trim;

// `prefix` is lower case.
bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (text::to_lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  s = trim(s);
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// Splits at commas that start a new entry (followed by optional blanks and "url=").
std::vector<std::string_view> split_entries(std::string_view h) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i] == '"') quoted = !quoted;
    if (h[i] != ',' || quoted) continue;
    if (starts_with_ci(trim(h.substr(i + 1)), "url=")) {
      out.push_back(h.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(h.substr(start));
  return out;
}

}  // namespace

std::vector<RtpInfoEntry> parse_rtp_info(std::string_view header) {
  std::vector<RtpInfoEntry> entries;
  for (std::string_view raw : split_entries(header)) {
    std::string_view e = trim(raw);
    if (!starts_with_ci(e, "url=")) continue;
    e.remove_prefix(4);
    RtpInfoEntry entry;
    std::string_view url;
    std::string_view params;
    if (!e.empty() && e.front() == '"') {
      auto close = e.find('"', 1);
      if (close == std::string_view::npos) continue;
      url = e.substr(1, close - 1);
      params = e.substr(close + 1);
    } else {
      // The URL runs up to the first ";seq=" or ";rtptime=" parameter; any other ';' belongs to it.
      std::size_t cut = e.size();
      for (std::size_t p = e.find(';'); p != std::string_view::npos; p = e.find(';', p + 1)) {
        std::string_view rest = trim(e.substr(p + 1));
        if (starts_with_ci(rest, "seq=") || starts_with_ci(rest, "rtptime=")) {
          cut = p;
          break;
        }
      }
      url = e.substr(0, cut);
      params = e.substr(cut);
    }
    entry.url = std::string(trim(url));
    while (!params.empty()) {
      auto semi = params.find(';');
      std::string_view param = trim(params.substr(0, semi));
      if (starts_with_ci(param, "seq=")) {
        entry.seq = parse_number<std::uint16_t>(param.substr(4));
      } else if (starts_with_ci(param, "rtptime=")) {
        entry.rtptime = parse_number<std::uint32_t>(param.substr(8));
      }
      if (semi == std::string_view::npos) break;
      params.remove_prefix(semi + 1);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

const RtpInfoEntry* find_rtp_info(const std::vector<RtpInfoEntry>& entries, std::string_view control_url,
                                  std::size_t index, std::size_t stream_count) {
  for (const auto& e : entries) {
    if (e.url == control_url) return &e;
  }
  auto ends_with = [](std::string_view s, std::string_view suffix) {
    return !suffix.empty() && s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
  };
  for (const auto& e : entries) {
    if (ends_with(control_url, e.url) || ends_with(e.url, control_url)) return &e;
  }
  if (entries.size() == stream_count && index < entries.size()) return &entries[index];
  return nullptr;
}

}  // namespace rtsp2::core
