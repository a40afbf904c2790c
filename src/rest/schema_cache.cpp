#include "rest/schema_cache.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

#include "common/log.hpp"

namespace basalt::rest {

const Column* Table::find_column(std::string_view column) const {
  for (const auto& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

std::vector<const RoutineParam*> Routine::input_params() const {
  std::vector<const RoutineParam*> out;
  for (const auto& p : params) {
    if (p.is_input()) out.push_back(&p);
  }
  return out;
}

std::size_t Routine::required_input_count() const {
  std::size_t n = 0;
  for (const auto& p : params) {
    if (p.is_input() && !p.has_default && p.mode != RoutineParam::Mode::variadic) ++n;
  }
  return n;
}

bool Routine::returns_void() const {
  return !returns.set_of && returns.type.schema == "pg_catalog" && returns.type.name == "void";
}

std::optional<QualifiedName> Routine::table_name() const {
  if (!returns.composite || !returns.is_table_row) return std::nullopt;
  return returns.type;
}

// ---- SchemaCache ----

namespace {

std::size_t input_count(const Routine& r) {
  return static_cast<std::size_t>(
      std::count_if(r.params.begin(), r.params.end(), [](const auto& p) { return p.is_input(); }));
}

}  // namespace

SchemaCache::SchemaCache(std::vector<std::string> schemas, std::vector<Table> tables,
                         std::vector<Relationship> relationships, std::vector<Routine> routines)
    : schemas_(std::move(schemas)),
      tables_(std::move(tables)),
      relationships_(std::move(relationships)),
      routines_(std::move(routines)) {
  std::sort(tables_.begin(), tables_.end(), [](const Table& a, const Table& b) {
    return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
  });
  std::stable_sort(relationships_.begin(), relationships_.end(),
                   [](const Relationship& a, const Relationship& b) {
                     if (a.source != b.source) return a.source < b.source;
                     return a.target < b.target;
                   });
  // Overloads with fewer parameters first, as PostgREST orders them.
  std::stable_sort(routines_.begin(), routines_.end(), [](const Routine& a, const Routine& b) {
    const auto na = input_count(a);
    const auto nb = input_count(b);
    return std::tie(a.schema, a.name, na, a.oid) < std::tie(b.schema, b.name, nb, b.oid);
  });
}

bool SchemaCache::is_exposed(std::string_view schema) const {
  return std::find(schemas_.begin(), schemas_.end(), schema) != schemas_.end();
}

const Table* SchemaCache::find_table(std::string_view schema, std::string_view name) const {
  auto it = std::lower_bound(
      tables_.begin(), tables_.end(), std::pair{schema, name}, [](const Table& t, const auto& key) {
        return std::pair<std::string_view, std::string_view>(t.schema, t.name) < key;
      });
  if (it == tables_.end() || it->schema != schema || it->name != name) return nullptr;
  return &*it;
}

std::span<const Routine> SchemaCache::find_routines(std::string_view schema,
                                                    std::string_view name) const {
  using Key = std::pair<std::string_view, std::string_view>;
  const Key key{schema, name};
  auto lo =
      std::lower_bound(routines_.begin(), routines_.end(), key,
                       [](const Routine& r, const Key& k) { return Key(r.schema, r.name) < k; });
  auto hi = std::upper_bound(lo, routines_.end(), key, [](const Key& k, const Routine& r) {
    return k < Key(r.schema, r.name);
  });
  return {lo, hi};
}

std::span<const Relationship> SchemaCache::relationships_from(std::string_view schema,
                                                              std::string_view name) const {
  using Key = std::pair<std::string_view, std::string_view>;
  const Key key{schema, name};
  auto lo = std::lower_bound(
      relationships_.begin(), relationships_.end(), key,
      [](const Relationship& r, const Key& k) { return Key(r.source.schema, r.source.name) < k; });
  auto hi = std::upper_bound(
      lo, relationships_.end(), key,
      [](const Key& k, const Relationship& r) { return k < Key(r.source.schema, r.source.name); });
  return {lo, hi};
}

std::vector<const Relationship*> SchemaCache::find_relationships(
    const QualifiedName& from, std::string_view target,
    std::optional<std::string_view> hint) const {
  return match_relationships(relationships_from(from.schema, from.name), from.schema, target, hint);
}

std::optional<std::string> SchemaCache::closest_table(std::string_view schema,
                                                      std::string_view name) const {
  std::vector<std::string> names;
  for (const auto& t : tables_) {
    if (t.schema == schema) names.push_back(t.name);
  }
  // PostgREST builds no fuzzy index for a schema of 500 tables or more: no hint there.
  if (names.size() >= kMaxTablesForHints) return std::nullopt;
  return closest(name, names, kFuzzyNameMinScore);
}

std::optional<std::string> SchemaCache::closest_routine(std::string_view schema,
                                                        std::string_view name) const {
  std::vector<std::string> names;
  for (const auto& r : routines_) {
    if (r.schema == schema && (names.empty() || names.back() != r.name)) names.push_back(r.name);
  }
  return closest(name, names, kFuzzyNameMinScore);
}

std::string SchemaCache::summary() const {
  std::set<std::pair<std::string, std::string>> routine_names;
  for (const auto& r : routines_) routine_names.emplace(r.schema, r.name);
  return std::to_string(tables_.size()) + " Relations, " + std::to_string(relationships_.size()) +
         " Relationships, " + std::to_string(routine_names.size()) + " Functions";
}

// ---- SchemaCacheHolder ----

SchemaCacheHolder::SchemaCacheHolder(std::shared_ptr<db::Pool> pool,
                                     std::vector<std::string> schemas)
    : pool_(std::move(pool)), schemas_(std::move(schemas)) {}

void SchemaCacheHolder::set(std::shared_ptr<const SchemaCache> cache) {
  current_.store(std::move(cache));
}

asio::awaitable<Status> SchemaCacheHolder::reload() {
  // Loads may overlap (a reload request while one runs): the newest-started load wins, so an
  // older snapshot never replaces a newer one.
  const std::uint64_t ticket = ++started_;
  auto loaded = co_await load_schema_cache(*pool_, schemas_);
  if (!loaded) {
    log::warn("schema cache: reload failed, keeping the previous cache: {} {}",
              loaded.error().message, loaded.error().internal);
    co_return std::move(loaded).error();
  }
  const std::string summary = loaded.value()->summary();
  const auto ms = loaded.value()->load_time.count();
  {
    std::lock_guard lock(swap_mutex_);
    if (applied_ > ticket) co_return Status{};  // a newer load already went in
    applied_ = ticket;
    current_.store(std::move(loaded).value());
  }
  reloads_.fetch_add(1);
  // Prepared statements may name dropped objects or bake in old column types.
  pool_->invalidate_prepared();
  log::info("schema cache loaded in {} ms: {}", ms, summary);
  co_return Status{};
}

const RoleSettings* SchemaCache::settings_of(const std::string& role) const {
  auto it = role_settings.find(role);
  return it == role_settings.end() ? nullptr : &it->second;
}

std::optional<bool> SchemaCache::db_config_flag(std::string_view name) const {
  auto it = db_config.find(name);
  if (it == db_config.end()) return std::nullopt;
  std::string v = it->second;
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "on" || v == "yes" || v == "1") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0") return false;
  return std::nullopt;
}

namespace {

std::string media_handler_key(std::string_view schema, std::string_view name,
                              std::string_view key) {
  std::string out;
  out.reserve(schema.size() + name.size() + key.size() + 2);
  out += schema;
  out += '\0';
  out += name;
  out += '\0';
  out += key;
  return out;
}

}  // namespace

std::string MediaHandler::content_type() const {
  if (is_any()) return "application/octet-stream";
  // As PostgREST's toContentType: the standard text types it knows carry a charset.
  for (std::string_view t : {"application/json", "application/geo+json", "text/csv", "text/plain",
                             "text/xml", "application/openapi+json"}) {
    if (key == t) return std::string(t) + "; charset=utf-8";
  }
  return domain;
}

void SchemaCache::add_media_handler(MediaHandler h) {
  std::string k = media_handler_key(h.target.schema, h.target.name, h.key);
  media_handlers_.insert_or_assign(std::move(k), std::move(h));
}

const MediaHandler* SchemaCache::find_media_handler(std::string_view schema, std::string_view name,
                                                    std::string_view key) const {
  if (media_handlers_.empty()) return nullptr;
  auto it = media_handlers_.find(media_handler_key(schema, name, key));
  return it == media_handlers_.end() ? nullptr : &it->second;
}

}  // namespace basalt::rest
