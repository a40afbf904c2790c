// `basalt rest --config postgrest.conf` against a plain Postgres set up the way PostgREST's
// tutorial does (a login role, an anonymous and a user role, an api schema; no Supabase
// bootstrap): the REST API at the root, PostgREST's settings taking effect (JWT role claim
// key, db-anon-role, db-max-rows, db-tx-end, db-pre-request, app.settings, in-database
// configuration, CORS), and warnings for what Basalt does not support.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>

#include "harness.hpp"
#include "jwt/jwt.hpp"
#include "platform/pg_sync.hpp"

namespace basalt {
namespace {

namespace fs = std::filesystem;
using harness::HttpRequest;
using harness::HttpResponse;

const std::string kSecret = "a-test-secret-that-is-long-enough-for-postgrest";

constexpr std::string_view kSchemaSql = R"sql(
create role pgrst_login login noinherit;
create role web_anon nologin;
create role web_user nologin;
create role not_granted nologin;
grant web_anon, web_user to pgrst_login;
create schema api;
create table api.items (id int primary key, name text not null);
insert into api.items select g, 'item ' || g from generate_series(1, 5) g;
grant usage on schema api to web_anon, web_user;
grant select on api.items to web_anon;
grant select, insert, update, delete on api.items to web_user;
create function api.whoami() returns text language sql stable as $$ select current_user::text $$;
create function api.setting(name text) returns text language sql stable
  as $$ select current_setting(name, true) $$;
create function api.check_request() returns void language plpgsql as $$
begin
  if current_setting('request.headers', true)::json->>'x-block' = 'yes' then
    raise exception 'blocked by the pre-request function'
      using detail = 'the x-block header is set', hint = 'leave it out';
  end if;
  perform set_config('request.checked', 'yes', true);
end $$;
alter role pgrst_login set pgrst.db_aggregates_enabled = 'true';
)sql";

class RestCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = harness::TestPostgres::create(/*bootstrap=*/false);
    ASSERT_TRUE(made) << made.error().message << " " << made.error().details;
    db_ = std::move(made).value();
    auto conn = platform::PgSync::connect(db_->pg().conninfo("postgres"));
    ASSERT_TRUE(conn) << conn.error().message;
    auto setup = conn->exec(kSchemaSql);
    ASSERT_TRUE(setup) << setup.error().message;

    port_ = harness::free_port();
    const std::string socket_dir = fs::absolute(db_->pg().unix_socket_dir()).string();
    config_ = db_->root() / "postgrest.conf";
    harness::write_text(config_,
                        "# as a PostgREST user writes it\n"
                        "db-uri = \"postgresql:///postgres?host=" +
                            socket_dir +
                            "&port=$(TEST_PG_PORT)&user=pgrst_login\"\n"
                            "db-schemas = \"api\"\n"
                            "db-anon-role = \"web_anon\"\n"
                            "db-max-rows = 3\n"
                            "db-tx-end = \"rollback-allow-override\"\n"
                            "db-pre-request = \"api.check_request\"\n"
                            "jwt-secret = \"" +
                            kSecret +
                            "\"\n"
                            "jwt-role-claim-key = \".\\\"https://example.com/claims\\\".role\"\n"
                            "server-host = \"127.0.0.1\"\n"
                            "server-port = " +
                            std::to_string(port_) +
                            "\n"
                            "server-cors-allowed-origins = \"https://app.example\"\n"
                            "app.settings.greeting = \"hello from the file\"\n"
                            "db-unknown-thing = \"typo\"\n"
                            "server-unix-socket = \"/tmp/never.sock\"\n");
    server_ = new harness::BasaltServer(
        {"rest", "--config", config_.string()},
        {{"TEST_PG_PORT", std::to_string(db_->pg().port())},
         {"PGRST_APP_SETTINGS_from_env", "set by PGRST_APP_SETTINGS_from_env"}});
    auto started = server_->start(port_, "/");
    ASSERT_TRUE(started);
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      auto code = server_->stop();
      EXPECT_EQ(code, 0) << harness::last_lines(server_->log_text(), 30);
      delete server_;
      server_ = nullptr;
    }
    db_.reset();
  }

  void SetUp() override {
    if (server_ == nullptr || !server_->running()) GTEST_SKIP() << "basalt rest is not running";
  }

  static HttpResponse send(HttpRequest req) {
    auto res = harness::http_send(port_, req);
    EXPECT_TRUE(res) << res.error().message;
    return res ? std::move(res).value() : HttpResponse{};
  }
  static HttpResponse get(std::string target, harness::Headers headers = {}) {
    return send(HttpRequest{"GET", std::move(target), std::move(headers), {}});
  }
  static std::string token(boost::json::object claims) { return jwt::sign_hs256(claims, kSecret); }
  static std::string user_token() {
    return token({{"https://example.com/claims", boost::json::object{{"role", "web_user"}}}});
  }
  static harness::Headers bearer(const std::string& t) {
    return {{"Authorization", "Bearer " + t}};
  }
  static boost::json::value json(std::string_view text) {
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    EXPECT_FALSE(ec) << text;
    return v;
  }

  static inline std::unique_ptr<harness::TestPostgres> db_;
  static inline harness::BasaltServer* server_ = nullptr;
  static inline int port_ = 0;
  static inline fs::path config_;
};

