#include "rest/planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <regex>
#include <set>

#include "rest/errors.hpp"

namespace basalt::rest {

namespace {

using req::ApiRequest;

std::string qname(const std::string& schema, const std::string& name) {
  return schema + "." + name;
}

Error column_missing(const Table& t, const std::string& column) {
  // What Postgres itself would answer (PostgREST passes it through as a 400).
  return pgrst(400, "42703", fmt::format("column {}.{} does not exist", t.name, column));
}

// Casts come from the URL: only plain type names are accepted (letters, digits, '_', spaces,
// an optional "(n[,m])" and "[]" suffixes), so a cast can never carry SQL.
bool valid_cast(const std::string& cast) {
  static const std::regex re(R"(^[A-Za-z_][A-Za-z0-9_ ]{0,62}(\(\d{1,4}(,\d{1,4})?\))?(\[\])*$)");
  return std::regex_match(cast, re);
}

Status check_cast(const std::optional<std::string>& cast) {
  if (cast && !valid_cast(*cast)) {
    return pgrst(400, code::kParse, "failed to parse select parameter",
                 fmt::format("invalid cast type \"{}\"", *cast));
  }
  return Status{};
}

std::string output_key(const req::Field& f, const std::optional<std::string>& alias) {
  if (alias) return *alias;
  for (auto it = f.json.rbegin(); it != f.json.rend(); ++it) {
    if (!it->is_index) return it->key;
  }
  return f.name;
}

ColumnPath column_path(const req::Field& f) {
  ColumnPath c;
  c.column = f.name;
  for (const auto& op : f.json) c.json.push_back({op.key, op.is_index, op.as_text});
  return c;
}

std::string_view aggregate_name(req::Aggregate a) {
  switch (a) {
    case req::Aggregate::sum:
      return "sum";
    case req::Aggregate::avg:
      return "avg";
    case req::Aggregate::max:
      return "max";
    case req::Aggregate::min:
      return "min";
    case req::Aggregate::count:
      return "count";
  }
  return "count";
}

// Planning context shared by the whole tree.
struct Planner {
  const SchemaCache& cache;
  const PlanOptions& options;
  int next_alias = 0;

  std::string alias(const std::string& base) {
    return base.substr(0, 40) + "_" + std::to_string(++next_alias);
  }

