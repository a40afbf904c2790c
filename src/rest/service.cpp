#include "rest/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>

#include "common/json.hpp"
#include "common/log.hpp"
#include "db/transaction.hpp"
#include "jwt/wire_errors.hpp"
#include "rest/errors.hpp"
#include "rest/negotiate.hpp"
#include "rest/openapi.hpp"
#include "rest/prefer_apply.hpp"
#include "rest/query.hpp"
#include "rest/response_settings.hpp"

namespace basalt::rest {

namespace asio = boost::asio;
using http::HttpStatus;
using http::Response;

namespace {

// `EXPLAIN (FORMAT JSON|TEXT, ANALYZE, ...) ` for the plan media type; the options are
// PostgREST's fixed names (parse_media_type keeps only those).
std::string explain_prefix(const req::MediaType& mt) {
  std::string out = mt.plan_json ? "EXPLAIN (FORMAT JSON" : "EXPLAIN (FORMAT TEXT";
  for (const auto& o : mt.plan_options) {
    out += ", ";
    for (char c : o) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  out += ") ";
  return out;
}

// 200 with the plan's rows, one per line, typed as the media type asked for.
Response plan_response(const req::MediaType& mt, std::string body) {
  const std::string type = req::to_mime(mt) + "; charset=utf-8";
  return http::make_response(HttpStatus::ok, std::move(body), type);
}

// PostgREST's Content-Range value for rows [lower, upper] of `total` (contentRangeH).
std::string content_range_header(long long lower, long long upper, std::optional<long long> total) {
  std::string total_text = total ? std::to_string(*total) : "*";
  if ((total && *total == 0) || lower > upper) return "*/" + total_text;
  return fmt::format("{}-{}/{}", lower, upper, total_text);
}

// Rows [offset, offset + page) of `total`, as a read or a call reports them.
std::string content_range(long long offset, long long page, std::optional<long long> total) {
  return content_range_header(offset, offset + page - 1, total);
}

// The row every statement returns: total, page_total, body, response_headers,
// response_status (and `inserted` for PUT).
struct Outcome {
  std::optional<long long> total;
  long long page = 0;
  std::string body;
  std::optional<std::string> response_headers, response_status;
  std::optional<long long> inserted;
  std::optional<long long> planned;  // EXPLAIN's row estimate, when it was asked for
  bool is_plan = false;              // body is the EXPLAIN output (Execution::plan)
};

// EXPLAIN's rows, each followed by a line break.
Outcome plan_outcome(const db::PgResult& r) {
  Outcome o;
  o.is_plan = true;
  for (int i = 0; i < r.rows(); ++i) {
    o.body += r.get(i, 0);
    o.body += '\n';
  }
  return o;
}

constexpr Oid kByteaOid = 17;  // pg_type.oid of bytea (fixed in every Postgres)

Outcome outcome_of(const db::PgResult& r) {
  Outcome o;
  if (r.rows() == 0) return o;
  if (!r.is_null(0, 0)) o.total = std::stoll(std::string(r.get(0, 0)));
  o.page = std::stoll(std::string(r.get(0, 1)));
  if (r.column_type(2) == kByteaOid) {
    // A binary media type handler's body: bytea's text form (\x...) back to its bytes.
    std::size_t n = 0;
    unsigned char* bytes =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r.raw(), 0, 2)), &n);
    if (bytes != nullptr) {
      o.body.assign(reinterpret_cast<const char*>(bytes), n);
      PQfreemem(bytes);
    }
  } else {
    o.body = std::string(r.get(0, 2));
  }
  if (r.columns() > 3 && !r.is_null(0, 3)) o.response_headers = std::string(r.get(0, 3));
  if (r.columns() > 4 && !r.is_null(0, 4)) o.response_status = std::string(r.get(0, 4));
  if (r.columns() > 5 && !r.is_null(0, 5)) o.inserted = std::stoll(std::string(r.get(0, 5)));
  return o;
}

Error singular_error(long long rows) {
  return pgrst(406, code::kSingular, "Cannot coerce the result to a single JSON object",
               fmt::format("The result contains {} rows", rows));
}

// 416 for an offset past the counted rows, as a response (it keeps Content-Range).
Response range_error(long long offset, long long total) {
  return error_response(pgrst(
      416, code::kInvalidRange, "Requested range not satisfiable",
      fmt::format("An offset of {} was requested, but there are only {} rows.", offset, total)));
}

Error put_mismatch_error() {
  return pgrst(400, code::kPutMismatch, "Payload values do not match URL in primary key column(s)");
}

