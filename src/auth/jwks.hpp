// GET /auth/v1/.well-known/jwks.json: the public half of the asymmetric signing keys
// ([auth] signing_keys_path) as a JWK set, so that other services can verify Basalt's access
// tokens. Like Supabase Auth, an HS256-only project answers {"keys":[]}: the shared secret is
// never published.
#pragma once
#include "auth/options.hpp"
#include "http/exchange.hpp"

namespace basalt::auth {

http::Response jwks_response(const AuthOptions& options);

}  // namespace basalt::auth
