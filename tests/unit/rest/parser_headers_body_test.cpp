// Prefer, Accept and Content-Type handling, and request bodies (JSON keys, CSV, forms, raw).
#include <gtest/gtest.h>

#include "parser_test_util.hpp"

namespace basalt::rest::req {
namespace {

using testing::expect_error;

// ---------------------------------------------------------------------------------------------
// Prefer

TEST(Prefer, OneHeaderManyPreferences) {
  // PostgREST doctest: one comma-separated header.
  auto p = parse_preferences(
      {{"Prefer",
        "resolution=ignore-duplicates, count=exact, timezone=America/Los_Angeles, "
        "max-affected=100"}},
      true);
  EXPECT_EQ(p.resolution, PreferResolution::ignore_duplicates);
  EXPECT_EQ(p.count, PreferCount::exact);
  EXPECT_EQ(p.timezone, "America/Los_Angeles");
  EXPECT_EQ(p.max_affected, 100);
  EXPECT_FALSE(p.representation);
  EXPECT_TRUE(p.invalid.empty());
}

TEST(Prefer, SeveralHeadersAndInvalidOnes) {
  // PostgREST doctest: multiple headers, "invalid" collected.
  auto p = parse_preferences({{"Prefer", "resolution=ignore-duplicates"},
                              {"Prefer", "count=exact"},
                              {"Prefer", "missing=null"},
                              {"Prefer", "handling=lenient"},
                              {"Prefer", "invalid"},
                              {"Prefer", "max-affected=5999"}},
                             true);
  EXPECT_EQ(p.resolution, PreferResolution::ignore_duplicates);
  EXPECT_EQ(p.count, PreferCount::exact);
  EXPECT_EQ(p.missing, PreferMissing::apply_null);
  EXPECT_EQ(p.handling, PreferHandling::lenient);
  EXPECT_EQ(p.max_affected, 5999);
  EXPECT_EQ(p.invalid, (std::vector<std::string>{"invalid"}));
}

TEST(Prefer, FirstOneWinsEvenAcrossHeaders) {
  EXPECT_EQ(parse_preferences({{"Prefer", "tx=commit, tx=rollback"}}, true).transaction,
            PreferTx::commit);
  EXPECT_EQ(parse_preferences({{"Prefer", "resolution=ignore-duplicates"},
                               {"Prefer", "resolution=merge-duplicates"}},
                              true)
                .resolution,
            PreferResolution::ignore_duplicates);
}

TEST(Prefer, SpacesAndLowerCaseHeader) {
  // PostgREST doctest with arbitrary spacing and a lower-case header name.
  auto p = parse_preferences({{"prefer",
                               "count=exact,    tx=commit   ,return=representation , "
                               "missing=default, handling=strict, anything"}},
                             true);
  EXPECT_EQ(p.representation, PreferReturn::representation);
  EXPECT_EQ(p.count, PreferCount::exact);
  EXPECT_EQ(p.transaction, PreferTx::commit);
  EXPECT_EQ(p.missing, PreferMissing::apply_default);
  EXPECT_EQ(p.handling, PreferHandling::strict);
  EXPECT_EQ(p.invalid, (std::vector<std::string>{"anything"}));
}

TEST(Prefer, TxNeedsOverrideButIsNeverInvalid) {
  auto p = parse_preferences({{"Prefer", "tx=rollback"}}, false);
  EXPECT_FALSE(p.transaction);
  EXPECT_TRUE(p.invalid.empty());
}

TEST(Prefer, AllValues) {
  auto p = parse_preferences(
      {{"Prefer", "return=minimal,count=planned,resolution=merge-duplicates"}}, true);
  EXPECT_EQ(p.representation, PreferReturn::minimal);
  EXPECT_EQ(p.count, PreferCount::planned);
  EXPECT_EQ(p.resolution, PreferResolution::merge_duplicates);
  EXPECT_EQ(parse_preferences({{"Prefer", "return=headers-only"}}, true).representation,
            PreferReturn::headers_only);
  EXPECT_EQ(parse_preferences({{"Prefer", "count=estimated"}}, true).count, PreferCount::estimated);
}

TEST(Prefer, MaxAffectedThatIsNotANumber) {
  auto p = parse_preferences({{"Prefer", "max-affected=lots, max-affected=3"}}, true);
  EXPECT_FALSE(p.max_affected);  // the first one decides
  EXPECT_TRUE(p.invalid.empty());
  EXPECT_EQ(parse_preferences({{"Prefer", "max-affected=-2"}}, true).max_affected, -2);
}

TEST(Prefer, UnknownValuesAndRemovedParamsAreInvalid) {
  auto p = parse_preferences({{"Prefer", "return=everything, params=single-object, count=EXACT, "}},
                             true);
  EXPECT_EQ(p.invalid, (std::vector<std::string>{"return=everything", "params=single-object",
                                                 "count=EXACT", ""}));
  EXPECT_FALSE(p.representation);
}

TEST(Prefer, StrictError) {
  // HandlingSpec: details list every invalid item across headers.
  auto p = parse_preferences({{"Prefer", "handling=strict"}, {"Prefer", "something, else"}}, true);
  auto e = strict_preferences_error(p);
  ASSERT_TRUE(e);
  expect_error(*e, 400, "PGRST122", "Invalid preferences given with handling=strict",
               "Invalid preferences: something, else");
  EXPECT_FALSE(
      strict_preferences_error(parse_preferences({{"Prefer", "handling=lenient, x"}}, true)));
  EXPECT_FALSE(strict_preferences_error(parse_preferences({{"Prefer", "x"}}, true)));
  EXPECT_FALSE(strict_preferences_error(
      parse_preferences({{"Prefer", "handling=strict, count=exact"}}, true)));
}

TEST(Prefer, AppliedHeaderOrder) {
  auto p = parse_preferences({{"Prefer",
                               "max-affected=5, timezone=UTC, handling=strict, tx=rollback, "
                               "count=exact, return=minimal, missing=default, "
                               "resolution=merge-duplicates"}},
                             true);
  EXPECT_EQ(
      preference_applied(p),
      "resolution=merge-duplicates, missing=default, return=minimal, count=exact, tx=rollback, "
      "handling=strict, timezone=UTC, max-affected=5");
  p.handling = PreferHandling::lenient;  // max-affected is reported only with handling=strict
  EXPECT_EQ(
      preference_applied(p),
      "resolution=merge-duplicates, missing=default, return=minimal, count=exact, tx=rollback, "
      "handling=lenient, timezone=UTC");
  EXPECT_EQ(preference_applied(Preferences{}), "");
}

// ---------------------------------------------------------------------------------------------
// Media types

struct MimeCase {
  const char* input;
  MediaKind kind;
  const char* mime;
};

class MediaTypes : public ::testing::TestWithParam<MimeCase> {};

TEST_P(MediaTypes, Decoded) {
  const auto& c = GetParam();
  MediaType mt = parse_media_type(c.input);
  EXPECT_EQ(mt.kind, c.kind) << c.input;
  EXPECT_EQ(to_mime(mt), c.mime) << c.input;
}

INSTANTIATE_TEST_SUITE_P(
    Postgrest, MediaTypes,
    ::testing::Values(
        MimeCase{"application/json", MediaKind::json, "application/json"},
        MimeCase{"application/json; charset=utf-8", MediaKind::json, "application/json"},
        MimeCase{"APPLICATION/JSON", MediaKind::json, "application/json"},
        MimeCase{"application/geo+json", MediaKind::geo_json, "application/geo+json"},
        MimeCase{"text/csv", MediaKind::csv, "text/csv"},
        MimeCase{"text/plain", MediaKind::text_plain, "text/plain"},
        MimeCase{"text/xml", MediaKind::text_xml, "text/xml"},
        MimeCase{"application/openapi+json", MediaKind::openapi, "application/openapi+json"},
        MimeCase{"application/x-www-form-urlencoded", MediaKind::url_encoded,
                 "application/x-www-form-urlencoded"},
        MimeCase{"application/octet-stream", MediaKind::octet_stream, "application/octet-stream"},
        MimeCase{"*/*", MediaKind::any, "*/*"},
        MimeCase{"application/*", MediaKind::other, "application/*"},
        MimeCase{"application/vnd.pgrst.array+json;nulls=stripped", MediaKind::array_json_strip,
                 "application/vnd.pgrst.array+json;nulls=stripped"},
        MimeCase{"application/vnd.pgrst.array+json", MediaKind::json, "application/json"},
        MimeCase{"application/vnd.pgrst.array", MediaKind::json, "application/json"},
        MimeCase{"application/vnd.pgrst.object+json;nulls=stripped", MediaKind::singular_json,
                 "application/vnd.pgrst.object+json;nulls=stripped"},
        MimeCase{"application/vnd.pgrst.object+json", MediaKind::singular_json,
                 "application/vnd.pgrst.object+json"},
        MimeCase{"ApplicatIon/vnd.PgRsT.object+json", MediaKind::singular_json,
                 "application/vnd.pgrst.object+json"},
        MimeCase{"application/vnd.pgrst.object", MediaKind::singular_json,
                 "application/vnd.pgrst.object+json"},
        MimeCase{"application/vnd.pgrst.object+json; NULLS=stripped", MediaKind::singular_json,
                 "application/vnd.pgrst.object+json;nulls=stripped"},
        MimeCase{"application/vnd.pgrst.plan", MediaKind::plan,
                 "application/vnd.pgrst.plan+text; for=\"application/json\""},
        MimeCase{"application/vnd.pgrst.plan;", MediaKind::plan,
                 "application/vnd.pgrst.plan+text; for=\"application/json\""},
        MimeCase{"application/vnd.pgrst.plan;for=\"application/json\"", MediaKind::plan,
                 "application/vnd.pgrst.plan+text; for=\"application/json\""},
        MimeCase{"application/vnd.pgrst.plan ; for=\"text/xml\" ; options=analyze", MediaKind::plan,
                 "application/vnd.pgrst.plan+text; for=\"text/xml\"; options=analyze"},
        MimeCase{"application/vnd.pgrst.plan+json;for=\"text/csv\"", MediaKind::plan,
                 "application/vnd.pgrst.plan+json; for=\"text/csv\""},
        MimeCase{"application/vnd.pgrst.plan+text; "
                 "for=\"application/vnd.pgrst.object+json;nulls=stripped\"; "
                 "options=wal|buffers|analyze|verbose|settings",
                 MediaKind::plan,
                 "application/vnd.pgrst.plan+text; "
                 "for=\"application/vnd.pgrst.object+json;nulls=stripped\"; "
                 "options=analyze|verbose|settings|buffers|wal"},
        MimeCase{"application/vnd.twkb", MediaKind::other, "application/vnd.twkb"},
        MimeCase{"undefined", MediaKind::other, "undefined"}, MimeCase{"", MediaKind::other, ""},
        MimeCase{"text/unknowntype", MediaKind::other, "text/unknowntype"}));

TEST(Accept, DefaultAndEmpty) {
  auto none = parse_accept(std::nullopt);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].kind, MediaKind::any);
  EXPECT_TRUE(parse_accept(std::string_view("")).empty());
}

