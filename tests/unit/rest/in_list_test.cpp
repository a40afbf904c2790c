// `col=in.(...)` from the URL to SQL: the list is one bound text array for `= ANY(...)`, and
// an empty list (`in.()`, parsed as one empty element, like PostgREST's) matches no row.
#include <gtest/gtest.h>

#include "rest/planner.hpp"
#include "rest/query.hpp"

namespace basalt::rest {
namespace {

Table films() {
  Table t;
  t.schema = "public";
  t.name = "films";
  Column id;
  id.name = "id";
  t.columns.push_back(id);
  return t;
}

// The WHERE condition of a DELETE with `query`, as SQL text and parameters.
Sql where_of(const std::string& query) {
  req::RawRequest raw;
  raw.method = "DELETE";
  raw.path = "/films";
  raw.query = query;
  auto rq = req::parse_api_request(raw);
  EXPECT_TRUE(rq.ok()) << (rq.ok() ? "" : rq.error().details);
  const Table t = films();
  auto where = plan_mutation_filter(*rq, t);
  EXPECT_TRUE(where.ok());
  Sql sql;
  append_condition(sql, *where, "t");
  return sql;
}

TEST(InList, ElementsAreOneBoundArray) {
  Sql sql = where_of("id=in.(1,2,%22a,b%22)");
  EXPECT_NE(sql.text().find("\"t\".\"id\" = ANY ($1)"), std::string::npos) << sql.text();
  ASSERT_EQ(sql.params().size(), 1u);
  EXPECT_EQ(sql.params()[0], R"({"1","2","a,b"})");
}

TEST(InList, EmptyListIsAnEmptyArray) {
  for (const char* q : {"id=in.()", "id=in.(%22%22)", "id=not.in.()"}) {
    Sql sql = where_of(q);
    ASSERT_EQ(sql.params().size(), 1u) << q;
    EXPECT_EQ(sql.params()[0], "{}") << q;  // not {""}, which an integer column refuses
  }
  // Two empty elements are two values, as in PostgREST.
  Sql two = where_of("id=in.(,)");
  EXPECT_EQ(two.params()[0], R"({"",""})");
}

}  // namespace
}  // namespace basalt::rest
