// A small blocking libpq connection for start-up work (bootstrap, migrations, seed, database
// reset), which runs before any request is served, so the async pool is not needed yet.
// Failures come back as Error values: code = SQLSTATE, message/details/hint from Postgres.
#pragma once
#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "db/pg_result.hpp"

namespace basalt::platform {

// What Postgres said about a failed command, beyond what Error carries.
struct PgFailure {
  int position = 0;  // PG_DIAG_STATEMENT_POSITION: 1-based character index, 0 when absent
};

class PgSync {
 public:
  // `conninfo` is a libpq connection string or URI. Waits at most `timeout` to connect.
  static Result<PgSync> connect(const std::string& conninfo,
                                std::chrono::seconds timeout = std::chrono::seconds(10));

  PgSync(PgSync&&) noexcept = default;
  PgSync& operator=(PgSync&&) noexcept = default;
  ~PgSync() = default;

  // Simple query protocol: `sql` may hold several statements (only the last result is kept;
  // on failure, the failing statement's error). The whole string is one implicit transaction
  // unless it contains its own transaction control.
  Result<db::PgResult> exec(std::string_view sql);

  // Extended protocol, parameters as text (nullopt = NULL): exactly one statement.
  Result<db::PgResult> exec_params(std::string_view sql,
                                   const std::vector<std::optional<std::string>>& params = {});

  // For building statements that cannot take parameters (ALTER ROLE ... PASSWORD, DDL names).
  Result<std::string> quote_literal(std::string_view text);
  Result<std::string> quote_identifier(std::string_view name);

  // The SCRAM-SHA-256 verifier of `password` for `role`, computed here, not on the server.
  Result<std::string> scram_verifier(std::string_view password, std::string_view role);

  // Details of the most recent failure of exec/exec_params on this connection.
  const PgFailure& last_failure() const { return last_failure_; }

  // NOTICE/WARNING messages from the server; dropped unless a handler is set (libpq would
  // otherwise print them on stderr).
  void set_notice_handler(std::function<void(std::string_view)> handler);

  PGconn* raw() const { return conn_.get(); }

 private:
  struct ConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  PgSync() = default;
  Result<db::PgResult> check(PGresult* r);
  static void on_notice(void* self, const PGresult* r);

  std::unique_ptr<PGconn, ConnDeleter> conn_;
  // Heap-held so its address (given to libpq) survives moves of PgSync.
  std::unique_ptr<std::function<void(std::string_view)>> notice_;
  PgFailure last_failure_;
};

// `key='value'` pairs for a libpq connection string, quoting as libpq expects.
std::string conninfo_pair(std::string_view key, std::string_view value);

// Postgres's text form of a text[] value: {"a","b\"c"}.
std::string text_array_literal(const std::vector<std::string>& items);

}  // namespace basalt::platform
