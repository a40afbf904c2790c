#include "auth/oauth_claims.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <string_view>

#include "auth/auth_error.hpp"
#include "jwt/base64url.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kOAuthHint = "oauth_error";

// OpenID Connect standard claims GoTrue keeps by name (strings).
constexpr std::string_view kProfileClaims[] = {
    "name",    "family_name", "given_name", "middle_name", "nickname",  "preferred_username",
    "profile", "picture",     "website",    "gender",      "birthdate", "zoneinfo",
    "locale",
};

// Claims that describe the token or the protocol rather than the user: not identity data.
constexpr std::string_view kProtocolClaims[] = {
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "nonce",
    "at_hash",
    "c_hash",
    "s_hash",
    "azp",
    "sid",
    "acr",
    "amr",
    "auth_time",
    "typ",
    "session_state",
    "updated_at",
    "email",
    "email_verified",
    "phone",
    "phone_number",
    "phone_verified",
    "phone_number_verified",
};

bool contains(std::span<const std::string_view> list, std::string_view key) {
  return std::find(list.begin(), list.end(), key) != list.end();
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A boolean claim; some providers send "true"/"false" strings.
bool truthy(const json::value* v) {
  if (v == nullptr) return false;
  if (v->is_bool()) return v->get_bool();
  if (v->is_string()) return lower(std::string(v->get_string())) == "true";
  return false;
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

Result<ProviderIdentity> identity_from_claims(const json::object& id_token_claims,
                                              const json::object& userinfo) {
  const std::string token_sub = text(id_token_claims, "sub");
  const std::string info_sub = text(userinfo, "sub");
  if (!token_sub.empty() && !info_sub.empty() && token_sub != info_sub) {
    return internal_error("Error getting user profile from external provider",
                          "userinfo sub differs from the id_token's");
  }
  json::object all = id_token_claims;
  for (const auto& [k, v] : userinfo) all[k] = v;

  ProviderIdentity out;
  out.sub = text(all, "sub");
  if (out.sub.empty()) {
    return internal_error("Error getting user profile from external provider", "no sub claim");
  }
  out.email = lower(text(all, "email"));
  out.email_verified = !out.email.empty() && truthy(all.if_contains("email_verified"));
  if (!out.email.empty()) out.emails.push_back({out.email, out.email_verified, true});
  std::string phone = text(all, "phone_number");
  if (phone.empty()) phone = text(all, "phone");
  const bool phone_verified =
      truthy(all.if_contains("phone_number_verified")) || truthy(all.if_contains("phone_verified"));

  json::object& d = out.data;
  if (const std::string iss = text(all, "iss"); !iss.empty()) d["iss"] = iss;
  d["sub"] = out.sub;
  for (auto key : kProfileClaims) {
    if (std::string v = text(all, key); !v.empty()) d[key] = v;
  }
  if (const auto* updated = all.if_contains("updated_at");
      updated != nullptr && (updated->is_number() || updated->is_string())) {
    d["updated_at"] = *updated;
  }
  // identity_data keeps the provider's spelling; the user's address is lower-cased.
  if (!out.email.empty()) d["email"] = text(all, "email");
  d["email_verified"] = out.email_verified;
  if (!phone.empty()) d["phone"] = phone;
  d["phone_verified"] = phone_verified;
  json::object custom;
  for (const auto& [k, v] : all) {
    if (contains(kProfileClaims, k) || contains(kProtocolClaims, k)) continue;
    custom[k] = v;
  }
  if (!custom.empty()) d["custom_claims"] = std::move(custom);
  // Supabase Auth's older names, which apps still read from user_metadata.
  if (std::string name = text(all, "name"); !name.empty()) d["full_name"] = name;
  if (std::string picture = text(all, "picture"); !picture.empty()) d["avatar_url"] = picture;
  d["provider_id"] = out.sub;
  return out;
}

LinkingEmails linking_emails(const std::vector<ProviderEmail>& emails, bool autoconfirm) {
  LinkingEmails out;
  for (const auto& m : emails) {
    if (m.verified || autoconfirm) out.linkable.push_back(lower(m.email));
    if (m.primary) {  // as Supabase Auth's loop has it, the last primary address wins
      out.candidate = lower(m.email);
      out.candidate_verified = m.verified;
    }
  }
  return out;
}

Error oauth_error(std::string_view error, std::string description) {
  Error e = Error::make(400, std::string(error), std::move(description));
  e.hint = std::string(kOAuthHint);
  return e;
}

bool is_oauth_error(const Error& e) {
  return e.hint == kOAuthHint;
}

json::object oauth_error_body(const Error& e) {
  json::object o;
  o["error"] = e.code;
  if (!e.message.empty()) o["error_description"] = e.message;
  return o;
}

Status check_id_token_nonce(std::string_view token_nonce, std::string_view raw_nonce, bool skip) {
  if (skip) return {};
  if (token_nonce.empty() != raw_nonce.empty()) {
    return oauth_error("invalid request",
                       "Passed nonce and nonce in id_token should either both exist or not.");
  }
  if (token_nonce.empty()) return {};
  const std::string hash = sha256_hex(raw_nonce);
  if (hash.size() != token_nonce.size() ||
      CRYPTO_memcmp(hash.data(), token_nonce.data(), hash.size()) != 0) {
    return oauth_error("invalid nonce", "Nonces mismatch");
  }
  return {};
}

bool audience_accepted(const json::value* aud, const std::vector<std::string>& client_ids) {
  if (aud == nullptr) return false;
  auto ok = [&](const json::value& v) {
    return v.is_string() && !v.get_string().empty() &&
           std::find(client_ids.begin(), client_ids.end(), std::string_view(v.get_string())) !=
               client_ids.end();
  };
  if (aud->is_string()) return ok(*aud);
  if (aud->is_array()) {
    const auto& a = aud->get_array();
    return std::any_of(a.begin(), a.end(), ok);
  }
  return false;
}

std::string audience_text(const json::value* aud) {
  std::string out = "[";
  auto add = [&](const json::value& v) {
    if (!v.is_string()) return;
    if (out.size() > 1) out += ' ';
    out += std::string(v.get_string());
  };
  if (aud != nullptr && aud->is_string()) add(*aud);
  if (aud != nullptr && aud->is_array()) {
    for (const auto& v : aud->get_array()) add(v);
  }
  return out + "]";
}

bool at_hash_matches(std::string_view at_hash, std::string_view access_token) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(access_token.data()), access_token.size(),
         digest.data());
  const std::string expected = jwt::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size() / 2));
  return expected.size() == at_hash.size() &&
         CRYPTO_memcmp(expected.data(), at_hash.data(), at_hash.size()) == 0;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace basalt::auth
