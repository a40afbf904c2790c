#include "auth/pkce.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>

#include "auth/auth_error.hpp"
#include "jwt/base64url.hpp"

namespace basalt::auth {

namespace {

constexpr std::size_t kMinChallenge = 43;
constexpr std::size_t kMaxChallenge = 128;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool challenge_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '~' || c == '-';
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Error mismatch() {
  return bad_request("bad_code_verifier",
                     "code challenge does not match previously saved code verifier");
}

}  // namespace

std::string_view pkce_method_name(PkceMethod method) {
  return method == PkceMethod::s256 ? "s256" : "plain";
}

Result<PkceMethod> parse_pkce_method(std::string_view method) {
  const std::string m = lower(method);
  if (m == "s256") return PkceMethod::s256;
  if (m == "plain") return PkceMethod::plain;
  return internal_error("Unexpected failure, please check server logs for more information",
                        "unsupported code_challenge method \"" + std::string(method) + "\"");
}

Result<std::optional<PkceMethod>> validate_pkce_params(std::string_view code_challenge_method,
                                                       std::string_view code_challenge) {
  if (code_challenge.empty() != code_challenge_method.empty()) {
    return bad_request("validation_failed",
                       "PKCE flow requires code_challenge_method and code_challenge");
  }
  if (code_challenge.empty()) return std::optional<PkceMethod>{};
  if (code_challenge.size() < kMinChallenge || code_challenge.size() > kMaxChallenge) {
    return bad_request("validation_failed",
                       "code challenge has to be between 43 and 128 characters");
  }
  for (char c : code_challenge) {
    if (!challenge_char(c)) {
      return bad_request("validation_failed",
                         "code challenge can only contain alphanumeric characters, hyphens, "
                         "periods, underscores and tildes");
    }
  }
  auto method = parse_pkce_method(code_challenge_method);
  if (!method) return std::move(method).error();
  return std::optional<PkceMethod>{*method};
}

Status verify_pkce(std::string_view stored_challenge, std::string_view stored_method,
                   std::string_view code_verifier) {
  const std::string m = lower(stored_method);
  if (m == "s256") {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    if (EVP_Digest(code_verifier.data(), code_verifier.size(), digest.data(), &len, EVP_sha256(),
                   nullptr) != 1) {
      return internal_error("Unexpected failure, please check server logs for more information",
                            "SHA-256 of the code verifier failed");
    }
    const std::string encoded =
        jwt::base64url_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), len));
    if (!equal_constant_time(stored_challenge, encoded)) return mismatch();
    return {};
  }
  if (m == "plain") {
    if (!equal_constant_time(stored_challenge, code_verifier)) return mismatch();
    return {};
  }
  return bad_request("bad_code_verifier", "code challenge method not supported");
}

}  // namespace basalt::auth
