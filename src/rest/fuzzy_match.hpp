// "Perhaps you meant ..." hints: the fuzzy string search PostgREST does with Data.FuzzySet
// (fuzzyset 0.2.4, its default set: n-grams of sizes 3 then 2, rescored by Levenshtein).
#pragma once
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::rest {

// PostgREST's thresholds: table and function names need 75% similarity (a lower one leaks
// unrelated names); relationship and parameter hints use FuzzySet's default of 33%.
inline constexpr double kFuzzyNameMinScore = 0.75;
inline constexpr double kFuzzyDefaultMinScore = 0.33;

struct FuzzyMatch {
  double score = 0;  // Levenshtein ratio, 1 for a case-insensitive exact match
  std::string value;
};

// FuzzySet.getWithMinScore: a case-insensitive exact match alone (score 1); else, for gram size
// 3 and then 2, the candidates sharing a gram with `query` (grams of the lower-cased text keeping
// only letters, digits, spaces and ',', padded with '-'), the 50 of them closest by cosine,
// rescored by the Levenshtein ratio of the lower-cased texts and kept when >= min_score; the
// first gram size with a result wins. Best first.
std::vector<FuzzyMatch> fuzzy_matches(std::string_view query,
                                      std::span<const std::string> candidates,
                                      double min_score = kFuzzyDefaultMinScore);

// FuzzySet.getOneWithMinScore: the best of fuzzy_matches, if any.
std::optional<std::string> closest(std::string_view query, std::span<const std::string> candidates,
                                   double min_score = kFuzzyDefaultMinScore);

// Levenshtein ratio 1 - distance / max(length) of the lower-cased texts, in code points
// (Data.Text.Metrics.levenshteinNorm); 1 for two empty texts.
double similarity(std::string_view a, std::string_view b);

}  // namespace basalt::rest