std::vector<std::string> mimes(const std::vector<MediaType>& v) {
  std::vector<std::string> out;
  for (const auto& m : v) out.push_back(to_mime(m));
  return out;
}

TEST(Accept, QualityThenSpecificityStable) {
  EXPECT_EQ(mimes(parse_accept(std::string_view("text/csv;q=0.5, application/json"))),
            (std::vector<std::string>{"application/json", "text/csv"}));
  EXPECT_EQ(mimes(parse_accept(std::string_view("*/*, text/csv"))),
            (std::vector<std::string>{"text/csv", "*/*"}));
  EXPECT_EQ(mimes(parse_accept(std::string_view("text/csv, application/json"))),
            (std::vector<std::string>{"text/csv", "application/json"}));
  EXPECT_EQ(mimes(parse_accept(std::string_view("application/json;q=0, text/csv;q=0.1"))),
            (std::vector<std::string>{"text/csv", "application/json"}));  // q=0 is kept, last
  EXPECT_EQ(mimes(parse_accept(std::string_view("a/b;q=.5, c/d;q=0.4"))),
            (std::vector<std::string>{"a/b", "c/d"}));  // ".5" does not read: q=1
  EXPECT_EQ(mimes(parse_accept(std::string_view("application/vnd.pgrst.object+json;nulls=stripped, "
                                                "application/vnd.pgrst.object+json"))),
            (std::vector<std::string>{"application/vnd.pgrst.object+json;nulls=stripped",
                                      "application/vnd.pgrst.object+json"}));
}

