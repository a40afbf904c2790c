#include "platform/pg_sync.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace basalt::platform {

namespace {

Error connect_error(std::string message) {
  Error e = Error::make(503, "08006", std::move(message));
  return e;
}

// libpq messages end with a newline and may span lines; keep them readable on one line.
std::string one_line(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

}  // namespace

Result<PgSync> PgSync::connect(const std::string& conninfo, std::chrono::seconds timeout) {
  PgSync s;
  // connect_timeout in the string wins if the caller gave one; otherwise ours applies.
  std::string info = conninfo;
  if (info.find("connect_timeout") == std::string::npos && info.find("://") == std::string::npos) {
    info += " connect_timeout=" + std::to_string(std::max<long>(1, timeout.count()));
  }
  s.conn_.reset(PQconnectdb(info.c_str()));
  if (!s.conn_) return connect_error("could not allocate a database connection");
  if (PQstatus(s.conn_.get()) != CONNECTION_OK) {
    return connect_error("could not connect to the database: " +
                         one_line(PQerrorMessage(s.conn_.get())));
  }
  s.notice_ = std::make_unique<std::function<void(std::string_view)>>();
  PQsetNoticeReceiver(s.conn_.get(), &PgSync::on_notice, s.notice_.get());
  return s;
}

void PgSync::on_notice(void* self, const PGresult* r) {
  auto* handler = static_cast<std::function<void(std::string_view)>*>(self);
  if (handler && *handler) (*handler)(one_line(PQresultErrorMessage(r)));
}

void PgSync::set_notice_handler(std::function<void(std::string_view)> handler) {
  if (notice_) *notice_ = std::move(handler);
}

Result<db::PgResult> PgSync::check(PGresult* raw) {
  db::PgResult r(raw);
  last_failure_ = {};
  if (raw == nullptr) {
    return db::connection_error(one_line(PQerrorMessage(conn_.get())));
  }
  switch (r.status()) {
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH: {
      // COPY ... FROM STDIN needs data this API has no way to send: end it and say so.
      bool in = r.status() != PGRES_COPY_OUT;
      if (in) {
        PQputCopyEnd(conn_.get(), "COPY FROM STDIN is not supported here");
      } else {
        char* buf = nullptr;
        while (PQgetCopyData(conn_.get(), &buf, 0) > 0) PQfreemem(buf);
      }
      db::PgResult last;
      while (PGresult* next = PQgetResult(conn_.get())) last = db::PgResult(next);
      if (!in && (last.empty() || last.status() == PGRES_COMMAND_OK)) return last;
      return Error::make(400, "0A000",
                         "COPY ... FROM STDIN is not supported here: use INSERT statements or "
                         "COPY from a file the server can read");
    }
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:  // a statement that is only a comment, as migrations may hold
      return r;
    default:
      break;
  }
  Error e = db::error_from_result(raw);
  if (const char* pos = PQresultErrorField(raw, PG_DIAG_STATEMENT_POSITION)) {
    last_failure_.position = std::atoi(pos);
  }
  if (PQstatus(conn_.get()) != CONNECTION_OK && e.code == "XX000") {
    e = db::connection_error(one_line(PQerrorMessage(conn_.get())));
  }
  return e;
}

Result<db::PgResult> PgSync::exec(std::string_view sql) {
  std::string text(sql);
  return check(PQexec(conn_.get(), text.c_str()));
}

Result<db::PgResult> PgSync::exec_params(std::string_view sql,
                                         const std::vector<std::optional<std::string>>& params) {
  std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return check(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
}

Result<std::string> PgSync::quote_literal(std::string_view text) {
  char* q = PQescapeLiteral(conn_.get(), text.data(), text.size());
  if (!q)
    return Error::make(500, "22021",
                       "could not quote a value: " + one_line(PQerrorMessage(conn_.get())));
  std::string out(q);
  PQfreemem(q);
  return out;
}

Result<std::string> PgSync::quote_identifier(std::string_view name) {
  char* q = PQescapeIdentifier(conn_.get(), name.data(), name.size());
  if (!q)
    return Error::make(500, "22021",
                       "could not quote a name: " + one_line(PQerrorMessage(conn_.get())));
  std::string out(q);
  PQfreemem(q);
  return out;
}

Result<std::string> PgSync::scram_verifier(std::string_view password, std::string_view role) {
  std::string pw(password), user(role);
  char* v = PQencryptPasswordConn(conn_.get(), pw.c_str(), user.c_str(), "scram-sha-256");
  if (!v)
    return Error::make(500, "XX000",
                       "could not hash a password: " + one_line(PQerrorMessage(conn_.get())));
  std::string out(v);
  PQfreemem(v);
  return out;
}

std::string conninfo_pair(std::string_view key, std::string_view value) {
  std::string out(key);
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string text_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace basalt::platform
