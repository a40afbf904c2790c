// The REST API's schema cache, as PostgREST keeps it: the tables/views, columns, keys,
// relationships and routines of the exposed schemas, read from the catalogs in a few queries.
// A loaded cache is immutable; SchemaCacheHolder swaps in a new one after DDL (LISTEN pgrst).
#pragma once
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "db/pool.hpp"
#include "rest/fuzzy_match.hpp"
#include "rest/relationships.hpp"

namespace basalt::rest {

namespace asio = boost::asio;

struct Column {
  std::string name;
  std::optional<std::string> description;  // COMMENT ON COLUMN
  bool nullable = true;                    // false for NOT NULL, and for domains declared NOT NULL
  // PostgREST's colType: format_type() without typmod for pg_catalog types ("character
  // varying", "numeric"); domains over pg_catalog types give the base type; other types
  // keep their (schema-qualified when not in pg_catalog) name, e.g. "public.mood".
  std::string data_type;
  // The declared type with typmod and domain name, format_type(atttypid, atttypmod), e.g.
  // "character varying(50)" or "public.email" (PostgREST's colNominalType).
  std::string nominal_type;
  std::uint32_t type_oid = 0;  // atttypid (the domain's oid for domain columns)
  std::string type_name;       // pg_type.typname of atttypid, e.g. "int4", "_text", "mood"
  std::optional<std::string> default_value;  // DEFAULT expression text; identity BY DEFAULT
                                             // shows nextval('seq'); generated columns: none
  std::optional<int> max_length;             // character_maximum_length (varchar(n), char(n))
  std::vector<std::string> enum_values;      // labels in sort order when the (base) type is an enum
  enum class Identity { none, always, by_default } identity = Identity::none;
  bool is_generated = false;  // GENERATED ALWAYS AS (expr) STORED: cannot be written
  bool is_array = false;      // the (base) type is an array
  std::string element_type;   // arrays: format_type of the element type, else empty
  bool is_composite = false;  // the (base) type is a composite (row) type
  int position = 0;           // attnum, 1-based

  // Whether inserts may give a value (not generated, not identity ALWAYS).
  bool writable() const { return !is_generated && identity != Identity::always; }
};

struct Table {
  std::string schema;
  std::string name;
  std::optional<std::string> description;  // COMMENT ON TABLE/VIEW
  enum class Kind { table, partitioned_table, view, materialized_view, foreign_table };
  Kind kind = Kind::table;
  bool is_view = false;  // view or materialized view (PostgREST's tableIsView)
  // What the relation itself allows, not the role's privileges: tables always; views and
  // foreign tables per pg_relation_is_updatable; materialized views never.
  bool insertable = false;
  bool updatable = false;
  bool deletable = false;
  // Tables: PK columns sorted by name (as PostgREST orders them). Views: inferred from the
  // base table's PK through the view's columns (empty when a PK column is not exposed).
  std::vector<std::string> primary_key;
  std::vector<Column> columns;  // in attnum order
  std::uint32_t oid = 0;

  const Column* find_column(std::string_view column) const;
  QualifiedName qualified() const { return {schema, name}; }
};

struct RoutineParam {
  std::string name;  // empty for an unnamed parameter
  // regtype text (qualified outside pg_catalog since the search path is empty while loading),
  // e.g. "integer", "text[]", "public.mood".
  std::string type;
  // PostgREST's ppTypeMaxLength: char/bit widened to varchar/varbit so any length binds.
  std::string type_max_length;
  std::uint32_t type_oid = 0;
  enum class Mode { in, out, inout, variadic, table };
  Mode mode = Mode::in;
  bool has_default = false;  // an input parameter with a DEFAULT (optional in the call)

