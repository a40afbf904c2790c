// Filters (every operator with not/any/all, lists and quoting), order= and and=/or= trees,
// with PostgREST's exact parse errors.
#include <gtest/gtest.h>

#include "parser_test_util.hpp"

namespace basalt::rest::req {
namespace {

using testing::expect_error;
using testing::show;

struct FilterCase {
  const char* key;
  const char* value;
  const char* expected;
};

class FilterParses : public ::testing::TestWithParam<FilterCase> {};

TEST_P(FilterParses, Renders) {
  const auto& c = GetParam();
  auto r = parse_filter(c.key, c.value);
  ASSERT_TRUE(r.ok()) << c.key << "=" << c.value << ": " << r.error().message << " / "
                      << r.error().details;
  EXPECT_EQ(show(*r), c.expected) << c.key << "=" << c.value;
}

INSTANTIATE_TEST_SUITE_P(
    Operators, FilterParses,
    ::testing::Values(
        FilterCase{"id", "eq.1", "<id> eq <1>"}, FilterCase{"id", "neq.1", "<id> neq <1>"},
        FilterCase{"id", "gt.1", "<id> gt <1>"}, FilterCase{"id", "gte.1", "<id> gte <1>"},
        FilterCase{"id", "lt.1", "<id> lt <1>"}, FilterCase{"id", "lte.1", "<id> lte <1>"},
        FilterCase{"name", "like.*ab*", "<name> like <%ab%>"},
        FilterCase{"name", "ilike.a*", "<name> ilike <a%>"},
        FilterCase{"name", "match.^a.*$", "<name> match <^a.*$>"},
        FilterCase{"name", "imatch.^A", "<name> imatch <^A>"},
        FilterCase{"tags", "cs.{a,b}", "<tags> cs <{a,b}>"},
        FilterCase{"tags", "cd.{a}", "<tags> cd <{a}>"},
        FilterCase{"r", "ov.[1,5)", "<r> ov <[1,5)>"},
        FilterCase{"r", "sl.(1,2)", "<r> sl <(1,2)>"},
        FilterCase{"r", "sr.(1,2)", "<r> sr <(1,2)>"},
        FilterCase{"r", "nxr.(1,2)", "<r> nxr <(1,2)>"},
        FilterCase{"r", "nxl.(1,2)", "<r> nxl <(1,2)>"},
        FilterCase{"r", "adj.(1,2)", "<r> adj <(1,2)>"},
        FilterCase{"id", "in.(1,2,3)", "<id> in[<1>|<2>|<3>]"},
        FilterCase{"n", "in.(\"a,b\",c)", "<n> in[<a,b>|<c>]"},
        FilterCase{"n", "in.(\"a\\\"b\",\"c\\\\d\")", "<n> in[<a\"b>|<c\\d>]"},
        FilterCase{"n", "in.( a , b )", "<n> in[<a >|< b >]"},
        FilterCase{"n", "in.()", "<n> in[<>]"}, FilterCase{"n", "in.(\"\")", "<n> in[<>]"},
        FilterCase{"n", "in.(\"a\"b,c)", "<n> in[<\"a\"b>|<c>]"},
        FilterCase{"n", "in.(1,2)tail", "<n> in[<1>|<2>]"},
        FilterCase{"x", "is.null", "<x> is null"}, FilterCase{"x", "is.NULL", "<x> is null"},
        FilterCase{"x", "is.not_null", "<x> is not_null"},
        FilterCase{"x", "is.true", "<x> is true"}, FilterCase{"x", "is.FALSE", "<x> is false"},
        FilterCase{"x", "is.unknown", "<x> is unknown"}, FilterCase{"x", "is.NuLl", "<x> is null"},
        FilterCase{"x", "isdistinct.5", "<x> isdistinct <5>"},
        FilterCase{"t", "fts.cat", "<t> fts <cat>"},
        FilterCase{"t", "fts(english).cat & dog", "<t> fts(english) <cat & dog>"},
        FilterCase{"t", "plfts.a b", "<t> plfts <a b>"},
        FilterCase{"t", "phfts(simple).a b", "<t> phfts(simple) <a b>"},
        FilterCase{"t", "wfts(french).\"a\" -b", "<t> wfts(french) <\"a\" -b>"},
        FilterCase{"id", "not.eq.1", "<id> not.eq <1>"},
        FilterCase{"id", "not.in.(1,2)", "<id> not.in[<1>|<2>]"},
        FilterCase{"x", "not.is.null", "<x> not.is null"},
        FilterCase{"t", "not.fts.cat", "<t> not.fts <cat>"},
        FilterCase{"id", "eq(any).{1,2}", "<id> eq(any) <{1,2}>"},
        FilterCase{"id", "eq(all).{1,2}", "<id> eq(all) <{1,2}>"},
        FilterCase{"id", "not.eq(all).value", "<id> not.eq(all) <value>"},
        FilterCase{"id", "gt(any).{1,5}", "<id> gt(any) <{1,5}>"},
        FilterCase{"id", "lte(all).{1,5}", "<id> lte(all) <{1,5}>"},
        FilterCase{"n", "like(any).{a*,*b}", "<n> like(any) <{a%,%b}>"},
        FilterCase{"n", "ilike(all).{*a*}", "<n> ilike(all) <{%a%}>"},
        FilterCase{"n", "match(any).{^a,b$}", "<n> match(any) <{^a,b$}>"},
        FilterCase{"n", "imatch(all).{x}", "<n> imatch(all) <{x}>"},
        FilterCase{"id", "eq.", "<id> eq <>"}, FilterCase{"id", "eq.a.b.c", "<id> eq <a.b.c>"},
        FilterCase{"id", "eq.with space,comma", "<id> eq <with space,comma>"},
        FilterCase{"id", "eq.名前", "<id> eq <名前>"},
        FilterCase{"data->>a", "eq.x", "<data>->><a> eq <x>"},
        FilterCase{"data->a->>0", "eq.x", "<data>-><a>->>#0 eq <x>"},
        FilterCase{"rel.col", "eq.1", "rel/<col> eq <1>"},
        FilterCase{"rel.rel2.col", "eq.1", "rel/rel2/<col> eq <1>"},
        FilterCase{"rel.data->>k", "neq.1", "rel/<data>->><k> neq <1>"},
        FilterCase{"\"my col\"", "eq.1", "<my col> eq <1>"},
        FilterCase{"\"a.b\".c", "eq.1", "a.b/<c> eq <1>"},
        FilterCase{"is", "is.null", "<is> is null"}, FilterCase{"not", "eq.1", "<not> eq <1>"}));

struct FilterError {
  const char* value;
  int column;
  const char* details;
};

class FilterErrors : public ::testing::TestWithParam<FilterError> {};

TEST_P(FilterErrors, MatchPostgrest) {
  const auto& c = GetParam();
  auto r = parse_filter("col", c.value);
  ASSERT_FALSE(r.ok()) << c.value;
  expect_error(r.error(), 400, "PGRST100",
               std::string("\"failed to parse filter (") + c.value + ")\" (line 1, column " +
                   std::to_string(c.column) + ")",
               c.details);
}

INSTANTIATE_TEST_SUITE_P(
    Postgrest, FilterErrors,
    ::testing::Values(
        // PostgREST doctests / spec tests
        FilterError{"0", 1, "unexpected \"0\" expecting \"not\" or operator (eq, gt, ...)"},
        FilterError{"noop.0", 1, "unexpected \"o\" expecting \"not\" or operator (eq, gt, ...)"},
        FilterError{"val", 1, "unexpected \"v\" expecting \"not\" or operator (eq, gt, ...)"},
        FilterError{"fts().value", 5, "unexpected \")\" expecting operator (eq, gt, ...)"},
        FilterError{"eq().value", 4, "unexpected \")\" expecting operator (eq, gt, ...)"},
        FilterError{"is().value", 3, "unexpected \"(\" expecting operator (eq, gt, ...)"},
        FilterError{"in().value", 3, "unexpected \"(\" expecting operator (eq, gt, ...)"},
        // derived from the grammar
        FilterError{"eq", 3, "unexpected end of input expecting operator (eq, gt, ...)"},
        FilterError{"", 1, "unexpected end of input expecting \"not\" or operator (eq, gt, ...)"},
        FilterError{
            "is.nul", 7,
            "unexpected end of input expecting isVal: (null, not_null, true, false, unknown)"},
        FilterError{"is.maybe", 4,
                    "unexpected \"m\" expecting isVal: (null, not_null, true, false, unknown)"},
        FilterError{"in.1,2", 4, "unexpected \"1\" expecting \"(\""},
        FilterError{"in.(1,2", 8, "unexpected end of input expecting \",\" or \")\""},
        FilterError{"eq(some).1", 4, "unexpected \"s\" expecting operator (eq, gt, ...)"},
        FilterError{"neq(any).1", 4, "unexpected \"(\" expecting operator (eq, gt, ...)"},
        FilterError{"not.xx.1", 5, "unexpected \"x\" expecting operator (eq, gt, ...)"},
        FilterError{"not.", 5, "unexpected end of input expecting operator (eq, gt, ...)"}));

TEST(FilterParse, ValueIsEverythingAfterTheOperator) {
  auto r = parse_filter("c", "eq.a&b=c,d(e)");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->filter.expr.value, "a&b=c,d(e)");
  EXPECT_EQ(r->filter.expr.op, Operator::eq);
  EXPECT_FALSE(r->filter.expr.negated);
}

TEST(FilterParse, IsValueIgnoresTrailingText) {
  // pIsVal has no end-of-input check in PostgREST.
  auto r = parse_filter("c", "is.nullable");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->filter.expr.is_value, IsValue::null);
}

