// The embedded Postgres manager, bootstrap, migrations and seed against a real PostgreSQL
// (Debian's binaries). One cluster is initialised per suite (initdb is the slow part); each
// test starts and stops its own server on it.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/bootstrap.hpp"
#include "platform/migrations.hpp"
#include "platform/pg_sync.hpp"
#include "platform/postgres_manager.hpp"

namespace basalt::platform {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

// Collects progress lines so tests can look at the warnings.
struct Lines {
  std::vector<std::string> info, warn;
  Progress progress() {
    Progress p;
    p.info = [this](std::string_view l) { info.emplace_back(l); };
    p.warn = [this](std::string_view l) { warn.emplace_back(l); };
    return p;
  }
};

// Puts a file back as it was when the test ends, pass or fail.
class RestoreFile {
 public:
  explicit RestoreFile(fs::path p) : path_(std::move(p)), text_(read_all(path_)) {}
  ~RestoreFile() { write_all(path_, text_); }

 private:
  fs::path path_;
  std::string text_;
};

class PlatformPostgres : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = "/tmp/basalt-pg-XXXXXX";
    if (!::mkdtemp(tmpl.data())) return;
    root_ = new fs::path(tmpl);
    // Postgres's own user must be able to pass through when the tests run as root.
    ::chmod(root_->c_str(), 0711);
    options_ = new PostgresOptions;
    options_->data_root = *root_ / "data";
    options_->port = free_port();
    options_->no_sync = true;
    PostgresManager m(*options_);
    Lines lines;
    auto r = m.init_if_needed(lines.progress());
    init_error_ = new std::string(r.ok() ? "" : r.error().message);
    initialised_ = r.ok() && *r;
  }

  static void TearDownTestSuite() {
    if (root_) {
      std::error_code ec;
      fs::remove_all(*root_, ec);
    }
    delete root_;
    delete options_;
    delete init_error_;
    root_ = nullptr;
    options_ = nullptr;
    init_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(root_, nullptr) << "mkdtemp failed";
    ASSERT_EQ(*init_error_, "");
    ASSERT_TRUE(initialised_);
  }

  // A started server (stopped by the returned manager's destructor) on the shared cluster.
  std::unique_ptr<PostgresManager> started(Lines* lines = nullptr) {
    auto m = std::make_unique<PostgresManager>(*options_);
    Lines local;
    auto s = m->start((lines ? lines : &local)->progress());
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(m) : nullptr;
  }

  PgSync connect(const PostgresManager& m) {
    auto c = PgSync::connect(m.conninfo());
    EXPECT_TRUE(c.ok()) << c.error().message;
    return std::move(c).value();
  }

  // A folder of this test's own under the suite's folder.
  fs::path work_dir() {
    fs::path p = *root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(p);
    return p;
  }

  static fs::path* root_;
  static PostgresOptions* options_;
  static std::string* init_error_;
  static bool initialised_;
};

fs::path* PlatformPostgres::root_ = nullptr;
PostgresOptions* PlatformPostgres::options_ = nullptr;
std::string* PlatformPostgres::init_error_ = nullptr;
bool PlatformPostgres::initialised_ = false;

