// PUT's filter rule (PGRST105), column DEFAULTs for Prefer: missing=default, and the SQL the
// query builder makes for them, for PUT's inserted count and for counted/estimated reads.
#include <gtest/gtest.h>

#include <limits>

#include "rest/planner.hpp"
#include "rest/query.hpp"

namespace basalt::rest {
namespace {

Table table(std::vector<std::string> pk) {
  Table t;
  t.schema = "public";
  t.name = "items";
  auto add = [&](const char* name, std::optional<std::string> def) {
    Column c;
    c.name = name;
    c.default_value = std::move(def);
    t.columns.push_back(std::move(c));
  };
  add("id", "nextval('public.items_id_seq'::regclass)");
  add("name", std::nullopt);
  add("qty", "1");
  add("b", std::nullopt);
  t.primary_key = std::move(pk);
  return t;
}

req::ApiRequest put(const std::string& query) {
  req::RawRequest raw;
  raw.method = "PUT";
  raw.path = "/items";
  raw.query = query;
  raw.headers = {{"Content-Type", "application/json"}};
  raw.body = R"({"id":1,"name":"x"})";
  auto r = req::parse_api_request(raw);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return std::move(r).value();
}

void expect_invalid(const Status& s, const std::string& query) {
  ASSERT_FALSE(s.ok()) << query;
  EXPECT_EQ(s.error().status, 405) << query;
  EXPECT_EQ(s.error().code, "PGRST105") << query;
  EXPECT_EQ(s.error().message,
            "Filters must include all and only primary key columns with 'eq' operators");
}

TEST(PutFilters, ExactlyEqOnEveryKeyColumn) {
  const Table single = table({"id"});
  EXPECT_TRUE(check_put_filters(put("id=eq.1"), single).ok());
  const Table composite = table({"b", "id"});
  EXPECT_TRUE(check_put_filters(put("id=eq.1&b=eq.2"), composite).ok());
  // Repeating a key column is still "only key columns" (the body then cannot match both).
  EXPECT_TRUE(check_put_filters(put("id=eq.1&id=eq.2"), single).ok());
}

TEST(PutFilters, RefusedShapes) {
  const Table single = table({"id"});
  for (const std::string q :
       {"", "name=eq.x", "id=eq.1&name=eq.x", "id=not.eq.1", "id=in.(1)", "id=gt.1",
        "id=eq(any).{1}", "and=(id.eq.1)", "id=eq.1&or=(id.eq.1,id.eq.2)", "id->a=eq.1"}) {
    expect_invalid(check_put_filters(put(q), single), q);
  }
  const Table composite = table({"b", "id"});
  expect_invalid(check_put_filters(put("id=eq.1"), composite), "id=eq.1");
  const Table no_pk = table({});
  expect_invalid(check_put_filters(put("id=eq.1"), no_pk), "no primary key");
}

TEST(ColumnDefaults, OnlyListedColumnsWithADefault) {
  const Table t = table({"id"});
  auto d = column_defaults({"b", "id", "name", "qty", "nope"}, t);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], (std::pair<std::string, std::string>{
                      "id", "nextval('public.items_id_seq'::regclass)"}));
  EXPECT_EQ(d[1], (std::pair<std::string, std::string>{"qty", "1"}));
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MutationSql, MissingDefaultMergesBodyOverDefaults) {
  MutationQuery m;
  m.schema = "public";
  m.name = "items";
  m.columns = {"id", "qty"};
  m.body_json = R"([{"id":1}])";
  m.missing_default = true;
  m.defaults = {{"qty", "1"}};
  Sql sql = build_mutation(m);
  EXPECT_TRUE(contains(sql.text(), "jsonb_build_object($2::text, (1)) || _e.v")) << sql.text();
  EXPECT_TRUE(contains(sql.text(), "jsonb_populate_record(NULL::\"public\".\"items\""))
      << sql.text();
  ASSERT_EQ(sql.params().size(), 2u);
  EXPECT_EQ(sql.params()[0], R"([{"id":1}])");
  EXPECT_EQ(sql.params()[1], "qty");  // column names travel as parameters

  m.missing_default = false;
  Sql plain = build_mutation(m);
  EXPECT_FALSE(contains(plain.text(), "jsonb")) << plain.text();
  EXPECT_TRUE(contains(plain.text(), "json_populate_recordset(NULL::\"public\".\"items\""));
}

TEST(MutationSql, KeylessInsertTakesOneRowPerBodyRow) {
  // `[]` (and a scalar body, which becomes `[]`) must insert nothing, `[{},{}]` two rows:
  // never DEFAULT VALUES, which always inserts one row.
  MutationQuery m;
  m.schema = "public";
  m.name = "items";
  m.body_json = "[]";
  m.body_is_array = true;
  Sql sql = build_mutation(m);
  EXPECT_FALSE(contains(sql.text(), "DEFAULT VALUES")) << sql.text();
  EXPECT_TRUE(contains(sql.text(),
                       "INSERT INTO \"public\".\"items\" AS \"t\" SELECT  FROM "
                       "json_populate_recordset(NULL::\"public\".\"items\""))
      << sql.text();
  ASSERT_EQ(sql.params().size(), 1u);
  EXPECT_EQ(sql.params()[0], "[]");
}

