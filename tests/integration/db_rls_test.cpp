// The database layer against a real Postgres: requests run as anon/authenticated/service_role
// with their claims, and Row Level Security (auth.uid()) decides what each sees. Also the
// pool's behaviour when Postgres restarts, and errors as values.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <optional>
#include <thread>

#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "harness.hpp"
#include "platform/bootstrap.hpp"
#include "platform/pg_sync.hpp"
#include "platform/postgres_manager.hpp"

namespace basalt {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr const char* kAlice = "11111111-1111-4111-8111-111111111111";
constexpr const char* kBob = "22222222-2222-4222-8222-222222222222";

class DbRls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = harness::TestPostgres::create();
    ASSERT_TRUE(made) << made.error().message << " " << made.error().details;
    db_ = std::move(made).value();
    pg_ = &db_->pg();
    auto conn = platform::PgSync::connect(pg_->conninfo("postgres"));
    ASSERT_TRUE(conn) << conn.error().message;
    auto setup = conn->exec(
        "create table public.notes (id bigint generated always as identity primary key,"
        " user_id uuid not null references auth.users(id), body text not null);"
        "alter table public.notes enable row level security;"
        "create policy own_notes on public.notes for all to authenticated"
        " using (user_id = auth.uid()) with check (user_id = auth.uid());"
        "insert into auth.users (id, email) values"
        " ('11111111-1111-4111-8111-111111111111', 'alice@example.com'),"
        " ('22222222-2222-4222-8222-222222222222', 'bob@example.com');"
        "insert into public.notes (user_id, body) values"
        " ('11111111-1111-4111-8111-111111111111', 'alice 1'),"
        " ('11111111-1111-4111-8111-111111111111', 'alice 2'),"
        " ('22222222-2222-4222-8222-222222222222', 'bob 1');");
    ASSERT_TRUE(setup) << setup.error().message;
  }

  static void TearDownTestSuite() {
    pg_ = nullptr;
    db_.reset();  // stops Postgres, removes its folder
  }

  void SetUp() override {
    if (pg_ == nullptr || !pg_->running()) GTEST_SKIP() << "Postgres did not start";
    db::PoolOptions po;
    po.conninfo = pg_->conninfo("authenticator");
    po.size = 4;
    po.acquire_timeout = std::chrono::milliseconds(5000);
    pool_ = db::Pool::create(ioc_.get_executor(), po);
  }

  // Runs a coroutine to completion on this test's io_context.
  template <class T>
  T run(asio::awaitable<T> task) {
    std::optional<T> out;
    asio::co_spawn(
        ioc_, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(task)); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    ioc_.restart();
    ioc_.run();
    return std::move(*out);
  }

  static db::RequestContext as_user(const char* sub) {
    db::RequestContext ctx;
    ctx.role = "authenticated";
    ctx.claims_json =
        std::string(R"({"sub":")") + sub + R"(","role":"authenticated","email":"x@y.z"})";
    return ctx;
  }

  std::vector<std::string> bodies(const db::RequestContext& ctx) {
    auto r = run(db::run_as(*pool_, ctx, "select body from public.notes order by body"));
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> out;
    if (r) {
      for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->get(i, 0));
    }
    return out;
  }

  static inline std::unique_ptr<harness::TestPostgres> db_;
  static inline platform::PostgresManager* pg_ = nullptr;
  asio::io_context ioc_;
  std::shared_ptr<db::Pool> pool_;
};

TEST_F(DbRls, EachUserSeesOnlyOwnRows) {
  EXPECT_EQ(bodies(as_user(kAlice)), (std::vector<std::string>{"alice 1", "alice 2"}));
  EXPECT_EQ(bodies(as_user(kBob)), (std::vector<std::string>{"bob 1"}));
}

TEST_F(DbRls, AnonSeesNothingAndServiceRoleSeesAll) {
  db::RequestContext anon;
  anon.role = "anon";
  EXPECT_TRUE(bodies(anon).empty());
  db::RequestContext service;
  service.role = "service_role";
  service.claims_json = R"({"role":"service_role"})";
  EXPECT_EQ(bodies(service).size(), 3u);
}

