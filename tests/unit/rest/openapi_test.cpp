// The OpenAPI builder on a hand-made schema cache: PostgREST's type → (type, format) mapping,
// defaults, unqualified type names, the definitions with their key notes, the paths per
// table/view/function, the shared parameters and the object selection by privileges.
#include "rest/openapi.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "schema_fixture.hpp"

namespace basalt::rest {
namespace {

namespace json = boost::json;

json::value parse(std::string_view text) {
  return json::parse(text);
}

Column col(std::string name, std::string type, bool nullable = true,
           std::optional<std::string> default_value = std::nullopt) {
  Column c;
  c.name = std::move(name);
  c.data_type = std::move(type);
  c.nullable = nullable;
  c.default_value = std::move(default_value);
  return c;
}

Table table(std::string schema, std::string name, std::uint32_t oid, std::vector<Column> cols) {
  Table t;
  t.schema = std::move(schema);
  t.name = std::move(name);
  t.oid = oid;
  t.insertable = t.updatable = t.deletable = true;
  int pos = 0;
  for (auto& c : cols) c.position = ++pos;
  t.columns = std::move(cols);
  return t;
}

RoutineParam param(std::string name, std::string type, bool has_default = false,
                   RoutineParam::Mode mode = RoutineParam::Mode::in) {
  RoutineParam p;
  p.name = std::move(name);
  p.type = std::move(type);
  p.type_max_length = p.type;
  p.has_default = has_default;
  p.mode = mode;
  return p;
}

Routine routine(std::string name, std::uint32_t oid, std::vector<RoutineParam> params,
                Routine::Volatility volatility = Routine::Volatility::stable) {
  Routine r;
  r.schema = "public";
  r.name = std::move(name);
  r.oid = oid;
  r.params = std::move(params);
  r.volatility = volatility;
  r.returns.type = {"pg_catalog", "int4"};
  r.returns.type_text = "integer";
  return r;
}

SchemaCache sample() {
  Table directors =
      table("public", "directors", 10, {col("id", "integer", false), col("name", "text", false)});
  directors.description = "Film directors\n\n\nPeople who direct films";
  directors.primary_key = {"id"};
  directors.columns[1].description = "Full name";

  Table films =
      table("public", "films", 11,
            {col("id", "bigint", false, "nextval('public.films_id_seq'::regclass)"),
             col("title", "character varying", true, "'untitled'::character varying"),
             col("director_id", "integer"), col("data", "jsonb", false, "'{}'::jsonb"),
             col("tags", "text[]"), col("mood", "public.mood", true, "'happy'::public.mood"),
             col("score", "numeric", true, "42.2"), col("active", "boolean", true, "false"),
             col("uid", "uuid", true, "extensions.uuid_generate_v4()"), col("code", "character")});
  films.description = "Films";
  films.primary_key = {"id"};
  films.columns[1].max_length = 50;
  films.columns[5].enum_values = {"happy", "sad"};
  films.columns[9].max_length = 1;

  Table view = table("public", "film_titles", 12, {col("title", "text")});
  view.kind = Table::Kind::view;
  view.is_view = true;
  view.insertable = view.updatable = view.deletable = false;

  Table hidden = table("other", "secrets", 13, {col("id", "integer", false)});

  Routine add1 = routine("add", 20, {param("a", "integer")});
  Routine add2 = routine("add", 21, {param("a", "integer"), param("b", "integer", true)});
  add2.description = "Adds\nnumbers";
  Routine reset = routine("reset", 22, {}, Routine::Volatility::volatile_);
  Routine tagged = routine("tagged", 23,
                           {param("v", "text[]", false, RoutineParam::Mode::variadic),
                            param("n", "integer", false, RoutineParam::Mode::out)},
                           Routine::Volatility::immutable);
  Routine mood = routine("mood_of", 24,
                         {param("m", "public.mood"), param("j", "jsonb", true),
                          param("arr", "integer[]", true), param("d", "public.dom", true)});
  Routine proc = routine("proc", 25, {});
  proc.is_procedure = true;

  return SchemaCache({"public", "other"}, {directors, films, view, hidden},
                     testing::films_directors_fk(), {add1, add2, reset, tagged, mood, proc});
}

OpenApiSpec spec_for(const SchemaCache& cache) {
  OpenApiSpec spec;
  spec.schema = "public";
  spec.tables = openapi_tables(cache, "public", std::nullopt);
  spec.routines = openapi_routines(cache, "public", std::nullopt);
  spec.column_search_path = {"public", "extensions"};
  spec.routine_search_path = {"public", "extensions"};
  return spec;
}

const json::value& at(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* cur = &v;
  for (auto key : path) cur = &cur->as_object().at(key);
  return *cur;
}

TEST(OpenApiTypes, PostgrestMapping) {
  struct Case {
    std::string_view pg;
    std::optional<std::string_view> type;
    std::string_view format;
  };
  const Case cases[] = {
      {"character varying", "string", "character varying"},
      {"character", "string", "character"},
      {"text", "string", "text"},
      {"boolean", "boolean", "boolean"},
      {"smallint", "integer", "int32"},
      {"integer", "integer", "int32"},
      {"bigint", "integer", "int64"},
      {"numeric", "number", "numeric"},
      {"real", "number", "real"},
      {"double precision", "number", "double precision"},
      {"json", std::nullopt, "json"},
      {"jsonb", std::nullopt, "jsonb"},
      {"integer[]", "array", "integer[]"},
      {"jsonb[]", "array", "jsonb[]"},
      {"timestamp with time zone", "string", "timestamp with time zone"},
      {"uuid", "string", "uuid"},
      {"mood", "string", "mood"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(swagger_type(c.pg), c.type) << c.pg;
    EXPECT_EQ(swagger_format(c.pg), c.format) << c.pg;
  }
}

TEST(OpenApiTypes, Defaults) {
  auto d = [](std::string_view type, std::string_view expr) -> std::string {
    auto v = swagger_default(type, expr);
    return v ? json::serialize(*v) : "none";
  };
  EXPECT_EQ(d("text", "'default'::text"), "\"default\"");
  EXPECT_EQ(d("character varying", "'x'::character varying"), "\"x\"");
  EXPECT_EQ(d("date", "'1900-01-01'::date"), "\"1900-01-01\"");
  EXPECT_EQ(d("time without time zone", "'13:00:00'::time without time zone"), "\"13:00:00\"");
  EXPECT_EQ(d("timestamp with time zone", "now()"), "\"now()\"");
  EXPECT_EQ(d("mood", "'happy'::mood"), "\"happy\"");
  EXPECT_EQ(d("boolean", "false"), "false");
  EXPECT_EQ(d("integer", "42"), "42");
  EXPECT_EQ(d("numeric", "42.2"), "4.22E1");
  // Not JSON: no default.
  EXPECT_EQ(d("integer", "nextval('films_id_seq'::regclass)"), "none");
  EXPECT_EQ(d("integer", "'-1'::integer"), "none");
  EXPECT_EQ(d("jsonb", "'{}'::jsonb"), "none");
  EXPECT_EQ(d("text[]", "'{}'::text[]"), "none");
  EXPECT_EQ(d("text", "'say \"hi\"'::text"), "none");
  // The cast is another type's: the expression stays whole.
  EXPECT_EQ(d("text", "'x'::character varying"), "\"'x'::character varying\"");
}

TEST(OpenApiTypes, Unqualify) {
  const std::vector<std::string> path{"public", "extensions", "My Schema"};
  EXPECT_EQ(unqualify("public.mood[]", path), "mood[]");
  EXPECT_EQ(unqualify("'happy'::public.mood", path), "'happy'::mood");
  EXPECT_EQ(unqualify("extensions.uuid_generate_v4()", path), "uuid_generate_v4()");
  EXPECT_EQ(unqualify("\"My Schema\".\"Type\"", path), "\"Type\"");
  EXPECT_EQ(unqualify("other.mood", path), "other.mood");
  EXPECT_EQ(unqualify("'public.x'::text", path), "'public.x'::text");
  EXPECT_EQ(unqualify("'it''s public.x'::text", path), "'it''s public.x'::text");
  EXPECT_EQ(unqualify("xpublic.t", path), "xpublic.t");
  EXPECT_EQ(unqualify("a.public.t", path), "a.public.t");
  EXPECT_EQ(unqualify("\"x public.\".t", path), "\"x public.\".t");
  EXPECT_EQ(unqualify("public.f(public.g())", path), "f(g())");
  EXPECT_EQ(unqualify("text", {}), "text");
}

TEST(OpenApiSelection, PrivilegeFilterAndOverloads) {
  const SchemaCache cache = sample();
  auto names = [](const auto& items) {
    std::vector<std::string> out;
    for (const auto* i : items) out.push_back(i->name + "#" + std::to_string(i->oid));
    return out;
  };
  EXPECT_EQ(names(openapi_tables(cache, "public", std::nullopt)),
            (std::vector<std::string>{"directors#10", "film_titles#12", "films#11"}));
  EXPECT_EQ(names(openapi_tables(cache, "public", std::vector<std::uint32_t>{11, 13})),
            (std::vector<std::string>{"films#11"}));
  EXPECT_EQ(names(openapi_tables(cache, "other", std::nullopt)),
            (std::vector<std::string>{"secrets#13"}));
  // The overload with the most parameters; procedures never.
  EXPECT_EQ(names(openapi_routines(cache, "public", std::nullopt)),
            (std::vector<std::string>{"add#21", "mood_of#24", "reset#22", "tagged#23"}));
  EXPECT_EQ(names(openapi_routines(cache, "public", std::vector<std::uint32_t>{20, 22, 25})),
            (std::vector<std::string>{"add#20", "reset#22"}));
}

TEST(OpenApiDocument, TopLevel) {
  const SchemaCache cache = sample();
  OpenApiSpec spec = spec_for(cache);
  const json::value doc = build_openapi(cache, spec);
  EXPECT_EQ(at(doc, {"swagger"}), "2.0");
  EXPECT_EQ(at(doc, {"info"}), parse(R"({"title":"PostgREST API",
      "description":"This is a dynamic API generated by PostgREST","version":"14.17"})"));
  EXPECT_EQ(at(doc, {"host"}), "0.0.0.0:3000");
  EXPECT_EQ(at(doc, {"basePath"}), "/");
  EXPECT_EQ(at(doc, {"schemes"}), parse(R"(["http"])"));
  const auto media = parse(R"(["application/json",
      "application/vnd.pgrst.object+json;nulls=stripped", "application/vnd.pgrst.object+json",
      "text/csv"])");
  EXPECT_EQ(at(doc, {"consumes"}), media);
  EXPECT_EQ(at(doc, {"produces"}), media);
  EXPECT_EQ(at(doc, {"externalDocs"}), parse(R"({"description":"PostgREST Documentation",
                "url":"https://postgrest.org/en/v14/references/api.html"})"));
  EXPECT_FALSE(doc.as_object().contains("security"));
  EXPECT_FALSE(doc.as_object().contains("securityDefinitions"));
  std::vector<std::string> keys;
  for (const auto& kv : at(doc, {"paths"}).as_object()) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"/", "/directors", "/film_titles", "/films", "/rpc/add",
                                            "/rpc/mood_of", "/rpc/reset", "/rpc/tagged"}));
  EXPECT_EQ(at(doc, {"paths", "/"}), parse(R"J({"get":{"tags":["Introspection"],
      "summary":"OpenAPI description (this document)",
      "produces":["application/openapi+json","application/json"],
      "responses":{"200":{"description":"OK"}}}})J"));

  // The schema comment: first line the title, the rest (leading newlines dropped) the
  // description; a one-line comment leaves the description empty.
  spec.schema_comment = "My API title\n\nMy API description\nthat spans\nmultiple lines";
  EXPECT_EQ(at(build_openapi(cache, spec), {"info", "title"}), "My API title");
  EXPECT_EQ(at(build_openapi(cache, spec), {"info", "description"}),
            "My API description\nthat spans\nmultiple lines");
  spec.schema_comment = "standard public schema";
  EXPECT_EQ(at(build_openapi(cache, spec), {"info"}),
            parse(R"({"title":"standard public schema","description":"","version":"14.17"})"));

  spec.scheme = "https";
  spec.host = "example.com";
  spec.port = 443;
  spec.base_path = "/api";
  spec.security_active = true;
  const json::value secured = build_openapi(cache, spec);
  EXPECT_EQ(at(secured, {"host"}), "example.com:443");
  EXPECT_EQ(at(secured, {"basePath"}), "/api");
  EXPECT_EQ(at(secured, {"schemes"}), parse(R"(["https"])"));
  EXPECT_EQ(at(secured, {"securityDefinitions"}), parse(R"({"JWT":{"name":"Authorization",
      "in":"header","type":"apiKey",
      "description":"Add the token prepending \"Bearer \" (without quotes) to it"}})"));
  EXPECT_EQ(at(secured, {"security"}), parse(R"([{"JWT":[]}])"));
}