TEST(Accept, PlanWithSpaces) {
  auto v = parse_accept(std::string_view(
      "application/vnd.pgrst.plan+json; for=\"application/json\"; options=analyze"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, MediaKind::plan);
  EXPECT_TRUE(v[0].plan_json);
  EXPECT_EQ(v[0].plan_options, (std::vector<std::string>{"analyze"}));
}

TEST(Accept, ErrorMessage) {
  // QuerySpec "should respond an unknown accept type with 406"
  expect_error(media_type_error(parse_accept(std::string_view("text/unknowntype"))), 406,
               "PGRST107", "None of these media types are available: text/unknowntype");
  EXPECT_EQ(media_type_error(parse_accept(std::string_view("text/a, text/b;q=0.2"))).message,
            "None of these media types are available: text/a, text/b");
}

// ---------------------------------------------------------------------------------------------
// Bodies

Result<std::optional<Payload>> body(
    std::string_view text, std::string_view ct, ResourceKind rk = ResourceKind::relation,
    Action a = Action::create, std::optional<std::vector<std::string>> columns = std::nullopt) {
  return parse_payload(text, parse_media_type(ct), rk, a, columns);
}

TEST(Body, JsonObjectKeys) {
  auto r = body(R"({"b":1,"a":{"x":2},"c":[1]})", "application/json");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->kind, Payload::Kind::json);
  EXPECT_FALSE((*r)->is_array);
  EXPECT_EQ((*r)->keys, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ((*r)->raw, R"({"b":1,"a":{"x":2},"c":[1]})");
}

TEST(Body, JsonArrayOfUniformObjects) {
  auto r = body(R"( [{"id":1,"n":"a"},{"n":"b","id":2}] )", "application/json");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->is_array);
  EXPECT_EQ((*r)->keys, (std::vector<std::string>{"id", "n"}));
  auto escaped = body(R"([{"a\"b":1,"\u00e9":2}])", "application/json");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ((*escaped)->keys, (std::vector<std::string>{"a\"b", "é"}));
}

