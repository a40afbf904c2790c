// Relationships between tables and views for resource embedding, derived the way PostgREST
// derives them: from foreign keys (M2O/O2M/O2O), junction tables (M2M), foreign keys seen
// through view columns (views on views too) and "computed relationship" functions.
// Pure: no Postgres here, the catalog facts come in as plain values (unit-tested by hand).
#pragma once
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::rest {

// A schema-qualified name: a table, view, function or type.
struct QualifiedName {
  std::string schema;
  std::string name;
  auto operator<=>(const QualifiedName&) const = default;
  bool operator==(const QualifiedName&) const = default;
};

enum class Cardinality {
  many_to_one,   // source holds the FK (or is a view exposing it): embeds one object
  one_to_many,   // target holds the FK: embeds an array
  one_to_one,    // the FK columns are also a PK/unique key: embeds one object both ways
  many_to_many,  // through a junction table: embeds an array
};

// One column pairing of a relationship, always oriented from the relationship's source.
struct ColumnPair {
  std::string source;  // column of the source relation (or of the junction's near side)
  std::string target;  // column of the target relation (or of the junction)
  bool operator==(const ColumnPair&) const = default;
};

// The junction table of a many-to-many relationship.
struct Junction {
  QualifiedName table;                     // the junction table (or view)
  std::string source_constraint;           // FK from the junction to the source
  std::string target_constraint;           // FK from the junction to the target
  std::vector<ColumnPair> source_columns;  // (source column, junction column)
  std::vector<ColumnPair> target_columns;  // (target column, junction column)
  bool operator==(const Junction&) const = default;
};

// A relationship from `source` to `target`, as the planner needs it to build the join.
struct Relationship {
  QualifiedName source;  // the relation the request starts from
  QualifiedName target;  // the relation that gets embedded
  Cardinality cardinality = Cardinality::many_to_one;
  bool is_self = false;             // source == target (for FK ones: conrelid = confrelid)
  bool source_is_view = false;      // source is a view or materialized view
  bool target_is_view = false;      // target is a view or materialized view
  std::string constraint;           // FK constraint name; empty for M2M and computed ones
  std::vector<ColumnPair> columns;  // join columns, source side first; empty for M2M/computed
  // O2O only: true on the side referenced by the FK (target holds the FK). PostgREST's
  // isParent; with it false an O2O behaves like an M2O.
  bool is_parent = false;
  std::optional<Junction> junction;  // set exactly when cardinality == many_to_many
  // Computed relationships: the function f(source row) returning target rows. When set,
  // constraint/columns/junction are empty, `single_row` decides to-one vs to-many and
  // cardinality just mirrors it (many_to_one or one_to_many).
  std::optional<QualifiedName> function;
  bool single_row = false;  // computed: not SETOF, or SETOF with ROWS 1

  // Embeds as a JSON object (M2O, O2O, single-row computed) rather than an array.
  bool to_one() const;
  bool is_computed() const { return function.has_value(); }
  bool operator==(const Relationship&) const = default;
};

// ---- Catalog facts, the input of derive_relationships ----

// A table, view, materialized view or foreign table (any schema, not only exposed ones:
// views in an API schema often sit on tables in a private schema).
struct RelationInfo {
  QualifiedName name;
  bool is_view = false;                  // view or materialized view
  std::vector<std::string> primary_key;  // tables: PK columns (input); views: ignored
};

// A PRIMARY KEY or UNIQUE constraint of a table (for one-to-one detection).
struct UniqueKey {
  QualifiedName table;
  std::vector<std::string> columns;
};

// A FOREIGN KEY constraint (partition children's copies excluded).
struct ForeignKey {
  std::string name;  // constraint name
  QualifiedName table;
  QualifiedName foreign_table;
  std::vector<ColumnPair> columns;  // (column of table, referenced column), in key order
};

// Where one view column comes from, one level down: a plain column reference of the view's
// top-level SELECT (pg_rewrite's resorigtbl/resorigcol). `source` may itself be a view.
struct ViewColumnSource {
  QualifiedName view;
  std::string column;  // the view's column name
  QualifiedName source;
  std::string source_column;
};

// A function taking one row of `table` and returning `foreign_table` rows.
struct ComputedRelationshipDef {
  QualifiedName function;
  QualifiedName table;
  QualifiedName foreign_table;
  bool single_row = false;  // not SETOF, or ROWS 1
};

struct CatalogModel {
  std::vector<RelationInfo> relations;
  std::vector<UniqueKey> unique_keys;  // PKs and unique constraints
  std::vector<ForeignKey> foreign_keys;
  std::vector<ViewColumnSource> view_columns;
  std::vector<ComputedRelationshipDef> computed;
};

struct DerivedRelationships {
  // Inferred primary keys of views (view columns, in the base key's order): a view gets a
  // PK when all columns of its base table's PK are exposed (first reference wins).
  std::map<QualifiedName, std::vector<std::string>> view_primary_keys;
  // Every relationship whose source, target and junction are in `exposed_schemas`, sorted by
  // source then target; computed ones replace FK ones with the same (source, name) pair.
  std::vector<Relationship> relationships;
};

DerivedRelationships derive_relationships(const CatalogModel& model,
                                          const std::vector<std::string>& exposed_schemas);

// For each view column, its ultimate origin through views on views: (table, column) pairs
// keyed by (view, view column). Columns that are expressions have no entry. Exposed for tests.
std::map<std::pair<QualifiedName, std::string>, std::pair<QualifiedName, std::string>>
resolve_view_columns(const CatalogModel& model);

// PostgREST's embed resolution (Plan.hs findRel): which of `from_source` relationships (all
// with the same source) match `target` (a table/view name, FK constraint name or FK column)
// and the optional `!hint`. Only relationships whose target is in `schema` are considered.
// 0 results = PGRST200, >1 = PGRST201 (the planner builds those errors).
std::vector<const Relationship*> match_relationships(std::span<const Relationship> from_source,
                                                     std::string_view schema,
                                                     std::string_view target,
                                                     std::optional<std::string_view> hint);

// ---- Decoding view definitions ----

// One entry of a view's top-level target list, read from pg_rewrite.ev_action (the stored
// query tree, pg_node_tree text). resorigtbl/resorigcol are 0 for expressions.
struct ViewTargetEntry {
  int resno = 0;                 // the view column's attnum
  std::uint32_t resorigtbl = 0;  // origin table oid of a plain column reference
  int resorigcol = 0;            // origin column attnum
  bool resjunk = false;          // internal entries (not view columns)
};

// Reads the target list of the first Query node of a view's rule action. Empty on text it
// cannot read; a malformed definition then just yields no view keys or view relationships.
std::vector<ViewTargetEntry> parse_view_target_list(std::string_view ev_action);

}  // namespace basalt::rest
