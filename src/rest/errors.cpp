#include "rest/errors.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "common/json.hpp"
#include "rest/parse_engine.hpp"

namespace basalt::rest {

namespace {

// Error texts echo request bytes (parameter names, paths, keys) that need not be UTF-8; JSON
// must be. Each invalid byte becomes U+FFFD.
std::string valid_utf8(const std::string& s) {
  if (req::engine::valid_utf8(s)) return s;
  return req::engine::encode_utf8(req::engine::decode_utf8(s));
}

}  // namespace

Error pgrst(int status, std::string_view code, std::string message, std::string details,
            std::string hint) {
  Error e;
  e.status = status;
  e.code = std::string(code);
  e.message = std::move(message);
  e.details = std::move(details);
  e.hint = std::move(hint);
  return e;
}

int status_for_sqlstate(std::string_view s, std::string_view message, bool authenticated) {
  auto starts = [&](std::string_view p) { return s.starts_with(p); };
  if (s == "23503" || s == "23505") return 409;  // foreign key / unique violation
  if (s == "25006") return 405;                  // read-only transaction
  if (s == "21000") {                            // cardinality violation
    return message.ends_with("requires a WHERE clause") ? 400 : 500;
  }
  if (s == "53400") return 500;  // configuration limit exceeded
  if (s == "57P01") return 503;  // terminating connection due to administrator command
  if (s == "P0001") return 400;  // RAISE without a SQLSTATE
  if (s == "42883") return 404;  // undefined function
  if (s == "42P01") return 404;  // undefined table
  if (s == "42P17") return 500;  // infinite recursion (in a policy)
  if (s == "42501") return authenticated ? 403 : 401;  // insufficient privilege
  if (starts("PT") && s.size() == 5) {
    // RAISE SQLSTATE 'PT404': the last three characters are the HTTP status.
    int status = 0;
    auto r = std::from_chars(s.data() + 2, s.data() + 5, status);
    if (r.ec == std::errc() && status >= 100 && status <= 599) return status;
    return 500;
  }
  if (starts("08")) return 503;                  // connection exception
  if (starts("09")) return 500;                  // triggered action exception
  if (starts("0L") || starts("0P")) return 403;  // invalid grantor / role specification
  if (starts("25")) return 500;                  // invalid transaction state
  if (starts("28")) return 403;                  // invalid authorization specification
  if (starts("2D") || starts("38") || starts("39") || starts("3B") || starts("40")) return 500;
  if (starts("53")) return 503;  // insufficient resources
  if (starts("54") || starts("55") || starts("57") || starts("58")) return 500;
  if (starts("F0") || starts("HV") || starts("P0") || starts("XX")) return 500;
  return 400;  // everything else is the client's request (data exceptions, syntax, ...)
}

Error from_db_error(Error e, bool authenticated) {
  if (e.code.starts_with("PGRST")) return e;
  if (e.code.starts_with("08")) {
    // The db layer's connection failure.
    Error out =
        pgrst(503, code::kConnection, "Database client error. Retrying the connection.", e.message);
    out.internal = e.internal;
    return out;
  }
  e.status = status_for_sqlstate(e.code, e.message, authenticated);
  return e;
}

http::Response error_response(const Error& e) {
  boost::json::object body;
  body["code"] = valid_utf8(e.code);
  if (e.internal == "details-json") {
    // PGRST201 lists the candidate relationships as JSON (parsed, so valid UTF-8).
    boost::system::error_code ec;
    body["details"] = parse_json(e.details, ec);
  } else {
    body["details"] =
        e.details.empty() ? boost::json::value(nullptr) : boost::json::value(valid_utf8(e.details));
  }
  body["hint"] =
      e.hint.empty() ? boost::json::value(nullptr) : boost::json::value(valid_utf8(e.hint));
  body["message"] = valid_utf8(e.message);
  auto res =
      http::make_response(static_cast<http::HttpStatus>(e.status), boost::json::serialize(body));
  if (e.status == 401) {
    res.set(http::beast_http::field::www_authenticate,
            e.code.starts_with("PGRST3")
                ? "Bearer error=\"invalid_token\", error_description=\"" + e.message + "\""
                : std::string("Bearer"));
  }
  return res;
}

}  // namespace basalt::rest
