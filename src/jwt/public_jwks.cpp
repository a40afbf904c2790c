#include "jwt/public_jwks.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <exception>
#include <set>
#include <string>

namespace basalt::jwt {

namespace {

// The members that describe a public verification key; private parts and anything else are
// dropped before the key reaches KeySet::parse.
constexpr std::string_view kPublicMembers[] = {"kty", "kid", "alg", "crv", "n", "e", "x", "y"};

}  // namespace

Result<PublicJwks> parse_public_jwks(std::string_view json) {
  try {
    boost::json::error_code ec;
    boost::json::value doc = boost::json::parse(json, ec);
    if (ec) return Error::make(400, "invalid_jwks", "the JWK set is not valid JSON");
    const boost::json::array* list = nullptr;
    if (doc.is_array()) {
      list = &doc.get_array();
    } else if (doc.is_object()) {
      const auto* keys = doc.get_object().if_contains("keys");
      if (keys != nullptr && keys->is_array()) list = &keys->get_array();
    }
    if (list == nullptr) {
      return Error::make(400, "invalid_jwks", "the JWK set has no \"keys\" array");
    }
    boost::json::array usable;
    std::set<std::string> kids;
    std::size_t skipped = 0;
    for (const auto& entry : *list) {
      if (!entry.is_object()) {
        ++skipped;
        continue;
      }
      const auto& jwk = entry.get_object();
      if (const auto* use = jwk.if_contains("use");
          use != nullptr && !(use->is_string() && use->get_string() == "sig")) {
        ++skipped;  // an encryption key
        continue;
      }
      boost::json::object pub;
      for (auto name : kPublicMembers) {
        if (const auto* v = jwk.if_contains(name); v != nullptr) pub[name] = *v;
      }
      // One key at a time, so a key Basalt cannot use leaves the others intact.
      boost::json::array one;
      one.push_back(pub);
      auto parsed = KeySet::parse(boost::json::serialize(one));
      if (!parsed) {
        ++skipped;
        continue;
      }
      if (const auto* kid = pub.if_contains("kid"); kid != nullptr && kid->is_string()) {
        if (!kids.insert(std::string(kid->get_string())).second) {
          ++skipped;
          continue;
        }
      }
      usable.push_back(std::move(pub));
    }
    if (usable.empty()) {
      return Error::make(400, "invalid_jwks", "the JWK set has no RS256 or ES256 signature key");
    }
    auto set = KeySet::parse(boost::json::serialize(usable));
    if (!set) return std::move(set).error();
    return PublicJwks{std::move(set).value(), skipped};
  } catch (const std::exception& e) {
    Error error = Error::make(500, "invalid_jwks", "the JWK set could not be loaded");
    error.internal = e.what();
    return error;
  }
}

Result<Verified> verify_with_jwks(std::string_view token, const KeySet& keys, std::int64_t now,
                                  std::int64_t leeway_seconds) {
  VerifyOptions options;
  options.secret = {};  // HS256 never verifies: there is no shared secret with a provider
  options.keys = &keys;
  options.now = now;
  options.leeway_seconds = leeway_seconds;
  return verify(token, options);
}

}  // namespace basalt::jwt