  Status add_select(ReadPlan& plan, const Table& table, const std::vector<req::SelectItem>& items,
                    int depth);
  Result<EmbedPlan> embed(const ReadPlan& parent, const Table& table, const req::SelectItem& item,
                          int depth);
};

Status Planner::add_select(ReadPlan& plan, const Table& table,
                           const std::vector<req::SelectItem>& items, int depth) {
  for (const req::SelectItem& item : items) {
    if (item.kind == req::SelectItem::Kind::field) {
      if (auto s = check_cast(item.cast); !s) return s;
      if (auto s = check_cast(item.aggregate_cast); !s) return s;
      if (item.aggregate && !options.aggregates_enabled) {
        return pgrst(400, "PGRST123", "Use of aggregate functions is not allowed");
      }
      if (item.field.name == "*") {
        if (item.aggregate) {  // count()
          SelectField f;
          f.kind = SelectField::Kind::count_star;
          f.key = item.alias.value_or("count");
          f.aggregate_cast = item.aggregate_cast.value_or("");
          plan.select.push_back(std::move(f));
          plan.has_aggregates = true;
          continue;
        }
        for (const Column& c : table.columns) {
          SelectField f;
          f.key = c.name;
          f.column.column = c.name;
          plan.select.push_back(std::move(f));
        }
        continue;
      }
      if (!table.find_column(item.field.name)) return column_missing(table, item.field.name);
      SelectField f;
      f.column = column_path(item.field);
      f.cast = item.cast.value_or("");
      if (item.aggregate) {
        f.aggregate = std::string(aggregate_name(*item.aggregate));
        f.aggregate_cast = item.aggregate_cast.value_or("");
        plan.has_aggregates = true;
        f.key = item.alias.value_or(f.aggregate);
      } else {
        f.key = output_key(item.field, item.alias);
      }
      plan.select.push_back(std::move(f));
      continue;
    }
    auto e = embed(plan, table, item, depth + 1);
    if (!e) return std::move(e).error();
    const int index = static_cast<int>(plan.embeds.size());
    const bool spread = e->spread;
    const bool output = !item.children.empty();
    std::vector<std::string> spread_keys;
    if (spread) {
      for (const auto& f : e->child.select) spread_keys.push_back(f.key);
    }
    plan.embeds.push_back(std::move(e).value());
    if (spread) {
      for (const auto& key : spread_keys) {
        SelectField f;
        f.kind = SelectField::Kind::spread_column;
        f.key = key;
        f.spread_key = key;
        f.embed = index;
        plan.select.push_back(std::move(f));
      }
    } else if (output) {
      SelectField f;
      f.kind = SelectField::Kind::embed;
      f.key = item.alias.value_or(item.relation);
      f.embed = index;
      plan.select.push_back(std::move(f));
    }
  }
  return Status{};
}

// The schema a relationship is listed under in PostgREST's relationship map: its target's, or
// for a computed relationship its function's.
const std::string& listed_schema(const Relationship& r) {
  return r.is_computed() ? r.function->schema : r.target.schema;
}

// PostgREST's noRelBetweenHint: when `parent` has relationships in `schema`, the closest of
// their targets to `child` (none when `child` is one of them); otherwise the closest table
// that has relationships to `parent`. FuzzySet's default threshold (33%).
std::string relationship_hint(const SchemaCache& cache, const std::string& schema,
                              const std::string& parent, const std::string& child) {
  std::vector<std::string> children;
  for (const Relationship& r : cache.relationships_from(schema, parent)) {
    if (listed_schema(r) == schema) children.push_back(r.target.name);
  }
  if (!children.empty()) {
    auto found = fuzzy_matches(child, children);
    if (found.empty() || found.front().score >= 1.0) return "";
    return fmt::format("Perhaps you meant '{}' instead of '{}'.", found.front().value, child);
  }
  std::vector<std::string> parents;
  for (const Relationship& r : cache.relationships()) {
    if (listed_schema(r) == schema && (parents.empty() || parents.back() != r.source.name)) {
      parents.push_back(r.source.name);
    }
  }
  auto close = closest(parent, parents);
  if (!close) return "";
  return fmt::format("Perhaps you meant '{}' instead of '{}'.", *close, parent);
}

Error no_relationship(const SchemaCache& cache, const Table& from, const std::string& target,
                      const std::optional<std::string>& embed_hint) {
  return pgrst(
      400, code::kNoRelationship,
      fmt::format("Could not find a relationship between '{}' and '{}' in the schema cache",
                  from.name, target),
      fmt::format("Searched for a foreign key relationship between '{}' and '{}'{} in the "
                  "schema '{}', but no matches were found.",
                  from.name, target,
                  embed_hint ? fmt::format(" using the hint '{}'", *embed_hint) : "", from.schema),
      relationship_hint(cache, from.schema, from.name, target));
}

std::string_view cardinality_name(Cardinality c) {
  switch (c) {
    case Cardinality::many_to_one:
      return "many-to-one";
    case Cardinality::one_to_many:
      return "one-to-many";
    case Cardinality::one_to_one:
      return "one-to-one";
    case Cardinality::many_to_many:
      return "many-to-many";
  }
  return "";
}

Error ambiguous(const Table& from, const std::string& target,
                const std::vector<const Relationship*>& found) {
  boost::json::array details;
  std::string hint_list;
  for (const Relationship* r : found) {
    std::string name = r->junction ? r->junction->table.name : r->constraint;
    details.push_back(boost::json::object{
        {"cardinality", cardinality_name(r->cardinality)},
        {"embedding", from.name + " with " + r->target.name},
        {"relationship",
         r->junction
             ? fmt::format("{} using {} and {}", qname(r->junction->table.schema, name),
                           r->junction->source_constraint, r->junction->target_constraint)
             : fmt::format("{} using {}({}) and {}({})", r->constraint, r->source.name,
                           r->columns.empty() ? "" : r->columns.front().source, r->target.name,
                           r->columns.empty() ? "" : r->columns.front().target)}});
    if (!hint_list.empty()) hint_list += ", ";
    hint_list += "'" + target + "!" + name + "'";
  }
  Error e = pgrst(300, code::kAmbiguousEmbed,
                  fmt::format("Could not embed because more than one relationship was found for "
                              "'{}' and '{}'",
                              from.name, target),
                  boost::json::serialize(details),
                  fmt::format("Try changing '{}' to one of the following: {}. Find the desired "
                              "relationship in the 'details' key.",
                              target, hint_list));
  e.internal = "details-json";  // error_response sends details as JSON, not a string
  return e;
}

Result<EmbedPlan> Planner::embed(const ReadPlan& parent, const Table& table,
                                 const req::SelectItem& item, int depth) {
  if (depth > 16) {
    return pgrst(400, code::kParse, "failed to parse select parameter", "embedding is too deep");
  }
  std::optional<std::string_view> hint;
  if (item.hint) hint = *item.hint;
  auto found = cache.find_relationships(table.qualified(), item.relation, hint);
  if (found.empty()) return no_relationship(cache, table, item.relation, item.hint);
  if (found.size() > 1) return ambiguous(table, item.relation, found);
  const Relationship& rel = *found.front();
  const Table* target = cache.find_table(rel.target.schema, rel.target.name);
  if (target == nullptr) return no_relationship(cache, table, item.relation, item.hint);

  EmbedPlan e;
  e.inner = item.join == req::JoinType::inner;
  e.spread = item.kind == req::SelectItem::Kind::spread;
  e.join.cardinality = rel.cardinality;
  if (rel.cardinality == Cardinality::one_to_one && !rel.is_parent) {
    e.join.cardinality = Cardinality::one_to_one;
  }
  if (rel.function) {
    e.join.function_schema = rel.function->schema;
    e.join.function_name = rel.function->name;
    e.join.parent_schema = rel.source.schema;
    e.join.parent_name = rel.source.name;
  } else if (rel.junction) {
    e.join.junction_schema = rel.junction->table.schema;
    e.join.junction_name = rel.junction->table.name;
    for (const auto& p : rel.junction->source_columns) {
      e.join.junction_parent.emplace_back(p.target, p.source);
    }
    for (const auto& p : rel.junction->target_columns) {
      e.join.target_junction.emplace_back(p.source, p.target);
    }
  } else {
    for (const auto& p : rel.columns) e.join.child_parent.emplace_back(p.target, p.source);
  }
  if (e.spread && !e.join.to_one()) {
    return pgrst(400, "PGRST119",
                 fmt::format("A spread operation on '{}' is not possible", item.relation),
                 "'" + table.name + "' and '" + item.relation +
                     "' do not form a many-to-one or "
                     "one-to-one relationship");
  }
  e.child.schema = target->schema;
  e.child.name = target->name;
  e.child.alias = alias(target->name);
  e.lateral_alias = alias(parent.alias + "_" + item.alias.value_or(item.relation));
  if (auto s = add_select(e.child, *target, item.children, depth); !s) return std::move(s).error();
  return e;
}

// Finds the plan node of an embed path (names or aliases as written in select).
ReadPlan* node_at(ReadPlan& root, const req::EmbedPath& path,
                  const std::vector<req::SelectItem>* items, std::string& missing) {
  ReadPlan* node = &root;
  for (const std::string& step : path) {
    if (items == nullptr) {
      missing = step;
      return nullptr;
    }
    int embed_index = 0;
    const req::SelectItem* hit = nullptr;
    for (const auto& item : *items) {
      if (item.kind == req::SelectItem::Kind::field) continue;
      if (item.alias.value_or(item.relation) == step || item.relation == step) {
        hit = &item;
        break;
      }
      ++embed_index;
    }
    if (hit == nullptr || embed_index >= static_cast<int>(node->embeds.size())) {
      missing = step;
      return nullptr;
    }
    node = &node->embeds[static_cast<std::size_t>(embed_index)].child;
    items = &hit->children;
  }
  return node;
}

Error not_embedded(const std::string& name) {
  return pgrst(400, code::kNotEmbedded,
               fmt::format("'{}' is not an embedded resource in this request", name), "",
               fmt::format("Verify that '{}' is included in the 'select' query parameter.", name));
}

const EmbedPlan* embed_named(const ReadPlan& node, const std::vector<req::SelectItem>& items,
                             const std::string& name) {
  int index = 0;
  for (const auto& item : items) {
    if (item.kind == req::SelectItem::Kind::field) continue;
    if (item.alias.value_or(item.relation) == name) {
      return index < static_cast<int>(node.embeds.size())
                 ? &node.embeds[static_cast<std::size_t>(index)]
                 : nullptr;
    }
    ++index;
  }
  return nullptr;
}

const std::vector<req::SelectItem>* items_at(const std::vector<req::SelectItem>& root,
                                             const req::EmbedPath& path) {
  const std::vector<req::SelectItem>* items = &root;
  for (const auto& step : path) {
    const std::vector<req::SelectItem>* next = nullptr;
    for (const auto& item : *items) {
      if (item.kind != req::SelectItem::Kind::field &&
          (item.alias.value_or(item.relation) == step || item.relation == step)) {
        next = &item.children;
        break;
      }
    }
    if (!next) return nullptr;
    items = next;
  }
  return items;
}

Result<Condition> filter_condition(const req::Filter& f, const Table* table, const ReadPlan* node,
                                   const std::vector<req::SelectItem>* items) {
  Condition c;
  c.kind = Condition::Kind::comparison;
  c.negated = f.expr.negated;
  // `rel=is.null`: a test on an embed rather than a column.
  if (f.expr.op == req::Operator::is && f.field.json.empty() && node && items &&
      (!table || !table->find_column(f.field.name))) {
    if (const EmbedPlan* e = embed_named(*node, *items, f.field.name)) {
      if (f.expr.is_value == req::IsValue::null || f.expr.is_value == req::IsValue::not_null) {
        c.kind = Condition::Kind::embed_null;
        c.embed_alias = e->lateral_alias;
        c.embed_is_null = f.expr.is_value == req::IsValue::null;
        return c;
      }
    }
  }
  if (table && !table->find_column(f.field.name)) return column_missing(*table, f.field.name);
  Comparison& cmp = c.comparison;
  cmp.lhs = column_path(f.field);
  using O = req::Operator;
  static const std::map<O, std::string_view> ops = {
      {O::eq, "="},   {O::neq, "<>"},    {O::gt, ">"},        {O::gte, ">="},  {O::lt, "<"},
      {O::lte, "<="}, {O::like, "LIKE"}, {O::ilike, "ILIKE"}, {O::match, "~"}, {O::imatch, "~*"},
      {O::cs, "@>"},  {O::cd, "<@"},     {O::ov, "&&"},       {O::sl, "<<"},   {O::sr, ">>"},
      {O::nxr, "&<"}, {O::nxl, "&>"},    {O::adj, "-|-"}};
  switch (f.expr.op) {
    case O::in:
      cmp.kind = Comparison::Kind::in_list;
      // `in.()` parses as one empty element; PostgREST makes it `= ANY('{}')`: no row matches,
      // whatever the column's type (so does `in.("")`).
      if (f.expr.list != std::vector<std::string>{""}) cmp.values = f.expr.list;
      break;
    case O::is:
      cmp.kind = Comparison::Kind::is;
      switch (f.expr.is_value) {
        case req::IsValue::null:
          cmp.is_value = "NULL";
          break;
        case req::IsValue::not_null:
          cmp.is_value = "NOT NULL";
          break;
        case req::IsValue::is_true:
          cmp.is_value = "TRUE";
          break;
        case req::IsValue::is_false:
          cmp.is_value = "FALSE";
          break;
        case req::IsValue::unknown:
          cmp.is_value = "UNKNOWN";
          break;
      }
      break;
    case O::isdistinct:
      cmp.kind = Comparison::Kind::distinct;
      cmp.values = {f.expr.value};
      break;
    case O::fts:
    case O::plfts:
    case O::phfts:
    case O::wfts:
      cmp.kind = Comparison::Kind::fts;
      cmp.fts_function = f.expr.op == O::fts     ? "to_tsquery"
                         : f.expr.op == O::plfts ? "plainto_tsquery"
                         : f.expr.op == O::phfts ? "phraseto_tsquery"
                                                 : "websearch_to_tsquery";
      cmp.fts_config = f.expr.language;
      cmp.values = {f.expr.value};
      break;
    default:
      cmp.sql_op = std::string(ops.at(f.expr.op));
      cmp.values = {f.expr.value};
      if (f.expr.quantifier) {
        cmp.kind = Comparison::Kind::quantified;
        cmp.all = *f.expr.quantifier == req::Quantifier::all;
      }
      break;
  }
  return c;
}

Result<Condition> logic_condition(const req::LogicTree& t, const Table* table, const ReadPlan* node,
                                  const std::vector<req::SelectItem>* items) {
  if (t.is_leaf) return filter_condition(t.filter, table, node, items);
  Condition c;
  c.kind = t.op == req::LogicOp::op_or ? Condition::Kind::any : Condition::Kind::all;
  c.negated = t.negated;
  for (const auto& child : t.children) {
    auto cc = logic_condition(child, table, node, items);
    if (!cc) return std::move(cc).error();
    c.children.push_back(std::move(cc).value());
  }
  return c;
}

const Table* table_of(const SchemaCache& cache, const ReadPlan& node) {
  return cache.find_table(node.schema, node.name);
}

}  // namespace

Result<const Table*> find_relation(const SchemaCache& cache, const std::string& schema,
                                   const std::string& name) {
  if (const Table* t = cache.find_table(schema, name)) return t;
  std::string hint;
  if (auto close = cache.closest_table(schema, name)) {
    hint = fmt::format("Perhaps you meant the table '{}'", qname(schema, *close));
  }
  return pgrst(
      404, code::kNoTable,
      fmt::format("Could not find the table '{}' in the schema cache", qname(schema, name)), "",
      hint);
}

Result<ReadPlan> plan_read(const ApiRequest& req, const SchemaCache& cache, const Table& table,
                           const PlanOptions& options) {
  Planner planner{cache, options};
  ReadPlan root;
  root.schema = table.schema;
  root.name = table.name;
  root.alias = planner.alias(table.name);
  const auto& items = req.query.select;
  if (auto s = planner.add_select(root, table, items, 0); !s) return std::move(s).error();

  for (const auto& pf : req.query.filters) {
    std::string missing;
    ReadPlan* node = node_at(root, pf.path, &items, missing);
    if (!node) return not_embedded(missing);
    const Table* t = node == &root ? &table : table_of(cache, *node);
    auto c = filter_condition(pf.filter, t, node, items_at(items, pf.path));
    if (!c) return std::move(c).error();
    node->where.children.push_back(std::move(c).value());
  }
  for (const auto& pl : req.query.logic) {
    std::string missing;
    ReadPlan* node = node_at(root, pl.path, &items, missing);
    if (!node) return not_embedded(missing);
    const Table* t = node == &root ? &table : table_of(cache, *node);
    auto c = logic_condition(pl.tree, t, node, items_at(items, pl.path));
    if (!c) return std::move(c).error();
    node->where.children.push_back(std::move(c).value());
  }
  for (const auto& po : req.query.order) {
    std::string missing;
    ReadPlan* node = node_at(root, po.path, &items, missing);
    if (!node) return not_embedded(missing);
    const Table* t = node == &root ? &table : table_of(cache, *node);
    const auto* node_items = items_at(items, po.path);
    for (const auto& term : po.terms) {
      OrderTerm o;
      o.column = column_path(term.field);
      o.desc = term.direction == req::OrderDirection::desc;
      if (term.nulls) o.nulls_first = *term.nulls == req::OrderNulls::first;
      if (term.relation) {
        const EmbedPlan* e = node_items ? embed_named(*node, *node_items, *term.relation) : nullptr;
        if (!e) return not_embedded(*term.relation);
        if (!e->join.to_one()) {
          return pgrst(400, "PGRST118",
                       fmt::format("A related order on '{}' is not possible", *term.relation),
                       "'" + node->name + "' and '" + *term.relation +
                           "' do not form a many-to-one or one-to-one relationship");
        }
        o.embed_alias = e->lateral_alias;
      } else if (t && !t->find_column(term.field.name)) {
        return column_missing(*t, term.field.name);
      }
      node->order.push_back(std::move(o));
    }
  }
  // PostgREST's treeRestrictRange: max_rows caps the rows of every node, embeds included (a
  // limit beyond it, even beyond bigint, never reaches SQL).
  auto apply_range = [&options](ReadPlan& node, const req::RowRange& range) {
    node.limit = range.limit;
    node.limit_text = range.limit_text;
    node.offset = std::max<long long>(0, range.offset);
    node.offset_text = range.offset_text;
    if (options.max_rows && (!node.limit || *node.limit > *options.max_rows)) {
      node.limit = options.max_rows;
      node.limit_text.reset();
    }
  };
  std::vector<ReadPlan*> unranged;
  auto collect = [&unranged](auto& self, ReadPlan& node) -> void {
    unranged.push_back(&node);
    for (auto& e : node.embeds) self(self, e.child);
  };
  collect(collect, root);
  apply_range(root, req.range);
  std::erase(unranged, &root);
  for (const auto& er : req.embed_ranges) {
    std::string missing;
    ReadPlan* node = node_at(root, er.path, &items, missing);
    if (!node) return not_embedded(missing);
    apply_range(*node, er.range);
    std::erase(unranged, node);
  }
  for (ReadPlan* node : unranged) apply_range(*node, req::RowRange{});
  return root;
}

Result<Condition> plan_mutation_filter(const ApiRequest& req, const Table& table) {
  Condition where;
  for (const auto& pf : req.query.filters) {
    if (!pf.path.empty()) continue;  // embedded filters shape the returned rows only
    auto c = filter_condition(pf.filter, &table, nullptr, nullptr);
    if (!c) return std::move(c).error();
    where.children.push_back(std::move(c).value());
  }
  for (const auto& pl : req.query.logic) {
    if (!pl.path.empty()) continue;
    auto c = logic_condition(pl.tree, &table, nullptr, nullptr);
    if (!c) return std::move(c).error();
    where.children.push_back(std::move(c).value());
  }
  return where;
}

Status check_put_filters(const ApiRequest& req, const Table& table) {
  auto invalid = [] {
    return pgrst(405, code::kInvalidFilters,
                 "Filters must include all and only primary key columns with 'eq' operators");
  };
  if (!req.query.logic.empty() || table.primary_key.empty()) return invalid();
  std::set<std::string> fields;
  for (const auto& p : req.query.filter_params) fields.insert(p.key);
  const std::set<std::string> keys(table.primary_key.begin(), table.primary_key.end());
  if (fields != keys) return invalid();
  for (const auto& pf : req.query.filters) {
    if (!pf.path.empty()) continue;
    const auto& e = pf.filter.expr;
    if (e.negated || e.op != req::Operator::eq || e.quantifier) return invalid();
  }
  return Status{};
}

std::vector<std::pair<std::string, std::string>> column_defaults(
    const std::vector<std::string>& columns, const Table& table) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& name : columns) {
    const Column* c = table.find_column(name);
    if (c != nullptr && c->default_value) out.emplace_back(name, *c->default_value);
  }
  return out;
}

