// The schema cache's lookups on hand-built contents (tables, overloaded routines,
// relationships by source) and the fuzzy "Perhaps you meant" matcher.
#include "rest/schema_cache.hpp"

#include <gtest/gtest.h>

#include "schema_fixture.hpp"

namespace basalt::rest {
namespace {

using testing::films_directors_fk;
using testing::make_routine;
using testing::make_table;

SchemaCache sample() {
  std::vector<Table> tables{make_table("public", "todos", {"id", "task"}),
                            make_table("api", "todos", {"id"}),
                            make_table("public", "films", {"id", "title", "director_id"})};
  std::vector<Routine> routines{make_routine("add", {"a", "b", "c"}, 3, true),
                                make_routine("add", {"a", "b"}, 2, true),
                                make_routine("hello", {}, 1, true)};
  return SchemaCache({"public", "api"}, std::move(tables), films_directors_fk(),
                     std::move(routines));
}

TEST(SchemaCache, FindsTablesBySchemaAndName) {
  auto c = sample();
  const Table* t = c.find_table("public", "todos");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->columns.size(), 2u);
  ASSERT_NE(c.find_table("api", "todos"), nullptr);
  EXPECT_EQ(c.find_table("api", "todos")->columns.size(), 1u);
  EXPECT_EQ(c.find_table("public", "todo"), nullptr);
  EXPECT_EQ(c.find_table("other", "todos"), nullptr);
  ASSERT_NE(t->find_column("task"), nullptr);
  EXPECT_EQ(t->find_column("task")->position, 2);
  EXPECT_EQ(t->find_column("nope"), nullptr);
  EXPECT_TRUE(c.is_exposed("api"));
  EXPECT_FALSE(c.is_exposed("auth"));
}

TEST(SchemaCache, OverloadsComeFewestParametersFirst) {
  auto c = sample();
  auto add = c.find_routines("public", "add");
  ASSERT_EQ(add.size(), 2u);
  EXPECT_EQ(add[0].input_params().size(), 2u);
  EXPECT_EQ(add[1].input_params().size(), 3u);
  EXPECT_EQ(c.find_routines("public", "hello").size(), 1u);
  EXPECT_TRUE(c.find_routines("public", "nope").empty());
  EXPECT_TRUE(c.find_routines("api", "add").empty());
}

TEST(SchemaCache, RelationshipsFromASource) {
  auto c = sample();
  auto films = c.relationships_from("public", "films");
  ASSERT_EQ(films.size(), 1u);
  EXPECT_EQ(films[0].target.name, "directors");
  EXPECT_EQ(c.relationships_from("public", "directors").size(), 1u);
  EXPECT_TRUE(c.relationships_from("public", "todos").empty());
  EXPECT_EQ(c.find_relationships({"public", "films"}, "director_id", std::nullopt).size(), 1u);
  EXPECT_TRUE(c.find_relationships({"public", "films"}, "actors", std::nullopt).empty());
}

TEST(SchemaCache, SummaryCountsFunctionsByName) {
  EXPECT_EQ(sample().summary(), "3 Relations, 2 Relationships, 2 Functions");
}

TEST(Routine, ReturnShapes) {
  Routine r;
  r.returns.type = {"pg_catalog", "void"};
  EXPECT_TRUE(r.returns_void());
  EXPECT_FALSE(r.returns_scalar());
  r.returns.type = {"pg_catalog", "int4"};
  EXPECT_TRUE(r.returns_scalar());
  r.returns.set_of = true;
  EXPECT_TRUE(r.returns_set_of_scalar());
  r.returns.type = {"public", "films"};
  r.returns.composite = true;
  r.returns.is_table_row = true;
  EXPECT_FALSE(r.returns_set_of_scalar());
  ASSERT_TRUE(r.table_name());
  EXPECT_EQ(r.table_name()->name, "films");
  r.returns.set_of = false;
  EXPECT_TRUE(r.returns_single_composite());
}

TEST(Routine, RequiredInputsSkipDefaultsAndOutputs) {
  Routine r = make_routine("f", {"a", "b"}, 1, true);
  r.params[1].has_default = true;
  EXPECT_EQ(r.input_params().size(), 2u);
  EXPECT_EQ(r.required_input_count(), 1u);
}

TEST(Closest, PicksTheMostSimilarName) {
  const std::vector<std::string> names{"todos", "films", "actors", "film_actors"};
  EXPECT_EQ(closest("todo", names), "todos");
  EXPECT_EQ(closest("TODOS", names), "todos");
  EXPECT_EQ(closest("flims", names), "films");
  EXPECT_EQ(closest("actor", names), "actors");
  EXPECT_EQ(closest("films_actors", names), "film_actors");
}

TEST(Closest, NothingWhenNothingIsClose) {
  const std::vector<std::string> names{"todos", "films"};
  EXPECT_FALSE(closest("xyz", names));
  EXPECT_FALSE(closest("completely_unrelated_name", names));
  EXPECT_FALSE(closest("todos", std::vector<std::string>{}));
}

TEST(Closest, ThresholdIsConfigurable) {
  const std::vector<std::string> names{"abcdef"};
  EXPECT_EQ(closest("abcxyz", names, 0.5), "abcdef");  // ratio exactly 0.5
  EXPECT_FALSE(closest("abcxyz", names, 0.6));
}

TEST(Similarity, LevenshteinRatio) {
  EXPECT_DOUBLE_EQ(similarity("films", "films"), 1.0);
  EXPECT_DOUBLE_EQ(similarity("Films", "films"), 1.0);
  EXPECT_DOUBLE_EQ(similarity("abcd", "abce"), 0.75);
  EXPECT_DOUBLE_EQ(similarity("", ""), 1.0);
  EXPECT_DOUBLE_EQ(similarity("abc", ""), 0.0);
  EXPECT_DOUBLE_EQ(similarity("kitten", "sitting"), 1.0 - 3.0 / 7.0);
}

TEST(SchemaCache, ClosestTableAndRoutineStayInTheSchema) {
  auto c = sample();
  EXPECT_EQ(c.closest_table("public", "todo"), "todos");
  EXPECT_EQ(c.closest_table("public", "film"), "films");
  EXPECT_FALSE(c.closest_table("api", "film"));
  EXPECT_EQ(c.closest_routine("public", "helo"), "hello");
}

TEST(SchemaCache, ClosestTableNeedsSeventyFivePercentAndASmallSchema) {
  auto c = sample();
  EXPECT_FALSE(c.closest_table("public", "flims"));  // 60%: PostgREST gives no hint
  EXPECT_FALSE(c.closest_routine("public", "hel"));  // 60%
  // PostgREST keeps no fuzzy index for a schema of 500 tables or more.
  std::vector<Table> many;
  for (int i = 0; i < 499; ++i) many.push_back(make_table("public", "t" + std::to_string(i), {}));
  many.push_back(make_table("public", "films", {}));
  SchemaCache big({"public"}, many, {}, {});
  EXPECT_FALSE(big.closest_table("public", "film"));
  many.pop_back();
  many.pop_back();
  many.push_back(make_table("public", "films", {}));
  SchemaCache smaller({"public"}, std::move(many), {}, {});
  EXPECT_EQ(smaller.closest_table("public", "film"), "films");
}

}  // namespace
}  // namespace basalt::rest