TEST(OpenApiDocument, Definitions) {
  const SchemaCache cache = sample();
  const json::value doc = build_openapi(cache, spec_for(cache));
  EXPECT_EQ(at(doc, {"definitions", "directors"}), parse(R"({
    "description": "Film directors\n\n\nPeople who direct films",
    "required": ["id", "name"],
    "properties": {
      "id": {"description": "Note:\nThis is a Primary Key.<pk/>", "format": "int32",
             "type": "integer"},
      "name": {"description": "Full name", "format": "text", "type": "string"}
    },
    "type": "object"})"));
  EXPECT_EQ(at(doc, {"definitions", "films"}), parse(R"J({
    "description": "Films",
    "required": ["id", "data"],
    "properties": {
      "id": {"description": "Note:\nThis is a Primary Key.<pk/>", "format": "int64",
             "type": "integer"},
      "title": {"default": "untitled", "format": "character varying", "type": "string",
                "maxLength": 50},
      "director_id": {
        "description":
          "Note:\nThis is a Foreign Key to `directors.id`.<fk table='directors' column='id'/>",
        "format": "int32", "type": "integer"},
      "data": {"format": "jsonb"},
      "tags": {"format": "text[]", "type": "array", "items": {"type": "string"}},
      "mood": {"default": "happy", "enum": ["happy", "sad"], "format": "mood",
               "type": "string"},
      "score": {"default": 42.2, "format": "numeric", "type": "number"},
      "active": {"default": false, "format": "boolean", "type": "boolean"},
      "uid": {"default": "uuid_generate_v4()", "format": "uuid", "type": "string"},
      "code": {"format": "character", "type": "string", "maxLength": 1}
    },
    "type": "object"})J"));
  // No comment, nothing required: neither key.
  EXPECT_EQ(at(doc, {"definitions", "film_titles"}),
            parse(R"({"properties":{"title":{"format":"text","type":"string"}},
                      "type":"object"})"));
  EXPECT_FALSE(at(doc, {"definitions"}).as_object().contains("secrets"));
}

