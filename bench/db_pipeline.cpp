// Benchmark: Basalt's request transaction (BEGIN, role + claims, one query, COMMIT) through the
// db layer, sent as one pipeline per request. bench/run.sh runs pgbench on the same SQL against
// the same Postgres, so the printed figures are comparable side by side.
//
// usage: bench_db_pipeline CONNINFO CLIENTS SECONDS ROWS
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "db/pool.hpp"
#include "db/transaction.hpp"

namespace asio = boost::asio;

namespace {

constexpr std::string_view kSql = "select id, body from public.bench_notes where id = $1";

// One simulated client: requests back to back until `stop_at`.
asio::awaitable<void> client(std::shared_ptr<basalt::db::Pool> pool, int seed, int rows,
                             std::chrono::steady_clock::time_point stop_at, std::atomic<long>& done,
                             std::atomic<long>& failed) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::uniform_int_distribution<int> pick(1, rows);
  basalt::db::RequestContext ctx;
  ctx.role = "authenticated";
  ctx.claims_json = R"({"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated"})";
  ctx.path = "/bench_notes";
  while (std::chrono::steady_clock::now() < stop_at) {
    // (String literals stay out of co_await expressions: GCC 12 rejects array temporaries.)
    std::vector<basalt::db::Param> params{std::to_string(pick(rng))};
    auto r = co_await basalt::db::run_as(*pool, ctx, kSql, std::move(params));
    if (r) {
      ++done;
    } else {
      ++failed;
      std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s CONNINFO CLIENTS SECONDS ROWS\n", argv[0]);
    return 2;
  }
  const std::string conninfo = argv[1];
  const int clients = std::stoi(argv[2]);
  const int seconds = std::stoi(argv[3]);
  const int rows = std::stoi(argv[4]);

  asio::io_context ioc;
  basalt::db::PoolOptions po;
  po.conninfo = conninfo;
  po.size = static_cast<std::size_t>(clients);
  auto pool = basalt::db::Pool::create(ioc.get_executor(), po);
  std::atomic<long> done{0};
  std::atomic<long> failed{0};
  const auto stop_at = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);

  for (int c = 0; c < clients; ++c) {
    asio::co_spawn(ioc, client(pool, c, rows, stop_at, done, failed), asio::detached);
  }
  // One Asio thread, like one core of `basalt start`; the other core is left to Postgres.
  ioc.run();
  std::printf("%.0f\n", static_cast<double>(done.load()) / seconds);
  return failed.load() == 0 ? 0 : 1;
}
