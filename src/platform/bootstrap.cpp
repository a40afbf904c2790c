#include "platform/bootstrap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <string>

#include "platform/sql_split.hpp"

namespace basalt::platform {

Result<SchemaLock> SchemaLock::acquire(PgSync& conn) {
  auto r = conn.exec_params("SELECT pg_advisory_lock($1::bigint)", {std::to_string(kKey)});
  if (!r) return std::move(r).error();
  return SchemaLock(&conn);
}

SchemaLock::~SchemaLock() {
  if (conn_) {
    // A failure here means the session is gone, and the lock with it.
    (void)conn_->exec_params("SELECT pg_advisory_unlock($1::bigint)", {std::to_string(kKey)});
  }
}

bool is_repeatable(std::string_view file_name) {
  return file_name.starts_with("R_");
}

Result<int> bootstrap_version(std::string_view file_name) {
  std::size_t digits = 0;
  while (digits < file_name.size() && file_name[digits] >= '0' && file_name[digits] <= '9') {
    ++digits;
  }
  int version = 0;
  auto [ptr, ec] = std::from_chars(file_name.data(), file_name.data() + digits, version);
  if (digits == 0 || ec != std::errc() || ptr != file_name.data() + digits) {
    return Error::make(500, "bootstrap_name",
                       fmt::format("bootstrap file {} has no numeric version prefix", file_name));
  }
  return version;
}

namespace {

Error file_error(std::string_view file, std::string_view sql, const PgSync& conn, Error pg) {
  Error e = pg;
  std::string where;
  if (int pos = conn.last_failure().position; pos > 0) {
    where = fmt::format(" (line {})", line_of_offset(sql, byte_offset_of_position(sql, pos)));
  }
  e.message =
      fmt::format("bootstrap {} failed{}: {} (SQLSTATE {})", file, where, pg.message, pg.code);
  return e;
}

}  // namespace

Result<int> apply_bootstrap(PgSync& conn, const std::vector<EmbeddedSql>& files,
                            const Progress& progress) {
  std::vector<std::pair<int, const EmbeddedSql*>> ordered;
  std::set<int> seen;
  std::vector<const EmbeddedSql*> repeatable;
  for (const auto& f : files) {
    if (is_repeatable(f.name)) {
      repeatable.push_back(&f);
      continue;
    }
    auto v = bootstrap_version(f.name);
    if (!v) return std::move(v).error();
    if (!seen.insert(*v).second) {
      return Error::make(500, "bootstrap_name",
                         fmt::format("two bootstrap files have version {} ({})", *v, f.name));
    }
    ordered.emplace_back(*v, &f);
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  auto lock = SchemaLock::acquire(conn);
  if (!lock) return std::move(lock).error();
  auto created = conn.exec(
      "CREATE SCHEMA IF NOT EXISTS _basalt;"
      "CREATE TABLE IF NOT EXISTS _basalt.bootstrap ("
      " version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT "
      "now())");
  if (!created) return std::move(created).error();
  auto rows = conn.exec("SELECT version FROM _basalt.bootstrap");
  if (!rows) return std::move(rows).error();
  std::set<int> applied;
  for (int i = 0; i < rows->rows(); ++i) applied.insert(std::stoi(std::string(rows->get(i, 0))));

  int count = 0;
  for (const auto& [version, file] : ordered) {
    if (applied.count(version)) continue;
    progress.say(fmt::format("Applying Basalt schema {}...", file->name));
    if (auto b = conn.exec("BEGIN"); !b) return std::move(b).error();
    auto run = conn.exec(file->text);
    if (!run) {
      Error e = file_error(file->name, file->text, conn, std::move(run).error());
      (void)conn.exec("ROLLBACK");
      return e;
    }
    auto rec = conn.exec_params("INSERT INTO _basalt.bootstrap (version, name) VALUES ($1, $2)",
                                {std::to_string(version), std::string(file->name)});
    if (!rec) {
      (void)conn.exec("ROLLBACK");
      return std::move(rec).error();
    }
    if (auto c = conn.exec("COMMIT"); !c) {
      Error e = file_error(file->name, file->text, conn, std::move(c).error());
      (void)conn.exec("ROLLBACK");
      return e;
    }
    ++count;
  }

  // Repeatable files (functions: code, not data) run again whenever their text changed.
  std::sort(repeatable.begin(), repeatable.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  auto code_table = conn.exec(
      "CREATE TABLE IF NOT EXISTS _basalt.bootstrap_code ("
      " name text PRIMARY KEY, digest text NOT NULL, applied_at timestamptz NOT NULL DEFAULT "
      "now())");
  if (!code_table) return std::move(code_table).error();
  for (const auto* file : repeatable) {
    const std::string name(file->name);
    const std::string text(file->text);
    auto same = conn.exec_params(
        "SELECT 1 FROM _basalt.bootstrap_code WHERE name = $1 AND digest = md5($2)", {name, text});
    if (!same) return std::move(same).error();
    if (same->rows() > 0) continue;
    progress.say(fmt::format("Applying Basalt functions {}...", file->name));
    if (auto b = conn.exec("BEGIN"); !b) return std::move(b).error();
    auto run = conn.exec(file->text);
    if (!run) {
      Error e = file_error(file->name, file->text, conn, std::move(run).error());
      (void)conn.exec("ROLLBACK");
      return e;
    }
    auto rec = conn.exec_params(
        "INSERT INTO _basalt.bootstrap_code (name, digest) VALUES ($1, md5($2)) "
        "ON CONFLICT (name) DO UPDATE SET digest = excluded.digest, applied_at = now()",
        {name, text});
    if (!rec) {
      (void)conn.exec("ROLLBACK");
      return std::move(rec).error();
    }
    if (auto c = conn.exec("COMMIT"); !c) {
      Error e = file_error(file->name, file->text, conn, std::move(c).error());
      (void)conn.exec("ROLLBACK");
      return e;
    }
    ++count;
  }
  return count;
}

Result<int> apply_bootstrap(PgSync& conn, const Progress& progress) {
  return apply_bootstrap(conn, embedded_sql(), progress);
}

const std::vector<std::string_view>& password_roles() {
  static const std::vector<std::string_view> roles = {"postgres",
                                                      "authenticator",
                                                      "supabase_admin",
                                                      "supabase_auth_admin",
                                                      "supabase_storage_admin",
                                                      "supabase_replication_admin",
                                                      "supabase_read_only_user",
                                                      "pgbouncer"};
  return roles;
}

Status set_role_passwords(PgSync& conn, std::string_view password) {
  std::string names = "{";
  for (std::size_t i = 0; i < password_roles().size(); ++i) {
    if (i) names += ',';
    names += password_roles()[i];
  }
  names += '}';
  auto existing = conn.exec_params(
      "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[]) ORDER BY 1", {names});
  if (!existing) return std::move(existing).error();
  for (int i = 0; i < existing->rows(); ++i) {
    std::string name(existing->get(i, 0));
    // Hashed here (SCRAM, as psql's \password does) so the plain password never reaches the
    // server, where a failing statement would be written to its log.
    auto verifier = conn.scram_verifier(password, name);
    if (!verifier) return std::move(verifier).error();
    auto role = conn.quote_identifier(name);
    if (!role) return std::move(role).error();
    auto literal = conn.quote_literal(*verifier);
    if (!literal) return std::move(literal).error();
    auto r = conn.exec(fmt::format("ALTER ROLE {} WITH PASSWORD {}", *role, *literal));
    if (!r) {
      Error e = std::move(r).error();
      e.message = fmt::format("could not set the password of role {}: {}", name, e.message);
      return e;
    }
  }
  return {};
}

}  // namespace basalt::platform
