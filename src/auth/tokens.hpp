// Access tokens and the session object of a successful sign-in, as Supabase Auth issues them:
// claims iss, sub, aud, exp, iat, email, phone, app_metadata, user_metadata, role, aal, amr,
// session_id, is_anonymous (HS256), and {access_token, token_type, expires_in, expires_at,
// refresh_token, user}.
#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "auth/options.hpp"
#include "common/error.hpp"

namespace basalt::auth {

// What a sign-in/refresh SQL function returns: {user, session, refresh_token}.
struct IssuedSession {
  boost::json::object user;     // _basalt.auth_user() row
  boost::json::object session;  // _basalt.auth_session() row
  std::string refresh_token;
};
Result<IssuedSession> issued_session(const boost::json::value& v);

// The claims GoTrue signs for `user` in `session` at `now` (unix seconds).
boost::json::object access_claims(const IssuedSession& s, const AuthOptions& o, std::int64_t now);

// The input of a custom access token hook, and the claims it returns: GoTrue's checks (an
// object with the required claims of the right types) and its error shapes.
boost::json::object hook_input(const IssuedSession& s, const boost::json::object& claims,
                               std::string_view authentication_method);
Result<boost::json::object> hook_claims(const boost::json::value& output);

// {access_token, token_type, expires_in, expires_at, refresh_token, user}.
boost::json::object session_response(const IssuedSession& s, const boost::json::object& claims,
                                     const AuthOptions& o, std::int64_t now);

}  // namespace basalt::auth