// One request's statement and what decides how its transaction ends: the checks that fail the
// request and roll back (PostgREST "condemns" the transaction), count=planned|estimated's
// EXPLAIN, and db-tx-end / Prefer: tx=rollback.
struct Execution {
  Sql sql;
  std::optional<Sql> explain;             // EXPLAIN for the planned row count
  std::optional<req::PreferCount> count;  // with max_rows: whether `explain` must run
  std::optional<long long> max_rows;
  bool check_single = false;  // PGRST116 unless exactly one row
  bool check_put = false;     // PGRST115 unless exactly one row
  std::optional<Error> (*check_affected)(const req::Preferences&, long long) = nullptr;
  req::Preferences prefs;  // for check_affected
  bool rollback = false;   // end with ROLLBACK (the response is still the committed one)
  // The plan media type: run `EXPLAIN (...) <sql>` instead and answer with its rows. The
  // checks above are skipped, as PostgREST does (EXPLAIN ANALYZE still runs a mutation).
  const req::MediaType* plan = nullptr;
};

// Runs `run` as the request's role. Without checks, EXPLAIN or rollback it is one pipelined
// round trip; otherwise a transaction that the checks may roll back.
asio::awaitable<Result<Outcome>> execute(db::Pool& pool, db::RequestContext ctx, Execution run,
                                         bool authenticated) {
  if (run.plan != nullptr) {
    const std::string text = explain_prefix(*run.plan) + run.sql.text();
    if (!run.rollback) {
      auto r = co_await db::run_as(pool, ctx, text, run.sql.take_params());
      if (!r) co_return from_db_error(std::move(r).error(), authenticated);
      co_return plan_outcome(*r);
    }
    auto tx = co_await db::Transaction::begin(pool, std::move(ctx));
    if (!tx) co_return from_db_error(std::move(tx).error(), authenticated);
    auto r = co_await tx->exec(text, run.sql.take_params());
    if (!r) co_return from_db_error(std::move(r).error(), authenticated);
    Outcome o = plan_outcome(*r);
    auto rb = co_await tx->rollback();
    if (!rb) co_return from_db_error(std::move(rb).error(), authenticated);
    co_return o;
  }
  const bool simple = !run.explain && !run.check_single && !run.check_put &&
                      run.check_affected == nullptr && !run.rollback;
  if (simple) {
    auto r = co_await db::run_as(pool, ctx, run.sql.text(), run.sql.take_params());
    if (!r) co_return from_db_error(std::move(r).error(), authenticated);
    co_return outcome_of(*r);
  }
  auto tx = co_await db::Transaction::begin(pool, std::move(ctx));
  if (!tx) co_return from_db_error(std::move(tx).error(), authenticated);
  auto r = co_await tx->exec(run.sql.text(), run.sql.take_params());
  if (!r) co_return from_db_error(std::move(r).error(), authenticated);
  Outcome o = outcome_of(*r);
  std::optional<Error> failed;
  if (run.check_single && o.page != 1) failed = singular_error(o.page);
  if (!failed && run.check_put && o.page != 1) failed = put_mismatch_error();
  if (!failed && run.check_affected != nullptr) failed = run.check_affected(run.prefs, o.page);
  if (failed) {
    co_await tx->abandon();
    co_return std::move(*failed);
  }
  if (run.explain && needs_planned_count(run.count, o.total, run.max_rows)) {
    auto e = co_await tx->exec(run.explain->text(), run.explain->take_params());
    if (!e) co_return from_db_error(std::move(e).error(), authenticated);
    if (e->rows() > 0 && !e->is_null(0, 0)) o.planned = plan_rows(e->get(0, 0));
  }
  if (run.rollback) {
    // As PostgREST: deferred constraints are checked before the transaction is dropped.
    static constexpr std::string_view kImmediate = "SET CONSTRAINTS ALL IMMEDIATE";
    std::vector<db::Param> no_params;
    auto s = co_await tx->exec(kImmediate, std::move(no_params));
    if (!s) co_return from_db_error(std::move(s).error(), authenticated);
    auto rb = co_await tx->rollback();
    if (!rb) co_return from_db_error(std::move(rb).error(), authenticated);
    co_return o;
  }
  auto c = co_await tx->commit();
  if (!c) co_return from_db_error(std::move(c).error(), authenticated);
  co_return o;
}

// RFC 4180 field: quoted when it holds a separator, quote or line break.
void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// The JSON array of row objects as CSV with a header line of `keys` (the select's output
// keys, so an empty result still has its header). NULL is an empty field; nested JSON stays
// JSON text.
std::string json_rows_to_csv(const std::string& json, const std::vector<std::string>& keys) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ',';
    append_csv_field(out, keys[i]);
  }
  boost::system::error_code ec;
  auto rows = parse_json(json, ec);
  if (ec || !rows.is_array()) return out;
  for (const auto& row : rows.as_array()) {
    out += '\n';
    if (!row.is_object()) continue;
    const auto& o = row.as_object();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i) out += ',';
      const auto* v = o.if_contains(keys[i]);
      if (v == nullptr || v->is_null()) continue;
      if (v->is_string()) {
        append_csv_field(out, v->as_string());
      } else {
        append_csv_field(out, boost::json::serialize(*v));
      }
    }
  }
  return out;
}

