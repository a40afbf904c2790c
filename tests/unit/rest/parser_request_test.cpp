// The whole request: query string decoding and classification, ranges (limit/offset/Range),
// resource and method → action, schema profiles, and the order in which errors surface.
#include <gtest/gtest.h>

#include "parser_test_util.hpp"

namespace basalt::rest::req {
namespace {

using testing::expect_error;
using testing::show;

RawRequest get(std::string path, std::string query = "", HeaderList headers = {}) {
  return RawRequest{"GET", std::move(path), std::move(query), std::move(headers), ""};
}

// ---------------------------------------------------------------------------------------------
// Query string decoding

TEST(QueryString, SplitsOnAmpersandAndSemicolon) {
  auto r = decode_query_string("a=1&b=2;c=3");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[2].key, "c");
  EXPECT_EQ((*r)[2].value, "3");
}

TEST(QueryString, DecodesPercentAndPlus) {
  auto r = decode_query_string("na%20me=a+b%2Bc&x=%zz%4");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].key, "na me");
  EXPECT_EQ((*r)[0].value, "a b+c");
  EXPECT_EQ((*r)[1].value, "%zz%4");  // bad escapes stay as they are
}

TEST(QueryString, BareKeysAndEmptyPieces) {
  auto r = decode_query_string("&a&b=&=c&");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].key, "");
  EXPECT_FALSE((*r)[0].has_value);
  EXPECT_FALSE((*r)[1].has_value);
  EXPECT_TRUE((*r)[2].has_value);
  EXPECT_EQ((*r)[2].value, "");
  EXPECT_EQ((*r)[3].key, "");
  EXPECT_EQ((*r)[3].value, "c");
}

TEST(QueryString, OnlyFirstEqualsSplits) {
  auto r = decode_query_string("a=eq.x=y");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].value, "eq.x=y");
}

TEST(QueryString, RejectsInvalidUtf8AndNul) {
  auto bad = decode_query_string("name=eq.%ff");
  ASSERT_FALSE(bad.ok());
  expect_error(bad.error(), 400, "PGRST100", "failed to parse query string",
               "invalid UTF-8 in parameter (name)");
  auto nul = decode_query_string("name=eq.a%00b");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().details, "NUL byte in parameter (name)");
  EXPECT_TRUE(decode_query_string("name=eq.%C3%A9").ok());
}

// ---------------------------------------------------------------------------------------------
// Classification of parameters

TEST(QueryParamsParse, CanonicalIsSortedAndReencoded) {
  // PostgREST doctest: parse True "a=1&c=3&b=2&d" → "a=1&b=2&c=3&d="
  auto r = parse_query_params("a=1&c=3&b=2&d", true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->canonical, "a=1&b=2&c=3&d=");
  auto dup = parse_query_params("id=eq.1&a=x y&id=gt.0", true);
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->canonical, "a=x%20y&id=eq.1,gt.0");
  auto utf8 = parse_query_params("name=eq.%C3%A9&b=%2A%26", true);
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(utf8->canonical, "b=%2A%26&name=eq.%C3%83%C2%A9");
}

