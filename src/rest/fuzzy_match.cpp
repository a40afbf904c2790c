// Data.FuzzySet's search, rebuilt from its documented algorithm (see fuzzy_match.hpp).
#include "rest/fuzzy_match.hpp"

#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_set>

#include "rest/parse_engine.hpp"

namespace basalt::rest {

namespace {

using Text = std::u32string;
using Grams = std::map<Text, int>;

locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= U'A' && c <= U'Z') ? c + 32 : c;
  locale_t loc = utf8_locale();
  if (loc == static_cast<locale_t>(nullptr)) return c;
  return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), loc));
}

// FuzzySet's `normalized` keeps isAlphaNum, isSpace and ','.
bool kept(char32_t c) {
  if (c < 0x80) {
    return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') ||
           c == U',' || req::engine::is_space(c);
  }
  if (req::engine::is_space(c)) return true;
  locale_t loc = utf8_locale();
  return loc != static_cast<locale_t>(nullptr) && iswalnum_l(static_cast<wint_t>(c), loc) != 0;
}

Text lowered(std::string_view s) {
  Text t = req::engine::decode_utf8(s);
  for (char32_t& c : t) c = to_lower(c);
  return t;
}

// gramVector: n-grams (with their counts) of the normalized text enclosed in '-'.
Grams gram_vector(const Text& key, std::size_t n) {
  Text s = U"-";
  for (char32_t c : key) {
    if (kept(c)) s.push_back(c);
  }
  s.push_back(U'-');
  Grams out;
  for (std::size_t i = 0; i + n <= s.size(); ++i) ++out[s.substr(i, n)];
  return out;
}

double magnitude(const Grams& g) {
  double sum = 0;
  for (const auto& [gram, count] : g) sum += static_cast<double>(count) * count;
  return std::sqrt(sum);
}

std::size_t levenshtein(const Text& a, const Text& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

double ratio(const Text& a, const Text& b) {
  const std::size_t longest = std::max(a.size(), b.size());
  if (longest == 0) return 1.0;
  return 1.0 - static_cast<double>(levenshtein(a, b)) / static_cast<double>(longest);
}

struct Entry {
  Text key;  // lower-cased
  const std::string* value;
};

}  // namespace

double similarity(std::string_view a, std::string_view b) {
  return ratio(lowered(a), lowered(b));
}

std::vector<FuzzyMatch> fuzzy_matches(std::string_view query,
                                      std::span<const std::string> candidates, double min_score) {
  // FuzzySet.fromList adds the list from its end; of names equal but for case, the one added
  // first (the last in the list) is kept.
  std::vector<Entry> entries;
  std::unordered_set<Text> seen;
  for (auto it = candidates.rbegin(); it != candidates.rend(); ++it) {
    Text key = lowered(*it);
    if (seen.insert(key).second) entries.push_back(Entry{std::move(key), &*it});
  }
  const Text key = lowered(query);
  for (const Entry& e : entries) {
    if (e.key == key) return {FuzzyMatch{1.0, *e.value}};
  }
  for (std::size_t n : {std::size_t(3), std::size_t(2)}) {
    const Grams q = gram_vector(key, n);
    const double q_magnitude = magnitude(q);
    struct Scored {
      double score;
      std::size_t index;
    };
    std::vector<Scored> scored;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const Grams g = gram_vector(entries[i].key, n);
      long long dot = 0;
      for (const auto& [gram, count] : q) {
        if (auto f = g.find(gram); f != g.end()) dot += static_cast<long long>(count) * f->second;
      }
      if (dot == 0) continue;  // no gram in common: not a candidate at all
      scored.push_back({static_cast<double>(dot) / (q_magnitude * magnitude(g)), i});
    }
    auto by_score = [](const Scored& a, const Scored& b) { return a.score > b.score; };
    std::stable_sort(scored.begin(), scored.end(), by_score);
    if (scored.size() > 50) scored.resize(50);
    for (Scored& s : scored) s.score = ratio(key, entries[s.index].key);
    std::stable_sort(scored.begin(), scored.end(), by_score);
    std::vector<FuzzyMatch> out;
    for (const Scored& s : scored) {
      if (s.score >= min_score) out.push_back(FuzzyMatch{s.score, *entries[s.index].value});
    }
    if (!out.empty()) return out;
  }
  return {};
}

std::optional<std::string> closest(std::string_view query, std::span<const std::string> candidates,
                                   double min_score) {
  auto found = fuzzy_matches(query, candidates, min_score);
  if (found.empty()) return std::nullopt;
  return std::move(found.front().value);
}

}  // namespace basalt::rest
