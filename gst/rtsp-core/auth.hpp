// HTTP authentication as RTSP uses it: Basic (RFC 7617) and Digest (RFC 7616: MD5, MD5-sess, SHA-256,
// SHA-256-sess, qop=auth with nc/cnonce, opaque, stale=true, userhash not supported).
//
//   C: DESCRIBE rtsp://h/s                       S: 401, WWW-Authenticate: Digest realm=..., nonce=...,
//   qop="auth" C: DESCRIBE + Authorization: Digest ...      S: 200
//
// A 401 may carry several WWW-Authenticate headers, and one header may hold several challenges separated by
// commas; choose_challenge() picks the strongest one this library can answer (Digest SHA-256 > Digest MD5 >
// Basic). Nothing here logs; callers must never log Credentials or the Authorization value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rtsp2::core {

enum class AuthScheme { Basic, Digest, Unknown };
enum class DigestAlgorithm { Md5, Md5Sess, Sha256, Sha256Sess, Unknown };

struct Challenge {
  AuthScheme scheme = AuthScheme::Unknown;
  std::string scheme_name;  // as written
  std::string realm;
  std::string nonce;
  std::string opaque;
  bool has_opaque = false;
  DigestAlgorithm algorithm = DigestAlgorithm::Md5;  // absent means MD5
  bool has_algorithm = false;                        // the challenge named one (echoed in the answer)
  std::vector<std::string> qop;                      // tokens offered: "auth", "auth-int"
  bool stale = false;
  std::string charset;
};

struct Credentials {
  std::string user;
  std::string password;
};

// All challenges in one WWW-Authenticate header value (RFC 7235 §4.1 list syntax, quoted strings with
// escapes, token68 for Basic-like schemes). Malformed parts are skipped; an empty vector means nothing
// usable.
std::vector<Challenge> parse_challenges(std::string_view header_value);

// The strongest challenge we can answer among all headers of one response, or nullopt.
std::optional<Challenge> choose_challenge(const std::vector<std::string_view>& www_authenticate_values);

// Keeps the state for answering one challenge: the nonce count grows with each request under the same nonce.
class Authenticator {
 public:
  Authenticator(Challenge challenge, Credentials credentials);

  // Value for the Authorization header of a request with this method and URI. For Digest with qop=auth a new
  // cnonce is drawn from `cnonce` when given (tests pass a fixed one), else from a random source.
  // Digest without qop answers in the RFC 2069 form (no nc/cnonce). Control characters in the user name and
  // echoed values are dropped so the header can never be split. Empty for AuthScheme::Unknown.
  std::string authorization(std::string_view method, std::string_view uri,
                            std::optional<std::string_view> cnonce = std::nullopt);

  const Challenge& challenge() const { return challenge_; }

 private:
  Challenge challenge_;
  Credentials credentials_;
  std::uint32_t nonce_count_ = 0;
};

// Lower-case hex digest helpers (exposed for tests).
std::string md5_hex(std::string_view data);
std::string sha256_hex(std::string_view data);
std::string base64_encode(std::string_view data);

}  // namespace rtsp2::core
