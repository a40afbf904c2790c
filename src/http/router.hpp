// Maps a path prefix to a service: /rest/v1 → REST, /auth/v1 → Auth, ... The longest matching
// prefix wins; the service gets the rest of the path as Exchange::subpath.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/exchange.hpp"

namespace basalt::http {

using Handler = std::function<boost::asio::awaitable<Response>(Exchange&)>;
// Takes over the connection for a websocket upgrade (Realtime).
using UpgradeHandler =
    std::function<boost::asio::awaitable<void>(boost::beast::tcp_stream, Exchange)>;

struct Route {
  // "/rest/v1" matches /rest/v1 and /rest/v1/...; "/" mounts the route at the root: it
  // matches every path no longer prefix claims, and its subpath is the whole path.
  std::string prefix;
  std::string name;  // metrics label and gateway rule key
  Handler handler;
  UpgradeHandler upgrade;  // may be empty
};

class Router {
 public:
  void add(Route route);
  // The route for `path`, and the remainder of the path below its prefix.
  const Route* match(std::string_view path, std::string& subpath) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace basalt::http
