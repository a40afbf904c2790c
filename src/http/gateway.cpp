#include "http/gateway.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace basalt::http {

namespace {

bool starts_with_segment(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/');
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Response gateway_error(std::string_view message, std::string_view hint) {
  boost::json::object body{{"message", message}, {"hint", hint}};
  return make_response(HttpStatus::unauthorized, boost::json::serialize(body));
}

}  // namespace

KeyPolicy key_policy(std::string_view route, std::string_view subpath) {
  if (route == "auth") {
    for (std::string_view open :
         {"/verify", "/callback", "/authorize", "/health", "/settings", "/.well-known/jwks.json"}) {
      if (starts_with_segment(subpath, open)) return KeyPolicy::none;
    }
    return KeyPolicy::required;
  }
  if (route == "storage") {
    for (std::string_view open :
         {"/object/public", "/object/sign", "/render/image/public", "/render/image/sign"}) {
      if (starts_with_segment(subpath, open)) return KeyPolicy::none;
    }
    return KeyPolicy::required;
  }
  if (route == "rest" || route == "realtime") return KeyPolicy::required;
  if (route == "postgrest") return KeyPolicy::bearer_only;
  return KeyPolicy::none;
}

std::optional<Response> apply_gateway(Exchange& ex, KeyPolicy policy, const ProjectKeys& keys) {
  const auto& req = ex.request;
  if (auto it = req.find("apikey"); it != req.end()) {
    ex.apikey = std::string(it->value());
  } else {
    ex.apikey = query_param(ex.query, "apikey");
  }
  if (auto it = req.find(beast_http::field::authorization); it != req.end()) {
    std::string_view v = it->value();
    if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) {
      ex.token = std::string(v.substr(7));
    }
  }
  if (policy == KeyPolicy::required) {
    if (ex.apikey.empty()) {
      return gateway_error("No API key found in request",
                           "No `apikey` request header or url param was found.");
    }
    if (!equal_constant_time(ex.apikey, keys.anon) &&
        !equal_constant_time(ex.apikey, keys.service_role)) {
      return gateway_error("Invalid API key",
                           "Double check your Supabase `anon` or `service_role` API key.");
    }
  }
  if (ex.token.empty() && policy != KeyPolicy::bearer_only) ex.token = ex.apikey;
  return std::nullopt;
}

bool is_preflight(const Request& req) {
  return req.method() == beast_http::verb::options &&
         req.find(beast_http::field::origin) != req.end() &&
         req.find(beast_http::field::access_control_request_method) != req.end();
}

namespace {
constexpr std::string_view kAllowMethods = "GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS";
// What supabase-js sends; echoed request headers take precedence when the browser names them.
constexpr std::string_view kAllowHeaders =
    "authorization, x-client-info, apikey, content-type, accept, accept-profile, "
    "content-profile, prefer, range, x-upsert, x-supabase-api-version, cache-control, "
    "x-retry-count, traceparent, tracestate, baggage";
constexpr std::string_view kExposeHeaders =
    "Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, "
    "Transfer-Encoding, Range-Unit, X-Request-Id, X-Total-Count, Link, Preference-Applied";
}  // namespace

Response preflight_response(const Request& req) {
  Response res{HttpStatus::ok, 11};
  res.set(beast_http::field::access_control_allow_origin, "*");
  res.set(beast_http::field::access_control_allow_methods, kAllowMethods);
  if (auto it = req.find(beast_http::field::access_control_request_headers); it != req.end()) {
    res.set(beast_http::field::access_control_allow_headers, it->value());
  } else {
    res.set(beast_http::field::access_control_allow_headers, kAllowHeaders);
  }
  res.set(beast_http::field::access_control_max_age, "86400");
  res.prepare_payload();
  return res;
}

void add_cors_headers(const Request& req, Response& res) {
  if (req.find(beast_http::field::origin) == req.end()) return;
  res.set(beast_http::field::access_control_allow_origin, "*");
  res.set(beast_http::field::access_control_expose_headers, kExposeHeaders);
}

bool cors_origin_allowed(const Request& req, const CorsOrigins& allowed) {
  if (!allowed) return true;
  auto it = req.find(beast_http::field::origin);
  if (it == req.end()) return false;
  return std::find(allowed->begin(), allowed->end(), std::string_view(it->value())) !=
         allowed->end();
}

Response preflight_response(const Request& req, const CorsOrigins& allowed) {
  Response res = preflight_response(req);
  if (allowed) {
    res.set(beast_http::field::access_control_allow_origin, req[beast_http::field::origin]);
    res.set(beast_http::field::access_control_allow_credentials, "true");
  }
  return res;
}

void add_cors_headers(const Request& req, Response& res, const CorsOrigins& allowed) {
  if (!allowed) {
    add_cors_headers(req, res);
    return;
  }
  if (!cors_origin_allowed(req, allowed)) return;
  add_cors_headers(req, res);
  res.set(beast_http::field::access_control_allow_origin, req[beast_http::field::origin]);
  res.set(beast_http::field::access_control_allow_credentials, "true");
}

}  // namespace basalt::http
