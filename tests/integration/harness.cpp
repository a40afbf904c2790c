#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "platform/bootstrap.hpp"
#include "platform/pg_sync.hpp"

extern char** environ;

namespace basalt::harness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

const char* binary_path() {
  if (const char* b = std::getenv("BASALT_BINARY"); b != nullptr && *b != '\0') return b;
  return BASALT_BINARY;
}

bool keep_dirs() {
  const char* k = std::getenv("BASALT_KEEP_TEST_DIRS");
  return k != nullptr && std::string_view(k) == "1";
}

// The environment a basalt child gets: see BasaltProcess in the header.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry = *e;
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(entry.substr(0, eq));
    if (name == "DATABASE_URL" || name == "BASALT_DATA_DIR" || name == "BASALT_HOST" ||
        name == "BASALT_JWT_SECRET" || name.starts_with("SUPABASE_")) {
      continue;
    }
    env[name] = std::string(entry.substr(eq + 1));
  }
  env.try_emplace("BASALT_PG_NO_SYNC", "1");
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// fork + execve with stdout and stderr on `out_fd`. Only async-signal-safe calls after fork.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, int out_fd,
            std::string& error) {
  std::vector<char*> av;
  for (const auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  std::vector<char*> ev;
  for (const auto& e : env) ev.push_back(const_cast<char*>(e.c_str()));
  ev.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork failed: ") + std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    // If the test process dies (crash, ctest timeout), Basalt still shuts down cleanly and
    // stops its Postgres.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGQUIT}) ::sigaction(s, &dfl, nullptr);
    int in = ::open("/dev/null", O_RDONLY);
    if (in >= 0) ::dup2(in, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    // Sockets the test holds (e.g. one occupying a port on purpose) must not leak into Basalt.
    ::close_range(3, ~0U, 0);
    ::execve(av[0], av.data(), ev.data());
    static const char msg[] = "harness: cannot execute the basalt binary\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// The value after `label` on the first line of `text` that holds it.
std::string value_after(std::string_view text, std::string_view label) {
  auto at = text.find(label);
  if (at == std::string_view::npos) return {};
  auto start = at + label.size();
  auto end = text.find('\n', start);
  return trim(
      text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

std::string process_name(pid_t pid) {
  return trim(read_text("/proc/" + std::to_string(pid) + "/comm"));
}

bool wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_alive(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

asio::awaitable<void> exchange(int port, const HttpRequest& in, std::chrono::milliseconds timeout,
                               HttpResponse& out, std::string& error) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  // One deadline for the whole exchange: it stays until changed.
  stream.expires_after(timeout);
  tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(port));
  auto [cec] = co_await stream.async_connect(ep, kTuple);
  if (cec) {
    error = "connect to 127.0.0.1:" + std::to_string(port) + ": " + cec.message();
    co_return;
  }
  bhttp::request<bhttp::string_body> req;
  const auto verb = bhttp::string_to_verb(in.method);
  if (verb == bhttp::verb::unknown) {
    req.method_string(in.method);
  } else {
    req.method(verb);
  }
  req.target(in.target);
  req.version(11);
  bool has_host = false;
  bool has_length = false;
  for (const auto& [name, value] : in.headers) {
    if (iequals(name, "host")) has_host = true;
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) has_length = true;
    req.insert(name, value);
  }
  if (!has_host) req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  req.body() = in.body;
  if (!has_length && !in.body.empty()) req.content_length(in.body.size());

  // A write error is not final: a server that refuses a request (e.g. 431) may answer and
  // close before it read everything.
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kTuple);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(1u << 20);
  parser.body_limit(64u << 20);
  if (verb == bhttp::verb::head) parser.skip(true);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  if (rec) {
    error = (wec ? "write request: " + wec.message() + "; " : std::string()) +
            "read response: " + rec.message();
    co_return;
  }
  auto res = parser.release();
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

// --- HTTP -----------------------------------------------------------------------------------

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) out.push_back(v);
  }
  return out;
}

