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
#include "db/transaction.hpp"
#include "http/exchange.hpp"

namespace basalt::http {

struct IdentityOptions {
  std::string jwt_secret;
  std::optional<std::string> audience;  // [auth] jwt audience check, when configured
  std::string anon_role = "anon";       // role for a request without any token
  // Roles the `authenticator` login may become (loaded from pg_roles at start).
  std::shared_ptr<const std::set<std::string>> allowed_roles;
};

struct Identity {
  std::string role;
  boost::json::object claims;
  std::string claims_json;
};

// Verifies `token` (empty = anonymous) at time `now` (unix seconds). A role claim must name a
// role the authenticator may become; a token without one acts as the anon role, as PostgREST.
Result<Identity> identify(std::string_view token, const IdentityOptions& options, std::int64_t now);

// The Postgres-side view of the request for RLS: role, claims, method, path, headers
// (lower-case names, as PostgREST sets request.headers), cookies.
db::RequestContext request_context(const Exchange& ex, const Identity& id, std::string search_path);

}  // namespace basalt::http
