// The REST API service (/rest/v1 under `basalt start`): PostgREST's pipeline as one handler —
// identify the caller (JWT) → parse (ApiRequest) → plan (schema cache) → build SQL → run it
// in one pipelined transaction as the caller's role → write PostgREST's response.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/pool.hpp"
#include "http/exchange.hpp"
#include "http/identity.hpp"
#include "rest/openapi.hpp"
#include "rest/planner.hpp"
#include "rest/prefer_apply.hpp"
#include "rest/schema_cache.hpp"

namespace basalt::rest {

struct RestOptions {
  std::vector<std::string> schemas{"public"};
  std::vector<std::string> extra_search_path{"public", "extensions"};
  std::optional<long long> max_rows;
  bool aggregates_enabled = false;
  bool plan_enabled = false;  // PostgREST's db-plan-enabled: Accept: application/vnd.pgrst.plan
  // Read PostgREST's in-database configuration (`ALTER ROLE authenticator SET
  // pgrst.db_plan_enabled = true`, then a schema reload) for the switches above. `basalt rest`
  // reads it with the rest of PostgREST's configuration instead.
  bool read_db_config = true;
  // PostgREST's db-tx-end: Prefer: tx= is honoured only with the *-allow-override values.
  TxEnd tx_end = TxEnd::commit;
  OpenApiMode openapi_mode = OpenApiMode::follow_privileges;  // PostgREST's openapi-mode
  http::IdentityOptions identity;
  // PostgREST's jwt-cache-max-entries: verified tokens remembered (0: verify every request).
  std::size_t jwt_cache_max_entries = 1000;
  // Where the router mounts the service: "/rest/v1" under `basalt start`, "" (the root) for
  // `basalt rest`. Behind Supabase's gateway, `apikey` in the query string is the gateway's,
  // not a filter; PostgREST alone has no gateway.
  std::string mount_prefix = "/rest/v1";
  bool behind_gateway = true;
  // PostgREST's db-pre-request: a function ("schema.fn" or "fn") called in every request's
  // transaction after the request context is set; its error fails the request.
  std::optional<std::string> pre_request;
  // PostgREST's app.settings.*: set (transaction-locally) in every request's transaction.
  std::vector<std::pair<std::string, std::string>> app_settings;
  // PostgREST's db-hoisted-tx-settings: the SET clauses of a called function that are applied
  // to the whole transaction before the call (so a function's statement_timeout counts).
  std::vector<std::string> hoisted_tx_settings{
      "statement_timeout", "plan_filter.statement_cost_limit", "default_transaction_isolation"};
};

// The per-request settings PostgREST sets besides the request details: the role's own
// settings and isolation level, then `Prefer: timezone` (already checked), a called
// function's hoisted settings and isolation level, then app settings (`app_settings_json`, a
// JSON object or ""). Later values of the same setting win.
void apply_settings(db::RequestContext& ctx, const SchemaCache& cache,
                    const std::optional<std::string>& timezone, const Routine* routine,
                    const std::vector<std::string>& hoisted, const std::string& app_settings_json);

// `select "schema"."fn"()` for a db-pre-request value (split at the first dot, as PostgREST).
std::string pre_request_statement(std::string_view function);

class RestService {
 public:
  RestService(RestOptions options, std::shared_ptr<db::Pool> pool,
              std::shared_ptr<SchemaCacheHolder> cache);

  boost::asio::awaitable<http::Response> handle(http::Exchange& ex);

 private:
  boost::asio::awaitable<Result<http::Response>> run(http::Exchange& ex);
  boost::asio::awaitable<Result<http::Response>> call(const req::ApiRequest& rq,
                                                      const SchemaCache& cache,
                                                      db::RequestContext ctx, bool authenticated);
  // PostgREST's db-plan-enabled: the option, or (when read_db_config) the login role's
  // in-database `pgrst.db_plan_enabled` setting, as Supabase's docs suggest enabling it.
  bool plan_enabled(const SchemaCache& cache) const;
  bool aggregates_enabled(const SchemaCache& cache) const;  // db-aggregates-enabled, likewise

  RestOptions options_;
  std::shared_ptr<db::Pool> pool_;
  std::shared_ptr<SchemaCacheHolder> cache_;
  std::string search_path_;
  std::string settings_json_;    // app_settings as a JSON object ("" = none)
  std::string pre_request_sql_;  // from pre_request ("" = none)
};

}  // namespace basalt::rest
