#include "platform/postgres_manager.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <libpq-fe.h>
#include <linux/close_range.h>
#include <locale.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "platform/pg_sync.hpp"

extern char** environ;

namespace basalt::platform {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

Error fail(std::string message) {
  return Error::make(500, "postgres", std::move(message));
}

std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

bool is_executable_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  std::size_t b = s.find_first_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b);
}

// Everything a child needs, built before fork: after fork only async-signal-safe calls.
struct ChildSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  fs::path cwd;
  int out_fd = -1;              // stdout and stderr; /dev/null when -1
  bool own_group = false;       // so the terminal's Ctrl-C reaches Basalt only
  int parent_death_signal = 0;  // sent to the child when the forking thread ends
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<gid_t> groups;
};

// Runs `spec` and returns its pid; an exec failure is reported through a close-on-exec pipe.
Result<pid_t> spawn(const ChildSpec& spec) {
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return fail("pipe failed: " + errno_text(errno));
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return fail("fork failed: " + errno_text(err));
  }
  if (pid == 0) {
    auto die = [&](int step) {
      int payload[2] = {step, errno};
      (void)!::write(report[1], payload, sizeof payload);
      ::_exit(127);
    };
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    if (spec.own_group && ::setpgid(0, 0) != 0) die(1);
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd < 0) die(2);
    int out = spec.out_fd >= 0 ? spec.out_fd : null_fd;
    if (::dup2(null_fd, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) die(3);
    // Basalt's other descriptors (sockets, files) must not live on in Postgres.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) die(4);
    if (spec.gid) {
      if (::setgroups(spec.groups.size(), spec.groups.data()) != 0) die(5);
      if (::setgid(*spec.gid) != 0) die(6);
    }
    if (spec.uid && ::setuid(*spec.uid) != 0) die(7);
    // After setuid: a change of credentials clears this setting.
    if (spec.parent_death_signal != 0) {
      ::prctl(PR_SET_PDEATHSIG, spec.parent_death_signal);
      if (::getppid() != parent) ::_exit(1);  // Basalt is already gone
    }
    ::execve(argv[0], argv.data(), envp.data());
    die(8);
  }
  ::close(report[1]);
  int payload[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(report[0], payload, sizeof payload);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    static constexpr const char* steps[] = {
        "", "setpgid", "open /dev/null", "dup2", "chdir", "setgroups", "setgid", "setuid", "exec"};
    return fail(fmt::format("could not run {}: {} failed: {}", spec.argv[0],
                            steps[std::clamp(payload[0], 0, 8)], errno_text(payload[1])));
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// The environment for Postgres's programs: ours without PG* variables (PGDATA, PGPORT ...
// would override what Basalt passes), with the identity of the user they run as.
std::vector<std::string> child_env(const std::optional<std::string>& home,
                                   const std::optional<std::string>& user) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("PG")) continue;
    if (home && v.starts_with("HOME=")) continue;
    if (user && (v.starts_with("USER=") || v.starts_with("LOGNAME="))) continue;
    env.emplace_back(v);
  }
  if (home) env.push_back("HOME=" + *home);
  if (user) {
    env.push_back("USER=" + *user);
    env.push_back("LOGNAME=" + *user);
  }
  return env;
}

// A zombie (exited, not yet reaped by its parent) counts as gone.
bool process_alive(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::string stat = read_text(fs::path("/proc") / std::to_string(pid) / "stat");
  std::size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
}

enum class ProcessKind { postgres, other, unknown };

// What program `pid` runs. comm is readable for every user's processes unless /proc hides
// them; then the answer is unknown and nothing may be concluded.
ProcessKind process_kind(pid_t pid) {
  fs::path proc = fs::path("/proc") / std::to_string(pid);
  std::string comm = trim(read_text(proc / "comm"));
  if (comm == "postgres" || comm == "postmaster") return ProcessKind::postgres;
  std::error_code ec;
  fs::path exe = fs::read_symlink(proc / "exe", ec);
  if (!ec && (exe.filename() == "postgres" || exe.filename() == "postmaster")) {
    return ProcessKind::postgres;
  }
  return comm.empty() ? ProcessKind::unknown : ProcessKind::other;
}

