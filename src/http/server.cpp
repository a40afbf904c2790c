#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "common/log.hpp"
#include "common/random.hpp"

namespace basalt::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Server::SessionState {
  asio::strand<asio::io_context::executor_type> strand;
  beast::tcp_stream* stream = nullptr;  // touched only on `strand`
  bool busy = false;                    // a request is being handled
};

namespace {

Response json_message(HttpStatus status, std::string_view message) {
  boost::json::object body{{"message", message}};
  return make_response(status, boost::json::serialize(body));
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

Server::Server(asio::io_context& ioc, ServerOptions options, Router router, ProjectKeys keys,
               std::shared_ptr<Metrics> metrics)
    : Server(std::vector<asio::io_context*>{&ioc}, std::move(options), std::move(router),
             std::move(keys), std::move(metrics)) {}

Server::Server(std::vector<asio::io_context*> loops, ServerOptions options, Router router,
               ProjectKeys keys, std::shared_ptr<Metrics> metrics)
    : loops_(std::move(loops)),
      options_(std::move(options)),
      router_(std::move(router)),
      keys_(std::move(keys)),
      metrics_(std::move(metrics)),
      acceptor_(asio::make_strand(*loops_.at(0))) {}

Server::~Server() = default;

Status Server::listen() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return Error::make(500, "config", "invalid listen address \"" + options_.host + "\"");
  tcp::endpoint ep(address, static_cast<unsigned short>(options_.port));
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (ec == asio::error::address_in_use) {
    return Error::make(500, "port_in_use",
                       "API port " + std::to_string(options_.port) +
                           " is in use: stop the other server or set [api] port in "
                           "supabase/config.toml");
  }
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::make(500, "listen",
                       "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                           ": " + ec.message());
  }
  bound_port_ = acceptor_.local_endpoint().port();
  return Status{};
}

void Server::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

asio::awaitable<void> Server::accept_loop() {
  while (!draining_) {
    auto strand = asio::make_strand(*loops_[next_loop_++ % loops_.size()]);
    auto [ec, socket] = co_await acceptor_.async_accept(strand, kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      continue;  // e.g. EMFILE or a connection reset before accept: keep serving
    }
    auto state = std::make_shared<SessionState>(SessionState{strand});
    {
      std::lock_guard lock(sessions_mutex_);
      sessions_.insert(state);
    }
    asio::co_spawn(strand, session(std::move(socket), state), asio::detached);
  }
}

std::size_t Server::active_connections() const {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

asio::awaitable<void> Server::session(tcp::socket socket, std::shared_ptr<SessionState> state) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  std::string client_ip = ec ? std::string() : peer.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  state->stream = &stream;
  beast::flat_buffer buffer;
  bool first = true;
  // 413 for a body above the limit: Beast reports it while reading the header (a declared
  // Content-Length) or while reading the body (chunked). The header was read either way.
  auto payload_too_large = [&](beast_http::request_parser<beast_http::string_body>& parser,
                               std::chrono::steady_clock::time_point started) {
    Response res = json_message(HttpStatus::payload_too_large, "Payload too large");
    Exchange ex;
    ex.request = parser.release();
    ex.client_ip = client_ip;
    ex.started = started;
    parse_target(ex);
    resolve(ex);
    finish(ex, res);
    res.keep_alive(false);
    return res;
  };

  while (!draining_) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options_.header_limit));
    parser.body_limit(options_.body_limit);
    stream.expires_after(first ? options_.read_timeout : options_.idle_timeout);
    auto [hec, hn] = co_await beast_http::async_read_header(stream, buffer, parser, kTuple);
    if (hec) {
      if (hec == beast_http::error::header_limit) {
        auto res = json_message(HttpStatus::request_header_fields_too_large,
                                "Request header fields too large");
        Exchange ex;  // what little is known: enough for the request id and the log line
        ex.client_ip = client_ip;
        ex.started = std::chrono::steady_clock::now();
        finish(ex, res);
        // The headers (Origin among them) were not read; the body holds nothing private, so
        // let a browser script see the error.
        res.set(beast_http::field::access_control_allow_origin, "*");
        res.keep_alive(false);
        stream.expires_after(options_.write_timeout);
        co_await beast_http::async_write(stream, res, kTuple);
      } else if (hec == beast_http::error::body_limit) {
        // Nothing of the body was read: answer at once and close.
        Response res = payload_too_large(parser, std::chrono::steady_clock::now());
        stream.expires_after(options_.write_timeout);
        co_await beast_http::async_write(stream, res, kTuple);
      }
      break;
    }
    state->busy = true;
    auto started = std::chrono::steady_clock::now();

    if (beast::websocket::is_upgrade(parser.get())) {
      Exchange ex;
      ex.request = parser.release();
      ex.client_ip = client_ip;
      ex.started = started;
      const Route* route = resolve(ex);
      if (route && route->upgrade) {
        auto rejected = apply_gateway(ex, key_policy(ex.route, ex.subpath), keys_);
        if (!rejected) {
          state->stream = nullptr;
          stream.expires_never();
          co_await route->upgrade(std::move(stream), std::move(ex));
          std::lock_guard lock(sessions_mutex_);
          sessions_.erase(state);
          co_return;
        }
        Response res = std::move(*rejected);
        ex.request_id = request_id();
        finish(ex, res);
        res.keep_alive(false);
        co_await beast_http::async_write(stream, res, kTuple);
        break;
      }
      // No websocket service here: answer as plain HTTP below (404/426 from the route).
      parser.get() = std::move(ex.request);
    }

    if (auto it = parser.get().find(beast_http::field::expect);
        it != parser.get().end() && beast::iequals(it->value(), "100-continue") &&
        !parser.is_done()) {
      Response cont{HttpStatus::continue_, 11};
      co_await beast_http::async_write(stream, cont, kTuple);
    }
    if (!parser.is_done()) {
      stream.expires_after(options_.read_timeout);
      auto [bec, bn] = co_await beast_http::async_read(stream, buffer, parser, kTuple);
      if (bec) {
        if (bec == beast_http::error::body_limit) {
          Response res = payload_too_large(parser, started);
          stream.expires_after(options_.write_timeout);
          co_await beast_http::async_write(stream, res, kTuple);
        }
        break;
      }
    }

    Exchange ex;
    ex.request = parser.release();
    ex.client_ip = client_ip;
    ex.started = started;
    Response res = co_await dispatch(ex);
    finish(ex, res);
    const bool keep = ex.request.keep_alive() && !draining_;
    res.keep_alive(keep);
    stream.expires_after(options_.write_timeout);
    auto [wec, wn] = co_await beast_http::async_write(stream, res, kTuple);
    state->busy = false;
    if (wec || !keep) break;
    first = false;
  }
  state->stream = nullptr;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(state);
}

