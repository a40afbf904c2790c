// Prints, as a pgbench script, the exact transaction Basalt's REST API runs for one request:
// BEGIN, the role/claims context statement, the statement the planner builds, COMMIT. The
// context is built by the functions the server uses, from the same headers the HTTP client
// sends: the token's verified claims (secret in BASALT_JWT_SECRET), request.headers, the
// role's own settings from the schema cache, the search path. The parameter whose value is the
// sentinel 424242 becomes the pgbench variable :id, so pgbench can run the same SQL with
// random ids. Used by bench/rest.sh; BENCH_MAX_ROWS is the project's [api] max_rows.
//
// usage: bench_rest_sql CONNINFO METHOD PATH QUERY BODY ["Name: value" ...]
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>

#include "db/transaction.hpp"
#include "http/identity.hpp"
#include "rest/planner.hpp"
#include "rest/query.hpp"
#include "rest/service.hpp"

namespace asio = boost::asio;
using namespace basalt;

namespace {

std::string literal(const db::Param& p) {
  if (!p) return "NULL";
  if (*p == "424242") return ":id";
  std::string out = "'";
  for (char c : *p) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// $n → the parameter's literal (or :id), highest numbers first so $1 does not eat $12.
std::string inline_params(std::string sql, const std::vector<db::Param>& params) {
  for (std::size_t i = params.size(); i > 0; --i) {
    const std::string key = "$" + std::to_string(i);
    for (auto at = sql.find(key); at != std::string::npos; at = sql.find(key, at)) {
      const std::string value = literal(params[i - 1]);
      sql.replace(at, key.size(), value);
      at += value.size();
    }
  }
  return sql;
}

asio::awaitable<void> load(std::shared_ptr<db::Pool> pool,
                           std::optional<Result<std::shared_ptr<const rest::SchemaCache>>>& out) {
  std::vector<std::string> schemas{"public"};
  out.emplace(co_await rest::load_schema_cache(*pool, std::move(schemas)));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s CONNINFO METHOD PATH QUERY BODY [\"Name: value\" ...]\n",
                 argv[0]);
    return 2;
  }
  asio::io_context ioc;
  auto pool = db::Pool::create(ioc.get_executor(), {argv[1], 1});
  std::optional<Result<std::shared_ptr<const rest::SchemaCache>>> loaded;
  asio::co_spawn(ioc, load(pool, loaded), asio::detached);
  ioc.run();
  if (!loaded || !*loaded) {
    std::fprintf(stderr, "schema cache: %s\n", loaded ? loaded->error().message.c_str() : "?");
    return 1;
  }
  auto& cache = *loaded;
  rest::req::RawRequest raw{
      argv[2], argv[3], argv[4], {{"Prefer", "return=representation"}}, argv[5]};
  rest::req::ParseOptions popts;
  popts.schemas = {"public"};
  auto rq = rest::req::parse_api_request(raw, popts);
  if (!rq) {
    std::fprintf(stderr, "parse: %s\n", rq.error().message.c_str());
    return 1;
  }
  auto table = rest::find_relation(**cache, "public", rq->name);
  if (!table) return 1;
  // [api] max_rows, as the server plans reads with it (BENCH_MAX_ROWS, unset: none).
  rest::PlanOptions plan_options;
  if (const char* m = std::getenv("BENCH_MAX_ROWS"); m != nullptr && *m != 0) {
    plan_options.max_rows = std::atoll(m);
  }
  if (rq->action == rest::req::Action::create) plan_options.max_rows.reset();
  auto plan = rest::plan_read(*rq, **cache, **table, plan_options);
  if (!plan) {
    std::fprintf(stderr, "plan: %s\n", plan.error().message.c_str());
    return 1;
  }
  rest::Sql sql;
  if (rq->action == rest::req::Action::create) {
    rest::MutationQuery m;
    m.schema = "public";
    m.name = rq->name;
    m.columns = rq->columns;
    m.body_json = rq->payload->raw;
    plan->limit.reset();
    m.returning = &*plan;
    sql = rest::build_mutation(m);
  } else {
    sql = rest::build_read({&*plan, false, false});
  }
  // The request as the server sees it: its headers and the identity its token gives.
  http::Exchange ex;
  ex.request.method_string(argv[2]);
  ex.request.target(std::string(argv[3]) + "?" + argv[4]);
  ex.subpath = argv[3];
  std::string token;
  for (int i = 6; i < argc; ++i) {
    std::string_view h = argv[i];
    const auto colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = h.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    ex.request.insert(h.substr(0, colon), value);
    if (h.substr(0, colon) == "Authorization" && value.starts_with("Bearer ")) {
      token = std::string(value.substr(7));
    }
  }
  http::IdentityOptions io;
  if (const char* secret = std::getenv("BASALT_JWT_SECRET")) io.jwt_secret = secret;
  io.allowed_roles = std::make_shared<const std::set<std::string>>(
      std::set<std::string>{"anon", "authenticated", "service_role"});
  auto id = http::identify(token, io, static_cast<std::int64_t>(std::time(nullptr)));
  if (!id) {
    std::fprintf(stderr, "token: %s\n", id.error().message.c_str());
    return 1;
  }
  db::RequestContext ctx = http::request_context(ex, *id, "\"public\", \"extensions\"");
  rest::apply_settings(ctx, **cache, std::nullopt, nullptr, {}, "");
  std::cout << "\\set id random(1, 10000)\nBEGIN;\n"
            << inline_params(std::string(db::context_sql()), db::context_params(ctx)) << ";\n"
            << inline_params(sql.text(), sql.params()) << ";\nCOMMIT;\n";
  return 0;
}
