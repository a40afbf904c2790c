#include "rest/service.hpp"

#include <fmt/format.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "common/log.hpp"
#include "db/transaction.hpp"
#include "jwt/wire_errors.hpp"
#include "rest/errors.hpp"
#include "rest/query.hpp"

namespace basalt::rest {

namespace asio = boost::asio;
using http::HttpStatus;
using http::Response;

namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kObject = "application/vnd.pgrst.object+json; charset=utf-8";

// What the client accepts, reduced to what Basalt can produce today.
enum class Output { json, object, csv };

std::optional<Output> negotiate(const std::vector<req::MediaType>& accept) {
  for (const auto& m : accept) {
    switch (m.kind) {
      case req::MediaKind::json:
      case req::MediaKind::any:
        return Output::json;
      case req::MediaKind::singular_json:
        return Output::object;
      case req::MediaKind::csv:
        return Output::csv;
      default:
        break;
    }
  }
  return std::nullopt;
}

std::string content_range(long long offset, long long page, std::optional<long long> total) {
  std::string total_text = total ? std::to_string(*total) : "*";
  if (page <= 0) return "*/" + total_text;
  return fmt::format("{}-{}/{}", offset, offset + page - 1, total_text);
}

// The row every statement returns: total, page_total, body.
struct Outcome {
  std::optional<long long> total;
  long long page = 0;
  std::string body;
};

Outcome outcome_of(const db::PgResult& r) {
  Outcome o;
  if (r.rows() == 0) return o;
  if (!r.is_null(0, 0)) o.total = std::stoll(std::string(r.get(0, 0)));
  o.page = std::stoll(std::string(r.get(0, 1)));
  o.body = std::string(r.get(0, 2));
  return o;
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
  auto rows = boost::json::parse(json, ec);
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

Error singular_error(long long rows) {
  return pgrst(406, code::kSingular, "Cannot coerce the result to a single JSON object",
               fmt::format("The result contains {} rows", rows));
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

RestService::RestService(RestOptions options, std::shared_ptr<db::Pool> pool,
                         std::shared_ptr<SchemaCacheHolder> cache)
    : options_(std::move(options)), pool_(std::move(pool)), cache_(std::move(cache)) {}

asio::awaitable<Result<Response>> RestService::call(const req::ApiRequest& rq,
                                                    const SchemaCache& cache,
                                                    const db::RequestContext& ctx,
                                                    bool authenticated, bool single) {
  const bool is_post = rq.action == req::Action::invoke;
  if (!is_post && rq.action != req::Action::read) {
    co_return pgrst(405, code::kUnsupportedMethod,
                    "Only GET, HEAD and POST are allowed for the /rpc endpoint");
  }
  CallArgs args = call_args(rq);
  auto routine = find_routine(cache, rq.schema, rq.name, args.names, is_post);
  if (!routine) co_return std::move(routine).error();
  const Routine& r = **routine;
  if (!is_post && r.volatility == Routine::Volatility::volatile_) {
    co_return pgrst(405, code::kUnsupportedMethod,
                    "Cannot use the GET method with a volatile function: use POST");
  }
  Sql sql;
  sql.add_param(args.json);
  std::optional<ReadPlan> rows_plan;
  Table pseudo;  // the rows' columns when they are not a table's
  if (r.returns.composite) {
    const Table* t = nullptr;
    if (auto tn = r.table_name()) t = cache.find_table(tn->schema, tn->name);
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
    auto plan =
        plan_read(rq, cache, *t, PlanOptions{options_.aggregates_enabled, options_.max_rows});
    if (!plan) co_return std::move(plan).error();
    rows_plan = std::move(plan).value();
    Sql source;
    source << "(SELECT _r.*";
    append_record(source, r, args);
    source << (r.input_params().size() == 1 && r.input_params().front()->name.empty() ? " FROM "
                                                                                      : ", ");
    source << "LATERAL ";
    append_call(source, r, args);
    source << " AS _r)";
    ReadQuery q{&*rows_plan, rq.preferences.count == req::PreferCount::exact,
                single || !r.returns.set_of};
    q.source_sql = source.text();
    q.source_params = {args.json};
    sql = build_read(q);
  } else {
    // Scalars (or a set of them, or void).
    sql << "SELECT NULL::bigint AS total, pg_catalog.count(*) AS page_total, ";
    if (r.returns_void()) {
      sql << "''::text";
    } else if (r.returns.set_of) {
      sql << "COALESCE(json_agg(_f.v), '[]')::text";
    } else {
      sql << "COALESCE((json_agg(to_json(_f.v))->0)::text, 'null')";
    }
    sql << " AS body FROM (SELECT ";
    append_call(sql, r, args);
    sql << " AS v";
    append_record(sql, r, args);
    sql << ") AS _f";
  }
  auto result = co_await db::run_as(*pool_, ctx, sql.text(), sql.take_params());
  if (!result) co_return from_db_error(std::move(result).error(), authenticated);
  Outcome o = outcome_of(*result);
  if (r.returns_void()) co_return http::make_response(HttpStatus::no_content, "");
  if (rows_plan && single && r.returns.set_of && o.page != 1) co_return singular_error(o.page);
  if (rows_plan && !r.returns.set_of && o.body.empty()) o.body = "null";
  Response res = http::make_response(HttpStatus::ok, std::move(o.body), single ? kObject : kJson);
  if (rows_plan && r.returns.set_of) {
    res.set("Content-Range", content_range(rows_plan->offset, o.page, o.total));
  }
  co_return res;
}

asio::awaitable<Response> RestService::handle(http::Exchange& ex) {
  auto r = co_await run(ex);
  if (r) co_return std::move(r).value();
  const Error& e = r.error();
  if (!e.internal.empty() && e.internal != "details-json") {
    log::warn("request_id={} rest error {}: {}", ex.request_id, e.code, e.internal);
  }
  co_return error_response(e);
}

asio::awaitable<Result<Response>> RestService::run(http::Exchange& ex) {
  // 1. Who is asking.
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto id = http::identify(ex.token, options_.identity, now);
  if (!id) {
    if (id.error().code == "role_not_allowed") {
      co_return pgrst(401, "PGRST301", id.error().message);
    }
    co_return jwt::to_postgrest_error(id.error());
  }
  const bool authenticated = id->role != options_.identity.anon_role;

  // 2. Parse.
  req::RawRequest raw;
  raw.method = std::string(ex.request.method_string());
  raw.path = ex.encoded_path.size() > 8 ? ex.encoded_path.substr(8) : std::string("/");
  raw.query = ex.query;
  for (const auto& field : ex.request) {
    raw.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  raw.body = ex.request.body();
  req::ParseOptions popts;
  popts.schemas = options_.schemas;
  popts.ignored_params = {"apikey"};
  auto parsed = req::parse_api_request(raw, popts);
  if (!parsed) co_return std::move(parsed).error();
  const req::ApiRequest& rq = *parsed;

  auto cache = cache_->current();
  if (!cache) {
    co_return pgrst(503, code::kSchemaCache,
                    "Could not query the database for the schema cache. Retrying.");
  }
  if (rq.resource == req::ResourceKind::schema) {
    co_return pgrst(501, "BASALT501", "The OpenAPI description is not implemented yet");
  }
  auto output = negotiate(rq.accept);
  if (!output) co_return req::media_type_error(rq.accept);
  const bool single = *output == Output::object;
  const auto& prefs = rq.preferences;
  const bool count_exact = prefs.count == req::PreferCount::exact;
  const bool representation = prefs.representation == req::PreferReturn::representation;

  db::RequestContext ctx =
      http::request_context(ex, *id, quoted_search_path({rq.schema}, options_.extra_search_path));
  ctx.path = raw.path;
  PlanOptions plan_options{options_.aggregates_enabled, options_.max_rows};

  // Runs `sql`; with `check_single`, a result that is not exactly one row rolls back.
  auto execute = [&](Sql sql, bool check_single) -> asio::awaitable<Result<Outcome>> {
    log::debug("request_id={} sql: {}", ex.request_id, sql.text());
    if (!check_single) {
      auto r = co_await db::run_as(*pool_, ctx, sql.text(), sql.take_params());
      if (!r) co_return from_db_error(std::move(r).error(), authenticated);
      co_return outcome_of(*r);
    }
    auto tx = co_await db::Transaction::begin(*pool_, ctx);
    if (!tx) co_return from_db_error(std::move(tx).error(), authenticated);
    auto r = co_await tx->exec(sql.text(), sql.take_params());
    if (!r) co_return from_db_error(std::move(r).error(), authenticated);
    Outcome o = outcome_of(*r);
    if (o.page != 1) {
      co_await tx->rollback();
      co_return singular_error(o.page);
    }
    auto c = co_await tx->commit();
    if (!c) co_return from_db_error(std::move(c).error(), authenticated);
    co_return o;
  };

  std::string applied;
  auto add_applied = [&](std::string_view p) {
    if (!applied.empty()) applied += ", ";
    applied += p;
  };
  auto respond = [&](HttpStatus status, std::string body, bool with_body) {
    Response res = with_body
                       ? http::make_response(status, std::move(body), single ? kObject : kJson)
                       : http::make_response(status, "");
    if (!applied.empty()) res.set("Preference-Applied", applied);
    return res;
  };

  if (rq.resource == req::ResourceKind::routine) {
    co_return co_await call(rq, *cache, ctx, authenticated, single);
  }

  auto table = find_relation(*cache, rq.schema, rq.name);
  if (!table) co_return std::move(table).error();
  const Table& t = **table;

  switch (rq.action) {
    case req::Action::read: {
      auto plan = plan_read(rq, *cache, t, plan_options);
      if (!plan) co_return std::move(plan).error();
      ReadQuery q{&*plan, count_exact, single};
      auto o = co_await execute(build_read(q), false);
      if (!o) co_return std::move(o).error();
      if (single && o->page != 1) co_return singular_error(o->page);
      if (count_exact) add_applied("count=exact");
      const long long offset = plan->offset;
      if (o->total && offset > 0 && offset >= *o->total && o->page == 0) {
        co_return pgrst(416, code::kInvalidRange, "Requested range not satisfiable",
                        fmt::format("An offset of {} was requested, but there are only {} rows.",
                                    offset, *o->total));
      }
      const bool partial = o->total && (offset + o->page) < *o->total;
      Response res =
          respond(partial ? HttpStatus::partial_content : HttpStatus::ok, std::move(o->body), true);
      if (*output == Output::csv) {
        std::vector<std::string> keys;
        for (const auto& f : plan->select) keys.push_back(f.key);
        res.body() = json_rows_to_csv(res.body(), keys);
        res.set(http::beast_http::field::content_type, "text/csv; charset=utf-8");
        res.prepare_payload();
      }
      res.set("Content-Range", content_range(offset, o->page, o->total));
      co_return res;
    }
    case req::Action::create:
    case req::Action::single_upsert: {
      if (!rq.payload) co_return pgrst(400, code::kInvalidBody, "Empty or invalid json");
      if (auto s = check_columns(rq.columns, t); !s) co_return std::move(s).error();
      MutationQuery m;
      m.kind = MutationQuery::Kind::insert;
      m.schema = t.schema;
      m.name = t.name;
      m.columns = rq.columns;
      m.body_json = rq.payload->raw;
      m.body_is_array = rq.payload->is_array;
      if (rq.action == req::Action::single_upsert) {
        if (t.primary_key.empty()) {
          co_return pgrst(405, code::kInvalidFilters,
                          "Filters must include all and only primary key columns with 'eq' "
                          "operators");
        }
        m.on_conflict = t.primary_key;
        m.merge_duplicates = true;
      } else if (prefs.resolution) {
        m.on_conflict = rq.query.on_conflict.value_or(t.primary_key);
        m.merge_duplicates = *prefs.resolution == req::PreferResolution::merge_duplicates;
        add_applied(m.merge_duplicates ? "resolution=merge-duplicates"
                                       : "resolution=ignore-duplicates");
      }
      std::optional<ReadPlan> returning;
      if (representation) {
        auto plan = plan_read(rq, *cache, t, PlanOptions{options_.aggregates_enabled, {}});
        if (!plan) co_return std::move(plan).error();
        plan->limit.reset();
        plan->offset = 0;
        returning = std::move(plan).value();
        m.returning = &*returning;
        add_applied("return=representation");
      } else if (prefs.representation) {
        add_applied(prefs.representation == req::PreferReturn::minimal ? "return=minimal"
                                                                       : "return=headers-only");
      }
      m.single_object = single;
      auto o = co_await execute(build_mutation(m), single);
      if (!o) co_return std::move(o).error();
      Response res = respond(
          representation
              ? (rq.action == req::Action::single_upsert ? HttpStatus::ok : HttpStatus::created)
              : (rq.action == req::Action::single_upsert ? HttpStatus::no_content
                                                         : HttpStatus::created),
          std::move(o->body), representation);
      res.set("Content-Range", "*/*");
      co_return res;
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
        if (rq.payload->is_array) {
          co_return pgrst(400, code::kInvalidBody, "Empty or invalid json",
                          "PATCH expects a single JSON object");
        }
        if (auto s = check_columns(rq.columns, t); !s) co_return std::move(s).error();
        m.columns = rq.columns;
        m.body_json = rq.payload->raw;
        if (m.columns.empty()) {
          // Nothing to set: PostgREST answers as if no row matched.
          Response res = respond(HttpStatus::no_content, "", false);
          res.set("Content-Range", "*/*");
          co_return res;
        }
      }
      auto where = plan_mutation_filter(rq, t);
      if (!where) co_return std::move(where).error();
      m.where = std::move(where).value();
      std::optional<ReadPlan> returning;
      if (representation) {
        auto plan = plan_read(rq, *cache, t, PlanOptions{options_.aggregates_enabled, {}});
        if (!plan) co_return std::move(plan).error();
        // The WHERE applies to the mutation; the returned rows are those it touched.
        plan->where = Condition{};
        plan->limit.reset();
        plan->offset = 0;
        returning = std::move(plan).value();
        m.returning = &*returning;
        add_applied("return=representation");
      } else if (prefs.representation == req::PreferReturn::minimal) {
        add_applied("return=minimal");
      }
      m.single_object = single;
      auto o = co_await execute(build_mutation(m), single);
      if (!o) co_return std::move(o).error();
      Response res = respond(representation ? HttpStatus::ok : HttpStatus::no_content,
                             std::move(o->body), representation);
      res.set("Content-Range", o->page > 0 ? fmt::format("0-{}/*", o->page - 1) : "*/*");
      co_return res;
    }
    case req::Action::info: {
      Response res = http::make_response(HttpStatus::ok, "");
      res.set(http::beast_http::field::allow, t.is_view && !t.insertable
                                                  ? "OPTIONS,GET,HEAD"
                                                  : "OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE");
      co_return res;
    }
    case req::Action::invoke:
      break;
  }
  co_return pgrst(405, code::kUnsupportedVerb, "Unsupported HTTP method: " + raw.method);
}

}  // namespace basalt::rest
