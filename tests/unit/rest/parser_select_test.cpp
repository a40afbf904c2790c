// select= grammar: every form, and PostgREST's exact parse errors (texts from PostgREST's own
// doctests and spec tests where they exist; the rest derived from its Parsec grammar).
#include <gtest/gtest.h>

#include "parser_test_util.hpp"

namespace basalt::rest::req {
namespace {

using testing::expect_error;
using testing::show;

struct SelectCase {
  const char* input;
  const char* expected;
};

class SelectParses : public ::testing::TestWithParam<SelectCase> {};

TEST_P(SelectParses, Renders) {
  auto r = parse_select(GetParam().input);
  ASSERT_TRUE(r.ok()) << GetParam().input << ": " << r.error().message << " / "
                      << r.error().details;
  EXPECT_EQ(show(*r), GetParam().expected) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Forms, SelectParses,
    ::testing::Values(
        SelectCase{"*", "<*>"}, SelectCase{"", ""}, SelectCase{"id", "<id>"},
        SelectCase{"id,name", "<id>,<name>"}, SelectCase{" id , name ", "<id>,<name>"},
        SelectCase{"alias:col", "alias:<col>"}, SelectCase{"col::text", "<col>::text"},
        SelectCase{"alias:col::text", "alias:<col>::text"},
        SelectCase{"data->a->>b", "<data>-><a>->><b>"}, SelectCase{"data->0", "<data>->#0"},
        SelectCase{"data->>-1", "<data>->>#-1"}, SelectCase{"data->0,other", "<data>->#0,<other>"},
        SelectCase{"alias:name->jsonpath::cast", "alias:<name>-><jsonpath>::cast"},
        SelectCase{"name->!@#$%^&*_a", "<name>-><!@#$%^&*_a>"},
        SelectCase{"data->\"a.b\"->>\"c,d\"", "<data>-><a.b>->><c,d>"},
        SelectCase{"data->a-b", "<data>-><a-b>"},
        SelectCase{"identifier with spaces", "<identifier with spaces>"},
        SelectCase{"identifier-with-dashes", "<identifier-with-dashes>"},
        SelectCase{"123,_,$", "<123>,<_>,<$>"}, SelectCase{"\"my col\"", "<my col>"},
        SelectCase{"\" spaced \"", "< spaced >"}, SelectCase{"\"a\\\"b\"", "<a\"b>"},
        SelectCase{"\"a\\\\b\"", "<a\\b>"}, SelectCase{"\":\"", "<:>"},
        SelectCase{"\"a,b\"", "<a,b>"}, SelectCase{"名前,émoji_é", "<名前>,<émoji_é>"},
        SelectCase{"count()", "<*>.count()"}, SelectCase{"count()::int", "<*>.count()::int"},
        SelectCase{"total:count()", "total:<*>.count()"},
        SelectCase{"amount.sum()", "<amount>.sum()"},
        SelectCase{"amount.avg()::int", "<amount>.avg()::int"},
        SelectCase{"m:amount.max()", "m:<amount>.max()"},
        SelectCase{"amount.min()", "<amount>.min()"},
        SelectCase{"amount.count()", "<amount>.count()"},
        SelectCase{"amount::numeric.sum()::int", "<amount>::numeric.sum()::int"},
        SelectCase{"data->x.sum()", "<data>-><x>.sum()"}, SelectCase{"count", "<count>"},
        SelectCase{"client(id)", "<client>(<id>)"},
        SelectCase{"*,client(*,nested(*))", "<*>,<client>(<*>,<nested>(<*>))"},
        SelectCase{"rel()", "<rel>()"}, SelectCase{"alias:rel(*)", "alias:<rel>(<*>)"},
        SelectCase{"rel!hint(*)", "<rel>!hint=hint(<*>)"},
        SelectCase{"rel!inner(*)", "<rel>!inner(<*>)"},
        SelectCase{"rel!left(*)", "<rel>!left(<*>)"},
        SelectCase{"rel!hint!inner(*)", "<rel>!hint=hint!inner(<*>)"},
        SelectCase{"alias:rel!inner!hint(*)", "alias:<rel>!hint=hint!inner(<*>)"},
        SelectCase{"rel!fk_name!left(a,b)", "<rel>!hint=fk_name!left(<a>,<b>)"},
        SelectCase{"rel!\"my fk\"(*)", "<rel>!hint=my fk(<*>)"},
        SelectCase{"...rel(*)", "...<rel>(<*>)"},
        SelectCase{"...rel!hint!inner(*)", "...<rel>!hint=hint!inner(<*>)"},
        SelectCase{"*,...client(*),other(*)", "<*>,...<client>(<*>),<other>(<*>)"},
        SelectCase{"id,clients(name,projects(id,tasks(*)))",
                   "<id>,<clients>(<name>,<projects>(<id>,<tasks>(<*>)))"},
        SelectCase{"rel(count())", "<rel>(<*>.count())"},
        SelectCase{"x:rel(a:b::text,c->>d)", "x:<rel>(a:<b>::text,<c>->><d>)"},
        // PostgREST ignores what follows a closed embed (no end-of-input check there).
        SelectCase{"rel(*)garbage", "<rel>(<*>)"}, SelectCase{"\"count\"", "<count>"}));

TEST(SelectParse, StructureOfAnEmbed) {
  auto r = parse_select("a:clients!fk!inner(id,n:name::text)");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  const SelectItem& e = (*r)[0];
  EXPECT_EQ(e.kind, SelectItem::Kind::relation);
  EXPECT_EQ(e.relation, "clients");
  EXPECT_EQ(e.alias, "a");
  EXPECT_EQ(e.hint, "fk");
  EXPECT_EQ(e.join, JoinType::inner);
  ASSERT_EQ(e.children.size(), 2u);
  EXPECT_EQ(e.children[1].alias, "n");
  EXPECT_EQ(e.children[1].field.name, "name");
  EXPECT_EQ(e.children[1].cast, "text");
}

TEST(SelectParse, JsonIndexKeepsSign) {
  auto r = parse_select("d->1->>-2");
  ASSERT_TRUE(r.ok());
  const auto& json = (*r)[0].field.json;
  ASSERT_EQ(json.size(), 2u);
  EXPECT_TRUE(json[0].is_index);
  EXPECT_FALSE(json[0].as_text);
  EXPECT_EQ(json[0].key, "1");
  EXPECT_TRUE(json[1].is_index);
  EXPECT_TRUE(json[1].as_text);
  EXPECT_EQ(json[1].key, "-2");
}

struct SelectError {
  const char* input;
  int column;
  const char* details;
};

class SelectErrors : public ::testing::TestWithParam<SelectError> {};

TEST_P(SelectErrors, MatchPostgrest) {
  const auto& c = GetParam();
  auto r = parse_select(c.input);
  ASSERT_FALSE(r.ok()) << c.input;
  expect_error(r.error(), 400, "PGRST100",
               std::string("\"failed to parse select parameter (") + c.input +
                   ")\" (line 1, column " + std::to_string(c.column) + ")",
               c.details);
}

INSTANTIATE_TEST_SUITE_P(
    Postgrest, SelectErrors,
    ::testing::Values(
        // PostgREST doctests / spec tests
        SelectError{"id,clients(name[])", 16,
                    "unexpected '[' expecting letter, digit, \"-\", \"->>\", \"->\", \"::\", "
                    "\".\", \")\", \",\" or end of input"},
        SelectError{"data->>-78xy", 11,
                    "unexpected 'x' expecting digit, \"->\", \"::\", \".\", \",\" or end of input"},
        SelectError{"data->(!@#$%^&*_d->>!@#$%^&*_e::integer", 7,
                    "unexpected \"(\" expecting \"-\", digit or any non reserved character "
                    "different from: .,>()"},
        SelectError{"data->>--34", 9, "unexpected \"-\" expecting digit"},
        SelectError{"name!hint", 5,
                    "unexpected '!' expecting letter, digit, \"-\", \"->>\", \"->\", \"::\", "
                    "\".\", \")\", \",\" or end of input"},
        SelectError{"id,*!hint", 5, "unexpected '!' expecting \")\", \",\" or end of input"},
        SelectError{"name::", 7, "unexpected end of input expecting letter or digit"},
        SelectError{"data->>-xy-4", 9, "unexpected \"x\" expecting digit"},
        // derived from the grammar
        // Parsec's many keeps only the last attempt's error: no "-" after a JSON key.
        SelectError{"rel->jsonpath(*)", 14,
                    "unexpected '(' expecting \"->>\", \"->\", \"::\", \".\", \")\", \",\" or end "
                    "of input"},
        SelectError{"id,", 4,
                    "unexpected end of input expecting \"...\", field name (* or [a..z0..9_$]), "
                    "\"*\" or \"count()\""},
        SelectError{"rel(id", 7,
                    "unexpected end of input expecting letter, digit, \"-\", \"->>\", \"->\", "
                    "\"::\", \".\", \")\", \",\" or end of input"},
        SelectError{"\"unclosed", 10, "unexpected end of input expecting \"\\\\\" or \"\\\"\""},
        // a partial "::" is a consumed error: nothing else is tried
        SelectError{"a:b:c", 4, "unexpected \"c\" expecting \"::\""},
        SelectError{"count(*)", 6,
                    "unexpected '(' expecting letter, digit, \"-\", \"->>\", \"->\", \"::\", "
                    "\".\", \")\", \",\" or end of input"},
        SelectError{"alias:...rel(*)", 7,
                    "unexpected \".\" expecting \":\" or field name (* or [a..z0..9_$])"}));

TEST(SelectParse, UnparsableFirstItemIsAnEmptySelect) {
  // pFieldForest = pFieldTree `sepBy` ...: a first item failing without consuming gives [].
  auto r = parse_select("*!hint");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(SelectParse, CastMustBeIdentifier) {
  auto r = parse_select("a::");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().details, "unexpected end of input expecting letter or digit");
}

TEST(SelectParse, EmbedDepthLimit) {
  ParseLimits limits;
  limits.max_embed_depth = 3;
  EXPECT_TRUE(parse_select("a(b(c(d)))", limits).ok());
  auto r = parse_select("a(b(c(d(e))))", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PGRST100");
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().message,
            "\"failed to parse select parameter (a(b(c(d(e)))))\" (line 1, column 8)");
  EXPECT_EQ(r.error().details, "embedding depth exceeds the maximum of 3");
}

TEST(SelectParse, DefaultEmbedDepthIsSixteen) {
  std::string ok = "x";
  std::string bad = "x";
  for (int i = 0; i < 16; ++i) ok = "r(" + ok + ")";
  for (int i = 0; i < 17; ++i) bad = "r(" + bad + ")";
  EXPECT_TRUE(parse_select(ok).ok());
  EXPECT_FALSE(parse_select(bad).ok());
}

}  // namespace
}  // namespace basalt::rest::req
