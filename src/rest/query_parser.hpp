// Stage 1 of the REST pipeline, query string half: PostgREST's query-parameter grammar (select,
// filters, order, and/or logic trees, columns, on_conflict, limit/offset) parsed into plain
// values. Pure: no schema access; names and values stay text for the planner to resolve and bind.
// Parse errors are PGRST100 with PostgREST's message/details (Parsec's unexpected/expecting).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace basalt::rest::req {

// ---------------------------------------------------------------------------------------------
// Fields and JSON paths

// One `->` / `->>` step of a JSON path.
struct JsonOp {
  bool as_text = false;   // `->>` (text result) rather than `->` (json result)
  bool is_index = false;  // the operand is an array index (`->0`, `->>-1`); else an object key
  std::string key;        // object key (unquoted), or the index as "0", "12", "-1"
  bool operator==(const JsonOp&) const = default;
};
using JsonPath = std::vector<JsonOp>;

// A column with an optional JSON path: `data->a->>b`. `name` is "*" for `*` and `count()`.
struct Field {
  std::string name;  // column name, unquoted ("my col" for `"my col"`), spaces around trimmed
  JsonPath json;     // empty when there is no `->`
  bool operator==(const Field&) const = default;
};

// Embedding path: `clients.projects` in `clients.projects.name=eq.x` → {"clients","projects"}.
// Empty = the root relation. Names are the select names/aliases as written by the client.
using EmbedPath = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// select=

enum class Aggregate { sum, avg, max, min, count };
enum class JoinType { inner, left };

struct SelectItem {
  enum class Kind {
    field,     // `col`, `alias:col::cast`, `data->a`, `*`, `count()`, `col.sum()::int`
    relation,  // `rel(...)`, `alias:rel!hint!inner(...)`: an embed
    spread,    // `...rel(...)`: an embed whose columns are lifted into the parent
  } kind = Kind::field;

  // kind == field
  Field field;                                // "*" for `*` and for `count()`
  std::optional<Aggregate> aggregate;         // `.sum()` etc.; `count()` alone → count over "*"
  std::optional<std::string> aggregate_cast;  // `::type` after the aggregate call
  std::optional<std::string> cast;            // `::type` right after the field (before `.agg()`)

  // kind == field or relation (spreads take no alias in PostgREST's grammar)
  std::optional<std::string> alias;  // `alias:`

  // kind == relation or spread
  std::string relation;              // relation name as written (table, view or FK/column hint)
  std::optional<std::string> hint;   // `!hint`: FK constraint, column or junction name
  std::optional<JoinType> join;      // `!inner` / `!left`; nullopt = default (left)
  std::vector<SelectItem> children;  // the items inside `(...)`; may be empty for `rel()`

