#include "db/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace basalt::db {

using asio::posix::stream_descriptor;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {
// libpq prints NOTICEs to stderr by default; requests must not write to our log that way.
void ignore_notice(void*, const char*) {}

std::string pq_message(PGconn* c) {
  std::string m = PQerrorMessage(c);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}
}  // namespace

Connection::Connection(asio::any_io_executor ex, PGconn* conn) : conn_(conn), socket_(ex) {
  socket_.assign(PQsocket(conn_));
}

Connection::~Connection() {
  // libpq owns the file descriptor: take it back from Asio before PQfinish closes it.
  boost::system::error_code ec;
  socket_.cancel(ec);
  socket_.release();
  PQfinish(conn_);
}

asio::awaitable<Result<std::unique_ptr<Connection>>> Connection::open(asio::any_io_executor ex,
                                                                      std::string conninfo,
                                                                      int timeout_ms) {
  PGconn* c = PQconnectStart(conninfo.c_str());
  if (c == nullptr) co_return connection_error("libpq could not allocate a connection");
  if (PQstatus(c) == CONNECTION_BAD) {
    auto err = connection_error(pq_message(c));
    PQfinish(c);
    co_return err;
  }
  PQsetNoticeProcessor(c, &ignore_notice, nullptr);
  asio::steady_timer deadline(ex, std::chrono::milliseconds(timeout_ms));
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) {
      auto err = connection_error(pq_message(c));
      PQfinish(c);
      co_return err;
    }
    // The socket may change while libpq tries addresses, so watch it afresh each round.
    stream_descriptor sd(ex, PQsocket(c));
    auto what =
        st == PGRES_POLLING_READING ? stream_descriptor::wait_read : stream_descriptor::wait_write;
    // Whichever finishes first: the socket is ready, or the deadline passed.
    auto waited = co_await asio::experimental::make_parallel_group(
                      sd.async_wait(what, asio::deferred), deadline.async_wait(asio::deferred))
                      .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    sd.release();
    if (std::get<0>(waited)[0] == 1) {
      PQfinish(c);
      co_return connection_error("timed out connecting to Postgres");
    }
    st = PQconnectPoll(c);
  }
  if (PQsetnonblocking(c, 1) != 0 || PQenterPipelineMode(c) != 1) {
    auto err = connection_error(pq_message(c));
    PQfinish(c);
    co_return err;
  }
  co_return std::unique_ptr<Connection>(new Connection(ex, c));
}

bool Connection::alive() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  if (PQconsumeInput(conn_) == 0) return false;
  // Parse what arrived (an admin-shutdown FATAL, say) so the status reflects it.
  (void)PQisBusy(conn_);
  while (PGnotify* n = PQnotifies(conn_)) PQfreemem(n);
  return PQstatus(conn_) == CONNECTION_OK;
}

asio::awaitable<bool> Connection::wait_readable() {
  auto [ec] = co_await socket_.async_wait(stream_descriptor::wait_read, kTuple);
  co_return !ec;
}

asio::awaitable<Status> Connection::flush() {
  for (;;) {
    int r = PQflush(conn_);
    if (r == 0) co_return Status{};
    if (r < 0) co_return connection_error(pq_message(conn_));
    // The server may be blocked writing results to us while we write to it: read what has
    // arrived before waiting to write more.
    if (PQconsumeInput(conn_) == 0) co_return connection_error(pq_message(conn_));
    auto [ec] = co_await socket_.async_wait(stream_descriptor::wait_write, kTuple);
    if (ec) co_return connection_error("waiting to write to Postgres: " + ec.message());
  }
}

asio::awaitable<Result<PgResult>> Connection::next_result() {
  while (PQisBusy(conn_)) {
    // (co_await is kept out of conditions: GCC 12 miscompiles it there.)
    const bool readable = co_await wait_readable();
    if (!readable || PQconsumeInput(conn_) == 0) {
      co_return connection_error(pq_message(conn_));
    }
  }
  co_return PgResult(PQgetResult(conn_));
}

