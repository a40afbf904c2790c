// Basalt's own schema (auth, storage, roles ... from src/platform/sql, compiled in), applied
// once per database in file order and recorded in _basalt.bootstrap; plus the role passwords
// an embedded Postgres gets, as Supabase local sets them.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "platform/embedded_sql.hpp"
#include "platform/pg_sync.hpp"
#include "platform/progress.hpp"

namespace basalt::platform {

// Session advisory lock serialising schema work (bootstrap, migrations, seed) between Basalt
// nodes that start at once against the same database. Released when destroyed.
class SchemaLock {
 public:
  static constexpr std::int64_t kKey = 0x62617361'6c74;  // "basalt"

  static Result<SchemaLock> acquire(PgSync& conn);
  SchemaLock(SchemaLock&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  SchemaLock& operator=(SchemaLock&&) = delete;
  ~SchemaLock();

 private:
  explicit SchemaLock(PgSync* conn) : conn_(conn) {}
  PgSync* conn_;
};

// Files named R_*.sql hold functions (code, no data): they are applied after the versioned
// files, again whenever their text changes (digest in _basalt.bootstrap_code), so an upgraded
// binary brings its functions to an existing database.
bool is_repeatable(std::string_view file_name);

// The version of a bootstrap file: its leading digits ("0007_storage.sql" -> 7).
Result<int> bootstrap_version(std::string_view file_name);

// Applies each file whose version is not in _basalt.bootstrap, in order, one transaction per
// file (the text as one multi-statement query, then its row), then each repeatable file whose
// text changed. Returns how many were applied.
Result<int> apply_bootstrap(PgSync& conn, const std::vector<EmbeddedSql>& files,
                            const Progress& progress);

// The compiled-in files (embedded_sql()).
Result<int> apply_bootstrap(PgSync& conn, const Progress& progress);

// Roles whose password an embedded Postgres sets, as Supabase local does (those that exist).
const std::vector<std::string_view>& password_roles();

// Sets `password` on every role of password_roles() that exists. The password is never logged
// nor put in an error.
Status set_role_passwords(PgSync& conn, std::string_view password);

}  // namespace basalt::platform
