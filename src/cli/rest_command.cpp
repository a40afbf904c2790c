// `basalt rest`: Basalt as PostgREST. Reads PostgREST's configuration (config file, PGRST_*
// variables, the in-database pgrst.* settings), connects to db-uri's existing database (no
// platform bootstrap, no embedded Postgres), and serves only the REST API at the root, through
// the same pipeline `basalt start` serves at /rest/v1. Until SIGINT/SIGTERM, then a graceful
// stop.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "cli/cli.hpp"
#include "cli/database.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "config/postgrest_conf.hpp"
#include "db/pool.hpp"
#include "http/server.hpp"
#include "platform/pg_sync.hpp"
#include "rest/schema_cache.hpp"
#include "rest/service.hpp"
#include "rest/sql.hpp"

namespace basalt::cli {

namespace asio = boost::asio;

namespace {

void log_error(const Error& e) {
  log::error("{}", e.message);
  if (!e.details.empty()) log::error("{}", e.details);
  if (!e.hint.empty()) log::error("hint: {}", e.hint);
}

// PostgREST's log-level as Basalt's: crit/error/warn/info/debug.
spdlog::level::level_enum log_level(std::string_view pgrst) {
  if (pgrst == "crit") return spdlog::level::critical;
  if (pgrst == "error") return spdlog::level::err;
  if (pgrst == "warn") return spdlog::level::warn;
  if (pgrst == "debug") return spdlog::level::debug;
  return spdlog::level::info;
}

// server-host: PostgREST's special addresses ("!4" any IPv4, "*"/"*4"/"*6"/"!6" any IPv6 and,
// on Linux, IPv4 too), an address, or a host name (its first address).
Result<std::string> listen_address(asio::io_context& ioc, const std::string& host) {
  if (host == "!4") return std::string("0.0.0.0");
  if (host == "*" || host == "*4" || host == "*6" || host == "!6") return std::string("::");
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) return host;
  asio::ip::tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    return Error::make(400, "config", "server-host \"" + host + "\" does not resolve");
  }
  return results.begin()->endpoint().address().to_string();
}

std::string quoted_function(std::string_view qualified) {
  std::string out;
  if (auto dot = qualified.find('.'); dot != std::string_view::npos) {
    out = rest::quote_ident(qualified.substr(0, dot)) + ".";
    qualified.remove_prefix(dot + 1);
  }
  return out + rest::quote_ident(qualified);
}

// PostgREST's in-database configuration: the login role's pgrst.* settings (those for this
// database first), then what db-pre-config sets.
Result<std::map<std::string, std::string>> query_db_settings(
    platform::PgSync& conn, const std::optional<std::string>& pre_config) {
  std::vector<std::string> names;
  for (const auto& n : config::postgrest_db_setting_names()) names.push_back("pgrst." + n);
  std::string pre;
  if (pre_config) {
    pre =
        " union select null as database, x as k, current_setting(x, true) as v "
        "from unnest($1::text[]) x join " +
        quoted_function(*pre_config) + "() _ on true";
  }
  const std::string sql =
      "with role_setting as ("
      "  select setdatabase as database, unnest(setconfig) as setting"
      "  from pg_catalog.pg_db_role_setting"
      "  where setrole = quote_ident(current_user)::regrole::oid"
      "    and setdatabase in (0, (select oid from pg_catalog.pg_database"
      "                            where datname = current_catalog))),"
      " kv_settings as ("
      "  select database, substr(setting, 1, strpos(setting, '=') - 1) as k,"
      "         substr(setting, strpos(setting, '=') + 1) as v"
      "  from role_setting" +
      pre +
      ") select distinct on (key) replace(k, 'pgrst.', '') as key, v as value"
      " from kv_settings where k = any($1::text[]) and v is not null"
      " order by key, database desc nulls last";
  auto r = conn.exec_params(sql, {platform::text_array_literal(names)});
  if (!r) return std::move(r).error();
  std::map<std::string, std::string> out;
  for (int i = 0; i < r->rows(); ++i) out[std::string(r->get(i, 0))] = std::string(r->get(i, 1));
  return out;
}

