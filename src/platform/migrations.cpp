#include "platform/migrations.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <glob.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "platform/bootstrap.hpp"
#include "platform/sql_split.hpp"

namespace basalt::platform {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kUndefinedTable = "42P01";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Error io_error(std::string message) {
  return Error::make(500, "io_error", std::move(message));
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(fmt::format("cannot read {}", path.string()));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return io_error(fmt::format("cannot read {}", path.string()));
  return buf.str();
}

// One line, at most `limit` bytes (not cutting a UTF-8 sequence), for error messages.
std::string excerpt(std::string_view text, std::size_t limit = 200) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

// The statement with a caret under Postgres's error position, for the log.
std::string mark_position(std::string_view stmt, int position) {
  if (position <= 0) return std::string(stmt);
  std::size_t at = byte_offset_of_position(stmt, position);
  std::size_t line_start = stmt.rfind('\n', at == 0 ? 0 : at - 1);
  line_start = line_start == std::string_view::npos || at == 0 ? 0 : line_start + 1;
  std::size_t line_end = stmt.find('\n', at);
  if (line_end == std::string_view::npos) line_end = stmt.size();
  std::string out(stmt.substr(0, line_end));
  out += '\n';
  out += std::string(at - line_start, ' ');
  out += '^';
  if (line_end < stmt.size()) out += std::string(stmt.substr(line_end));
  return out;
}

// A failing statement of file `label` (e.g. "migration 2024..._x.sql"): names the file, the
// statement and where it is, and carries Postgres's code, detail and hint.
Error statement_error(std::string_view label, std::string_view file_text, const SqlStatement& st,
                      std::size_t index, int position, Error pg) {
  std::size_t at = st.offset;
  if (position > 0) at += byte_offset_of_position(st.text, position);
  Error e = pg;
  e.message =
      fmt::format("{} failed at statement {} (line {}): {} (SQLSTATE {}): {}", label, index + 1,
                  line_of_offset(file_text, at), pg.message, pg.code, excerpt(st.text));
  e.internal = mark_position(st.text, position);
  return e;
}

// Runs `sql` (several statements) as one transaction; rolls back if any fails.
Status exec_in_transaction(PgSync& conn, std::string_view sql) {
  auto r = conn.exec(fmt::format("BEGIN; {}; COMMIT", sql));
  if (!r) {
    Error e = std::move(r).error();
    (void)conn.exec("ROLLBACK");
    return e;
  }
  return {};
}

Status create_history_schema(PgSync& conn, std::string_view table_sql) {
  return exec_in_transaction(conn, fmt::format("SET LOCAL lock_timeout = '4s';"
                                               "CREATE SCHEMA IF NOT EXISTS supabase_migrations;{}",
                                               table_sql));
}

// The statements of one file, then `record` (the history/hash row), in one transaction.
Status run_file(PgSync& conn, std::string_view label, std::string_view text,
                const std::vector<SqlStatement>& statements, bool run_statements,
                std::string_view record_sql, const std::vector<std::optional<std::string>>& args) {
  if (auto b = conn.exec("BEGIN"); !b) return std::move(b).error();
  if (run_statements) {
    for (std::size_t i = 0; i < statements.size(); ++i) {
      auto r = conn.exec_params(statements[i].text);
      if (!r) {
        Error e = statement_error(label, text, statements[i], i, conn.last_failure().position,
                                  std::move(r).error());
        (void)conn.exec("ROLLBACK");
        return e;
      }
    }
  }
  auto rec = conn.exec_params(record_sql, args);
  if (!rec) {
    Error e = std::move(rec).error();
    e.message = fmt::format("{}: could not record it: {} (SQLSTATE {})", label, e.message, e.code);
    (void)conn.exec("ROLLBACK");
    return e;
  }
  if (auto c = conn.exec("COMMIT"); !c) {
    Error e = std::move(c).error();
    e.message = fmt::format("{} failed at commit: {} (SQLSTATE {})", label, e.message, e.code);
    (void)conn.exec("ROLLBACK");
    return e;
  }
  return {};
}

// CLI compatibility: a first migration `<14 digits>_init.sql` older than this was the old
// CLI's own initial schema and is not applied.
bool legacy_init(std::string_view filename) {
  for (std::size_t at = filename.find("_init.sql"); at != std::string_view::npos;
       at = filename.find("_init.sql", at + 1)) {
    if (at < 14 || !all_digits(filename.substr(at - 14, 14))) continue;
    std::uint64_t ts = 0;
    std::from_chars(filename.data() + at - 14, filename.data() + at, ts);
    return ts < 20211209000000ull;
  }
  return false;
}

bool valid_time(int y, int mo, int d, int h, int mi, int s) {
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max_day = days[mo - 1] + (mo == 2 && leap ? 1 : 0);
  return d <= max_day;
}

std::string glob_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::optional<MigrationName> parse_migration_filename(std::string_view filename) {
  std::size_t digits = 0;
  while (digits < filename.size() && filename[digits] >= '0' && filename[digits] <= '9') ++digits;
  if (digits == 0 || digits >= filename.size() || filename[digits] != '_') return std::nullopt;
  std::string_view rest = filename.substr(digits + 1);
  if (!rest.ends_with(".sql") || rest.find('\n') != std::string_view::npos) return std::nullopt;
  return MigrationName{std::string(filename.substr(0, digits)),
                       std::string(rest.substr(0, rest.size() - 4))};
}

Result<LocalMigrations> list_local_migrations(const fs::path& dir) {
  LocalMigrations out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  std::vector<std::pair<std::string, bool>> entries;  // name, is a folder
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    entries.emplace_back(it->path().filename().string(), it->is_directory(type_ec));
  }
  if (ec) return io_error(fmt::format("cannot read {}: {}", dir.string(), ec.message()));
  std::sort(entries.begin(), entries.end());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [name, is_dir] = entries[i];
    if (is_dir) continue;
    if (i == 0 && legacy_init(name)) {
      out.warnings.push_back(fmt::format(
          "Skipping migration {}: a first <timestamp>_init.sql older than 2021-12-09 is the old "
          "CLI's initial schema (rename it to apply it)",
          name));
      continue;
    }
    auto parsed = parse_migration_filename(name);
    if (!parsed) {
      out.warnings.push_back(fmt::format(
          "Skipping migration {}: its name must look like <timestamp>_<name>.sql", name));
      continue;
    }
    out.files.push_back({parsed->version, parsed->name, dir / name});
  }
  return out;
}