  bool operator==(const SelectItem&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Filters: `col=op.value`, `rel.col=not.in.(a,b)`, `data->>k=like(any).{a*,b*}`

enum class Operator {
  // single value, may take (any)/(all): `eq(any).{1,2}`
  eq,
  gt,
  gte,
  lt,
  lte,
  like,
  ilike,
  match,
  imatch,
  // single value, no quantifier
  neq,
  cs,
  cd,
  ov,
  sl,
  sr,
  nxr,
  nxl,
  adj,
  in,          // list: `in.(a,b,"c,d")`
  is,          // `is.null|not_null|true|false|unknown` (case-insensitive)
  isdistinct,  // `isdistinct.value`
  fts,
  plfts,
  phfts,
  wfts,  // full-text search, optional `(language)`
};

enum class Quantifier { any, all };
enum class IsValue { null, not_null, is_true, is_false, unknown };

// The right-hand side of a filter, e.g. `not.like(all).{a*,*b}`.
struct OpExpr {
  bool negated = false;  // `not.` prefix
  Operator op = Operator::eq;
  std::optional<Quantifier> quantifier;  // only for eq gt gte lt lte like ilike match imatch
  // Single value (all operators except in/is), as text. For like/ilike every `*` has already
  // been turned into `%` (PostgREST does the same, also inside `{...}` arrays for any/all).
  // With a quantifier this is the Postgres array literal as sent, e.g. "{a,b}".
  std::string value;
  std::vector<std::string> list;        // in: the elements, unquoted/unescaped
  IsValue is_value = IsValue::null;     // is
  std::optional<std::string> language;  // fts family: `fts(english)` → "english"
  bool operator==(const OpExpr&) const = default;
};

struct Filter {
  Field field;  // left-hand side (column + JSON path)
  OpExpr expr;
  bool operator==(const Filter&) const = default;
};

// A filter query parameter with its embed path (`rel.col=...` → path {"rel"}).
struct PathFilter {
  EmbedPath path;
  Filter filter;
  bool operator==(const PathFilter&) const = default;
};

// ---------------------------------------------------------------------------------------------
// and= / or= logic trees

enum class LogicOp { op_and, op_or };

// `or=(a.eq.1,and(b.gt.2,not.c.is.null))`: leaves are filters, nodes are and/or of children.
struct LogicTree {
  bool is_leaf = false;
  Filter filter;                    // is_leaf: the filter (its own `not.` is in filter.expr)
  bool negated = false;             // node: `not.or(...)`
  LogicOp op = LogicOp::op_and;     // node
  std::vector<LogicTree> children;  // node: one or more
  bool operator==(const LogicTree&) const = default;
};

struct PathLogic {
  EmbedPath path;  // `rel.or=(...)` → {"rel"}; `not` segments are dropped (they negate the tree)
  LogicTree tree;  // for `not.or=` the root node has negated = true
  bool operator==(const PathLogic&) const = default;
};

// ---------------------------------------------------------------------------------------------
// order=

enum class OrderDirection { asc, desc };
enum class OrderNulls { first, last };

// `col.desc.nullslast`, `data->x.asc`, or `rel(col).desc` (order by a to-one embed's column).
struct OrderTerm {
  std::optional<std::string> relation;  // set for `rel(col)`: the embed's name or alias
  Field field;
  std::optional<OrderDirection> direction;  // nullopt = not given (ASC)
  std::optional<OrderNulls> nulls;          // nullopt = not given (Postgres default)
  bool operator==(const OrderTerm&) const = default;
};

struct PathOrder {
  EmbedPath path;  // `rel.order=...` → {"rel"}
  std::vector<OrderTerm> terms;
  bool operator==(const PathOrder&) const = default;
};

// ---------------------------------------------------------------------------------------------
// The whole query string

struct QueryParam {
  std::string key;         // percent-decoded, '+' → ' '
  std::string value;       // percent-decoded; "" for both `k=` and `k`
  bool has_value = false;  // false for a bare `k` (no '='): PostgREST ignores those everywhere
  bool operator==(const QueryParam&) const = default;
};

struct QueryParams {
  // Every parameter as sent, decoded, in order (Basalt's ignored_params removed).
  std::vector<QueryParam> all;
  // PostgREST's canonical form: pairs sorted by key (stable), re-encoded, repeated keys joined
  // with ',' — for the Content-Location header ("/" + name + "?" + canonical when non-empty).
  // Non-ASCII bytes are encoded exactly as PostgREST does (as Latin-1 → UTF-8: "é" → %C3%83%C2%A9).
  std::string canonical;

  // select= (first occurrence). Absent → a single `*` field; `select=` → empty list.
  std::vector<SelectItem> select;
  std::optional<std::string> select_raw;  // the raw select value when given

  // Filter parameters that parsed as operator expressions, in query order. For mutations the
  // planner applies root ones (empty path) to the WHERE of the mutation.
  std::vector<PathFilter> filters;
  // Every parameter that is not reserved (select, columns, on_conflict, *.order, *.limit,
  // *.offset, *.and, *.or) and has a value: the filter candidates, in order. Their keys are
  // PostgREST's qsFilterFields (used by PUT's primary-key check).
  std::vector<QueryParam> filter_params;
  // RPC GET/HEAD only: parameters whose value is NOT an operator expression become function
  // arguments (field name, raw value) — exactly PostgREST's rule (`?id=eq.1` stays a filter on
  // the result, `?id=1` is an argument). Empty for other actions.
  std::vector<std::pair<std::string, std::string>> rpc_args;

  std::vector<PathOrder> order;  // order= / rel.order=, query order
  std::vector<PathLogic> logic;  // and= / or= / not.or= / rel.or=, query order

  // columns= (insert/update/RPC restriction): de-duplicated and sorted like PostgREST's Set.
  std::optional<std::vector<std::string>> columns;
  // on_conflict= (upsert target), in the order given.
  std::optional<std::vector<std::string>> on_conflict;

  // limit= / rel.limit= and offset= / rel.offset= as sent (key, value); api_request turns them
  // into row ranges together with the Range header.
  std::vector<std::pair<std::string, std::string>> limit_params;
  std::vector<std::pair<std::string, std::string>> offset_params;
};

// Safety limits beyond PostgREST (which has none): deeper input is a PGRST100.
struct ParseLimits {
  int max_embed_depth = 16;  // nested `rel(...)` levels in select
  int max_logic_depth = 10;  // nested and(...)/or(...) levels in one logic tree
  // `->`/`->>` steps in one JSON path (select, order, filters, logic trees): Postgres runs out
  // of stack on a few thousand.
  int max_json_path = 100;
  // Plain forms (`select=a,b`, `col=eq.v`) skip the grammar: a short scan gives the same
  // result (parser_fast_path_test checks it against the grammar). Off: always the grammar.
  bool fast_paths = true;
};

// Splits and decodes a raw query string (no leading '?') like PostgREST (http-types): pairs
// separated by '&' or ';', '+' → space, bad %-escapes kept literally. Fails (PGRST100) only on
// invalid UTF-8 or NUL bytes after decoding.
Result<std::vector<QueryParam>> decode_query_string(std::string_view raw);

// Parses every parameter; `rpc_read` is true for GET/HEAD on /rpc/fn (filters may fall back to
// function arguments). `ignored` keys (e.g. "apikey") are dropped before anything else.
// Errors come in PostgREST's order: order, logic, columns, select, filters, on_conflict.
Result<QueryParams> parse_query_params(std::string_view raw_query, bool rpc_read,
                                       const ParseLimits& limits = {},
                                       const std::vector<std::string>& ignored = {});

// The individual grammars, on decoded values (exposed for the planner and for tests).
Result<std::vector<SelectItem>> parse_select(std::string_view value,
                                             const ParseLimits& limits = {});
// `key` is the parameter name (tree path: `rel.col` or `data->>x`), `value` the `op.value` part.
Result<PathFilter> parse_filter(std::string_view key, std::string_view value,
                                const ParseLimits& limits = {});
Result<PathOrder> parse_order(std::string_view key, std::string_view value,
                              const ParseLimits& limits = {});
// `key` ends in and/or (`or`, `not.and`, `rel.or`); `value` is `(...)`.
Result<PathLogic> parse_logic(std::string_view key, std::string_view value,
                              const ParseLimits& limits = {});
Result<std::vector<std::string>> parse_columns(std::string_view value);      // columns=
Result<std::vector<std::string>> parse_on_conflict(std::string_view value);  // on_conflict=
// A key like `clients.projects.limit` → ({"clients","projects"}, "limit").
Result<std::pair<EmbedPath, std::string>> parse_tree_path(std::string_view key);

// Readable names (for messages and tests): "eq", "not_null", "asc", ...
std::string_view to_string(Operator op);
std::string_view to_string(Aggregate a);

}  // namespace basalt::rest::req
