#include "auth/tokens.hpp"

#include <boost/json/array.hpp>

#include "auth/auth_error.hpp"
#include "auth/user_json.hpp"
#include "jwt/jwt.hpp"

namespace basalt::auth {

namespace json = boost::json;

Result<IssuedSession> issued_session(const json::value& v) {
  if (!v.is_object()) return internal_error("Database error", "session row is not an object");
  const auto& o = v.as_object();
  auto u = o.find("user");
  auto s = o.find("session");
  if (u == o.end() || !u->value().is_object() || s == o.end() || !s->value().is_object()) {
    return internal_error("Database error", "session row lacks user or session");
  }
  IssuedSession out;
  out.user = u->value().as_object();
  out.session = s->value().as_object();
  out.refresh_token = str(o, "refresh_token");
  return out;
}

json::object access_claims(const IssuedSession& s, const AuthOptions& o, std::int64_t now) {
  json::object c;
  c["iss"] = o.issuer;
  c["sub"] = str(s.user, "id");
  c["aud"] = str(s.user, "aud");
  c["exp"] = now + o.jwt_expiry;
  c["iat"] = now;
  c["email"] = str(s.user, "email");
  c["phone"] = str(s.user, "phone");
  c["app_metadata"] = object_field(s.user, "raw_app_meta_data");
  c["user_metadata"] = object_field(s.user, "raw_user_meta_data");
  c["role"] = str(s.user, "role");
  c["aal"] = str(s.session, "aal");
  if (auto it = s.session.find("amr");
      it != s.session.end() && it->value().is_array() && !it->value().as_array().empty()) {
    c["amr"] = it->value();
  }
  c["session_id"] = str(s.session, "id");
  c["is_anonymous"] = flag(s.user, "is_anonymous");
  return c;
}

json::object hook_input(const IssuedSession& s, const json::object& claims,
                        std::string_view authentication_method) {
  return json::object{{"user_id", str(s.user, "id")},
                      {"claims", claims},
                      {"authentication_method", authentication_method}};
}

Result<json::object> hook_claims(const json::value& output) {
  if (!output.is_object()) {
    return internal_error("Error running hook URI: output is not a JSON object", "hook output");
  }
  const auto& o = output.as_object();
  if (auto err = o.find("error"); err != o.end() && err->value().is_object()) {
    const auto& e = err->value().as_object();
    int code = 500;
    if (auto hc = e.find("http_code"); hc != e.end() && hc->value().is_int64()) {
      code = static_cast<int>(hc->value().as_int64());
    }
    std::string msg = str(e, "message");
    if (msg.empty()) msg = "Error running hook";
    return auth_error(code < 400 || code > 599 ? 500 : code, "unexpected_failure", msg);
  }
  auto cl = o.find("claims");
  if (cl == o.end() || !cl->value().is_object()) {
    return internal_error("output claims field is missing", "hook output has no claims");
  }
  const auto& claims = cl->value().as_object();
  // The claims GoTrue insists on, with their JSON types.
  struct Required {
    const char* name;
    bool (*ok)(const json::value&);
  };
  static const Required required[] = {
      {"aud", [](const json::value& v) { return v.is_string() || v.is_array(); }},
      {"exp", [](const json::value& v) { return v.is_number(); }},
      {"iat", [](const json::value& v) { return v.is_number(); }},
      {"sub", [](const json::value& v) { return v.is_string(); }},
      {"email", [](const json::value& v) { return v.is_string(); }},
      {"phone", [](const json::value& v) { return v.is_string(); }},
      {"role", [](const json::value& v) { return v.is_string(); }},
      {"aal", [](const json::value& v) { return v.is_string(); }},
      {"session_id", [](const json::value& v) { return v.is_string(); }},
      {"is_anonymous", [](const json::value& v) { return v.is_bool(); }},
  };
  for (const auto& r : required) {
    auto it = claims.find(r.name);
    if (it == claims.end()) {
      return internal_error(
          std::string("output claims do not conform to the expected schema: - (root): ") + r.name +
              " is required",
          "hook claims");
    }
    if (!r.ok(it->value())) {
      return internal_error(std::string("output claims do not conform to the expected schema: - ") +
                                r.name + ": Invalid type.",
                            "hook claims");
    }
  }
  return claims;
}

json::object session_response(const IssuedSession& s, const json::object& claims,
                              const AuthOptions& o, std::int64_t now) {
  std::int64_t exp = now + o.jwt_expiry;
  if (auto it = claims.find("exp"); it != claims.end() && it->value().is_number()) {
    exp = static_cast<std::int64_t>(it->value().to_number<double>());
  }
  json::object r;
  auto access = o.signing_keys ? o.signing_keys->sign(claims)
                               : Result<std::string>(jwt::sign_hs256(claims, o.jwt_secret));
  r["access_token"] = access ? std::move(*access) : std::string();
  r["token_type"] = "bearer";
  r["expires_in"] = exp - now;
  r["expires_at"] = exp;
  r["refresh_token"] = s.refresh_token;
  r["user"] = user_json(s.user);
  return r;
}

}  // namespace basalt::auth