Result<std::vector<std::string>> list_applied_migrations(PgSync& conn) {
  auto r = conn.exec("SELECT version FROM supabase_migrations.schema_migrations ORDER BY version");
  if (!r) {
    if (r.error().code == kUndefinedTable) return std::vector<std::string>{};
    return std::move(r).error();
  }
  std::vector<std::string> out;
  for (int i = 0; i < r->rows(); ++i) out.emplace_back(r->get(i, 0));
  return out;
}

Result<int> apply_migrations(PgSync& conn, const fs::path& migrations_dir,
                             const Progress& progress) {
  auto local = list_local_migrations(migrations_dir);
  if (!local) return std::move(local).error();
  for (const auto& w : local->warnings) progress.warning(w);
  if (local->files.empty()) return 0;

  auto lock = SchemaLock::acquire(conn);
  if (!lock) return std::move(lock).error();
  auto applied_list = list_applied_migrations(conn);
  if (!applied_list) return std::move(applied_list).error();
  std::set<std::string> applied(applied_list->begin(), applied_list->end());
  std::vector<const LocalMigration*> pending;
  for (const auto& m : local->files) {
    if (!applied.count(m.version)) pending.push_back(&m);
  }
  if (pending.empty()) return 0;
  if (!applied_list->empty()) {
    const std::string& last = applied_list->back();
    for (const auto* m : pending) {
      if (m->version < last) {
        progress.warning(
            fmt::format("Migration {} is older than the last applied one ({}); applying it anyway",
                        m->path.filename().string(), last));
      }
    }
  }
  if (auto s = create_history_schema(
          conn,
          "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations"
          " (version text NOT NULL PRIMARY KEY);"
          "ALTER TABLE supabase_migrations.schema_migrations"
          " ADD COLUMN IF NOT EXISTS statements text[];"
          "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text");
      !s) {
    Error e = std::move(s).error();
    e.message = "could not create the migration history table: " + e.message;
    return e;
  }

  int count = 0;
  for (const auto* m : pending) {
    std::string filename = m->path.filename().string();
    progress.say(fmt::format("Applying migration {}...", filename));
    std::string label = "migration " + filename;
    // A previous file may have changed session settings (search_path ...); start clean.
    if (auto r = conn.exec("RESET ALL"); !r) return std::move(r).error();
    auto text = read_file(m->path);
    if (!text) return std::move(text).error();
    auto statements = split_sql(*text);
    if (!statements) {
      Error e = std::move(statements).error();
      e.message = label + ": " + e.message;
      return e;
    }
    std::vector<std::string> texts;
    for (const auto& st : *statements) texts.push_back(st.text);
    auto s = run_file(conn, label, *text, *statements, true,
                      "INSERT INTO supabase_migrations.schema_migrations (version, name, "
                      "statements) VALUES ($1, $2, $3::text[])",
                      {m->version, m->name, text_array_literal(texts)});
    if (!s) return std::move(s).error();
    ++count;
  }
  if (auto n = conn.exec("NOTIFY pgrst, 'reload schema'"); !n) return std::move(n).error();
  return count;
}

