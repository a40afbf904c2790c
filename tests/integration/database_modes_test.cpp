// `basalt start` against a Postgres it does not manage (DATABASE_URL), and `basalt db reset`
// on the embedded one: migrations, seed and the platform schemas end up where they should.
#include <gtest/gtest.h>

#include "harness.hpp"
#include "platform/pg_sync.hpp"

namespace basalt {
namespace {

using harness::BasaltProcess;
using harness::ProjectOptions;

std::string scalar(const std::string& url, const std::string& sql) {
  auto conn = platform::PgSync::connect(url);
  if (!conn) return "connect failed: " + conn.error().message;
  auto r = conn->exec(sql);
  if (!r) return "query failed: " + r.error().message;
  return r->rows() > 0 && !r->is_null(0, 0) ? std::string(r->get(0, 0)) : std::string();
}

TEST(DatabaseModes, DatabaseUrlUsesThatPostgresAndManagesNone) {
  BasaltProcess host;  // owns the Postgres the second Basalt is pointed at
  ASSERT_TRUE(host.start());

  ProjectOptions o;
  o.env["DATABASE_URL"] = host.db_url();
  o.migrations = {{"20240101000000_ext_notes.sql",
                   "create table public.ext_notes (id int primary key, body text);"}};
  BasaltProcess external(o);
  ASSERT_TRUE(external.start());

  auto health = external.get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  // Its migration went into the host's database, recorded as the CLI records it.
  EXPECT_EQ(scalar(host.db_url(),
                   "select name from supabase_migrations.schema_migrations "
                   "where version = '20240101000000'"),
            "ext_notes");
  EXPECT_EQ(scalar(host.db_url(), "select to_regclass('public.ext_notes')::text"), "ext_notes");
  // No cluster of its own.
  EXPECT_FALSE(std::filesystem::exists(external.data_dir() / "pgdata"));
  auto status = external.run_cli({"status", "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find(host.db_url()), std::string::npos) << status.output;
  // db reset would drop a database Basalt does not manage: refused.
  auto reset = external.run_cli({"db", "reset"});
  EXPECT_NE(reset.exit_code, 0);
  EXPECT_NE(reset.output.find("DATABASE_URL"), std::string::npos) << reset.output;

  ASSERT_TRUE(external.stop());
  // Stopping it left the host's Postgres alone.
  auto again = host.get("/health");
  ASSERT_TRUE(again);
  EXPECT_EQ(scalar(host.db_url(), "select 1"), "1");
}

TEST(DatabaseModes, DbResetRecreatesDatabaseThenMigratesAndSeeds) {
  ProjectOptions o;
  o.migrations = {{"20240101000000_items.sql",
                   "create table public.items (id int primary key, name text not null);"}};
  o.seed = "insert into public.items values (1, 'seeded');";
  BasaltProcess p(o);
  ASSERT_TRUE(p.start());
  EXPECT_EQ(scalar(p.db_url(), "select string_agg(name, ',' order by id) from public.items"),
            "seeded");
  EXPECT_EQ(scalar(p.db_url(), "insert into public.items values (2, 'extra') returning name"),
            "extra");

  auto reset = p.run_cli({"db", "reset"}, std::chrono::seconds(120));
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  // Fresh database: the extra row is gone, the seed ran again, the migration is recorded, and
  // the platform schemas are back.
  EXPECT_EQ(scalar(p.db_url(), "select string_agg(name, ',' order by id) from public.items"),
            "seeded");
  EXPECT_EQ(scalar(p.db_url(), "select count(*) from supabase_migrations.schema_migrations"), "1");
  EXPECT_EQ(scalar(p.db_url(), "select to_regclass('auth.users')::text"), "auth.users");
  // The running Basalt keeps serving.
  auto health = p.get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace basalt
