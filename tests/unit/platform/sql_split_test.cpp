#include "platform/sql_split.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace basalt::platform {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::vector<std::string> split(std::string_view sql) {
  auto r = split_statements(sql);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<std::string>{};
}

struct Case {
  const char* name;
  std::string input;
  std::vector<std::string> expected;
};

// Inputs whose result is the Supabase CLI's (checked against its splitter).
const std::vector<Case>& cli_cases() {
  static const std::vector<Case> cases = {
      {"two statements", "select 1; select 2;", {"select 1", "select 2"}},
      {"empty statements dropped", "select 1;\n\n;  ;select 2", {"select 1", "select 2"}},
      {"trailing comment kept", "END;-- comment", {"END", "-- comment"}},
      {"separator inside line comment", "SELECT --; 1", {"SELECT --; 1"}},
      {"single dash is no comment", "- ;END", {"-", "END"}},
      {"line comment hides block opener", "-- /* \n; */ END", {"-- /*", "*/ END"}},
      {"separator inside block comment", "SELECT /* ; */ 1;", {"SELECT /* ; */ 1"}},
      {"nested block comments", "SELECT /*; /*;*/ ;*/ 1", {"SELECT /*; /*;*/ ;*/ 1"}},
      {"slash star apart is no comment", "/ * ; */ END", {"/ *", "*/ END"}},
      {"backslash hides separator", "\\;;\\;", {"\\", "\\"}},
      {"named dollar quote",
       "select $tag$ any ; string$tag$; x",
       {"select $tag$ any ; string$tag$", "x"}},
      {"other tag inside dollar quote",
       "select $a$ $b$ ; $b$ ; $a$; y",
       {"select $a$ $b$ ; $b$ ; $a$", "y"}},
      {"dollar in quoted identifier", "SELECT \"$\"; $$", {"SELECT \"$\"", "$$"}},
      {"doubled single quote", "SELECT ';'';' 1", {"SELECT ';'';' 1"}},
      {"backslash is literal in standard string", "SELECT '\\'; 1'", {"SELECT '\\'", "1'"}},
      {"separator in quoted identifier",
       "CREATE POLICY \"cats;dogs\" on t; END",
       {"CREATE POLICY \"cats;dogs\" on t", "END"}},
      {"doubled double quote",
       "CREATE POLICY \"pet\"\"name;\" on t; END",
       {"CREATE POLICY \"pet\"\"name;\" on t", "END"}},
      {"rule with parenthesised actions",
       "CREATE RULE r AS ON UPDATE TO t DO (NOTIFY t; SELECT 1); SELECT 2",
       {"CREATE RULE r AS ON UPDATE TO t DO (NOTIFY t; SELECT 1)", "SELECT 2"}},
      {"begin atomic body",
       "create function f() returns int language sql begin atomic select 1; select 2; end; "
       "select 3",
       {"create function f() returns int language sql begin atomic select 1; select 2; end",
        "select 3"}},
      {"begin atomic with comments",
       "BEGIN\nATOMIC-- END;\n-- END;\nEND\n;",
       {"BEGIN\nATOMIC-- END;\n-- END;\nEND"}},
      {"begin atomic is case-insensitive",
       "begin atomic; select 'end'; end",
       {"begin atomic; select 'end'; end"}},
      {"atomic inside a function name",
       "create function public.atomic_x() returns int as $$ begin return 1; end; $$ language "
       "plpgsql;\ngrant execute on function public.atomic_x() to anon;",
       {"create function public.atomic_x() returns int as $$ begin return 1; end; $$ language "
        "plpgsql",
        "grant execute on function public.atomic_x() to anon"}},
      {"plpgsql body",
       "create function f() as $body$\nbegin\n  perform 'x;';\nend;\n$body$ language "
       "plpgsql;\nselect 1",
       {"create function f() as $body$\nbegin\n  perform 'x;';\nend;\n$body$ language plpgsql",
        "select 1"}},
      {"transaction control kept",
       "BEGIN;\ncreate table t (id int);\nCOMMIT;",
       {"BEGIN", "create table t (id int)", "COMMIT"}},
      {"white space and repeated separators", "  \n\t select 1 \n ;;; \n", {"select 1"}},
      {"multi-line string",
       "select 'a\nb;c'\n;\nselect 2 -- trailing",
       {"select 'a\nb;c'", "select 2 -- trailing"}},
      {"unterminated comment runs to the end",
       "select 1 /* unterminated ; comment",
       {"select 1 /* unterminated ; comment"}},
      {"unterminated string runs to the end",
       "select 'unterminated ; string",
       {"select 'unterminated ; string"}},
      {"comment-only last statement",
       "select 1;\n-- only a comment\n",
       {"select 1", "-- only a comment"}},
      {"multi-byte text", "select 'é;' ; select 2", {"select 'é;'", "select 2"}},
      {"unicode spaces trimmed", "\u00a0select 1\u00a0;", {"select 1"}},
      {"quotes and dollars inside values",
       "insert into t values ('it''s; fine'), ('$$'); select 2",
       {"insert into t values ('it''s; fine'), ('$$')", "select 2"}},
      {"no statements", " \n-- \n", {"--"}},
      {"nothing at all", "", {}},
  };
  return cases;
}