std::string migration_timestamp(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}{:02}{:02}{:02}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<fs::path> migration_new(const fs::path& dir, std::string_view name,
                               std::chrono::system_clock::time_point now,
                               std::string_view contents) {
  if (name.empty() || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos || name.find('\n') != std::string_view::npos) {
    return Error::make(400, "invalid_name",
                       fmt::format("invalid migration name \"{}\": it must be non-empty and "
                                   "hold no '/' or line break",
                                   name));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return io_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  fs::path path = dir / fmt::format("{}_{}.sql", migration_timestamp(now), name);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return io_error(fmt::format("cannot create {}: {}", path.string(),
                                std::error_code(errno, std::generic_category()).message()));
  }
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return io_error(fmt::format("cannot write {}", path.string()));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return path;
}

std::string format_version_time(std::string_view v) {
  if (v.size() != 14 || !all_digits(v)) return std::string(v);
  auto num = [&](std::size_t at, std::size_t len) {
    int x = 0;
    std::from_chars(v.data() + at, v.data() + at + len, x);
    return x;
  };
  int y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(8, 2), mi = num(10, 2), s = num(12, 2);
  if (!valid_time(y, mo, d, h, mi, s)) return std::string(v);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", y, mo, d, h, mi, s);
}

std::vector<MigrationListRow> migration_list_rows(const std::vector<std::string>& local,
                                                  const std::vector<std::string>& remote) {
  auto as_number = [](const std::string& s, long long* out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::vector<MigrationListRow> rows;
  std::size_t i = 0, j = 0;  // i: remote, j: local
  while (i < remote.size() || j < local.size()) {
    long long r = LLONG_MAX, l = LLONG_MAX;
    if (i < remote.size() && !as_number(remote[i], &r)) {
      ++i;
      continue;
    }
    if (j < local.size() && !as_number(local[j], &l)) {
      ++j;
      continue;
    }
    if (l < r) {
      rows.push_back({local[j], "", format_version_time(local[j])});
      ++j;
    } else if (r < l) {
      rows.push_back({"", remote[i], format_version_time(remote[i])});
      ++i;
    } else {
      rows.push_back({local[j], remote[i], format_version_time(remote[i])});
      ++i;
      ++j;
    }
  }
  return rows;
}

SeedFiles resolve_seed_files(const fs::path& supabase_dir,
                             const std::vector<std::string>& patterns) {
  SeedFiles out;
  fs::path base = supabase_dir.lexically_normal();
  if (base.has_filename() == false) base = base.parent_path();
  std::set<std::string> seen;
  for (const auto& pattern : patterns) {
    if (pattern.empty()) continue;
    bool absolute = fs::path(pattern).is_absolute();
    std::string full = absolute ? pattern : glob_escape(base.string()) + "/" + pattern;
    glob_t g{};
    int rc = ::glob(full.c_str(), GLOB_PERIOD, nullptr, &g);
    std::vector<std::string> matches;
    if (rc == 0) {
      for (std::size_t k = 0; k < g.gl_pathc; ++k) matches.emplace_back(g.gl_pathv[k]);
    }
    globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      out.warnings.push_back(fmt::format("cannot expand seed pattern {}", pattern));
      continue;
    }
    if (matches.empty()) {
      out.warnings.push_back(fmt::format("no files matched pattern: {}", pattern));
      continue;
    }
    std::sort(matches.begin(), matches.end());
    for (const auto& m : matches) {
      fs::path file = fs::path(m).lexically_normal();
      std::error_code ec;
      if (!fs::is_regular_file(file, ec)) {
        out.warnings.push_back(fmt::format("seed path {} is not a file; skipped", m));
        continue;
      }
      std::string recorded = absolute ? file.generic_string()
                                      : (base.filename() / file.lexically_relative(base))
                                            .lexically_normal()
                                            .generic_string();
      if (seen.insert(recorded).second) out.files.push_back({file, recorded});
    }
  }
  return out;
}

