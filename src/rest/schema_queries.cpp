// The catalog queries behind load_schema_cache and the decoding of their rows. All queries
// run in one read-only transaction, sent as one pipeline (one round trip),
// with an empty search_path so regtype/format_type text comes back schema-qualified.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <map>
#include <unordered_map>

#include "common/log.hpp"
#include "rest/api_request.hpp"
#include "rest/schema_cache.hpp"

namespace basalt::rest {

namespace {

// Schemas whose objects never take part in the API.
constexpr std::string_view kSystemSchemaFilter =
    "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast' "
    "and not pg_is_other_temp_schema(n.oid)";

// Every table-like relation outside the system schemas. Tables in non-exposed schemas are
// needed too: API views often sit on them and inherit their keys and foreign keys.
// updatable_mask is pg_relation_is_updatable's bitmask (4 update, 8 insert, 16 delete).
constexpr std::string_view kRelationsSql = R"sql(
select
  c.oid::int8,
  n.nspname::text,
  c.relname::text,
  c.relkind::text,
  n.nspname = any($1::text[]) as exposed,
  d.description,
  case
    when c.relkind in ('r', 'p') then 28
    when c.relkind in ('v', 'f') and n.nspname = any($1::text[])
      then pg_relation_is_updatable(c.oid, true)
    else 0
  end as updatable_mask
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_description d
  on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
where c.relkind in ('r', 'v', 'm', 'f', 'p')
  and not c.relispartition
  and {system}
order by n.nspname, c.relname
)sql";

// domain_base(oid, base): every domain with its non-domain base type (domains over domains
// resolved). Shared by the column and routine queries through the {domains} marker.
constexpr std::string_view kDomainCtes = R"sql(domain_chain(oid, base) as (
  select t.oid, t.typbasetype from pg_type t where t.typtype = 'd'
  union all
  select dc.oid, t.typbasetype
  from domain_chain dc join pg_type t on t.oid = dc.base
  where t.typtype = 'd'
),
domain_base as (
  select dc.oid, dc.base from domain_chain dc
  join pg_type t on t.oid = dc.base
  where t.typtype <> 'd'
))sql";

// Columns of the exposed relations. Domains are resolved to their base type (recursively,
// domains over domains) for the type facts PostgREST derives from the base type.
constexpr std::string_view kColumnsSql = R"sql(
with recursive {domains}
select
  a.attrelid::int8,
  a.attnum::int4,
  a.attname::text,
  d.description,
  not (a.attnotnull or (t.typtype = 'd' and t.typnotnull)) as nullable,
  case
    when bt.typnamespace = 'pg_catalog'::regnamespace then format_type(bt.oid, null)
    else format_type(a.atttypid, a.atttypmod)
  end as data_type,
  format_type(a.atttypid, a.atttypmod) as nominal_type,
  a.atttypid::int8,
  t.typname::text,
  case
    when a.attgenerated = 's' then null
    when a.attidentity = 'd'
      then format('nextval(%L)', pg_get_serial_sequence(a.attrelid::regclass::text, a.attname))
    when ad.adbin is not null then pg_get_expr(ad.adbin, ad.adrelid)
    when t.typtype = 'd' then pg_get_expr(t.typdefaultbin, 0)
  end as default_value,
  -- information_schema's character_maximum_length, inlined (its helpers are slow per row)
  case
    when tt.typmod = -1 then null
    when tt.typid in ('bpchar'::regtype, 'varchar'::regtype) then tt.typmod - 4
    when tt.typid in ('bit'::regtype, 'varbit'::regtype) then tt.typmod
  end::int4 as max_length,
  case when bt.typtype = 'e' then
    (select json_agg(e.enumlabel order by e.enumsortorder) from pg_enum e where e.enumtypid = bt.oid)
  end as enum_values,
  a.attidentity::text,
  a.attgenerated::text,
  bt.typelem <> 0 and bt.typlen = -1 as is_array,
  case when bt.typelem <> 0 and bt.typlen = -1 then format_type(bt.typelem, null) end as element_type,
  bt.typtype = 'c' as is_composite
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_type t on t.oid = a.atttypid
left join domain_base db on db.oid = t.oid
join pg_type bt on bt.oid = coalesce(db.base, t.oid)
cross join lateral (
  select
    case when t.typtype = 'd' then t.typbasetype else a.atttypid end as typid,
    case when t.typtype = 'd' then t.typtypmod else a.atttypmod end as typmod
) tt
left join pg_attrdef ad on ad.adrelid = a.attrelid and ad.adnum = a.attnum
left join pg_description d
  on d.objoid = a.attrelid and d.classoid = 'pg_class'::regclass and d.objsubid = a.attnum