TEST(MutationSql, UpdateTakesArrayBodies) {
  MutationQuery m;
  m.kind = MutationQuery::Kind::update;
  m.schema = "public";
  m.name = "items";
  m.columns = {"qty"};
  m.body_json = R"([{"qty":2}])";
  Sql sql = build_mutation(m);
  EXPECT_TRUE(contains(sql.text(), "FROM json_populate_recordset(")) << sql.text();
  EXPECT_TRUE(contains(sql.text(), "ELSE json_build_array(_b)")) << sql.text();
}

TEST(MutationSql, PutFiltersTheBodyAndCountsInserts) {
  MutationQuery m;
  m.schema = "public";
  m.name = "items";
  m.columns = {"id", "name"};
  m.body_json = R"({"id":1,"name":"x"})";
  m.on_conflict = std::vector<std::string>{"id"};
  m.merge_duplicates = true;
  Condition where;
  Condition eq;
  eq.kind = Condition::Kind::comparison;
  eq.comparison.lhs.column = "id";
  eq.comparison.sql_op = "=";
  eq.comparison.values = {"1"};
  where.children.push_back(eq);
  m.put_where = where;
  Sql sql = build_mutation(m);
  const auto& text = sql.text();
  EXPECT_TRUE(contains(text, "AS _ WHERE CASE WHEN (\"_\".\"id\" = $2) THEN set_config(")) << text;
  EXPECT_TRUE(contains(text,
                       "DO UPDATE SET \"id\" = EXCLUDED.\"id\", \"name\" = EXCLUDED.\"name\" "
                       "WHERE set_config('pgrst.inserted'"))
      << text;
  EXPECT_TRUE(contains(text, "AS inserted")) << text;
  EXPECT_EQ(sql.params().back(), "1");

  // Without PUT there is no inserted column.
  m.put_where.reset();
  EXPECT_FALSE(contains(build_mutation(m).text(), "pgrst.inserted"));
}

TEST(ReadSql, EstimatedCountIsLimitedAndPlannedIsExplained) {
  ReadPlan plan;
  plan.schema = "public";
  plan.name = "items";
  plan.alias = "items_1";
  SelectField f;
  f.key = "id";
  f.column.column = "id";
  plan.select.push_back(f);
  plan.limit = 2;
  ReadQuery q{&plan, true, false, 1001};
  Sql sql = build_read(q);
  EXPECT_TRUE(contains(sql.text(),
                       "(SELECT pg_catalog.count(*) FROM (SELECT 1 FROM "
                       "\"public\".\"items\" AS \"items_1\" WHERE TRUE LIMIT 1001) "
                       "AS _c)"))
      << sql.text();
  // Bounds are numbers in the text, not parameters (a parameter there made Postgres re-plan
  // the statement on every request).
  EXPECT_TRUE(contains(sql.text(), "WHERE TRUE LIMIT 2) AS _t")) << sql.text();
  EXPECT_TRUE(sql.params().empty());

  q.count_limit.reset();
  Sql unlimited = build_read(q);
  EXPECT_TRUE(contains(unlimited.text(), "AS \"items_1\" WHERE TRUE) AS _c)")) << unlimited.text();

  Sql explain = build_count_explain(q);
  EXPECT_EQ(explain.text(),
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM \"public\".\"items\" AS \"items_1\" WHERE TRUE");
  EXPECT_TRUE(explain.params().empty());  // no LIMIT/OFFSET in the counted query
}

TEST(ReadSql, BoundsBeyondBigintAreSentAsTheirText) {
  // Postgres then refuses them (22003 value "..." is out of range for type bigint).
  ReadPlan plan;
  plan.schema = "public";
  plan.name = "items";
  plan.alias = "items_1";
  plan.limit = std::numeric_limits<long long>::max();
  plan.limit_text = "99999999999999999999";
  plan.offset = std::numeric_limits<long long>::max();
  plan.offset_text = "18446744073709551616";
  Sql sql = build_read(ReadQuery{&plan});
  EXPECT_TRUE(contains(sql.text(), "LIMIT $1::bigint OFFSET $2::bigint")) << sql.text();
  ASSERT_EQ(sql.params().size(), 2u);
  EXPECT_EQ(sql.params()[0], "99999999999999999999");
  EXPECT_EQ(sql.params()[1], "18446744073709551616");

  // In range, LIMIT is the number itself; OFFSET stays a parameter.
  plan.limit = 10;
  plan.limit_text.reset();
  plan.offset = 20;
  plan.offset_text.reset();
  Sql small = build_read(ReadQuery{&plan});
  EXPECT_TRUE(contains(small.text(), "LIMIT 10 OFFSET $1::bigint")) << small.text();
  ASSERT_EQ(small.params().size(), 1u);
  EXPECT_EQ(small.params()[0], "20");
}

}  // namespace
}  // namespace basalt::rest