TEST_F(DbRls, ClaimsAndRequestSettingsAreVisibleToSql) {
  auto ctx = as_user(kAlice);
  ctx.method = "POST";
  ctx.path = "/notes";
  ctx.headers_json = R"({"x-client-info":"test"})";
  auto r = run(db::run_as(*pool_, ctx,
                          "select auth.uid()::text, auth.role(), auth.email(), auth.jwt()->>'sub', "
                          "current_setting('request.jwt.claim.sub', true), current_user::text, "
                          "current_setting('request.method'), current_setting('request.path'), "
                          "current_setting('request.headers')::json->>'x-client-info'"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->get(0, 0), kAlice);
  EXPECT_EQ(r->get(0, 1), "authenticated");
  EXPECT_EQ(r->get(0, 2), "x@y.z");
  EXPECT_EQ(r->get(0, 3), kAlice);
  EXPECT_EQ(r->get(0, 4), kAlice);
  EXPECT_EQ(r->get(0, 5), "authenticated");
  EXPECT_EQ(r->get(0, 6), "POST");
  EXPECT_EQ(r->get(0, 7), "/notes");
  EXPECT_EQ(r->get(0, 8), "test");
}

TEST_F(DbRls, SettingsDoNotLeakBetweenTransactions) {
  // One connection, so the second request reuses the first one's session.
  pool_ = db::Pool::create(ioc_.get_executor(), {pool_->options().conninfo, 1});
  ASSERT_TRUE(run(db::run_as(*pool_, as_user(kAlice), "select 1")));
  db::RequestContext anon;
  auto r = run(db::run_as(*pool_, anon, "select auth.uid() is null, current_user::text"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get(0, 0), "t");
  EXPECT_EQ(r->get(0, 1), "anon");
}

TEST_F(DbRls, InsertViolatingPolicyIsAnErrorValue) {
  auto r = run(db::run_as(*pool_, as_user(kAlice),
                          "insert into public.notes (user_id, body) values ($1::uuid, $2)",
                          {std::string(kBob), std::string("forged")}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "42501");
  EXPECT_NE(r.error().message.find("row-level security"), std::string::npos);
  // The connection is clean again: the next request on it works.
  EXPECT_EQ(bodies(as_user(kBob)), (std::vector<std::string>{"bob 1"}));
}

TEST_F(DbRls, ParametersAreNeverSql) {
  auto r = run(db::run_as(*pool_, as_user(kAlice), "select body from public.notes where body = $1",
                          {std::string("x' or '1'='1")}));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows(), 0);
}

TEST_F(DbRls, SyntaxErrorCarriesSqlstateAndPosition) {
  auto r = run(db::run_as(*pool_, as_user(kAlice), "select frm public.notes"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "42601");
}

TEST_F(DbRls, MultiStatementTransactionCommitsAndRollsBack) {
  auto committed = run([](std::shared_ptr<db::Pool> pool,
                          db::RequestContext ctx) -> asio::awaitable<Result<std::string>> {
    auto tx = co_await db::Transaction::begin(*pool, ctx);
    if (!tx) co_return std::move(tx).error();
    auto a = co_await tx->exec(
        "insert into public.notes (user_id, body) values (auth.uid(), 'tx') returning body");
    if (!a) co_return std::move(a).error();
    auto b = co_await tx->exec("select count(*) from public.notes");
    if (!b) co_return std::move(b).error();
    std::string count(b->get(0, 0));
    auto c = co_await tx->commit();
    if (!c) co_return std::move(c).error();
    co_return count;
  }(pool_, as_user(kAlice)));
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ(*committed, "3");  // alice's two plus the new one

  // Dropped without commit: rolled back.
  auto dropped =
      run([](std::shared_ptr<db::Pool> pool, db::RequestContext ctx) -> asio::awaitable<Status> {
        auto tx = co_await db::Transaction::begin(*pool, ctx);
        if (!tx) co_return std::move(tx).error();
        auto a = co_await tx->exec(
            "insert into public.notes (user_id, body) values (auth.uid(), 'gone')");
        if (!a) co_return std::move(a).error();
        co_return Status{};
      }(pool_, as_user(kAlice)));
  ASSERT_TRUE(dropped);
  auto after = bodies(as_user(kAlice));
  EXPECT_EQ(std::count(after.begin(), after.end(), "gone"), 0);
  EXPECT_EQ(std::count(after.begin(), after.end(), "tx"), 1);
  // Clean up for other tests.
  db::RequestContext service;
  service.role = "service_role";
  ASSERT_TRUE(run(db::run_as(*pool_, service, "delete from public.notes where body = 'tx'")));
}

TEST_F(DbRls, UnknownRoleIsRefusedByPostgres) {
  db::RequestContext ctx;
  ctx.role = "postgres";  // not a member role of authenticator
  auto r = run(db::run_as(*pool_, ctx, "select 1"));
  ASSERT_FALSE(r);
  EXPECT_FALSE(db::is_connection_error(r.error()));
}

// PostgREST's response.headers/status are read after each request's statement: a value a
// function set for the whole session must not reach the next request on that connection.
TEST_F(DbRls, ResponseSettingsStartEmptyInEveryTransaction) {
  db::RequestContext anon;
  for (int i = 0; i < 8; ++i) {  // every pooled connection, whatever order the pool lends them
    auto set = run(db::run_as(*pool_, anon,
                              "select set_config('response.headers', '[{\"X-Leak\": \"1\"}]', "
                              "false), set_config('response.status', '418', false)"));
    ASSERT_TRUE(set) << set.error().message;
  }
  for (int i = 0; i < 8; ++i) {
    auto read = run(db::run_as(*pool_, anon,
                               "select current_setting('response.headers', true) || '|' || "
                               "current_setting('response.status', true)"));
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(read->get(0, 0), "|");
  }
}

TEST_F(DbRls, PoolReconnectsAfterPostgresRestart) {
  ASSERT_EQ(bodies(as_user(kBob)).size(), 1u);  // the pool now holds an idle connection
  ASSERT_TRUE(pg_->stop(true));
  db::RequestContext anon;
  auto during = run(db::run_as(*pool_, anon, "select 1"));
  ASSERT_FALSE(during);
  EXPECT_TRUE(db::is_connection_error(during.error())) << during.error().code;
  EXPECT_EQ(during.error().status, 503);
  ASSERT_TRUE(pg_->start({}));
  EXPECT_EQ(bodies(as_user(kBob)), (std::vector<std::string>{"bob 1"}));
}

TEST_F(DbRls, StatementsSkippedAfterAnErrorAreNotTakenAsPrepared) {
  // After an error Postgres skips the rest of the pipeline, including the Parse of a statement
  // not seen before: the connection must not remember it as prepared, or its next use fails
  // with "prepared statement ... does not exist".
  auto second = run([&]() -> asio::awaitable<Result<db::PgResult>> {
    auto lease = co_await pool_->acquire();
    if (!lease) co_return std::move(lease).error();
    const db::Statement failing[] = {{"select 1/0"}, {"select 'skipped'::text"}};
    auto first = co_await (*lease)->pipeline(failing);
    if (first) co_return Error::make(500, "test", "division by zero did not fail");
    const db::Statement again[] = {{"select 'skipped'::text"}};
    auto r = co_await (*lease)->pipeline(again);
    if (!r) co_return std::move(r).error();
    co_return std::move(r->front());
  }());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->get(0, 0), "skipped");
}

TEST_F(DbRls, PoolLendsTheMostRecentlyReturnedConnectionFirst) {
  // Last in, first out: under light load one warm backend takes every request, instead of
  // every connection taking turns (first in, first out would lend the never-used fourth slot
  // next, a new connection, and then connections 0 and 1).
  std::vector<db::Connection*> conns;
  run([&]() -> asio::awaitable<bool> {
    std::vector<db::Lease> held;
    for (int i = 0; i < 3; ++i) {
      auto lease = co_await pool_->acquire();
      if (!lease) co_return false;
      conns.push_back(&**lease);
      held.push_back(std::move(*lease));
    }
    for (auto& lease : held) lease = db::Lease();  // returned in order: 0, 1, 2
    for (int i = 0; i < 3; ++i) {
      auto again = co_await pool_->acquire();
      if (!again) co_return false;
      conns.push_back(&**again);
    }  // each given back before the next is taken
    co_return true;
  }());
  ASSERT_EQ(conns.size(), 6u);
  EXPECT_NE(conns[0], conns[1]);
  EXPECT_NE(conns[1], conns[2]);
  EXPECT_EQ(conns[3], conns[2]);
  EXPECT_EQ(conns[4], conns[2]);
  EXPECT_EQ(conns[5], conns[2]);
  EXPECT_EQ(pool_->stats().in_use, 0u);
}

TEST_F(DbRls, ShardedPoolLendsEachThreadItsOwnLoopsConnections) {
  // Two event loops, one thread each, as `basalt start` runs them: a request on thread i gets
  // a connection of shard i, and both threads can use the pool at once.
  asio::io_context loop0(1), loop1(1);
  db::PoolOptions po;
  po.conninfo = pg_->conninfo("authenticator");
  po.size = 3;
  auto pool = db::Pool::create({loop0.get_executor(), loop1.get_executor()}, po);
  EXPECT_EQ(pool->stats().size, 3u);  // 2 + 1
  auto one_size = db::Pool::create({loop0.get_executor(), loop1.get_executor()},
                                   db::PoolOptions{po.conninfo, 1});
  EXPECT_EQ(one_size->stats().size, 2u);  // at least one slot per loop

  std::vector<std::size_t> shards(2, 99);
  std::vector<std::string> seen(2);
  auto work = [&](std::size_t i) -> asio::awaitable<void> {
    {
      auto lease = co_await pool->acquire();
      if (!lease) co_return;
      db::Lease moved;
      moved = std::move(*lease);  // a moved lease still goes back to its own shard
      shards[i] = moved.shard();
    }  // given back: shard 1 has one slot
    db::RequestContext ctx = as_user(i == 0 ? kAlice : kBob);
    auto r = co_await db::run_as(*pool, ctx, "select count(*) from public.notes");
    if (r) seen[i] = r->get(0, 0);
  };
  asio::co_spawn(loop0, work(0), asio::detached);
  asio::co_spawn(loop1, work(1), asio::detached);
  std::thread t1([&] {
    db::Pool::bind_thread(1);
    loop1.run();
  });
  db::Pool::bind_thread(0);
  loop0.run();
  t1.join();
  EXPECT_EQ(shards, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(seen, (std::vector<std::string>{"2", "1"}));
  EXPECT_EQ(pool->stats().in_use, 0u);
}

}  // namespace
}  // namespace basalt