TEST(OpenApiDocument, TablePaths) {
  const SchemaCache cache = sample();
  const json::value doc = build_openapi(cache, spec_for(cache));
  const auto& directors = at(doc, {"paths", "/directors"});
  EXPECT_EQ(at(directors, {"get"}), parse(R"({
    "tags": ["directors"], "summary": "Film directors", "description": "People who direct films",
    "parameters": [
      {"$ref": "#/parameters/rowFilter.directors.id"},
      {"$ref": "#/parameters/rowFilter.directors.name"},
      {"$ref": "#/parameters/select"}, {"$ref": "#/parameters/order"},
      {"$ref": "#/parameters/range"}, {"$ref": "#/parameters/rangeUnit"},
      {"$ref": "#/parameters/offset"}, {"$ref": "#/parameters/limit"},
      {"$ref": "#/parameters/preferCount"}],
    "responses": {
      "200": {"description": "OK",
              "schema": {"type": "array", "items": {"$ref": "#/definitions/directors"}}},
      "206": {"description": "Partial Content"}}})"));
  EXPECT_EQ(at(directors, {"post"}), parse(R"({
    "tags": ["directors"], "summary": "Film directors", "description": "People who direct films",
    "parameters": [{"$ref": "#/parameters/body.directors"}, {"$ref": "#/parameters/select"},
                   {"$ref": "#/parameters/preferPost"}],
    "responses": {"201": {"description": "Created"}}})"));
  EXPECT_EQ(at(directors, {"patch", "parameters"}), parse(R"([
      {"$ref": "#/parameters/rowFilter.directors.id"},
      {"$ref": "#/parameters/rowFilter.directors.name"},
      {"$ref": "#/parameters/body.directors"}, {"$ref": "#/parameters/preferReturn"}])"));
  EXPECT_EQ(at(directors, {"patch", "responses"}),
            parse(R"({"204":{"description":"No Content"}})"));
  EXPECT_EQ(at(directors, {"delete", "parameters"}), parse(R"([
      {"$ref": "#/parameters/rowFilter.directors.id"},
      {"$ref": "#/parameters/rowFilter.directors.name"},
      {"$ref": "#/parameters/preferReturn"}])"));
  // A one-line comment: summary only.
  EXPECT_EQ(at(doc, {"paths", "/films", "get", "summary"}), "Films");
  EXPECT_FALSE(at(doc, {"paths", "/films", "get"}).as_object().contains("description"));
  // A read-only view: GET only, no summary without a comment.
  const auto& view = at(doc, {"paths", "/film_titles"}).as_object();
  EXPECT_EQ(view.size(), 1u);
  EXPECT_FALSE(view.at("get").as_object().contains("summary"));
}

