// Plan → SQL. One statement per request; it returns a single row with the columns
//   total (bigint or NULL), page_total (bigint), body (text: the JSON document; bytea from a
//   binary media type handler), response_headers, response_status (PostgREST's
//   response.headers / response.status settings, read after the rows were produced)
// so that the response stage never re-reads rows one by one.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rest/plan.hpp"
#include "rest/sql.hpp"

namespace basalt::rest {

struct MediaHandler;

// How the rows become the body: a JSON array (or the first row as an object), with null
// fields stripped for `nulls=stripped`, or what a media type handler makes of them.
struct BodyFormat {
  bool single_object = false;
  bool strip_nulls = false;
  const MediaHandler* handler = nullptr;
};

// Appends the body column `... AS body` over the rows aliased `rows`, and the
// response_headers / response_status columns.
void append_body_columns(Sql& sql, const BodyFormat& f, std::string_view rows);
// The response_headers / response_status columns alone (`, ... AS response_status`).
void append_response_settings(Sql& sql);

// A read (GET/HEAD, or the rows of a set-returning function when `source_sql` is set: then
// the root relation is `source_sql` instead of plan.schema.plan.name).
struct ReadQuery {
  const ReadPlan* plan = nullptr;
  bool count = false;          // total = count(*) of the filtered relation, ignoring limit/offset
  bool single_object = false;  // body is the first row as an object (PGRST116 checked outside)
  // With `count`: stop counting after this many rows (count=estimated counts to max_rows + 1).
  std::optional<long long> count_limit;
  // A function call as the root relation (RPC returning rows): SQL text whose $1..$n are
  // `source_params`; the read's own parameters are numbered after them.
  std::string source_sql;
  std::vector<db::Param> source_params;
  bool strip_nulls = false;               // nulls=stripped
  const MediaHandler* handler = nullptr;  // a media type handler makes the body
};
Sql build_read(const ReadQuery& q);

// EXPLAIN (FORMAT JSON) of the query that counts the plan's rows (filters and inner joins, no
// limit/offset): its "Plan Rows" is count=planned's total. Same `source_sql` rule as build_read.
Sql build_count_explain(const ReadQuery& q);

// INSERT / UPDATE / DELETE / upsert, with the affected rows fed to `returning` (a read plan
// over the mutated rows; its schema/name are ignored). With put_where the row has a sixth
// column, `inserted` (bigint: rows inserted rather than updated).
struct MutationQuery {
  enum class Kind { insert, update, remove } kind = Kind::insert;
  std::string schema, name;
  std::vector<std::string> columns;  // insert/update: the columns taken from the body
  std::string body_json;             // insert: object or array; update: object
  bool body_is_array = false;
  // Upsert (insert only): conflict target columns; merge = DO UPDATE, else DO NOTHING.
  std::optional<std::vector<std::string>> on_conflict;
  bool merge_duplicates = false;
  // Prefer: missing=default: keys absent from an object take the column's DEFAULT. One
  // (column, DEFAULT expression) pair per column that has one; the expressions are the
  // catalog's own SQL (pg_get_expr), never request text.
  bool missing_default = false;
  std::vector<std::pair<std::string, std::string>> defaults;
  // PUT (insert only): the URL's primary-key filters, applied to the body's rows (alias "_"), so
  // a body whose key differs inserts nothing; rows inserted (not updated) are counted in the
  // `inserted` column (PostgREST's pgrst.inserted).
  std::optional<Condition> put_where;
  Condition where;                 // update/delete filters (columns of the target, alias "t")
  std::optional<long long> limit;  // update/delete ordered+limited (PostgREST's limit on mutations)
  const ReadPlan* returning = nullptr;  // nullptr: return=minimal (body empty, count only)
  bool single_object = false;
  bool strip_nulls = false;
  const MediaHandler* handler = nullptr;
};
Sql build_mutation(const MutationQuery& q);

// Appends a boolean SQL expression for `c` over the relation aliased `alias`.
void append_condition(Sql& sql, const Condition& c, const std::string& alias);

}  // namespace basalt::rest