TEST(QueryParamsParse, DefaultsAndReservedKeys) {
  auto r = parse_query_params("", false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(show(r->select), "<*>");
  EXPECT_FALSE(r->select_raw);
  EXPECT_TRUE(r->filters.empty());

  auto empty_select = parse_query_params("select=", false);
  ASSERT_TRUE(empty_select.ok());
  EXPECT_TRUE(empty_select->select.empty());
  EXPECT_EQ(empty_select->select_raw, "");

  auto bare_select = parse_query_params("select&id=eq.1", false);  // no value: default *
  ASSERT_TRUE(bare_select.ok());
  EXPECT_EQ(show(bare_select->select), "<*>");

  auto first_wins = parse_query_params("select=a&select=b", false);
  ASSERT_TRUE(first_wins.ok());
  EXPECT_EQ(show(first_wins->select), "<a>");
}

TEST(QueryParamsParse, FullClassification) {
  auto r = parse_query_params(
      "select=id,clients(name)&id=gt.1&clients.name=like.A*&order=id.desc&clients.order=name"
      "&or=(a.eq.1,b.eq.2)&clients.and=(x.is.null)&limit=10&offset=5&clients.limit=2"
      "&clients.offset=1&columns=a,b&on_conflict=id&data->>k=eq.v",
      false);
  ASSERT_TRUE(r.ok()) << r.error().message << " " << r.error().details;
  EXPECT_EQ(show(r->select), "<id>,<clients>(<name>)");
  ASSERT_EQ(r->filters.size(), 3u);
  EXPECT_EQ(show(r->filters[0]), "<id> gt <1>");
  EXPECT_EQ(show(r->filters[1]), "clients/<name> like <A%>");
  EXPECT_EQ(show(r->filters[2]), "<data>->><k> eq <v>");
  ASSERT_EQ(r->order.size(), 2u);
  EXPECT_EQ(show(r->order[0]), "<id>.desc");
  EXPECT_EQ(show(r->order[1]), "clients/<name>");
  ASSERT_EQ(r->logic.size(), 2u);
  EXPECT_EQ(show(r->logic[0].tree), "or(<a> eq <1>, <b> eq <2>)");
  EXPECT_EQ(r->logic[1].path, (EmbedPath{"clients"}));
  EXPECT_EQ(r->columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r->on_conflict, (std::vector<std::string>{"id"}));
  EXPECT_EQ(r->limit_params.size(), 2u);
  EXPECT_EQ(r->offset_params.size(), 2u);
  EXPECT_TRUE(r->rpc_args.empty());
  ASSERT_EQ(r->filter_params.size(), 3u);
  EXPECT_EQ(r->filter_params[1].key, "clients.name");
}

TEST(QueryParamsParse, RpcReadArgumentsVersusFilters) {
  // PostgREST: a value that is an operator expression filters the result; anything else is an
  // argument; a value that starts like an operator and then breaks is an error.
  auto r = parse_query_params("a=1&b=eq.2&c=hello world&d.e=x&f=in.(1,2)", true);
  ASSERT_TRUE(r.ok()) << r.error().details;
  EXPECT_EQ(r->rpc_args, (std::vector<std::pair<std::string, std::string>>{
                             {"a", "1"}, {"c", "hello world"}, {"e", "x"}}));
  ASSERT_EQ(r->filters.size(), 2u);
  EXPECT_EQ(show(r->filters[0]), "<b> eq <2>");
  EXPECT_EQ(r->filter_params.size(), 5u);

  auto broken = parse_query_params("a=in.(1,2", true);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message, "\"failed to parse filter (in.(1,2)\" (line 1, column 8)");

  auto not_rpc = parse_query_params("a=1", false);
  ASSERT_FALSE(not_rpc.ok());
  expect_error(not_rpc.error(), 400, "PGRST100",
               "\"failed to parse filter (1)\" (line 1, column 1)",
               "unexpected \"1\" expecting \"not\" or operator (eq, gt, ...)");
}

TEST(QueryParamsParse, ErrorsComeInPostgrestOrder) {
  // order is checked before logic, columns, select, filters and on_conflict.
  auto r = parse_query_params("select=a[&id=bad&order=x.bad&or=(&on_conflict=,", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "\"failed to parse order (x.bad)\" (line 1, column 3)");
  r = parse_query_params("select=a[&id=bad&or=(&on_conflict=,", false);
  EXPECT_EQ(r.error().message, "\"failed to parse logic tree (()\" (line 1, column 4)");
  r = parse_query_params("select=a[&id=bad&columns=&on_conflict=,", false);
  EXPECT_EQ(r.error().message, "\"failed to parse columns parameter ()\" (line 1, column 1)");
  r = parse_query_params("id=bad&select=a[&on_conflict=,", false);
  EXPECT_EQ(r.error().message, "\"failed to parse select parameter (a[)\" (line 1, column 2)");
  r = parse_query_params("on_conflict=,&id=bad", false);
  EXPECT_EQ(r.error().message, "\"failed to parse filter (bad)\" (line 1, column 1)");
}

