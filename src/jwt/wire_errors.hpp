// Translates jwt::verify() failures into the errors the services Basalt imitates put on the
// wire: PostgREST v14 (the version the Supabase CLI pins) for the REST API, and GoTrue
// (supabase/auth) for the auth API. Clients and their tests match on these exact texts.
#pragma once
#include "common/error.hpp"

namespace basalt::jwt {

// 401 with PostgREST's code/message/details: PGRST301 for decoding and signature problems
// (e.g. "Expected 3 parts in JWT; got 2", "No suitable key or wrong key type"), PGRST303 for
// claim problems ("JWT expired", "JWT not yet valid", "JWT not in audience", ...). hint is
// always empty. PostgREST also sends `WWW-Authenticate: Bearer error="invalid_token",
// error_description="<message>"` with these; adding that header is the HTTP layer's job.
// PostgREST v12 differed (every failure was PGRST301 with jose's texts); v13 had no details.
// An Error that did not come from verify() is returned unchanged.
Error to_postgrest_error(const Error& error);

// 403 with error code "bad_jwt" and GoTrue's message "invalid JWT: unable to parse or verify
// signature, <golang-jwt reason>" (e.g. "token has invalid claims: token is expired").
// Where golang-jwt appends Go decoder details ("illegal base64 data at input byte 4") the
// message stops before them. An Error that did not come from verify() is returned unchanged.
Error to_gotrue_error(const Error& error);

}  // namespace basalt::jwt