namespace {

// Clients send characters RFC 3986 does not allow in a URL ('>' in PostgREST's JSON paths,
// '{' '}' in array filters, '"' in quoted names, spaces); PostgREST accepts them, so percent-
// encode those (and '%' not starting an escape) before parsing.
std::string lenient_target(std::string_view raw) {
  auto is_hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/?";
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                    kAllowed.find(c) != std::string_view::npos ||
                    (c == '%' && i + 2 < raw.size() && is_hex(raw[i + 1]) && is_hex(raw[i + 2]));
    if (ok) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

}  // namespace

bool Server::parse_target(Exchange& ex) {
  std::string target(ex.request.target());
  if (!boost::urls::parse_uri_reference(target)) target = lenient_target(target);
  // Origin form ("/path?q") as browsers send it, or absolute form as proxies may (RFC 9112).
  auto url = boost::urls::parse_uri_reference(target);
  if (!url) return false;
  if (url->has_scheme() ? (url->scheme_id() != boost::urls::scheme::http &&
                           url->scheme_id() != boost::urls::scheme::https)
                        : !target.starts_with('/')) {
    return false;
  }
  boost::urls::url u(*url);
  // Resolve "." and ".." (also when percent-encoded) before any rule looks at the path, so
  // /auth/v1/verify/../user is /auth/v1/user for the gateway as for the service.
  u.normalize_path();
  ex.encoded_path = u.encoded_path();
  if (ex.encoded_path.empty()) ex.encoded_path = "/";
  ex.path = u.path();
  ex.query = u.encoded_query();
  return true;
}

const Route* Server::resolve(Exchange& ex) {
  if (ex.encoded_path.empty() && !parse_target(ex)) return nullptr;
  // One normalised path for everyone: normalize_path() also decodes %2F, so the gateway rules
  // and the service see the same segments and no encoding can slip past a rule.
  std::string encoded_sub;
  const Route* route = router_.match(ex.encoded_path, encoded_sub);
  if (route == nullptr) return nullptr;
  ex.route = route->name;
  ex.subpath =
      boost::urls::pct_string_view(boost::urls::make_pct_string_view(encoded_sub).value()).decode();
  return route;
}

asio::awaitable<Response> Server::dispatch(Exchange& ex) {
  if (auto id = ex.request["x-request-id"]; valid_request_id(id)) {
    ex.request_id = std::string(id);
  } else {
    ex.request_id = request_id();
  }
  if (!parse_target(ex)) co_return json_message(HttpStatus::bad_request, "Invalid request target");
  const Route* route = resolve(ex);
  if (route == nullptr) {
    co_return json_message(HttpStatus::not_found, "no Route matched with those values");
  }
  if (is_preflight(ex.request) && cors_origin_allowed(ex.request, options_.cors_allowed_origins)) {
    co_return preflight_response(ex.request, options_.cors_allowed_origins);
  }
  if (auto rejected = apply_gateway(ex, key_policy(ex.route, ex.subpath), keys_)) {
    co_return std::move(*rejected);
  }
  if (beast::websocket::is_upgrade(ex.request)) {
    co_return json_message(HttpStatus::upgrade_required, "websocket is not served on this path");
  }
  try {
    co_return co_await route->handler(ex);
  } catch (const std::exception& e) {
    // Handlers return errors as values; reaching here is a bug. Keep serving.
    log::error("request_id={} unhandled exception in {} handler: {}", ex.request_id, ex.route,
               e.what());
  }
  co_return json_message(HttpStatus::internal_server_error, "Internal server error");
}

void Server::finish(Exchange& ex, Response& res) {
  if (ex.request_id.empty()) ex.request_id = request_id();
  res.set("X-Request-Id", ex.request_id);
  add_cors_headers(ex.request, res, options_.cors_allowed_origins);
  if (ex.request.method() == beast_http::verb::head) {
    auto length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started).count();
  const int status = static_cast<int>(res.result_int());
  metrics_->observe_request(ex.route, std::string(ex.request.method_string()), status, seconds);
  if (options_.access_log && spdlog::should_log(spdlog::level::info)) {
    // The path only: query strings can carry apikeys and tokens.
    log::json_line("info", {{"msg", "request"},
                            {"request_id", ex.request_id},
                            {"method", ex.request.method_string()},
                            {"path", ex.path},
                            {"route", ex.route},
                            {"status", status},
                            {"duration_ms", seconds * 1000.0},
                            {"bytes", res.body().size()},
                            {"client_ip", ex.client_ip}});
  }
}

asio::awaitable<void> Server::shutdown(std::chrono::milliseconds grace) {
  draining_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
  auto close_sessions = [this](bool only_idle) {
    std::lock_guard lock(sessions_mutex_);
    for (const auto& s : sessions_) {
      asio::post(s->strand, [s, only_idle] {
        if (s->stream && (!only_idle || !s->busy)) s->stream->socket().close();
      });
    }
  };
  close_sessions(true);
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (active_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(kTuple);
    close_sessions(true);  // sessions that finished a request since
  }
  close_sessions(false);
  for (int i = 0; i < 50 && active_connections() > 0; ++i) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(kTuple);
  }
}

}  // namespace basalt::http
