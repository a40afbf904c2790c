#include "platform/postgres_manager.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "platform/bootstrap.hpp"
#include "platform/pg_sync.hpp"
#include "temp_dir.hpp"

namespace basalt::platform {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::TempDir;

void fake_install(const TempDir& dir, const std::string& major, bool with_initdb = true) {
  dir.write(major + "/bin/postgres", "#!/bin/sh\n");
  ::chmod((dir.path() / major / "bin" / "postgres").c_str(), 0755);
  if (with_initdb) {
    dir.write(major + "/bin/initdb", "#!/bin/sh\n");
    ::chmod((dir.path() / major / "bin" / "initdb").c_str(), 0755);
  }
}

TEST(SelectBinDir, PrefersWantedMajor) {
  TempDir dir;
  fake_install(dir, "14");
  fake_install(dir, "15");
  fake_install(dir, "16");
  auto c = select_bin_dir(dir.path(), 15);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->major, 15);
  EXPECT_EQ(c->bin_dir, dir.path() / "15" / "bin");
  EXPECT_TRUE(c->warnings.empty());
}

TEST(SelectBinDir, FallsBackToNewestWithWarning) {
  TempDir dir;
  fake_install(dir, "13");
  fake_install(dir, "16");
  fake_install(dir, "17", /*with_initdb=*/false);  // client-only: not a server install
  dir.write("common/bin/postgres", "");
  auto c = select_bin_dir(dir.path(), 15);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->major, 16);
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_THAT(c->warnings[0], HasSubstr("PostgreSQL 15"));
  EXPECT_THAT(c->warnings[0], HasSubstr("16"));
}

TEST(SelectBinDir, NoneInstalledIsAnError) {
  TempDir dir;
  fake_install(dir, "15", /*with_initdb=*/false);
  auto c = select_bin_dir(dir.path(), 15);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("postgresql-15"));
  EXPECT_FALSE(select_bin_dir(dir.path() / "missing", 15).ok());
}

TEST(PostgresVersion, ParsesMajor) {
  EXPECT_EQ(parse_postgres_version("postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"), 15);
  EXPECT_EQ(parse_postgres_version("postgres (PostgreSQL) 17beta1\n"), 17);
  EXPECT_FALSE(parse_postgres_version("something else"));
}

TEST(PostmasterPid, ParsesPidDataDirAndPort) {
  auto p = parse_postmaster_pid("4242\n/var/lib/basalt/pgdata\n1700000000\n54322\n/run\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->pid, 4242);
  EXPECT_EQ(p->data_dir, "/var/lib/basalt/pgdata");
  EXPECT_EQ(p->port, 54322);
  EXPECT_FALSE(parse_postmaster_pid(""));
  EXPECT_FALSE(parse_postmaster_pid("abc\n"));
  EXPECT_FALSE(parse_postmaster_pid("-5\n"));
}

TEST(TailLines, KeepsLastLines) {
  EXPECT_EQ(tail_lines("a\nb\nc\nd\n", 2), "c\nd");
  EXPECT_EQ(tail_lines("a\nb", 5), "a\nb");
  EXPECT_EQ(tail_lines("", 3), "");
  EXPECT_EQ(tail_lines("only", 1), "only");
}

TEST(PostgresManager, PathsAndConninfo) {
  PostgresOptions o;
  o.data_root = "/srv/my app/.basalt";
  o.port = 6543;
  o.superuser_password = "p@ss word";
  PostgresManager m(o);
  EXPECT_EQ(m.pgdata(), fs::path("/srv/my app/.basalt/pgdata"));
  EXPECT_EQ(m.unix_socket_dir(), fs::path("/srv/my app/.basalt/run"));
  EXPECT_EQ(m.conninfo("authenticator", "postgres"),
            "host='/srv/my app/.basalt/run' port='6543' user='authenticator' dbname='postgres'");
  EXPECT_EQ(m.database_url(), "postgresql://postgres:p%40ss%20word@127.0.0.1:6543/postgres");
  EXPECT_FALSE(m.running());
  EXPECT_TRUE(m.stop().ok());
}

TEST(PgSyncHelpers, ConninfoAndArrayQuoting) {
  EXPECT_EQ(conninfo_pair("host", "/a b/it's\\"), "host='/a b/it\\'s\\\\'");
  EXPECT_EQ(text_array_literal({}), "{}");
  EXPECT_EQ(text_array_literal({"a", "b \"c\"", "d\\e", ""}),
            "{\"a\",\"b \\\"c\\\"\",\"d\\\\e\",\"\"}");
}

TEST(Bootstrap, VersionFromFileName) {
  EXPECT_EQ(*bootstrap_version("0007_storage.sql"), 7);
  EXPECT_EQ(*bootstrap_version("12.sql"), 12);
  EXPECT_FALSE(bootstrap_version("roles.sql").ok());
  EXPECT_FALSE(bootstrap_version("99999999999_x.sql").ok());
}

TEST(Bootstrap, PasswordRolesIncludeSupabaseLocalOnes) {
  const auto& roles = password_roles();
  for (std::string_view r : {"postgres", "authenticator", "supabase_auth_admin",
                             "supabase_storage_admin", "supabase_admin"}) {
    EXPECT_NE(std::find(roles.begin(), roles.end(), r), roles.end()) << r;
  }
}

}  // namespace
}  // namespace basalt::platform
