// Outgoing HTTP for the OAuth / OpenID Connect flows: discovery documents, JWK sets, the code
// exchange at a provider's token endpoint and its userinfo endpoint. HttpClient is the seam
// the provider logic is written (and unit-tested) against; CurlHttpClient does the requests
// with libcurl on its own small worker pool, never on the I/O threads.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace basalt::auth {

struct HttpCall {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // POST only
};

struct HttpReply {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // The reply of any status; an Error only when no reply arrived (connection, timeout, size).
  // Errors carry the cause in `internal`, never the request's headers or body (secrets).
  virtual boost::asio::awaitable<Result<HttpReply>> send(HttpCall call) = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  struct Limits {
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds total_timeout{10'000};  // Supabase Auth's default
    std::size_t max_body = 1 << 20;
  };
  explicit CurlHttpClient(Limits limits, unsigned threads = 2);
  CurlHttpClient() : CurlHttpClient(Limits{}) {}
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  boost::asio::awaitable<Result<HttpReply>> send(HttpCall call) override;

 private:
  Limits limits_;
  boost::asio::thread_pool pool_;
};

}  // namespace basalt::auth