TEST(SplitStatements, MatchesTheCli) {
  for (const auto& c : cli_cases()) {
    EXPECT_THAT(split(c.input), ElementsAreArray(c.expected)) << c.name;
  }
}

// Where the CLI's splitter cuts valid SQL apart, Basalt follows Postgres's lexer instead.
TEST(SplitStatements, EscapeStringKeepsBackslashQuote) {
  EXPECT_THAT(split("select E'it\\'s; ok'; select 2"),
              ElementsAre("select E'it\\'s; ok'", "select 2"));
  EXPECT_THAT(split("select e'a\\\\'; select 2"), ElementsAre("select e'a\\\\'", "select 2"));
  // An identifier ending in e is no E'' prefix.
  EXPECT_THAT(split("select some'\\'; select 2'"), ElementsAre("select some'\\'", "select 2'"));
}

TEST(SplitStatements, NestedParentheses) {
  EXPECT_THAT(
      split("create rule r as on insert to t do also (insert into u values ((1)); select 1); "
            "select 2"),
      ElementsAre("create rule r as on insert to t do also (insert into u values ((1)); select 1)",
                  "select 2"));
  // A stray closing parenthesis does not swallow later separators.
  EXPECT_THAT(split("select 1); select 2"), ElementsAre("select 1)", "select 2"));
}

TEST(SplitStatements, CaseInsideBeginAtomic) {
  EXPECT_THAT(split("create function f(x int) returns int language sql begin atomic select case "
                    "when x > 0 then 1 else 0 end; select 2; end; select 3"),
              ElementsAre("create function f(x int) returns int language sql begin atomic select "
                          "case when x > 0 then 1 else 0 end; select 2; end",
                          "select 3"));
  EXPECT_THAT(split("create function f() returns int language sql begin atomic select legend "
                    "from t; end; select 3"),
              ElementsAre("create function f() returns int language sql begin atomic select "
                          "legend from t; end",
                          "select 3"));
  EXPECT_THAT(split("BEGIN /* c */ ATOMIC select 1; END; select 2"),
              ElementsAre("BEGIN /* c */ ATOMIC select 1; END", "select 2"));
  // BEGIN of a transaction followed by something else is not a body.
  EXPECT_THAT(split("begin; select atomic from t; commit"),
              ElementsAre("begin", "select atomic from t", "commit"));
}

TEST(SplitStatements, DollarOnlyOpensQuotesAtTokenStart) {
  EXPECT_THAT(split("select a$b$ from t; select $1$x"),
              ElementsAre("select a$b$ from t", "select $1$x"));
  EXPECT_THAT(split("select $_x1$ ; $_x1$; select 2"),
              ElementsAre("select $_x1$ ; $_x1$", "select 2"));
}

TEST(SplitStatements, SlashStarSlashDoesNotCloseComment) {
  EXPECT_THAT(split("select /*/ ; */ 1; select 2"), ElementsAre("select /*/ ; */ 1", "select 2"));
}

TEST(SplitStatements, NulByteIsAnError) {
  auto r = split_statements(std::string_view("select 1;\nselect '\0';", 21));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("line 2"));
}

TEST(SplitSql, OffsetsPointAtTrimmedText) {
  std::string sql = "-- head\n  select 1;\n\n  select\n 2 ;";
  auto r = split_sql(sql);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].text, "-- head\n  select 1");
  EXPECT_EQ((*r)[0].offset, 0u);
  EXPECT_EQ((*r)[1].text, "select\n 2");
  EXPECT_EQ(sql.substr((*r)[1].offset, 6), "select");
  EXPECT_EQ(line_of_offset(sql, (*r)[1].offset), 4);
}

TEST(SplitSql, PositionsCountCharactersNotBytes) {
  std::string text = "select 'é', x";
  // Postgres's position 13 is the 13th character: 'x'.
  EXPECT_EQ(text[byte_offset_of_position(text, 13)], 'x');
  EXPECT_EQ(byte_offset_of_position(text, 1), 0u);
  EXPECT_EQ(byte_offset_of_position(text, 1000), text.size());
  EXPECT_EQ(line_of_offset("a\nb\nc", 4), 3);
  EXPECT_EQ(line_of_offset("a\nb\nc", 0), 1);
}

}  // namespace
}  // namespace basalt::platform
