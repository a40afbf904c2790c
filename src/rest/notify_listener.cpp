// listen_for_reloads: a dedicated libpq connection that LISTENs on the reload channel. The
// pool's connections run in pipeline mode and are lent out per request, so notifications
// need a connection of their own that just sits waiting on its socket.
#include <libpq-fe.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "common/log.hpp"
#include "rest/schema_cache.hpp"

namespace basalt::rest {

namespace {

using asio::posix::stream_descriptor;
using Clock = std::chrono::steady_clock;

void ignore_notice(void*, const char*) {}

std::string pq_message(PGconn* c) {
  std::string m = c != nullptr ? PQerrorMessage(c) : "out of memory";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// Owns the PGconn and the Asio watcher of its socket (released before PQfinish closes it).
class ListenConnection {
 public:
  explicit ListenConnection(asio::any_io_executor ex) : ex_(ex), socket_(ex) {}
  ~ListenConnection() { close(); }
  ListenConnection(const ListenConnection&) = delete;
  ListenConnection& operator=(const ListenConnection&) = delete;

  void close() {
    if (socket_.is_open()) {
      boost::system::error_code ec;
      socket_.cancel(ec);
      socket_.release();
    }
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
  }

  // Whichever comes first: the socket is ready for `what`, or `timeout` passes.
  // Returns false on timeout or error.
  static asio::awaitable<bool> wait(stream_descriptor& sd, stream_descriptor::wait_type what,
                                    std::chrono::milliseconds timeout) {
    asio::steady_timer timer(sd.get_executor(), timeout);
    auto waited = co_await asio::experimental::make_parallel_group(
                      sd.async_wait(what, asio::deferred), timer.async_wait(asio::deferred))
                      .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    const bool socket_first = std::get<0>(waited)[0] == 0;
    const bool socket_ok = !std::get<1>(waited);
    co_return socket_first&& socket_ok;
  }

  asio::awaitable<Status> open(std::string conninfo, std::string channel) {
    close();
    conn_ = PQconnectStart(conninfo.c_str());
    if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
      co_return Error::make(503, "08000", "cannot connect for LISTEN: " + pq_message(conn_));
    }
    PQsetNoticeProcessor(conn_, &ignore_notice, nullptr);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK) {
      if (st == PGRES_POLLING_FAILED) {
        co_return Error::make(503, "08000", "cannot connect for LISTEN: " + pq_message(conn_));
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) co_return Error::make(503, "08000", "timed out connecting for LISTEN");
      // libpq may switch sockets while trying addresses: watch the current one each round.
      stream_descriptor sd(ex_, PQsocket(conn_));
      const auto what = st == PGRES_POLLING_READING ? stream_descriptor::wait_read
                                                    : stream_descriptor::wait_write;
      const bool ready = co_await wait(sd, what, left);
      sd.release();
      if (!ready && Clock::now() >= deadline) {
        co_return Error::make(503, "08000", "timed out connecting for LISTEN");
      }
      st = PQconnectPoll(conn_);
    }
    if (PQsetnonblocking(conn_, 1) != 0) {
      co_return Error::make(503, "08000", "LISTEN connection: " + pq_message(conn_));
    }
    socket_.assign(PQsocket(conn_));

    char* quoted = PQescapeIdentifier(conn_, channel.c_str(), channel.size());
    if (quoted == nullptr) co_return Error::make(500, "XX000", pq_message(conn_));
    const std::string sql = std::string("LISTEN ") + quoted;
    PQfreemem(quoted);
    if (PQsendQuery(conn_, sql.c_str()) != 1) {
      co_return Error::make(503, "08000", "LISTEN: " + pq_message(conn_));
    }
    for (;;) {
      const int flushed = PQflush(conn_);
      if (flushed == 0) break;
      if (flushed < 0) co_return Error::make(503, "08000", "LISTEN: " + pq_message(conn_));
      const bool writable =
          co_await wait(socket_, stream_descriptor::wait_write, std::chrono::seconds(10));
      if (!writable) co_return Error::make(503, "08000", "LISTEN: cannot write");
    }
    // Read LISTEN's result(s) up to the terminating NULL.
    for (;;) {
      while (PQisBusy(conn_)) {
        const bool readable =
            co_await wait(socket_, stream_descriptor::wait_read, std::chrono::seconds(10));
        if (!readable || PQconsumeInput(conn_) == 0) {
          co_return Error::make(503, "08000", "LISTEN: " + pq_message(conn_));
        }
      }
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) break;
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      std::string err = ok ? "" : PQresultErrorMessage(r);
      PQclear(r);
      if (!ok) co_return Error::make(500, "XX000", "LISTEN failed: " + err);
    }
    co_return Status{};
  }

