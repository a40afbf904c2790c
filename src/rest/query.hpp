// Plan → SQL. One statement per request; it returns a single row with the columns
//   total (bigint or NULL), page_total (bigint), body (text: the JSON document)
// so that the response stage never re-reads rows one by one.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "rest/plan.hpp"
#include "rest/sql.hpp"

namespace basalt::rest {

// A read (GET/HEAD, or the rows of a set-returning function when `source_sql` is set: then
// the root relation is `source_sql` instead of plan.schema.plan.name).
struct ReadQuery {
  const ReadPlan* plan = nullptr;
  bool count_exact = false;    // total = count(*) of the filtered relation, ignoring limit/offset
  bool single_object = false;  // body is the first row as an object (PGRST116 checked outside)
  // A function call as the root relation (RPC returning rows): SQL text whose $1..$n are
  // `source_params`; the read's own parameters are numbered after them.
  std::string source_sql;
  std::vector<db::Param> source_params;
};
Sql build_read(const ReadQuery& q);

// INSERT / UPDATE / DELETE / upsert, with the affected rows fed to `returning` (a read plan
// over the mutated rows; its schema/name are ignored).
struct MutationQuery {
  enum class Kind { insert, update, remove } kind = Kind::insert;
  std::string schema, name;
  std::vector<std::string> columns;  // insert/update: the columns taken from the body
  std::string body_json;             // insert: object or array; update: object
  bool body_is_array = false;
  // Upsert (insert only): conflict target columns; merge = DO UPDATE, else DO NOTHING.
  std::optional<std::vector<std::string>> on_conflict;
  bool merge_duplicates = false;
  bool missing_default = false;    // Prefer: missing=default: absent keys use column defaults
  Condition where;                 // update/delete filters (columns of the target, alias "t")
  std::optional<long long> limit;  // update/delete ordered+limited (PostgREST's limit on mutations)
  const ReadPlan* returning = nullptr;  // nullptr: return=minimal (body empty, count only)
  bool single_object = false;
};
Sql build_mutation(const MutationQuery& q);

// Appends a boolean SQL expression for `c` over the relation aliased `alias`.
void append_condition(Sql& sql, const Condition& c, const std::string& alias);

}  // namespace basalt::rest
