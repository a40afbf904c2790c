#include "rest/query.hpp"

#include "rest/schema_cache.hpp"

namespace basalt::rest {

namespace {

void append_json_steps(Sql& sql, const std::vector<JsonStep>& steps) {
  for (const JsonStep& s : steps) {
    sql << (s.as_text ? "->>" : "->");
    if (s.is_index) {
      sql << s.key;  // digits (and an optional '-'), checked by the parser
    } else {
      sql.param(s.key) << "::text";
    }
  }
}

void append_column(Sql& sql, const std::string& alias, const ColumnPath& c) {
  if (c.json.empty()) {
    sql.ident(alias) << '.';
    sql.ident(c.column);
    return;
  }
  sql << '(';
  sql.ident(alias) << '.';
  sql.ident(c.column);
  append_json_steps(sql, c.json);
  sql << ')';
}

std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  out += '}';
  return out;
}

void append_comparison(Sql& sql, const Comparison& c, const std::string& alias) {
  using K = Comparison::Kind;
  switch (c.kind) {
    case K::binary:
      append_column(sql, alias, c.lhs);
      sql << ' ' << c.sql_op << ' ';
      sql.param(c.values.empty() ? std::string() : c.values.front());
      break;
    case K::distinct:
      append_column(sql, alias, c.lhs);
      sql << " IS DISTINCT FROM ";
      sql.param(c.values.empty() ? std::string() : c.values.front());
      break;
    case K::quantified:
    case K::in_list:
      append_column(sql, alias, c.lhs);
      sql << ' ' << (c.kind == K::in_list ? std::string_view("=") : std::string_view(c.sql_op))
          << (c.all ? " ALL (" : " ANY (");
      if (c.kind == K::in_list) {
        sql.param(array_literal(c.values));
      } else {
        sql.param(c.values.empty() ? std::string("{}") : c.values.front());
      }
      sql << ')';
      break;
    case K::is:
      append_column(sql, alias, c.lhs);
      sql << " IS " << c.is_value;
      break;
    case K::fts:
      append_column(sql, alias, c.lhs);
      sql << " @@ " << c.fts_function << '(';
      if (c.fts_config) {
        sql.param(*c.fts_config) << "::regconfig, ";
      }
      sql.param(c.values.empty() ? std::string() : c.values.front()) << ')';
      break;
  }
}

}  // namespace

void append_condition(Sql& sql, const Condition& c, const std::string& alias) {
  if (c.negated) sql << "NOT (";
  switch (c.kind) {
    case Condition::Kind::comparison:
      append_comparison(sql, c.comparison, alias);
      break;
    case Condition::Kind::embed_null:
      sql.ident(c.embed_alias) << '.';
      sql.ident(c.embed_alias) << (c.embed_is_null ? " IS NULL" : " IS NOT NULL");
      break;
    case Condition::Kind::all:
    case Condition::Kind::any:
      if (c.children.empty()) {
        sql << (c.kind == Condition::Kind::all ? "TRUE" : "FALSE");
        break;
      }
      for (std::size_t i = 0; i < c.children.size(); ++i) {
        if (i) sql << (c.kind == Condition::Kind::all ? " AND " : " OR ");
        sql << '(';
        append_condition(sql, c.children[i], alias);
        sql << ')';
      }
      break;
  }
  if (c.negated) sql << ')';
}