Result<std::string> sha256_file(const fs::path& file) {
  auto text = read_file(file);
  if (!text) return std::move(text).error();
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_Digest(text->data(), text->size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
    return io_error("sha256 failed");
  }
  std::string hex;
  for (unsigned int k = 0; k < len; ++k) hex += fmt::format("{:02x}", md[k]);
  return hex;
}

Status apply_seed(PgSync& conn, const fs::path& supabase_dir, const config::SeedConfig& seed,
                  const Progress& progress) {
  if (!seed.enabled) return {};
  SeedFiles files = resolve_seed_files(supabase_dir, seed.sql_paths);
  for (const auto& w : files.warnings) progress.warning(w);
  if (files.files.empty()) return {};

  auto lock = SchemaLock::acquire(conn);
  if (!lock) return std::move(lock).error();
  std::map<std::string, std::string> recorded;
  auto rows = conn.exec("SELECT path, hash FROM supabase_migrations.seed_files");
  if (rows) {
    for (int i = 0; i < rows->rows(); ++i) {
      recorded.emplace(std::string(rows->get(i, 0)), std::string(rows->get(i, 1)));
    }
  } else if (rows.error().code != kUndefinedTable) {
    return std::move(rows).error();
  }

  struct Pending {
    const SeedFileMatch* file;
    std::string hash;
    bool dirty;
  };
  std::vector<Pending> pending;
  for (const auto& f : files.files) {
    auto hash = sha256_file(f.file);
    if (!hash) return std::move(hash).error();
    auto it = recorded.find(f.recorded);
    if (it != recorded.end() && it->second == *hash) continue;
    pending.push_back({&f, *hash, it != recorded.end()});
  }
  if (pending.empty()) return {};
  if (auto s = create_history_schema(conn,
                                     "CREATE TABLE IF NOT EXISTS supabase_migrations.seed_files"
                                     " (path text NOT NULL PRIMARY KEY, hash text NOT NULL)");
      !s) {
    Error e = std::move(s).error();
    e.message = "could not create the seed history table: " + e.message;
    return e;
  }
  static constexpr std::string_view kUpsert =
      "INSERT INTO supabase_migrations.seed_files (path, hash) VALUES ($1, $2)"
      " ON CONFLICT (path) DO UPDATE SET hash = EXCLUDED.hash";
  for (const auto& p : pending) {
    std::string label = "seed " + p.file->recorded;
    if (p.dirty) {
      progress.say(fmt::format("Updating seed hash to {}...", p.file->recorded));
      auto s = run_file(conn, label, {}, {}, false, kUpsert, {p.file->recorded, p.hash});
      if (!s) return std::move(s).error();
      continue;
    }
    progress.say(fmt::format("Seeding data from {}...", p.file->recorded));
    if (auto r = conn.exec("RESET ALL"); !r) return std::move(r).error();
    auto text = read_file(p.file->file);
    if (!text) return std::move(text).error();
    auto statements = split_sql(*text);
    if (!statements) {
      Error e = std::move(statements).error();
      e.message = label + ": " + e.message;
      return e;
    }
    auto s = run_file(conn, label, *text, *statements, true, kUpsert, {p.file->recorded, p.hash});
    if (!s) return std::move(s).error();
  }
  return {};
}

}  // namespace basalt::platform
