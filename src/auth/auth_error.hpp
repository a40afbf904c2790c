// Errors of the Auth API as Supabase Auth (GoTrue) puts them on the wire: an HTTP status, an
// error code from its catalogue (`invalid_credentials`, `weak_password`, ...) and a message.
// The body is {"code":<status>,"error_code":...,"msg":...} by default and
// {"code":<error_code>,"message":...} for clients that send X-Supabase-Api-Version:
// 2024-01-01 or later (supabase-js does); every error also sets the x-sb-error-code header.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "http/exchange.hpp"

namespace basalt::auth {

// Error with status and GoTrue error code; `details` carries weak_password reasons joined by
// ',' (see weak_password()).
Error auth_error(int status, std::string_view error_code, std::string message);
Error bad_request(std::string_view error_code, std::string message);                // 400
Error unprocessable(std::string_view error_code, std::string message);              // 422
Error forbidden(std::string_view error_code, std::string message);                  // 403
Error not_found(std::string_view error_code, std::string message);                  // 404
Error internal_error(std::string message, std::string cause);                       // 500
Error weak_password(std::string message, const std::vector<std::string>& reasons);  // 422

// The API version the request asks for: "2024-01-01" when X-Supabase-Api-Version names that
// date or a later valid one, "" for the initial version (absent or invalid header).
std::string api_version(const http::Request& request);

// The response for `e` in the wire shape of `version`.
http::Response error_response(const Error& e, std::string_view version);

}  // namespace basalt::auth