where a.attnum > 0 and not a.attisdropped
  and c.relkind in ('r', 'v', 'm', 'f', 'p') and not c.relispartition
  and n.nspname = any($1::text[])
order by a.attrelid, a.attnum
)sql";

// Column names of the other relations: enough to follow views through private schemas.
constexpr std::string_view kOtherAttnamesSql = R"sql(
select a.attrelid::int8, a.attnum::int4, a.attname::text
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
where a.attnum > 0 and not a.attisdropped
  and c.relkind in ('r', 'v', 'm', 'f', 'p') and not c.relispartition
  and not (n.nspname = any($1::text[]))
  and {system}
order by a.attrelid, a.attnum
)sql";

// Primary keys, unique constraints and foreign keys (the partition copies of an FK have a
// parent constraint and are skipped); key columns as attnums in key order, named in C++.
constexpr std::string_view kConstraintsSql = R"sql(
select
  c.conname::text,
  c.contype::text,
  c.conrelid::int8,
  c.confrelid::int8,
  array_to_json(c.conkey) as columns,
  array_to_json(c.confkey) as foreign_columns
from pg_constraint c
join pg_class r on r.oid = c.conrelid
join pg_namespace n on n.oid = r.relnamespace
where c.contype in ('p', 'u', 'f')
  and (c.contype <> 'f' or c.conparentid = 0)
  and not r.relispartition
  and {system}
order by c.conrelid, c.conname
)sql";

// The stored query tree of every view: its top-level target list says which base column
// each view column is (parsed in relationships.cpp).
constexpr std::string_view kViewsSql = R"sql(
select c.oid::int8, r.ev_action::text
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_rewrite r on r.ev_class = c.oid and r.rulename = '_RETURN'
where c.relkind in ('v', 'm')
  and {system}
)sql";

// Functions and procedures of the exposed schemas (not aggregates or window functions, not
// trigger functions). Parameters as [name, regtype, widened regtype, oid, mode].
constexpr std::string_view kRoutinesSql = R"sql(
with recursive {domains},
params as (
  select
    p.oid,
    json_agg(json_build_array(
      coalesce(x.name, ''),
      x.type::regtype::text,
      case x.type
        when 'bit'::regtype then 'bit varying'
        when 'bit[]'::regtype then 'bit varying[]'
        when 'character'::regtype then 'character varying'
        when 'character[]'::regtype then 'character varying[]'
        else x.type::regtype::text
      end,
      x.type::int8,
      coalesce(x.mode, 'i')
    ) order by x.idx) as params
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
  cross join lateral unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes,
                            p.proargnames) with ordinality as x(type, mode, name, idx)
  where n.nspname = any($1::text[]) and x.type is not null
  group by p.oid
)
select
  p.oid::int8,
  n.nspname::text,
  p.proname::text,
  d.description,
  p.prokind::text,
  p.provolatile::text,
  p.proretset,
  p.provariadic <> 0 as has_variadic,
  p.pronargdefaults::int4,
  coalesce(prm.params, '[]'::json) as params,
  p.prorettype::int8,
  format_type(p.prorettype, null) as rettype_text,
  rn.nspname::text as rettype_schema,
  coalesce(comp.relname, rt.typname)::text as rettype_name,
  rt.typtype = 'c' as rettype_is_composite,
  p.prorettype <> rt.oid as rettype_is_domain,
  comp.relkind is not null and comp.relkind in ('r', 'v', 'm', 'f', 'p') as rettype_is_table,
  coalesce(array_to_json(p.proconfig), '[]'::json) as config
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
left join domain_base db on db.oid = p.prorettype
join pg_type rt on rt.oid = coalesce(db.base, p.prorettype)
join pg_namespace rn on rn.oid = rt.typnamespace
left join pg_class comp on comp.oid = rt.typrelid
left join pg_description d
  on d.objoid = p.oid and d.classoid = 'pg_proc'::regclass and d.objsubid = 0
