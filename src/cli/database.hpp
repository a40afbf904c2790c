// Getting at the project's database from a command: the embedded Postgres (started here, or
// the one a running `basalt start` owns) or DATABASE_URL; and the platform set-up every fresh
// or reset database goes through (bootstrap, role passwords, migrations, seed).
#pragma once
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "cli/project.hpp"
#include "platform/pg_sync.hpp"
#include "platform/postgres_manager.hpp"

namespace basalt::cli {

platform::PostgresOptions postgres_options(const Project& p);

// Bootstrap, then (embedded only) the role passwords, then migrations, then the seed when
// `seed` is set. Progress goes to the log.
Status prepare_database(platform::PgSync& conn, const Project& p, bool seed);

// An admin connection for a one-off command. If no Basalt runs for an embedded project, a
// temporary Postgres is started in `temp` (stopped when `temp` is destroyed).
struct AdminConnection {
  std::unique_ptr<platform::PostgresManager> temp;
  std::optional<platform::PgSync> conn;
};
Result<AdminConnection> connect_admin(const Project& p);

// The roles a JWT may name: those `login` may SET ROLE to (pg_has_role ... 'member'), `login`
// itself only with `include_login`. An empty `login` means the connection's current_user
// (`basalt rest`, where the db-uri's user is PostgREST's authenticator).
Result<std::shared_ptr<const std::set<std::string>>> load_allowed_roles(
    platform::PgSync& conn, std::string_view login = "authenticator", bool include_login = false);

}  // namespace basalt::cli