  // Waits up to `timeout` for input; returns false when the connection is gone.
  asio::awaitable<bool> poll(std::chrono::milliseconds timeout) {
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) co_return false;
    co_await wait(socket_, stream_descriptor::wait_read, timeout);
    if (PQconsumeInput(conn_) == 0) co_return false;
    // Discard any results (none expected) so libpq keeps reading notifications.
    while (!PQisBusy(conn_)) {
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) break;
      PQclear(r);
    }
    co_return PQstatus(conn_) == CONNECTION_OK;
  }

  // Payloads of the notifications received so far.
  std::vector<std::string> take_notifications() {
    std::vector<std::string> out;
    while (PGnotify* n = PQnotifies(conn_)) {
      out.emplace_back(n->extra != nullptr ? n->extra : "");
      PQfreemem(n);
    }
    return out;
  }

 private:
  asio::any_io_executor ex_;
  PGconn* conn_ = nullptr;
  stream_descriptor socket_;
};

bool stopped(const std::shared_ptr<std::atomic<bool>>& stop) {
  return stop && stop->load();
}

}  // namespace

asio::awaitable<void> listen_for_reloads(std::shared_ptr<SchemaCacheHolder> holder,
                                         std::string conninfo, ListenOptions options,
                                         std::shared_ptr<std::atomic<bool>> stop) {
  auto ex = co_await asio::this_coro::executor;
  ListenConnection conn(ex);
  auto backoff = options.min_backoff;  // between connection attempts
  auto retry = options.min_backoff;    // between failed reloads
  bool connected_before = false;
  // How often the loop wakes to check `stop` when nothing happens.
  constexpr std::chrono::milliseconds kIdleWake{250};
  // A steady stream of DDL still reloads at least this often.
  const auto max_delay = std::max(options.debounce * 10, std::chrono::milliseconds(1000));

  while (!stopped(stop)) {
    auto opened = co_await conn.open(conninfo, options.channel);
    if (!opened) {
      log::warn("schema cache listener: {}; retrying in {} ms", opened.error().message,
                backoff.count());
      asio::steady_timer t(ex, backoff);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min(backoff * 2, options.max_backoff);
      continue;
    }
    backoff = options.min_backoff;
    log::info("schema cache listener: listening on channel '{}'", options.channel);
    // Notifications sent while we were away are lost: reload once to catch up.
    std::optional<Clock::time_point> due;            // when the next reload runs
    std::optional<Clock::time_point> first_request;  // oldest request not yet served
    if ((connected_before && options.reload_on_reconnect) || !holder->current()) {
      due = Clock::now();
    }
    connected_before = true;

    while (!stopped(stop)) {
      if (due && Clock::now() >= *due) {
        due.reset();
        first_request.reset();
        auto st = co_await holder->reload();
        if (!st) {
          // reload() logged it and kept the old cache; try again later, as PostgREST does.
          due = Clock::now() + retry;
          retry = std::min(retry * 2, options.max_backoff);
        } else {
          retry = options.min_backoff;
        }
        continue;
      }
      auto wait = kIdleWake;
      if (due) {
        wait =
            std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*due - Clock::now()),
                       std::chrono::milliseconds(1), kIdleWake);
      }
      const bool alive = co_await conn.poll(wait);
      for (const auto& payload : conn.take_notifications()) {
        if (payload != "reload schema" && !payload.empty()) continue;
        // Debounce: wait for a quiet period, but no longer than max_delay in all.
        const auto now = Clock::now();
        if (!first_request) first_request = now;
        due = std::min(now + options.debounce, *first_request + max_delay);
      }
      if (!alive) {
        log::warn("schema cache listener: connection lost; reconnecting");
        break;
      }
    }
    conn.close();
  }
}

}  // namespace basalt::rest
