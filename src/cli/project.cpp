#include "cli/project.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "common/log.hpp"
#include "jwt/keys.hpp"
#include "platform/pg_sync.hpp"

namespace basalt::cli {

std::string Project::api_url() const {
  return "http://127.0.0.1:" + std::to_string(config.api.port);
}

std::string Project::db_url() const {
  if (config.database_url) return *config.database_url;
  return "postgresql://postgres:postgres@127.0.0.1:" + std::to_string(config.db.port) + "/postgres";
}

Result<Project> load_project(const fs::path& workdir, const std::optional<fs::path>& data_dir) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(workdir, ec), ec);
  if (ec || !fs::is_directory(abs)) {
    return Error::make(500, "workdir", "work folder " + workdir.string() + " does not exist");
  }
  auto env = config::process_env();
  auto loaded = config::load(abs, env);
  if (!loaded) return std::move(loaded).error();
  for (const auto& w : loaded->warnings) log::warn("{}", w);
  Project p;
  p.config = std::move(loaded->config);
  p.workdir = abs;
  p.supabase_dir = abs / "supabase";
  if (data_dir) {
    p.data_root = fs::absolute(*data_dir);
  } else if (auto v = env("BASALT_DATA_DIR"); v && !v->empty()) {
    p.data_root = fs::absolute(*v);
  } else {
    p.data_root = p.supabase_dir / ".basalt";
  }
  return p;
}

namespace {

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(500, "io", "cannot read " + path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

}  // namespace

Result<std::string> jwt_secret(const Project& project, bool create) {
  if (!project.config.auth.jwt_secret.empty()) return project.config.auth.jwt_secret;
  std::error_code ec;
  if (fs::exists(project.secret_file(), ec)) {
    auto text = read_file(project.secret_file());
    if (!text) return std::move(text).error();
    std::string secret = trim(std::move(text).value());
    if (secret.size() < 32) {
      return Error::make(
          500, "jwt_secret",
          project.secret_file().string() + " holds a secret shorter than 32 characters");
    }
    return secret;
  }
  if (!create) {
    return Error::make(500, "jwt_secret",
                       "no JWT secret yet: run `basalt start` first, or set BASALT_JWT_SECRET");
  }
  fs::create_directories(project.data_root, ec);
  if (ec) {
    return Error::make(500, "io",
                       "cannot create " + project.data_root.string() + ": " + ec.message());
  }
  std::string secret = jwt::generate_secret();
  const auto tmp = project.secret_file().string() + ".tmp";
  {
    // Create with 0600 before writing: the secret is never world-readable, even briefly.
    mode_t old = ::umask(077);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ::umask(old);
    out << secret << "\n";
    if (!out) return Error::make(500, "io", "cannot write " + tmp);
  }
  fs::rename(tmp, project.secret_file(), ec);
  if (ec) return Error::make(500, "io", "cannot write " + project.secret_file().string());
  log::info("generated a new JWT secret in {}", project.secret_file().string());
  return secret;
}

Status write_run_state(const Project& project, const RunState& s) {
  boost::json::object o{{"pid", s.pid},
                        {"api_url", s.api_url},
                        {"db_url", s.db_url},
                        {"socket_dir", s.socket_dir},
                        {"db_port", s.db_port}};
  const auto tmp = project.state_file().string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << boost::json::serialize(o) << "\n";
    if (!out) return Error::make(500, "io", "cannot write " + tmp);
  }
  std::error_code ec;
  fs::rename(tmp, project.state_file(), ec);
  if (ec) return Error::make(500, "io", "cannot write " + project.state_file().string());
  return Status{};
}

std::optional<RunState> read_run_state(const Project& project) {
  auto text = read_file(project.state_file());
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  RunState s;
  auto str = [&](const char* k) {
    auto* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->get_string()) : std::string();
  };
  auto num = [&](const char* k) -> long {
    auto* x = o.if_contains(k);
    return x && x->is_int64() ? static_cast<long>(x->get_int64()) : 0;
  };
  s.pid = num("pid");
  s.db_port = static_cast<int>(num("db_port"));
  s.api_url = str("api_url");
  s.db_url = str("db_url");
  s.socket_dir = str("socket_dir");
  return s;
}

void remove_run_state(const Project& project) {
  std::error_code ec;
  fs::remove(project.state_file(), ec);
}

bool process_alive(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

Result<std::string> conninfo_as(const std::string& url, const std::string& user) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    std::string msg = err ? err : "invalid connection string";
    if (err) PQfreemem(err);
    // The URL may hold a password: name the problem, never echo the URL.
    return Error::make(500, "config", "DATABASE_URL is not a valid Postgres URL: " + trim(msg));
  }
  std::string out;
  for (auto* o = opts; o->keyword != nullptr; ++o) {
    std::string_view key = o->keyword;
    if (key == "user") continue;
    if (o->val != nullptr && *o->val != '\0') {
      out += platform::conninfo_pair(key, o->val);
      out += ' ';
    }
  }
  PQconninfoFree(opts);
  out += platform::conninfo_pair("user", user);
  return out;
}

}  // namespace basalt::cli