TEST_F(PlatformPostgres, InitIsIdempotentAndWritesSettings) {
  PostgresManager m(*options_);
  Lines lines;
  auto again = m.init_if_needed(lines.progress());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(*again);
  std::string conf = read_all(m.pgdata() / "postgresql.conf");
  EXPECT_THAT(conf, HasSubstr("wal_level = logical"));
  EXPECT_THAT(conf, HasSubstr("listen_addresses = '127.0.0.1'"));
  EXPECT_THAT(read_all(m.pgdata() / "pg_hba.conf"), HasSubstr("host    replication"));
  // The superuser's password file is gone.
  for (const auto& e : fs::directory_iterator(options_->data_root)) {
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr("pwfile")));
  }
  struct stat st {};
  ASSERT_EQ(::stat(m.pgdata().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(PlatformPostgres, ExplicitBinDirIsAskedForItsVersion) {
  PostgresManager automatic(*options_);
  ASSERT_TRUE(automatic.find_binaries().ok());
  PostgresOptions o = *options_;
  o.bin_dir = automatic.bin_dir();
  o.wanted_major = automatic.binaries_major() + 1;
  PostgresManager m(o);
  ASSERT_TRUE(m.find_binaries().ok());
  EXPECT_EQ(m.binaries_major(), automatic.binaries_major());
  ASSERT_EQ(m.warnings().size(), 1u);  // not the wanted major
  o.bin_dir = *root_;
  EXPECT_FALSE(PostgresManager(o).find_binaries().ok());
}

TEST_F(PlatformPostgres, StartStopAndDataSurvivesRestart) {
  pid_t first_pid = 0;
  {
    auto m = started();
    ASSERT_TRUE(m);
    first_pid = m->pid();
    auto c = connect(*m);
    ASSERT_TRUE(c.exec("CREATE TABLE survives (id int); INSERT INTO survives VALUES (42)").ok());
    ASSERT_TRUE(m->stop().ok());
    EXPECT_FALSE(m->running());
    EXPECT_NE(::kill(first_pid, 0), 0);  // really gone
    EXPECT_FALSE(fs::exists(m->pgdata() / "postmaster.pid"));
  }
  auto m = started();
  ASSERT_TRUE(m);
  auto c = connect(*m);
  auto r = c.exec("SELECT id FROM survives");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->rows(), 1);
  EXPECT_EQ(r->get(0, 0), "42");
  ASSERT_TRUE(c.exec("DROP TABLE survives").ok());
}

TEST_F(PlatformPostgres, TcpLoginNeedsThePassword) {
  auto m = started();
  ASSERT_TRUE(m);
  std::string tcp = "host=127.0.0.1 port=" + std::to_string(m->port()) + " dbname=postgres ";
  EXPECT_TRUE(PgSync::connect(tcp + "user=postgres password=postgres").ok());
  EXPECT_TRUE(PgSync::connect(m->database_url()).ok());
  auto wrong = PgSync::connect(tcp + "user=postgres password=wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message, HasSubstr("password authentication failed"));
}

TEST_F(PlatformPostgres, StalePidFileIsRemovedWithWarning) {
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ::waitpid(dead, nullptr, 0);
  fs::path pid_file = options_->data_root / "pgdata" / "postmaster.pid";
  write_all(pid_file, std::to_string(dead) + "\n" + (options_->data_root / "pgdata").string() +
                          "\n1700000000\n" + std::to_string(options_->port) + "\n");
  Lines lines;
  auto m = started(&lines);
  ASSERT_TRUE(m);
  ASSERT_EQ(lines.warn.size(), 1u);
  EXPECT_THAT(lines.warn[0], HasSubstr("stale"));
  EXPECT_THAT(lines.warn[0], HasSubstr(std::to_string(dead)));
}

TEST_F(PlatformPostgres, PidFileOfAnotherProgramIsStale) {
  // The recorded pid now belongs to this test program: a reused pid, not a Postgres.
  fs::path pid_file = options_->data_root / "pgdata" / "postmaster.pid";
  write_all(pid_file,
            std::to_string(::getpid()) + "\n" + (options_->data_root / "pgdata").string() + "\n");
  Lines lines;
  auto m = started(&lines);
  ASSERT_TRUE(m);
  ASSERT_EQ(lines.warn.size(), 1u);
  EXPECT_THAT(lines.warn[0], HasSubstr("another program"));
}

TEST_F(PlatformPostgres, MissingOsUserIsExplained) {
  if (::geteuid() != 0) GTEST_SKIP() << "the OS user matters only when running as root";
  PostgresOptions o = *options_;
  o.os_user = "basalt_no_such_user";
  PostgresManager m(o);
  Lines lines;
  auto s = m.start(lines.progress());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("'basalt_no_such_user' does not exist"));
  EXPECT_THAT(s.error().message, HasSubstr("BASALT_PG_USER"));
}

TEST_F(PlatformPostgres, SecondStartOnSameFolderIsRefused) {
  auto m = started();
  ASSERT_TRUE(m);
  PostgresManager other(*options_);
  Lines lines;
  auto s = other.start(lines.progress());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("already running"));
  EXPECT_THAT(s.error().message, HasSubstr("pid " + std::to_string(m->pid())));
  EXPECT_THAT(s.error().message, HasSubstr("basalt stop"));
  // The running one is untouched.
  EXPECT_TRUE(PgSync::connect(m->conninfo()).ok());
}

TEST_F(PlatformPostgres, StopRunningInstanceStopsAnotherManagersServer) {
  auto m = started();
  ASSERT_TRUE(m);
  pid_t pid = m->pid();
  PostgresManager other(*options_);
  ASSERT_TRUE(other.stop_running_instance().ok());
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);  // reap it here; m's stop() then finds no child
  EXPECT_TRUE(m->stop().ok());
}

