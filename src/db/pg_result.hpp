// Owning wrapper for a libpq PGresult plus the conversion of Postgres errors into values:
// an Error whose code is the SQLSTATE and whose message/details/hint are Postgres's own.
#pragma once
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::db {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}

  bool empty() const { return r_ == nullptr; }
  ExecStatusType status() const { return PQresultStatus(r_.get()); }
  int rows() const { return PQntuples(r_.get()); }
  int columns() const { return PQnfields(r_.get()); }
  std::string_view column_name(int c) const { return PQfname(r_.get(), c); }
  Oid column_type(int c) const { return PQftype(r_.get(), c); }
  int column_index(const char* name) const { return PQfnumber(r_.get(), name); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view get(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
  }
  // Rows affected by INSERT/UPDATE/DELETE (0 when not applicable).
  long affected() const;
  PGresult* raw() const { return r_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_{nullptr, &PQclear};
};

// The Error of a failed result: code = SQLSTATE, message/details/hint from Postgres.
// status is 500 here; each API maps SQLSTATEs to its own HTTP statuses.
Error error_from_result(const PGresult* r);

// A lost or refused connection (SQLSTATE class 08): status 503.
Error connection_error(std::string internal);
bool is_connection_error(const Error& e);

}  // namespace basalt::db