TEST(OpenApiDocument, RoutinePaths) {
  const SchemaCache cache = sample();
  const json::value doc = build_openapi(cache, spec_for(cache));
  constexpr std::string_view kProduces = R"(["application/json",
      "application/vnd.pgrst.object+json;nulls=stripped","application/vnd.pgrst.object+json"])";
  const auto& add = at(doc, {"paths", "/rpc/add"});
  EXPECT_EQ(at(add, {"get"}), parse(fmt::format(R"({{"tags":["(rpc) add"],"summary":"Adds",
      "description":"numbers","produces":{},"parameters":[
        {{"name":"a","required":true,"in":"query","type":"integer","format":"int32"}},
        {{"name":"b","required":false,"in":"query","type":"integer","format":"int32"}}],
      "responses":{{"200":{{"description":"OK"}}}}}})",
                                                kProduces)));
  EXPECT_EQ(at(add, {"post"}), parse(fmt::format(R"({{"tags":["(rpc) add"],"summary":"Adds",
      "description":"numbers","produces":{},"parameters":[
        {{"name":"args","required":true,"in":"body","schema":{{
          "description":"Adds\nnumbers","required":["a"],
          "properties":{{"a":{{"format":"int32","type":"integer"}},
                        "b":{{"format":"int32","type":"integer"}}}},
          "type":"object"}}}},
        {{"$ref":"#/parameters/preferParams"}}],
      "responses":{{"200":{{"description":"OK"}}}}}})",
                                                 kProduces)));
  // Volatile: POST only; no arguments: no properties, nothing required, no GET parameters.
  const auto& reset = at(doc, {"paths", "/rpc/reset"}).as_object();
  EXPECT_FALSE(reset.contains("get"));
  EXPECT_EQ(at(doc, {"paths", "/rpc/reset", "post", "parameters"}),
            parse(R"([{"name":"args","required":true,"in":"body","schema":{"type":"object"}},
                      {"$ref":"#/parameters/preferParams"}])"));
  EXPECT_FALSE(at(doc, {"paths", "/rpc/reset", "post"}).as_object().contains("summary"));
  // VARIADIC: a repeated query parameter; OUT parameters are not arguments.
  EXPECT_EQ(at(doc, {"paths", "/rpc/tagged", "get", "parameters"}),
            parse(R"([{"name":"v","required":true,"in":"query","type":"array",
                       "collectionFormat":"multi","items":{"type":"string","format":"text"}}])"));
  EXPECT_EQ(at(doc, {"paths", "/rpc/tagged", "post", "parameters"}).as_array()[0],
            parse(R"({"name":"args","required":true,"in":"body","schema":{"required":["v"],
                "properties":{"v":{"type":"array","format":"text[]","items":{"type":"string"}}},
                "type":"object"}})"));
  // Types in the search path lose their schema; json and arrays are strings in a query.
  EXPECT_EQ(at(doc, {"paths", "/rpc/mood_of", "get", "parameters"}), parse(R"([
      {"name":"m","required":true,"in":"query","type":"string","format":"mood"},
      {"name":"j","required":false,"in":"query","type":"string","format":"jsonb"},
      {"name":"arr","required":false,"in":"query","type":"string","format":"integer[]"},
      {"name":"d","required":false,"in":"query","type":"string","format":"dom"}])"));
  EXPECT_EQ(at(doc, {"paths", "/rpc/mood_of", "post", "parameters"}).as_array()[0],
            parse(R"({"name":"args","required":true,"in":"body","schema":{"required":["m"],
                "properties":{"m":{"type":"string","format":"mood"},"j":{"format":"jsonb"},
                  "arr":{"type":"array","format":"integer[]","items":{"type":"integer"}},
                  "d":{"type":"string","format":"dom"}},
                "type":"object"}})"));
  // With only the request's schema in the path, other schemas keep their names.
  OpenApiSpec spec = spec_for(cache);
  spec.routine_search_path = {"other"};
  EXPECT_EQ(
      at(build_openapi(cache, spec), {"paths", "/rpc/mood_of", "get", "parameters"}).as_array()[0],
      parse(R"({"name":"m","required":true,"in":"query","type":"string",
                      "format":"public.mood"})"));
}

