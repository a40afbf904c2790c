#include "auth/oauth_state.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <boost/json/object.hpp>

#include "auth/auth_error.hpp"
#include "jwt/base64url.hpp"
#include "jwt/jwt.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kKind = "oauth_state";

std::string hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  static const unsigned char kNoKey = 0;
  const void* k = key.empty() ? &kNoKey : static_cast<const void*>(key.data());
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
           &len) == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(mac.data()), len);
}

std::string random_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return jwt::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

Error invalid_state() {
  return bad_request("bad_oauth_state", "OAuth state parameter is invalid");
}

}  // namespace

std::string oauth_state_key(std::string_view jwt_secret) {
  return hmac(jwt_secret, "basalt oauth state");
}

OAuthState new_oauth_state(std::string provider, std::string referrer, std::string flow_state_id,
                           std::int64_t now) {
  OAuthState s;
  s.provider = std::move(provider);
  s.referrer = std::move(referrer);
  s.flow_state_id = std::move(flow_state_id);
  s.id = random_id();
  s.exp = now + kOAuthStateLifetime;
  return s;
}

std::string encode_oauth_state(const OAuthState& state, std::string_view key) {
  json::object claims;
  claims["kind"] = kKind;
  claims["exp"] = state.exp;
  claims["jti"] = state.id;
  claims["provider"] = state.provider;
  claims["referrer"] = state.referrer;
  if (!state.flow_state_id.empty()) claims["flow_state_id"] = state.flow_state_id;
  if (!state.link_user.empty()) claims["link_user"] = state.link_user;
  return jwt::sign_hs256(claims, key);
}

Result<OAuthState> decode_oauth_state(std::string_view token, std::string_view key,
                                      std::int64_t now) {
  jwt::VerifyOptions vo;
  vo.secret = key;
  vo.now = now;
  auto verified = jwt::verify(token, vo);
  if (!verified) {
    if (jwt::verify_error_kind(verified.error()) == jwt::VerifyError::expired) {
      return bad_request("bad_oauth_state", "OAuth state has expired");
    }
    return invalid_state();
  }
  const auto& c = verified->claims;
  OAuthState s;
  s.provider = text(c, "provider");
  s.referrer = text(c, "referrer");
  s.flow_state_id = text(c, "flow_state_id");
  s.link_user = text(c, "link_user");
  s.id = text(c, "jti");
  const auto* exp = c.if_contains("exp");
  if (text(c, "kind") != kKind || s.provider.empty() || s.id.empty() || exp == nullptr ||
      !exp->is_int64()) {
    return invalid_state();
  }
  s.exp = exp->get_int64();
  return s;
}

std::string oauth_nonce(const OAuthState& state, std::string_view key) {
  return jwt::base64url_encode(hmac(key, "nonce:" + state.id));
}

std::string provider_code_verifier(const OAuthState& state, std::string_view key) {
  return jwt::base64url_encode(hmac(key, "pkce:" + state.id));
}

std::string pkce_s256_challenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return jwt::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace basalt::auth
