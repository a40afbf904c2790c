// One HTTP request on its way through Basalt: the parsed request, what the server knows about
// the connection, and what the gateway decided (which token speaks for the caller).
#pragma once
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <string>

namespace basalt::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using HttpStatus = beast_http::status;

struct Exchange {
  Request request;
  std::string request_id;
  std::string client_ip;
  std::string path;          // normalised, percent-decoded path, no query
  std::string encoded_path;  // normalised path as sent (percent-encoding kept)
  std::string query;         // raw query string, without '?'
  std::chrono::steady_clock::time_point started;

  // Set by the router and the gateway.
  std::string route = "other";  // metrics label: rest, auth, storage, realtime, health, ...
  std::string subpath;          // path below the route prefix, e.g. "/todos" for /rest/v1/todos
  std::string apikey;           // the apikey header or ?apikey= value, if any
  std::string token;            // the JWT that speaks for the caller: Bearer, else the apikey
};

// A response with a body and content type; the server adds request id, CORS and keep-alive.
Response make_response(HttpStatus status, std::string body,
                       std::string_view content_type = "application/json; charset=utf-8");

// The value of query parameter `name` (first occurrence, percent-decoded), or empty.
std::string query_param(std::string_view query, std::string_view name);

}  // namespace basalt::http
