// Runs tests/sql/check_bootstrap.sh (the bootstrap SQL applied twice, over an older
// Supabase-shaped schema, then an app migration and RLS checks) against a fresh embedded
// Postgres, so those SQL-level checks are part of every test run.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "harness.hpp"
#include "platform/postgres_manager.hpp"

namespace basalt {
namespace {

namespace fs = std::filesystem;

TEST(BootstrapSql, CheckScriptPassesOnAFreshCluster) {
  char tmpl[] = "/tmp/basalt-sqlcheck-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path root(tmpl);
  fs::permissions(root, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  {
    platform::PostgresOptions o;
    o.data_root = root / "data";
    o.port = harness::free_port();
    o.no_sync = true;
    platform::PostgresManager pg(o);
    auto init = pg.init_if_needed({});
    ASSERT_TRUE(init) << init.error().message;
    auto started = pg.start({});
    ASSERT_TRUE(started) << started.error().message;
    const std::string cmd = "PGHOST='" + pg.unix_socket_dir().string() +
                            "' PGPORT=" + std::to_string(o.port) +
                            " PGUSER=postgres PGDATABASE=postgres bash '" BASALT_SOURCE_DIR
                            "/tests/sql/check_bootstrap.sh' > '" +
                            (root / "check.log").string() + "' 2>&1";
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << harness::last_lines(harness::read_text(root / "check.log"), 40);
  }  // Postgres stops here
  fs::remove_all(root);
}

}  // namespace
}  // namespace basalt