// Connects like PostgREST at start: a database that is not up yet is retried with backoff
// (1 s doubling to 32 s) until it is, or until a signal arrives (nullopt then).
std::optional<platform::PgSync> connect_with_retry(asio::io_context& ioc, const std::string& uri,
                                                   const std::atomic<bool>& interrupted) {
  auto delay = std::chrono::seconds(1);
  while (true) {
    auto conn = platform::PgSync::connect(uri);
    if (conn) return std::move(conn).value();
    log::error("cannot connect to the database (db-uri): {}; retrying in {} s",
               conn.error().message, delay.count());
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
      ioc.poll();  // delivers SIGINT/SIGTERM
      if (interrupted) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    delay = std::min(delay * 2, std::chrono::seconds(32));
  }
}

rest::RestOptions rest_options(const config::PostgrestConfig& c,
                               std::shared_ptr<const std::set<std::string>> roles) {
  rest::RestOptions o;
  o.schemas = c.db_schemas;
  o.extra_search_path = c.db_extra_search_path;
  if (c.db_max_rows) o.max_rows = *c.db_max_rows;
  o.aggregates_enabled = c.db_aggregates_enabled;
  o.plan_enabled = c.db_plan_enabled;
  o.jwt_cache_max_entries = static_cast<std::size_t>(std::max(0, c.jwt_cache_max_entries));
  o.read_db_config = false;  // read with the rest of the configuration, above
  o.tx_end = rest::parse_tx_end(c.db_tx_end).value_or(rest::TxEnd::commit);
  if (c.openapi_mode == "ignore-privileges") o.openapi_mode = rest::OpenApiMode::ignore_privileges;
  if (c.openapi_mode == "disabled") o.openapi_mode = rest::OpenApiMode::disabled;
  o.identity.jwt_secret = c.jwt_secret.value_or("");
  o.identity.audience = c.jwt_aud;
  o.identity.anon_role = c.db_anon_role.value_or("");  // none: anonymous access is refused
  o.identity.allowed_roles = std::move(roles);
  o.identity.role_claim_key = c.jwt_role_claim_key;
  o.identity.claims_include_role = true;
  o.mount_prefix = "";
  o.behind_gateway = false;
  o.pre_request = c.db_pre_request;
  o.app_settings = c.app_settings;
  o.hoisted_tx_settings = c.db_hoisted_tx_settings;
  return o;
}

// Stop accepting, let in-flight requests finish (10 s at most), close the pool, then `done`.
asio::awaitable<void> shut_down(http::Server* server,
                                std::shared_ptr<std::atomic<bool>> stop_listening,
                                std::shared_ptr<db::Pool> pool, std::function<void()> done) {
  co_await server->shutdown(std::chrono::seconds(10));
  *stop_listening = true;
  pool->close();
  done();
}

http::Router make_rest_router(std::shared_ptr<rest::RestService> rest) {
  http::Router router;
  router.add({"/",
              "postgrest",
              [rest](http::Exchange& ex) -> asio::awaitable<http::Response> {
                co_return co_await rest->handle(ex);
              },
              {}});
  return router;
}

}  // namespace