// A scalar function's JSON result (one value, or an array of them for SETOF) as CSV under
// PostgREST's column name for scalar results.
std::string json_scalars_to_csv(const std::string& json, bool set_of) {
  std::string out = "pgrst_scalar";
  boost::system::error_code ec;
  auto v = parse_json(json, ec);
  if (ec) return out;
  auto add = [&](const boost::json::value& x) {
    out += '\n';
    if (x.is_null()) return;
    if (x.is_string()) {
      append_csv_field(out, x.as_string());
    } else {
      append_csv_field(out, boost::json::serialize(x));
    }
  };
  if (set_of && v.is_array()) {
    for (const auto& x : v.as_array()) add(x);
  } else {
    add(v);
  }
  return out;
}

std::string quoted_search_path(const std::vector<std::string>& schema_first,
                               const std::vector<std::string>& extra) {
  std::string out;
  auto add = [&](const std::string& s) {
    if (out.find(quote_ident(s)) != std::string::npos) return;
    if (!out.empty()) out += ", ";
    out += quote_ident(s);
  };
  for (const auto& s : schema_first) add(s);
  for (const auto& s : extra) add(s);
  return out;
}

}  // namespace

namespace {

// The arguments of an RPC call as one JSON object: the POST body, form fields, or the query
// string of a GET (values as JSON strings: json_to_record converts them to the parameter types).
struct CallArgs {
  std::string json = "{}";
  std::vector<std::string> names;  // sorted
  bool whole_body = false;         // POST body for a single unnamed json/jsonb parameter
};

CallArgs call_args(const req::ApiRequest& rq) {
  CallArgs a;
  if (rq.action == req::Action::invoke && rq.payload) {
    const auto& p = *rq.payload;
    if (p.kind == req::Payload::Kind::url_encoded) {
      boost::json::object o;
      for (const auto& [k, v] : p.form) o[k] = v;
      a.json = boost::json::serialize(o);
    } else {
      a.json = p.raw.empty() ? "{}" : p.raw;
    }
    a.names = rq.columns;
    return a;
  }
  boost::json::object o;
  for (const auto& [k, v] : rq.query.rpc_args) o[k] = v;
  for (const auto& kv : o) a.names.emplace_back(kv.key());
  std::sort(a.names.begin(), a.names.end());
  a.json = boost::json::serialize(o);
  return a;
}

// GET arguments and form fields name a VARIADIC parameter once per value: its values are
// collected into an array, as PostgREST does; other repeated names keep their last value.
void collect_variadic(CallArgs& a, const req::ApiRequest& rq, const Routine& r) {
  const RoutineParam* variadic = nullptr;
  for (const auto& p : r.params) {
    if (p.mode == RoutineParam::Mode::variadic) variadic = &p;
  }
  if (variadic == nullptr || variadic->name.empty()) return;
  const std::vector<std::pair<std::string, std::string>>* pairs = &rq.query.rpc_args;
  if (rq.action == req::Action::invoke) {
    if (!rq.payload || rq.payload->kind != req::Payload::Kind::url_encoded) return;
    pairs = &rq.payload->form;
  }
  boost::json::object o;
  boost::json::array values;
  for (const auto& [k, v] : *pairs) {
    if (k == variadic->name) {
      values.emplace_back(v);
    } else {
      o[k] = v;
    }
  }
  if (!values.empty()) o[variadic->name] = std::move(values);
  a.json = boost::json::serialize(o);
}

// `schema.fn(...)` with its arguments taken from `_` (json_to_record over $1), or the whole
// body for a single unnamed json parameter.
void append_call(Sql& sql, const Routine& r, const CallArgs& args) {
  sql.qualified(r.schema, r.name) << '(';
  auto inputs = r.input_params();
  if (inputs.size() == 1 && inputs.front()->name.empty()) {
    sql << "$1::" << inputs.front()->type;
  } else {
    bool first = true;
    for (const RoutineParam* p : inputs) {
      if (std::find(args.names.begin(), args.names.end(), p->name) == args.names.end()) continue;
      if (!first) sql << ", ";
      first = false;
      if (p->mode == RoutineParam::Mode::variadic) sql << "VARIADIC ";
      sql.ident(p->name) << " := _.";
      sql.ident(p->name);
    }
  }
  sql << ')';
}

// FROM json_to_record($1) AS _("a" int, ...) for the named arguments given.
void append_record(Sql& sql, const Routine& r, const CallArgs& args) {
  auto inputs = r.input_params();
  if (inputs.size() == 1 && inputs.front()->name.empty()) return;
  sql << " FROM json_to_record($1::json) AS _(";
  bool first = true;
  for (const RoutineParam* p : inputs) {
    if (std::find(args.names.begin(), args.names.end(), p->name) == args.names.end()) continue;
    if (!first) sql << ", ";
    first = false;
    sql.ident(p->name) << ' ' << p->type_max_length;
  }
  if (first) sql << "_unused int";
  sql << ')';
}

}  // namespace

std::string pre_request_statement(std::string_view function) {
  std::string out = "select ";
  if (auto dot = function.find('.'); dot != std::string_view::npos) {
    out += quote_ident(function.substr(0, dot));
    out += '.';
    function.remove_prefix(dot + 1);
  }
  out += quote_ident(function);
  out += "()";
  return out;
}

