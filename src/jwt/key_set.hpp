// Asymmetric JWT keys: a set of JSON Web Keys (RFC 7517) as `supabase gen signing-key` writes
// them for `[auth] signing_keys_path` — RSA keys for RS256 and EC P-256 keys for ES256, private
// (they can sign) or public (they only verify). The first key that can sign signs Basalt's
// access tokens; every key verifies tokens whose header names its `kid`. public_jwks() is what
// /auth/v1/.well-known/jwks.json serves. Keys are OpenSSL 3 EVP_PKEYs built from the JWK
// members; a loaded set is immutable and may be shared by any number of threads.
#pragma once
#include <boost/json/object.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::jwt {

class KeySet {
 public:
  struct Key;  // one parsed JWK (key_set.cpp)

  // What a signature check against the set found.
  enum class Check {
    ok,              // a key of the token's alg (and kid) verified the signature
    unknown_kid,     // the header names a kid the set does not have
    wrong_key_type,  // the kid names a key of another alg
    no_key,          // no kid, and the set has no key of that alg
    bad_signature,   // key(s) found, signature does not match
  };

  // A JSON array of JWKs (the CLI's signing_keys.json), or a JWK set object {"keys":[...]}.
  // Supported: kty "RSA" (alg RS256, at least 2048 bits) and kty "EC" (crv P-256, alg ES256);
  // `alg` may be absent (it follows from kty). A private key must match its public part.
  // Errors are 400s whose message names the key by index ("JWK 1: ...") and the problem,
  // never key material.
  static Result<KeySet> parse(std::string_view json);

  std::size_t size() const { return keys_.size(); }

  // True when a key can sign: it has its private part and its key_ops, if any, include "sign".
  bool can_sign() const { return signer_ != nullptr; }
  // The alg and kid the signing key puts in headers (empty when none signs / it has no kid).
  std::string signing_alg() const;
  std::string signing_kid() const;

  // Compact JWS with header {"alg":..., "kid":..., "typ":"JWT"} (kid left out when the key has
  // none), signed by the signing key; ES256 signatures in JOSE's raw r||s form. Claims are
  // serialized in insertion order. Fails when no key can sign or OpenSSL fails.
  Result<std::string> sign(const boost::json::object& claims) const;

  // {"keys":[...]}: every key's public members with use "sig" and key_ops ["verify"], as
  // Supabase Auth publishes them; private members are never included.
  boost::json::object public_jwks() const;

  // True when some key verifies `alg` ("RS256" or "ES256").
  bool has_alg(std::string_view alg) const;
  // The key with this kid, or nullptr.
  const Key* find(std::string_view kid) const;
  // The kid and alg of a key found above.
  static std::string_view kid_of(const Key& key);
  static std::string_view alg_of(const Key& key);

  // Checks `signature` (JOSE form, already base64url-decoded) over `signing_input` (the
  // token's "header.payload" text): with a kid, against that key only; without, against every
  // key of `alg` in turn.
  Check verify(std::string_view alg, std::optional<std::string_view> kid,
               std::string_view signing_input, std::string_view signature) const;

 private:
  std::vector<std::shared_ptr<const Key>> keys_;
  const Key* signer_ = nullptr;  // points into keys_
};

}  // namespace basalt::jwt
