// WWW-Authenticate values (one per input line) through parse_challenges, choose_challenge and an answer to
// every challenge found: nothing may crash, and no Authorization value may contain a line break.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth.hpp"

using namespace rtsp2::core;

namespace {

void check_answer(const std::string& value) {
  if (value.find_first_of("\r\n", 0) != std::string::npos || value.find('\0') != std::string::npos) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> headers;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    headers.push_back(input.substr(start, nl - start));
    start = nl + 1;
  }

  // Credentials taken from the input too, so that odd user names reach the quoting code.
  Credentials credentials{headers.size() > 1 ? std::string(headers.back()) : "user", "pass\r\nword"};
  for (auto header : headers) {
    for (auto& challenge : parse_challenges(header)) {
      Authenticator a(challenge, credentials);
      check_answer(a.authorization("DESCRIBE", "rtsp://127.0.0.1/s", std::string_view("0a4f113b")));
      check_answer(a.authorization("PLAY", header));
    }
  }
  if (auto chosen = choose_challenge(headers)) {
    if (chosen->scheme == AuthScheme::Unknown) __builtin_trap();
    Authenticator a(*chosen, credentials);
    std::string value = a.authorization("SETUP", "rtsp://127.0.0.1/s/track1");
    check_answer(value);
    if (value.empty()) __builtin_trap();
  }
  return 0;
}
