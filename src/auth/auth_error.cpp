#include "auth/auth_error.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace basalt::auth {

namespace {

constexpr std::string_view kVersion20240101 = "2024-01-01";

bool is_date(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

}  // namespace

Error auth_error(int status, std::string_view error_code, std::string message) {
  return Error::make(status, std::string(error_code), std::move(message));
}

Error bad_request(std::string_view error_code, std::string message) {
  return auth_error(400, error_code, std::move(message));
}

Error unprocessable(std::string_view error_code, std::string message) {
  return auth_error(422, error_code, std::move(message));
}

Error forbidden(std::string_view error_code, std::string message) {
  return auth_error(403, error_code, std::move(message));
}

Error not_found(std::string_view error_code, std::string message) {
  return auth_error(404, error_code, std::move(message));
}

Error internal_error(std::string message, std::string cause) {
  Error e = auth_error(500, "unexpected_failure", std::move(message));
  e.internal = std::move(cause);
  return e;
}

Error weak_password(std::string message, const std::vector<std::string>& reasons) {
  Error e = auth_error(422, "weak_password", std::move(message));
  for (const auto& r : reasons) {
    if (!e.details.empty()) e.details += ',';
    e.details += r;
  }
  e.hint = "weak_password";  // marks details as the reasons list
  return e;
}

std::string api_version(const http::Request& request) {
  auto it = request.find("X-Supabase-Api-Version");
  if (it == request.end()) return {};
  std::string_view v(it->value().data(), it->value().size());
  // Dates compare as strings; every valid date from 2024-01-01 on selects that version.
  if (!is_date(v) || v < kVersion20240101) return {};
  return std::string(kVersion20240101);
}

http::Response error_response(const Error& e, std::string_view version) {
  const std::string code =
      e.code.empty() ? std::string(e.status >= 500 ? "unexpected_failure" : "unknown") : e.code;
  boost::json::object body;
  if (!version.empty()) {
    body["code"] = code;
    body["message"] = e.message;
  } else {
    body["code"] = e.status;
    body["error_code"] = code;
    body["msg"] = e.message;
  }
  if (e.hint == "weak_password") {
    boost::json::array reasons;
    std::string_view rest = e.details;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      reasons.emplace_back(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    body["weak_password"] = boost::json::object{{"reasons", std::move(reasons)}};
  }
  auto res =
      http::make_response(static_cast<http::HttpStatus>(e.status), boost::json::serialize(body));
  res.set("x-sb-error-code", code);
  if (!version.empty()) res.set("X-Supabase-Api-Version", version);
  return res;
}

}  // namespace basalt::auth
