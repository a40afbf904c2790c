// How the Prefer header shapes a REST response once the request is planned, as PostgREST does:
// the preferences reported in Preference-Applied per action (its responsePreferences), whether
// the transaction ends in ROLLBACK (db-tx-end with Prefer: tx), the max-affected checks
// (PGRST124/128) and the total row count for count=planned|estimated (EXPLAIN's "Plan Rows").
// Pure functions: the service runs the statements and calls these on what they return.
#pragma once
#include <optional>
#include <string_view>

#include "common/error.hpp"
#include "rest/api_request.hpp"

namespace basalt::rest {

// PostgREST's db-tx-end.
enum class TxEnd { commit, commit_allow_override, rollback, rollback_allow_override };

// "commit", "commit-allow-override", "rollback", "rollback-allow-override"; else nullopt.
std::optional<TxEnd> parse_tx_end(std::string_view text);
// Whether Prefer: tx=commit|rollback is honoured (the *-allow-override values).
bool tx_override_allowed(TxEnd tx_end);
// Whether the request's transaction is rolled back instead of committed: Prefer: tx=rollback
// (only present when allowed), or a rollback* setting not overridden by tx=commit.
bool ends_in_rollback(TxEnd tx_end, const req::Preferences& prefs);

// The plan a response comes from (PostgREST's CrudPlan / Mutation).
enum class PlanKind { read, create, update, single_upsert, remove, call };

// The preferences to list in Preference-Applied for `kind`: resolution only for inserts into a
// relation with a primary key or an on_conflict target, return= only for mutations, missing=
// only for inserts and updates, max-affected only for updates, deletes and calls (and, by
// preference_applied(), only with handling=strict). count, tx, handling and a valid timezone
// are always listed.
req::Preferences applied_preferences(const req::Preferences& sent, PlanKind kind,
                                     bool has_conflict_target);

// PGRST124 (400) when handling=strict, max-affected=N was sent and `affected` > N.
std::optional<Error> max_affected_error(const req::Preferences& prefs, long long affected);
// PGRST128 (400) when handling=strict and max-affected are sent to a function that does not
// return a set (PostgREST checks this while planning the call).
std::optional<Error> max_affected_rpc_error(const req::Preferences& prefs, bool returns_set);

// count=exact and count=estimated count rows with SQL (PostgREST's shouldCount).
bool counts_rows(const std::optional<req::PreferCount>& count);
// The LIMIT of that count: estimated counts stop after max_rows + 1 rows (nullopt = no limit).
std::optional<long long> count_limit(const std::optional<req::PreferCount>& count,
                                     std::optional<long long> max_rows);
// Whether the planner's row estimate is needed: always for planned; for estimated when the
// limited count passed max_rows (or there is no max_rows).
bool needs_planned_count(const std::optional<req::PreferCount>& count,
                         std::optional<long long> counted, std::optional<long long> max_rows);
// "Plan Rows" of the top plan in EXPLAIN (FORMAT JSON) output; nullopt if absent.
std::optional<long long> plan_rows(std::string_view explain_json);
// The total for Content-Range: exact → counted; planned → planned; estimated → counted when it
// did not pass max_rows, else the larger of counted and planned (PostgREST's rule, including
// that without max_rows the estimate always takes part).
std::optional<long long> resolve_total(const std::optional<req::PreferCount>& count,
                                       std::optional<long long> counted,
                                       std::optional<long long> planned,
                                       std::optional<long long> max_rows);

}  // namespace basalt::rest