TEST(QueryParamsParse, KeysWithoutValueAreIgnored) {
  auto r = parse_query_params("id&order&limit", false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->filters.empty());
  EXPECT_TRUE(r->order.empty());
  EXPECT_TRUE(r->limit_params.empty());
  EXPECT_EQ(r->all.size(), 3u);
}

TEST(QueryParamsParse, IgnoredParamsAreDropped) {
  auto r = parse_query_params("apikey=secret&id=eq.1", false, {}, {"apikey"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->filters.size(), 1u);
  EXPECT_EQ(r->canonical, "id=eq.1");
  EXPECT_FALSE(parse_query_params("apikey=secret", false).ok());
}

// ---------------------------------------------------------------------------------------------
// Ranges

struct RangeCase {
  const char* method;
  const char* query;
  const char* range_header;  // nullptr: none
  long long offset;
  long long limit;  // -100: unbounded
};

class Ranges : public ::testing::TestWithParam<RangeCase> {};

TEST_P(Ranges, Computed) {
  const auto& c = GetParam();
  auto q = parse_query_params(c.query, false);
  ASSERT_TRUE(q.ok());
  std::optional<std::string_view> h;
  if (c.range_header) h = c.range_header;
  auto r = compute_ranges(c.method, *q, h);
  ASSERT_TRUE(r.ok()) << c.query << ": " << r.error().details;
  EXPECT_EQ(r->top.offset, c.offset) << c.query;
  if (c.limit == -100) {
    EXPECT_FALSE(r->top.limit) << c.query;
  } else {
    EXPECT_EQ(r->top.limit, c.limit) << c.query;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Postgrest, Ranges,
    ::testing::Values(
        RangeCase{"GET", "", nullptr, 0, -100}, RangeCase{"GET", "limit=10", nullptr, 0, 10},
        RangeCase{"GET", "offset=5", nullptr, 5, -100},
        RangeCase{"GET", "limit=10&offset=5", nullptr, 5, 10},
        RangeCase{"GET", "limit=0", nullptr, 0, 0}, RangeCase{"GET", "limit=0", "0-9", 0, 0},
        RangeCase{"GET", "", "0-9", 0, 10}, RangeCase{"GET", "", "10-", 10, -100},
        RangeCase{"GET", "", "5-5", 5, 1}, RangeCase{"GET", "limit=3", "0-9", 0, 3},
        RangeCase{"GET", "limit=20", "2-5", 2, 4},
        RangeCase{"GET", "", "items=0-9", 0, -100},  // not PostgREST's syntax: ignored
        RangeCase{"GET", "", "0-9 ", 0, -100},
        RangeCase{"HEAD", "", "0-9", 0, -100},  // Range only counts for GET
        RangeCase{"POST", "", "0-9", 0, -100},
        RangeCase{"GET", "limit=abc", nullptr, 0, -100},  // unreadable: ignored
        RangeCase{"GET", "limit= 7 ", nullptr, 0, 7},
        RangeCase{"GET", "limit=abc&offset=0", nullptr, 0, 0},
        RangeCase{"GET", "limit=2&offset=abc", nullptr, 0, 2},
        RangeCase{"GET", "limit=5&limit=7", nullptr, 0, 7},  // last one wins
        RangeCase{"PUT", "", "0-9", 0, -100}));

TEST(RangeErrors, NegativeLimit) {
  // RangeSpec "fails if limit is negative"
  auto q = parse_query_params("limit=-1", false);
  ASSERT_TRUE(q.ok());
  auto r = compute_ranges("GET", *q, std::nullopt);
  ASSERT_FALSE(r.ok());
  expect_error(r.error(), 416, "PGRST103", "Requested range not satisfiable",
               "Limit should be greater than or equal to zero.");
}

TEST(RangeErrors, LowerAboveUpperInHeader) {
  // RangeSpec "fails with 416 for offside range" (Range: 1-0)
  auto q = parse_query_params("", false);
  auto r = compute_ranges("GET", *q, std::string_view("1-0"));
  ASSERT_FALSE(r.ok());
  expect_error(
      r.error(), 416, "PGRST103", "Requested range not satisfiable",
      "The lower boundary must be lower than or equal to the upper boundary in the Range header.");
}

TEST(RangeErrors, LimitZeroWithOffsetIsEmpty) {
  // limit=0 with an offset is not PostgREST's special limit-zero range.
  auto q = parse_query_params("limit=0&offset=3", false);
  auto r = compute_ranges("GET", *q, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().details, "Limit should be greater than or equal to zero.");
}

TEST(RangeErrors, PutRejectsLimitAndOffset) {
  for (const char* qs : {"limit=1", "offset=1", "limit=0"}) {
    auto q = parse_query_params(qs, false);
    auto r = compute_ranges("PUT", *q, std::nullopt);
    ASSERT_FALSE(r.ok()) << qs;
    expect_error(r.error(), 400, "PGRST114",
                 "limit/offset querystring parameters are not allowed for PUT");
  }
}

TEST(RangeEmbeds, PerEmbedPath) {
  auto q = parse_query_params(
      "clients.limit=2&clients.offset=1&clients.projects.limit=5&x.offset=3", false);
  ASSERT_TRUE(q.ok());
  auto r = compute_ranges("GET", *q, std::nullopt);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->embeds.size(), 3u);
  EXPECT_EQ(r->embeds[0], (EmbedRange{{"clients"}, RowRange{1, 2}}));
  EXPECT_EQ(r->embeds[1], (EmbedRange{{"clients", "projects"}, RowRange{0, 5}}));
  EXPECT_EQ(r->embeds[2], (EmbedRange{{"x"}, RowRange{3, std::nullopt}}));
  EXPECT_EQ(r->top, (RowRange{0, std::nullopt}));
}

TEST(RangeEmbeds, BadTreePath) {
  auto q = parse_query_params(":x.limit=2", false);
  ASSERT_TRUE(q.ok());
  auto r = compute_ranges("GET", *q, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "\"failed to parse tree path (:x.limit)\" (line 1, column 1)");
}

// ---------------------------------------------------------------------------------------------
// Resource, method, schema

struct ActionCase {
  const char* method;
  const char* path;
  ResourceKind resource;
  const char* name;
  Action action;
  bool headers_only;
};

class Actions : public ::testing::TestWithParam<ActionCase> {};

TEST_P(Actions, Mapped) {
  const auto& c = GetParam();
  RawRequest req{c.method,
                 c.path,
                 "",
                 {},
                 c.action == Action::create || c.action == Action::update ||
                         c.action == Action::single_upsert || c.action == Action::invoke
                     ? "{}"
                     : ""};
  auto r = parse_api_request(req);
  ASSERT_TRUE(r.ok()) << c.method << " " << c.path << ": " << r.error().message;
  EXPECT_EQ(r->resource, c.resource);
  EXPECT_EQ(r->name, c.name);
  EXPECT_EQ(r->action, c.action);
  EXPECT_EQ(r->headers_only, c.headers_only);
}

INSTANTIATE_TEST_SUITE_P(
    Postgrest, Actions,
    ::testing::Values(
        ActionCase{"GET", "/todos", ResourceKind::relation, "todos", Action::read, false},
        ActionCase{"HEAD", "/todos", ResourceKind::relation, "todos", Action::read, true},
        ActionCase{"POST", "/todos", ResourceKind::relation, "todos", Action::create, false},
        ActionCase{"PATCH", "/todos", ResourceKind::relation, "todos", Action::update, false},
        ActionCase{"PUT", "/todos", ResourceKind::relation, "todos", Action::single_upsert, false},
        ActionCase{"DELETE", "/todos", ResourceKind::relation, "todos", Action::remove, false},
        ActionCase{"OPTIONS", "/todos", ResourceKind::relation, "todos", Action::info, false},
        ActionCase{"GET", "/rpc/fn", ResourceKind::routine, "fn", Action::read, false},
        ActionCase{"HEAD", "/rpc/fn", ResourceKind::routine, "fn", Action::read, true},
        ActionCase{"POST", "/rpc/fn", ResourceKind::routine, "fn", Action::invoke, false},
        ActionCase{"OPTIONS", "/rpc/fn", ResourceKind::routine, "fn", Action::info, false},
        ActionCase{"GET", "/", ResourceKind::schema, "", Action::read, false},
        ActionCase{"GET", "", ResourceKind::schema, "", Action::read, false},
        ActionCase{"HEAD", "/", ResourceKind::schema, "", Action::read, true},
        ActionCase{"OPTIONS", "/", ResourceKind::schema, "", Action::info, false},
        ActionCase{"GET", "/my%20table", ResourceKind::relation, "my table", Action::read, false},
        ActionCase{"GET", "/a%2Fb", ResourceKind::relation, "a/b", Action::read, false},
        ActionCase{"GET", "/%E5%90%8D%E5%89%8D", ResourceKind::relation, "名前", Action::read,
                   false},
        ActionCase{"GET", "/rpc", ResourceKind::relation, "rpc", Action::read, false}));

TEST(ApiRequestErrors, InvalidPaths) {
  for (const char* path : {"/a/b", "/todos/", "/rpc/fn/x", "//", "/a/b/c"}) {
    auto r = parse_api_request(get(path));
    ASSERT_FALSE(r.ok()) << path;
    expect_error(r.error(), 404, "PGRST125", "Invalid path specified in request URL");
  }
}

TEST(ApiRequestErrors, Methods) {
  auto rpc = parse_api_request(RawRequest{"PUT", "/rpc/fn", "", {}, "{}"});
  ASSERT_FALSE(rpc.ok());
  expect_error(rpc.error(), 405, "PGRST101", "Cannot use the PUT method on RPC");
  auto rpc_del = parse_api_request(RawRequest{"DELETE", "/rpc/fn", "", {}, ""});
  expect_error(rpc_del.error(), 405, "PGRST101", "Cannot use the DELETE method on RPC");
  auto table = parse_api_request(RawRequest{"TRACE", "/todos", "", {}, ""});
  ASSERT_FALSE(table.ok());
  expect_error(table.error(), 405, "PGRST117", "Unsupported HTTP method: TRACE");
  auto root = parse_api_request(RawRequest{"POST", "/", "", {}, ""});
  expect_error(root.error(), 405, "PGRST117", "Unsupported HTTP method: POST");
  auto lower = parse_api_request(RawRequest{"get", "/todos", "", {}, ""});
  expect_error(lower.error(), 405, "PGRST117", "Unsupported HTTP method: get");
}

TEST(ApiRequestErrors, PathBeforeMethodBeforeQuery) {
  auto r = parse_api_request(RawRequest{"TRACE", "/a/b", "id=bad", {}, ""});
  EXPECT_EQ(r.error().code, "PGRST125");
  r = parse_api_request(RawRequest{"TRACE", "/a", "id=bad", {}, ""});
  EXPECT_EQ(r.error().code, "PGRST117");
  r = parse_api_request(RawRequest{"GET", "/a", "id=bad&limit=-1", {}, ""});
  EXPECT_EQ(r.error().code, "PGRST100");
  r = parse_api_request(RawRequest{"POST", "/a", "limit=-1", {}, "not json"});
  EXPECT_EQ(r.error().code, "PGRST103");
  r = parse_api_request(RawRequest{"POST", "/a", "", {}, "not json"});
  EXPECT_EQ(r.error().code, "PGRST102");
}

TEST(Schema, ProfileHeaderDependsOnMethod) {
  HeaderList h = {{"accept-profile", "a"}, {"Content-Profile", "b"}};
  auto g = parse_api_request(get("/t", "", h));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->profile_header, ProfileHeader::accept_profile);
  EXPECT_EQ(g->profile, "a");
  EXPECT_EQ(g->schema, "a");
  for (const char* m : {"POST", "PATCH", "PUT", "DELETE"}) {
    auto r = parse_api_request(RawRequest{m, "/t", "", h, "{}"});
    ASSERT_TRUE(r.ok()) << m;
    EXPECT_EQ(r->profile_header, ProfileHeader::content_profile) << m;
    EXPECT_EQ(r->profile, "b") << m;
  }
  auto opt = parse_api_request(RawRequest{"OPTIONS", "/t", "", h, ""});
  EXPECT_EQ(opt->profile, "a");
}