TEST(FilterParse, TreePathErrors) {
  auto r = parse_filter(":bad", "eq.1");
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), 400, "PGRST100",
               "\"failed to parse tree path (:bad)\" (line 1, column 1)",
               "unexpected \":\" expecting field name (* or [a..z0..9_$])");
}

// ---------------------------------------------------------------------------------------------
// order=

struct OrderCase {
  const char* key;
  const char* value;
  const char* expected;
};

class OrderParses : public ::testing::TestWithParam<OrderCase> {};

TEST_P(OrderParses, Renders) {
  const auto& c = GetParam();
  auto r = parse_order(c.key, c.value);
  ASSERT_TRUE(r.ok()) << c.value << ": " << r.error().message << " / " << r.error().details;
  EXPECT_EQ(show(*r), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, OrderParses,
    ::testing::Values(
        OrderCase{"order", "id", "<id>"}, OrderCase{"order", "id.desc", "<id>.desc"},
        OrderCase{"order", "id.asc.nullslast", "<id>.asc.nullslast"},
        OrderCase{"order", "name.desc.nullsfirst", "<name>.desc.nullsfirst"},
        OrderCase{"order", "id.nullsfirst", "<id>.nullsfirst"},
        OrderCase{"order", "col.desc.nullslast,other", "<col>.desc.nullslast,<other>"},
        OrderCase{"order", "json_col->key.asc.nullslast", "<json_col>-><key>.asc.nullslast"},
        OrderCase{"order", "json_col->!@#$%^&*_a.asc.nullslast",
                  "<json_col>-><!@#$%^&*_a>.asc.nullslast"},
        OrderCase{"order", "j->>0.desc", "<j>->>#0.desc"},
        OrderCase{"order", "clients(json_col->key).desc.nullsfirst",
                  "clients(<json_col>-><key>).desc.nullsfirst"},
        OrderCase{"order", "name,clients(name),id", "<name>,clients(<name>),<id>"},
        OrderCase{"order", " a , b.desc", "<a>,<b>.desc"},
        OrderCase{"clients.order", "name.asc", "clients/<name>.asc"},
        OrderCase{"a.b.order", "x", "a/b/<x>"},
        OrderCase{"order", "\"my col\".desc", "<my col>.desc"}));

struct OrderError {
  const char* value;
  int column;
  const char* details;
};

class OrderErrors : public ::testing::TestWithParam<OrderError> {};

TEST_P(OrderErrors, MatchPostgrest) {
  const auto& c = GetParam();
  auto r = parse_order("order", c.value);
  ASSERT_FALSE(r.ok()) << c.value;
  expect_error(r.error(), 400, "PGRST100",
               std::string("\"failed to parse order (") + c.value + ")\" (line 1, column " +
                   std::to_string(c.column) + ")",
               c.details);
}

INSTANTIATE_TEST_SUITE_P(
    Postgrest, OrderErrors,
    ::testing::Values(  // all from PostgREST's doctests and spec tests
        OrderError{"clients(name,id)", 8,
                   "unexpected '(' expecting letter, digit, \"-\", \"->>\", \"->\", delimiter (.), "
                   "\",\" or end of input"},
        OrderError{"id.ac", 4,
                   "unexpected \"c\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""},
        OrderError{"id.descc", 8, "unexpected 'c' expecting delimiter (.), \",\" or end of input"},
        OrderError{"id.nulsfist", 4,
                   "unexpected \"n\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""},
        OrderError{"id.nullslasttt", 13, "unexpected 't' expecting \",\" or end of input"},
        OrderError{"id.smth34", 4,
                   "unexpected \"s\" expecting \"asc\", \"desc\", \"nullsfirst\" or \"nullslast\""},
        OrderError{"id.asc.nlsfst", 8,
                   "unexpected \"l\" expecting \"nullsfirst\" or \"nullslast\""},
        OrderError{"id.asc.nullslasttt", 17, "unexpected 't' expecting \",\" or end of input"},
        OrderError{"id.asc.smth34", 8,
                   "unexpected \"s\" expecting \"nullsfirst\" or \"nullslast\""},
        // derived: a space after the direction is not allowed
        OrderError{"a.desc ", 7, "unexpected ' ' expecting delimiter (.), \",\" or end of input"}));

// ---------------------------------------------------------------------------------------------
// and= / or=

struct LogicCase {
  const char* key;
  const char* value;
  const char* path;
  const char* expected;
};

class LogicParses : public ::testing::TestWithParam<LogicCase> {};

TEST_P(LogicParses, Renders) {
  const auto& c = GetParam();
  auto r = parse_logic(c.key, c.value);
  ASSERT_TRUE(r.ok()) << c.key << "=" << c.value << ": " << r.error().message << " / "
                      << r.error().details;
  EXPECT_EQ(testing::show_path(r->path), c.path);
  EXPECT_EQ(show(r->tree), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, LogicParses,
    ::testing::Values(LogicCase{"or", "(a.eq.1,b.gt.2)", "", "or(<a> eq <1>, <b> gt <2>)"},
                      LogicCase{"and", "(a.eq.1)", "", "and(<a> eq <1>)"},
                      LogicCase{"or", "(a.eq.1,b.gt.2,and(c.is.null,d.eq.x))", "",
                                "or(<a> eq <1>, <b> gt <2>, and(<c> is null, <d> eq <x>))"},
                      LogicCase{"not.or", "(a.eq.1,b.eq.2)", "", "not.or(<a> eq <1>, <b> eq <2>)"},
                      LogicCase{"rel.or", "(a.eq.1)", "rel/", "or(<a> eq <1>)"},
                      LogicCase{"rel.not.and", "(a.eq.1)", "rel/", "not.and(<a> eq <1>)"},
                      LogicCase{"or", "(a.not.eq.1,not.and(b.lt.0,c.gt.9))", "",
                                "or(<a> not.eq <1>, not.and(<b> lt <0>, <c> gt <9>))"},
                      LogicCase{"or", "(a.in.(1,2),b.cs.{x,y},c.eq.\"q,r\")", "",
                                "or(<a> in[<1>|<2>], <b> cs <{x,y}>, <c> eq <q,r>)"},
                      LogicCase{"or", "( a.eq.1 , b.eq.2 )", "", "or(<a> eq <1 >, <b> eq <2 >)"},
                      LogicCase{"or", "(d->>k.eq.x,t.fts(english).cat)", "",
                                "or(<d>->><k> eq <x>, <t> fts(english) <cat>)"},
                      LogicCase{"or", "(n.like.*a*,n.ilike(any).{a*,b*})", "",
                                "or(<n> like <%a%>, <n> ilike(any) <{a%,b%}>)"},
                      LogicCase{"or", "(a.eq.\"x\\\"y\")", "", "or(<a> eq <x\"y>)"},
                      LogicCase{"or", "(a.is.null)trailing", "", "or(<a> is null)"}));

struct LogicError {
  const char* key;
  const char* value;
  int column;
  const char* details;
};

class LogicErrors : public ::testing::TestWithParam<LogicError> {};

TEST_P(LogicErrors, MatchPostgrest) {
  const auto& c = GetParam();
  auto r = parse_logic(c.key, c.value);
  ASSERT_FALSE(r.ok()) << c.value;
  expect_error(r.error(), 400, "PGRST100",
               std::string("\"failed to parse logic tree (") + c.value + ")\" (line 1, column " +
                   std::to_string(c.column) + ")",
               c.details);
}

INSTANTIATE_TEST_SUITE_P(
    Postgrest, LogicErrors,
    ::testing::Values(  // PostgREST's doctests (there on "op(...)" strings) and spec tests
        LogicError{"or", "()", 4,
                   "unexpected \")\" expecting field name (* or [a..z0..9_$]), negation operator "
                   "(not) or logic "
                   "operator (and, or)"},
        LogicError{"or", "(id.in.1,2,id.eq.3)", 10, "unexpected \"1\" expecting \"(\""},
        LogicError{"or", ")(", 3, "unexpected \")\" expecting \"(\""},
        LogicError{"and", "(ord(id.eq.1,id.eq.1),id.eq.2)", 7, "unexpected \"d\" expecting \"(\""},
        LogicError{"or", "(id.eq.1,not.xor(id.eq.2,id.eq.3))", 16,
                   "unexpected \"x\" expecting logic operator (and, or)"}));

TEST(LogicParse, DepthLimit) {
  ParseLimits limits;
  limits.max_logic_depth = 3;
  EXPECT_TRUE(parse_logic("or", "(and(or(a.eq.1)))", limits).ok());
  auto r = parse_logic("or", "(and(or(and(a.eq.1))))", limits);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), 400, "PGRST100",
               "\"failed to parse logic tree ((and(or(and(a.eq.1)))))\" (line 1, column 14)",
               "logic tree nesting exceeds the maximum depth of 3");
}

TEST(LogicParse, DefaultDepthIsTen) {
  std::string ok = "a.eq.1";
  std::string bad = "a.eq.1";
  for (int i = 0; i < 9; ++i) ok = "and(" + ok + ")";
  for (int i = 0; i < 10; ++i) bad = "and(" + bad + ")";
  EXPECT_TRUE(parse_logic("or", "(" + ok + ")").ok());
  EXPECT_FALSE(parse_logic("or", "(" + bad + ")").ok());
}

TEST(LogicParse, LogicPathErrors) {
  auto r = parse_logic(":x.or", "(a.eq.1)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "\"failed to parse logic path (:x.or)\" (line 1, column 1)");
}

// ---------------------------------------------------------------------------------------------
// columns= / on_conflict=

TEST(ColumnsParse, SortedUniqueLikeASet) {
  auto r = parse_columns("b,a, \"c d\",a");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"a", "b", "c d"}));
}

TEST(ColumnsParse, BlankIsAnError) {
  // PostgREST's InsertSpec "disallows blank ?columns".
  auto r = parse_columns("");
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), 400, "PGRST100",
               "\"failed to parse columns parameter ()\" (line 1, column 1)",
               "unexpected end of input expecting field name (* or [a..z0..9_$])");
}

TEST(OnConflictParse, KeepsOrder) {
  auto r = parse_on_conflict("b,a");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (std::vector<std::string>{"b", "a"}));
  auto bad = parse_on_conflict(",");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "\"failed to parse on_conflict parameter (,)\" (line 1, column 1)");
}

}  // namespace
}  // namespace basalt::rest::req
