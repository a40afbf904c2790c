// PostgREST's texts for what the planner cannot find: PGRST202 (function) and PGRST200
// (relationship) messages, details and "Perhaps you meant" hints, and PGRST205's threshold.
#include <gtest/gtest.h>

#include "rest/planner.hpp"
#include "schema_fixture.hpp"

namespace basalt::rest {
namespace {

using testing::films_directors_fk;
using testing::make_routine;
using testing::make_table;

// films → directors (M2O) and back (O2M); `directorz` has no relationship at all.
SchemaCache cache() {
  std::vector<Table> tables{make_table("public", "films", {"id", "director_id"}),
                            make_table("public", "directors", {"id"}),
                            make_table("public", "directorz", {"id"})};
  std::vector<Routine> routines{make_routine("add", {"a", "b"}, 1),
                                make_routine("add", {"a", "b", "c"}, 2),
                                make_routine("hello", {}, 3)};
  return SchemaCache({"public"}, std::move(tables), films_directors_fk(), std::move(routines));
}

Error embed_error(const SchemaCache& c, const std::string& table, const std::string& select) {
  req::RawRequest raw;
  raw.method = "GET";
  raw.path = "/" + table;
  raw.query = "select=" + select;
  auto rq = req::parse_api_request(raw);
  EXPECT_TRUE(rq.ok());
  auto plan = plan_read(*rq, c, *c.find_table("public", table), PlanOptions{});
  EXPECT_FALSE(plan.ok());
  return plan.ok() ? Error{} : plan.error();
}

TEST(NoRelationship, SuggestsTheClosestRelatedTable) {
  auto c = cache();
  Error e = embed_error(c, "films", "id,director(id)");
  EXPECT_EQ(e.code, "PGRST200");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.message,
            "Could not find a relationship between 'films' and 'director' in the "
            "schema cache");
  EXPECT_EQ(e.details,
            "Searched for a foreign key relationship between 'films' and 'director' "
            "in the schema 'public', but no matches were found.");
  EXPECT_EQ(e.hint, "Perhaps you meant 'directors' instead of 'director'.");
}

TEST(NoRelationship, NamesTheHintAndSuggestsNothingWhenBothTablesAreRelated) {
  auto c = cache();
  Error e = embed_error(c, "films", "id,directors!nope(id)");
  EXPECT_EQ(e.details,
            "Searched for a foreign key relationship between 'films' and 'directors' "
            "using the hint 'nope' in the schema 'public', but no matches were found.");
  EXPECT_EQ(e.hint, "");
}

TEST(NoRelationship, SuggestsAParentWhenTheOriginHasNoRelationship) {
  auto c = cache();
  Error e = embed_error(c, "directorz", "id,films(id)");
  EXPECT_EQ(e.code, "PGRST200");
  EXPECT_EQ(e.hint, "Perhaps you meant 'directors' instead of 'directorz'.");
}

TEST(NoFunction, GetWithoutArguments) {
  auto c = cache();
  auto r = find_routine(c, "public", "helo", {}, false);
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "PGRST202");
  EXPECT_EQ(e.message,
            "Could not find the function public.helo without parameters in the "
            "schema cache");
  EXPECT_EQ(e.details,
            "Searched for the function public.helo without parameters, but no "
            "matches were found in the schema cache.");
  EXPECT_EQ(e.hint, "Perhaps you meant to call the function public.hello");  // 80%
  // Below 75% similarity no other function's name is given away.
  EXPECT_EQ(find_routine(c, "public", "hel", {}, false).error().hint, "");
}

TEST(NoFunction, ArgumentsOfGetAndJsonPost) {
  auto c = cache();
  auto get = find_routine(c, "public", "add", {"x"}, false);
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.error().message, "Could not find the function public.add(x) in the schema cache");
  EXPECT_EQ(get.error().details,
            "Searched for the function public.add with parameter x, but no "
            "matches were found in the schema cache.");
  auto post = find_routine(c, "public", "add", {"a", "bb"}, true);
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(post.error().details,
            "Searched for the function public.add with parameters a, bb or with a single unnamed "
            "json/jsonb parameter, but no matches were found in the schema cache.");
  // The function exists: the hint is its closest parameter list.
  EXPECT_EQ(post.error().hint, "Perhaps you meant to call the function public.add(a, b)");
  auto form = find_routine(c, "public", "add", {"a", "bb"}, true, req::MediaKind::url_encoded);
  EXPECT_EQ(form.error().details,
            "Searched for the function public.add with parameters a, bb, "
            "but no matches were found in the schema cache.");
}

TEST(NoFunction, RawBodies) {
  auto c = cache();
  auto r = find_routine(c, "public", "hello", {}, true, req::MediaKind::text_plain);
  ASSERT_FALSE(r.ok());  // a function without parameters takes no text body
  EXPECT_EQ(r.error().message, "Could not find the function public.hello in the schema cache");
  EXPECT_EQ(r.error().details,
            "Searched for the function public.hello with a single unnamed "
            "text parameter, but no matches were found in the schema cache.");
  EXPECT_EQ(r.error().hint, "");
  EXPECT_EQ(find_routine(c, "public", "x", {}, true, req::MediaKind::octet_stream).error().details,
            "Searched for the function public.x with a single unnamed bytea parameter, but no "
            "matches were found in the schema cache.");
  EXPECT_TRUE(find_routine(c, "public", "hello", {}, true).ok());
}

TEST(NoTable, HintOnlyAboveSeventyFivePercent) {
  auto c = cache();
  EXPECT_EQ(find_relation(c, "public", "film").error().hint,
            "Perhaps you meant the table 'public.films'");
  EXPECT_EQ(find_relation(c, "public", "flims").error().hint, "");
}

}  // namespace
}  // namespace basalt::rest
