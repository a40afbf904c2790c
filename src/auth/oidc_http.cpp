#include "auth/oidc_http.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <mutex>

namespace basalt::auth {

namespace asio = boost::asio;

namespace {

struct Sink {
  std::string body;
  std::size_t max = 0;
  bool overflow = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * count;
  if (sink->body.size() + n > sink->max) {
    sink->overflow = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

// Where a request went, for errors and logs: scheme, host and path, never the query.
std::string where(const std::string& url) {
  const auto q = url.find_first_of("?#");
  return q == std::string::npos ? url : url.substr(0, q);
}

struct Outcome {
  std::string failure;  // empty on success
  HttpReply reply;
};

// Runs on the worker pool: one blocking libcurl request.
asio::awaitable<Outcome> perform(HttpCall call, CurlHttpClient::Limits limits) {
  Outcome out;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    out.failure = "curl_easy_init failed";
    co_return out;
  }
  curl_slist* list = nullptr;
  for (const auto& h : call.headers) {
    curl_slist* next = curl_slist_append(list, h.c_str());
    if (next == nullptr) {
      curl_slist_free_all(list);
      out.failure = "curl_slist_append failed";
      co_return out;
    }
    list = next;
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list, curl_slist_free_all);
  Sink sink;
  sink.max = limits.max_body;
  char errors[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLcode c) {
    if (rc == CURLE_OK) rc = c;
  };
  set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errors));
  set(curl_easy_setopt(h, CURLOPT_URL, call.url.c_str()));
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(limits.connect_timeout.count())));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.total_timeout.count())));
  set(curl_easy_setopt(h, CURLOPT_USERAGENT, "basalt-auth"));
  set(curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""));
  set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body));
  set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink));
  if (headers) set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()));
  if (call.method == "POST") {
    set(curl_easy_setopt(h, CURLOPT_POST, 1L));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(call.body.size())));
    set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.c_str()));
  } else {
    set(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
  }
  if (rc != CURLE_OK) {
    out.failure = fmt::format("curl setup failed: {}", curl_easy_strerror(rc));
    co_return out;
  }
  rc = curl_easy_perform(h);
  if (sink.overflow) {
    out.failure = fmt::format("{}: response larger than {} bytes", where(call.url), sink.max);
    co_return out;
  }
  if (rc != CURLE_OK) {
    out.failure =
        fmt::format("{}: {}", where(call.url), errors[0] != '\0' ? errors : curl_easy_strerror(rc));
    co_return out;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.reply.status);
  out.reply.body = std::move(sink.body);
  co_return out;
}

}  // namespace

CurlHttpClient::CurlHttpClient(Limits limits, unsigned threads)
    : limits_(limits), pool_(threads == 0 ? 1 : threads) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlHttpClient::~CurlHttpClient() {
  pool_.stop();
  pool_.join();
}

asio::awaitable<Result<HttpReply>> CurlHttpClient::send(HttpCall call) {
  Outcome out = co_await asio::co_spawn(pool_.get_executor(), perform(std::move(call), limits_),
                                        asio::use_awaitable);
  if (!out.failure.empty()) {
    Error e = Error::make(502, "http_failed", "The request to the provider failed");
    e.internal = std::move(out.failure);
    co_return e;
  }
  co_return std::move(out.reply);
}

}  // namespace basalt::auth
