#include "auth.hpp"
#include "text.hpp"

#include <glib.h>
#include <sys/random.h>

#include <array>
#include <cstddef>
#include <memory>

namespace rtsp2::core {

namespace {

struct GFree {
  void operator()(void* p) const { g_free(p); }
};
using GCharPtr = std::unique_ptr<gchar, GFree>;

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
  if (g_ascii_isalnum(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// RFC 7235 §2.1 token68 characters (without the trailing '=' padding).
bool is_token68_char(char c) {
  return g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = g_ascii_tolower(c);
  return out;
}

// A cursor over one header value. Every helper either consumes input or reports that it did not, so the
// parse loops below always make progress.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return s_[pos_]; }
  std::size_t pos() const { return pos_; }
  void seek(std::size_t p) { pos_ = p; }

  void skip_ows() {
    while (!done() && is_ows(peek())) ++pos_;
  }
  // Empty list elements are allowed (RFC 9110 §5.6.1): ", , Basic".
  void skip_ows_and_commas() {
    while (!done() && (is_ows(peek()) || peek() == ',')) ++pos_;
  }
  std::string_view token() {
    std::size_t start = pos_;
    while (!done() && is_tchar(peek())) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // quoted-string with quoted-pairs; nullopt (and the rest consumed) when unterminated.
  std::optional<std::string> quoted() {
    std::string out;
    ++pos_;  // opening quote
    while (!done()) {
      char c = s_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) break;
        c = s_[pos_++];
      }
      out.push_back(c);
    }
    return std::nullopt;
  }
  // Resynchronises after a malformed part: moves to the next list separator outside a quoted string.
  void skip_to_comma() {
    while (!done() && peek() != ',') {
      if (peek() == '"') {
        (void)quoted();
      } else {
        ++pos_;
      }
    }
  }
  // token68 followed by the end of the challenge; consumes it when present.
  bool take_token68() {
    std::size_t p = pos_;
    std::size_t start = p;
    while (p < s_.size() && is_token68_char(s_[p])) ++p;
    if (p == start) return false;
    while (p < s_.size() && s_[p] == '=') ++p;
    while (p < s_.size() && is_ows(s_[p])) ++p;
    if (p < s_.size() && s_[p] != ',') return false;  // "name=value": an auth-param, not a token68
    pos_ = p;
    return true;
  }
  // A scheme: a token followed by whitespace, ',' or the end.
  bool challenge_follows() const {
    std::size_t p = pos_;
    while (p < s_.size() && is_tchar(s_[p])) ++p;
    return p > pos_ && (p == s_.size() || s_[p] == ',' || is_ows(s_[p]));
  }
  // After a ',' inside a challenge: does an auth-param ("token BWS =") follow, or the next challenge?
  bool param_follows() const {
    std::size_t p = pos_;
    std::size_t start = p;
    while (p < s_.size() && is_tchar(s_[p])) ++p;
    if (p == start) return false;
    while (p < s_.size() && is_ows(s_[p])) ++p;
    return p < s_.size() && s_[p] == '=';
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

DigestAlgorithm parse_algorithm(std::string_view v) {
  if (iequals(v, "MD5")) return DigestAlgorithm::Md5;
  if (iequals(v, "MD5-sess")) return DigestAlgorithm::Md5Sess;
  if (iequals(v, "SHA-256")) return DigestAlgorithm::Sha256;
  if (iequals(v, "SHA-256-sess")) return DigestAlgorithm::Sha256Sess;
  return DigestAlgorithm::Unknown;
}

std::string_view algorithm_name(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::Md5:
      return "MD5";
    case DigestAlgorithm::Md5Sess:
      return "MD5-sess";
    case DigestAlgorithm::Sha256:
      return "SHA-256";
    case DigestAlgorithm::Sha256Sess:
      return "SHA-256-sess";
    case DigestAlgorithm::Unknown:
      break;
  }
  return "";
}

std::vector<std::string> split_qop(std::string_view v) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i <= v.size()) {
    std::size_t comma = v.find(',', i);
    if (comma == std::string_view::npos) comma = v.size();
    std::string_view item = v.substr(i, comma - i);
    while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
    if (!item.empty()) out.push_back(to_lower(item));
    i = comma + 1;
  }
  return out;
}

// Tracks which parameters were seen so that a repeated one does not override the first (RFC 7235 §2.1 says
// each parameter name must occur once per challenge).
struct SeenParams {
  bool realm = false, nonce = false, opaque = false, algorithm = false, qop = false, stale = false,
       charset = false;
};

void apply_param(Challenge& ch, SeenParams& seen, std::string_view name, std::string value) {
  auto first = [](bool& flag) {
    bool was = flag;
    flag = true;
    return !was;
  };
  if (iequals(name, "realm")) {
    if (first(seen.realm)) ch.realm = std::move(value);
  } else if (iequals(name, "nonce")) {
    if (first(seen.nonce)) ch.nonce = std::move(value);
  } else if (iequals(name, "opaque")) {
    if (first(seen.opaque)) {
      ch.opaque = std::move(value);
      ch.has_opaque = true;
    }
  } else if (iequals(name, "algorithm")) {
    if (first(seen.algorithm)) {
      ch.algorithm = parse_algorithm(value);
      ch.has_algorithm = true;
    }
  } else if (iequals(name, "qop")) {
    if (first(seen.qop)) ch.qop = split_qop(value);
  } else if (iequals(name, "stale")) {
    if (first(seen.stale)) ch.stale = iequals(value, "true");
  } else if (iequals(name, "charset")) {
    if (first(seen.charset)) ch.charset = std::move(value);
  }
}

// #auth-param after the scheme; stops before the ',' that starts the next challenge.
void parse_params(Cursor& c, Challenge& ch) {
  SeenParams seen;
  while (true) {
    c.skip_ows();
    std::string_view name = c.token();
    c.skip_ows();
    bool ok = !name.empty() && !c.done() && c.peek() == '=';
    if (ok) {
      c.seek(c.pos() + 1);
      c.skip_ows();
      std::optional<std::string> value;
      if (!c.done() && c.peek() == '"') {
        value = c.quoted();
      } else {
        std::string_view t = c.token();
        if (!t.empty()) value = std::string(t);
      }
      c.skip_ows();
      ok = value.has_value() && (c.done() || c.peek() == ',');
      if (ok) apply_param(ch, seen, name, std::move(*value));
    }
    if (!ok) c.skip_to_comma();  // malformed parameter: skipped
    // At a ',' (or the end): another parameter, the next challenge, or junk inside this one.
    while (true) {
      if (c.done()) return;
      std::size_t comma = c.pos();
      c.skip_ows_and_commas();
      if (c.done()) return;
      if (c.param_follows()) break;
      if (c.challenge_follows()) {
        c.seek(comma);
        return;
      }
      c.skip_to_comma();
    }
  }
}

// Drops control characters (CR, LF, NUL...) so that no value can split the header or the request.
std::string strip_ctl(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out.push_back(c);
  }
  return out;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : strip_ctl(s)) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string hex8(std::uint32_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[v & 0xf];
    v >>= 4;
  }
  return out;
}

