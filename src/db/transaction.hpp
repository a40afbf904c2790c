// The one way Basalt runs SQL on behalf of a request: in a transaction, as the request's
// role, with its JWT claims and request details set the way PostgREST sets them, so Row
// Level Security policies (auth.uid(), auth.jwt(), current_setting('request.headers')) see
// the same values they see on Supabase.
#pragma once
#include <string>
#include <vector>

#include "db/pool.hpp"

namespace basalt::db {

struct RequestContext {
  std::string role = "anon";        // a role the authenticator may become
  std::string claims_json = "{}";   // request.jwt.claims (also spread into request.jwt.claim.*)
  std::string method = "GET";       // request.method
  std::string path = "/";           // request.path
  std::string headers_json = "{}";  // request.headers (lower-case names)
  std::string cookies_json = "{}";  // request.cookies
  std::string search_path = "\"public\", \"extensions\"";
  // The role's own settings (ALTER ROLE ... SET statement_timeout = ...), which Postgres
  // applies only at login: set first, before the role itself. A JSON object of name → text
  // value; "" = none.
  std::string role_settings_json;
  // More settings, applied after the request details in the same transaction (PostgREST's
  // timezone preference, a function's hoisted SET clauses, app.settings.*): a JSON object
  // (duplicate names allowed, the last wins); "" = none.
  std::string settings_json;
  // "" (read committed), "repeatable read", "serializable" or "read uncommitted": the level
  // BEGIN asks for (a role's or function's default_transaction_isolation).
  std::string isolation;
  // A statement run after the context and before the request's own, in the same transaction
  // and pipeline (PostgREST's db-pre-request: `select "schema"."fn"()`); "" = none. When it
  // fails, the request fails with its error.
  std::string pre_request_sql;
};

// A transaction as `ctx.role`. BEGIN and the context are sent in the same pipeline as the
// first statement; commit() is one more round trip. Destroying it without commit() rolls back.
class Transaction {
 public:
  static asio::awaitable<Result<Transaction>> begin(Pool& pool, RequestContext ctx);

  asio::awaitable<Result<PgResult>> exec(std::string_view sql, std::vector<Param> params = {});
  asio::awaitable<Status> commit();
  asio::awaitable<Status> rollback();
  // rollback() on a path that already has an error to report: a failed ROLLBACK adds nothing
  // to it (the pool checks the connection when the lease returns it: Pool::release).
  asio::awaitable<void> abandon();

 private:
  Transaction(Lease lease, RequestContext ctx) : lease_(std::move(lease)), ctx_(std::move(ctx)) {}
  Lease lease_;
  RequestContext ctx_;
  bool started_ = false;
  bool finished_ = false;
};

// The fast path: BEGIN, context, one statement, COMMIT as a single pipeline (one round trip).
asio::awaitable<Result<PgResult>> run_as(Pool& pool, const RequestContext& ctx,
                                         std::string_view sql, std::vector<Param> params = {});

// The statement that applies a RequestContext (exposed for tests and EXPLAIN tooling).
std::string_view context_sql();
std::vector<Param> context_params(const RequestContext& ctx);

}  // namespace basalt::db
