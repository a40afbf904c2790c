// The REST API service (/rest/v1 under `basalt start`): PostgREST's pipeline as one handler —
// identify the caller (JWT) → parse (ApiRequest) → plan (schema cache) → build SQL → run it
// in one pipelined transaction as the caller's role → write PostgREST's response.
#pragma once
#include <memory>
#include <optional>
#include <string>
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
  // PostgREST's db-tx-end: Prefer: tx= is honoured only with the *-allow-override values.
  TxEnd tx_end = TxEnd::commit;
  OpenApiMode openapi_mode = OpenApiMode::follow_privileges;  // PostgREST's openapi-mode
  http::IdentityOptions identity;
};

class RestService {
 public:
  RestService(RestOptions options, std::shared_ptr<db::Pool> pool,
              std::shared_ptr<SchemaCacheHolder> cache);

  boost::asio::awaitable<http::Response> handle(http::Exchange& ex);

 private:
  boost::asio::awaitable<Result<http::Response>> run(http::Exchange& ex);
  boost::asio::awaitable<Result<http::Response>> call(const req::ApiRequest& rq,
                                                      const SchemaCache& cache,
                                                      const db::RequestContext& ctx,
                                                      bool authenticated, bool single);

  RestOptions options_;
  std::shared_ptr<db::Pool> pool_;
  std::shared_ptr<SchemaCacheHolder> cache_;
  std::string search_path_;
};

}  // namespace basalt::rest