asio::awaitable<Result<std::vector<PgResult>>> Connection::pipeline(
    std::span<const Statement> statements) {
  if (PQstatus(conn_) != CONNECTION_OK) co_return connection_error("connection is closed");

  // What went on the wire, in order: each entry yields one result followed by a NULL.
  struct Sent {
    std::size_t statement;  // index into statements
    bool prepare;
  };
  std::vector<Sent> sent;
  std::vector<std::pair<std::string, std::string>> new_names;  // recorded when PREPARE succeeds
  if (reset_prepared_) {
    // On its own Sync: inside the request's pipeline it would open the implicit transaction
    // before the request's BEGIN (and break BEGIN ISOLATION LEVEL ...).
    reset_prepared_ = false;
    prepared_.clear();
    static constexpr Statement kDeallocate{"DEALLOCATE ALL", {}, false};
    auto dealloc = co_await pipeline(std::span(&kDeallocate, 1));
    if (!dealloc) co_return std::move(dealloc).error();
  }
  std::vector<const char*> values;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const Statement& st = statements[i];
    values.clear();
    for (const Param& p : st.params) values.push_back(p ? p->c_str() : nullptr);
    const int n = static_cast<int>(values.size());
    const char* const* v = values.empty() ? nullptr : values.data();
    int ok = 0;
    std::string sql(st.sql);
    const std::string* name = nullptr;
    if (st.prepare) {
      if (auto it = prepared_.find(sql); it != prepared_.end()) {
        name = &it->second;
      } else if (prepared_.size() + new_names.size() < kMaxPrepared) {
        new_names.emplace_back(sql, "b" + std::to_string(next_name_++));
        name = &new_names.back().second;
        if (PQsendPrepare(conn_, name->c_str(), sql.c_str(), n, nullptr) != 1) {
          co_return connection_error(pq_message(conn_));
        }
        sent.push_back({i, true});
      }
    }
    if (name != nullptr) {
      ok = PQsendQueryPrepared(conn_, name->c_str(), n, v, nullptr, nullptr, 0);
    } else {
      ok = PQsendQueryParams(conn_, sql.c_str(), n, nullptr, v, nullptr, nullptr, 0);
    }
    if (ok != 1) co_return connection_error(pq_message(conn_));
    sent.push_back({i, false});
  }
  if (PQpipelineSync(conn_) != 1) co_return connection_error(pq_message(conn_));
  auto flushed = co_await flush();
  if (!flushed) co_return std::move(flushed).error();

  std::vector<PgResult> results(statements.size());
  std::optional<Error> first_error;
  std::size_t prepare_index = 0;
  for (const Sent& s : sent) {
    auto r = co_await next_result();
    if (!r) co_return std::move(r).error();
    PgResult res = std::move(r).value();
    if (res.empty()) co_return connection_error("protocol: missing result in pipeline");
    const auto status = res.status();
    if (status == PGRES_FATAL_ERROR) {
      if (!first_error) first_error = error_from_result(res.raw());
    } else if (s.prepare && status == PGRES_COMMAND_OK) {
      // Only a Parse that ran: after an error the server skips the rest of the pipeline and
      // libpq reports PGRES_PIPELINE_ABORTED, so the statement was never created.
      auto& [sql, name] = new_names[prepare_index];
      prepared_.emplace(std::move(sql), std::move(name));
    }
    if (s.prepare) ++prepare_index;
    if (!s.prepare) results[s.statement] = std::move(res);
    // Every command's results end with a NULL.
    auto end = co_await next_result();
    if (!end) co_return std::move(end).error();
    if (!end->empty()) co_return connection_error("protocol: more than one result for a statement");
  }
  auto sync = co_await next_result();
  if (!sync) co_return std::move(sync).error();
  if (sync->empty() || sync->status() != PGRES_PIPELINE_SYNC) {
    co_return connection_error("protocol: pipeline sync not received");
  }

  if (first_error) {
    if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
      // Leave the connection clean: a failed explicit transaction must be rolled back.
      static constexpr Statement kRollback{"ROLLBACK", {}, false};
      auto rb = co_await pipeline(std::span(&kRollback, 1));
      if (!rb && is_connection_error(rb.error())) co_return std::move(rb).error();
    }
    co_return std::move(*first_error);
  }
  co_return results;
}

}  // namespace basalt::db