TEST(OpenApiDocument, SharedParameters) {
  const SchemaCache cache = sample();
  const json::value doc = build_openapi(cache, spec_for(cache));
  const auto& ps = at(doc, {"parameters"});
  EXPECT_EQ(at(ps, {"preferParams"}), parse(R"({"name":"Prefer","description":"Preference",
      "required":false,"in":"header","type":"string"})"));
  EXPECT_EQ(at(ps, {"preferReturn"}), parse(R"({"name":"Prefer","description":"Preference",
      "required":false,"in":"header","type":"string",
      "enum":["return=representation","return=minimal","return=none"]})"));
  EXPECT_EQ(at(ps, {"preferCount", "enum"}), parse(R"(["count=none"])"));
  EXPECT_EQ(at(ps, {"preferPost", "enum"}),
            parse(R"(["return=representation","return=minimal","return=none",
                      "resolution=ignore-duplicates","resolution=merge-duplicates"])"));
  EXPECT_EQ(at(ps, {"select"}), parse(R"({"name":"select","description":"Filtering Columns",
      "required":false,"in":"query","type":"string"})"));
  EXPECT_EQ(at(ps, {"on_conflict", "description"}), "On Conflict");
  EXPECT_EQ(at(ps, {"order", "description"}), "Ordering");
  EXPECT_EQ(at(ps, {"range"}), parse(R"({"name":"Range","description":"Limiting and Pagination",
      "required":false,"in":"header","type":"string"})"));
  EXPECT_EQ(at(ps, {"rangeUnit"}), parse(R"({"name":"Range-Unit",
      "description":"Limiting and Pagination","required":false,"in":"header","type":"string",
      "default":"items"})"));
  EXPECT_EQ(at(ps, {"offset", "in"}), "query");
  EXPECT_EQ(at(ps, {"limit", "name"}), "limit");
  EXPECT_EQ(at(ps, {"body.films"}), parse(R"({"name":"films","description":"films",
      "required":false,"in":"body","schema":{"$ref":"#/definitions/films"}})"));
  EXPECT_EQ(at(ps, {"rowFilter.directors.name"}), parse(R"({"name":"name",
      "description":"Full name","required":false,"in":"query","type":"string"})"));
  EXPECT_EQ(at(ps, {"rowFilter.films.mood"}), parse(R"({"name":"mood","required":false,
      "in":"query","type":"string"})"));
  // 11 fixed ones, then per table one body and one filter per column (2 + 10 + 1 columns).
  EXPECT_EQ(ps.as_object().size(), 11u + 3u + 13u);
}