TEST(Schema, ValidatedWhenSchemasAreGiven) {
  ParseOptions o;
  o.schemas = {"public", "api"};
  auto def = parse_api_request(get("/t"), o);
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->schema, "public");
  EXPECT_TRUE(def->negotiated_by_profile);  // several schemas: the default counts as negotiated
  auto api = parse_api_request(get("/t", "", {{"Accept-Profile", "api"}}), o);
  EXPECT_EQ(api->schema, "api");
  auto bad = parse_api_request(get("/t", "", {{"Accept-Profile", "secret"}}), o);
  ASSERT_FALSE(bad.ok());
  expect_error(bad.error(), 406, "PGRST106", "Invalid schema: secret", "",
               "Only the following schemas are exposed: public, api");
  o.schemas = {"public"};
  auto single = parse_api_request(get("/t"), o);
  EXPECT_FALSE(single->negotiated_by_profile);
  // Schema errors come before method errors, as in PostgREST.
  auto order = parse_api_request(RawRequest{"TRACE", "/t", "", {{"Accept-Profile", "x"}}, ""}, o);
  EXPECT_EQ(order.error().code, "PGRST106");
}

TEST(ApiRequestParse, EndToEnd) {
  RawRequest req{"GET",
                 "/todos",
                 "select=id,owner:users!owner_id(name)&done=is.false&order=id.desc&limit=5",
                 {{"Range", "0-2"},
                  {"Accept", "application/vnd.pgrst.object+json"},
                  {"Prefer", "count=exact"}},
                 ""};
  auto r = parse_api_request(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(show(r->query.select), "<id>,owner:<users>!hint=owner_id(<name>)");
  EXPECT_EQ(r->range, (RowRange{0, 3}));
  EXPECT_EQ(r->range_header, "0-2");
  ASSERT_EQ(r->accept.size(), 1u);
  EXPECT_EQ(r->accept[0].kind, MediaKind::singular_json);
  EXPECT_EQ(r->preferences.count, PreferCount::exact);
  EXPECT_EQ(r->content_type.kind, MediaKind::json);
  EXPECT_FALSE(r->payload);
  EXPECT_TRUE(r->columns.empty());
}

TEST(ApiRequestParse, RpcGetArguments) {
  auto r = parse_api_request(get("/rpc/search", "q=cats&limit=3&score=gt.5"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->rpc_read());
  EXPECT_EQ(r->query.rpc_args, (std::vector<std::pair<std::string, std::string>>{{"q", "cats"}}));
  EXPECT_EQ(r->query.filters.size(), 1u);
  EXPECT_EQ(r->range.limit, 3);
  // POST on /rpc is not a read: non-operator values are errors like for tables.
  auto post = parse_api_request(RawRequest{"POST", "/rpc/search", "q=cats", {}, "{}"});
  EXPECT_EQ(post.error().code, "PGRST100");
}

}  // namespace
}  // namespace basalt::rest::req
