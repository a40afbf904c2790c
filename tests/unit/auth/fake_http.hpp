// Shared by the OAuth provider tests: an HttpClient with canned answers by URL that records
// every call, and run(), which drives one awaitable to completion on its own io_context.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/oidc_http.hpp"

namespace basalt::auth::testing {

class FakeHttp final : public HttpClient {
 public:
  std::map<std::string, HttpReply> replies;
  std::vector<HttpCall> calls;
  boost::asio::awaitable<Result<HttpReply>> send(HttpCall call) override {
    calls.push_back(call);
    auto it = replies.find(call.url);
    if (it == replies.end()) {
      Error e = Error::make(502, "http_failed", "no route");
      e.internal = "no fake reply for " + call.url;
      co_return e;
    }
    co_return it->second;
  }
  int count(std::string_view url) const {
    int n = 0;
    for (const auto& c : calls) n += c.url == url;
    return n;
  }
};

template <class T>
boost::asio::awaitable<void> store(boost::asio::awaitable<T> a, std::optional<T>* out) {
  out->emplace(co_await std::move(a));
}

template <class T>
T run(boost::asio::awaitable<T> a) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(io, store(std::move(a), &out), boost::asio::detached);
  io.run();
  return std::move(*out);
}

}  // namespace basalt::auth::testing