std::string locale_for_initdb() {
  // Debian's glibc has C.UTF-8 built in; fall back to plain C where it is missing.
  if (locale_t l = ::newlocale(LC_ALL_MASK, "C.UTF-8", static_cast<locale_t>(nullptr))) {
    ::freelocale(l);
    return "C.UTF-8";
  }
  return "C";
}

Status write_file(const fs::path& p, std::string_view text, bool append) {
  std::ofstream out(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << text;
  out.close();
  if (!out) return fail(fmt::format("cannot write {}", p.string()));
  return {};
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Result<BinDirChoice> select_bin_dir(const fs::path& bin_root, int wanted_major) {
  std::vector<int> majors;
  std::error_code ec;
  for (fs::directory_iterator it(bin_root, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    int major = 0;
    auto [p, err] = std::from_chars(name.data(), name.data() + name.size(), major);
    if (err != std::errc() || p != name.data() + name.size() || major <= 0) continue;
    fs::path bin = it->path() / "bin";
    if (is_executable_file(bin / "postgres") && is_executable_file(bin / "initdb")) {
      majors.push_back(major);
    }
  }
  if (majors.empty()) {
    return fail(fmt::format(
        "no PostgreSQL server found under {}: install it (apt-get install postgresql-{}) or "
        "set DATABASE_URL to use an existing database",
        bin_root.string(), wanted_major));
  }
  std::sort(majors.begin(), majors.end());
  BinDirChoice c;
  if (std::find(majors.begin(), majors.end(), wanted_major) != majors.end()) {
    c.major = wanted_major;
  } else {
    c.major = majors.back();
    c.warnings.push_back(fmt::format(
        "PostgreSQL {} ([db] major_version) is not installed; using PostgreSQL {} instead "
        "(apt-get install postgresql-{} to get the wanted one)",
        wanted_major, c.major, wanted_major));
  }
  c.bin_dir = bin_root / std::to_string(c.major) / "bin";
  return c;
}

std::optional<int> parse_postgres_version(std::string_view out) {
  std::size_t at = out.find("(PostgreSQL) ");
  if (at == std::string_view::npos) return std::nullopt;
  at += 13;
  int major = 0;
  auto [p, ec] = std::from_chars(out.data() + at, out.data() + out.size(), major);
  if (ec != std::errc() || p == out.data() + at) return std::nullopt;
  return major;
}

std::optional<PostmasterPid> parse_postmaster_pid(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (lines.empty()) return std::nullopt;
  PostmasterPid p;
  long pid = 0;
  std::string_view first = lines[0];
  auto [ptr, ec] = std::from_chars(first.data(), first.data() + first.size(), pid);
  if (ec != std::errc() || pid <= 0) return std::nullopt;
  p.pid = static_cast<pid_t>(pid);
  if (lines.size() > 1) p.data_dir = std::string(lines[1]);
  if (lines.size() > 3) {
    std::from_chars(lines[3].data(), lines[3].data() + lines[3].size(), p.port);
  }
  return p;
}

std::string tail_lines(std::string_view text, std::size_t n) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::size_t at = text.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t nl = text.rfind('\n', at == 0 ? 0 : at - 1);
    if (nl == std::string_view::npos || at == 0) {
      at = 0;
      break;
    }
    at = nl;
  }
  if (at > 0) ++at;
  return std::string(text.substr(at));
}

Status reset_database(const std::string& maintenance_conninfo, std::string_view dbname) {
  auto conn = PgSync::connect(maintenance_conninfo);
  if (!conn) return std::move(conn).error();
  auto name = conn->quote_identifier(dbname);
  if (!name) return std::move(name).error();
  auto kill = conn->exec_params(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
      " WHERE datname = $1 AND pid <> pg_backend_pid()",
      {std::string(dbname)});
  if (!kill) return std::move(kill).error();
  // FORCE also ends sessions that connected since the line above.
  if (auto d = conn->exec(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", *name)); !d) {
    return std::move(d).error();
  }
  if (auto c = conn->exec(fmt::format("CREATE DATABASE {}", *name)); !c) {
    return std::move(c).error();
  }
  return {};
}

// ---------------------------------------------------------------------------------------------

struct PostgresManager::Identity {
  bool as_root = false;  // Basalt runs as root: Postgres runs as another user
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  std::string name;
  std::string home;
};

PostgresManager::PostgresManager(PostgresOptions options) : options_(std::move(options)) {}

PostgresManager::~PostgresManager() {
  if (running()) (void)stop(true);
}

Status PostgresManager::find_binaries() {
  if (major_ > 0) return {};
  if (options_.bin_dir) {
    fs::path bin = *options_.bin_dir;
    if (!is_executable_file(bin / "postgres") || !is_executable_file(bin / "initdb")) {
      return fail(fmt::format("{} holds no postgres and initdb programs", bin.string()));
    }
    // `postgres --version` answers before its refusal to run as root.
    fs::path out_file = fs::temp_directory_path() / fmt::format("basalt-pgver-{}", ::getpid());
    int fd = ::open(out_file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail("cannot create " + out_file.string() + ": " + errno_text(errno));
    ChildSpec spec;
    spec.argv = {(bin / "postgres").string(), "--version"};
    spec.env = child_env(std::nullopt, std::nullopt);
    spec.out_fd = fd;
    auto pid = spawn(spec);
    ::close(fd);
    std::string out;
    if (pid) {
      wait_exit(*pid);
      out = read_text(out_file);
    }
    std::error_code ec;
    fs::remove(out_file, ec);
    if (!pid) return std::move(pid).error();
    auto major = parse_postgres_version(out);
    if (!major) return fail(fmt::format("cannot tell the version of {}", bin.string()));
    bin_dir_ = bin;
    major_ = *major;
    if (major_ != options_.wanted_major) {
      warnings_.push_back(fmt::format("{} is PostgreSQL {}, not {} ([db] major_version)",
                                      bin.string(), major_, options_.wanted_major));
    }
    return {};
  }
  auto c = select_bin_dir(options_.bin_root, options_.wanted_major);
  if (!c) return std::move(c).error();
  bin_dir_ = c->bin_dir;
  major_ = c->major;
  for (auto& w : c->warnings) warnings_.push_back(std::move(w));
  return {};
}

Result<PostgresManager::Identity> PostgresManager::identity() const {
  Identity id;
  if (::geteuid() != 0) {
    id.uid = ::geteuid();
    id.gid = ::getegid();
    if (const passwd* pw = ::getpwuid(id.uid)) id.name = pw->pw_name;
    return id;
  }
  id.as_root = true;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(options_.os_user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) {
    return fail(fmt::format(
        "Postgres refuses to run as root and user '{}' does not exist: install "
        "postgresql-{} (it creates that user) or set BASALT_PG_USER to an existing user",
        options_.os_user, options_.wanted_major));
  }
  if (pw.pw_uid == 0) {
    return fail(fmt::format("BASALT_PG_USER '{}' is root; Postgres needs an unprivileged user",
                            options_.os_user));
  }
  id.uid = pw.pw_uid;
  id.gid = pw.pw_gid;
  id.name = pw.pw_name;
  id.home = pw.pw_dir ? pw.pw_dir : "/";
  int n = 64;
  id.groups.resize(n);
  if (::getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &n) < 0) {
    id.groups.resize(n);
    ::getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &n);
  }
  id.groups.resize(n);
  return id;
}

// Creates data_root (and, as root, hands it to Postgres's user) and checks that user can reach
// it: every folder on the way must be searchable by it.
Status PostgresManager::prepare_dirs(const Identity& who) {
  const fs::path root = fs::absolute(options_.data_root).lexically_normal();
  std::error_code ec;
  bool existed = fs::exists(root, ec);
  fs::create_directories(root, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", root.string(), ec.message()));
  if (!existed) ::chmod(root.c_str(), 0700);
  if (!who.as_root) return {};

  struct stat st {};
  if (::stat(root.c_str(), &st) == 0 && st.st_uid == 0) {
    if (::chown(root.c_str(), who.uid, who.gid) != 0) {
      return fail(
          fmt::format("cannot hand {} to user {}: {}", root.string(), who.name, errno_text(errno)));
    }
  }
  // Ask the kernel as that user: a child drops to it and tries each folder on the way.
  std::vector<std::string> chain;
  for (fs::path p = root; !p.empty(); p = p.parent_path()) {
    chain.push_back(p.string());
    if (p == p.root_path()) break;
  }
  std::reverse(chain.begin(), chain.end());
  if (chain.size() > 250) return fail("data folder path is too deep: " + root.string());
  pid_t pid = ::fork();
  if (pid < 0) return fail("fork failed: " + errno_text(errno));
  if (pid == 0) {
    if (::setgroups(who.groups.size(), who.groups.data()) != 0 || ::setgid(who.gid) != 0 ||
        ::setuid(who.uid) != 0) {
      ::_exit(255);
    }
    for (std::size_t k = 0; k < chain.size(); ++k) {
      int mode = k + 1 == chain.size() ? (X_OK | W_OK | R_OK) : X_OK;
      if (::access(chain[k].c_str(), mode) != 0) ::_exit(static_cast<int>(k + 1));
    }
    ::_exit(0);
  }
  int code = wait_exit(pid);
  if (code == 0) return {};
  if (code == 255 || code < 1 || static_cast<std::size_t>(code) > chain.size()) {
    return fail(fmt::format("cannot check access to {} as user {}", root.string(), who.name));
  }
  const std::string& blocked = chain[static_cast<std::size_t>(code) - 1];
  struct stat bst {};
  ::stat(blocked.c_str(), &bst);
  return fail(fmt::format(
      "Postgres runs as user '{}' (it refuses root) and cannot reach {}: {} (mode {:04o}) is "
      "not {} by {}. Use a data folder it can reach, e.g. --data-dir /var/lib/basalt/{}, or "
      "allow it (chmod o+x {})",
      who.name, root.string(), blocked, bst.st_mode & 07777,
      static_cast<std::size_t>(code) == chain.size() ? "writable" : "searchable", who.name,
      root.parent_path().filename().empty() ? "app" : root.parent_path().filename().string(),
      blocked));
}

Result<bool> PostgresManager::init_if_needed(const Progress& progress) {
  if (auto s = find_binaries(); !s) return std::move(s).error();
  auto who = identity();
  if (!who) return std::move(who).error();
  if (auto s = prepare_dirs(*who); !s) return std::move(s).error();
  const fs::path pgdata = this->pgdata();
  std::error_code ec;
  if (fs::exists(pgdata / "PG_VERSION", ec)) return false;
  if (fs::exists(pgdata, ec) && !fs::is_empty(pgdata, ec)) {
    return fail(fmt::format(
        "{} exists but holds no database (no PG_VERSION): remove it or use another data folder",
        pgdata.string()));
  }
  if (who->as_root && fs::exists(pgdata, ec)) ::chown(pgdata.c_str(), who->uid, who->gid);

  // initdb reads the superuser's password from a file only its user can read.
  std::string pw_template = (options_.data_root / ".pwfile-XXXXXX").string();
  int pw_fd = ::mkstemp(pw_template.data());
  if (pw_fd < 0) return fail("cannot create a password file: " + errno_text(errno));
  struct Remove {
    std::string path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove_pw{pw_template};
  ::fchmod(pw_fd, 0600);
  if (who->as_root) (void)!::fchown(pw_fd, who->uid, who->gid);
  std::string pw_line = options_.superuser_password + "\n";
  bool wrote =
      ::write(pw_fd, pw_line.data(), pw_line.size()) == static_cast<ssize_t>(pw_line.size());
  ::close(pw_fd);
  if (!wrote) return fail("cannot write the password file");

  progress.say(fmt::format("Initialising database in {}...", pgdata.string()));
  fs::path init_log = options_.data_root / "initdb.log";
  int log_fd = ::open(init_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) return fail("cannot create " + init_log.string() + ": " + errno_text(errno));
  if (who->as_root) (void)!::fchown(log_fd, who->uid, who->gid);
  ChildSpec spec;
  spec.argv = {(bin_dir_ / "initdb").string(),
               "-D",
               pgdata.string(),
               "-U",
               "postgres",
               "--auth-local=trust",
               "--auth-host=scram-sha-256",
               "-E",
               "UTF8",
               "--locale=" + locale_for_initdb(),
               "--pwfile=" + pw_template};
  if (options_.no_sync) spec.argv.push_back("--no-sync");
  spec.out_fd = log_fd;
  spec.cwd = options_.data_root;
  if (who->as_root) {
    spec.uid = who->uid;
    spec.gid = who->gid;
    spec.groups = who->groups;
    spec.env = child_env(who->home, who->name);
  } else {
    spec.env = child_env(std::nullopt, std::nullopt);
  }
  auto pid = spawn(spec);
  ::close(log_fd);
  if (!pid) return std::move(pid).error();
  int code = wait_exit(*pid);
  if (code != 0) {
    return fail(fmt::format("initdb failed (exit code {}); last lines of {}:\n{}", code,
                            init_log.string(), tail_lines(read_text(init_log), 12)));
  }

  fs::path run_dir = fs::absolute(unix_socket_dir()).lexically_normal();
  std::string conf = fmt::format(
      "\n# Added by Basalt. The port and socket folder are also passed on the command line.\n"
      "listen_addresses = '127.0.0.1'\n"
      "port = {}\n"
      "unix_socket_directories = '{}'\n"
      "wal_level = logical\n"
      "max_replication_slots = 10\n"
      "max_wal_senders = 10\n"
      "max_connections = 100\n"
      "shared_buffers = 128MB\n"
      "password_encryption = 'scram-sha-256'\n",
      options_.port, run_dir.string());
  if (auto s = write_file(pgdata / "postgresql.conf", conf, true); !s) return s.error();
  // Sockets live in a folder only Postgres's user (and root) can enter, so local is trusted.
  std::string hba =
      "# Written by Basalt.\n"
      "# TYPE  DATABASE     USER  ADDRESS        METHOD\n"
      "local   all          all                  trust\n"
      "host    all          all   127.0.0.1/32   scram-sha-256\n"
      "host    all          all   ::1/128        scram-sha-256\n"
      "local   replication  all                  trust\n"
      "host    replication  all   127.0.0.1/32   scram-sha-256\n"
      "host    replication  all   ::1/128        scram-sha-256\n";
  if (auto s = write_file(pgdata / "pg_hba.conf", hba, false); !s) return s.error();
  if (who->as_root) {
    ::chown((pgdata / "postgresql.conf").c_str(), who->uid, who->gid);
    ::chown((pgdata / "pg_hba.conf").c_str(), who->uid, who->gid);
  }
  progress.say(fmt::format("Database initialised (PostgreSQL {})", major_));
  return true;
}

Status PostgresManager::check_before_start(const Identity& who, const Progress& progress) {
  const fs::path pgdata = this->pgdata();
  std::error_code ec;
  if (!fs::exists(pgdata / "PG_VERSION", ec)) {
    return fail(fmt::format("{} holds no database yet (no PG_VERSION): initialise it first",
                            pgdata.string()));
  }
  std::string data_major = trim(read_text(pgdata / "PG_VERSION"));
  if (data_major != std::to_string(major_)) {
    return fail(fmt::format(
        "data folder {} is PostgreSQL {} but the binaries are {} ({}): install "
        "postgresql-{} and set [db] major_version = {}, or dump it and start on a new data "
        "folder",
        pgdata.string(), data_major, major_, bin_dir_.string(), data_major, data_major));
  }
  struct stat st {};
  if (::stat(pgdata.c_str(), &st) != 0) {
    return fail(fmt::format("cannot read {}: {}", pgdata.string(), errno_text(errno)));
  }
  if (st.st_uid != who.uid) {
    std::string owner = std::to_string(st.st_uid);
    if (const passwd* pw = ::getpwuid(st.st_uid)) owner = pw->pw_name;
    return fail(fmt::format(
        "data folder {} belongs to user {} but Postgres would run as {}: chown -R {} {} or "
        "run Basalt as {}",
        pgdata.string(), owner, who.name.empty() ? std::to_string(who.uid) : who.name,
        who.name.empty() ? std::to_string(who.uid) : who.name, pgdata.string(), owner));
  }

  const fs::path pid_file = pgdata / "postmaster.pid";
  if (fs::exists(pid_file, ec)) {
    auto pm = parse_postmaster_pid(read_text(pid_file));
    if (!pm) {
      return fail(fmt::format(
          "{} is empty or unreadable: a Postgres may be starting on this folder; if none is, "
          "remove that file",
          pid_file.string()));
    }
    if (process_alive(pm->pid)) {
      switch (process_kind(pm->pid)) {
        case ProcessKind::postgres:
          return fail(fmt::format(
              "a Postgres is already running on this data folder (pid {}): run `basalt stop`",
              pm->pid));
        case ProcessKind::unknown:
          return fail(fmt::format(
              "{} names pid {}, which is running but cannot be identified: stop it if it is "
              "Postgres, else remove that file",
              pid_file.string(), pm->pid));
        case ProcessKind::other:
          break;
      }
      progress.warning(fmt::format("removed stale {} (pid {} is now another program, not Postgres)",
                                   pid_file.string(), pm->pid));
    } else {
      progress.warning(
          fmt::format("removed stale {} (pid {} is not running)", pid_file.string(), pm->pid));
    }
    fs::remove(pid_file, ec);
    if (ec) return fail(fmt::format("cannot remove {}: {}", pid_file.string(), ec.message()));
  }

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket failed: " + errno_text(errno));
  int one = 1;
  // Postgres sets SO_REUSEADDR too, so old TIME_WAIT connections do not count as "in use".
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(options_.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    if (err == EADDRINUSE) {
      return fail(fmt::format("db port {} is in use: stop the other server or set [db] port",
                              options_.port));
    }
    return fail(fmt::format("cannot use db port {}: {}", options_.port, errno_text(err)));
  }
  return {};
}

Status PostgresManager::start(const Progress& progress) {
  if (running()) return {};
  if (auto s = find_binaries(); !s) return s;
  auto who = identity();
  if (!who) return std::move(who).error();
  if (auto s = prepare_dirs(*who); !s) return s;
  if (auto s = check_before_start(*who, progress); !s) return s;

  fs::path run_dir = fs::absolute(unix_socket_dir()).lexically_normal();
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  if (ec) return fail(fmt::format("cannot create {}: {}", run_dir.string(), ec.message()));
  ::chmod(run_dir.c_str(), 0700);
  if (who->as_root) ::chown(run_dir.c_str(), who->uid, who->gid);

  fs::path log = log_file();
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return fail("cannot open " + log.string() + ": " + errno_text(errno));
  if (who->as_root) (void)!::fchown(log_fd, who->uid, who->gid);
  struct stat st {};
  ::fstat(log_fd, &st);
  auto log_offset = static_cast<std::uintmax_t>(st.st_size);

  ChildSpec spec;
  spec.argv = {(bin_dir_ / "postgres").string(),
               "-D",
               fs::absolute(pgdata()).lexically_normal().string(),
               "-p",
               std::to_string(options_.port),
               "-k",
               run_dir.string(),
               "-c",
               "listen_addresses=127.0.0.1"};
  if (options_.no_sync) {
    for (const char* setting : {"fsync=off", "synchronous_commit=off", "full_page_writes=off"}) {
      spec.argv.insert(spec.argv.end(), {"-c", setting});
    }
  }
  spec.out_fd = log_fd;
  spec.own_group = true;
  // Should Basalt die without stopping it, Postgres shuts down fast instead of lingering.
  if (options_.stop_with_parent) spec.parent_death_signal = SIGINT;
  spec.cwd = fs::absolute(options_.data_root);
  if (who->as_root) {
    spec.uid = who->uid;
    spec.gid = who->gid;
    spec.groups = who->groups;
    spec.env = child_env(who->home, who->name);
  } else {
    spec.env = child_env(std::nullopt, std::nullopt);
  }
  progress.say(fmt::format("Starting PostgreSQL {} on port {}...", major_, options_.port));
  auto pid = spawn(spec);
  ::close(log_fd);
  if (!pid) return std::move(pid).error();
  pid_ = *pid;
  if (auto s = wait_ready(log_offset); !s) return s;
  progress.say(fmt::format("PostgreSQL is ready (pid {}, data {})", pid_, pgdata().string()));
  return {};
}

Status PostgresManager::wait_ready(std::uintmax_t log_offset) {
  const std::string info = conninfo("postgres", "postgres") + " connect_timeout=2";
  auto log_tail = [&] {
    std::string text = read_text(log_file());
    return tail_lines(log_offset < text.size() ? std::string_view(text).substr(log_offset) : "",
                      15);
  };
  const auto deadline = Clock::now() + options_.start_timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return fail(
          fmt::format("Postgres stopped during start-up (exit code {}); last lines of {}:\n{}",
                      code, log_file().string(), log_tail()));
    }
    if (::PQping(info.c_str()) == PQPING_OK) return {};
    if (Clock::now() >= deadline) {
      (void)stop(true);
      return fail(
          fmt::format("Postgres did not accept connections within {} s; last lines of {}:\n{}",
                      options_.start_timeout.count(), log_file().string(), log_tail()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Status PostgresManager::stop(bool fast) {
  if (!running()) return {};
  ::kill(pid_, fast ? SIGINT : SIGTERM);
  auto wait_until = [&](Clock::time_point deadline) {
    while (true) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  if (wait_until(Clock::now() + options_.stop_timeout)) {
    pid_ = -1;
    return {};
  }
  // Immediate shutdown: the next start replays the WAL.
  ::kill(pid_, SIGQUIT);
  if (!wait_until(Clock::now() + std::chrono::seconds(10))) {
    ::kill(-pid_, SIGKILL);
    wait_exit(pid_);
  }
  pid_t was = pid_;
  pid_ = -1;
  return fail(fmt::format("Postgres (pid {}) did not stop within {} s and was killed", was,
                          options_.stop_timeout.count()));
}

Status PostgresManager::stop_running_instance(bool fast) {
  if (running()) return stop(fast);
  const fs::path pid_file = pgdata() / "postmaster.pid";
  std::error_code ec;
  if (!fs::exists(pid_file, ec)) return {};
  auto pm = parse_postmaster_pid(read_text(pid_file));
  if (!pm || !process_alive(pm->pid) || process_kind(pm->pid) != ProcessKind::postgres) {
    return {};
  }
  if (::kill(pm->pid, fast ? SIGINT : SIGTERM) != 0) {
    return fail(fmt::format("cannot signal Postgres (pid {}): {}", pm->pid, errno_text(errno)));
  }
  auto deadline = Clock::now() + options_.stop_timeout;
  while (process_alive(pm->pid)) {
    if (Clock::now() >= deadline) {
      ::kill(pm->pid, SIGQUIT);
      return fail(fmt::format("Postgres (pid {}) did not stop within {} s; sent SIGQUIT", pm->pid,
                              options_.stop_timeout.count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

std::string PostgresManager::conninfo(std::string_view user, std::string_view dbname) const {
  return fmt::format(
      "{} {} {} {}",
      conninfo_pair("host", fs::absolute(unix_socket_dir()).lexically_normal().string()),
      conninfo_pair("port", std::to_string(options_.port)), conninfo_pair("user", user),
      conninfo_pair("dbname", dbname));
}

std::string PostgresManager::database_url() const {
  // Percent-encode the password: it sits in a URI.
  std::string pw;
  for (unsigned char c : options_.superuser_password) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      pw += static_cast<char>(c);
    } else {
      pw += fmt::format("%{:02X}", c);
    }
  }
  return fmt::format("postgresql://postgres:{}@127.0.0.1:{}/postgres", pw, options_.port);
}

Status PostgresManager::reset_database() {
  return platform::reset_database(conninfo("postgres", "template1"), "postgres");
}

}  // namespace basalt::platform
