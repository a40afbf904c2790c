// Runs tests/sql/check_bootstrap.sh (the bootstrap SQL applied twice, over an older
// Supabase-shaped schema, then an app migration and RLS checks) against a fresh embedded
// Postgres, so those SQL-level checks are part of every test run.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "harness.hpp"

namespace basalt {
namespace {

namespace fs = std::filesystem;

TEST(BootstrapSql, CheckScriptPassesOnAFreshCluster) {
  // The script applies the bootstrap itself (twice, and over an older schema).
  auto made = harness::TestPostgres::create(/*bootstrap=*/false);
  ASSERT_TRUE(made) << made.error().message;
  auto& db = **made;
  const fs::path log = db.root() / "check.log";
  const std::string cmd = "PGHOST='" + db.pg().unix_socket_dir().string() +
                          "' PGPORT=" + std::to_string(db.pg().port()) +
                          " PGUSER=postgres PGDATABASE=postgres bash '" BASALT_SOURCE_DIR
                          "/tests/sql/check_bootstrap.sh' > '" +
                          log.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << harness::last_lines(harness::read_text(log), 40);
}

}  // namespace
}  // namespace basalt