TEST(Body, JsonArraysMustBeUniform) {
  // InsertSpec: "non uniform json array"
  for (const char* text :
       {R"([{"id": 100, "body": "xxxxx"}, 123, "xxxx", {"id": 111, "body": "xxxx"}])",
        R"([{"id": 100, "body": "xxxxx"}, {"id": 111, "body": "xxxx", "owner": "me"}])",
        R"([1, 2])", R"([[{"a":1}]])", R"([{"a":1},[]])"}) {
    auto r = body(text, "application/json");
    ASSERT_FALSE(r.ok()) << text;
    expect_error(r.error(), 400, "PGRST102", "All object keys must match");
  }
}

TEST(Body, InvalidOrEmptyJson) {
  // InsertSpec: "with invalid json payload" and "with no payload"
  for (const char* text :
       {"}{ x = 2", "", "{\"a\":1", "{\"a\":1}x", "[1,]", "{'a':1}", "\"\xff\""}) {
    auto r = body(text, "application/json");
    ASSERT_FALSE(r.ok()) << text;
    expect_error(r.error(), 400, "PGRST102", "Empty or invalid json");
  }
}

TEST(Body, ScalarsBecomeAnEmptyArray) {
  for (const char* text : {"1", "null", "\"s\"", "true", "[]"}) {
    auto r = body(text, "application/json");
    ASSERT_TRUE(r.ok()) << text;
    EXPECT_EQ((*r)->raw, "[]") << text;
    EXPECT_TRUE((*r)->keys.empty());
  }
}

