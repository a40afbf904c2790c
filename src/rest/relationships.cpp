#include "rest/relationships.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_set>

namespace basalt::rest {

bool Relationship::to_one() const {
  if (function) return single_row;
  return cardinality == Cardinality::many_to_one || cardinality == Cardinality::one_to_one;
}

namespace {

using ColumnRef = std::pair<QualifiedName, std::string>;

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<ColumnPair> swapped(const std::vector<ColumnPair>& cols) {
  std::vector<ColumnPair> out;
  out.reserve(cols.size());
  for (const auto& c : cols) out.push_back({c.target, c.source});
  return out;
}

// All ways to pick one view column per key column: a key column the view exposes twice
// (select id as a, id as b) gives one relationship per choice, as PostgREST does.
std::vector<std::vector<std::string>> expand_choices(
    const std::vector<std::vector<std::string>>& options) {
  std::vector<std::vector<std::string>> out{{}};
  for (const auto& opts : options) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : out) {
      for (const auto& o : opts) {
        auto p = prefix;
        p.push_back(o);
        next.push_back(std::move(p));
      }
    }
    out = std::move(next);
    if (out.empty()) break;
  }
  return out;
}

// For each view: its columns grouped by their ultimate origin column.
struct ViewOrigins {
  // (view) -> (origin table, origin column) -> view columns in view order
  std::map<QualifiedName, std::map<ColumnRef, std::vector<std::string>>> by_view;
  // (origin table) -> views with columns from it, and the reverse
  std::map<QualifiedName, std::set<QualifiedName>> views_by_table;
  std::map<QualifiedName, std::set<QualifiedName>> tables_by_view;

  const std::set<QualifiedName>& views_over(const QualifiedName& table) const {
    static const std::set<QualifiedName> none;
    auto it = views_by_table.find(table);
    return it == views_by_table.end() ? none : it->second;
  }
  const std::set<QualifiedName>& tables_of(const QualifiedName& view) const {
    static const std::set<QualifiedName> none;
    auto it = tables_by_view.find(view);
    return it == tables_by_view.end() ? none : it->second;
  }

  // The view columns exposing each of `key_columns` of `table`, or nothing when one is
  // missing (partial keys give no view key).
  std::optional<std::vector<std::vector<std::string>>> key_columns(
      const std::map<ColumnRef, std::vector<std::string>>& origins, const QualifiedName& table,
      const std::vector<std::string>& key_columns) const {
    std::vector<std::vector<std::string>> out;
    for (const auto& col : key_columns) {
      auto it = origins.find(ColumnRef{table, col});
      if (it == origins.end()) return std::nullopt;
      out.push_back(it->second);
    }
    return out;
  }
};

ViewOrigins group_view_origins(const CatalogModel& model) {
  ViewOrigins vo;
  auto resolved = resolve_view_columns(model);
  // Keep the view's column order: iterate the input, which lists columns in order.
  for (const auto& vc : model.view_columns) {
    auto it = resolved.find(ColumnRef{vc.view, vc.column});
    if (it == resolved.end()) continue;
    auto& cols = vo.by_view[vc.view][it->second];
    if (!contains(cols, vc.column)) cols.push_back(vc.column);
    vo.views_by_table[it->second.first].insert(vc.view);
    vo.tables_by_view[vc.view].insert(it->second.first);
  }
  return vo;
}

struct RelationIndex {
  std::map<QualifiedName, const RelationInfo*> by_name;
  bool is_view(const QualifiedName& n) const {
    auto it = by_name.find(n);
    return it != by_name.end() && it->second->is_view;
  }
};

}  // namespace

std::map<std::pair<QualifiedName, std::string>, std::pair<QualifiedName, std::string>>
resolve_view_columns(const CatalogModel& model) {
  std::map<ColumnRef, ColumnRef> direct;
  for (const auto& vc : model.view_columns) {
    direct.emplace(ColumnRef{vc.view, vc.column}, ColumnRef{vc.source, vc.source_column});
  }
  std::map<ColumnRef, ColumnRef> out;
  for (const auto& [from, first] : direct) {
    ColumnRef cur = first;
    // Follow views on views; a definition cycle (possible through CREATE OR REPLACE tricks)
    // stops at the first repeat.
    std::set<ColumnRef> seen{from};
    for (;;) {
      auto next = direct.find(cur);
      if (next == direct.end() || !seen.insert(cur).second) break;
      cur = next->second;
    }
    out.emplace(from, std::move(cur));
  }
  return out;
}