// The endpoint's answers that need no database: a pool that cannot connect shows that none
// of them touches it (and that a database failure becomes PGRST000-style 503).
struct EndpointRun {
  Result<http::Response> result = Error::make(500, "unset", "not run");
};

boost::asio::awaitable<void> drive(const req::ApiRequest& rq, const SchemaCache& cache,
                                   db::Pool& pool, OpenApiMode mode, EndpointRun& out) {
  db::RequestContext ctx;
  std::vector<std::string> search_path{"public"};
  out.result = co_await openapi_response(rq, cache, pool, ctx, mode, search_path, false);
}

EndpointRun run_endpoint(std::string method, req::HeaderList headers, OpenApiMode mode) {
  req::RawRequest raw;
  raw.method = std::move(method);
  raw.path = "/";
  raw.headers = std::move(headers);
  req::ParseOptions options;
  options.schemas = {"public", "other"};
  auto rq = req::parse_api_request(raw, options);
  EndpointRun out;
  if (!rq) {
    out.result = std::move(rq).error();
    return out;
  }
  boost::asio::io_context io;
  db::PoolOptions pool_options;
  pool_options.conninfo = "host=/nonexistent/basalt-openapi-test port=1 connect_timeout=1";
  pool_options.size = 1;
  pool_options.acquire_timeout = std::chrono::milliseconds(2000);
  auto pool = db::Pool::create(io.get_executor(), pool_options);
  const SchemaCache cache = sample();
  boost::asio::co_spawn(io, drive(*rq, cache, *pool, mode, out), boost::asio::detached);
  io.run();
  return out;
}