int cmd_rest(const std::string& config_file) {
  config::PostgrestSources sources;
  if (!config_file.empty()) sources.file = config_file;
  sources.env = config::process_env();
  sources.env_names = config::process_env_names();
  auto loaded = config::load_postgrest_config(sources);
  if (!loaded) {
    log_error(loaded.error());
    return 1;
  }

  // At least two threads: loading the schema cache below waits on the loop.
  const std::size_t threads = std::max(2u, std::thread::hardware_concurrency());
  asio::io_context ioc(static_cast<int>(threads));
  // Installed first: a signal while the database is not reachable yet ends the retries; once
  // serving, it stops the server gracefully.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  std::atomic<bool> interrupted{false};
  std::mutex signal_mutex;
  std::function<void(int)> on_signal;  // set once serving
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    interrupted = true;
    std::lock_guard lock(signal_mutex);
    if (on_signal) on_signal(signo);
  });

  const std::string db_uri = loaded->config.db_uri;
  auto conn = connect_with_retry(ioc, db_uri, interrupted);
  if (!conn) {
    log::info("interrupted before the database was reachable");
    return 1;
  }
  if (loaded->config.db_config) {
    auto db_settings = query_db_settings(*conn, loaded->config.db_pre_config);
    if (!db_settings) {
      log::error("reading the in-database configuration (db-config) failed: {}",
                 db_settings.error().message);
      return 1;
    }
    if (!db_settings->empty()) {
      sources.db_settings = std::move(db_settings).value();
      loaded = config::load_postgrest_config(sources);
      if (!loaded) {
        log_error(loaded.error());
        return 1;
      }
    }
  }
  const config::PostgrestConfig& c = loaded->config;
  for (const auto& w : loaded->warnings) log::warn("{}", w);
  if (c.is_set("log-level")) spdlog::set_level(log_level(c.log_level));

  auto login = conn->exec("select current_user");
  auto roles = load_allowed_roles(*conn, "", true);
  if (!login || !roles) {
    log_error(!login ? login.error() : roles.error());
    return 1;
  }
  const std::string login_role(login->get(0, 0));
  if (c.db_anon_role && !(*roles)->contains(*c.db_anon_role)) {
    log::warn(
        "db-anon-role \"{}\" is not a role \"{}\" (the db-uri's user) may become: anonymous "
        "requests will fail until `GRANT \"{}\" TO \"{}\"` and a restart",
        *c.db_anon_role, login_role, *c.db_anon_role, login_role);
  }
  if (!c.jwt_secret) log::info("no jwt-secret: requests with a token are refused (PGRST300)");
  conn.reset();

  auto metrics = std::make_shared<Metrics>();
  db::PoolOptions pool_options;
  pool_options.conninfo = db_uri;
  pool_options.size = static_cast<std::size_t>(c.db_pool);
  pool_options.acquire_timeout = std::chrono::seconds(c.db_pool_acquisition_timeout);
  auto pool = db::Pool::create(ioc.get_executor(), pool_options);
  auto schema_cache = std::make_shared<rest::SchemaCacheHolder>(pool, c.db_schemas);
  auto rest_service =
      std::make_shared<rest::RestService>(rest_options(c, *roles), pool, schema_cache);

  http::ServerOptions server_options;
  auto host = listen_address(ioc, c.server_host);
  if (!host) {
    log_error(host.error());
    return 1;
  }
  server_options.host = *host;
  server_options.port = c.server_port;
  server_options.cors_allowed_origins = c.server_cors_allowed_origins;
  http::Server server(ioc, server_options, make_rest_router(rest_service), http::ProjectKeys{},
                      metrics);

  auto work = asio::make_work_guard(ioc);
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < threads; ++i) workers.emplace_back([&] { ioc.run(); });
  auto stop_listening = std::make_shared<std::atomic<bool>>(false);
  auto join_workers = [&] {
    *stop_listening = true;
    pool->close();
    work.reset();
    ioc.stop();
    for (auto& t : workers) t.join();
  };
  {
    // The holder logs what it loaded. As PostgREST, a failure leaves the server answering
    // PGRST002 while the listener retries; without a listener nothing would.
    auto loaded_cache = asio::co_spawn(ioc, schema_cache->reload(), asio::use_future).get();
    if (!loaded_cache && c.db_channel_enabled) {
      log::error("loading the schema cache failed (retrying): {}", loaded_cache.error().message);
    } else if (!loaded_cache) {
      log::error("loading the schema cache failed: {}", loaded_cache.error().message);
      join_workers();
      return 1;
    }
  }
  if (c.db_channel_enabled) {
    rest::ListenOptions listen;
    listen.channel = c.db_channel;
    asio::co_spawn(ioc, rest::listen_for_reloads(schema_cache, db_uri, listen, stop_listening),
                   asio::detached);
  }
  if (auto s = server.listen(); !s) {
    std::string m = s.error().message;
    if (s.error().code == "port_in_use") {
      m = fmt::format("server-port {} is in use: stop the other server or set server-port",
                      c.server_port);
    }
    log::error("{}", m);
    join_workers();
    return 1;
  }
  server.start();
  log::info("Basalt serves PostgREST's API on {}:{} (database user \"{}\", schemas {})",
            server_options.host, server.bound_port(), login_role, fmt::join(c.db_schemas, ", "));

  {
    std::lock_guard lock(signal_mutex);
    on_signal = [&](int signo) {
      log::info("received {}, shutting down", signo == SIGINT ? "SIGINT" : "SIGTERM");
      asio::co_spawn(ioc,
                     shut_down(&server, stop_listening, pool,
                               [&] {
                                 work.reset();
                                 ioc.stop();
                               }),
                     asio::detached);
    };
    // A signal that arrived during start-up stops the server now.
    if (interrupted) on_signal(SIGTERM);
  }

  ioc.run();
  for (auto& t : workers) t.join();
  log::info("stopped");
  return 0;
}

}  // namespace basalt::cli