std::string HttpResponse::describe() const {
  std::string s = "HTTP " + std::to_string(status) + "\n";
  for (const auto& [n, v] : headers) s += n + ": " + v + "\n";
  s += "\n" + body;
  return s;
}

Result<HttpResponse> http_send(int port, const HttpRequest& request,
                               std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  HttpResponse out;
  std::string error;
  asio::co_spawn(ioc, exchange(port, request, timeout, out, error), [&](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        error = std::string("exception: ") + x.what();
      } catch (...) {
        error = "unknown exception";
      }
    }
  });
  ioc.run();
  if (!error.empty()) {
    return Error::make(0, "http", request.method + " " + request.target + ": " + error);
  }
  return out;
}

// --- Ports, processes, files ----------------------------------------------------------------

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  int port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

bool port_is_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

bool pid_alive(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& path, std::string_view text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string last_lines(std::string_view text, std::size_t n) {
  if (text.empty() || n == 0) return {};
  std::size_t pos = text.size();
  if (text.back() == '\n') --pos;
  std::size_t count = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++count == n) break;
    --pos;
  }
  return std::string(text.substr(pos));
}

CommandResult run_basalt(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         std::chrono::seconds timeout) {
  CommandResult result;
  char path[] = "/tmp/basalt-it-cli-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) {
    result.output = std::string("harness: mkstemp failed: ") + std::strerror(errno);
    return result;
  }
  std::vector<std::string> argv{binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string error;
  const pid_t pid = spawn(argv, child_environment(env), fd, error);
  ::close(fd);
  if (pid < 0) {
    ::unlink(path);
    result.output = "harness: " + error;
    return result;
  }
  const auto started = std::chrono::steady_clock::now();
  bool termed = false;
  bool killed = false;
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    const auto waited = std::chrono::steady_clock::now() - started;
    if (!termed && waited > timeout) {
      result.timed_out = true;
      termed = true;
      ::kill(pid, SIGTERM);
    } else if (termed && !killed && waited > timeout + 30s) {
      killed = true;
      ::kill(pid, SIGKILL);
    }
    std::this_thread::sleep_for(10ms);
  }
  result.exit_code = decode_status(status);
  result.output = read_text(path);
  ::unlink(path);
  return result;
}

// --- BasaltProcess --------------------------------------------------------------------------

BasaltProcess::BasaltProcess(ProjectOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/basalt-it-XXXXXX";
  if (::mkdtemp(tmpl) != nullptr) {
    dir_ = tmpl;
    // mkdtemp makes it 0700; Postgres runs as another OS user when tests run as root.
    ::chmod(dir_.c_str(), 0755);
  }
  std::error_code ec;
  if (!dir_.empty()) {
    fs::create_directories(supabase_dir() / "migrations", ec);
    for (const auto& [name, sql] : options_.migrations) {
      write_text(supabase_dir() / "migrations" / name, sql);
    }
    if (options_.seed) write_text(supabase_dir() / "seed.sql", *options_.seed);
  }
  pick_ports();
}

