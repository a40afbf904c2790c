// Who a request speaks for: the verified JWT (Bearer, else apikey) becomes a role and its
// claims, and from those the db::RequestContext every service runs its SQL with. Each API maps
// the Error kinds to its own wire shape (PostgREST PGRST30x, GoTrue bad_jwt, ...).
#pragma once
#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/error.hpp"
#include "config/jspath.hpp"
#include "db/transaction.hpp"
#include "http/exchange.hpp"
#include "http/identity_cache.hpp"
#include "jwt/key_set.hpp"

namespace basalt::http {

struct IdentityOptions {
  std::string jwt_secret;
  // RS256/ES256 keys from [auth] signing_keys_path; null when none are configured.
  std::shared_ptr<const jwt::KeySet> keys;
  std::optional<std::string> audience;  // [auth] jwt audience check, when configured
  std::string anon_role = "anon";       // role for a request without any token
  // Roles the `authenticator` login may become (loaded from pg_roles at start).
  std::shared_ptr<const std::set<std::string>> allowed_roles;
  // PostgREST's jwt-role-claim-key: where in the claims the role is (default `.role`).
  config::JsPath role_claim_key = config::default_role_claim_key();
  // PostgREST on its own (`basalt rest`): an empty anon_role means anonymous requests are
  // refused (error code "anonymous_disabled", PGRST302), and request.jwt.claims carries the
  // role the request runs as under "role", as PostgREST sets it.
  bool claims_include_role = false;
  // Tokens verified before under these options (null: verify every time).
  std::shared_ptr<IdentityCache> cache;
};

struct Identity {
  std::string role;
  boost::json::object claims;
  std::string claims_json;
};

// Verifies `token` (empty = anonymous) at time `now` (unix seconds). A role claim must name a
// role the authenticator may become; a token without one acts as the anon role, as PostgREST.
// The role claim is found with role_claim_key; a value that is not a string names the role by
// its JSON text, as in PostgREST.
Result<Identity> identify(std::string_view token, const IdentityOptions& options, std::int64_t now);

// The Postgres-side view of the request for RLS: role, claims, method, path, headers
// (lower-case names, as PostgREST sets request.headers), cookies.
db::RequestContext request_context(const Exchange& ex, const Identity& id, std::string search_path);

}  // namespace basalt::http
