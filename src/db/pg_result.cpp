#include "db/pg_result.hpp"

#include <cstdlib>

namespace basalt::db {

long PgResult::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return (n && *n) ? std::strtol(n, nullptr, 10) : 0;
}

namespace {
std::string field(const PGresult* r, int code) {
  const char* v = PQresultErrorField(r, code);
  return v ? v : "";
}
}  // namespace

Error error_from_result(const PGresult* r) {
  Error e;
  e.status = 500;
  e.code = field(r, PG_DIAG_SQLSTATE);
  e.message = field(r, PG_DIAG_MESSAGE_PRIMARY);
  e.details = field(r, PG_DIAG_MESSAGE_DETAIL);
  e.hint = field(r, PG_DIAG_MESSAGE_HINT);
  if (e.message.empty()) {
    const char* m = PQresultErrorMessage(r);
    e.message = m ? m : "unknown database error";
  }
  if (e.code.empty()) e.code = "XX000";
  return e;
}

Error connection_error(std::string internal) {
  Error e = Error::make(503, "08006", "Database connection lost or unavailable");
  e.internal = std::move(internal);
  return e;
}

bool is_connection_error(const Error& e) {
  return e.code.size() == 5 && e.code.starts_with("08");
}

}  // namespace basalt::db