BasaltProcess::~BasaltProcess() {
  auto stopped = stop();
  if (!stopped) {
    std::fprintf(stderr, "harness: stopping basalt in %s: %s\n", dir_.c_str(), stopped.message());
  }
  if (reaper_.joinable()) reaper_.join();
  if (!dir_.empty()) {
    if (keep_dirs()) {
      std::fprintf(stderr, "harness: kept %s\n", dir_.c_str());
    } else {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
}

std::string BasaltProcess::api_url() const {
  return "http://127.0.0.1:" + std::to_string(api_port_);
}

std::string BasaltProcess::db_url() const {
  return "postgresql://postgres:postgres@127.0.0.1:" + std::to_string(db_port_) + "/postgres";
}

void BasaltProcess::pick_ports() {
  api_port_ = free_port();
  do {
    db_port_ = free_port();
  } while (db_port_ == api_port_ && db_port_ != 0);
  if (options_.write_config && !dir_.empty()) write_config_file();
}

void BasaltProcess::write_config_file() const {
  std::string toml = "project_id = \"basalt-it\"\n\n[api]\nport = " + std::to_string(api_port_) +
                     "\n\n[db]\nport = " + std::to_string(db_port_) +
                     "\n# Debian 12 ships PostgreSQL 15.\nmajor_version = 15\n";
  if (!options_.extra_config.empty()) toml += "\n" + options_.extra_config + "\n";
  write_text(supabase_dir() / "config.toml", toml);
}

Status BasaltProcess::adopt_config_ports() {
  const fs::path file = supabase_dir() / "config.toml";
  std::ifstream in(file);
  if (!in) return Error::make(500, "io", "cannot read " + file.string());
  std::string out;
  std::string table;
  int replaced = 0;
  for (std::string line; std::getline(in, line);) {
    const std::string t = trim(line);
    if (t.starts_with("[")) table = t;
    const bool port_line = t.starts_with("port ") || t.starts_with("port=");
    if (port_line && (table == "[api]" || table == "[db]")) {
      line = "port = " + std::to_string(table == "[api]" ? api_port_ : db_port_);
      ++replaced;
    }
    out += line + "\n";
  }
  if (replaced != 2) {
    return Error::make(500, "config",
                       "expected a port in [api] and in [db] of " + file.string() + ", found " +
                           std::to_string(replaced));
  }
  write_text(file, out);
  return Status{};
}

std::vector<std::string> BasaltProcess::environment() const {
  return child_environment(options_.env);
}

bool BasaltProcess::running() const {
  std::lock_guard lock(mutex_);
  return pid_ > 0 && !exited_;
}

std::optional<int> BasaltProcess::wait_exit(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (pid_ <= 0) return std::nullopt;
  if (!exited_cv_.wait_for(lock, timeout, [this] { return exited_; })) return std::nullopt;
  return exit_code_;
}

std::optional<pid_t> BasaltProcess::postgres_pid() const {
  const std::string text = read_text(data_dir() / "pgdata" / "postmaster.pid");
  if (text.empty()) return std::nullopt;
  const long pid = std::strtol(text.c_str(), nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

::testing::AssertionResult BasaltProcess::start(std::chrono::seconds timeout) {
  if (dir_.empty()) return ::testing::AssertionFailure() << "harness: mkdtemp under /tmp failed";
  if (running()) return ::testing::AssertionFailure() << "harness: basalt is already running";
  ::testing::AssertionResult last = ::testing::AssertionFailure();
  for (int attempt = 0; attempt < 3; ++attempt) {
    bool port_clash = false;
    last = start_once(timeout, port_clash);
    if (last || !port_clash || !options_.write_config) return last;
    // Another test took a port between free_port() and Basalt's bind: try new ones.
    pick_ports();
  }
  return last;
}

::testing::AssertionResult BasaltProcess::start_once(std::chrono::seconds timeout,
                                                     bool& port_clash) {
  if (reaper_.joinable()) reaper_.join();
  const fs::path log = log_path();
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return ::testing::AssertionFailure()
           << "harness: cannot open " << log << ": " << std::strerror(errno);
  }
  struct stat st {};
  ::fstat(fd, &st);
  const auto log_offset = static_cast<std::size_t>(st.st_size);
  const std::vector<std::string> argv{binary_path(), "start", "--workdir", dir_.string()};
  std::string error;
  const pid_t pid = spawn(argv, environment(), fd, error);
  ::close(fd);
  if (pid < 0) return ::testing::AssertionFailure() << "harness: " << error;
  {
    std::lock_guard lock(mutex_);
    pid_ = pid;
    exited_ = false;
    exit_code_ = -1;
  }
  reaper_ = std::thread([this, pid] {
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    std::lock_guard lock(mutex_);
    exited_ = true;
    exit_code_ = r == pid ? decode_status(status) : -1;
    exited_cv_.notify_all();
  });

  auto run_log = [&] {
    std::string all = log_text();
    return all.size() > log_offset ? all.substr(log_offset) : std::string();
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error = "no answer yet";
  while (true) {
    if (auto code = wait_exit(0ms)) {
      const std::string text = run_log();
      port_clash = text.find("is in use") != std::string::npos;
      return ::testing::AssertionFailure() << "basalt start exited with code " << *code
                                           << " before serving. Log tail (" << log << "):\n"
                                           << last_lines(text, 40);
    }
    auto res = http_send(api_port_, HttpRequest{"GET", "/health", {}, {}}, 2s);
    if (res && res->status == 200) {
      const std::string text = run_log();
      anon_key_ = value_after(text, "anon key: ");
      service_role_key_ = value_after(text, "service_role key: ");
      if (!anon_key_.empty() && !service_role_key_.empty()) return ::testing::AssertionSuccess();
      last_error = "GET /health answered 200 but the banner has no keys yet";
    } else {
      last_error =
          res ? "GET /health answered " + std::to_string(res->status) : res.error().message;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(100ms);
  }
  auto failure = ::testing::AssertionFailure()
                 << "basalt did not become ready within " << timeout.count()
                 << " s (last: " << last_error << "). Log tail (" << log << "):\n"
                 << last_lines(run_log(), 40);
  (void)stop();
  return failure;
}

bool BasaltProcess::ensure_no_postgres(std::string& problem) {
  auto pg = postgres_pid();
  if (!pg || !pid_alive(*pg) || process_name(*pg) != "postgres") return true;
  problem = "a Postgres (pid " + std::to_string(*pg) + ") was still running on " +
            (data_dir() / "pgdata").string() + "; the harness stopped it";
  // Fast shutdown, then immediate, then kill: the test must not leave it behind.
  ::kill(*pg, SIGINT);
  if (!wait_gone(*pg, 15s)) {
    ::kill(*pg, SIGQUIT);
    if (!wait_gone(*pg, 5s)) {
      ::kill(*pg, SIGKILL);
      wait_gone(*pg, 5s);
    }
  }
  return false;
}

::testing::AssertionResult BasaltProcess::stop(std::chrono::seconds timeout) {
  pid_t pid;
  {
    std::lock_guard lock(mutex_);
    pid = pid_;
  }
  std::string problems;
  if (pid > 0 && running()) {
    ::kill(pid, SIGTERM);
    if (!wait_exit(timeout)) {
      problems += "basalt (pid " + std::to_string(pid) + ") did not stop within " +
                  std::to_string(timeout.count()) + " s of SIGTERM: killed it. ";
      ::kill(pid, SIGKILL);
      wait_exit(10s);
    }
  }
  if (reaper_.joinable()) reaper_.join();
  if (pid > 0) {
    std::lock_guard lock(mutex_);
    if (exited_ && exit_code_ != 0) {
      problems += "basalt exited with code " + std::to_string(exit_code_) + ". ";
    }
  }
  std::string pg_problem;
  if (!dir_.empty() && !ensure_no_postgres(pg_problem)) problems += pg_problem + ". ";
  if (problems.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << problems << "Log tail (" << log_path() << "):\n"
                                       << last_lines(log_text(), 30);
}

::testing::AssertionResult BasaltProcess::restart() {
  if (auto s = stop(); !s) return s;
  return start();
}

Result<HttpResponse> BasaltProcess::request(const HttpRequest& request,
                                            std::chrono::milliseconds timeout) const {
  return http_send(api_port_, request, timeout);
}

Result<HttpResponse> BasaltProcess::get(std::string target, Headers headers) const {
  return http_send(api_port_, HttpRequest{"GET", std::move(target), std::move(headers), {}});
}

CommandResult BasaltProcess::run_cli(std::vector<std::string> args,
                                     std::chrono::seconds timeout) const {
  // Before the subcommand: a global option is accepted there at every subcommand depth.
  args.insert(args.begin(), {"--workdir", dir_.string()});
  return run_basalt(args, options_.env, timeout);
}

// --- BasaltServer ---------------------------------------------------------------------------

BasaltServer::BasaltServer(std::vector<std::string> args, std::map<std::string, std::string> env)
    : args_(std::move(args)), env_(std::move(env)) {
  char path[] = "/tmp/basalt-it-server-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd >= 0) {
    ::close(fd);
    log_ = path;
  }
}

BasaltServer::~BasaltServer() {
  (void)stop();
  if (log_.empty()) return;
  if (keep_dirs()) {
    std::fprintf(stderr, "harness: kept %s\n", log_.c_str());
  } else {
    std::error_code ec;
    fs::remove(log_, ec);
  }
}

bool BasaltServer::running() {
  if (pid_ < 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_code_ = r == pid_ ? decode_status(status) : -1;
  pid_ = -1;
  return false;
}

std::optional<int> BasaltServer::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
  return exit_code_;
}

::testing::AssertionResult BasaltServer::start(int port, std::string ready_path,
                                               std::chrono::seconds timeout) {
  if (log_.empty()) return ::testing::AssertionFailure() << "harness: mkstemp under /tmp failed";
  if (running()) return ::testing::AssertionFailure() << "harness: already running";
  const int fd = ::open(log_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    return ::testing::AssertionFailure()
           << "harness: cannot open " << log_ << ": " << std::strerror(errno);
  }
  std::vector<std::string> argv{binary_path()};
  argv.insert(argv.end(), args_.begin(), args_.end());
  std::string error;
  const pid_t pid = spawn(argv, child_environment(env_), fd, error);
  ::close(fd);
  if (pid < 0) return ::testing::AssertionFailure() << "harness: " << error;
  pid_ = pid;
  exit_code_.reset();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error = "no answer yet";
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      return ::testing::AssertionFailure() << "basalt exited with code " << exit_code_.value_or(-1)
                                           << " before serving. Log tail (" << log_ << "):\n"
                                           << last_lines(log_text(), 40);
    }
    auto res = http_send(port, HttpRequest{"GET", ready_path, {}, {}}, 2s);
    if (res) return ::testing::AssertionSuccess();
    last_error = res.error().message;
    std::this_thread::sleep_for(100ms);
  }
  (void)stop();
  return ::testing::AssertionFailure()
         << "basalt did not serve on port " << port << " within " << timeout.count()
         << " s (last: " << last_error << "). Log tail (" << log_ << "):\n"
         << last_lines(log_text(), 40);
}

std::optional<int> BasaltServer::stop(std::chrono::seconds timeout) {
  if (!running()) return std::nullopt;
  ::kill(pid_, SIGTERM);
  if (auto code = wait_exit(timeout)) return code;
  ::kill(pid_, SIGKILL);
  return wait_exit(30s);
}

Result<std::unique_ptr<TestPostgres>> TestPostgres::create(bool bootstrap) {
  char tmpl[] = "/tmp/basalt-pgtest-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return Error::make(0, "harness", "mkdtemp failed");
  std::unique_ptr<TestPostgres> t(new TestPostgres());
  t->root_ = tmpl;
  fs::permissions(t->root_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  platform::PostgresOptions o;
  o.data_root = t->root_ / "data";
  o.port = free_port();
  o.no_sync = true;
  t->pg_ = std::make_unique<platform::PostgresManager>(o);
  auto init = t->pg_->init_if_needed({});
  if (!init) return std::move(init).error();
  if (auto started = t->pg_->start({}); !started) return std::move(started).error();
  if (bootstrap) {
    auto conn = platform::PgSync::connect(t->pg_->conninfo("postgres"));
    if (!conn) return std::move(conn).error();
    auto boot = platform::apply_bootstrap(*conn, {});
    if (!boot) return std::move(boot).error();
  }
  return t;
}

TestPostgres::~TestPostgres() {
  pg_.reset();  // stops Postgres
  std::error_code ec;
  if (!root_.empty()) fs::remove_all(root_, ec);
}

}  // namespace basalt::harness
