// The parser's plain-form fast paths against the grammar: for every input (generated over an
// alphabet that reaches both plain and non-plain forms) the result with fast paths on must be
// the grammar's result, values and errors alike.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rest/query_parser.hpp"

namespace basalt::rest::req {
namespace {

// Every string of length 1..max over `alphabet` (its items may be several bytes).
std::vector<std::string> strings_over(const std::vector<std::string>& alphabet, int max) {
  std::vector<std::string> out{""};
  std::vector<std::string> level{""};
  for (int n = 1; n <= max; ++n) {
    std::vector<std::string> next;
    for (const auto& s : level) {
      for (const auto& a : alphabet) next.push_back(s + a);
    }
    out.insert(out.end(), next.begin(), next.end());
    level = std::move(next);
  }
  return out;
}

ParseLimits with_fast_paths(bool on) {
  ParseLimits l;
  l.fast_paths = on;
  return l;
}

template <class T>
void expect_same(const Result<T>& fast, const Result<T>& grammar, const std::string& input) {
  ASSERT_EQ(fast.ok(), grammar.ok()) << input;
  if (fast.ok()) {
    EXPECT_TRUE(*fast == *grammar) << input;
  } else {
    EXPECT_EQ(fast.error().message, grammar.error().message) << input;
    EXPECT_EQ(fast.error().details, grammar.error().details) << input;
  }
}

TEST(ParserFastPath, SelectMatchesTheGrammar) {
  const auto inputs =
      strings_over({"a", "Z", "1", "_", "$", "*", ",", " ", "-", ":", "(", ")", ".", "é"}, 4);
  for (const auto& in : inputs) {
    expect_same(parse_select(in, with_fast_paths(true)), parse_select(in, with_fast_paths(false)),
                in);
  }
  // Embeds: longer strings over fewer symbols, and a tight depth limit.
  for (const auto& in : strings_over({"a", "b", ",", "(", ")", "*"}, 6)) {
    expect_same(parse_select(in, with_fast_paths(true)), parse_select(in, with_fast_paths(false)),
                in);
    ParseLimits shallow_fast = with_fast_paths(true), shallow = with_fast_paths(false);
    shallow_fast.max_embed_depth = shallow.max_embed_depth = 1;
    expect_same(parse_select(in, shallow_fast), parse_select(in, shallow), in);
  }
  for (const std::string in : {"*",
                               "id",
                               "id,body,list_id",
                               "*,a",
                               "a,,b",
                               ",",
                               "a,",
                               "count",
                               "sum",
                               "id,*",
                               "user_id,created_at",
                               "a$b",
                               "9lives",
                               "id,name,items(id,body)",
                               "a(b(c(d)))",
                               "a(),b",
                               "count()",
                               "a(count())",
                               "count(),a",
                               "count(a)",
                               "a(b,c),d(*)",
                               "a(b",
                               "a)b",
                               "a(b))",
                               "x(y)z"}) {
    expect_same(parse_select(in, with_fast_paths(true)), parse_select(in, with_fast_paths(false)),
                in);
  }
}

TEST(ParserFastPath, FiltersMatchTheGrammar) {
  const auto keys = strings_over({"a", "1", "_", "$", ".", "-", ">", " ", "\""}, 3);
  const auto tails = strings_over({"1", "a", "*", ".", ",", "(", ")", "\"", " ", "é"}, 3);
  const std::vector<std::string> heads = {"",         "eq.",       "neq.", "gt.",  "gte.",
                                          "lt.",      "lte.",      "eq",   "e",    "eq(any).",
                                          "not.eq.",  "like.",     "is.",  "in.(", "gte",
                                          "lt(all).", "neq(any).", "EQ.",  "eq..", "fts(english)."};
  for (const auto& key : keys) {
    expect_same(parse_filter(key, "eq.1", with_fast_paths(true)),
                parse_filter(key, "eq.1", with_fast_paths(false)), key);
  }
  for (const auto& h : heads) {
    for (const auto& t : tails) {
      const std::string v = h + t;
      expect_same(parse_filter("col", v, with_fast_paths(true)),
                  parse_filter("col", v, with_fast_paths(false)), v);
    }
  }
}

TEST(ParserFastPath, RpcArgumentsMatchTheGrammar) {
  // On GET /rpc a value that is not an operator expression is an argument, not a filter.
  for (const std::string v : {"eq.1", "5", "hello", "eq", "gte.x", "lt.", "not.eq.2", "is.null"}) {
    auto fast = parse_query_params("a=" + v, true, with_fast_paths(true));
    auto grammar = parse_query_params("a=" + v, true, with_fast_paths(false));
    ASSERT_EQ(fast.ok(), grammar.ok()) << v;
    if (!fast.ok()) continue;
    EXPECT_EQ(fast->filters, grammar->filters) << v;
    EXPECT_EQ(fast->rpc_args, grammar->rpc_args) << v;
  }
}

}  // namespace
}  // namespace basalt::rest::req
