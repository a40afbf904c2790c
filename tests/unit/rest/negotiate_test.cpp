// Content negotiation against the media type handlers in a schema cache, and the
// response.headers / response.status stage.
#include "rest/negotiate.hpp"

#include <gtest/gtest.h>

#include "rest/response_settings.hpp"
#include "schema_fixture.hpp"

namespace basalt::rest {
namespace {

MediaHandler handler(std::string target_schema, std::string target_name, std::string domain,
                     bool aggregate = true) {
  MediaHandler h;
  h.schema = "public";
  h.name = aggregate ? "agg_" + target_name : domain;
  h.aggregate = aggregate;
  h.any_element = target_name == "anyelement";
  h.target = {std::move(target_schema), std::move(target_name)};
  h.domain = domain;
  h.key = req::media_key(req::parse_media_type(domain));
  return h;
}

class Negotiate : public ::testing::Test {
 protected:
  Negotiate() : cache({"public"}, {testing::make_table("public", "films", {"id"})}, {}, {}) {}
  std::optional<Negotiated> run(std::string_view accept, bool default_select = true,
                                bool plan = false) {
    accepted = req::parse_accept(accept);
    return negotiate(accepted, plan, cache, {"public", "films"}, default_select);
  }
  SchemaCache cache;
  std::vector<req::MediaType> accepted;
};

TEST_F(Negotiate, BuiltinsWithoutHandlers) {
  EXPECT_EQ(run("*/*")->output, Output::json);
  EXPECT_EQ(run("text/csv")->output, Output::csv);
  auto obj = run("application/vnd.pgrst.object+json;nulls=stripped");
  EXPECT_EQ(obj->output, Output::object);
  EXPECT_TRUE(obj->strip_nulls);
  auto arr = run("application/vnd.pgrst.array+json;nulls=stripped");
  EXPECT_EQ(arr->output, Output::json);
  EXPECT_TRUE(arr->strip_nulls);
  EXPECT_EQ(arr->content_type(), "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8");
  EXPECT_FALSE(run("text/plain"));
  EXPECT_FALSE(run("application/octet-stream"));
  EXPECT_EQ(run("text/plain, application/json")->output, Output::json);
}

TEST_F(Negotiate, RelationHandlerOnlyForTheDefaultSelect) {
  cache.add_media_handler(handler("public", "films", "text/tab-separated-values"));
  auto n = run("text/tab-separated-values");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->output, Output::custom);
  EXPECT_EQ(n->handler->name, "agg_films");
  EXPECT_EQ(n->content_type(), "text/tab-separated-values");
  EXPECT_FALSE(run("text/tab-separated-values", false));
}

TEST_F(Negotiate, AnyElementHandlerOverridesABuiltin) {
  cache.add_media_handler(handler("pg_catalog", "anyelement", "text/csv"));
  auto n = run("text/csv", false);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->output, Output::custom);
  EXPECT_EQ(n->content_type(), "text/csv; charset=utf-8");
  EXPECT_EQ(run("application/json")->output, Output::json);
}

TEST_F(Negotiate, AnyHandlerAnswersEveryAcceptButVendorTypes) {
  cache.add_media_handler(handler("public", "films", "*/*", false));
  EXPECT_EQ(run("application/json")->output, Output::custom);
  EXPECT_EQ(run("image/png")->output, Output::custom);
  EXPECT_EQ(run("image/png")->content_type(), "application/octet-stream");
  EXPECT_EQ(run("application/vnd.pgrst.object+json")->output, Output::object);
  EXPECT_EQ(run("application/json", false)->output, Output::json);
}

TEST_F(Negotiate, PlanForACustomTypeNeedsItsHandler) {
  EXPECT_FALSE(run("application/vnd.pgrst.plan; for=\"text/plain\"", true, true));
  cache.add_media_handler(handler("public", "films", "text/plain", false));
  auto n = run("application/vnd.pgrst.plan; for=\"text/plain\"", true, true);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->output, Output::plan);
  ASSERT_NE(n->handler, nullptr);
  EXPECT_FALSE(run("application/vnd.pgrst.plan; for=\"text/plain\"", true, false));
}

TEST(DefaultSelect, OnlyABareStar) {
  req::QueryParams q;
  req::SelectItem star;
  star.field.name = "*";
  q.select = {star};
  EXPECT_TRUE(is_default_select(q));
  q.select.front().alias = "x";
  EXPECT_FALSE(is_default_select(q));
  q.select = {star, star};
  EXPECT_FALSE(is_default_select(q));
  q.select.clear();
  EXPECT_FALSE(is_default_select(q));
}

http::Response sample() {
  auto res = http::make_response(http::HttpStatus::ok, "{}");
  res.set("X-Old", "1");
  res.set("Content-Range", "0-0/*");
  return res;
}

TEST(ResponseSettings, StatusAndHeadersOverride) {
  auto r = apply_response_settings(
      sample(),
      std::string(R"([{"content-range": "9"}, {"Set-Cookie": "a=1"}, {"Set-Cookie": "b=2"}])"),
      std::string("201"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 201u);
  EXPECT_EQ(r->at("Content-Range"), "9");
  EXPECT_EQ(r->at("X-Old"), "1");
  auto cookies = r->equal_range("Set-Cookie");
  EXPECT_EQ(std::distance(cookies.first, cookies.second), 2);
}

TEST(ResponseSettings, NoContentDropsTheBody) {
  auto r = apply_response_settings(sample(), std::nullopt, std::string("204"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->result_int(), 204u);
  EXPECT_TRUE(r->body().empty());
  EXPECT_EQ(r->find(http::beast_http::field::content_length) == r->end() ||
                r->at(http::beast_http::field::content_length) == "0",
            true);
}

TEST(ResponseSettings, FramingHeadersStayTheServers) {
  auto r = apply_response_settings(sample(), std::string(R"([{"Content-Length": "999"}])"),
                                   std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("Content-Length"), "2");
}

TEST(ResponseSettings, MalformedValuesAreErrors) {
  for (const char* s : {"abc", "20x", "99", "101", "600", ""}) {
    auto r = apply_response_settings(sample(), std::nullopt, std::string(s));
    ASSERT_FALSE(r) << s;
    EXPECT_EQ(r.error().code, "PGRST112");
  }
  for (const char* h : {R"({"a": "b"})", R"([{"a": 1}])", R"([{"a": "b", "c": "d"}])", "[1]",
                        "not json", R"([{"a b": "c"}])", R"([{"X": "a\r\nInjected: 1"}])",
                        R"([{"": "x"}])", R"([{"X,1": "x"}])"}) {
    auto r = apply_response_settings(sample(), std::string(h), std::nullopt);
    ASSERT_FALSE(r) << h;
    EXPECT_EQ(r.error().code, "PGRST111");
    EXPECT_EQ(r.error().status, 500);
  }
  EXPECT_TRUE(apply_response_settings(sample(), std::string("[]"), std::nullopt));
}

}  // namespace
}  // namespace basalt::rest
