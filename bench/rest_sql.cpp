// Prints, as a pgbench script, the exact transaction Basalt's REST API runs for one request:
// BEGIN, the role/claims context statement, the statement the planner builds, COMMIT. The
// parameter whose value is the sentinel 424242 becomes the pgbench variable :id, so pgbench
// can run the same SQL with random ids. Used by bench/rest.sh.
//
// usage: bench_rest_sql CONNINFO METHOD PATH QUERY [BODY]
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <iostream>
#include <optional>

#include "db/transaction.hpp"
#include "rest/planner.hpp"
#include "rest/query.hpp"

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
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s CONNINFO METHOD PATH QUERY [BODY]\n", argv[0]);
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
      argv[2], argv[3], argv[4], {{"Prefer", "return=representation"}}, argc > 5 ? argv[5] : ""};
  rest::req::ParseOptions popts;
  popts.schemas = {"public"};
  auto rq = rest::req::parse_api_request(raw, popts);
  if (!rq) {
    std::fprintf(stderr, "parse: %s\n", rq.error().message.c_str());
    return 1;
  }
  auto table = rest::find_relation(**cache, "public", rq->name);
  if (!table) return 1;
  auto plan = rest::plan_read(*rq, **cache, **table, {});
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
  db::RequestContext ctx;
  ctx.role = "authenticated";
  ctx.claims_json = R"({"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated"})";
  ctx.method = argv[2];
  ctx.path = argv[3];
  std::cout << "\\set id random(1, 10000)\nBEGIN;\n"
            << inline_params(std::string(db::context_sql()), db::context_params(ctx)) << ";\n"
            << inline_params(sql.text(), sql.params()) << ";\nCOMMIT;\n";
  return 0;
}
