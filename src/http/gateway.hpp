// The API gateway rules a Supabase project applies before any service sees a request:
// which routes need an `apikey`, that the key is one of the project's keys, which token then
// speaks for the caller (Authorization: Bearer wins, else the apikey), and CORS.
#pragma once
#include <optional>
#include <string>

#include "http/exchange.hpp"

namespace basalt::http {

struct ProjectKeys {
  std::string anon;
  std::string service_role;
};

enum class KeyPolicy {
  none,      // health, metrics, websocket upgrade handled by its service
  required,  // apikey must be present and be one of the project keys
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

}  // namespace basalt::http