left join params prm on prm.oid = p.oid
where n.nspname = any($1::text[])
  and p.prokind in ('f', 'p')
  and p.prorettype not in ('trigger'::regtype, 'event_trigger'::regtype)
order by n.nspname, p.proname, p.pronargs, p.oid
)sql";

// Functions f(table_row) returning rows of a table: computed relationships.
constexpr std::string_view kComputedSql = R"sql(
select
  fn.nspname::text, p.proname::text,
  sn.nspname::text, src.relname::text,
  dn.nspname::text, dst.relname::text,
  not p.proretset or p.prorows = 1 as single_row
from pg_proc p
join pg_namespace fn on fn.oid = p.pronamespace
join pg_class src on src.reltype = p.proargtypes[0]
join pg_namespace sn on sn.oid = src.relnamespace
join pg_class dst on dst.reltype = p.prorettype
join pg_namespace dn on dn.oid = dst.relnamespace
where p.pronargs = 1 and p.prokind = 'f'
  and src.relkind in ('r', 'v', 'm', 'f', 'p')
  and dst.relkind in ('r', 'v', 'm', 'f', 'p')
order by fn.nspname, p.proname
)sql";

// Settings of the roles the login role is a member of (the roles it may become), as
// `ALTER ROLE ... SET` stored them. Only settings a plain user may change are kept (others
// would make set_config fail and every request of that role with it); the isolation level is
// returned apart because it goes into BEGIN, not set_config.
constexpr std::string_view kRoleSettingsSql = R"sql(
with kv as (
  select r.rolname::text as rolname,
         substr(c, 1, strpos(c, '=') - 1) as key,
         substr(c, strpos(c, '=') + 1) as value
  from pg_auth_members m
  join pg_roles r on r.oid = m.roleid
  cross join lateral unnest(r.rolconfig) as c
  where m.member = (select oid from pg_roles where rolname = current_user)
)
select kv.rolname,
       coalesce(json_object_agg(kv.key, kv.value)
                  filter (where kv.key <> 'default_transaction_isolation'
                          and ps.context = 'user'), '{}')::text,
       coalesce(max(kv.value) filter (where kv.key = 'default_transaction_isolation'), '')
from kv
left join pg_settings ps on ps.name = kv.key
group by kv.rolname
)sql";

// PostgREST's in-database configuration: the login role's `pgrst.*` settings (for all
// databases, then this one, so the database-specific value comes last and wins).
constexpr std::string_view kDbConfigSql = R"sql(
select substr(c, 7, strpos(c, '=') - 7), substr(c, strpos(c, '=') + 1)
from pg_db_role_setting s
cross join lateral unnest(s.setconfig) with ordinality as x(c, n)
where s.setrole = (select oid from pg_roles where rolname = current_user)
  and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))
  and c like 'pgrst.%'
order by s.setdatabase, x.n
)sql";

// PostgREST's media type handlers: domains named like a media type ("text/plain",
// "application/vnd.geo+json", or "*/*" for any), returned by an aggregate over one relation's
// rows (or over anyelement) or by a function in the exposed schemas. Columns: handler schema
// and name (the aggregate, or the domain itself for a function), target schema and name (the
// relation type, pg_catalog.anyelement, or the function), whether it is an aggregate, the
// domain's name, and whether the domain is over bytea.
constexpr std::string_view kMediaHandlersSql = R"sql(
with recursive {domains},
media_types as (
  select t.oid, lower(t.typname) as typname, t.typnamespace,
         coalesce(db.base, t.oid) = 'bytea'::regtype as is_bytea
  from pg_type t
  left join domain_base db on db.oid = t.oid
  where t.typbasetype <> 0
    and (t.typname ~* '^[A-Za-z0-9.-]+/[A-Za-z0-9.+-]+$' or t.typname = '*/*')
)
select hn.nspname::text, p.proname::text, an.nspname::text, at.typname::text, true,
       mt.typname, mt.is_bytea
from media_types mt
join pg_proc p on p.prorettype = mt.oid
join pg_namespace hn on hn.oid = p.pronamespace
join pg_aggregate a on a.aggfnoid = p.oid
join pg_type at on at.oid = p.proargtypes[0]
join pg_namespace an on an.oid = at.typnamespace
where hn.nspname = any($1::text[]) and p.pronargs = 1
  and (at.oid = 'anyelement'::regtype
       or at.oid in (select reltype from pg_class where relkind in ('v', 'r', 'm', 'f', 'p')))
