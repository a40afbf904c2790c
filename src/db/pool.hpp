// A bounded pool of async connections. The pool holds `size` slot tokens in a channel: taking
// a token is acquiring, putting it back is releasing, so the bound holds without counters.
// Idle connections wait on a stack beside the tokens; a token whose stack is empty means
// "connect on demand", which is also how a broken connection (dropped, not stacked) is
// replaced after Postgres restarts. The stack is last in, first out, as PgBouncer reuses
// server connections: under light load the same few backends take every request and stay
// warm in the CPU caches, instead of all of them taking turns (measured in docs/benchmarks.md).
//
// With one event loop per I/O thread, the slots are split into one shard per loop: a request
// takes a connection of its own thread's shard, whose socket that thread's loop watches, so
// the query's completion wakes the thread that waits for it. Threads that belong to no shard
// (start-up, tests) use the first.
#pragma once
#include <atomic>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/connection.hpp"

namespace basalt::db {

struct PoolOptions {
  std::string conninfo;
  std::size_t size = 10;
  std::chrono::milliseconds acquire_timeout{10000};
  int connect_timeout_ms = 10000;
};

class Pool;

// A connection taken from the pool; gives it back when destroyed (rolling back first if a
// transaction was left open).
class Lease {
 public:
  Lease() = default;
  Lease(std::shared_ptr<Pool> pool, std::size_t shard, std::unique_ptr<Connection> conn)
      : pool_(std::move(pool)), shard_(shard), conn_(std::move(conn)) {}
  Lease(Lease&&) noexcept = default;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease();
  Connection* operator->() const { return conn_.get(); }
  Connection& operator*() const { return *conn_; }
  std::size_t shard() const { return shard_; }  // the pool shard it came from

 private:
  void give_back();
  std::shared_ptr<Pool> pool_;
  std::size_t shard_ = 0;
  std::unique_ptr<Connection> conn_;
};

struct PoolStats {
  std::size_t size = 0;
  std::size_t in_use = 0;
  std::size_t waiting = 0;
};

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  static std::shared_ptr<Pool> create(asio::any_io_executor ex, PoolOptions options);
  // One shard per event loop (`loops[i]` is the executor of I/O thread i); the slots are
  // spread over them (each gets at least one, so the bound is max(size, loops)).
  static std::shared_ptr<Pool> create(std::vector<asio::any_io_executor> loops,
                                      PoolOptions options);
  // Marks the calling thread as I/O thread `index`: its acquire() uses that shard.
  static void bind_thread(std::size_t index);

  asio::awaitable<Result<Lease>> acquire();

  // One statement outside any transaction (autocommit), for internal reads.
  asio::awaitable<Result<PgResult>> query(std::string_view sql, std::span<const Param> params = {});

  PoolStats stats() const;
  const PoolOptions& options() const { return options_; }
  // Prepared statements may reference dropped objects after DDL: forget them everywhere.
  void invalidate_prepared() { generation_.fetch_add(1); }
  // Closes idle connections and makes acquire() fail from now on.
  void close();

 private:
  friend class Lease;
  Pool(std::vector<asio::any_io_executor> loops, PoolOptions options);
  void release(std::size_t shard, std::unique_ptr<Connection> conn);

  using Slot = std::unique_ptr<Connection>;
  using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
  // One per event loop: the slot tokens (a channel bound to that loop's executor) and the idle
  // connections, most recently released last.
  struct Shard {
    Shard(const asio::any_io_executor& loop, std::size_t slots) : tokens(loop, slots) {}
    Channel tokens;
    std::mutex mutex;
    std::vector<Slot> idle;
  };
  Slot pop_idle(Shard& shard);
  PoolOptions options_;
  std::size_t size_ = 0;  // slots over all shards
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::size_t> in_use_{0};
  std::atomic<std::size_t> waiting_{0};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace basalt::db
