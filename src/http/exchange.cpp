#include "http/exchange.hpp"

#include <boost/url/parse_query.hpp>

namespace basalt::http {

Response make_response(HttpStatus status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  if (!body.empty() || status != HttpStatus::no_content) {
    res.set(beast_http::field::content_type, content_type);
  }
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string query_param(std::string_view query, std::string_view name) {
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return {};
  for (auto param : *parsed) {
    if (param.key.decode() == name) return param.has_value ? param.value.decode() : std::string();
  }
  return {};
}

}  // namespace basalt::http