union all
select tn.nspname::text, mt.typname, fn.nspname::text, p.proname::text, false,
       mt.typname, mt.is_bytea
from media_types mt
join pg_proc p on p.prorettype = mt.oid
join pg_namespace fn on fn.oid = p.pronamespace
join pg_namespace tn on tn.oid = mt.typnamespace
where fn.nspname = any($1::text[]) and not p.proretset and p.prokind = 'f'
order by 1, 2, 3, 4
)sql";

// Expands the {system} (system-schema filter) and {domains} (kDomainCtes) markers.
std::string expand_markers(std::string_view sql) {
  std::string s(sql);
  for (auto [marker, text] :
       {std::pair<std::string_view, std::string_view>{"{system}", kSystemSchemaFilter},
        std::pair<std::string_view, std::string_view>{"{domains}", kDomainCtes}}) {
    for (auto pos = s.find(marker); pos != std::string::npos; pos = s.find(marker, pos)) {
      s.replace(pos, marker.size(), text);
      pos += text.size();
    }
  }
  return s;
}

// A Postgres array literal of text values.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// Row access by column position, with the conversions the queries need.
struct Row {
  const db::PgResult& r;
  int row;
  std::string text(int c) const { return std::string(r.get(row, c)); }
  std::optional<std::string> opt_text(int c) const {
    if (r.is_null(row, c)) return std::nullopt;
    return text(c);
  }
  bool boolean(int c) const { return !r.is_null(row, c) && r.get(row, c) == "t"; }
  long long integer(int c) const {
    if (r.is_null(row, c)) return 0;
    return std::stoll(std::string(r.get(row, c)));
  }
  boost::json::value json(int c) const {
    if (r.is_null(row, c)) return nullptr;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.get(row, c), ec);
    if (ec) return nullptr;
    return v;
  }
};

