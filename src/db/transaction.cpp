#include "db/transaction.hpp"

#include <vector>

namespace basalt::db {

namespace {

// set_config(..., true) is transaction-local: nothing leaks to the next user of the
// connection. The select list runs left to right: the role's own settings first (as the
// login role, so a `GRANT SET ON PARAMETER` to the authenticator is what counts), then the
// role, claims and request details, then the other settings. Legacy request.jwt.claim.<name>
// settings are set for every top-level claim whose name is a valid setting name (others, like
// URLs used as claim names, are skipped because Postgres would reject the whole statement).
// $8 and $9 are JSON objects as text; `json` keeps duplicate keys in order, so a later value
// of the same setting wins. response.headers/status start empty in every transaction, so a
// value a function set for the whole session never reaches another request's response.
constexpr std::string_view kContextSql =
    "select (select count(set_config(key, value, true)) from json_each_text($8::json)), "
    "set_config('role', $1, true), set_config('request.jwt.claims', $2, true), "
    "set_config('request.method', $3, true), set_config('request.path', $4, true), "
    "set_config('request.headers', $5, true), set_config('request.cookies', $6, true), "
    "set_config('search_path', $7, true), "
    "set_config('response.headers', '', true), set_config('response.status', '', true), "
    "(select count(set_config('request.jwt.claim.' || key, value, true)) "
    "from json_each_text(case when json_typeof($2::json) = 'object' then $2::json end) "
    "where key ~ '^[A-Za-z_][A-Za-z0-9_]*$'), "
    "(select count(set_config(key, value, true)) from json_each_text($9::json))";

constexpr Statement kCommit{"COMMIT", {}, false};

// BEGIN with the isolation level a role or function asks for (default_transaction_isolation
// in its settings); only Postgres's four level names get here.
std::string_view begin_sql(std::string_view isolation) {
  if (isolation == "serializable") return "BEGIN ISOLATION LEVEL SERIALIZABLE";
  if (isolation == "repeatable read") return "BEGIN ISOLATION LEVEL REPEATABLE READ";
  if (isolation == "read uncommitted") return "BEGIN ISOLATION LEVEL READ UNCOMMITTED";
  return "BEGIN";  // read committed, Postgres's default
}

// What a transaction starts with: BEGIN, the context, and the extra settings and pre-request
// call when the context has them. The statements point into the params held here.
struct Prologue {
  std::vector<Param> ctx_params;
  std::vector<Statement> statements;

  explicit Prologue(const RequestContext& ctx) : ctx_params(context_params(ctx)) {
    statements.reserve(5);
    statements.push_back(Statement{begin_sql(ctx.isolation), {}, false});
    statements.push_back(Statement{kContextSql, ctx_params});
    if (!ctx.pre_request_sql.empty()) statements.push_back(Statement{ctx.pre_request_sql, {}});
  }
  Prologue(const Prologue&) = delete;
  Prologue& operator=(const Prologue&) = delete;
};

}  // namespace

std::string_view context_sql() {
  return kContextSql;
}

std::vector<Param> context_params(const RequestContext& ctx) {
  auto object_or_empty = [](const std::string& json) -> Param {
    return json.empty() ? Param(std::string("{}")) : Param(json);
  };
  return {ctx.role,
          ctx.claims_json,
          ctx.method,
          ctx.path,
          ctx.headers_json,
          ctx.cookies_json,
          ctx.search_path,
          object_or_empty(ctx.role_settings_json),
          object_or_empty(ctx.settings_json)};
}

asio::awaitable<Result<Transaction>> Transaction::begin(Pool& pool, RequestContext ctx) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return std::move(lease).error();
  co_return Transaction(std::move(lease).value(), std::move(ctx));
}

asio::awaitable<Result<PgResult>> Transaction::exec(std::string_view sql,
                                                    std::vector<Param> params) {
  if (finished_) co_return Error::make(500, "XX000", "transaction already finished");
  if (started_) {
    Statement st{sql, params};
    auto r = co_await lease_->pipeline(std::span(&st, 1));
    if (!r) {
      finished_ = true;  // Postgres aborted the transaction; Connection rolled it back.
      co_return std::move(r).error();
    }
    co_return std::move(r->front());
  }
  started_ = true;
  Prologue prologue(ctx_);
  auto& sts = prologue.statements;
  const std::size_t at = sts.size();
  sts.push_back(Statement{sql, params});
  auto r = co_await lease_->pipeline(sts);
  if (!r) {
    finished_ = true;
    co_return std::move(r).error();
  }
  co_return std::move((*r)[at]);
}

asio::awaitable<Status> Transaction::commit() {
  if (finished_) co_return Error::make(500, "XX000", "transaction already finished");
  finished_ = true;
  if (!started_) co_return Status{};
  auto r = co_await lease_->pipeline(std::span(&kCommit, 1));
  if (!r) co_return std::move(r).error();
  co_return Status{};
}

asio::awaitable<Status> Transaction::rollback() {
  if (finished_ || !started_) {
    finished_ = true;
    co_return Status{};
  }
  finished_ = true;
  static constexpr Statement kRollback{"ROLLBACK", {}, false};
  auto r = co_await lease_->pipeline(std::span(&kRollback, 1));
  if (!r) co_return std::move(r).error();
  co_return Status{};
}

asio::awaitable<void> Transaction::abandon() {
  const Status ignored = co_await rollback();
  static_cast<void>(ignored);
}

asio::awaitable<Result<PgResult>> run_as(Pool& pool, const RequestContext& ctx,
                                         std::string_view sql, std::vector<Param> params) {
  auto lease = co_await pool.acquire();
  if (!lease) co_return std::move(lease).error();
  Prologue prologue(ctx);
  auto& sts = prologue.statements;
  const std::size_t at = sts.size();
  sts.push_back(Statement{sql, params});
  sts.push_back(kCommit);
  auto r = co_await (*lease)->pipeline(sts);
  if (!r) co_return std::move(r).error();
  co_return std::move((*r)[at]);
}

}  // namespace basalt::db
