// The HTTP/1.1 server: one Asio coroutine per connection on its own strand, keep-alive,
// header/body limits, idle and read timeouts, websocket upgrade detection, and a two-stage
// shutdown (stop accepting, let in-flight requests finish, then close what is left).
#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "common/error.hpp"
#include "common/metrics.hpp"
#include "http/gateway.hpp"
#include "http/router.hpp"

namespace basalt::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 54321;
  std::size_t header_limit = 32 * 1024;
  std::uint64_t body_limit = 64ull * 1024 * 1024;
  std::chrono::seconds idle_timeout{75};  // keep-alive: waiting for the next request
  std::chrono::seconds read_timeout{30};  // reading one request once it started
  std::chrono::seconds write_timeout{60};
  bool access_log = true;
  // Origins allowed by CORS (PostgREST's server-cors-allowed-origins); nullopt = any ("*").
  CorsOrigins cors_allowed_origins;
};

class Server {
 public:
  Server(boost::asio::io_context& ioc, ServerOptions options, Router router, ProjectKeys keys,
         std::shared_ptr<Metrics> metrics);
  // One event loop per I/O thread: the acceptor runs on the first, and each accepted
  // connection lives on the next loop in turn, so a request is handled start to finish by
  // one thread (no hand-offs between threads, no wake-ups of the other loop).
  Server(std::vector<boost::asio::io_context*> loops, ServerOptions options, Router router,
         ProjectKeys keys, std::shared_ptr<Metrics> metrics);
  ~Server();

  // Binds and listens. A port in use is an Error with a message saying what to do.
  Status listen();
  int bound_port() const { return bound_port_; }
  void start();
  // Stop accepting; close idle keep-alive connections; let busy ones finish their current
  // request; after `grace`, close everything. Completes when no connection is left.
  boost::asio::awaitable<void> shutdown(std::chrono::milliseconds grace);
  std::size_t active_connections() const;

 private:
  struct SessionState;
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket,
                                       std::shared_ptr<SessionState> state);
  boost::asio::awaitable<Response> dispatch(Exchange& ex);
  // Fills path, encoded_path and query from the request target; false when it is invalid.
  bool parse_target(Exchange& ex);
  // The route for the request (parsing the target first if needed); sets route and subpath.
  const Route* resolve(Exchange& ex);
  void finish(Exchange& ex, Response& res);

  std::vector<boost::asio::io_context*> loops_;
  std::size_t next_loop_ = 0;  // touched only by the accept loop
  ServerOptions options_;
  Router router_;
  ProjectKeys keys_;
  std::shared_ptr<Metrics> metrics_;
  boost::asio::ip::tcp::acceptor acceptor_;
  int bound_port_ = 0;
  std::atomic<bool> draining_{false};
  mutable std::mutex sessions_mutex_;
  std::set<std::shared_ptr<SessionState>> sessions_;
};

}  // namespace basalt::http
