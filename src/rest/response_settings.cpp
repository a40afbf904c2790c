#include "rest/response_settings.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json.hpp"
#include "rest/errors.hpp"

namespace basalt::rest {

Result<http::Response> apply_response_settings(http::Response res,
                                               const std::optional<std::string>& headers,
                                               const std::optional<std::string>& status) {
  if (status) {
    unsigned code = 0;
    const char* end = status->data() + status->size();
    auto [ptr, ec] = std::from_chars(status->data(), end, code);
    // 1xx is not a final response, so it cannot answer a request.
    if (ec != std::errc{} || ptr != end || code < 200 || code > 599) {
      return pgrst(500, "PGRST112", "response.status guc must be a valid status code");
    }
    res.result(code);
    if (code == 204 || code == 304) {
      // These carry no body: sending one would corrupt the next response on the connection.
      res.body().clear();
      res.prepare_payload();
    }
  }
  if (headers) {
    auto invalid = [] {
      return pgrst(500, "PGRST111",
                   "response.headers guc must be a JSON array composed of objects with a "
                   "single key and a string value");
    };
    boost::system::error_code ec;
    auto v = parse_json(*headers, ec);
    if (ec || !v.is_array()) return invalid();
    std::vector<std::pair<std::string, std::string>> add;
    for (const auto& item : v.as_array()) {
      if (!item.is_object() || item.as_object().size() != 1) return invalid();
      const auto& kv = *item.as_object().begin();
      if (!kv.value().is_string()) return invalid();
      add.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
    }
    for (const auto& [name, value] : add) {
      // A header name is an RFC 9110 token; values may not break the message framing.
      if (name.empty()) return invalid();
      for (char c : name) {
        const bool token = std::isalnum(static_cast<unsigned char>(c)) ||
                           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        if (!token) return invalid();
      }
      for (char c : value) {
        if (c == '\r' || c == '\n' || c == '\0') return invalid();
      }
    }
    // The framing headers stay the server's: the body's length is what it is.
    auto framing = [](const std::string& name) {
      return boost::beast::iequals(name, "content-length") ||
             boost::beast::iequals(name, "transfer-encoding") ||
             boost::beast::iequals(name, "connection");
    };
    for (const auto& [name, value] : add) {
      if (!framing(name)) res.erase(name);
    }
    for (const auto& [name, value] : add) {
      if (!framing(name)) res.insert(name, value);
    }
  }
  return res;
}

}  // namespace basalt::rest