TEST(Body, EmptyRpcBodyIsAnEmptyObject) {
  auto r = body("", "application/json", ResourceKind::routine, Action::invoke);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->raw, "{}");
  EXPECT_FALSE(body("", "application/json").ok());
}

TEST(Body, ColumnsKeepJsonRaw) {
  auto r = body("not even json", "application/json", ResourceKind::relation, Action::create,
                std::vector<std::string>{"a"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->kind, Payload::Kind::raw_json);
  EXPECT_EQ((*r)->raw, "not even json");
  // PUT ignores ?columns=.
  auto put = body("nope", "application/json", ResourceKind::relation, Action::single_upsert,
                  std::vector<std::string>{"a"});
  EXPECT_FALSE(put.ok());
}

TEST(Body, OnlyMutationsAndRpcPostHaveBodies) {
  EXPECT_FALSE(*body("garbage", "application/json", ResourceKind::relation, Action::read));
  EXPECT_FALSE(*body("garbage", "application/json", ResourceKind::relation, Action::remove));
  EXPECT_FALSE(*body("garbage", "application/json", ResourceKind::routine, Action::read));
  EXPECT_FALSE(*body("garbage", "application/json", ResourceKind::relation, Action::info));
  EXPECT_TRUE(*body("{}", "application/json", ResourceKind::relation, Action::update));
}

TEST(Body, DeepJsonIsFine) {
  std::string deep(500, '[');
  deep += std::string(500, ']');
  auto r = body("{\"a\":" + deep + "}", "application/json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->keys, (std::vector<std::string>{"a"}));
  std::string too_deep(5000, '[');
  too_deep += std::string(5000, ']');
  EXPECT_FALSE(body(too_deep, "application/json").ok());
}

TEST(Body, Csv) {
  auto r = body("name,age,note\r\nalice,30,\"hi, \"\"there\"\"\"\nbob,NULL,\"multi\nline\"\n",
                "text/csv");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Payload& p = **r;
  EXPECT_EQ(p.kind, Payload::Kind::json);
  EXPECT_TRUE(p.is_array);
  EXPECT_EQ(p.keys, (std::vector<std::string>{"age", "name", "note"}));
  ASSERT_TRUE(p.csv);
  EXPECT_EQ(p.csv->header, (std::vector<std::string>{"name", "age", "note"}));
  ASSERT_EQ(p.csv->rows.size(), 2u);
  EXPECT_EQ(p.csv->rows[0][2], "hi, \"there\"");
  EXPECT_FALSE(p.csv->rows[1][1]);
  EXPECT_EQ(p.csv->rows[1][2], "multi\nline");
  EXPECT_EQ(
      p.raw,
      R"([{"name":"alice","age":"30","note":"hi, \"there\""},{"name":"bob","age":null,"note":"multi\nline"}])");
}

TEST(Body, CsvShapes) {
  auto empty = body("", "text/csv");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ((*empty)->raw, "[]");
  auto header_only = body("a,b\n", "text/csv");
  ASSERT_TRUE(header_only.ok());
  EXPECT_EQ((*header_only)->raw, "[]");
  EXPECT_TRUE((*header_only)->keys.empty());
  auto blank_lines = body("a\n1\n\n2\n\n", "text/csv");
  ASSERT_TRUE(blank_lines.ok());
  EXPECT_EQ((*blank_lines)->raw, R"([{"a":"1"},{"a":"2"}])");
  auto cr_only = body("a,b\r1,2\r", "text/csv");
  ASSERT_TRUE(cr_only.ok());
  EXPECT_EQ((*cr_only)->raw, R"([{"a":"1","b":"2"}])");
  auto extra = body("a\n1,2\n3,4", "text/csv");  // extra fields are dropped like cassava does
  ASSERT_TRUE(extra.ok());
  EXPECT_EQ((*extra)->raw, R"([{"a":"1"},{"a":"3"}])");
  // CSV is converted even with ?columns= (PostgREST only keeps JSON raw).
  auto with_cols = body("a\n1", "text/csv", ResourceKind::relation, Action::create,
                        std::vector<std::string>{"a"});
  ASSERT_TRUE(with_cols.ok());
  EXPECT_EQ((*with_cols)->kind, Payload::Kind::json);
}

