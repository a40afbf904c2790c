#include "rest/openapi.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <utility>

#include "rest/errors.hpp"

namespace basalt::rest {

namespace json = boost::json;

namespace {

constexpr std::string_view kOpenApiContentType = "application/openapi+json; charset=utf-8";

// The media types the document lists (PostgREST's toMime spellings).
const std::vector<std::string_view>& document_media_types() {
  static const std::vector<std::string_view> v{"application/json",
                                               "application/vnd.pgrst.object+json;nulls=stripped",
                                               "application/vnd.pgrst.object+json", "text/csv"};
  return v;
}

json::array string_array(const std::vector<std::string_view>& items) {
  json::array a;
  for (auto s : items) a.emplace_back(s);
  return a;
}

// A comment's first line and the rest without its leading newlines.
std::pair<std::string, std::string> split_comment(const std::string& text) {
  const auto nl = text.find('\n');
  if (nl == std::string::npos) return {text, ""};
  const auto start = text.find_first_not_of('\n', nl);
  return {text.substr(0, nl), start == std::string::npos ? "" : text.substr(start)};
}

json::object ref(std::string_view prefix, std::string_view name) {
  json::object o;
  o.emplace("$ref", std::string(prefix) + std::string(name));
  return o;
}

json::object param_ref(std::string_view name) {
  return ref("#/parameters/", name);
}

// {"description": text}: a Response object with nothing else.
json::object described(std::string_view text) {
  json::object o;
  o.emplace("description", text);
  return o;
}

// A non-body parameter: name, description, required, in, type (+ default, enum).
json::object simple_param(std::string_view name, std::optional<std::string_view> description,
                          std::string_view in) {
  json::object o;
  o.emplace("name", name);
  if (description) o.emplace("description", *description);
  o.emplace("required", false);
  o.emplace("in", in);
  o.emplace("type", "string");
  return o;
}

json::object prefer_param(const std::vector<std::string_view>& values) {
  json::object o = simple_param("Prefer", "Preference", "header");
  if (!values.empty()) o.emplace("enum", string_array(values));
  return o;
}

// Swagger's items object for an array type: the element's type, or {} for json/jsonb.
json::object array_items(std::string_view pg_type) {
  json::object items;
  if (auto t = swagger_type(pg_type.substr(0, pg_type.size() - 2))) items.emplace("type", *t);
  return items;
}

bool is_array_type(std::string_view pg_type) {
  return pg_type.size() >= 2 && pg_type.substr(pg_type.size() - 2) == "[]";
}

// An identifier as format_type() prints it: bare when it is a plain lower-case name.
std::string printed_ident(std::string_view name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
  }
  if (plain) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// ---- definitions ----

// PostgREST's foreign-key note target for a column: the first single-column M2O (or O2O on
// the referencing side) relationship from the table on that column, tables before views.
std::optional<std::pair<std::string, std::string>> foreign_key_of(
    const std::vector<const Relationship*>& rels, const std::string& column) {
  for (const bool views : {false, true}) {
    for (const Relationship* r : rels) {
      if (r->target_is_view != views || r->is_computed()) continue;
      const bool to_one = r->cardinality == Cardinality::many_to_one ||
                          (r->cardinality == Cardinality::one_to_one && !r->is_parent);
      if (!to_one || r->columns.size() != 1 || r->columns.front().source != column) continue;
      return std::pair{r->target.name, r->columns.front().target};
    }
  }
  return std::nullopt;
}

json::object column_property(const Table& t, const Column& c,
                             const std::vector<const Relationship*>& rels,
                             const std::vector<std::string>& search_path) {
  const std::string type = unqualify(c.data_type, search_path);
  std::vector<std::string> notes{"Note:"};
  if (std::find(t.primary_key.begin(), t.primary_key.end(), c.name) != t.primary_key.end()) {
    notes.emplace_back("This is a Primary Key.<pk/>");
  }
  if (auto fk = foreign_key_of(rels, c.name)) {
    notes.push_back(fmt::format("This is a Foreign Key to `{0}.{1}`.<fk table='{0}' column='{1}'/>",
                                fk->first, fk->second));
  }
  std::optional<std::string> description = c.description;
  if (notes.size() > 1) {
    std::string text = c.description ? *c.description + "\n\n" : std::string();
    for (std::size_t i = 0; i < notes.size(); ++i) {
      if (i > 0) text += '\n';
      text += notes[i];
    }
    description = std::move(text);
  }

  json::object p;
  if (description) p.emplace("description", *description);
  if (c.default_value) {
    if (auto d = swagger_default(type, unqualify(*c.default_value, search_path))) {
      p.emplace("default", std::move(*d));
    }
  }
  auto swagger = swagger_type(type);
  if (swagger) p.emplace("type", *swagger);
  p.emplace("format", swagger_format(type));
  if (swagger && *swagger == "array") p.emplace("items", array_items(type));
  if (c.max_length) p.emplace("maxLength", *c.max_length);
  if (!c.enum_values.empty()) {
    json::array e;
    for (const auto& v : c.enum_values) e.emplace_back(v);
    p.emplace("enum", std::move(e));
  }
  return p;
}

json::object table_definition(const SchemaCache& cache, const Table& t,
                              const std::vector<std::string>& search_path) {
  std::vector<const Relationship*> rels;
  for (const auto& r : cache.relationships_from(t.schema, t.name)) rels.push_back(&r);
  json::object def;
  if (t.description) def.emplace("description", *t.description);
  json::array required;
  for (const auto& c : t.columns) {
    if (!c.nullable) required.emplace_back(c.name);
  }
  if (!required.empty()) def.emplace("required", std::move(required));
  json::object properties;
  for (const auto& c : t.columns) {
    properties.emplace(c.name, column_property(t, c, rels, search_path));
  }
  if (!properties.empty()) def.emplace("properties", std::move(properties));
  def.emplace("type", "object");
  return def;
}

// ---- paths ----

// tags, summary (first line of the comment), description (the rest, when not empty).
json::object operation_base(std::string tag, const std::optional<std::string>& comment) {
  json::object op;
  json::array tags;
  tags.emplace_back(std::move(tag));
  op.emplace("tags", std::move(tags));
  if (comment) {
    auto [summary, rest] = split_comment(*comment);
    op.emplace("summary", summary);
    if (!rest.empty()) op.emplace("description", rest);
  }
  return op;
}

json::object table_path(const Table& t) {
  json::array row_filters;
  for (const auto& c : t.columns) {
    row_filters.emplace_back(param_ref("rowFilter." + t.name + "." + c.name));
  }
  const json::object base = operation_base(t.name, t.description);
  auto with_params = [&](json::array params, json::object responses) {
    json::object op = base;
    op.emplace("parameters", std::move(params));
    op.emplace("responses", std::move(responses));
    return op;
  };
  auto refs = [](json::array params, std::initializer_list<std::string_view> names) {
    for (auto n : names) params.emplace_back(param_ref(n));
    return params;
  };
  const std::string body = "body." + t.name;

  json::object ok = described("OK");
  json::object schema;
  schema.emplace("type", "array");
  schema.emplace("items", ref("#/definitions/", t.name));
  ok.emplace("schema", std::move(schema));
  json::object get_responses;
  get_responses.emplace("200", std::move(ok));
  get_responses.emplace("206", described("Partial Content"));

  json::object item;
  item.emplace("get", with_params(refs(row_filters, {"select", "order", "range", "rangeUnit",
                                                     "offset", "limit", "preferCount"}),
                                  std::move(get_responses)));
  if (t.insertable || t.updatable || t.deletable) {
    json::object created;
    created.emplace("201", described("Created"));
    item.emplace("post", with_params(refs({}, {body, "select", "preferPost"}), std::move(created)));
    json::object no_content;
    no_content.emplace("204", described("No Content"));
    item.emplace("delete", with_params(refs(row_filters, {"preferReturn"}), no_content));
    item.emplace("patch", with_params(refs(row_filters, {body, "preferReturn"}), no_content));
  }
  return item;
}

struct ProcParam {
  std::string name;
  std::string type;
  bool required = true;
  bool variadic = false;
};

std::vector<ProcParam> proc_params(const Routine& r, const std::vector<std::string>& path) {
  std::vector<ProcParam> out;
  for (const RoutineParam* p : r.input_params()) {
    out.push_back(ProcParam{p->name, unqualify(p->type, path), !p->has_default,
                            p->mode == RoutineParam::Mode::variadic});
  }
  return out;
}

// A query parameter of GET /rpc/fn. Arrays and json travel as strings, except VARIADIC ones,
// which repeat the parameter (collectionFormat multi).
json::object proc_get_param(const ProcParam& p) {
  json::object o;
  o.emplace("name", p.name);
  o.emplace("required", p.required);
  o.emplace("in", "query");
  const auto type = swagger_type(p.type);
  if (p.variadic) {
    o.emplace("type", type.value_or("string"));
    o.emplace("collectionFormat", "multi");
    const std::string_view element =
        is_array_type(p.type) ? std::string_view(p.type).substr(0, p.type.size() - 2) : p.type;
    json::object items;
    if (auto t = swagger_type(element)) items.emplace("type", *t);
    items.emplace("format", swagger_format(element));
    o.emplace("items", std::move(items));
  } else {
    o.emplace("type", !type || *type == "array" ? std::string_view("string") : *type);
    o.emplace("format", swagger_format(p.type));
  }
  return o;
}

json::object proc_schema(const Routine& r, const std::vector<ProcParam>& params) {
  json::object s;
  if (r.description) s.emplace("description", *r.description);
  json::array required;
  for (const auto& p : params) {
    if (p.required) required.emplace_back(p.name);
  }
  if (!required.empty()) s.emplace("required", std::move(required));
  json::object properties;
  for (const auto& p : params) {
    json::object prop;
    auto type = swagger_type(p.type);
    if (type) prop.emplace("type", *type);
    prop.emplace("format", swagger_format(p.type));
    if (type && *type == "array") prop.emplace("items", array_items(p.type));
    properties[p.name] = std::move(prop);
  }
  if (!properties.empty()) s.emplace("properties", std::move(properties));
  s.emplace("type", "object");
  return s;
}

json::object routine_path(const Routine& r, const std::vector<std::string>& search_path) {
  const auto params = proc_params(r, search_path);
  json::object base = operation_base("(rpc) " + r.name, r.description);
  base.emplace("produces",
               string_array({"application/json", "application/vnd.pgrst.object+json;nulls=stripped",
                             "application/vnd.pgrst.object+json"}));
  json::object responses;
  responses.emplace("200", described("OK"));

  json::object item;
  if (r.volatility != Routine::Volatility::volatile_) {
    json::object get = base;
    json::array get_params;
    for (const auto& p : params) get_params.emplace_back(proc_get_param(p));
    if (!get_params.empty()) get.emplace("parameters", std::move(get_params));
    get.emplace("responses", responses);
    item.emplace("get", std::move(get));
  }
  json::object args;
  args.emplace("name", "args");
  args.emplace("required", true);
  args.emplace("in", "body");
  args.emplace("schema", proc_schema(r, params));
  json::array post_params;
  post_params.emplace_back(std::move(args));
  post_params.emplace_back(param_ref("preferParams"));
  json::object post = std::move(base);
  post.emplace("parameters", std::move(post_params));
  post.emplace("responses", std::move(responses));
  item.emplace("post", std::move(post));
  return item;
}

json::object root_path() {
  json::object get;
  json::array tags;
  tags.emplace_back("Introspection");
  get.emplace("tags", std::move(tags));
  get.emplace("summary", "OpenAPI description (this document)");
  get.emplace("produces", string_array({"application/openapi+json", "application/json"}));
  json::object responses;
  responses.emplace("200", described("OK"));
  get.emplace("responses", std::move(responses));
  json::object item;
  item.emplace("get", std::move(get));
  return item;
}

json::object shared_parameters(const std::vector<const Table*>& tables) {
  json::object ps;
  ps.emplace("preferParams", prefer_param({}));
  ps.emplace("preferReturn",
             prefer_param({"return=representation", "return=minimal", "return=none"}));
  ps.emplace("preferCount", prefer_param({"count=none"}));
  ps.emplace("preferPost",
             prefer_param({"return=representation", "return=minimal", "return=none",
                           "resolution=ignore-duplicates", "resolution=merge-duplicates"}));
  ps.emplace("select", simple_param("select", "Filtering Columns", "query"));
  ps.emplace("on_conflict", simple_param("on_conflict", "On Conflict", "query"));
  ps.emplace("order", simple_param("order", "Ordering", "query"));
  ps.emplace("range", simple_param("Range", "Limiting and Pagination", "header"));
  json::object range_unit = simple_param("Range-Unit", "Limiting and Pagination", "header");
  range_unit.emplace("default", "items");
  ps.emplace("rangeUnit", std::move(range_unit));
  ps.emplace("offset", simple_param("offset", "Limiting and Pagination", "query"));
  ps.emplace("limit", simple_param("limit", "Limiting and Pagination", "query"));
  for (const Table* t : tables) {
    json::object body;
    body.emplace("name", t->name);
    body.emplace("description", t->name);
    body.emplace("required", false);
    body.emplace("in", "body");
    body.emplace("schema", ref("#/definitions/", t->name));
    ps["body." + t->name] = std::move(body);
    for (const auto& c : t->columns) {
      std::optional<std::string_view> description;
      if (c.description) description = *c.description;
      ps["rowFilter." + t->name + "." + c.name] = simple_param(c.name, description, "query");
    }
  }
  return ps;
}

}  // namespace

// ---- types ----

std::optional<std::string_view> swagger_type(std::string_view t) {
  if (t == "character varying" || t == "character" || t == "text") return "string";
  if (t == "boolean") return "boolean";
  if (t == "smallint" || t == "integer" || t == "bigint") return "integer";
  if (t == "numeric" || t == "real" || t == "double precision") return "number";
  if (t == "json" || t == "jsonb") return std::nullopt;
  if (is_array_type(t)) return "array";
  return "string";
}

std::string swagger_format(std::string_view t) {
  if (t == "smallint" || t == "integer") return "int32";
  if (t == "bigint") return "int64";
  return std::string(t);
}

std::optional<json::value> swagger_default(std::string_view pg_type, std::string_view expr) {
  std::string text(expr);
  if (swagger_type(pg_type) == std::optional<std::string_view>("string")) {
    const std::string cast = "::" + std::string(pg_type);
    if (text.size() >= cast.size() &&
        text.compare(text.size() - cast.size(), cast.size(), cast) == 0) {
      text.resize(text.size() - cast.size());
      const auto first = text.find_first_not_of('\'');
      const auto last = text.find_last_not_of('\'');
      text = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    }
    // Wrapped in quotes as is: a value with a quote or a bad escape is no JSON (no default).
    text = "\"" + text + "\"";
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  return v;
}

std::string unqualify(std::string_view text, const std::vector<std::string>& search_path) {
  std::vector<std::string> prefixes;
  for (const auto& s : search_path) prefixes.push_back(printed_ident(s) + ".");
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\'') {  // a string literal, '' inside
      auto end = i + 1;
      while (end < text.size()) {
        if (text[end] == '\'') {
          if (end + 1 < text.size() && text[end + 1] == '\'') {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      end = std::min(end + 1, text.size());
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    const bool token_start = c == '"' || (ident_char(c) && !(c >= '0' && c <= '9'));
    const bool after_boundary =
        i == 0 || (!ident_char(text[i - 1]) && text[i - 1] != '.' && text[i - 1] != '"');
    if (token_start && after_boundary) {
      bool dropped = false;
      for (const auto& p : prefixes) {
        if (text.substr(i, p.size()) == p) {
          i += p.size();
          dropped = true;
          break;
        }
      }
      if (dropped) continue;
    }
    if (c == '"') {  // a quoted identifier: copy it whole
      auto end = i + 1;
      while (end < text.size()) {
        if (text[end] == '"') {
          if (end + 1 < text.size() && text[end + 1] == '"') {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      end = std::min(end + 1, text.size());
      out.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

// ---- selection ----

std::vector<const Table*> openapi_tables(const SchemaCache& cache, const std::string& schema,
                                         const std::optional<std::vector<std::uint32_t>>& oids) {
  std::set<std::uint32_t> allowed;
  if (oids) allowed.insert(oids->begin(), oids->end());
  std::vector<const Table*> out;
  for (const auto& t : cache.tables()) {
    if (t.schema != schema) continue;
    if (oids && !allowed.contains(t.oid)) continue;
    out.push_back(&t);
  }
  return out;
}

std::vector<const Routine*> openapi_routines(
    const SchemaCache& cache, const std::string& schema,
    const std::optional<std::vector<std::uint32_t>>& oids) {
  std::set<std::uint32_t> allowed;
  if (oids) allowed.insert(oids->begin(), oids->end());
  std::vector<const Routine*> out;
  for (const auto& r : cache.routines()) {  // by name, fewest parameters first
    if (r.schema != schema || r.is_procedure) continue;
    if (oids && !allowed.contains(r.oid)) continue;
    if (!out.empty() && out.back()->name == r.name) {
      out.back() = &r;
    } else {
      out.push_back(&r);
    }
  }
  return out;
}

// ---- the document ----

json::object build_openapi(const SchemaCache& cache, const OpenApiSpec& spec) {
  json::object doc;
  doc.emplace("swagger", "2.0");

  json::object info;
  if (spec.schema_comment) {
    auto [title, description] = split_comment(*spec.schema_comment);
    info.emplace("title", title);
    info.emplace("description", description);
  } else {
    info.emplace("title", "PostgREST API");
    info.emplace("description", "This is a dynamic API generated by PostgREST");
  }
  info.emplace("version", spec.version);
  doc.emplace("info", std::move(info));
  doc.emplace("host", fmt::format("{}:{}", spec.host, spec.port));
  doc.emplace("basePath", spec.base_path);
  json::array schemes;
  schemes.emplace_back(spec.scheme == "http" ? "http" : "https");
  doc.emplace("schemes", std::move(schemes));
  doc.emplace("consumes", string_array(document_media_types()));
  doc.emplace("produces", string_array(document_media_types()));

  json::object paths;
  paths.emplace("/", root_path());
  for (const Table* t : spec.tables) paths["/" + t->name] = table_path(*t);
  for (const Routine* r : spec.routines) {
    paths["/rpc/" + r->name] = routine_path(*r, spec.routine_search_path);
  }
  doc.emplace("paths", std::move(paths));

  json::object definitions;
  for (const Table* t : spec.tables) {
    definitions[t->name] = table_definition(cache, *t, spec.column_search_path);
  }
  if (!definitions.empty()) doc.emplace("definitions", std::move(definitions));
  doc.emplace("parameters", shared_parameters(spec.tables));

  if (spec.security_active) {
    json::object scheme;
    scheme.emplace("name", "Authorization");
    scheme.emplace("in", "header");
    scheme.emplace("type", "apiKey");
    scheme.emplace("description", "Add the token prepending \"Bearer \" (without quotes) to it");
    json::object defs;
    defs.emplace("JWT", std::move(scheme));
    doc.emplace("securityDefinitions", std::move(defs));
    json::object requirement;
    requirement.emplace("JWT", json::array());
    json::array security;
    security.emplace_back(std::move(requirement));
    doc.emplace("security", std::move(security));
  }

  json::object docs;
  docs.emplace("description", "PostgREST Documentation");
  docs.emplace("url",
               fmt::format("https://postgrest.org/en/{}/references/api.html", spec.docs_version));
  doc.emplace("externalDocs", std::move(docs));
  return doc;
}

// ---- the endpoint ----

namespace {

// One round trip, as the request's role: the accessible tables and functions of the schema
// (PostgREST's accessibleTables/accessibleFuncs conditions) and the schema's comment.
constexpr std::string_view kFollowPrivilegesSql = R"sql(
select
  coalesce((
    select json_agg(c.oid::int8)
    from pg_catalog.pg_class c
    where c.relnamespace = n.oid
      and c.relkind in ('v', 'r', 'm', 'f', 'p')
      and not c.relispartition
      and (pg_catalog.pg_has_role(c.relowner, 'USAGE')
        or pg_catalog.has_table_privilege(c.oid,
             'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
        or pg_catalog.has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
  ), '[]')::text as tables,
  coalesce((
    select json_agg(p.oid::int8)
    from pg_catalog.pg_proc p
    where p.pronamespace = n.oid
      and p.prokind = 'f'
      and pg_catalog.has_function_privilege(p.oid, 'execute')
  ), '[]')::text as functions,
  pg_catalog.obj_description(n.oid, 'pg_namespace') as description
from (select $1::text as name) s
left join pg_catalog.pg_namespace n on n.nspname = s.name
)sql";

constexpr std::string_view kSchemaCommentSql = R"sql(
select null::text, null::text, pg_catalog.obj_description(n.oid, 'pg_namespace')
from (select $1::text as name) s
left join pg_catalog.pg_namespace n on n.nspname = s.name
)sql";

std::vector<std::uint32_t> oid_list(std::string_view text) {
  std::vector<std::uint32_t> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.as_array()) {
    if (e.is_int64()) out.push_back(static_cast<std::uint32_t>(e.as_int64()));
  }
  return out;
}

bool accepts_openapi(const std::vector<req::MediaType>& accept) {
  return std::any_of(accept.begin(), accept.end(), [](const req::MediaType& m) {
    return m.kind == req::MediaKind::openapi || m.kind == req::MediaKind::json ||
           m.kind == req::MediaKind::any;
  });
}

}  // namespace

boost::asio::awaitable<Result<http::Response>> openapi_response(
    const req::ApiRequest& rq, const SchemaCache& cache, db::Pool& pool, db::RequestContext ctx,
    OpenApiMode mode, std::vector<std::string> extra_search_path, bool authenticated) {
  if (mode == OpenApiMode::disabled) {
    co_return pgrst(404, "PGRST126", "Root endpoint metadata is disabled");
  }
  if (rq.action == req::Action::info) {
    http::Response res = http::make_response(http::HttpStatus::ok, "");
    res.set(http::beast_http::field::allow, "OPTIONS,GET,HEAD");
    co_return res;
  }
  if (!accepts_openapi(rq.accept)) co_return req::media_type_error(rq.accept);

  const bool follow = mode == OpenApiMode::follow_privileges;
  const std::string_view sql = follow ? kFollowPrivilegesSql : kSchemaCommentSql;
  std::vector<db::Param> params{rq.schema};
  auto result = co_await db::run_as(pool, ctx, sql, std::move(params));
  if (!result) co_return from_db_error(std::move(result).error(), authenticated);

  std::string body;
  if (!rq.headers_only) {
    OpenApiSpec spec;
    spec.schema = rq.schema;
    std::optional<std::vector<std::uint32_t>> table_oids, routine_oids;
    if (result->rows() > 0) {
      if (!result->is_null(0, 2)) spec.schema_comment = std::string(result->get(0, 2));
      if (follow) {
        table_oids = oid_list(result->get(0, 0));
        routine_oids = oid_list(result->get(0, 1));
      }
    } else if (follow) {
      table_oids.emplace();
      routine_oids.emplace();
    }
    spec.tables = openapi_tables(cache, rq.schema, table_oids);
    spec.routines = openapi_routines(cache, rq.schema, routine_oids);
    // Columns: as the schema cache prints types (the database's search_path, Supabase's
    // "$user", public, extensions); functions in follow-privileges mode: as the request's
    // search_path prints them (PostgREST queries them in the request's transaction).
    spec.column_search_path = extra_search_path;
    if (follow) spec.routine_search_path.push_back(rq.schema);
    for (const auto& s : extra_search_path) spec.routine_search_path.push_back(s);
    body = json::serialize(build_openapi(cache, spec));
  }
  http::Response res =
      http::make_response(http::HttpStatus::ok, std::move(body), kOpenApiContentType);
  if (rq.negotiated_by_profile) res.set("Content-Profile", rq.schema);
  co_return res;
}

}  // namespace basalt::rest
