// `basalt start`: Postgres (embedded or DATABASE_URL), platform bootstrap, migrations and
// seed, then the HTTP server until SIGINT/SIGTERM, then a graceful stop of both.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "auth/options.hpp"
#include "auth/service.hpp"
#include "cli/cli.hpp"
#include "cli/database.hpp"
#include "cli/services.hpp"
#include "common/log.hpp"
#include "db/pool.hpp"
#include "http/server.hpp"
#include "jwt/key_set.hpp"
#include "jwt/keys.hpp"

namespace basalt::cli {

namespace asio = boost::asio;

namespace {

std::size_t env_size(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  return (end && *end == '\0' && n > 0) ? static_cast<std::size_t>(n) : fallback;
}

// [auth] signing_keys_path (relative to supabase/): the RS256/ES256 keys, or null when unset.
Result<std::shared_ptr<const jwt::KeySet>> load_signing_keys(const Project& p) {
  const auto name = p.config.raw.at_path("auth.signing_keys_path").value<std::string>();
  if (!name || name->empty()) return std::shared_ptr<const jwt::KeySet>();
  const fs::path path = (p.supabase_dir / *name).lexically_normal();  // an absolute name wins
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return Error::make(1, "config",
                       fmt::format("cannot read [auth] signing_keys_path {}: {}", path.string(),
                                   std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto set = jwt::KeySet::parse(text.str());
  if (set && !set->can_sign()) {
    set = Error::make(1, "config", "no key has its private part and may sign (key_ops)");
  }
  if (!set) {
    return Error::make(
        1, "config",
        fmt::format("invalid [auth] signing_keys_path {}: {}", path.string(), set.error().message));
  }
  log::info("JWT signing key: {} (kid {}) from {}", set->signing_alg(), set->signing_kid(),
            path.string());
  return std::make_shared<const jwt::KeySet>(std::move(set).value());
}

Result<bool> platform_is_new(platform::PgSync& conn) {
  auto r = conn.exec("select to_regclass('_basalt.bootstrap') is null");
  if (!r) return std::move(r).error();
  return r->get(0, 0) == "t";
}

void print_banner(const Project& p, const Keys& keys, std::string_view mode) {
  std::printf(
      "Basalt is running (%.*s).\n\n"
      "         API URL: %s\n"
      "        REST URL: %s/rest/v1\n"
      "          DB URL: %s\n"
      "        anon key: %s\n"
      "service_role key: %s\n\n"
      "`basalt status` shows these again; Ctrl-C or `basalt stop` stops Basalt.\n",
      static_cast<int>(mode.size()), mode.data(), p.api_url().c_str(), p.api_url().c_str(),
      p.config.database_url ? "(DATABASE_URL)" : p.db_url().c_str(), keys.anon.c_str(),
      keys.service_role.c_str());
  std::fflush(stdout);
}

}  // namespace

int cmd_start(const CommonOptions& o) {
  auto project = load_project(o.workdir, o.data_dir);
  if (!project) {
    log::error("{}", project.error().message);
    return 1;
  }
  Project& p = *project;
  if (auto st = read_run_state(p); st && process_alive(st->pid)) {
    log::error("Basalt is already running for this project (pid {}): run `basalt stop` first",
               st->pid);
    return 1;
  }
  auto secret = jwt_secret(p, true);
  if (!secret) {
    log::error("{}", secret.error().message);
    return 1;
  }
  Keys keys{jwt::make_api_key("anon", *secret), jwt::make_api_key("service_role", *secret)};
  auto signing_keys = load_signing_keys(p);
  if (!signing_keys) {
    log::error("{}", signing_keys.error().message);
    return 1;
  }

  // I/O threads, each running its own event loop: BASALT_THREADS, else one per core. The
  // first loop also runs the acceptor, signals and background tasks (docs/architecture.md).
  const std::size_t threads =
      env_size("BASALT_THREADS", std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::io_context*> loop_ptrs;
  std::vector<asio::any_io_executor> loop_executors;
  for (std::size_t i = 0; i < threads; ++i) {
    loops.push_back(std::make_unique<asio::io_context>(1));
    loop_ptrs.push_back(loops.back().get());
    loop_executors.push_back(loops.back()->get_executor());
  }
  asio::io_context& ioc = *loops.front();
  // Installed before the slow start-up steps: a Ctrl-C during them is delivered as soon as
  // the loop runs, and then shuts down cleanly (Postgres included) instead of orphaning it.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);

  std::unique_ptr<platform::PostgresManager> pg;
  std::string admin_conninfo;
  std::string app_conninfo;
  std::string auth_conninfo;
  std::string mode;
  if (p.embedded()) {
    pg = std::make_unique<platform::PostgresManager>(postgres_options(p));
    const auto progress = platform::Progress::to_log();
    auto fresh = pg->init_if_needed(progress);
    for (const auto& w : pg->warnings()) log::warn("{}", w);
    if (!fresh) {
      log::error("{}", fresh.error().message);
      return 1;
    }
    if (auto s = pg->start(progress); !s) {
      log::error("{}", s.error().message);
      return 1;
    }
    admin_conninfo = pg->conninfo("postgres");
    // Requests log in as `authenticator`, as on Supabase; the socket is private (trust).
    app_conninfo = pg->conninfo("authenticator");
    // The Auth service logs in as the owner of the auth tables, as Supabase Auth does.
    auth_conninfo = pg->conninfo("supabase_auth_admin");
    mode = fmt::format("embedded PostgreSQL {}, data in {}", pg->binaries_major(),
                       pg->pgdata().string());
  } else {
    admin_conninfo = *p.config.database_url;
    app_conninfo = *p.config.database_url;
    auth_conninfo = *p.config.database_url;  // SET ROLE supabase_auth_admin per transaction
    mode = "PostgreSQL from DATABASE_URL";
  }

  std::shared_ptr<const std::set<std::string>> roles;
  {
    auto conn = platform::PgSync::connect(admin_conninfo);
    if (!conn) {
      log::error("cannot connect to Postgres: {}", conn.error().message);
      return 1;
    }
    auto fresh = platform_is_new(*conn);
    if (!fresh) {
      log::error("{}", fresh.error().message);
      return 1;
    }
    if (auto s = prepare_database(*conn, p, *fresh); !s) {
      log::error("{}", s.error().message);
      if (!s.error().details.empty()) log::error("{}", s.error().details);
      if (!s.error().hint.empty()) log::error("hint: {}", s.error().hint);
      return 1;
    }
    auto r = load_allowed_roles(*conn);
    if (!r) {
      log::error("{}", r.error().message);
      return 1;
    }
    roles = std::move(r).value();
  }

  auto metrics = std::make_shared<Metrics>();
  db::PoolOptions pool_options;
  pool_options.conninfo = app_conninfo;
  pool_options.size = env_size("BASALT_DB_POOL_SIZE", 10);
  auto pool = db::Pool::create(loop_executors, pool_options);
  metrics->add_gauge("basalt_db_pool_size", "Connections the pool may open.",
                     [pool] { return static_cast<double>(pool->stats().size); });
  metrics->add_gauge("basalt_db_pool_in_use", "Connections lent to requests right now.",
                     [pool] { return static_cast<double>(pool->stats().in_use); });
  metrics->add_gauge("basalt_db_pool_waiting", "Requests waiting for a connection.",
                     [pool] { return static_cast<double>(pool->stats().waiting); });

  // The REST API's schema cache: loaded before serving, reloaded on NOTIFY pgrst.
  auto schema_cache = std::make_shared<rest::SchemaCacheHolder>(pool, p.config.api.schemas);
  rest::RestOptions rest_options;
  rest_options.schemas = p.config.api.schemas;
  rest_options.extra_search_path = p.config.api.extra_search_path;
  if (p.config.api.max_rows > 0) rest_options.max_rows = p.config.api.max_rows;
  rest_options.identity.jwt_secret = *secret;
  rest_options.identity.keys = *signing_keys;
  rest_options.identity.allowed_roles = roles;
  auto rest_service = std::make_shared<rest::RestService>(rest_options, pool, schema_cache);

  // The Auth API: its own small pool as supabase_auth_admin.
  std::shared_ptr<auth::AuthService> auth_service;
  std::shared_ptr<db::Pool> auth_pool;
  if (p.config.auth.enabled) {
    db::PoolOptions auth_pool_options;
    auth_pool_options.conninfo = auth_conninfo;
    auth_pool_options.size = env_size("BASALT_AUTH_DB_POOL_SIZE", 5);
    auth_pool = db::Pool::create(loop_executors, auth_pool_options);
    std::string api_url = p.config.raw.at_path("api.external_url").value_or(std::string());
    if (api_url.empty()) api_url = fmt::format("http://127.0.0.1:{}", p.config.api.port);
    while (!api_url.empty() && api_url.back() == '/') api_url.pop_back();
    auto auth_opts = auth::auth_options(p.config, api_url, *secret);
    if (!auth_opts) {
      log::error("{}", auth_opts.error().message);
      return 1;
    }
    if (const char* proxies = std::getenv("BASALT_TRUSTED_PROXIES"); proxies && *proxies) {
      std::string_view rest = proxies;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::string item(rest.substr(0, comma));
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) auth_opts->trusted_proxies.push_back(item);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
    }
    if (const char* cost = std::getenv("BASALT_BCRYPT_COST"); cost && *cost) {
      auth_opts->bcrypt_cost = std::clamp(std::atoi(cost), 4, 31);
    }
    auth_opts->signing_keys = *signing_keys;
    auth_opts->db_login_is_auth_admin = p.embedded();
    auto created = auth::AuthService::create(std::move(auth_opts).value(), auth_pool);
    if (!created) {
      log::error("{}", created.error().message);
      return 1;
    }
    auth_service = std::move(created).value();
    auto smtp = auth::smtp_config(p.config.raw);
    if (!smtp) {
      log::error("{}", smtp.error().message);
      return 1;
    }
    if (*smtp) {
      const auto parsed = boost::urls::parse_uri(api_url);
      (*smtp)->local_name = parsed ? std::string(parsed->host()) : std::string("localhost");
      auth_service->use_smtp(std::move(**smtp));
    }
  }

  // Threads first: loading the schema cache needs the loop running. All of them are workers
  // (the main thread only waits), so one thread is enough even while starting.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  for (auto& loop : loops) work.push_back(asio::make_work_guard(*loop));
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < threads; ++i) {
    workers.emplace_back([&loops, i] {
      db::Pool::bind_thread(i);
      loops[i]->run();
    });
  }
  auto stop_loops = [&] {
    work.clear();
    for (auto& loop : loops) loop->stop();
  };
  auto join_workers = [&] {
    stop_loops();
    for (auto& t : workers) t.join();
  };
  {
    auto loaded = asio::co_spawn(ioc, schema_cache->reload(), asio::use_future).get();
    if (!loaded) {
      log::error("loading the schema cache failed: {}", loaded.error().message);
      join_workers();
      return 1;
    }
    log::info("schema cache loaded: {}", schema_cache->current()->summary());
  }
  auto stop_listening = std::make_shared<std::atomic<bool>>(false);
  asio::co_spawn(ioc, rest::listen_for_reloads(schema_cache, app_conninfo, {}, stop_listening),
                 asio::detached);

  Services services{p, keys, *secret, roles, pool, metrics, rest_service, auth_service};
  http::ServerOptions server_options;
  server_options.port = p.config.api.port;
  if (const char* host = std::getenv("BASALT_HOST"); host && *host) server_options.host = host;
  server_options.body_limit =
      std::max<std::uint64_t>(p.config.storage.file_size_limit_bytes, 10ull << 20) + (1ull << 20);
  http::Server server(loop_ptrs, server_options, make_router(services),
                      http::ProjectKeys{keys.anon, keys.service_role}, metrics);
  if (auto s = server.listen(); !s) {
    log::error("{}", s.error().message);
    *stop_listening = true;
    join_workers();
    return 1;
  }
  server.start();

  RunState state;
  state.pid = ::getpid();
  state.api_url = p.api_url();
  state.db_url = p.db_url();
  if (pg) {
    state.socket_dir = pg->unix_socket_dir().string();
    state.db_port = pg->port();
  }
  if (auto s = write_run_state(p, state); !s) log::warn("{}", s.error().message);
  print_banner(p, keys, mode);

  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log::info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          co_await server.shutdown(std::chrono::seconds(10));
          *stop_listening = true;
          pool->close();
          if (auth_pool) auth_pool->close();
          stop_loops();
        },
        asio::detached);
  });

  for (auto& t : workers) t.join();

  remove_run_state(p);
  if (pg) {
    log::info("stopping Postgres");
    if (auto s = pg->stop(true); !s) {
      log::error("{}", s.error().message);
      return 1;
    }
  }
  log::info("stopped");
  return 0;
}

}  // namespace basalt::cli
