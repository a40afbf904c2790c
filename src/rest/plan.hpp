// The plan of a REST request: what ApiRequest asked for, checked against the schema cache.
// Every name in a plan has been found in the cache; every value is still just text to bind.
// query.cpp turns a plan into one SQL statement.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "rest/relationships.hpp"

namespace basalt::rest {

// data->a->>b : steps after the column.
struct JsonStep {
  std::string key;  // object key, or the index digits when is_index
  bool is_index = false;
  bool as_text = false;  // ->> rather than ->
};

// A column of the relation a clause belongs to, with an optional JSON path.
struct ColumnPath {
  std::string column;
  std::vector<JsonStep> json;
};

// One comparison `lhs op rhs`, already translated to SQL operators.
struct Comparison {
  ColumnPath lhs;
  enum class Kind {
    binary,      // lhs <sql_op> $value           (eq, gt, like, cs, sl, ...)
    quantified,  // lhs <sql_op> ANY|ALL ($values[0]: an array literal as sent)
    in_list,     // lhs = ANY ($values)  (in.(...))
    is,          // lhs IS NULL | NOT NULL | TRUE | FALSE | UNKNOWN
    fts,         // lhs @@ fn($config, $value)
    distinct,    // lhs IS DISTINCT FROM $value
  } kind = Kind::binary;
  std::string sql_op;               // "=", "<>", "LIKE", "~*", "@>", "&&", "<<", ...
  bool all = false;                 // quantified: ALL rather than ANY
  std::vector<std::string> values;  // one for binary/fts/distinct, many for lists
  std::string is_value;             // "NULL", "NOT NULL", "TRUE", "FALSE", "UNKNOWN"
  std::string
      fts_function;  // to_tsquery | plainto_tsquery | phraseto_tsquery | websearch_to_tsquery
  std::optional<std::string> fts_config;
};

// A boolean tree: a leaf comparison, a test on an embed's presence, or AND/OR of children.
struct Condition {
  enum class Kind { comparison, embed_null, all, any } kind = Kind::all;
  bool negated = false;
  Comparison comparison;            // kind == comparison
  std::string embed_alias;          // kind == embed_null: the lateral's alias
  bool embed_is_null = true;        // rel=is.null vs rel=not.is.null
  std::vector<Condition> children;  // all / any
  bool empty() const { return kind == Kind::all && children.empty() && !negated; }
};

struct OrderTerm {
  ColumnPath column;
  std::string embed_alias;  // ordering by a to-one embed's column: its lateral alias
  bool desc = false;
  std::optional<bool> nulls_first;
};

struct ReadPlan;

// One output key of a row.
struct SelectField {
  enum class Kind { column, embed, spread_column, count_star } kind = Kind::column;
  std::string key;             // output key (alias, column name or last JSON key)
  ColumnPath column;           // kind == column
  std::string cast;            // validated SQL type name, or empty
  std::string aggregate;       // "", "count", "sum", "avg", "min", "max"
  std::string aggregate_cast;  // cast applied to the aggregate's result
  int embed = -1;              // kind == embed / spread_column: index into ReadPlan::embeds
  std::string spread_key;      // spread_column: the key inside the spread embed
};

// Joining a child relation to its parent: child.col = parent.col for each pair, or for
// many-to-many through a junction, or (computed relationships) rows of a function called
// with the parent row.
struct JoinSpec {
  Cardinality cardinality = Cardinality::many_to_one;
  // Computed: the child is `function_schema.function_name(parent row)` instead of a table;
  // the parent row is cast to parent_schema.parent_name, the function's argument type.
  std::string function_schema, function_name;
  std::string parent_schema, parent_name;
  std::vector<std::pair<std::string, std::string>> child_parent;  // (child col, parent col)
  // many_to_many: target.col = junction.col pairs and junction.col = parent.col pairs
  std::string junction_schema, junction_name;
  std::vector<std::pair<std::string, std::string>> target_junction;
  std::vector<std::pair<std::string, std::string>> junction_parent;
  bool to_one() const {
    return cardinality == Cardinality::many_to_one || cardinality == Cardinality::one_to_one;
  }
  bool computed() const { return !function_name.empty(); }
};

struct EmbedPlan;

struct ReadPlan {
  std::string schema, name;  // the relation (table, view) read from
  std::string alias;         // unique SQL alias within the statement
  std::vector<SelectField> select;
  std::vector<EmbedPlan> embeds;
  Condition where;  // kind all
  std::vector<OrderTerm> order;
  std::optional<long long> limit;
  long long offset = 0;
  // A limit/offset beyond bigint, as its decimal text (see req::RowRange): sent instead.
  std::optional<std::string> limit_text, offset_text;
  bool has_aggregates = false;  // GROUP BY every non-aggregated column
};

struct EmbedPlan {
  std::string lateral_alias;  // alias of the LEFT/INNER JOIN LATERAL
  JoinSpec join;
  bool inner = false;
  bool spread = false;
  ReadPlan child;
};

}  // namespace basalt::rest
