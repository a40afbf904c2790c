// Stage 2 of the REST pipeline: ApiRequest + SchemaCache → a plan. Pure. Every relation,
// column, relationship and function named by the request is looked up here and unknown ones
// become PostgREST's errors (PGRST200-205, 42703) with "Perhaps you meant" hints.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rest/api_request.hpp"
#include "rest/plan.hpp"
#include "rest/schema_cache.hpp"

namespace basalt::rest {

struct PlanOptions {
  bool aggregates_enabled = false;    // [api] / db-aggregates-enabled
  std::optional<long long> max_rows;  // [api] max_rows / db-max-rows
};

// The relation `req.name` in `schema`, or PGRST205 with a hint.
Result<const Table*> find_relation(const SchemaCache& cache, const std::string& schema,
                                   const std::string& name);

// The read tree for `table` (select, embeds, filters, logic, order, ranges).
// `columns_of` supplies the columns when the root is not a table (a function's rows).
Result<ReadPlan> plan_read(const req::ApiRequest& req, const SchemaCache& cache, const Table& table,
                           const PlanOptions& options);

// Root filters and logic of a mutation (UPDATE/DELETE WHERE) over `table`, alias "t".
Result<Condition> plan_mutation_filter(const req::ApiRequest& req, const Table& table);

// PUT's rule (PGRST105, 405): no and/or trees, the filtered fields are exactly the primary key
// columns (which must exist), and every root filter is a plain `eq` (no `not`, no any/all).
Status check_put_filters(const req::ApiRequest& req, const Table& table);

// The column DEFAULT expressions of `columns` that have one (for Prefer: missing=default).
std::vector<std::pair<std::string, std::string>> column_defaults(
    const std::vector<std::string>& columns, const Table& table);

// Validates payload columns against `table` (PGRST204 for an unknown one).
Status check_columns(const std::vector<std::string>& columns, const Table& table);

// The overload of `schema.name` a call with `arg_names` (sorted) means: PostgREST's rules
// (named arguments; a single unnamed json/jsonb parameter takes a whole JSON POST body).
// `body` is the POST body's media type. Not found: PGRST202 with PostgREST's texts and hints.
Result<const Routine*> find_routine(const SchemaCache& cache, const std::string& schema,
                                    const std::string& name,
                                    const std::vector<std::string>& arg_names, bool is_post,
                                    req::MediaKind body = req::MediaKind::json);

}  // namespace basalt::rest
