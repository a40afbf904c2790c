// Verifying tokens signed by someone else: an OpenID Connect provider's published JWK set
// (its `jwks_uri`). Unlike KeySet::parse, which loads Basalt's own keys and refuses anything
// it cannot use, a provider's set is taken as it comes: keys Basalt cannot verify with (other
// key types or curves, short RSA keys, encryption keys, duplicates of a kid) are skipped, and
// only the public members of the rest are kept. Verification accepts RS256 and ES256 only —
// never HS256 (no secret is involved) and never `none`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "jwt/jwt.hpp"
#include "jwt/key_set.hpp"

namespace basalt::jwt {

struct PublicJwks {
  KeySet keys;
  std::size_t skipped = 0;  // keys of the document that were left out
};

// A JWK set document ({"keys":[...]}, or a bare array). Fails when it is not JSON of that
// shape or when no key in it is usable.
Result<PublicJwks> parse_public_jwks(std::string_view json);

// Checks the signature against `keys` (by `kid`, else every key of the alg) and the time
// claims (exp, nbf, iat with `leeway_seconds`), as jwt::verify does; `aud` and `iss` are left
// to the caller. Errors are jwt::verify's.
Result<Verified> verify_with_jwks(std::string_view token, const KeySet& keys, std::int64_t now,
                                  std::int64_t leeway_seconds);

}  // namespace basalt::jwt