TEST_F(PlatformPostgres, PostgresStopsWhenBasaltDies) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    // Stands in for a Basalt process that is killed without stopping its Postgres.
    ::close(ready[0]);
    PostgresManager m(*options_);
    pid_t pg = m.start(Progress{}).ok() ? m.pid() : 0;
    (void)!::write(ready[1], &pg, sizeof pg);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  pid_t pg = 0;
  ASSERT_EQ(::read(ready[0], &pg, sizeof pg), static_cast<ssize_t>(sizeof pg));
  ::close(ready[0]);
  ASSERT_GT(pg, 0);
  ::kill(helper, SIGKILL);
  ::waitpid(helper, nullptr, 0);
  fs::path pid_file = options_->data_root / "pgdata" / "postmaster.pid";
  for (int i = 0; i < 200 && fs::exists(pid_file); ++i) ::usleep(50 * 1000);
  EXPECT_FALSE(fs::exists(pid_file)) << "Postgres outlived its parent";
  // And the folder starts again without complaint.
  Lines lines;
  auto m = started(&lines);
  ASSERT_TRUE(m);
  EXPECT_TRUE(lines.warn.empty());
}

TEST_F(PlatformPostgres, PortInUseIsReportedClearly) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  PostgresOptions o = *options_;
  o.port = ntohs(a.sin_port);
  PostgresManager m(o);
  Lines lines;
  auto s = m.start(lines.progress());
  ::close(fd);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "db port " + std::to_string(o.port) +
                                   " is in use: stop the other server or set [db] port");
  EXPECT_FALSE(m.running());
}

TEST_F(PlatformPostgres, MajorVersionMismatchIsReported) {
  fs::path version = options_->data_root / "pgdata" / "PG_VERSION";
  RestoreFile restore(version);
  write_all(version, "14\n");
  PostgresManager m(*options_);
  Lines lines;
  auto s = m.start(lines.progress());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("is PostgreSQL 14 but the binaries are " +
                                           std::to_string(m.binaries_major())));
}

TEST_F(PlatformPostgres, EarlyExitShowsTheLog) {
  fs::path conf = options_->data_root / "pgdata" / "postgresql.conf";
  RestoreFile restore(conf);
  std::ofstream(conf, std::ios::app) << "\nshared_buffers = 'not a size'\n";
  PostgresManager m(*options_);
  Lines lines;
  auto s = m.start(lines.progress());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("stopped during start-up"));
  EXPECT_THAT(s.error().message, HasSubstr("shared_buffers"));
  EXPECT_FALSE(m.running());
}

TEST_F(PlatformPostgres, UnreachableDataFolderIsExplained) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root hands Postgres to another user";
  fs::path closed = work_dir() / "closed";
  fs::create_directories(closed);
  ::chmod(closed.c_str(), 0700);
  PostgresOptions o = *options_;
  o.data_root = closed / "app" / ".basalt";
  PostgresManager m(o);
  Lines lines;
  auto r = m.init_if_needed(lines.progress());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("cannot reach"));
  EXPECT_THAT(r.error().message, HasSubstr(closed.string() + " (mode 0700)"));
  EXPECT_THAT(r.error().message, HasSubstr("--data-dir /var/lib/basalt/app"));
}

