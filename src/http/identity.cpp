#include "http/identity.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>

#include "jwt/jwt.hpp"

namespace basalt::http {

Result<Identity> identify(std::string_view token, const IdentityOptions& options,
                          std::int64_t now) {
  Identity id;
  if (token.empty()) {
    if (options.anon_role.empty()) {
      return Error::make(401, "anonymous_disabled", "Anonymous access is disabled");
    }
    id.role = options.anon_role;
    if (options.claims_include_role) id.claims["role"] = id.role;
    id.claims_json = boost::json::serialize(id.claims);
    return id;
  }
  if (options.cache) {
    if (auto hit = options.cache->find(token, now)) return std::move(*hit);
  }
  jwt::VerifyOptions vo;
  vo.secret = options.jwt_secret;
  vo.keys = options.keys.get();
  vo.now = now;
  vo.audience = options.audience;
  vo.leeway_seconds = 30;
  auto verified = jwt::verify(token, vo);
  if (!verified) return std::move(verified).error();
  id.claims = std::move(verified->claims);
  const boost::json::value claims_value(id.claims);
  if (auto role = config::walk_jspath(claims_value, options.role_claim_key)) {
    id.role = config::jspath_role_text(*role);
  } else if (!options.anon_role.empty()) {
    id.role = options.anon_role;
  } else {
    return Error::make(401, "anonymous_disabled", "Anonymous access is disabled");
  }
  if (!options.allowed_roles || !options.allowed_roles->contains(id.role)) {
    Error e = Error::make(401, "role_not_allowed", "role \"" + id.role + "\" does not exist");
    e.internal = "jwt role is not a member of authenticator";
    return e;
  }
  if (options.claims_include_role) id.claims["role"] = id.role;
  id.claims_json = boost::json::serialize(id.claims);
  if (options.cache) {
    std::optional<std::int64_t> exp;
    if (const auto* e = id.claims.if_contains("exp"); e != nullptr) {
      if (e->is_int64()) exp = e->as_int64();
      if (e->is_uint64()) exp = static_cast<std::int64_t>(e->as_uint64());
      if (e->is_double()) exp = static_cast<std::int64_t>(e->as_double());
    }
    options.cache->put(token, id, exp);
  }
  return id;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "a=1; b=2" -> {"a":"1","b":"2"}
boost::json::object parse_cookies(std::string_view header) {
  boost::json::object out;
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out[part.substr(0, eq)] = part.substr(eq + 1);
  }
  return out;
}

}  // namespace

db::RequestContext request_context(const Exchange& ex, const Identity& id,
                                   std::string search_path) {
  db::RequestContext ctx;
  ctx.role = id.role;
  ctx.claims_json = id.claims_json;
  ctx.method = std::string(ex.request.method_string());
  ctx.path = ex.subpath.empty() ? "/" : ex.subpath;
  boost::json::object headers;
  boost::json::object cookies;
  for (const auto& field : ex.request) {
    std::string name = lower(field.name_string());
    if (name == "cookie") {
      for (auto& kv : parse_cookies(field.value())) cookies[kv.key()] = kv.value();
      continue;
    }
    headers[name] = field.value();
  }
  ctx.headers_json = boost::json::serialize(headers);
  ctx.cookies_json = boost::json::serialize(cookies);
  ctx.search_path = std::move(search_path);
  return ctx;
}

}  // namespace basalt::http