Status check_columns(const std::vector<std::string>& columns, const Table& table) {
  for (const auto& c : columns) {
    if (!table.find_column(c)) {
      return pgrst(
          400, code::kNoColumn,
          fmt::format("Could not find the '{}' column of '{}' in the schema cache", c, table.name));
    }
  }
  return Status{};
}

Result<const Routine*> find_routine(const SchemaCache& cache, const std::string& schema,
                                    const std::string& name,
                                    const std::vector<std::string>& arg_names, bool is_post,
                                    req::MediaKind body) {
  using req::MediaKind;
  // A text, XML or binary POST body can only be a single unnamed text/xml/bytea parameter.
  const bool raw_body = is_post && (body == MediaKind::text_plain || body == MediaKind::text_xml ||
                                    body == MediaKind::octet_stream);
  auto overloads = cache.find_routines(schema, name);
  const Routine* single_json = nullptr;
  std::vector<const Routine*> matches;
  for (const Routine& r : overloads) {
    if (r.is_procedure) continue;
    auto inputs = r.input_params();
    if (is_post && body == MediaKind::json && inputs.size() == 1 && inputs.front()->name.empty() &&
        (inputs.front()->type == "json" || inputs.front()->type == "jsonb")) {
      single_json = &r;
      continue;
    }
    if (inputs.empty() && raw_body) continue;
    bool ok = true;
    for (const auto& a : arg_names) {
      auto it = std::find_if(inputs.begin(), inputs.end(),
                             [&](const RoutineParam* p) { return p->name == a; });
      if (it == inputs.end()) ok = false;
    }
    for (const RoutineParam* p : inputs) {
      if (!p->has_default &&
          std::find(arg_names.begin(), arg_names.end(), p->name) == arg_names.end()) {
        ok = false;
      }
    }
    if (ok) matches.push_back(&r);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty() && single_json) return single_json;
  const std::string fn = qname(schema, name);
  if (matches.size() > 1) {
    return pgrst(300, code::kAmbiguousFunction,
                 fmt::format("Could not choose the best candidate function between: {}", fn), "",
                 "Try renaming the parameters or the function itself in the database so "
                 "function overloading can be resolved");
  }
  // PostgREST's NoRpc texts.
  auto joined = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  const std::string args = joined(arg_names);
  const std::string with_params =
      arg_names.empty()
          ? std::string(" without parameters")
          : fmt::format(" with parameter{} {}", arg_names.size() > 1 ? "s" : "", args);
  std::string searched = with_params;
  if (is_post) {
    switch (body) {
      case MediaKind::text_plain:
        searched = " with a single unnamed text parameter";
        break;
      case MediaKind::text_xml:
        searched = " with a single unnamed xml parameter";
        break;
      case MediaKind::octet_stream:
        searched = " with a single unnamed bytea parameter";
        break;
      case MediaKind::json:
        searched += " or with a single unnamed json/jsonb parameter";
        break;
      default:
        break;
    }
  }
  const std::string message = fmt::format(
      "Could not find the function {}{} in the schema cache", fn,
      raw_body ? "" : (arg_names.empty() ? std::string(" without parameters") : "(" + args + ")"));
  const std::string details =
      fmt::format("Searched for the function {}{}, but no matches were found in the schema cache.",
                  fn, searched);
  // Hints: another function name at least 75% similar; for an existing function, its closest
  // parameter list (FuzzySet's default threshold: parameter names are no secret).
  std::string hint;
  if (!raw_body) {
    if (overloads.empty()) {
      if (auto close = cache.closest_routine(schema, name)) {
        hint = fmt::format("Perhaps you meant to call the function {}", qname(schema, *close));
      }
    } else {
      auto param_list = [&](std::vector<std::string> names) {
        std::sort(names.begin(), names.end());
        return "(" + joined(names) + ")";
      };
      std::vector<std::string> lists;
      for (const Routine& r : overloads) {
        std::vector<std::string> names;
        for (const RoutineParam* p : r.input_params()) names.push_back(p->name);
        lists.push_back(param_list(std::move(names)));
      }
      if (auto close = closest(param_list(arg_names), lists)) {
        hint = fmt::format("Perhaps you meant to call the function {}{}", fn, *close);
      }
    }
  }
  return pgrst(404, code::kNoFunction, message, details, hint);
}

}  // namespace basalt::rest