void apply_settings(db::RequestContext& ctx, const SchemaCache& cache,
                    const std::optional<std::string>& timezone, const Routine* routine,
                    const std::vector<std::string>& hoisted, const std::string& app_settings_json) {
  if (const RoleSettings* rs = cache.settings_of(ctx.role)) {
    ctx.role_settings_json = rs->settings_json;
    ctx.isolation = rs->isolation;
  }
  const bool hoists = routine != nullptr && !routine->settings.empty();
  if (!timezone && !hoists) {
    ctx.settings_json = app_settings_json;
    return;
  }
  std::string out = "{";
  auto add = [&](std::string_view name, std::string_view value) {
    if (out.size() > 1) out += ',';
    out += boost::json::serialize(boost::json::string(name));
    out += ':';
    out += boost::json::serialize(boost::json::string(value));
  };
  if (timezone) add("timezone", *timezone);
  if (routine != nullptr) {
    for (const auto& [name, value] : routine->settings) {
      if (name == "default_transaction_isolation") continue;  // goes into BEGIN below
      if (std::find(hoisted.begin(), hoisted.end(), name) != hoisted.end()) add(name, value);
    }
    if (routine->isolation_level && std::find(hoisted.begin(), hoisted.end(),
                                              "default_transaction_isolation") != hoisted.end()) {
      std::string level = *routine->isolation_level;
      for (auto& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      ctx.isolation = level;
    }
  }
  if (app_settings_json.size() > 2) {  // "{...}": splice its members in after ours
    if (out.size() > 1) out += ',';
    out.append(app_settings_json, 1, app_settings_json.size() - 2);
  }
  out += '}';
  ctx.settings_json = std::move(out);
}

RestService::RestService(RestOptions options, std::shared_ptr<db::Pool> pool,
                         std::shared_ptr<SchemaCacheHolder> cache)
    : options_(std::move(options)), pool_(std::move(pool)), cache_(std::move(cache)) {
  if (!options_.identity.cache && options_.jwt_cache_max_entries > 0) {
    options_.identity.cache = std::make_shared<http::IdentityCache>(options_.jwt_cache_max_entries);
  }
  if (!options_.app_settings.empty()) {
    boost::json::object settings;
    for (const auto& [name, value] : options_.app_settings) settings[name] = value;
    settings_json_ = boost::json::serialize(settings);
  }
  if (options_.pre_request && !options_.pre_request->empty()) {
    pre_request_sql_ = pre_request_statement(*options_.pre_request);
  }
}

bool RestService::plan_enabled(const SchemaCache& cache) const {
  if (options_.read_db_config) {
    if (auto v = cache.db_config_flag("db_plan_enabled")) return *v;
  }
  return options_.plan_enabled;
}

bool RestService::aggregates_enabled(const SchemaCache& cache) const {
  if (options_.read_db_config) {
    if (auto v = cache.db_config_flag("db_aggregates_enabled")) return *v;
  }
  return options_.aggregates_enabled;
}

asio::awaitable<Result<Response>> RestService::call(const req::ApiRequest& rq,
                                                    const SchemaCache& cache,
                                                    db::RequestContext ctx, bool authenticated) {
  const bool is_post = rq.action == req::Action::invoke;
  if (!is_post && rq.action != req::Action::read) {
    co_return pgrst(405, code::kUnsupportedMethod,
                    "Only GET, HEAD and POST are allowed for the /rpc endpoint");
  }
  CallArgs args = call_args(rq);
  auto routine = find_routine(cache, rq.schema, rq.name, args.names, is_post, rq.content_type.kind);
  if (!routine) co_return std::move(routine).error();
  const Routine& r = **routine;
  if (r.has_variadic) collect_variadic(args, rq, r);
  apply_settings(ctx, cache, rq.preferences.timezone, &r, options_.hoisted_tx_settings,
                 settings_json_);
  if (!is_post && r.volatility == Routine::Volatility::volatile_) {
    co_return pgrst(405, code::kUnsupportedMethod,
                    "Cannot use the GET method with a volatile function: use POST");
  }
  // Handlers of the function itself, or of the table it returns rows of (PostgREST looks
  // those up in the function's schema).
  const auto table_name = r.table_name();
  const QualifiedName target{r.schema, table_name ? table_name->name : r.name};
  auto negotiated =
      negotiate(rq.accept, plan_enabled(cache), cache, target, is_default_select(rq.query));
  if (!negotiated) co_return req::media_type_error(rq.accept);
  const bool single = negotiated->single;
  const MediaHandler* handler = negotiated->handler;
  const auto& prefs = rq.preferences;
  const bool counting = counts_rows(prefs.count);
  Sql sql;
  sql.add_param(args.json);
  std::optional<ReadPlan> rows_plan;
  Table pseudo;  // the rows' columns when they are not a table's
  if (r.returns.composite) {
    const Table* t = nullptr;
    if (table_name) t = cache.find_table(table_name->schema, table_name->name);
    if (t == nullptr) {
      pseudo.schema = rq.schema;
      pseudo.name = r.name;
      for (const auto& p : r.params) {
        if (p.is_output()) {
          Column c;
          c.name = p.name;
          pseudo.columns.push_back(std::move(c));
        }
      }
      t = &pseudo;
    }
    auto plan = plan_read(rq, cache, *t, PlanOptions{aggregates_enabled(cache), options_.max_rows});
    if (!plan) co_return std::move(plan).error();
    rows_plan = std::move(plan).value();
  }
  if (auto e = req::strict_preferences_error(prefs)) co_return std::move(*e);
  if (auto e = max_affected_rpc_error(prefs, r.returns.set_of)) co_return std::move(*e);
  if (rows_plan) {
    Sql source;
    source << "(SELECT _r.*";
    append_record(source, r, args);
    source << (r.input_params().size() == 1 && r.input_params().front()->name.empty() ? " FROM "
                                                                                      : ", ");
    source << "LATERAL ";
    append_call(source, r, args);
    source << " AS _r)";
    // Calls count exactly for count=exact and count=estimated, and never EXPLAIN (PostgREST).
    ReadQuery q{&*rows_plan, counting, single || !r.returns.set_of};
    q.source_sql = source.text();
    q.source_params = {args.json};
    q.strip_nulls = negotiated->strip_nulls;
    q.handler = handler;
    sql = build_read(q);
  } else if (handler != nullptr && !handler->aggregate) {
    // A function returning a media type domain: its value is the body.
    sql << "SELECT " << (counting ? "1" : "NULL") << "::bigint AS total, 1::bigint AS page_total, ";
    append_body_columns(sql, BodyFormat{false, false, handler}, "_f.v");
    sql << " FROM (SELECT ";
    append_call(sql, r, args);
    sql << " AS v";
    append_record(sql, r, args);
    sql << ") AS _f";
  } else {
    // Scalars (or a set of them, or void), as JSON or through an aggregate handler.
    sql << "SELECT " << (counting ? "pg_catalog.count(*)" : "NULL::bigint")
        << " AS total, pg_catalog.count(*) AS page_total, ";
    if (r.returns_void()) {
      sql << "''::text AS body";
      append_response_settings(sql);
    } else if (handler != nullptr) {
      append_body_columns(sql, BodyFormat{false, false, handler}, "_f.v");
    } else {
      std::string agg = r.returns.set_of ? "json_agg(_f.v)" : "(json_agg(to_json(_f.v))->0)";
      if (negotiated->strip_nulls) agg = "json_strip_nulls(" + agg + ")";
      sql << "COALESCE(" << agg << "::text, " << (r.returns.set_of ? "'[]'" : "'null'")
          << ") AS body";
      append_response_settings(sql);
    }
    sql << " FROM (SELECT ";
    append_call(sql, r, args);
    sql << " AS v";
    append_record(sql, r, args);
    sql << ") AS _f";
  }
  Execution run;
  run.sql = std::move(sql);
  run.check_single = single && r.returns.set_of;
  run.check_affected = &max_affected_error;
  if (!prefs.max_affected || prefs.handling != req::PreferHandling::strict) {
    run.check_affected = nullptr;
  }
  run.prefs = prefs;
  run.rollback = ends_in_rollback(options_.tx_end, prefs);
  run.plan = negotiated->plan;
  auto result = co_await execute(*pool_, ctx, std::move(run), authenticated);
  if (!result) co_return std::move(result).error();
  Outcome o = std::move(result).value();
  if (o.is_plan) co_return plan_response(*negotiated->plan, std::move(o.body));
  const std::string applied =
      req::preference_applied(applied_preferences(prefs, PlanKind::call, false));
  // A function that does not return a set always reports one row (PostgREST's page total "1").
  const long long page = r.returns.set_of ? o.page : 1;
  // Scalar results are not paged (the whole result is the body), so they start at row 0.
  const long long offset = rows_plan ? rows_plan->offset : 0;
  const std::optional<long long> total = counting ? o.total : std::nullopt;
  auto finish = [&](Response res) {
    res.set("Content-Range", content_range(offset, page, total));
    if (!applied.empty()) res.set("Preference-Applied", applied);
    return apply_response_settings(std::move(res), o.response_headers, o.response_status);
  };
  if (r.returns_void()) co_return finish(http::make_response(HttpStatus::no_content, ""));
  if (total && offset > *total) co_return finish(range_error(offset, *total));
  if (rows_plan && !r.returns.set_of && o.body.empty() && handler == nullptr) o.body = "null";
  const bool partial = total && page < *total;
  if (negotiated->output == Output::csv) {
    if (rows_plan) {
      std::vector<std::string> keys;
      for (const auto& f : rows_plan->select) keys.push_back(f.key);
      // A single composite comes back as one object: CSV wants the rows.
      if (!r.returns.set_of && !o.body.empty() && o.body.front() == '{')
        o.body = "[" + o.body + "]";
      o.body = json_rows_to_csv(o.body, keys);
    } else {
      o.body = json_scalars_to_csv(o.body, r.returns.set_of);
    }
  }
  Response res = http::make_response(partial ? HttpStatus::partial_content : HttpStatus::ok,
                                     std::move(o.body), negotiated->content_type());
  if (rq.negotiated_by_profile) res.set("Content-Profile", rq.schema);
  co_return finish(std::move(res));
}

asio::awaitable<Response> RestService::handle(http::Exchange& ex) {
  auto r = co_await run(ex);
  if (r) co_return std::move(r).value();
  const Error& e = r.error();
  if (!e.internal.empty() && e.internal != "details-json") {
    log::warn("request_id={} rest error {}: {}", ex.request_id, e.code, e.internal);
  }
  Response res = error_response(e);
  // PostgREST asks for a token without calling the request's token invalid.
  if (e.code == "PGRST302") res.set(http::beast_http::field::www_authenticate, "Bearer");
  co_return res;
}

asio::awaitable<Result<Response>> RestService::run(http::Exchange& ex) {
  // 1. Who is asking.
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (!ex.token.empty() && options_.identity.jwt_secret.empty() && !options_.identity.keys) {
    co_return pgrst(500, "PGRST300", "Server lacks JWT secret");
  }
  auto id = http::identify(ex.token, options_.identity, now);
  if (!id) {
    if (id.error().code == "role_not_allowed") {
      co_return pgrst(401, "PGRST301", id.error().message);
    }
    if (id.error().code == "anonymous_disabled") {
      co_return pgrst(401, "PGRST302", id.error().message);
    }
    co_return jwt::to_postgrest_error(id.error());
  }
  const bool authenticated = id->role != options_.identity.anon_role;

  // 2. Parse.
  req::RawRequest raw;
  raw.method = std::string(ex.request.method_string());
  std::string_view below = ex.encoded_path;
  if (below.starts_with(options_.mount_prefix)) below.remove_prefix(options_.mount_prefix.size());
  raw.path = below.empty() ? std::string("/") : std::string(below);
  raw.query = ex.query;
  for (const auto& field : ex.request) {
    raw.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  raw.body = ex.request.body();
  req::ParseOptions popts;
  popts.schemas = options_.schemas;
  if (options_.behind_gateway) popts.ignored_params = {"apikey"};
  popts.allow_tx_override = tx_override_allowed(options_.tx_end);
  auto parsed = req::parse_api_request(raw, popts);
  if (!parsed) co_return std::move(parsed).error();

  auto cache = cache_->current();
  if (!cache) {
    co_return pgrst(503, code::kSchemaCache,
                    "Could not query the database for the schema cache. Retrying.");
  }
  const req::ApiRequest& rq = *parsed;
  if (rq.resource == req::ResourceKind::schema) {  // the OpenAPI document (rest/openapi.cpp)
    db::RequestContext root_ctx =
        http::request_context(ex, *id, quoted_search_path({rq.schema}, options_.extra_search_path));
    root_ctx.path = raw.path;
    apply_settings(root_ctx, *cache, std::nullopt, nullptr, options_.hoisted_tx_settings,
                   settings_json_);
    root_ctx.pre_request_sql = pre_request_sql_;
    co_return co_await openapi_response(rq, *cache, *pool_, std::move(root_ctx),
                                        options_.openapi_mode, options_.extra_search_path,
                                        authenticated);
  }
  const auto& prefs = rq.preferences;
  const bool representation = prefs.representation == req::PreferReturn::representation;
  const bool rollback = ends_in_rollback(options_.tx_end, prefs);

  db::RequestContext ctx =
      http::request_context(ex, *id, quoted_search_path({rq.schema}, options_.extra_search_path));
  ctx.path = raw.path;
  apply_settings(ctx, *cache, rq.preferences.timezone, nullptr, options_.hoisted_tx_settings,
                 settings_json_);
  ctx.pre_request_sql = pre_request_sql_;
  PlanOptions plan_options{aggregates_enabled(*cache), options_.max_rows};

  if (rq.resource == req::ResourceKind::routine) {
    co_return co_await call(rq, *cache, ctx, authenticated);
  }

  auto table = find_relation(*cache, rq.schema, rq.name);
  if (!table) co_return std::move(table).error();
  const Table& t = **table;
  if (rq.action == req::Action::info) {
    Response res = http::make_response(HttpStatus::ok, "");
    res.set(http::beast_http::field::allow, t.is_view && !t.insertable
                                                ? "OPTIONS,GET,HEAD"
                                                : "OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE");
    co_return res;
  }
  auto negotiated = negotiate(rq.accept, plan_enabled(*cache), *cache, t.qualified(),
                              is_default_select(rq.query));
  if (!negotiated) co_return req::media_type_error(rq.accept);
  const Output output = negotiated->output;
  const bool single = negotiated->single;

  // Preference-Applied for this action, and the response carrying it.
  auto applied_for = [&](PlanKind kind, bool has_conflict_target = false) {
    return req::preference_applied(applied_preferences(prefs, kind, has_conflict_target));
  };
  auto respond = [&](HttpStatus status, std::string body, bool with_body,
                     const std::string& applied) {
    Response res = with_body
                       ? http::make_response(status, std::move(body), negotiated->content_type())
                       : http::make_response(status, "");
    if (with_body && rq.negotiated_by_profile) res.set("Content-Profile", rq.schema);
    if (!applied.empty()) res.set("Preference-Applied", applied);
    return res;
  };
  // The rows a mutation returns with return=representation: the select over the touched rows.
  auto returning_plan = [&]() -> Result<ReadPlan> {
    auto plan = plan_read(rq, *cache, t, PlanOptions{aggregates_enabled(*cache), {}});
    if (!plan) return std::move(plan).error();
    plan->where = Condition{};  // the filters apply to the mutation itself
    plan->limit.reset();
    plan->limit_text.reset();
    plan->offset = 0;
    plan->offset_text.reset();
    return plan;
  };
  // CSV from the JSON rows (the builtin CSV handler), for `plan`'s output keys.
  auto to_csv = [&](Response& res, const ReadPlan& plan) {
    if (output != Output::csv) return;
    std::vector<std::string> keys;
    for (const auto& f : plan.select) keys.push_back(f.key);
    res.body() = json_rows_to_csv(res.body(), keys);
    res.prepare_payload();
  };
  Execution run;
  run.prefs = prefs;
  run.rollback = rollback;
  run.check_single = single;
  run.plan = negotiated->plan;

  switch (rq.action) {
    case req::Action::read: {
      auto plan = plan_read(rq, *cache, t, plan_options);
      if (!plan) co_return std::move(plan).error();
      if (auto e = req::strict_preferences_error(prefs)) co_return std::move(*e);
      ReadQuery q{&*plan, counts_rows(prefs.count), single,
                  count_limit(prefs.count, options_.max_rows)};
      q.strip_nulls = negotiated->strip_nulls;
      q.handler = negotiated->handler;
      run.sql = build_read(q);
      if (prefs.count == req::PreferCount::planned || prefs.count == req::PreferCount::estimated) {
        run.explain = build_count_explain(q);
        run.count = prefs.count;
        run.max_rows = options_.max_rows;
      }
      log::debug("request_id={} sql: {}", ex.request_id, run.sql.text());
      auto o = co_await execute(*pool_, ctx, std::move(run), authenticated);
      if (!o) co_return std::move(o).error();
      if (o->is_plan) co_return plan_response(*negotiated->plan, std::move(o->body));
      const auto total = resolve_total(prefs.count, o->total, o->planned, options_.max_rows);
      const std::string applied = applied_for(PlanKind::read);
      // PostgREST's rangeStatusHeader over rows [offset, offset + page) of `total`.
      const long long offset = std::max<long long>(0, rq.range.offset);
      const std::string range = content_range(offset, o->page, total);
      if (total && offset > *total) {
        Response res = range_error(offset, *total);
        res.set("Content-Range", range);
        if (!applied.empty()) res.set("Preference-Applied", applied);
        co_return apply_response_settings(std::move(res), o->response_headers, o->response_status);
      }
      const bool partial = total && o->page < *total;
      Response res = respond(partial ? HttpStatus::partial_content : HttpStatus::ok,
                             std::move(o->body), true, applied);
      to_csv(res, *plan);
      res.set("Content-Range", range);
      // PostgREST's Content-Location: the path and the canonical (sorted) query string.
      std::string location = "/" + rq.name;
      if (!rq.query.canonical.empty()) location += "?" + rq.query.canonical;
      // A relation name is any text; one with control characters cannot go in a header.
      if (std::none_of(location.begin(), location.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        res.set("Content-Location", location);
      }
      co_return apply_response_settings(std::move(res), o->response_headers, o->response_status);
    }
    case req::Action::create:
    case req::Action::single_upsert: {
      const bool put = rq.action == req::Action::single_upsert;
      // PUT: the URL must name exactly the primary key with eq (checked before the body).
      if (put) {
        if (auto s = check_put_filters(rq, t); !s) co_return std::move(s).error();
      }
      if (!rq.payload) co_return pgrst(400, code::kInvalidBody, "Empty or invalid json");
      if (auto s = check_columns(rq.columns, t); !s) co_return std::move(s).error();
      if (auto e = req::strict_preferences_error(prefs)) co_return std::move(*e);
      MutationQuery m;
      m.kind = MutationQuery::Kind::insert;
      m.schema = t.schema;
      m.name = t.name;
      m.columns = rq.columns;
      m.body_json = rq.payload->raw;
      m.body_is_array = rq.payload->is_array;
      bool has_conflict_target = false;
      if (put) {
        auto where = plan_mutation_filter(rq, t);
        if (!where) co_return std::move(where).error();
        m.put_where = std::move(where).value();
        m.on_conflict = t.primary_key;
        m.merge_duplicates = true;
        run.check_single = false;  // PUT writes one row or fails with PGRST115
        run.check_put = true;
      } else {
        const auto& target = rq.query.on_conflict ? *rq.query.on_conflict : t.primary_key;
        has_conflict_target = !target.empty();
        if (prefs.resolution && !target.empty()) {
          m.on_conflict = target;
          m.merge_duplicates = *prefs.resolution == req::PreferResolution::merge_duplicates;
        }
        if (prefs.missing == req::PreferMissing::apply_default) {
          m.missing_default = true;
          m.defaults = column_defaults(m.columns, t);
        }
      }
      std::optional<ReadPlan> returning;
      if (representation) {
        auto plan = returning_plan();
        if (!plan) co_return std::move(plan).error();
        returning = std::move(plan).value();
        m.returning = &*returning;
      }
      m.single_object = single;
      m.strip_nulls = negotiated->strip_nulls;
      m.handler = negotiated->handler;
      run.sql = build_mutation(m);
      log::debug("request_id={} sql: {}", ex.request_id, run.sql.text());
      auto o = co_await execute(*pool_, ctx, std::move(run), authenticated);
      if (!o) co_return std::move(o).error();
      if (o->is_plan) co_return plan_response(*negotiated->plan, std::move(o->body));
      if (put) {
        // PostgREST: 201 when the row was inserted, 200 when it replaced one; no Content-Range.
        const bool inserted = o->inserted && *o->inserted > 0;
        Response res =
            respond(representation ? (inserted ? HttpStatus::created : HttpStatus::ok)
                                   : HttpStatus::no_content,
                    std::move(o->body), representation, applied_for(PlanKind::single_upsert));
        if (returning) to_csv(res, *returning);
        co_return apply_response_settings(std::move(res), o->response_headers, o->response_status);
      }
      Response res = respond(HttpStatus::created, std::move(o->body), representation,
                             applied_for(PlanKind::create, has_conflict_target));
      if (returning) to_csv(res, *returning);
      const auto total =
          counts_rows(prefs.count) ? std::optional<long long>(o->page) : std::nullopt;
      res.set("Content-Range", content_range_header(1, 0, total));
      co_return apply_response_settings(std::move(res), o->response_headers, o->response_status);
    }
    case req::Action::update:
    case req::Action::remove: {
      const bool update = rq.action == req::Action::update;
      MutationQuery m;
      m.kind = update ? MutationQuery::Kind::update : MutationQuery::Kind::remove;
      m.schema = t.schema;
      m.name = t.name;
      if (update) {
        if (!rq.payload) co_return pgrst(400, code::kInvalidBody, "Empty or invalid json");
        if (auto s = check_columns(rq.columns, t); !s) co_return std::move(s).error();
        m.columns = rq.columns;
        m.body_json = rq.payload->raw;
        if (prefs.missing == req::PreferMissing::apply_default) {
          m.missing_default = true;
          m.defaults = column_defaults(m.columns, t);
        }
      }
      auto where = plan_mutation_filter(rq, t);
      if (!where) co_return std::move(where).error();
      m.where = std::move(where).value();
      if (auto e = req::strict_preferences_error(prefs)) co_return std::move(*e);
      const std::string applied = applied_for(update ? PlanKind::update : PlanKind::remove);
      const std::optional<long long> no_total;
      if (update && m.columns.empty()) {
        // Nothing to set: PostgREST answers as if no row matched.
        if (single) co_return singular_error(0);
        Response res = respond(representation ? HttpStatus::ok : HttpStatus::no_content, "[]",
                               representation, applied);
        res.set("Content-Range",
                content_range_header(
                    0, -1, counts_rows(prefs.count) ? std::optional<long long>(0) : no_total));
        co_return res;
      }
      std::optional<ReadPlan> returning;
      if (representation) {
        auto plan = returning_plan();
        if (!plan) co_return std::move(plan).error();
        returning = std::move(plan).value();
        m.returning = &*returning;
      }
      m.single_object = single;
      m.strip_nulls = negotiated->strip_nulls;
      m.handler = negotiated->handler;
      if (prefs.max_affected && prefs.handling == req::PreferHandling::strict) {
        run.check_affected = &max_affected_error;
      }
      run.sql = build_mutation(m);
      log::debug("request_id={} sql: {}", ex.request_id, run.sql.text());
      auto o = co_await execute(*pool_, ctx, std::move(run), authenticated);
      if (!o) co_return std::move(o).error();
      if (o->is_plan) co_return plan_response(*negotiated->plan, std::move(o->body));
      Response res = respond(representation ? HttpStatus::ok : HttpStatus::no_content,
                             std::move(o->body), representation, applied);
      if (returning) to_csv(res, *returning);
      const auto total = counts_rows(prefs.count) ? std::optional<long long>(o->page) : no_total;
      // PostgREST: updates report the touched rows as a range, deletes only their count.
      res.set("Content-Range", update ? content_range_header(0, o->page - 1, total)
                                      : content_range_header(1, 0, total));
      co_return apply_response_settings(std::move(res), o->response_headers, o->response_status);
    }
    case req::Action::info:  // answered above
    case req::Action::invoke:
      break;
  }
  co_return pgrst(405, code::kUnsupportedVerb, "Unsupported HTTP method: " + raw.method);
}

}  // namespace basalt::rest