  bool is_input() const {
    return mode == Mode::in || mode == Mode::inout || mode == Mode::variadic;
  }
  bool is_output() const { return mode == Mode::out || mode == Mode::inout || mode == Mode::table; }
};

struct ReturnType {
  // The return type after resolving domains: pg_type schema + typname, or for a table row
  // type the table's schema + name ("pg_catalog"."int4", "public"."films", "pg_catalog"."void",
  // "pg_catalog"."record" for OUT/TABLE functions).
  QualifiedName type;
  std::string type_text;       // format_type(prorettype): usable in a cast, e.g. "integer"
  std::uint32_t type_oid = 0;  // prorettype
  bool set_of = false;         // RETURNS SETOF / TABLE
  // A row type (table/view/composite type), or a record described by OUT/INOUT/TABLE params.
  bool composite = false;
  bool composite_alias = false;  // a domain over a composite type (PostgREST's Composite _ True)
  bool is_table_row = false;     // composite and the type is a table/view's row type
};

struct Routine {
  std::string schema;
  std::string name;
  std::optional<std::string> description;  // COMMENT ON FUNCTION
  std::vector<RoutineParam> params;        // all parameters in declaration order (IN and OUT)
  ReturnType returns;
  enum class Volatility { immutable, stable, volatile_ };
  Volatility volatility = Volatility::volatile_;
  bool is_procedure = false;  // CREATE PROCEDURE (PostgREST exposes functions only)
  bool has_variadic = false;
  std::optional<std::string> isolation_level;  // from SET default_transaction_isolation
  std::vector<std::pair<std::string, std::string>> settings;  // proconfig (SET key = value)
  std::uint32_t oid = 0;

  // The parameters a call passes (IN, INOUT, VARIADIC), in order.
  std::vector<const RoutineParam*> input_params() const;
  std::size_t required_input_count() const;
  bool returns_void() const;
  bool returns_scalar() const { return !returns.set_of && !returns.composite && !returns_void(); }
  bool returns_set_of_scalar() const { return returns.set_of && !returns.composite; }
  bool returns_single_composite() const { return !returns.set_of && returns.composite; }
  // The table/view name when returning rows of a relation (PostgREST's funcTableName).
  std::optional<QualifiedName> table_name() const;
};

// What `ALTER ROLE r SET ...` gave a role the login role may become: Postgres applies these
// only at login, so each transaction of that role sets them itself (PostgREST does the same).
struct RoleSettings {
  std::string settings_json;  // {"statement_timeout": "8s", ...}; settable by a user only
  std::string isolation;      // default_transaction_isolation, or ""
};

// A media type handler (PostgREST's): an aggregate whose result is a domain named after a
// media type turns a relation's rows into that media type; a function returning such a
// domain answers with its value as that media type. "*/*" is the any handler.
struct MediaHandler {
  std::string schema, name;  // the aggregate, or for a function handler the domain
  bool aggregate = true;
  bool any_element = false;  // an aggregate over anyelement: applies to every relation
  QualifiedName target;      // the relation type the aggregate takes, or the function
  std::string domain;        // the domain's name, lowercase ("text/plain", "*/*")
  std::string key;           // the media type it serves, as Accept values are matched
  bool bytea = false;        // the domain is over bytea: the body is binary

  bool is_any() const { return domain == "*/*"; }
  // The Content-Type it answers with ("*/*" answers application/octet-stream).
  std::string content_type() const;
};

// An immutable snapshot. Lookups are binary searches over sorted vectors.
class SchemaCache {
 public:
  SchemaCache(std::vector<std::string> schemas, std::vector<Table> tables,
              std::vector<Relationship> relationships, std::vector<Routine> routines);

  // The exposed schemas, in configuration order (the first is the default).
  const std::vector<std::string>& schemas() const { return schemas_; }
  bool is_exposed(std::string_view schema) const;

  const std::vector<Table>& tables() const { return tables_; }  // sorted by (schema, name)
  const Table* find_table(std::string_view schema, std::string_view name) const;

  // Routines sorted by (schema, name, number of parameters).
  const std::vector<Routine>& routines() const { return routines_; }
  // All overloads of schema.name, fewest parameters first; empty when there is none.
  std::span<const Routine> find_routines(std::string_view schema, std::string_view name) const;

  // Sorted by (source, target). All relationships in the cache have source, target and
  // junction in exposed schemas.
  const std::vector<Relationship>& relationships() const { return relationships_; }
  std::span<const Relationship> relationships_from(std::string_view schema,
                                                   std::string_view name) const;
  // PostgREST's embed resolution from `from` (see match_relationships): targets are looked
  // up in from.schema.
  std::vector<const Relationship*> find_relationships(const QualifiedName& from,
                                                      std::string_view target,
                                                      std::optional<std::string_view> hint) const;

