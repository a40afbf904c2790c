// One asynchronous libpq connection driven by the Asio loop: the socket is watched with
// Asio, libpq does the protocol. Statements are always sent as one pipeline ending in a
// Sync, so a whole request transaction costs a single round trip.
#pragma once
#include <libpq-fe.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "db/pg_result.hpp"

namespace basalt::db {

namespace asio = boost::asio;

using Param = std::optional<std::string>;  // nullopt = SQL NULL; values travel as text

struct Statement {
  std::string_view sql;
  std::span<const Param> params{};
  bool prepare = true;  // cache a server-side prepared statement for this SQL text
};

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects without blocking the loop; fails after `timeout_ms`.
  static asio::awaitable<Result<std::unique_ptr<Connection>>> open(asio::any_io_executor ex,
                                                                   std::string conninfo,
                                                                   int timeout_ms = 10000);

  // Sends every statement, then a Sync, and reads all results. On success returns one result
  // per statement. On failure returns the first error: a Postgres error (code = SQLSTATE), or a
  // connection error (503, class 08) after which the connection is unusable. When a statement
  // fails inside an explicit transaction, the transaction is rolled back before returning.
  asio::awaitable<Result<std::vector<PgResult>>> pipeline(std::span<const Statement> statements);

  // False once the server went away. Also reads anything pending on an idle socket, which is
  // how a connection finds out that Postgres restarted while it sat in the pool.
  bool alive();
  // Whether libpq still considers the connection usable (no syscall: what it last saw).
  bool usable() const { return PQstatus(conn_) == CONNECTION_OK; }
  PGTransactionStatusType transaction_status() const { return PQtransactionStatus(conn_); }
  std::size_t prepared_count() const { return prepared_.size(); }
  // Forget server-side prepared statements (after a schema reload: plans may be stale).
  void reset_prepared() { reset_prepared_ = true; }

  static constexpr std::size_t kMaxPrepared = 512;
  // The pool's prepared-statement generation this connection last synchronised with.
  std::uint64_t generation = 0;

 private:
  Connection(asio::any_io_executor ex, PGconn* conn);
  asio::awaitable<bool> wait_readable();
  asio::awaitable<Status> flush();
  asio::awaitable<Result<PgResult>> next_result();

  PGconn* conn_;
  asio::posix::stream_descriptor socket_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
  std::size_t next_name_ = 0;
  bool reset_prepared_ = false;
};

}  // namespace basalt::db