// 128 bits from the kernel; GLib's generator (seeded from /dev/urandom) only if getrandom() is unavailable.
std::string random_cnonce() {
  std::array<std::uint32_t, 4> words{};
  ssize_t got = getrandom(words.data(), sizeof(words), GRND_NONBLOCK);
  if (got != static_cast<ssize_t>(sizeof(words))) {
    for (auto& w : words) w = g_random_int();
  }
  std::string out;
  for (auto w : words) out += hex8(w);
  return out;
}

std::string checksum_hex(GChecksumType type, std::string_view data) {
  GCharPtr hex(g_compute_checksum_for_data(
      type, reinterpret_cast<const guchar*>(data.empty() ? "" : data.data()), data.size()));
  return hex ? std::string(hex.get()) : std::string();
}

bool is_sess(DigestAlgorithm a) {
  return a == DigestAlgorithm::Md5Sess || a == DigestAlgorithm::Sha256Sess;
}

bool offers(const std::vector<std::string>& qop, std::string_view token) {
  for (const auto& q : qop) {
    if (q == token) return true;
  }
  return false;
}

// 0: cannot answer. Higher is stronger.
int strength(const Challenge& ch) {
  switch (ch.scheme) {
    case AuthScheme::Basic:
      return 1;
    case AuthScheme::Digest: {
      if (ch.nonce.empty()) return 0;
      // We implement qop=auth only; a challenge that offers only auth-int cannot be answered.
      if (!ch.qop.empty() && !offers(ch.qop, "auth")) return 0;
      // -sess needs a cnonce, which exists only with qop (RFC 7616 §3.4.2).
      if (is_sess(ch.algorithm) && ch.qop.empty()) return 0;
      switch (ch.algorithm) {
        case DigestAlgorithm::Sha256:
        case DigestAlgorithm::Sha256Sess:
          return 3;
        case DigestAlgorithm::Md5:
        case DigestAlgorithm::Md5Sess:
          return 2;
        case DigestAlgorithm::Unknown:
          return 0;
      }
      return 0;
    }
    case AuthScheme::Unknown:
      return 0;
  }
  return 0;
}

}  // namespace