TEST_F(PlatformPostgres, MigrationsApplyInOrderAndStopAtTheBadOne) {
  auto m = started();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->reset_database().ok());
  auto c = connect(*m);
  fs::path dir = work_dir() / "supabase" / "migrations";
  write_all(dir / "20240101000001_first.sql",
            "create table first_t (id int primary key);\n"
            "-- a comment with a ; inside\n"
            "create function first_f() returns int language plpgsql as $$\n"
            "begin return 1; end;\n$$;\n");
  write_all(dir / "20240101000002_second.sql",
            "insert into first_t values (1);\nset search_path = nowhere;\n");
  write_all(dir / "20240101000003_third.sql",
            "create table third_t (id int);\n\n"
            "insert into third_t\n  values ((select missing_col from first_t));\n");
  write_all(dir / "notes.txt", "not a migration");

  Lines lines;
  auto r = apply_migrations(c, dir, lines.progress());
  ASSERT_FALSE(r.ok());
  const std::string& msg = r.error().message;
  EXPECT_THAT(msg, HasSubstr("20240101000003_third.sql"));
  EXPECT_THAT(msg, HasSubstr("statement 2"));
  EXPECT_THAT(msg, HasSubstr("line 4"));  // where missing_col is
  EXPECT_THAT(msg, HasSubstr("insert into third_t values ((select missing_col"));
  EXPECT_THAT(msg, HasSubstr("column \"missing_col\" does not exist"));
  EXPECT_EQ(r.error().code, "42703");
  EXPECT_THAT(lines.info, ::testing::Contains("Applying migration 20240101000001_first.sql..."));
  ASSERT_FALSE(lines.warn.empty());
  EXPECT_THAT(lines.warn[0], HasSubstr("notes.txt"));

  auto applied = list_applied_migrations(c);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, (std::vector<std::string>{"20240101000001", "20240101000002"}));
  auto third = c.exec("SELECT to_regclass('public.third_t') IS NULL");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->get(0, 0), "t");  // rolled back
  auto stmts = c.exec(
      "SELECT name, array_length(statements, 1), statements[2] FROM "
      "supabase_migrations.schema_migrations WHERE version = '20240101000001'");
  ASSERT_TRUE(stmts.ok());
  EXPECT_EQ(stmts->get(0, 0), "first");
  EXPECT_EQ(stmts->get(0, 1), "2");
  EXPECT_THAT(std::string(stmts->get(0, 2)), HasSubstr("-- a comment with a ; inside"));

  // Fixed, it applies alone; the second file's `set search_path` did not leak into it.
  write_all(dir / "20240101000003_third.sql",
            "create table third_t (id int);\ninsert into third_t select id from first_t;\n");
  lines = {};
  auto again = apply_migrations(c, dir, lines.progress());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, 1);
  auto rerun = apply_migrations(c, dir, lines.progress());
  ASSERT_TRUE(rerun.ok());
  EXPECT_EQ(*rerun, 0);
  auto rows = c.exec("SELECT count(*) FROM third_t");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->get(0, 0), "1");

  auto local = list_local_migrations(dir);
  ASSERT_TRUE(local.ok());
  std::vector<std::string> local_versions;
  for (const auto& f : local->files) local_versions.push_back(f.version);
  auto list = migration_list_rows(local_versions, *list_applied_migrations(c));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].remote, "20240101000003");
}

TEST_F(PlatformPostgres, CopyFromStdinInAMigrationFailsCleanly) {
  auto m = started();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->reset_database().ok());
  auto c = connect(*m);
  fs::path dir = work_dir() / "migrations";
  write_all(dir / "20240101000001_copy.sql",
            "create table copied (id int);\ncopy copied from stdin;\n");
  Lines lines;
  auto r = apply_migrations(c, dir, lines.progress());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("20240101000001_copy.sql"));
  EXPECT_THAT(r.error().message, HasSubstr("COPY ... FROM STDIN is not supported"));
  EXPECT_EQ(c.exec("SELECT to_regclass('public.copied') IS NULL")->get(0, 0), "t");
  auto applied = list_applied_migrations(c);
  ASSERT_TRUE(applied.ok());
  EXPECT_TRUE(applied->empty());
}

TEST_F(PlatformPostgres, SeedRunsOnceAndRecordsItsHash) {
  auto m = started();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->reset_database().ok());
  auto c = connect(*m);
  ASSERT_TRUE(c.exec("CREATE TABLE pets (name text)").ok());
  fs::path supabase = work_dir() / "supabase";
  write_all(supabase / "seed.sql",
            "insert into pets values ('cat; dog');\ninsert into pets values ($$it's$$);\n");
  config::SeedConfig seed;
  Lines lines;
  auto s = apply_seed(c, supabase, seed, lines.progress());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_THAT(lines.info, ::testing::Contains("Seeding data from supabase/seed.sql..."));
  auto rows = c.exec("SELECT name FROM pets ORDER BY name");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows(), 2);
  EXPECT_EQ(rows->get(0, 0), "cat; dog");
  EXPECT_EQ(rows->get(1, 0), "it's");
  auto hash = c.exec("SELECT path, hash FROM supabase_migrations.seed_files");
  ASSERT_TRUE(hash.ok());
  ASSERT_EQ(hash->rows(), 1);
  EXPECT_EQ(hash->get(0, 0), "supabase/seed.sql");
  EXPECT_EQ(hash->get(0, 1), *sha256_file(supabase / "seed.sql"));

  // Same file again: nothing runs.
  ASSERT_TRUE(apply_seed(c, supabase, seed, lines.progress()).ok());
  EXPECT_EQ(c.exec("SELECT count(*) FROM pets")->get(0, 0), "2");

  // A failing seed rolls back whole and names the file.
  write_all(supabase / "more.sql",
            "insert into pets values ('x');\ninsert into nope values (1);\n");
  seed.sql_paths = {"./seed.sql", "./more.sql"};
  auto bad = apply_seed(c, supabase, seed, lines.progress());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("supabase/more.sql"));
  EXPECT_THAT(bad.error().message, HasSubstr("line 2"));
  EXPECT_EQ(c.exec("SELECT count(*) FROM pets")->get(0, 0), "2");

  seed.enabled = false;
  EXPECT_TRUE(apply_seed(c, supabase, seed, lines.progress()).ok());
}

