// "Perhaps you meant" search: Data.FuzzySet's results as PostgREST gets them (examples from
// PostgREST's documented hints and from the golden fixture's names).
#include "rest/fuzzy_match.hpp"

#include <gtest/gtest.h>

namespace basalt::rest {
namespace {

using Names = std::vector<std::string>;

TEST(FuzzyMatch, ExactButForCaseWinsAlone) {
  const Names names{"films", "film_s", "Films2"};
  auto found = fuzzy_matches("FILMS", names);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].value, "films");
  EXPECT_DOUBLE_EQ(found[0].score, 1.0);
  // Unicode letters are lower-cased too.
  EXPECT_EQ(closest("CLÉO", Names{"cléo", "cleo"}), "cléo");
  // Of two names equal but for case, FuzzySet keeps the last one of the list.
  EXPECT_EQ(closest("todos", Names{"Todos", "TODOS"}), "TODOS");
}

TEST(FuzzyMatch, ScoresAreLevenshteinRatiosBestFirst) {
  auto found = fuzzy_matches("directors\";drop", Names{"roles", "directors", "actors"});
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0].value, "directors");
  EXPECT_DOUBLE_EQ(found[0].score, 1.0 - 6.0 / 15.0);
  for (std::size_t i = 1; i < found.size(); ++i) EXPECT_LE(found[i].score, found[i - 1].score);
}

TEST(FuzzyMatch, OnlyNamesSharingAGramAreCandidates) {
  // Even with no threshold, a name without a gram in common is no candidate.
  EXPECT_TRUE(fuzzy_matches("xyz", Names{"abc", "films"}, 0.0).empty());
  // Punctuation is no part of grams but is of the Levenshtein ratio: `fi\0lms` is 5/6 films.
  const std::string nul_name("fi\0lms", 6);
  auto found = fuzzy_matches(nul_name, Names{"films"}, kFuzzyNameMinScore);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_DOUBLE_EQ(found[0].score, 1.0 - 1.0 / 6.0);
}

TEST(FuzzyMatch, TrigramsFirstThenBigrams) {
  // "ab" has no trigram in common with anything but the bigram "-a": found on the second pass.
  EXPECT_EQ(closest("ab", Names{"ax"}), "ax");
  // A trigram match above the threshold hides better bigram-only ones: "abzzzz" shares "-ab"
  // (Levenshtein 2/6), "axc" only bigrams (4/6).
  EXPECT_EQ(closest("abc", Names{"axc", "abzzzz"}), "abzzzz");
  EXPECT_EQ(closest("abc", Names{"axc"}), "axc");
}

TEST(FuzzyMatch, TableAndFunctionNamesNeedSeventyFivePercent) {
  const Names tables{"actors", "cr_authors",   "cr_books", "directors", "films",
                     "notes",  "prefer_items", "roles",    "scratch"};
  EXPECT_EQ(closest("film", tables, kFuzzyNameMinScore), "films");          // 80%
  EXPECT_FALSE(closest("flims", tables, kFuzzyNameMinScore));               // 60%
  EXPECT_FALSE(closest("auth.users", tables, kFuzzyNameMinScore));          // was 'actors' at 40%
  EXPECT_FALSE(closest("films\xEF\xBF\xBD(", tables, kFuzzyNameMinScore));  // 71%
  const Names functions{"test", "another"};
  EXPECT_EQ(closest("testt", functions, kFuzzyNameMinScore), "test");
  EXPECT_FALSE(closest("other", functions, kFuzzyNameMinScore));  // 71% of "another"
  EXPECT_FALSE(closest("noclosealternative", functions, kFuzzyNameMinScore));
}

TEST(FuzzyMatch, RelationshipAndParameterHintsUseThirtyThreePercent) {
  EXPECT_EQ(closest("film", Names{"films"}), "films");
  const Names children{"directors", "roles", "actors"};
  EXPECT_EQ(closest("role", children), "roles");
  EXPECT_EQ(closest("notes", children), "roles");  // 60%
  EXPECT_FALSE(closest("noclosealternative", children));
  EXPECT_EQ(closest("bookz", Names{"cr_books", "cr_books"}), "cr_books");  // 50%
  const Names params{"(name, param, val)", "(attr, id)"};
  EXPECT_EQ(closest("(nam, pqaram, vall)", params), "(name, param, val)");
  EXPECT_EQ(closest("(param, val)", params), "(name, param, val)");
  EXPECT_EQ(closest("(attrs, id)", params), "(attr, id)");
  EXPECT_EQ(closest("(id)", params), "(attr, id)");
  EXPECT_FALSE(closest("(noclosealternative)", params));
  EXPECT_EQ(closest("(name\";--)", Names{"(name)"}), "(name)");
  EXPECT_FALSE(closest("()", Names{"(name)"}));  // no gram in common
}

TEST(FuzzyMatch, Similarity) {
  EXPECT_DOUBLE_EQ(similarity("Films", "films"), 1.0);
  EXPECT_DOUBLE_EQ(similarity("", ""), 1.0);
  EXPECT_DOUBLE_EQ(similarity("kitten", "sitting"), 1.0 - 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(similarity("cléo", "cleo"), 0.75);  // code points, not bytes
}

}  // namespace
}  // namespace basalt::rest
