#include "cli/services.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace basalt::cli {

namespace {

using http::Exchange;
using http::HttpStatus;
using http::Response;

bool is_loopback(std::string_view ip) {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

// The APIs of later milestones answer in their own error shape until they exist, so a
// client sees an honest "not implemented" rather than a routing error.
Response not_implemented(std::string_view route) {
  const std::string text =
      "The " + std::string(route) + " API is not implemented in this version of Basalt";
  boost::json::object body;
  if (route == "auth") {
    body = {{"code", 501}, {"error_code", "not_implemented"}, {"msg", text}};
  } else if (route == "storage") {
    body = {{"statusCode", "501"}, {"error", "not_implemented"}, {"message", text}};
  } else {
    body = {{"message", text}};
  }
  return http::make_response(HttpStatus::not_implemented, boost::json::serialize(body));
}

}  // namespace

http::Router make_router(const Services& s) {
  http::Router router;
  router.add({"/health", "health", [](Exchange&) -> boost::asio::awaitable<Response> {
                co_return http::make_response(HttpStatus::ok, R"({"status":"ok"})");
              }});
  auto metrics = s.metrics;
  auto service_key = s.keys.service_role;
  router.add({"/metrics", "metrics",
              [metrics, service_key](Exchange& ex) -> boost::asio::awaitable<Response> {
                // Open on loopback (a local Prometheus); elsewhere only with the service key.
                if (!is_loopback(ex.client_ip) && ex.token != service_key) {
                  co_return http::make_response(HttpStatus::unauthorized,
                                                R"({"message":"Unauthorized"})");
                }
                co_return http::make_response(HttpStatus::ok, metrics->render(),
                                              "text/plain; version=0.0.4; charset=utf-8");
              }});
  auto rest = s.rest;
  router.add({"/rest/v1", "rest", [rest](Exchange& ex) -> boost::asio::awaitable<Response> {
                co_return co_await rest->handle(ex);
              }});
  if (auto auth = s.auth) {
    router.add({"/auth/v1", "auth", [auth](Exchange& ex) -> boost::asio::awaitable<Response> {
                  co_return co_await auth->handle(ex);
                }});
    // The mail Auth kept instead of sending (no SMTP server): for developers and tests.
    router.add(
        {"/basalt/v1/mail", "mail", [auth](Exchange& ex) -> boost::asio::awaitable<Response> {
           co_return co_await auth->outbox(ex);
         }});
  } else {
    router.add({"/auth/v1", "auth", [](Exchange&) -> boost::asio::awaitable<Response> {
                  co_return not_implemented("auth");
                }});
  }
  for (auto [prefix, name] :
       {std::pair{"/storage/v1", "storage"}, std::pair{"/realtime/v1", "realtime"}}) {
    std::string route = name;
    router.add({prefix, name, [route](Exchange&) -> boost::asio::awaitable<Response> {
                  co_return not_implemented(route);
                }});
  }
  return router;
}

}  // namespace basalt::cli