TEST(OpenApiEndpoint, AnswersWithoutTheDatabase) {
  auto disabled = run_endpoint("GET", {}, OpenApiMode::disabled);
  ASSERT_FALSE(disabled.result.ok());
  EXPECT_EQ(disabled.result.error().status, 404);
  EXPECT_EQ(disabled.result.error().code, "PGRST126");
  EXPECT_EQ(disabled.result.error().message, "Root endpoint metadata is disabled");
  auto disabled_options = run_endpoint("OPTIONS", {}, OpenApiMode::disabled);
  ASSERT_FALSE(disabled_options.result.ok());
  EXPECT_EQ(disabled_options.result.error().code, "PGRST126");

  auto options = run_endpoint("OPTIONS", {}, OpenApiMode::follow_privileges);
  ASSERT_TRUE(options.result.ok());
  EXPECT_EQ(options.result->result_int(), 200u);
  EXPECT_EQ((*options.result)[http::beast_http::field::allow], "OPTIONS,GET,HEAD");

  auto csv = run_endpoint("GET", {{"Accept", "text/csv"}}, OpenApiMode::ignore_privileges);
  ASSERT_FALSE(csv.result.ok());
  EXPECT_EQ(csv.result.error().status, 406);
  EXPECT_EQ(csv.result.error().code, "PGRST107");
  auto object = run_endpoint("GET", {{"Accept", "application/vnd.pgrst.object+json"}},
                             OpenApiMode::follow_privileges);
  ASSERT_FALSE(object.result.ok());
  EXPECT_EQ(object.result.error().code, "PGRST107");

  // Acceptable: it goes to the database, which is not there.
  auto unreachable = run_endpoint("GET", {{"Accept", "text/csv, application/openapi+json"}},
                                  OpenApiMode::follow_privileges);
  ASSERT_FALSE(unreachable.result.ok());
  EXPECT_EQ(unreachable.result.error().status, 503);
}

}  // namespace
}  // namespace basalt::rest