  // "Perhaps you meant ..." helpers: the closest table/routine name in `schema` at least 75%
  // similar (PostgREST's threshold; see fuzzy_match.hpp). No table hint in a schema of
  // kMaxTablesForHints tables or more.
  static constexpr std::size_t kMaxTablesForHints = 500;
  std::optional<std::string> closest_table(std::string_view schema, std::string_view name) const;
  std::optional<std::string> closest_routine(std::string_view schema, std::string_view name) const;

  // "12 Relations, 30 Relationships, 4 Functions" for the log.
  std::string summary() const;
  std::chrono::milliseconds load_time{0};  // set by load_schema_cache

  // Set by load_schema_cache, like load_time: the settings of the roles requests run as, and
  // the login role's in-database PostgREST configuration ("db_plan_enabled" → "true", the
  // "pgrst." prefix removed).
  std::unordered_map<std::string, RoleSettings> role_settings;
  std::map<std::string, std::string, std::less<>> db_config;
  const RoleSettings* settings_of(const std::string& role) const;
  // db_config[name] read as PostgREST reads a boolean; nullopt when unset or not a boolean.
  std::optional<bool> db_config_flag(std::string_view name) const;

  // Media type handlers by (target schema, target name, media type key); a target of
  // pg_catalog.anyelement applies to any relation.
  void add_media_handler(MediaHandler h);
  const MediaHandler* find_media_handler(std::string_view schema, std::string_view name,
                                         std::string_view key) const;
  bool has_media_handlers() const { return !media_handlers_.empty(); }

 private:
  std::vector<std::string> schemas_;
  std::vector<Table> tables_;
  std::vector<Relationship> relationships_;
  std::vector<Routine> routines_;
  std::map<std::string, MediaHandler, std::less<>> media_handlers_;
};

// Reads the catalogs (one pooled connection, one read-only transaction, one round trip).
// Relationships through views and junctions may involve tables in any schema; only objects
// whose schema is in `schemas` end up in the cache.
asio::awaitable<Result<std::shared_ptr<const SchemaCache>>> load_schema_cache(
    db::Pool& pool, std::vector<std::string> schemas);

// Holds the current cache for request handlers (any thread) and rebuilds it on demand.
class SchemaCacheHolder {
 public:
  SchemaCacheHolder(std::shared_ptr<db::Pool> pool, std::vector<std::string> schemas);

  // Null until the first successful load (PostgREST answers PGRST002 then).
  std::shared_ptr<const SchemaCache> current() const { return current_.load(); }
  // Loads a new cache aside and swaps it in; on failure keeps the old one. After a swap the
  // pool forgets its prepared statements (they may name dropped objects).
  asio::awaitable<Status> reload();
  void set(std::shared_ptr<const SchemaCache> cache);             // tests, or a preloaded cache
  std::uint64_t reload_count() const { return reloads_.load(); }  // successful loads
  const std::vector<std::string>& schemas() const { return schemas_; }

 private:
  std::shared_ptr<db::Pool> pool_;
  std::vector<std::string> schemas_;
  std::atomic<std::shared_ptr<const SchemaCache>> current_;
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> started_{0};  // loads begun (tickets)
  std::mutex swap_mutex_;
  std::uint64_t applied_ = 0;  // ticket of the load in current_ (under swap_mutex_)
};

struct ListenOptions {
  std::string channel = "pgrst";
  // Notifications arriving within this quiet period after one are coalesced into one reload
  // (a migration of 50 statements sends 50 notifications).
  std::chrono::milliseconds debounce{100};
  std::chrono::milliseconds min_backoff{250};  // reconnect delay, doubling up to max
  std::chrono::milliseconds max_backoff{10000};
  // Reload after (re)connecting too, since notifications sent while disconnected are lost.
  bool reload_on_reconnect = true;
};

// Runs until `stop` becomes true (checked at least every 250 ms) or the executor stops:
// LISTEN on a dedicated connection to `conninfo` (not a pool connection); on payload
// "reload schema" (or an empty payload) reload the holder, debounced; a failed reload is
// retried with backoff; on connection loss reconnect with backoff and reload once (also
// right after connecting when the holder has no cache yet). Other payloads ("reload config")
// are ignored here.
asio::awaitable<void> listen_for_reloads(std::shared_ptr<SchemaCacheHolder> holder,
                                         std::string conninfo, ListenOptions options = {},
                                         std::shared_ptr<std::atomic<bool>> stop = nullptr);

}  // namespace basalt::rest
