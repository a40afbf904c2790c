#include "db/pool.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace basalt::db {

namespace {
// The shard of the calling I/O thread (Pool::bind_thread); 0 for every other thread.
thread_local std::size_t t_shard = 0;
}  // namespace

void Pool::bind_thread(std::size_t index) {
  t_shard = index;
}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::move(other.pool_);
    shard_ = other.shard_;
    conn_ = std::move(other.conn_);
  }
  return *this;
}

Lease::~Lease() {
  give_back();
}

void Lease::give_back() {
  if (pool_) pool_->release(shard_, std::move(conn_));
  pool_.reset();
}

std::shared_ptr<Pool> Pool::create(asio::any_io_executor ex, PoolOptions options) {
  return create(std::vector<asio::any_io_executor>{std::move(ex)}, std::move(options));
}

std::shared_ptr<Pool> Pool::create(std::vector<asio::any_io_executor> loops, PoolOptions options) {
  return std::shared_ptr<Pool>(new Pool(std::move(loops), std::move(options)));
}

Pool::Pool(std::vector<asio::any_io_executor> loops, PoolOptions options)
    : options_(std::move(options)) {
  const std::size_t n = std::max<std::size_t>(1, loops.size());
  for (std::size_t i = 0; i < n; ++i) {
    // Slots spread evenly, the first shards taking the remainder; at least one each.
    const std::size_t slots =
        std::max<std::size_t>(1, options_.size / n + (i < options_.size % n ? 1 : 0));
    auto shard = std::make_unique<Shard>(loops[i], slots);
    for (std::size_t k = 0; k < slots; ++k) shard->tokens.try_send(boost::system::error_code{});
    shard->idle.reserve(slots);
    size_ += slots;
    shards_.push_back(std::move(shard));
  }
}

asio::awaitable<Result<Lease>> Pool::acquire() {
  if (closed_) co_return connection_error("pool is closed");
  const std::size_t index = t_shard < shards_.size() ? t_shard : 0;
  Shard& shard = *shards_[index];
  bool got = shard.tokens.try_receive([](boost::system::error_code) {});
  if (!got) {
    ++waiting_;
    asio::steady_timer timer(shard.tokens.get_executor(), options_.acquire_timeout);
    // Wait for both outcomes so a token received at the same moment the timer fires is kept.
    auto waited = co_await asio::experimental::make_parallel_group(
                      shard.tokens.async_receive(asio::deferred), timer.async_wait(asio::deferred))
                      .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    --waiting_;
    if (std::get<1>(waited)) {
      co_return Error{503, "PGRST003", "Timed out acquiring connection from connection pool.",
                      "",  "",         "pool acquire timeout"};
    }
  }
  ++in_use_;
  Slot slot = pop_idle(shard);
  // An idle connection may have lost its server (restart); if so, connect afresh.
  if (slot && !slot->alive()) slot.reset();
  if (!slot) {
    auto opened = co_await Connection::open(shard.tokens.get_executor(), options_.conninfo,
                                            options_.connect_timeout_ms);
    if (!opened) {
      release(index, nullptr);
      co_return std::move(opened).error();
    }
    slot = std::move(opened).value();
    slot->generation = generation_.load();
  }
  if (slot->generation != generation_.load()) {
    slot->reset_prepared();
    slot->generation = generation_.load();
  }
  co_return Lease(shared_from_this(), index, std::move(slot));
}

Pool::Slot Pool::pop_idle(Shard& shard) {
  std::lock_guard lock(shard.mutex);
  if (shard.idle.empty()) return nullptr;
  Slot slot = std::move(shard.idle.back());
  shard.idle.pop_back();
  return slot;
}

void Pool::release(std::size_t shard, std::unique_ptr<Connection> conn) {
  --in_use_;
  if (closed_) conn.reset();
  // What the last use saw is enough here; acquire() checks the socket before the next use.
  if (conn && !conn->usable()) conn.reset();
  if (conn && conn->transaction_status() != PQTRANS_IDLE) {
    // Someone left a transaction open (an early return or an error path): roll it back
    // before anyone else can use the connection.
    ++in_use_;
    asio::co_spawn(
        shards_[shard]->tokens.get_executor(),
        [self = shared_from_this(), shard, c = std::move(conn)]() mutable -> asio::awaitable<void> {
          static constexpr Statement kRollback{"ROLLBACK", {}, false};
          auto r = co_await c->pipeline(std::span(&kRollback, 1));
          if (!r) c.reset();
          self->release(shard, std::move(c));
        },
        asio::detached);
    return;
  }
  Shard& s = *shards_[shard];
  if (conn) {
    std::lock_guard lock(s.mutex);
    s.idle.push_back(std::move(conn));
  }
  s.tokens.try_send(boost::system::error_code{});
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
  return {size_, in_use_.load(), waiting_.load()};
}

void Pool::close() {
  closed_ = true;
  for (auto& shard : shards_) {
    while (shard->tokens.try_receive([](boost::system::error_code) {})) {
    }
    std::vector<Slot> idle;
    {
      std::lock_guard lock(shard->mutex);
      idle.swap(shard->idle);
    }
  }
}

}  // namespace basalt::db
