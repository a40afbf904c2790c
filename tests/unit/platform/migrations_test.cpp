#include "platform/migrations.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "temp_dir.hpp"

namespace basalt::platform {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

std::chrono::system_clock::time_point utc(int y, int mo, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

TEST(MigrationFilename, ParsesVersionAndName) {
  auto m = parse_migration_filename("20240101093000_create_todos.sql");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version, "20240101093000");
  EXPECT_EQ(m->name, "create_todos");

  auto dotted = parse_migration_filename("1_a.b.sql");
  ASSERT_TRUE(dotted);
  EXPECT_EQ(dotted->version, "1");
  EXPECT_EQ(dotted->name, "a.b");

  auto empty_name = parse_migration_filename("20240101093000_.sql");
  ASSERT_TRUE(empty_name);
  EXPECT_EQ(empty_name->name, "");
}

TEST(MigrationFilename, RejectsOtherNames) {
  EXPECT_FALSE(parse_migration_filename("init.sql"));
  EXPECT_FALSE(parse_migration_filename("_init.sql"));
  EXPECT_FALSE(parse_migration_filename("2024-01-01_init.sql"));
  EXPECT_FALSE(parse_migration_filename("20240101_init.SQL"));
  EXPECT_FALSE(parse_migration_filename("20240101_init.sql.bak"));
  EXPECT_FALSE(parse_migration_filename("20240101init.sql"));
  EXPECT_FALSE(parse_migration_filename(".DS_Store"));
}

TEST(LocalMigrations, SortedWithWarningsForSkippedFiles) {
  TempDir dir;
  dir.write("20240102000000_second.sql", "select 2;");
  dir.write("20240101000000_first.sql", "select 1;");
  dir.write("README.md", "notes");
  dir.write("nested/20230101000000_ignored.sql", "select 0;");
  auto r = list_local_migrations(dir.path());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_EQ(r->files[0].version, "20240101000000");
  EXPECT_EQ(r->files[0].name, "first");
  EXPECT_EQ(r->files[0].path, dir.path() / "20240101000000_first.sql");
  EXPECT_EQ(r->files[1].version, "20240102000000");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_THAT(r->warnings[0], HasSubstr("README.md"));
}

TEST(LocalMigrations, SkipsLegacyInitOnlyWhenFirst) {
  TempDir dir;
  dir.write("20211208000000_init.sql", "");
  dir.write("20211210000000_init.sql", "");
  auto r = list_local_migrations(dir.path());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].version, "20211210000000");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_THAT(r->warnings[0], HasSubstr("20211208000000_init.sql"));
}

TEST(LocalMigrations, MissingFolderIsNoMigrations) {
  TempDir dir;
  auto r = list_local_migrations(dir.path() / "nope");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->files.empty());
}

TEST(MigrationNew, NamesFileWithUtcTimestamp) {
  TempDir dir;
  auto p = migration_new(dir.path() / "migrations", "create_todos", utc(2024, 3, 5, 7, 8, 9),
                         "create table todos ();\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(*p, dir.path() / "migrations" / "20240305070809_create_todos.sql");
  std::ifstream in(*p);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "create table todos ();\n");
  auto parsed = parse_migration_filename(p->filename().string());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "create_todos");
}

TEST(MigrationNew, NeverOverwrites) {
  TempDir dir;
  auto t = utc(2024, 1, 1, 0, 0, 0);
  ASSERT_TRUE(migration_new(dir.path(), "x", t, "keep").ok());
  auto again = migration_new(dir.path(), "x", t);
  EXPECT_FALSE(again.ok());
  std::ifstream in(dir.path() / "20240101000000_x.sql");
  std::string text;
  in >> text;
  EXPECT_EQ(text, "keep");
}

TEST(MigrationNew, RejectsBadNames) {
  TempDir dir;
  auto t = utc(2024, 1, 1, 0, 0, 0);
  EXPECT_FALSE(migration_new(dir.path(), "", t).ok());
  EXPECT_FALSE(migration_new(dir.path(), "../escape", t).ok());
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(MigrationTimestamp, IsUtc) {
  EXPECT_EQ(migration_timestamp(utc(1999, 12, 31, 23, 59, 58)), "19991231235958");
}

TEST(FormatVersionTime, FormatsValidTimestampsOnly) {
  EXPECT_EQ(format_version_time("20240229123456"), "2024-02-29 12:34:56");
  EXPECT_EQ(format_version_time("20230229123456"), "20230229123456");  // not a leap year
  EXPECT_EQ(format_version_time("20241301000000"), "20241301000000");
  EXPECT_EQ(format_version_time("20240101240000"), "20240101240000");
  EXPECT_EQ(format_version_time("1"), "1");
  EXPECT_EQ(format_version_time("202401010000001"), "202401010000001");
}

TEST(MigrationListRows, MergesLocalAndRemoteChronologically) {
  auto rows = migration_list_rows({"20240101000000", "20240103000000", "x1"},
                                  {"20240101000000", "20240102000000"});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].local, "20240101000000");
  EXPECT_EQ(rows[0].remote, "20240101000000");
  EXPECT_EQ(rows[0].time, "2024-01-01 00:00:00");
  EXPECT_EQ(rows[1].local, "");
  EXPECT_EQ(rows[1].remote, "20240102000000");
  EXPECT_EQ(rows[2].local, "20240103000000");
  EXPECT_EQ(rows[2].remote, "");
  EXPECT_TRUE(migration_list_rows({}, {}).empty());
}

TEST(SeedFiles, ResolvesGlobsInPatternOrderWithoutDuplicates) {
  TempDir dir;
  fs::path supabase = dir.path() / "supabase";
  dir.write("supabase/seed.sql", "select 1;");
  dir.write("supabase/seeds/b.sql", "select 2;");
  dir.write("supabase/seeds/a.sql", "select 3;");
  auto r =
      resolve_seed_files(supabase, {"./seeds/*.sql", "./seed.sql", "seeds/a.sql", "none/*.sql"});
  std::vector<std::string> recorded;
  for (const auto& f : r.files) recorded.push_back(f.recorded);
  EXPECT_THAT(recorded,
              ElementsAre("supabase/seeds/a.sql", "supabase/seeds/b.sql", "supabase/seed.sql"));
  EXPECT_EQ(r.files[2].file, supabase / "seed.sql");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("none/*.sql"));
}

TEST(SeedFiles, AbsoluteAndParentPatterns) {
  TempDir dir;
  dir.write("data/seed.sql", "select 1;");
  dir.write("supabase/config.toml", "");
  auto r = resolve_seed_files(dir.path() / "supabase",
                              {"../data/seed.sql", (dir.path() / "data" / "seed.sql").string()});
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].recorded, "data/seed.sql");
  EXPECT_EQ(r.files[1].recorded, (dir.path() / "data" / "seed.sql").string());
}

TEST(Sha256File, HexDigest) {
  TempDir dir;
  dir.write("a.txt", "abc");
  auto h = sha256_file(dir.path() / "a.txt");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(sha256_file(dir.path() / "missing").ok());
}

}  // namespace
}  // namespace basalt::platform