namespace {

// A LIMIT/OFFSET bound: the number itself, or (beyond bigint) its decimal text as a parameter.
void append_bound(Sql& sql, long long value, const std::optional<std::string>& text) {
  if (text) {
    sql.param(*text) << "::bigint";
  } else {
    sql << std::to_string(value);
  }
}

struct Parent {
  const std::string* alias;
  const JoinSpec* join;
};

void append_select(Sql& sql, const ReadPlan& p, const Parent* parent, const std::string* source,
                   bool for_count);

void append_field(Sql& sql, const ReadPlan& p, const SelectField& f) {
  using K = SelectField::Kind;
  switch (f.kind) {
    case K::count_star:
      if (!f.aggregate_cast.empty()) sql << "CAST(";
      sql << "pg_catalog.count(*)";
      if (!f.aggregate_cast.empty()) sql << " AS " << f.aggregate_cast << ')';
      break;
    case K::column: {
      if (!f.aggregate_cast.empty()) sql << "CAST(";
      if (!f.aggregate.empty()) sql << "pg_catalog." << f.aggregate << '(';
      if (!f.cast.empty()) sql << "CAST(";
      append_column(sql, p.alias, f.column);
      if (!f.cast.empty()) sql << " AS " << f.cast << ')';
      if (!f.aggregate.empty()) sql << ')';
      if (!f.aggregate_cast.empty()) sql << " AS " << f.aggregate_cast << ')';
      break;
    }
    case K::embed: {
      const EmbedPlan& e = p.embeds[static_cast<std::size_t>(f.embed)];
      if (e.join.to_one()) {
        sql.ident(e.lateral_alias) << '.';
        sql.ident(e.lateral_alias);
      } else {
        sql << "COALESCE(";
        sql.ident(e.lateral_alias) << '.';
        sql.ident(e.lateral_alias) << ", '[]')";
      }
      break;
    }
    case K::spread_column: {
      const EmbedPlan& e = p.embeds[static_cast<std::size_t>(f.embed)];
      sql.ident(e.lateral_alias) << '.';
      sql.ident(f.spread_key);
      break;
    }
  }
  sql << " AS ";
  sql.ident(f.key);
}

void append_lateral(Sql& sql, const ReadPlan& p, const EmbedPlan& e) {
  sql << (e.inner ? " INNER JOIN LATERAL (SELECT " : " LEFT JOIN LATERAL (SELECT ");
  if (e.spread) {
    sql << "_s.*";
  } else if (e.join.to_one()) {
    sql << "row_to_json(_s.*) AS ";
    sql.ident(e.lateral_alias);
  } else {
    sql << "json_agg(_s) AS ";
    sql.ident(e.lateral_alias);
  }
  sql << " FROM (";
  Parent parent{&p.alias, &e.join};
  append_select(sql, e.child, &parent, nullptr, false);
  sql << ") _s) AS ";
  sql.ident(e.lateral_alias);
  sql << " ON TRUE";
}

void append_select(Sql& sql, const ReadPlan& p, const Parent* parent, const std::string* source,
                   bool for_count) {
  sql << "SELECT ";
  if (for_count) {
    sql << "1";
  } else if (p.select.empty()) {
    sql << "NULL";  // a row with no keys: json_agg gives {}; handled as {} by callers
  } else {
    for (std::size_t i = 0; i < p.select.size(); ++i) {
      if (i) sql << ", ";
      append_field(sql, p, p.select[i]);
    }
  }
  sql << " FROM ";
  if (source) {
    sql << *source;
  } else if (parent && parent->join->computed()) {
    // f(parent row): the cast gives a mutation's RETURNING row (a record) the table's type.
    const JoinSpec& j = *parent->join;
    sql.qualified(j.function_schema, j.function_name) << '(';
    sql.ident(*parent->alias) << "::";
    sql.qualified(j.parent_schema, j.parent_name) << ')';
  } else {
    sql.qualified(p.schema, p.name);
  }
  sql << " AS ";
  sql.ident(p.alias);
  const std::string junction_alias = p.alias + "_j";
  if (parent && parent->join->cardinality == Cardinality::many_to_many) {
    const JoinSpec& j = *parent->join;
    sql << " JOIN ";
    sql.qualified(j.junction_schema, j.junction_name) << " AS ";
    sql.ident(junction_alias) << " ON ";
    for (std::size_t i = 0; i < j.target_junction.size(); ++i) {
      if (i) sql << " AND ";
      sql.ident(p.alias) << '.';
      sql.ident(j.target_junction[i].first) << " = ";
      sql.ident(junction_alias) << '.';
      sql.ident(j.target_junction[i].second);
    }
  }
  for (const EmbedPlan& e : p.embeds) append_lateral(sql, p, e);

  sql << " WHERE ";
  bool first = true;
  auto and_ = [&] {
    if (!first) sql << " AND ";
    first = false;
  };
  if (parent) {
    const JoinSpec& j = *parent->join;
    if (j.cardinality == Cardinality::many_to_many) {
      for (const auto& [jcol, pcol] : j.junction_parent) {
        and_();
        sql.ident(junction_alias) << '.';
        sql.ident(jcol) << " = ";
        sql.ident(*parent->alias) << '.';
        sql.ident(pcol);
      }
    } else {
      for (const auto& [ccol, pcol] : j.child_parent) {
        and_();
        sql.ident(p.alias) << '.';
        sql.ident(ccol) << " = ";
        sql.ident(*parent->alias) << '.';
        sql.ident(pcol);
      }
    }
  }
  for (const EmbedPlan& e : p.embeds) {
    if (e.inner && !e.spread) {
      and_();
      sql.ident(e.lateral_alias) << '.';
      sql.ident(e.lateral_alias) << " IS NOT NULL";
    }
  }
  if (!p.where.empty()) {
    and_();
    sql << '(';
    append_condition(sql, p.where, p.alias);
    sql << ')';
  }
  if (first) sql << "TRUE";

  if (p.has_aggregates && !for_count) {
    std::vector<std::size_t> groups;
    for (std::size_t i = 0; i < p.select.size(); ++i) {
      const auto& f = p.select[i];
      if (f.kind != SelectField::Kind::count_star && f.aggregate.empty()) groups.push_back(i + 1);
    }
    if (!groups.empty()) {
      sql << " GROUP BY ";
      for (std::size_t i = 0; i < groups.size(); ++i) {
        if (i) sql << ", ";
        sql << std::to_string(groups[i]);
      }
    }
  }
  if (for_count) return;
  if (!p.order.empty()) {
    sql << " ORDER BY ";
    for (std::size_t i = 0; i < p.order.size(); ++i) {
      const OrderTerm& o = p.order[i];
      if (i) sql << ", ";
      if (o.embed_alias.empty()) {
        append_column(sql, p.alias, o.column);
      } else {
        // A to-one embed's value is a JSON object: order by its key as jsonb (numbers
        // numerically, text as text).
        sql << '(';
        sql.ident(o.embed_alias) << '.';
        sql.ident(o.embed_alias) << "::jsonb -> ";
        sql.param(o.column.column) << "::text";
        append_json_steps(sql, o.column.json);
        sql << ')';
      }
      sql << (o.desc ? " DESC" : " ASC");
      if (o.nulls_first) sql << (*o.nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
  }
  // LIMIT is written as a number (an integer Basalt parsed, not client text): as a parameter
  // it made Postgres plan the statement again on every request, since a generic plan cannot
  // know the limit and so always looked dearer than a custom one. Apps use few distinct
  // limits (page sizes), so each stays one cached prepared statement. OFFSET stays a
  // parameter: it changes page by page, and as text each page would be a statement of its own
  // filling the per-connection cache. Bounds beyond bigint travel as their text, which
  // Postgres refuses (22003), as in PostgREST.
  if (p.limit) {
    sql << " LIMIT ";
    append_bound(sql, *p.limit, p.limit_text);
  }
  if (p.offset > 0) {
    sql << " OFFSET ";
    sql.param(p.offset_text ? *p.offset_text : std::to_string(p.offset)) << "::bigint";
  }
}

}  // namespace

void append_response_settings(Sql& sql) {
  // NULLIF: once set in a session, a placeholder setting reads '' in later transactions.
  sql << ", NULLIF(current_setting('response.headers', true), '') AS response_headers, "
         "NULLIF(current_setting('response.status', true), '') AS response_status";
}

void append_body_columns(Sql& sql, const BodyFormat& f, std::string_view rows) {
  if (f.handler != nullptr) {
    // The handler's aggregate over the rows (cast to the relation type it takes), or a
    // function handler's domain applied to the value; binary domains stay bytea.
    const MediaHandler& h = *f.handler;
    sql << "COALESCE((";
    if (h.aggregate) {
      sql.qualified(h.schema, h.name) << '(' << rows;
      if (!h.any_element) {
        sql << "::";
        sql.qualified(h.target.schema, h.target.name);
      }
      sql << ')';
    } else {
      sql << '(' << rows << ")::";
      sql.qualified(h.schema, h.name);
    }
    sql << (h.bytea ? ")::bytea, ''::bytea) AS body" : ")::text, '') AS body");
  } else {
    std::string agg = "json_agg(";
    agg += rows;
    agg += ')';
    if (f.single_object) agg = "(" + agg + "->0)";
    if (f.strip_nulls) agg = "json_strip_nulls(" + agg + ")";
    sql << "COALESCE(" << agg << "::text, " << (f.single_object ? "''" : "'[]'") << ") AS body";
  }
  append_response_settings(sql);
}

Sql build_read(const ReadQuery& q) {
  Sql sql;
  for (const auto& p : q.source_params) sql.add_param(p);
  const std::string* source = q.source_sql.empty() ? nullptr : &q.source_sql;
  sql << "SELECT ";
  if (q.count) {
    sql << "(SELECT pg_catalog.count(*) FROM (";
    append_select(sql, *q.plan, nullptr, source, true);
    if (q.count_limit) {
      sql << " LIMIT ";
      append_bound(sql, *q.count_limit, std::nullopt);
    }
    sql << ") AS _c)";
  } else {
    sql << "NULL::bigint";
  }
  sql << " AS total, pg_catalog.count(_t) AS page_total, ";
  append_body_columns(sql, BodyFormat{q.single_object, q.strip_nulls, q.handler}, "_t");
  sql << " FROM (";
  append_select(sql, *q.plan, nullptr, source, false);
  sql << ") AS _t";
  return sql;
}

Sql build_count_explain(const ReadQuery& q) {
  Sql sql;
  for (const auto& p : q.source_params) sql.add_param(p);
  const std::string* source = q.source_sql.empty() ? nullptr : &q.source_sql;
  sql << "EXPLAIN (FORMAT JSON) ";
  append_select(sql, *q.plan, nullptr, source, true);
  return sql;
}

namespace {

// The body's rows as a FROM item (the caller adds the alias): an object is one row, an array
// one row per element, typed by the target's row type. With missing=default each element is
// first merged over a jsonb object of the columns' DEFAULT values, so absent keys take them.
void append_body_rows(Sql& sql, const MutationQuery& q) {
  if (!q.missing_default) {
    sql << "json_populate_recordset(NULL::";
    sql.qualified(q.schema, q.name) << ", (SELECT CASE WHEN json_typeof(_b) = 'array' THEN _b "
                                       "ELSE json_build_array(_b) END FROM (SELECT ";
    sql.param(q.body_json) << "::json AS _b) AS _p))";
    return;
  }
  sql << "(SELECT _r.* FROM jsonb_array_elements((SELECT CASE WHEN jsonb_typeof(_b) = 'array' "
         "THEN _b ELSE jsonb_build_array(_b) END FROM (SELECT ";
  sql.param(q.body_json) << "::jsonb AS _b) AS _p)) AS _e(v) CROSS JOIN LATERAL "
                            "jsonb_populate_record(NULL::";
  sql.qualified(q.schema, q.name) << ", jsonb_build_object(";
  for (std::size_t i = 0; i < q.defaults.size(); ++i) {
    if (i) sql << ", ";
    sql.param(q.defaults[i].first) << "::text, (" << q.defaults[i].second << ')';
  }
  sql << ") || _e.v) AS _r)";
}

// set_config('pgrst.inserted', n ± 1) <> sentinel: always true, counts as a side effect.
void append_inserted_counter(Sql& sql, bool add) {
  sql << "set_config('pgrst.inserted', (COALESCE(NULLIF(current_setting('pgrst.inserted', "
         "true), '')::int, 0) "
      << (add ? "+" : "-") << " 1)::text, true) <> " << (add ? "'0'" : "'-1'");
}

}  // namespace

Sql build_mutation(const MutationQuery& q) {
  Sql sql;
  sql << "WITH pgrst_mutation AS (";
  const std::string target_alias = "t";
  switch (q.kind) {
    case MutationQuery::Kind::insert: {
      sql << "INSERT INTO ";
      sql.qualified(q.schema, q.name) << " AS ";
      sql.ident(target_alias);
      if (!q.columns.empty()) {
        sql << " (";
        for (std::size_t i = 0; i < q.columns.size(); ++i) {
          if (i) sql << ", ";
          sql.ident(q.columns[i]);
        }
        sql << ')';
      }
      // One row per body row, also without columns: `{}` inserts one row of DEFAULTs,
      // `[{},{}]` two and `[]` (or a scalar, turned into `[]`) none, as in PostgREST. A
      // zero-column SELECT gives every column its DEFAULT.
      sql << " SELECT ";
      for (std::size_t i = 0; i < q.columns.size(); ++i) {
        if (i) sql << ", ";
        sql << "_.";
        sql.ident(q.columns[i]);
      }
      // One object or an array of them: the body travels as one parameter either way.
      sql << " FROM ";
      append_body_rows(sql, q);
      sql << " AS _";
      if (q.put_where) {
        // Only body rows matching the URL's key are written; each one counts as inserted
        // until ON CONFLICT turns it into an update.
        sql << " WHERE CASE WHEN ";
        append_condition(sql, *q.put_where, "_");
        sql << " THEN ";
        append_inserted_counter(sql, true);
        sql << " ELSE FALSE END";
      }
      if (q.on_conflict) {
        sql << " ON CONFLICT (";
        for (std::size_t i = 0; i < q.on_conflict->size(); ++i) {
          if (i) sql << ", ";
          sql.ident((*q.on_conflict)[i]);
        }
        sql << ")";
        if (q.merge_duplicates && !q.columns.empty()) {
          sql << " DO UPDATE SET ";
          for (std::size_t i = 0; i < q.columns.size(); ++i) {
            if (i) sql << ", ";
            sql.ident(q.columns[i]) << " = EXCLUDED.";
            sql.ident(q.columns[i]);
          }
          if (q.put_where) {
            sql << " WHERE ";
            append_inserted_counter(sql, false);
          }
        } else {
          sql << " DO NOTHING";
        }
      }
      break;
    }
    case MutationQuery::Kind::update: {
      sql << "UPDATE ";
      sql.qualified(q.schema, q.name) << " AS ";
      sql.ident(target_alias) << " SET ";
      for (std::size_t i = 0; i < q.columns.size(); ++i) {
        if (i) sql << ", ";
        sql.ident(q.columns[i]) << " = _.";
        sql.ident(q.columns[i]);
      }
      // An array body is several FROM rows: each target row is updated from one of them
      // (PostgREST does the same).
      sql << " FROM ";
      append_body_rows(sql, q);
      sql << " AS _ WHERE ";
      if (q.where.empty()) {
        sql << "TRUE";
      } else {
        append_condition(sql, q.where, target_alias);
      }
      break;
    }
    case MutationQuery::Kind::remove: {
      sql << "DELETE FROM ";
      sql.qualified(q.schema, q.name) << " AS ";
      sql.ident(target_alias) << " WHERE ";
      if (q.where.empty()) {
        sql << "TRUE";
      } else {
        append_condition(sql, q.where, target_alias);
      }
      break;
    }
  }
  sql << " RETURNING ";
  sql.ident(target_alias)
      << ".*) SELECT NULL::bigint AS total, pg_catalog.count(_t) AS page_total, ";
  // Read after every row went through the CTE (the aggregate consumed them all).
  std::string_view inserted =
      q.put_where ? ", NULLIF(current_setting('pgrst.inserted', true), '')::bigint AS inserted"
                  : "";
  if (q.returning == nullptr) {
    sql << "''::text AS body";
    append_response_settings(sql);
    sql << inserted << " FROM pgrst_mutation AS _t";
    return sql;
  }
  append_body_columns(sql, BodyFormat{q.single_object, q.strip_nulls, q.handler}, "_t");
  sql << inserted << " FROM (";
  static const std::string kSource = "pgrst_mutation";
  append_select(sql, *q.returning, nullptr, &kSource, false);
  sql << ") AS _t";
  return sql;
}

}  // namespace basalt::rest