DerivedRelationships derive_relationships(const CatalogModel& model,
                                          const std::vector<std::string>& exposed_schemas) {
  DerivedRelationships result;
  RelationIndex index;
  for (const auto& r : model.relations) index.by_name.emplace(r.name, &r);

  // One-to-one: the FK columns are exactly a PK or unique key of the referencing table.
  std::map<QualifiedName, std::vector<std::vector<std::string>>> unique_sets;
  for (const auto& u : model.unique_keys) unique_sets[u.table].push_back(sorted(u.columns));
  for (const auto& r : model.relations) {
    if (!r.is_view && !r.primary_key.empty()) {
      unique_sets[r.name].push_back(sorted(r.primary_key));
    }
  }

  // Table-to-table M2O / O2O from each foreign key.
  std::vector<Relationship> base;
  for (const auto& fk : model.foreign_keys) {
    Relationship rel;
    rel.source = fk.table;
    rel.target = fk.foreign_table;
    rel.is_self = fk.table == fk.foreign_table;
    rel.constraint = fk.name;
    rel.columns = fk.columns;
    std::vector<std::string> fk_cols;
    for (const auto& c : fk.columns) fk_cols.push_back(c.source);
    fk_cols = sorted(std::move(fk_cols));
    bool o2o = false;
    if (auto it = unique_sets.find(fk.table); it != unique_sets.end()) {
      o2o = std::find(it->second.begin(), it->second.end(), fk_cols) != it->second.end();
    }
    rel.cardinality = o2o ? Cardinality::one_to_one : Cardinality::many_to_one;
    base.push_back(std::move(rel));
  }

  // Views: which view columns expose which base columns.
  ViewOrigins origins = group_view_origins(model);

  // View primary keys: each base table PK the view exposes in full (in key order, first view
  // column per key column), concatenated when the view joins several tables.
  for (const auto& [view, cols] : origins.by_view) {
    for (const QualifiedName& table : origins.tables_of(view)) {
      auto it = index.by_name.find(table);
      if (it == index.by_name.end() || it->second->is_view) continue;
      const auto& table_pk = it->second->primary_key;
      if (table_pk.empty()) continue;
      auto picked = origins.key_columns(cols, table, table_pk);
      if (!picked) continue;
      auto& pk = result.view_primary_keys[view];
      for (const auto& options : *picked) pk.push_back(options.front());
    }
  }

  std::vector<Relationship> rels = base;
  for (const auto& rel : base) {
    std::vector<std::string> src_cols, tgt_cols;
    for (const auto& c : rel.columns) {
      src_cols.push_back(c.source);
      tgt_cols.push_back(c.target);
    }
    // Views exposing all FK columns of the referencing table, and views exposing all
    // referenced columns of the referenced table.
    std::vector<std::pair<QualifiedName, std::vector<std::string>>> src_views, tgt_views;
    for (const QualifiedName& view : origins.views_over(rel.source)) {
      if (auto s = origins.key_columns(origins.by_view.at(view), rel.source, src_cols)) {
        for (auto& choice : expand_choices(*s)) src_views.emplace_back(view, std::move(choice));
      }
    }
    for (const QualifiedName& view : origins.views_over(rel.target)) {
      if (auto t = origins.key_columns(origins.by_view.at(view), rel.target, tgt_cols)) {
        for (auto& choice : expand_choices(*t)) tgt_views.emplace_back(view, std::move(choice));
      }
    }
    auto make = [&](const QualifiedName& s, const std::vector<std::string>& sc,
                    const QualifiedName& t, const std::vector<std::string>& tc, bool sv, bool tv) {
      Relationship r;
      r.source = s;
      r.target = t;
      r.cardinality = rel.cardinality;
      r.constraint = rel.constraint;
      r.source_is_view = sv;
      r.target_is_view = tv;
      for (std::size_t i = 0; i < sc.size(); ++i) r.columns.push_back({sc[i], tc[i]});
      return r;
    };
    for (const auto& [view, vcols] : src_views) {
      rels.push_back(make(view, vcols, rel.target, tgt_cols, true, false));
    }
    for (const auto& [view, vcols] : tgt_views) {
      rels.push_back(make(rel.source, src_cols, view, vcols, false, true));
    }
    for (const auto& [v1, c1] : src_views) {
      for (const auto& [v2, c2] : tgt_views) {
        auto r = make(v1, c1, v2, c2, true, true);
        r.is_self = v1 == v2;
        rels.push_back(std::move(r));
      }
    }
  }

  // Many-to-many: a junction with M2O relationships to two relations through two different
  // FKs, all of whose junction-side columns belong to the junction's primary key.
  auto primary_key_of = [&](const QualifiedName& n) -> std::vector<std::string> {
    if (auto it = result.view_primary_keys.find(n); it != result.view_primary_keys.end()) {
      return it->second;
    }
    auto it = index.by_name.find(n);
    if (it == index.by_name.end() || it->second->is_view) return {};
    return it->second->primary_key;
  };
  std::map<QualifiedName, std::vector<const Relationship*>> m2o_by_source;
  for (const auto& r : rels) {
    if (r.cardinality == Cardinality::many_to_one) m2o_by_source[r.source].push_back(&r);
  }
  std::vector<Relationship> m2m;
  for (const auto& [junction, outgoing] : m2o_by_source) {
    const auto pk = primary_key_of(junction);
    if (pk.empty()) continue;
    for (const Relationship* a : outgoing) {
      for (const Relationship* b : outgoing) {
        if (a->constraint == b->constraint) continue;
        bool in_pk = true;
        for (const auto& c : a->columns) in_pk = in_pk && contains(pk, c.source);
        for (const auto& c : b->columns) in_pk = in_pk && contains(pk, c.source);
        if (!in_pk) continue;
        Relationship r;
        r.source = a->target;
        r.target = b->target;
        r.cardinality = Cardinality::many_to_many;
        r.is_self = a->target == b->target;
        r.source_is_view = a->target_is_view;
        r.target_is_view = b->target_is_view;
        r.junction = Junction{junction, a->constraint, b->constraint, swapped(a->columns),
                              swapped(b->columns)};
        m2m.push_back(std::move(r));
      }
    }
  }
  rels.insert(rels.end(), m2m.begin(), m2m.end());

  // The other direction of every M2O and O2O.
  const std::size_t n = rels.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Relationship& r = rels[i];
    if (r.cardinality != Cardinality::many_to_one && r.cardinality != Cardinality::one_to_one) {
      continue;
    }
    Relationship inv;
    inv.source = r.target;
    inv.target = r.source;
    inv.is_self = r.is_self;
    inv.source_is_view = r.target_is_view;
    inv.target_is_view = r.source_is_view;
    inv.constraint = r.constraint;
    inv.columns = swapped(r.columns);
    if (r.cardinality == Cardinality::many_to_one) {
      inv.cardinality = Cardinality::one_to_many;
    } else {
      inv.cardinality = Cardinality::one_to_one;
      inv.is_parent = !r.is_parent;
    }
    rels.push_back(std::move(inv));
  }

  // Computed relationships replace FK ones whose target has the function's qualified name.
  std::set<std::pair<QualifiedName, QualifiedName>> overridden;
  for (const auto& c : model.computed) overridden.emplace(c.table, c.function);
  std::vector<Relationship> all;
  all.reserve(rels.size() + model.computed.size());
  for (auto& r : rels) {
    if (!overridden.contains({r.source, r.target})) all.push_back(std::move(r));
  }
  std::set<std::pair<QualifiedName, QualifiedName>> seen_computed;
  for (const auto& c : model.computed) {
    // One function per (row type, name): a second definition cannot exist in Postgres.
    if (!seen_computed.emplace(c.table, c.function).second) continue;
    Relationship r;
    r.source = c.table;
    r.target = c.foreign_table;
    r.function = c.function;
    r.single_row = c.single_row;
    r.is_self = c.table == c.foreign_table;
    r.source_is_view = index.is_view(c.table);
    r.target_is_view = index.is_view(c.foreign_table);
    r.cardinality = c.single_row ? Cardinality::many_to_one : Cardinality::one_to_many;
    all.push_back(std::move(r));
  }

  // Only what the API exposes: source, target and junction in exposed schemas.
  auto exposed = [&](const QualifiedName& q) { return contains(exposed_schemas, q.schema); };
  for (auto& r : all) {
    if (!exposed(r.source) || !exposed(r.target)) continue;
    if (r.junction && !exposed(r.junction->table)) continue;
    result.relationships.push_back(std::move(r));
  }
  std::stable_sort(result.relationships.begin(), result.relationships.end(),
                   [](const Relationship& a, const Relationship& b) {
                     if (a.source != b.source) return a.source < b.source;
                     return a.target < b.target;
                   });
  return result;
}