TEST_F(RestCommand, ServesTablesAtTheRootAsTheAnonRole) {
  auto res = get("/items?select=id,name&order=id&limit=2");
  EXPECT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(json(res.body), json(R"([{"id":1,"name":"item 1"},{"id":2,"name":"item 2"}])"));
  EXPECT_EQ(res.header("Content-Range"), "0-1/*");
  EXPECT_EQ(get("/rpc/whoami").body, "\"web_anon\"");
  // The root is PostgREST's OpenAPI document, not a Supabase route.
  auto root = get("/");
  EXPECT_EQ(root.status, 200) << root.describe();
  EXPECT_NE(root.body.find("\"swagger\":\"2.0\""), std::string::npos);
  EXPECT_NE(root.body.find("/items"), std::string::npos);
  EXPECT_EQ(get("/rest/v1/items").status, 404);
  // No gateway: apikey is nothing special, so as a query parameter it is a filter.
  EXPECT_EQ(get("/items", {{"apikey", "whatever"}}).status, 200);
  auto filter = get("/items?apikey=eq.x");
  EXPECT_EQ(filter.status, 400) << filter.describe();
}

TEST_F(RestCommand, JwtRoleComesFromTheConfiguredClaimKey) {
  EXPECT_EQ(get("/rpc/whoami", bearer(user_token())).body, "\"web_user\"");
  // A plain "role" claim is not where this configuration looks: the token is anonymous.
  EXPECT_EQ(get("/rpc/whoami", bearer(token({{"role", "web_user"}}))).body, "\"web_anon\"");
  // A role the login may not become is refused.
  auto denied = get("/rpc/whoami", bearer(token({{"https://example.com/claims",
                                                  boost::json::object{{"role", "not_granted"}}}})));
  EXPECT_EQ(denied.status, 401) << denied.describe();
  auto forged =
      get("/items",
          bearer(jwt::sign_hs256({{"role", "web_user"}}, "another-secret-another-secret-123456")));
  EXPECT_EQ(forged.status, 401) << forged.describe();
  EXPECT_NE(forged.body.find("PGRST301"), std::string::npos);
  // The role PostgREST used is in request.jwt.claims.
  auto claims = get("/rpc/setting?name=request.jwt.claims", bearer(user_token()));
  ASSERT_EQ(claims.status, 200) << claims.describe();
  auto text = boost::json::parse(claims.body);
  ASSERT_TRUE(text.is_string()) << claims.body;
  auto object = boost::json::parse(text.as_string());
  EXPECT_EQ(object.at("role").as_string(), "web_user") << claims.body;
}

TEST_F(RestCommand, MaxRowsLimitsResults) {
  auto res = get("/items?select=id&order=id");
  EXPECT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(json(res.body), json(R"([{"id":1},{"id":2},{"id":3}])"));
  auto counted = get("/items?select=id", {{"Prefer", "count=exact"}});
  EXPECT_EQ(counted.status, 206) << counted.describe();
  EXPECT_EQ(counted.header("Content-Range"), "0-2/5");
}