TEST_F(PlatformPostgres, BootstrapAppliesEachFileOnce) {
  auto m = started();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->reset_database().ok());
  auto c = connect(*m);
  std::vector<EmbeddedSql> files = {
      {"0002_data.sql", "insert into fx.t values (1), (2);"},
      {"0001_schema.sql", "create schema fx;\ncreate table fx.t (id int);"},
  };
  Lines lines;
  auto r = apply_bootstrap(c, files, lines.progress());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 2);
  auto again = apply_bootstrap(c, files, lines.progress());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(c.exec("SELECT count(*) FROM fx.t")->get(0, 0), "2");

  files.push_back({"0003_bad.sql", "create table fx.u (id int);\n\nselect nope from fx.t;"});
  auto bad = apply_bootstrap(c, files, lines.progress());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("0003_bad.sql"));
  EXPECT_THAT(bad.error().message, HasSubstr("line 3"));
  EXPECT_THAT(bad.error().message, HasSubstr("\"nope\""));
  EXPECT_EQ(c.exec("SELECT to_regclass('fx.u') IS NULL")->get(0, 0), "t");
  EXPECT_EQ(c.exec("SELECT max(version) FROM _basalt.bootstrap")->get(0, 0), "2");
  // The connection is usable after the failure.
  EXPECT_TRUE(c.exec("SELECT 1").ok());
}

TEST_F(PlatformPostgres, BootstrapReappliesRepeatableFilesWhenTheyChange) {
  auto m = started();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->reset_database().ok());
  auto c = connect(*m);
  std::vector<EmbeddedSql> files = {
      {"R_fn.sql", "create or replace function fx.f() returns int language sql as 'select 1';"},
      {"0001_schema.sql", "create schema fx;"},
  };
  Lines lines;
  auto r = apply_bootstrap(c, files, lines.progress());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 2);  // the schema first (versioned files run before repeatable ones)
  EXPECT_EQ(c.exec("SELECT fx.f()")->get(0, 0), "1");
  auto again = apply_bootstrap(c, files, lines.progress());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);

  files[0].text = "create or replace function fx.f() returns int language sql as 'select 2';";
  auto changed = apply_bootstrap(c, files, lines.progress());
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(*changed, 1);
  EXPECT_EQ(c.exec("SELECT fx.f()")->get(0, 0), "2");

  files[0].text = "create or replace function fx.f() returns int language sql as 'select nope';";
  auto bad = apply_bootstrap(c, files, lines.progress());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("R_fn.sql"));
  EXPECT_EQ(c.exec("SELECT fx.f()")->get(0, 0), "2");
}

TEST_F(PlatformPostgres, RolePasswordsAllowTcpLogin) {
  auto m = started();
  ASSERT_TRUE(m);
  auto c = connect(*m);
  ASSERT_TRUE(c.exec("DROP ROLE IF EXISTS authenticator; CREATE ROLE authenticator LOGIN").ok());
  ASSERT_TRUE(set_role_passwords(c, "s3cret pass").ok());
  std::string tcp = "host=127.0.0.1 port=" + std::to_string(m->port()) + " dbname=postgres ";
  EXPECT_TRUE(PgSync::connect(tcp + "user=authenticator password='s3cret pass'").ok());
  EXPECT_FALSE(PgSync::connect(tcp + "user=authenticator password=postgres").ok());
  // Put the superuser back as the other tests expect.
  ASSERT_TRUE(set_role_passwords(c, "postgres").ok());
  ASSERT_TRUE(c.exec("DROP ROLE authenticator").ok());
}

TEST_F(PlatformPostgres, ResetDatabaseDropsEverythingAndEndsSessions) {
  auto m = started();
  ASSERT_TRUE(m);
  auto c = connect(*m);
  ASSERT_TRUE(c.exec("CREATE TABLE gone (id int)").ok());
  ASSERT_TRUE(m->reset_database().ok());
  EXPECT_FALSE(c.exec("SELECT 1").ok());  // that session was ended
  auto fresh = connect(*m);
  EXPECT_EQ(fresh.exec("SELECT to_regclass('public.gone') IS NULL")->get(0, 0), "t");
}

}  // namespace
}  // namespace basalt::platform
