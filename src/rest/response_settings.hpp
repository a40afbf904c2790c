// PostgREST's response.headers and response.status: settings a function, trigger or
// pre-request may set in the request's transaction to change the response. The statement
// reads them after producing the rows; this stage applies them to the response.
#pragma once
#include <optional>
#include <string>

#include "common/error.hpp"
#include "http/exchange.hpp"

namespace basalt::rest {

// `headers`: a JSON array of one-member objects with string values, e.g.
// [{"Set-Cookie": "a=1"}, {"Set-Cookie": "b=2"}, {"Location": "/x"}]: each header named there
// replaces the response's own header of that name (case-insensitive), and all of them are
// added in order (so a name may repeat); Content-Length, Transfer-Encoding and Connection
// are ignored. `status`: a decimal status code, 200-599 (204 and 304 drop the body).
// Malformed values are PGRST111 / PGRST112 (500), as in PostgREST.
Result<http::Response> apply_response_settings(http::Response res,
                                               const std::optional<std::string>& headers,
                                               const std::optional<std::string>& status);

}  // namespace basalt::rest
