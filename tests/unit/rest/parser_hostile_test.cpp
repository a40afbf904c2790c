// Hostile input: huge query strings, deep nesting, NUL bytes, broken UTF-8, unicode names,
// absurd numbers. The parser must answer with a value or a clear PGRST error, never crash.
#include <gtest/gtest.h>

#include <limits>

#include "parser_test_util.hpp"

namespace basalt::rest::req {
namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Hostile, HundredKilobyteSelect) {
  std::string cols = "c0";
  for (int i = 1; cols.size() < 100'000; ++i) cols += ",c" + std::to_string(i);
  auto r = parse_api_request(RawRequest{"GET", "/t", "select=" + cols, {}, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->query.select.size(), 10'000u);
  // The same with an error at the very end: the message names the column of the failure.
  auto bad = parse_select(cols + ",[");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("(line 1, column " + std::to_string(cols.size() + 2) + ")"),
            std::string::npos);
}

TEST(Hostile, HundredKilobyteValuesAndNames) {
  std::string value(100'000, 'x');
  auto r = parse_query_params("name=eq." + value, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->filters[0].filter.expr.value, value);
  std::string name(100'000, 'n');
  auto n = parse_query_params(name + "=eq.1&select=" + name, false);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->filters[0].filter.field.name, name);
  auto list = parse_query_params("id=in.(" + repeat("1,", 50'000) + "1)", false);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->filters[0].filter.expr.list.size(), 50'001u);
}

TEST(Hostile, ManyParameters) {
  std::string qs;
  for (int i = 0; i < 10'000; ++i) qs += "c" + std::to_string(i) + "=eq." + std::to_string(i) + "&";
  auto r = parse_query_params(qs, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->filters.size(), 10'000u);
}

TEST(Hostile, LongJsonPathStopsAtTheLimit) {
  // 100 steps are fine; the 101st is reported where it starts (column 5 + 3 * 100).
  auto ok = parse_select("d" + repeat("->k", 100));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].field.json.size(), 100u);
  const std::string long_path = "d" + repeat("->k", 20'000);
  auto r = parse_select(long_path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PGRST100");
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().details, "JSON path exceeds the maximum of 100 operators");
  EXPECT_EQ(r.error().message,
            "\"failed to parse select parameter (" + long_path + ")\" (line 1, column 302)");
  // ->> counts too, and so does a path inside an embed.
  EXPECT_FALSE(parse_select("r(d" + repeat("->>k", 101) + ")").ok());
  // The limit is a setting.
  ParseLimits limits;
  limits.max_json_path = 3;
  EXPECT_TRUE(parse_select("d->a->b->>c", limits).ok());
  auto three = parse_select("d->a->b->c->>d", limits);
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.error().details, "JSON path exceeds the maximum of 3 operators");
  EXPECT_NE(three.error().message.find("(line 1, column 11)"), std::string::npos);
}

TEST(Hostile, LongJsonPathsInOrderFiltersAndLogicTrees) {
  const std::string path = "d" + repeat("->k", 101);
  const std::string details = "JSON path exceeds the maximum of 100 operators";
  for (const std::string& qs :
       {"order=" + path, path + "=eq.1", "or=(" + path + ".eq.1)", "select=r(x)&r.order=" + path}) {
    auto r = parse_query_params(qs, false);
    ASSERT_FALSE(r.ok()) << qs;
    EXPECT_EQ(r.error().code, "PGRST100") << qs;
    EXPECT_EQ(r.error().details, details) << qs;
  }
  auto filter = parse_query_params(path + "=eq.1", false);
  EXPECT_EQ(filter.error().message,
            "\"failed to parse tree path (" + path + ")\" (line 1, column 302)");
  // RPC reads: a parameter name is a tree path too.
  EXPECT_FALSE(parse_query_params(path + "=1", true).ok());
  // At the limit all of them parse.
  const std::string at = "d" + repeat("->k", 100);
  EXPECT_TRUE(
      parse_query_params("order=" + at + "&" + at + "=eq.1&or=(" + at + ".eq.1)", false).ok());
}

TEST(Hostile, DeepEmbedNestingStopsAtTheLimit) {
  std::string deep = repeat("r(", 50'000) + "x" + repeat(")", 50'000);
  auto r = parse_api_request(RawRequest{"GET", "/t", "select=" + deep, {}, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PGRST100");
  EXPECT_EQ(r.error().details, "embedding depth exceeds the maximum of 16");
  EXPECT_NE(r.error().message.find("(line 1, column 34)"), std::string::npos);  // the 17th "("
}

TEST(Hostile, DeepLogicNestingStopsAtTheLimit) {
  std::string deep = "(" + repeat("and(", 50'000) + "a.eq.1" + repeat(")", 50'001);
  auto r = parse_query_params("or=" + deep, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PGRST100");
  EXPECT_EQ(r.error().details, "logic tree nesting exceeds the maximum depth of 10");
}

TEST(Hostile, UnbalancedBrackets) {
  // PostgREST's select forest accepts a first item that fails without consuming as "nothing".
  auto sel = parse_select(repeat("(", 100'000));
  ASSERT_TRUE(sel.ok());
  EXPECT_TRUE(sel->empty());
  EXPECT_FALSE(parse_query_params("or=" + repeat("(", 100'000), false).ok());
  EXPECT_FALSE(parse_query_params("id=in." + repeat("(", 100'000), false).ok());
  EXPECT_TRUE(parse_query_params("or=(a.cs." + repeat("{", 100'000) + ")", false).ok());
  EXPECT_FALSE(parse_query_params("order=" + repeat("a(", 100'000), false).ok());
}

TEST(Hostile, NulBytes) {
  for (const char* qs : {"id=eq.%00", "%00=eq.1", "select=a%00b", "or=(a.eq.%00)"}) {
    auto r = parse_query_params(qs, false);
    ASSERT_FALSE(r.ok()) << qs;
    EXPECT_EQ(r.error().code, "PGRST100");
    EXPECT_EQ(r.error().message, "failed to parse query string");
  }
  std::string raw_nul = std::string("id=eq.a") + '\0' + "b";
  EXPECT_FALSE(parse_query_params(raw_nul, false).ok());
  // Direct grammar calls treat NUL as an ordinary character and show it Haskell-style.
  auto s = parse_select(std::string("a\0b", 3));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().details.substr(0, 16), "unexpected '\\NUL");
}

TEST(Hostile, InvalidUtf8) {
  for (const char* qs : {"id=eq.%C3", "%FF=1", "select=%ED%A0%80", "id=eq.\xc3\x28"}) {
    auto r = parse_query_params(qs, false);
    ASSERT_FALSE(r.ok()) << qs;
    EXPECT_EQ(r.error().code, "PGRST100");
  }
  // In the path, like Wai, bad bytes are replaced rather than rejected.
  auto p = parse_api_request(RawRequest{"GET", "/a%FFb", "", {}, ""});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->name,
            "a\xEF\xBF\xBD"
            "b");
}

TEST(Hostile, UnicodeIdentifiersAndMessages) {
  auto r = parse_query_params("select=名前,データ->>キー&名前=eq.値&order=名前.desc", false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->select[1].field.json[0].key, "キー");
  EXPECT_EQ(r->filters[0].filter.field.name, "名前");
  EXPECT_EQ(r->order[0].terms[0].field.name, "名前");
  // Columns count code points; non-ASCII tokens are shown as Haskell escapes.
  auto e = parse_select("名前!");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "\"failed to parse select parameter (名前!)\" (line 1, column 3)");
  auto e2 = parse_select("a,→");
  ASSERT_FALSE(e2.ok());
  EXPECT_EQ(e2.error().details.substr(0, 18), "unexpected \"\\8594\"");
  // Emoji are not letters: an error, not a crash.
  EXPECT_FALSE(parse_filter("😀", "eq.1").ok());
  EXPECT_TRUE(parse_filter("\"😀\"", "eq.1").ok());
}

TEST(Hostile, NewlinesAndTabsMoveTheReportedPosition) {
  // Newlines are not whitespace in the grammar, so they fail where they stand...
  auto r = parse_select("a,\nb");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "\"failed to parse select parameter (a,\nb)\" (line 1, column 3)");
  // ...but inside a quoted name they move Parsec's position to the next line; tabs jump to
  // the next multiple of 8 (+1).
  auto q = parse_select("\"a\nb\",\t[");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message,
            "\"failed to parse select parameter (\"a\nb\",\t[)\" (line 2, column 9)");
}

TEST(Hostile, AbsurdNumbers) {
  for (const char* qs :
       {"limit=99999999999999999999999999",
        "offset=99999999999999999999999&limit=99999999999999999",
        "offset=-99999999999999999999999&limit=5", "limit=-99999999999999999999"}) {
    auto q = parse_query_params(qs, false);
    ASSERT_TRUE(q.ok());
    (void)compute_ranges("GET", *q,
                         std::string_view("99999999999999999999999-999999999999999999999999"));
  }
  auto q = parse_query_params("", false);
  auto r = compute_ranges("GET", *q, std::string_view("99999999999999999999999-"));
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->top.offset, 0);
}

TEST(Hostile, BoundsBeyondBigintKeepTheirExactText) {
  auto ranges = [](const std::string& qs, std::optional<std::string_view> header) {
    auto q = parse_query_params(qs, false);
    EXPECT_TRUE(q.ok());
    auto r = compute_ranges("GET", *q, header);
    EXPECT_TRUE(r.ok());
    return std::move(r).value();
  };
  // Integer arithmetic as in Haskell: no saturation, no overflow.
  auto limit = ranges("limit=99999999999999999999999", std::nullopt);
  EXPECT_EQ(limit.top.limit, std::numeric_limits<long long>::max());
  EXPECT_EQ(limit.top.limit_text, "99999999999999999999999");
  EXPECT_FALSE(limit.top.offset_text);
  auto range = ranges("", std::string_view("1-99999999999999999999999999"));
  EXPECT_EQ(range.top.offset, 1);
  EXPECT_EQ(range.top.limit_text, "99999999999999999999999999");  // upper - lower + 1
  auto offset = ranges("offset=00018446744073709551616&limit=3", std::nullopt);
  EXPECT_EQ(offset.top.offset_text, "18446744073709551616");  // leading zeros are decimal
  EXPECT_EQ(offset.top.limit, 3);
  EXPECT_FALSE(offset.top.limit_text);
  // At the bigint maximum nothing is beyond: offset + limit - 1 may be, but is never bound.
  auto edge = ranges("offset=9223372036854775807&limit=5", std::nullopt);
  EXPECT_EQ(edge.top.offset, std::numeric_limits<long long>::max());
  EXPECT_FALSE(edge.top.offset_text);
  EXPECT_EQ(edge.top.limit, 5);
  // Embedded ranges too; a limit cut by the Range header is no longer huge.
  auto embed = ranges("films.offset=99999999999999999999", std::nullopt);
  ASSERT_EQ(embed.embeds.size(), 1u);
  EXPECT_EQ(embed.embeds[0].range.offset_text, "99999999999999999999");
  auto cut = ranges("limit=99999999999999999999", std::string_view("0-9"));
  EXPECT_EQ(cut.top.limit, 10);
  EXPECT_FALSE(cut.top.limit_text);
  // Hugely negative limits are still PGRST103.
  auto q = parse_query_params("limit=-99999999999999999999", false);
  auto neg = compute_ranges("GET", *q, std::nullopt);
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.error().code, "PGRST103");
}

TEST(Hostile, GarbageHeadersAndBodies) {
  HeaderList h = {{"Accept", repeat(",;q=;;*/*", 10'000)},
                  {"Prefer", repeat(",max-affected=", 10'000)},
                  {"Content-Type", repeat(";", 10'000)},
                  {"Range", repeat("-", 10'000)}};
  auto r = parse_api_request(RawRequest{"POST", "/t", "", h, "{}"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PGRST102");  // Content-Type ";;;..." is not acceptable
  h[2].second = "application/json";
  auto ok = parse_api_request(RawRequest{"POST", "/t", "", h, repeat("{\"a\":1},", 1) + "x"});
  EXPECT_FALSE(ok.ok());
  std::string bulk = "[" + repeat("{\"a\":1,\"b\":\"x\"},", 20'000) + "{\"a\":1,\"b\":\"x\"}]";
  h[2].second = "application/json";
  auto big = parse_api_request(RawRequest{"POST", "/t", "", h, bulk});
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->columns, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace basalt::rest::req