TEST_F(RestCommand, TxEndRollsBackUnlessTheClientAsksForCommit) {
  auto headers = bearer(user_token());
  headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Prefer", "return=representation");
  auto rolled = send(HttpRequest{"POST", "/items", headers, R"({"id":100,"name":"temp"})"});
  EXPECT_EQ(rolled.status, 201) << rolled.describe();
  EXPECT_EQ(json(rolled.body), json(R"([{"id":100,"name":"temp"}])"));
  EXPECT_EQ(get("/items?id=eq.100").body, "[]");  // db-tx-end = rollback-allow-override

  auto commit_headers = headers;
  commit_headers.back() = {"Prefer", "return=representation, tx=commit"};
  auto kept = send(HttpRequest{"POST", "/items", commit_headers, R"({"id":101,"name":"kept"})"});
  EXPECT_EQ(kept.status, 201) << kept.describe();
  EXPECT_NE(kept.header("Preference-Applied").value_or("").find("tx=commit"), std::string::npos)
      << kept.describe();
  EXPECT_EQ(json(get("/items?id=eq.101").body), json(R"([{"id":101,"name":"kept"}])"));
  // The anonymous role may not insert.
  auto anon = send(HttpRequest{
      "POST", "/items", {{"Content-Type", "application/json"}}, R"({"id":102,"name":"x"})"});
  EXPECT_EQ(anon.status, 401) << anon.describe();
}

TEST_F(RestCommand, PreRequestRunsInEveryRequestAndItsErrorIsReturned) {
  EXPECT_EQ(get("/rpc/setting?name=request.checked").body, "\"yes\"");
  auto blocked = get("/items", {{"X-Block", "yes"}});
  EXPECT_EQ(blocked.status, 400) << blocked.describe();
  auto body = boost::json::parse(blocked.body).as_object();
  EXPECT_EQ(body.at("code").as_string(), "P0001");
  EXPECT_EQ(body.at("message").as_string(), "blocked by the pre-request function");
  EXPECT_EQ(body.at("details").as_string(), "the x-block header is set");
  EXPECT_EQ(body.at("hint").as_string(), "leave it out");
  // Writes are stopped too, before they happen.
  auto headers = bearer(user_token());
  headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Prefer", "tx=commit");
  headers.emplace_back("X-Block", "yes");
  EXPECT_EQ(send(HttpRequest{"POST", "/items", headers, R"({"id":103,"name":"x"})"}).status, 400);
  EXPECT_EQ(get("/items?id=eq.103").body, "[]");
}

TEST_F(RestCommand, AppSettingsAreVisibleToSql) {
  EXPECT_EQ(get("/rpc/setting?name=app.settings.greeting").body, "\"hello from the file\"");
  EXPECT_EQ(get("/rpc/setting?name=app.settings.from_env").body,
            "\"set by PGRST_APP_SETTINGS_from_env\"");
}

TEST_F(RestCommand, InDatabaseConfigurationApplies) {
  // pgrst.db_aggregates_enabled = 'true' on the login role (db-config defaults to true).
  auto res = get("/items?select=id.count()&id=lte.5");
  EXPECT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(json(res.body), json(R"([{"count":5}])"));
}

TEST_F(RestCommand, CorsFollowsTheAllowList) {
  auto allowed = get("/items?limit=1", {{"Origin", "https://app.example"}});
  EXPECT_EQ(allowed.header("Access-Control-Allow-Origin"), "https://app.example");
  auto other = get("/items?limit=1", {{"Origin", "https://elsewhere.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_FALSE(other.header("Access-Control-Allow-Origin"));
}

TEST_F(RestCommand, UnknownAndUnsupportedSettingsAreNamedInWarnings) {
  const std::string log = server_->log_text();
  EXPECT_NE(log.find("unknown setting \"db-unknown-thing\""), std::string::npos) << log;
  EXPECT_NE(
      log.find("server-unix-socket (" + config_.string() + ":15) is not supported by Basalt yet"),
      std::string::npos)
      << log;
}

TEST(RestCommandConfig, BadValuesStopItWithTheirPlace) {
  char tmpl[] = "/tmp/basalt-it-pgrst-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path conf = fs::path(tmpl) / "postgrest.conf";
  harness::write_text(conf, "db-uri = \"postgresql://\"\n\ndb-tx-end = \"sometimes\"\n");
  auto r = harness::run_basalt({"rest", "--config", conf.string()}, {}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(conf.string() + ":3: db-tx-end: expected commit"), std::string::npos)
      << r.output;
  // The environment is checked the same way.
  auto env =
      harness::run_basalt({"rest"}, {{"PGRST_SERVER_PORT", "http"}}, std::chrono::seconds(30));
  EXPECT_EQ(env.exit_code, 1) << env.output;
  EXPECT_NE(env.output.find("PGRST_SERVER_PORT: server-port: expected a whole number"),
            std::string::npos)
      << env.output;
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace basalt
