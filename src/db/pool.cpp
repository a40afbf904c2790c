#include "db/pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace basalt::db {

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

Lease::~Lease() {
  give_back();
}

void Lease::give_back() {
  if (pool_) pool_->release(std::move(conn_));
  pool_.reset();
}

std::shared_ptr<Pool> Pool::create(asio::any_io_executor ex, PoolOptions options) {
  return std::shared_ptr<Pool>(new Pool(std::move(ex), std::move(options)));
}

Pool::Pool(asio::any_io_executor ex, PoolOptions options)
    : ex_(ex), options_(std::move(options)), slots_(ex, options_.size) {
  for (std::size_t i = 0; i < options_.size; ++i)
    slots_.try_send(boost::system::error_code{}, nullptr);
}

asio::awaitable<Result<Lease>> Pool::acquire() {
  if (closed_) co_return connection_error("pool is closed");
  Slot slot;
  bool got = slots_.try_receive([&](boost::system::error_code, Slot s) { slot = std::move(s); });
  if (!got) {
    ++waiting_;
    asio::steady_timer timer(ex_, options_.acquire_timeout);
    // Wait for both outcomes so a slot received at the same moment the timer fires is kept.
    auto waited = co_await asio::experimental::make_parallel_group(
                      slots_.async_receive(asio::deferred), timer.async_wait(asio::deferred))
                      .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    --waiting_;
    if (std::get<1>(waited)) {
      co_return Error{503, "PGRST003", "Timed out acquiring connection from connection pool.",
                      "",  "",         "pool acquire timeout"};
    }
    slot = std::move(std::get<2>(waited));
  }
  ++in_use_;
  // An idle connection may have lost its server (restart); if so, connect afresh.
  if (slot && !slot->alive()) slot.reset();
  if (!slot) {
    auto opened = co_await Connection::open(ex_, options_.conninfo, options_.connect_timeout_ms);
    if (!opened) {
      release(nullptr);
      co_return std::move(opened).error();
    }
    slot = std::move(opened).value();
    slot->generation = generation_.load();
  }
  if (slot->generation != generation_.load()) {
    slot->reset_prepared();
    slot->generation = generation_.load();
  }
  co_return Lease(shared_from_this(), std::move(slot));
}

void Pool::release(std::unique_ptr<Connection> conn) {
  --in_use_;
  if (closed_) conn.reset();
  // What the last use saw is enough here; acquire() checks the socket before the next use.
  if (conn && !conn->usable()) conn.reset();
  if (conn && conn->transaction_status() != PQTRANS_IDLE) {
    // Someone left a transaction open (an early return or an error path): roll it back
    // before anyone else can use the connection.
    ++in_use_;
    asio::co_spawn(
        ex_,
        [self = shared_from_this(), c = std::move(conn)]() mutable -> asio::awaitable<void> {
          static constexpr Statement kRollback{"ROLLBACK", {}, false};
          auto r = co_await c->pipeline(std::span(&kRollback, 1));
          if (!r) c.reset();
          self->release(std::move(c));
        },
        asio::detached);
    return;
  }
  slots_.try_send(boost::system::error_code{}, std::move(conn));
}

asio::awaitable<Result<PgResult>> Pool::query(std::string_view sql, std::span<const Param> params) {
  auto lease = co_await acquire();
  if (!lease) co_return std::move(lease).error();
  Statement st{sql, params, true};
  auto r = co_await (*lease)->pipeline(std::span(&st, 1));
  if (!r) co_return std::move(r).error();
  co_return std::move(r->front());
}

PoolStats Pool::stats() const {
  return {options_.size, in_use_.load(), waiting_.load()};
}

void Pool::close() {
  closed_ = true;
  for (;;) {
    bool got = slots_.try_receive([](boost::system::error_code, Slot) {});
    if (!got) break;
  }
}

}  // namespace basalt::db