TEST(Body, CsvErrors) {
  // InsertSpec "with wrong number of columns": too few fields.
  auto few = body("a,b\nfoo,bar\nbaz", "text/csv");
  ASSERT_FALSE(few.ok());
  expect_error(few.error(), 400, "PGRST102", "All lines must have same number of fields");
  EXPECT_EQ(body("a\n\"open", "text/csv").error().code, "PGRST102");
  EXPECT_EQ(body("a\nx\"y", "text/csv").error().code, "PGRST102");
  EXPECT_EQ(body("a\n\"x\"y", "text/csv").error().code, "PGRST102");
  EXPECT_EQ(body("a\n\xff", "text/csv").error().code, "PGRST102");
}

TEST(Body, FormForRpcAndTables) {
  auto rpc = body("a=1&b=x+y&a=2&c", "application/x-www-form-urlencoded", ResourceKind::routine,
                  Action::invoke);
  ASSERT_TRUE(rpc.ok());
  EXPECT_EQ((*rpc)->kind, Payload::Kind::url_encoded);
  EXPECT_EQ((*rpc)->form, (std::vector<std::pair<std::string, std::string>>{
                              {"a", "1"}, {"b", "x y"}, {"a", "2"}, {"c", ""}}));
  EXPECT_EQ((*rpc)->keys, (std::vector<std::string>{"a", "b", "c"}));
  auto table = body("a=1&b=%C3%A9&a=2", "application/x-www-form-urlencoded");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ((*table)->kind, Payload::Kind::json);
  EXPECT_EQ((*table)->raw, R"({"a":"2","b":"é"})");
  EXPECT_EQ((*table)->keys, (std::vector<std::string>{"a", "b"}));
}

TEST(Body, RawBodiesForRpc) {
  for (const char* ct : {"text/plain", "text/xml", "application/octet-stream"}) {
    auto r = body("\x01raw\xff", ct, ResourceKind::routine, Action::invoke);
    ASSERT_TRUE(r.ok()) << ct;
    EXPECT_EQ((*r)->kind, Payload::Kind::raw);
    EXPECT_EQ((*r)->raw, "\x01raw\xff");
    auto table = body("x", ct);
    ASSERT_FALSE(table.ok()) << ct;
    expect_error(table.error(), 400, "PGRST102", std::string("Content-Type not acceptable: ") + ct);
  }
}

TEST(Body, UnacceptableContentTypes) {
  EXPECT_EQ(body("{}", "application/vnd.pgrst.object+json").error().message,
            "Content-Type not acceptable: application/vnd.pgrst.object+json");
  EXPECT_EQ(body("{}", "image/png").error().message, "Content-Type not acceptable: image/png");
  EXPECT_EQ(body("{}", "*/*").error().message, "Content-Type not acceptable: */*");
}

TEST(Body, ColumnsOfTheRequest) {
  auto json = parse_api_request(RawRequest{"POST", "/t", "", {}, R"([{"b":1,"a":2}])"});
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->columns, (std::vector<std::string>{"a", "b"}));
  auto raw = parse_api_request(RawRequest{"POST", "/t", "columns=y,x", {}, R"([{"b":1}])"});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->payload->kind, Payload::Kind::raw_json);
  EXPECT_EQ(raw->columns, (std::vector<std::string>{"x", "y"}));
  auto csv =
      parse_api_request(RawRequest{"POST", "/t", "", {{"content-type", "text/csv"}}, "z,w\n1,2"});
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->content_type.kind, MediaKind::csv);
  EXPECT_EQ(csv->columns, (std::vector<std::string>{"w", "z"}));
  auto del = parse_api_request(RawRequest{"DELETE", "/t", "id=eq.1", {}, "ignored"});
  ASSERT_TRUE(del.ok());
  EXPECT_FALSE(del->payload);
}

}  // namespace
}  // namespace basalt::rest::req