std::vector<const Relationship*> match_relationships(std::span<const Relationship> from_source,
                                                     std::string_view schema,
                                                     std::string_view target,
                                                     std::optional<std::string_view> hint) {
  auto single_col = [](const Relationship& r) -> const ColumnPair* {
    if (r.is_computed() || r.cardinality == Cardinality::many_to_many || r.columns.size() != 1) {
      return nullptr;
    }
    return &r.columns.front();
  };
  auto fk_col = [&](const Relationship& r, std::string_view name) {
    const ColumnPair* c = single_col(r);
    return c != nullptr && c->source == name;
  };
  auto fk_ref_col = [&](const Relationship& r, std::string_view name) {
    const ColumnPair* c = single_col(r);
    return c != nullptr && c->target == name;
  };
  auto constraint_is = [](const Relationship& r, std::string_view name) {
    return !r.is_computed() && r.cardinality != Cardinality::many_to_many && r.constraint == name;
  };
  auto junction_is = [](const Relationship& r, std::string_view name) {
    return r.junction && r.junction->table.name == name;
  };

  std::vector<const Relationship*> out;
  for (const Relationship& r : from_source) {
    bool match = false;
    if (r.is_computed()) {
      match = r.function->schema == schema && r.function->name == target;
    } else if (r.target.schema != schema) {
      match = false;
    } else if (r.is_self) {
      // One FK, two directions: the table name selects the children (O2M), the FK column
      // the parent (M2O); with a hint, the hint names the referenced column of the O2M.
      const bool o2m = r.cardinality == Cardinality::one_to_many;
      const bool m2o = r.cardinality == Cardinality::many_to_one;
      if (!hint) {
        match = (r.target.name == target && o2m) || (fk_col(r, target) && m2o);
      } else {
        match = r.target.name == target && o2m && fk_ref_col(r, *hint);
      }
    } else if (!hint) {
      match = r.target.name == target || (constraint_is(r, target) && !r.target_is_view) ||
              (fk_col(r, target) && !r.target_is_view);
    } else {
      match = r.target.name == target && (constraint_is(r, *hint) || fk_col(r, *hint) ||
                                          fk_ref_col(r, *hint) || junction_is(r, *hint));
    }
    if (match) out.push_back(&r);
  }
  return out;
}