std::vector<std::string> json_strings(const boost::json::value& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const auto& e : v.as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

using AttNames = std::unordered_map<std::uint32_t, std::map<int, std::string>>;

// Names of a relation's columns given as a JSON array of attnums; empty if any is unknown.
std::vector<std::string> column_names(const AttNames& attnames, std::uint32_t relid,
                                      const boost::json::value& attnums) {
  std::vector<std::string> out;
  auto rel = attnames.find(relid);
  if (rel == attnames.end() || !attnums.is_array()) return out;
  for (const auto& n : attnums.as_array()) {
    if (!n.is_int64()) return {};
    auto col = rel->second.find(static_cast<int>(n.as_int64()));
    if (col == rel->second.end()) return {};
    out.push_back(col->second);
  }
  return out;
}

Table::Kind kind_of(std::string_view relkind) {
  if (relkind == "p") return Table::Kind::partitioned_table;
  if (relkind == "v") return Table::Kind::view;
  if (relkind == "m") return Table::Kind::materialized_view;
  if (relkind == "f") return Table::Kind::foreign_table;
  return Table::Kind::table;
}

RoutineParam::Mode mode_of(std::string_view m) {
  if (m == "o") return RoutineParam::Mode::out;
  if (m == "b") return RoutineParam::Mode::inout;
  if (m == "v") return RoutineParam::Mode::variadic;
  if (m == "t") return RoutineParam::Mode::table;
  return RoutineParam::Mode::in;
}

// PostgREST only exposes functions callable with named arguments: every input named, or a
// single unnamed one of a type a raw request body can fill.
bool callable(const std::vector<RoutineParam>& params) {
  int unnamed = 0;
  const RoutineParam* last = nullptr;
  for (const auto& p : params) {
    if (p.is_input() && p.name.empty()) {
      ++unnamed;
      last = &p;
    }
  }
  if (unnamed == 0) return true;
  if (unnamed > 1) return false;
  static const std::vector<std::string_view> kBodyTypes = {"bytea", "json", "jsonb", "text", "xml"};
  return std::find(kBodyTypes.begin(), kBodyTypes.end(), last->type) != kBodyTypes.end();
}

struct Loaded {
  std::vector<Table> tables;
  CatalogModel model;
  std::vector<Routine> routines;
};

Loaded decode(const std::vector<db::PgResult>& res, std::size_t first) {
  const db::PgResult& rels = res[first];
  const db::PgResult& cols = res[first + 1];
  const db::PgResult& other = res[first + 2];
  const db::PgResult& cons = res[first + 3];
  const db::PgResult& views = res[first + 4];
  const db::PgResult& routines = res[first + 5];
  const db::PgResult& computed = res[first + 6];

  Loaded out;
  std::unordered_map<std::uint32_t, QualifiedName> names;
  std::unordered_map<std::uint32_t, bool> is_view;
  std::unordered_map<std::uint32_t, std::size_t> table_index;  // exposed ones
  std::unordered_map<std::uint32_t, std::size_t> relation_index;
  for (int i = 0; i < rels.rows(); ++i) {
    Row row{rels, i};
    const auto oid = static_cast<std::uint32_t>(row.integer(0));
    QualifiedName q{row.text(1), row.text(2)};
    const std::string relkind = row.text(3);
    const bool view = relkind == "v" || relkind == "m";
    names.emplace(oid, q);
    is_view.emplace(oid, view);
    relation_index.emplace(oid, out.model.relations.size());
    out.model.relations.push_back(RelationInfo{q, view, {}});
    if (!row.boolean(4)) continue;
    Table t;
    t.schema = q.schema;
    t.name = q.name;
    t.description = row.opt_text(5);
    t.kind = kind_of(relkind);
    t.is_view = view;
    const auto mask = row.integer(6);
    t.updatable = (mask & 4) != 0;
    t.insertable = (mask & 8) != 0;
    t.deletable = (mask & 16) != 0;
    t.oid = oid;
    table_index.emplace(oid, out.tables.size());
    out.tables.push_back(std::move(t));
  }

  // attnum -> name for every relation (views need both their own and their sources' names)
  AttNames attnames;
  for (int i = 0; i < cols.rows(); ++i) {
    Row row{cols, i};
    const auto relid = static_cast<std::uint32_t>(row.integer(0));
    Column c;
    c.position = static_cast<int>(row.integer(1));
    c.name = row.text(2);
    c.description = row.opt_text(3);
    c.nullable = row.boolean(4);
    c.data_type = row.text(5);
    c.nominal_type = row.text(6);
    c.type_oid = static_cast<std::uint32_t>(row.integer(7));
    c.type_name = row.text(8);
    c.default_value = row.opt_text(9);
    if (!cols.is_null(i, 10)) c.max_length = static_cast<int>(row.integer(10));
    c.enum_values = json_strings(row.json(11));
    const std::string identity = row.text(12);
    c.identity = identity == "a"   ? Column::Identity::always
                 : identity == "d" ? Column::Identity::by_default
                                   : Column::Identity::none;
    c.is_generated = row.text(13) == "s";
    c.is_array = row.boolean(14);
    c.element_type = row.opt_text(15).value_or("");
    c.is_composite = row.boolean(16);
    attnames[relid].emplace(c.position, c.name);
    if (auto it = table_index.find(relid); it != table_index.end()) {
      out.tables[it->second].columns.push_back(std::move(c));
    }
  }
  for (int i = 0; i < other.rows(); ++i) {
    Row row{other, i};
    attnames[static_cast<std::uint32_t>(row.integer(0))].emplace(static_cast<int>(row.integer(1)),
                                                                 row.text(2));
  }

  for (int i = 0; i < cons.rows(); ++i) {
    Row row{cons, i};
    const std::string name = row.text(0);
    const std::string type = row.text(1);
    const auto relid = static_cast<std::uint32_t>(row.integer(2));
    const auto frelid = static_cast<std::uint32_t>(row.integer(3));
    auto table = names.find(relid);
    if (table == names.end()) continue;
    auto columns = column_names(attnames, relid, row.json(4));
    if (columns.empty()) continue;
    if (type == "p" || type == "u") {
      if (type == "p") {
        out.model.relations[relation_index.at(relid)].primary_key = columns;
        if (auto it = table_index.find(relid); it != table_index.end()) {
          auto sorted = columns;
          std::sort(sorted.begin(), sorted.end());
          out.tables[it->second].primary_key = std::move(sorted);
        }
      }
      out.model.unique_keys.push_back(UniqueKey{table->second, std::move(columns)});
      continue;
    }
    auto foreign = names.find(frelid);
    if (foreign == names.end()) continue;
    auto fcols = column_names(attnames, frelid, row.json(5));
    if (fcols.size() != columns.size()) continue;
    ForeignKey fk;
    fk.name = name;
    fk.table = table->second;
    fk.foreign_table = foreign->second;
    for (std::size_t k = 0; k < columns.size(); ++k) fk.columns.push_back({columns[k], fcols[k]});
    out.model.foreign_keys.push_back(std::move(fk));
  }

  for (int i = 0; i < views.rows(); ++i) {
    Row row{views, i};
    const auto view_oid = static_cast<std::uint32_t>(row.integer(0));
    auto view = names.find(view_oid);
    auto view_cols = attnames.find(view_oid);
    if (view == names.end() || view_cols == attnames.end()) continue;
    for (const auto& e : parse_view_target_list(views.get(i, 1))) {
      if (e.resjunk || e.resorigtbl == 0 || e.resorigcol <= 0) continue;
      auto vcol = view_cols->second.find(e.resno);
      auto src = names.find(e.resorigtbl);
      if (vcol == view_cols->second.end() || src == names.end()) continue;
      auto src_cols = attnames.find(e.resorigtbl);
      if (src_cols == attnames.end()) continue;
      auto scol = src_cols->second.find(e.resorigcol);
      if (scol == src_cols->second.end()) continue;
      out.model.view_columns.push_back(
          ViewColumnSource{view->second, vcol->second, src->second, scol->second});
    }
  }

  for (int i = 0; i < routines.rows(); ++i) {
    Row row{routines, i};
    Routine r;
    r.oid = static_cast<std::uint32_t>(row.integer(0));
    r.schema = row.text(1);
    r.name = row.text(2);
    r.description = row.opt_text(3);
    r.is_procedure = row.text(4) == "p";
    const std::string vol = row.text(5);
    r.volatility = vol == "i"   ? Routine::Volatility::immutable
                   : vol == "s" ? Routine::Volatility::stable
                                : Routine::Volatility::volatile_;
    r.returns.set_of = row.boolean(6);
    r.has_variadic = row.boolean(7);
    const auto defaults = row.integer(8);
    auto params = row.json(9);
    bool has_out = false;
    if (params.is_array()) {
      for (const auto& p : params.as_array()) {
        if (!p.is_array() || p.as_array().size() != 5) continue;
        const auto& a = p.as_array();
        RoutineParam rp;
        rp.name = a[0].is_string() ? std::string(a[0].as_string()) : "";
        rp.type = a[1].is_string() ? std::string(a[1].as_string()) : "";
        rp.type_max_length = a[2].is_string() ? std::string(a[2].as_string()) : rp.type;
        rp.type_oid = a[3].is_int64() ? static_cast<std::uint32_t>(a[3].as_int64()) : 0;
        rp.mode = mode_of(a[4].is_string() ? std::string_view(a[4].as_string()) : "i");
        has_out = has_out || rp.is_output();
        r.params.push_back(std::move(rp));
      }
    }
    // Defaults belong to the last `pronargdefaults` input parameters.
    long long remaining = defaults;
    for (auto it = r.params.rbegin(); it != r.params.rend() && remaining > 0; ++it) {
      if (!it->is_input()) continue;
      it->has_default = true;
      --remaining;
    }
    if (!callable(r.params)) continue;
    r.returns.type_oid = static_cast<std::uint32_t>(row.integer(10));
    r.returns.type_text = row.text(11);
    r.returns.type = {row.text(12), row.text(13)};
    r.returns.composite = row.boolean(14) || has_out;
    r.returns.composite_alias = row.boolean(14) && row.boolean(15);
    r.returns.is_table_row = row.boolean(16);
    for (const auto& kv : json_strings(row.json(17))) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      std::string key = kv.substr(0, eq);
      std::string value = kv.substr(eq + 1);
      if (key == "default_transaction_isolation") r.isolation_level = value;
      r.settings.emplace_back(std::move(key), std::move(value));
    }
    out.routines.push_back(std::move(r));
  }

  for (int i = 0; i < computed.rows(); ++i) {
    Row row{computed, i};
    out.model.computed.push_back(ComputedRelationshipDef{{row.text(0), row.text(1)},
                                                         {row.text(2), row.text(3)},
                                                         {row.text(4), row.text(5)},
                                                         row.boolean(6)});
  }
  return out;
}

}  // namespace