std::vector<Challenge> parse_challenges(std::string_view header_value) {
  std::vector<Challenge> out;
  Cursor c(header_value);
  while (true) {
    c.skip_ows_and_commas();
    if (c.done()) break;
    std::string_view scheme = c.token();
    std::size_t after_scheme = c.pos();
    c.skip_ows();
    bool separated = c.pos() > after_scheme;
    if (scheme.empty() || (!c.done() && c.peek() != ',' && !separated)) {
      c.skip_to_comma();  // not a challenge: skipped
      continue;
    }
    Challenge ch;
    ch.scheme_name = std::string(scheme);
    if (iequals(scheme, "Basic")) {
      ch.scheme = AuthScheme::Basic;
    } else if (iequals(scheme, "Digest")) {
      ch.scheme = AuthScheme::Digest;
    }
    if (!c.done() && c.peek() != ',' && !c.take_token68()) parse_params(c, ch);
    out.push_back(std::move(ch));
  }
  return out;
}

std::optional<Challenge> choose_challenge(const std::vector<std::string_view>& www_authenticate_values) {
  std::optional<Challenge> best;
  int best_strength = 0;
  for (auto value : www_authenticate_values) {
    for (auto& ch : parse_challenges(value)) {
      int s = strength(ch);
      if (s > best_strength) {
        best_strength = s;
        best = std::move(ch);
      }
    }
  }
  return best;
}

Authenticator::Authenticator(Challenge challenge, Credentials credentials)
    : challenge_(std::move(challenge)), credentials_(std::move(credentials)) {}

std::string Authenticator::authorization(std::string_view method, std::string_view uri,
                                         std::optional<std::string_view> cnonce) {
  if (challenge_.scheme == AuthScheme::Basic) {
    return "Basic " + base64_encode(credentials_.user + ":" + credentials_.password);
  }
  if (challenge_.scheme != AuthScheme::Digest) return {};

  const bool sha256 =
      challenge_.algorithm == DigestAlgorithm::Sha256 || challenge_.algorithm == DigestAlgorithm::Sha256Sess;
  auto h = [sha256](std::string_view s) { return sha256 ? sha256_hex(s) : md5_hex(s); };
  const bool use_qop = offers(challenge_.qop, "auth");
  const bool sess = is_sess(challenge_.algorithm);

  std::string cn;
  if (use_qop || sess) cn = cnonce ? strip_ctl(*cnonce) : random_cnonce();
  ++nonce_count_;
  const std::string nc = hex8(nonce_count_);

  // The hashes use the values exactly as they go on the wire, so the server computes the same thing.
  const std::string user = strip_ctl(credentials_.user);
  const std::string realm = strip_ctl(challenge_.realm);
  const std::string nonce = strip_ctl(challenge_.nonce);
  const std::string req_uri = strip_ctl(uri);

  std::string ha1 = h(user + ":" + realm + ":" + credentials_.password);
  if (sess) ha1 = h(ha1 + ":" + nonce + ":" + cn);
  const std::string ha2 = h(strip_ctl(method) + ":" + req_uri);
  const std::string response = use_qop ? h(ha1 + ":" + nonce + ":" + nc + ":" + cn + ":auth:" + ha2)
                                       : h(ha1 + ":" + nonce + ":" + ha2);

  std::string out = "Digest username=" + quote(user) + ", realm=" + quote(realm) + ", nonce=" + quote(nonce) +
                    ", uri=" + quote(req_uri);
  if (challenge_.has_algorithm) out += ", algorithm=" + std::string(algorithm_name(challenge_.algorithm));
  out += ", response=\"" + response + "\"";
  if (challenge_.has_opaque) out += ", opaque=" + quote(challenge_.opaque);
  if (use_qop) {
    out += ", qop=auth, nc=" + nc + ", cnonce=" + quote(cn);
  } else if (sess) {
    out += ", cnonce=" + quote(cn);
  }
  return out;
}

std::string md5_hex(std::string_view data) {
  return checksum_hex(G_CHECKSUM_MD5, data);
}

std::string sha256_hex(std::string_view data) {
  return checksum_hex(G_CHECKSUM_SHA256, data);
}

std::string base64_encode(std::string_view data) {
  GCharPtr b64(
      g_base64_encode(reinterpret_cast<const guchar*>(data.empty() ? "" : data.data()), data.size()));
  return b64 ? std::string(b64.get()) : std::string();
}

}  // namespace rtsp2::core