// ---- pg_node_tree ----

namespace {

// Tokens as Postgres's own reader splits them: ( ) { } alone, other tokens end at
// whitespace or a bracket, and a backslash protects the next character.
class NodeTokens {
 public:
  explicit NodeTokens(std::string_view s) : s_(s) {}
  std::optional<std::string_view> next() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
    if (pos_ >= s_.size()) return std::nullopt;
    const std::size_t start = pos_;
    const char c = s_[pos_];
    if (c == '(' || c == ')' || c == '{' || c == '}') {
      ++pos_;
      return s_.substr(start, 1);
    }
    while (pos_ < s_.size()) {
      const char d = s_[pos_];
      if (d == ' ' || d == '\n' || d == '\t' || d == '(' || d == ')' || d == '{' || d == '}') break;
      pos_ += d == '\\' ? 2 : 1;
    }
    pos_ = std::min(pos_, s_.size());
    return s_.substr(start, pos_ - start);
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

std::vector<ViewTargetEntry> parse_view_target_list(std::string_view ev_action) {
  // Depths: 1 = the action list, 2 = the Query's fields, 3 = the target list,
  // 4 = a TargetEntry's fields.
  NodeTokens tokens(ev_action);
  std::vector<ViewTargetEntry> out;
  int depth = 0;
  bool in_query = false;
  bool in_target_list = false;
  bool target_list_done = false;
  std::string_view pending_field;  // a TargetEntry field whose value comes next
  ViewTargetEntry entry;
  bool malformed = false;
  for (auto t = tokens.next(); t; t = tokens.next()) {
    const std::string_view tok = *t;
    if (tok == "(" || tok == "{") {
      ++depth;
      pending_field = {};
      if (depth == 2 && tok == "{") {
        if (in_query || target_list_done) break;  // only the first Query
        auto type = tokens.next();
        if (!type || *type != "QUERY") {
          malformed = true;
          break;
        }
        in_query = true;
      } else if (depth == 4 && in_target_list && tok == "{") {
        auto type = tokens.next();
        if (!type || *type != "TARGETENTRY") {
          malformed = true;
          break;
        }
        entry = ViewTargetEntry{};
      }
      continue;
    }
    if (tok == ")" || tok == "}") {
      if (depth == 4 && in_target_list && tok == "}") out.push_back(entry);
      if (depth == 3 && in_target_list) {
        in_target_list = false;
        target_list_done = true;
      }
      if (depth == 2 && in_query) break;  // end of the first Query
      --depth;
      pending_field = {};
      if (depth < 0) {
        malformed = true;
        break;
      }
      continue;
    }
    if (depth == 2 && in_query && tok == ":targetList") {
      auto open = tokens.next();
      if (!open) break;
      if (*open == "<>") {
        target_list_done = true;  // no columns
        continue;
      }
      if (*open != "(") {
        malformed = true;
        break;
      }
      ++depth;
      in_target_list = true;
      continue;
    }
    if (depth == 4 && in_target_list) {
      if (!tok.empty() && tok.front() == ':') {
        pending_field = tok;
        continue;
      }
      bool ok = true;
      if (pending_field == ":resno") {
        ok = parse_number(tok, entry.resno);
      } else if (pending_field == ":resorigtbl") {
        ok = parse_number(tok, entry.resorigtbl);
      } else if (pending_field == ":resorigcol") {
        ok = parse_number(tok, entry.resorigcol);
      } else if (pending_field == ":resjunk") {
        entry.resjunk = tok == "true";
      }
      if (!ok) {
        malformed = true;
        break;
      }
      pending_field = {};
    }
  }
  if (malformed || !target_list_done) return {};
  return out;
}

}  // namespace basalt::rest