asio::awaitable<Result<std::shared_ptr<const SchemaCache>>> load_schema_cache(
    db::Pool& pool, std::vector<std::string> schemas) {
  const auto started = std::chrono::steady_clock::now();
  auto lease = co_await pool.acquire();
  if (!lease) co_return std::move(lease).error();

  const std::vector<db::Param> params{text_array(schemas)};
  const std::string relations_sql = expand_markers(kRelationsSql);
  const std::string other_sql = expand_markers(kOtherAttnamesSql);
  const std::string constraints_sql = expand_markers(kConstraintsSql);
  const std::string views_sql = expand_markers(kViewsSql);
  const std::string columns_sql = expand_markers(kColumnsSql);
  const std::string routines_sql = expand_markers(kRoutinesSql);
  const std::string media_sql = expand_markers(kMediaHandlersSql);
  // Read-only, in one transaction. Not REPEATABLE READ: after invalidate_prepared() the
  // connection prefixes the pipeline with DEALLOCATE ALL, and an isolation level cannot be
  // set after that. DDL racing with these reads sends its own NOTIFY, hence another reload.
  const std::vector<db::Statement> statements{
      {"begin read only", {}, false}, {"select set_config('search_path', '', true)", {}, false},
      {relations_sql, params, false}, {columns_sql, params, false},
      {other_sql, params, false},     {constraints_sql, {}, false},
      {views_sql, {}, false},         {routines_sql, params, false},
      {kComputedSql, {}, false},      {kRoleSettingsSql, {}, false},
      {kDbConfigSql, {}, false},      {media_sql, params, false},
      {"commit", {}, false},
  };
  auto results = co_await (*lease)->pipeline(statements);
  if (!results) {
    Error e = std::move(results).error();
    e.internal = "loading the schema cache: " + e.message;
    co_return e;
  }

  const auto queried = std::chrono::steady_clock::now();
  Loaded loaded = decode(*results, 2);
  const auto decoded = std::chrono::steady_clock::now();
  DerivedRelationships derived = derive_relationships(loaded.model, schemas);
  const auto derived_at = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  log::debug("schema cache: queries {:.1f} ms, decoding {:.1f} ms, relationships {:.1f} ms",
             ms(started, queried), ms(queried, decoded), ms(decoded, derived_at));
  for (auto& t : loaded.tables) {
    if (!t.is_view) continue;
    if (auto it = derived.view_primary_keys.find(t.qualified());
        it != derived.view_primary_keys.end()) {
      t.primary_key = it->second;
    }
  }
  auto cache =
      std::make_shared<SchemaCache>(std::move(schemas), std::move(loaded.tables),
                                    std::move(derived.relationships), std::move(loaded.routines));
  const db::PgResult& roles = (*results)[9];
  for (int i = 0; i < roles.rows(); ++i) {
    std::string isolation(roles.get(i, 2));
    for (auto& c : isolation) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    cache->role_settings.emplace(std::string(roles.get(i, 0)),
                                 RoleSettings{std::string(roles.get(i, 1)), isolation});
  }
  const db::PgResult& db_config = (*results)[10];
  for (int i = 0; i < db_config.rows(); ++i) {
    cache->db_config[std::string(db_config.get(i, 0))] = std::string(db_config.get(i, 1));
  }
  const db::PgResult& media = (*results)[11];
  for (int i = 0; i < media.rows(); ++i) {
    MediaHandler h;
    h.schema = media.get(i, 0);
    h.name = media.get(i, 1);
    h.aggregate = media.get(i, 4) == "t";
    h.any_element =
        h.aggregate && media.get(i, 2) == "pg_catalog" && media.get(i, 3) == "anyelement";
    h.target = {std::string(media.get(i, 2)), std::string(media.get(i, 3))};
    h.domain = media.get(i, 5);
    h.key = req::media_key(req::parse_media_type(h.domain));
    h.bytea = media.get(i, 6) == "t";
    cache->add_media_handler(std::move(h));
  }
  cache->load_time = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  co_return std::shared_ptr<const SchemaCache>(std::move(cache));
}

}  // namespace basalt::rest
