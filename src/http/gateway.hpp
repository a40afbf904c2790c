// The API gateway rules a Supabase project applies before any service sees a request:
// which routes need an `apikey`, that the key is one of the project's keys, which token then
// speaks for the caller (Authorization: Bearer wins, else the apikey), and CORS.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "http/exchange.hpp"

namespace basalt::http {

struct ProjectKeys {
  std::string anon;
  std::string service_role;
};

enum class KeyPolicy {
  none,      // health, metrics, websocket upgrade handled by its service
  required,  // apikey must be present and be one of the project keys
  // PostgREST on its own (`basalt rest`, route "postgrest"): no gateway, so no apikey; only
  // the Authorization: Bearer token speaks for the caller.
  bearer_only,
};

// Whether `route` + `subpath` needs an apikey. Open paths are the ones Supabase leaves open:
// auth's verify/callback/authorize (links in e-mails and OAuth redirects), health, settings and
// the JWKS document; storage's public and signed object URLs (used in <img src> and links).
KeyPolicy key_policy(std::string_view route, std::string_view subpath);

// Applies the apikey rule and picks the token. Returns a response to send instead when the
// request is refused (401 with the gateway's message shape).
std::optional<Response> apply_gateway(Exchange& ex, KeyPolicy policy, const ProjectKeys& keys);

// CORS as supabase-js in a browser needs it. A preflight gets its full answer here.
bool is_preflight(const Request& req);
Response preflight_response(const Request& req);
void add_cors_headers(const Request& req, Response& res);

// The same with an allow-list of origins (PostgREST's server-cors-allowed-origins); nullopt
// allows every origin ("*", as above). A listed origin is echoed with
// Access-Control-Allow-Credentials: true; an unlisted one gets no CORS headers, and its
// preflight is not answered here (cors_origin_allowed() is false) but by the service.
using CorsOrigins = std::optional<std::vector<std::string>>;
bool cors_origin_allowed(const Request& req, const CorsOrigins& allowed);
Response preflight_response(const Request& req, const CorsOrigins& allowed);
void add_cors_headers(const Request& req, Response& res, const CorsOrigins& allowed);

}  // namespace basalt::http
