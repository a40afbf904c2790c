// PostgREST's configuration for `basalt rest`: the file format, PGRST_* variables, in-database
// settings, PostgREST's defaults and aliases, errors with their place, warnings, and JSPath.
#include "config/postgrest_conf.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>

#include "config/jspath.hpp"
#include "config/postgrest_conf_file.hpp"

namespace basalt::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

const std::string kSecret = "reallyreallyreallyreallyverysafe";  // 32 characters

// Removes a temporary file or folder when the test ends, also when an assertion returns early.
struct Removed {
  std::filesystem::path path;
  ~Removed() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

class PostgrestConfTest : public ::testing::Test {
 protected:
  PostgrestSources sources() const {
    PostgrestSources s;
    auto vars = vars_;
    s.env = [vars](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    for (const auto& [k, v] : vars_) s.env_names.push_back(k);
    s.db_settings = db_;
    return s;
  }
  PostgrestLoaded ok(const std::string& text) const {
    auto r = parse_postgrest_config(text, "postgrest.conf", sources());
    EXPECT_TRUE(r) << (r ? "" : r.error().message + "\n" + r.error().details);
    return r ? std::move(r).value() : PostgrestLoaded{};
  }
  Error fails(const std::string& text) const {
    auto r = parse_postgrest_config(text, "postgrest.conf", sources());
    EXPECT_FALSE(r);
    return r ? Error{} : r.error();
  }

  std::map<std::string, std::string> vars_;
  std::map<std::string, std::string> db_;
};

TEST_F(PostgrestConfTest, DefaultsArePostgrestsOwn) {
  auto loaded = ok("");
  const auto& c = loaded.config;
  EXPECT_THAT(loaded.warnings, IsEmpty());
  EXPECT_EQ(c.db_uri, "postgresql://");
  EXPECT_THAT(c.db_schemas, ElementsAre("public"));
  EXPECT_THAT(c.db_extra_search_path, ElementsAre("public"));
  EXPECT_FALSE(c.db_anon_role);
  EXPECT_FALSE(c.db_max_rows);
  EXPECT_EQ(c.db_tx_end, "commit");
  EXPECT_EQ(c.db_pool, 10);
  EXPECT_EQ(c.db_pool_acquisition_timeout, 10);
  EXPECT_EQ(c.db_channel, "pgrst");
  EXPECT_TRUE(c.db_channel_enabled);
  EXPECT_TRUE(c.db_config);
  EXPECT_TRUE(c.db_prepared_statements);
  EXPECT_FALSE(c.db_aggregates_enabled);
  EXPECT_FALSE(c.db_plan_enabled);
  EXPECT_EQ(c.jwt_role_claim_key, default_role_claim_key());
  EXPECT_FALSE(c.jwt_secret);
  EXPECT_EQ(c.jwt_cache_max_entries, 1000);
  EXPECT_EQ(c.log_level, "error");
  EXPECT_EQ(c.openapi_mode, "follow-privileges");
  EXPECT_FALSE(c.server_cors_allowed_origins);
  EXPECT_EQ(c.server_host, "!4");
  EXPECT_EQ(c.server_port, 3000);
  EXPECT_EQ(c.server_unix_socket_mode, 0660);
  EXPECT_THAT(c.app_settings, IsEmpty());
  EXPECT_THAT(c.explicitly_set, IsEmpty());
}

TEST_F(PostgrestConfTest, ReadsTheFileFormat) {
  auto loaded =
      ok("# PostgREST config\n"
         "db-uri       = \"postgres://authenticator:pw@localhost:5432/app\"\n"
         "db-schemas   = \"api, v2 \"   # two schemas\n"
         "db-anon-role = \"web_anon\"\n"
         "\n"
         "db-max-rows = 100\n"
         "db-aggregates-enabled = on\n"
         "db-channel-enabled = false\n"
         "db-tx-end = \"rollback-allow-override\"\n"
         "db-pre-request = \"api.check_request\"\n"
         "db-extra-search-path = \"public, extensions\"\n"
         "jwt-secret = \"" +
         kSecret +
         "\"\n"
         "jwt-aud = \"https://example.com/api\"\n"
         "jwt-role-claim-key = \".\\\"https://example.com/claims\\\".role\"\n"
         "server-host = \"127.0.0.1\"\n"
         "server-port = 3001\n"
         "server-cors-allowed-origins = \"https://a.example, https://b.example\"\n"
         "openapi-mode = \"ignore-privileges\"\n"
         "app.settings.jwt_exp = 3600\n"
         "app.settings.greeting = \"hello \\\"you\\\"\\n\"\n");
  const auto& c = loaded.config;
  EXPECT_THAT(loaded.warnings, IsEmpty());
  EXPECT_EQ(c.db_uri, "postgres://authenticator:pw@localhost:5432/app");
  EXPECT_THAT(c.db_schemas, ElementsAre("api", "v2"));
  EXPECT_EQ(c.db_anon_role, "web_anon");
  EXPECT_EQ(c.db_max_rows, 100);
  EXPECT_TRUE(c.db_aggregates_enabled);
  EXPECT_FALSE(c.db_channel_enabled);
  EXPECT_EQ(c.db_tx_end, "rollback-allow-override");
  EXPECT_EQ(c.db_pre_request, "api.check_request");
  EXPECT_THAT(c.db_extra_search_path, ElementsAre("public", "extensions"));
  EXPECT_EQ(c.jwt_secret, kSecret);
  EXPECT_EQ(c.jwt_aud, "https://example.com/api");
  ASSERT_EQ(c.jwt_role_claim_key.size(), 2u);
  EXPECT_EQ(c.jwt_role_claim_key[0].key, "https://example.com/claims");
  EXPECT_EQ(c.jwt_role_claim_key[1].key, "role");
  EXPECT_EQ(c.server_host, "127.0.0.1");
  EXPECT_EQ(c.server_port, 3001);
  EXPECT_THAT(*c.server_cors_allowed_origins,
              ElementsAre("https://a.example", "https://b.example"));
  EXPECT_EQ(c.openapi_mode, "ignore-privileges");
  EXPECT_THAT(c.app_settings, ElementsAre(Pair("app.settings.greeting", "hello \"you\"\n"),
                                          Pair("app.settings.jwt_exp", "3600")));
  EXPECT_TRUE(c.is_set("db-uri"));
  EXPECT_FALSE(c.is_set("log-level"));
}

TEST_F(PostgrestConfTest, GroupsPrefixTheirKeys) {
  auto c = ok("app {\n  settings {\n    a = \"1\"\n    b = \"2\"\n  }\n}\n").config;
  EXPECT_THAT(c.app_settings,
              ElementsAre(Pair("app.settings.a", "1"), Pair("app.settings.b", "2")));
}

TEST_F(PostgrestConfTest, EmptyStringMeansUnset) {
  auto c = ok("db-anon-role = \"\"\ndb-schemas = \"\"\ndb-extra-search-path = \"\"\n").config;
  EXPECT_FALSE(c.db_anon_role);
  EXPECT_THAT(c.db_schemas, ElementsAre("public"));
  EXPECT_THAT(c.db_extra_search_path, IsEmpty());  // this one may be empty
}

TEST_F(PostgrestConfTest, LaterBindingWins) {
  EXPECT_EQ(ok("server-port = 1\nserver-port = 2\n").config.server_port, 2);
}

TEST_F(PostgrestConfTest, BooleansAreReadAsPostgrestReadsThem) {
  for (const auto& [text, want] : std::vector<std::pair<std::string, bool>>{{"true", true},
                                                                            {"on", true},
                                                                            {"off", false},
                                                                            {"\"TRUE\"", true},
                                                                            {"\"False\"", false},
                                                                            {"\"1\"", true},
                                                                            {"\"0\"", false},
                                                                            {"1", true}}) {
    auto c = ok("db-plan-enabled = " + text + "\n").config;
    EXPECT_EQ(c.db_plan_enabled, want) << text;
  }
}

TEST_F(PostgrestConfTest, EnvironmentBeatsTheFile) {
  vars_ = {{"PGRST_DB_URI", "postgres://from-env"}, {"PGRST_SERVER_PORT", "4000"},
           {"PGRST_DB_SCHEMAS", "tenant1,tenant2"}, {"PGRST_JWT_SECRET_IS_BASE64", "false"},
           {"PGRST_APP_SETTINGS_shared", "env"},    {"PGRST_APP_SETTINGS_only_env", "x"}};
  auto c = ok("db-uri = \"postgres://from-file\"\nserver-port = 3000\n"
              "app.settings.shared = \"file\"\napp.settings.only_file = \"y\"\n")
               .config;
  EXPECT_EQ(c.db_uri, "postgres://from-env");
  EXPECT_EQ(c.server_port, 4000);
  EXPECT_THAT(c.db_schemas, ElementsAre("tenant1", "tenant2"));
  EXPECT_THAT(c.app_settings,
              ElementsAre(Pair("app.settings.only_env", "x"), Pair("app.settings.only_file", "y"),
                          Pair("app.settings.shared", "env")));
}

TEST_F(PostgrestConfTest, InDatabaseSettingsBeatTheEnvironment) {
  vars_ = {{"PGRST_DB_SCHEMAS", "from_env"}, {"PGRST_DB_URI", "postgres://env"}};
  db_ = {{"db_schemas", "from_db"}, {"db_uri", "postgres://not-allowed-in-db"}};
  auto c = ok("").config;
  EXPECT_THAT(c.db_schemas, ElementsAre("from_db"));
  EXPECT_EQ(c.db_uri, "postgres://env");  // db-uri cannot come from the database
}

TEST_F(PostgrestConfTest, OldNamesAreAliases) {
  auto c = ok("max-rows = 7\ndb-schema = \"old\"\nrole-claim-key = \".r\"\npre-request = \"f\"\n"
              "secret-is-base64 = false\ndb-pool-timeout = 5\nroot-spec = \"root\"\n")
               .config;
  EXPECT_EQ(c.db_max_rows, 7);
  EXPECT_THAT(c.db_schemas, ElementsAre("old"));
  EXPECT_EQ(c.jwt_role_claim_key_text, ".r");
  EXPECT_EQ(c.db_pre_request, "f");
  EXPECT_EQ(c.db_pool_max_idletime, 5);
  EXPECT_EQ(c.db_root_spec, "root");
  // The current name wins over the old one.
  EXPECT_EQ(ok("max-rows = 7\ndb-max-rows = 8\n").config.db_max_rows, 8);
}

TEST_F(PostgrestConfTest, InterpolatesVariablesInStrings) {
  vars_ = {{"DB_USER", "authenticator"}, {"DB_HOST", "db.internal"}};
  auto c = ok("port = 5433\n"
              "db-uri = \"postgres://$(DB_USER)@$(DB_HOST):$(port)/app\"\n"
              "jwt-secret = \"" +
              kSecret + "$$\"\n")
               .config;
  EXPECT_EQ(c.db_uri, "postgres://authenticator@db.internal:5433/app");
  EXPECT_EQ(c.jwt_secret, kSecret + "$");
  // An earlier key in the same group is found before the environment.
  vars_ = {{"name", "env"}};
  auto g = ok("app.settings {\n  name = \"group\"\n  x = \"$(name)\"\n}\n").config;
  EXPECT_THAT(g.app_settings,
              ElementsAre(Pair("app.settings.name", "group"), Pair("app.settings.x", "group")));
}

TEST_F(PostgrestConfTest, UnknownVariableIsAnErrorWithItsLine) {
  auto e = fails("db-schemas = \"api\"\ndb-uri = \"postgres://$(NOPE)/x\"\n");
  EXPECT_EQ(e.code, "config");
  EXPECT_THAT(e.message, HasSubstr("postgrest.conf:2: no such variable: 'NOPE'"));
}

TEST_F(PostgrestConfTest, BadValuesAreErrorsNamingFileLineAndKey) {
  EXPECT_EQ(fails("db-schemas = \"api\"\ndb-plan-enabled = \"maybe\"\n").message,
            "postgrest.conf:2: db-plan-enabled: expected a boolean (true or false), got \"maybe\"");
  EXPECT_EQ(fails("\n\ndb-tx-end = \"sometimes\"\n").message,
            "postgrest.conf:3: db-tx-end: expected commit, commit-allow-override, rollback or "
            "rollback-allow-override, got \"sometimes\"");
  EXPECT_EQ(fails("server-port = \"http\"\n").message,
            "postgrest.conf:1: server-port: expected a whole number, got \"http\"");
  EXPECT_EQ(fails("server-port = 70000\n").message,
            "postgrest.conf:1: server-port: must be between 0 and 65535, got 70000");
  EXPECT_EQ(fails("db-pool = 2.5\n").message,
            "postgrest.conf:1: db-pool: expected a whole number, got 2.5");
  EXPECT_THAT(fails("openapi-mode = \"on\"\n").message, HasSubstr("openapi-mode: expected"));
  EXPECT_THAT(fails("log-level = \"loud\"\n").message, HasSubstr("log-level: expected crit"));
  EXPECT_THAT(fails("jwt-role-claim-key = \"role\"\n").message,
              HasSubstr("postgrest.conf:1: jwt-role-claim-key: invalid JSPath"));
  EXPECT_THAT(fails("jwt-aud = \"not a uri: x\"\n").message,
              HasSubstr("jwt-aud: should be a string or a valid URI"));
  EXPECT_THAT(fails("db-schemas = [\"a\", \"b\"]\n").message,
              HasSubstr("db-schemas: expected a string, got a list"));
  EXPECT_THAT(fails("server-port = 3000\nadmin-server-port = 3000\n").message,
              HasSubstr("admin-server-port: cannot be the same as server-port"));
}

TEST_F(PostgrestConfTest, EveryBadValueIsReported) {
  auto e = fails("db-pool = \"x\"\nserver-port = \"y\"\ndb-tx-end = \"z\"\n");
  EXPECT_THAT(e.message, HasSubstr("postgrest.conf:1: db-pool"));
  EXPECT_THAT(e.details, HasSubstr("postgrest.conf:2: server-port"));
  EXPECT_THAT(e.details, HasSubstr("postgrest.conf:3: db-tx-end"));
}

TEST_F(PostgrestConfTest, BadEnvironmentValuesNameTheVariable) {
  vars_ = {{"PGRST_SERVER_PORT", "abc"}};
  EXPECT_EQ(fails("").message,
            "PGRST_SERVER_PORT: server-port: expected a whole number, got \"abc\"");
  vars_ = {{"PGRST_DB_TX_END", "maybe"}};
  EXPECT_THAT(fails("db-tx-end = \"commit\"\n").message, HasSubstr("PGRST_DB_TX_END: db-tx-end"));
}

TEST_F(PostgrestConfTest, SyntaxErrorsHaveLines) {
  EXPECT_THAT(fails("db-uri = \"postgres://\"\ndb-schemas = \"api\n").message,
              HasSubstr("postgrest.conf:2: unterminated string"));
  EXPECT_THAT(fails("db-uri \"x\"\n").message, HasSubstr("postgrest.conf:1: expected \"=\""));
  EXPECT_THAT(fails("\n\nserver-port = 3000 3001\n").message, HasSubstr("postgrest.conf:3:"));
  EXPECT_THAT(fails("db-uri = postgres://x\n").message,
              HasSubstr("postgrest.conf:1: expected a value"));
  EXPECT_THAT(fails("x = \"\\q\"\n").message, HasSubstr("unknown escape \\q"));
}

TEST_F(PostgrestConfTest, DirectiveCommentsAndUnicodeEscapes) {
  auto c =
      ok("#; db-uri = \"postgres://$(UNSET)\"\napp.settings.u = \"caf\\u00e9 \\ud83d\\ude00\"\n")
          .config;
  EXPECT_EQ(c.db_uri, "postgresql://");
  EXPECT_THAT(c.app_settings, ElementsAre(Pair("app.settings.u", "caf\xc3\xa9 \xf0\x9f\x98\x80")));
}

TEST_F(PostgrestConfTest, UnknownKeysAndVariablesWarn) {
  vars_ = {{"PGRST_DB_URL", "typo"}, {"PGRST_DB_URI", "postgres://x"}};
  auto loaded = ok("db-urii = \"x\"\napp.settings.deep.er = \"1\"\n");
  EXPECT_THAT(
      loaded.warnings,
      ElementsAre("postgrest.conf:2: unknown setting \"app.settings.deep.er\" (PostgREST "
                  "ignores it too)",
                  "postgrest.conf:1: unknown setting \"db-urii\" (PostgREST ignores it too)",
                  "environment variable PGRST_DB_URL is not a PostgREST setting (ignored)"));
}

TEST_F(PostgrestConfTest, UnsupportedSettingsWarnOnlyWhenTheyChangeSomething) {
  auto quiet =
      ok("db-prepared-statements = true\ndb-plan-enabled = false\n"
         "db-pool-max-lifetime = 1800\njwt-cache-max-entries = 0\nlog-query = false\n");
  EXPECT_THAT(quiet.warnings, IsEmpty());
  auto loud =
      ok("server-unix-socket = \"/tmp/pgrst.sock\"\ndb-plan-enabled = true\n"
         "db-root-spec = \"root\"\nadmin-server-port = 3001\n");
  EXPECT_THAT(loud.warnings,
              ElementsAre(HasSubstr("db-root-spec (postgrest.conf:3) is not supported by Basalt"),
                          HasSubstr("server-unix-socket (postgrest.conf:1) is not supported"),
                          HasSubstr("admin-server-port (postgrest.conf:4) is not supported")));
}

TEST_F(PostgrestConfTest, JwtSecretMustBeLongEnough) {
  EXPECT_THAT(
      fails("jwt-secret = \"short\"\n").message,
      HasSubstr("postgrest.conf:1: jwt-secret: The JWT secret must be at least 32 characters "
                "long."));
}

TEST_F(PostgrestConfTest, JwtSecretMayBeBase64) {
  // "reallyreallyreallyreallyverysafe" in standard and URL-safe base64 ('.' for '=').
  auto c = ok("jwt-secret = \"cmVhbGx5cmVhbGx5cmVhbGx5cmVhbGx5dmVyeXNhZmU=\"\n"
              "jwt-secret-is-base64 = true\n")
               .config;
  EXPECT_EQ(c.jwt_secret, kSecret);
  vars_ = {{"PGRST_JWT_SECRET_IS_BASE64", "true"},
           {"PGRST_JWT_SECRET", "_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-."}};
  auto binary = ok("").config;
  ASSERT_TRUE(binary.jwt_secret);
  EXPECT_EQ(binary.jwt_secret->size(), 36u);
  EXPECT_EQ(static_cast<unsigned char>((*binary.jwt_secret)[0]), 0xFF);
  vars_ = {};
  EXPECT_THAT(fails("jwt-secret = \"not base64!\"\njwt-secret-is-base64 = true\n").message,
              HasSubstr("jwt-secret: jwt-secret-is-base64 is true but it is not base64"));
}

TEST_F(PostgrestConfTest, JwtSecretFromAFileAndAsAJwk) {
  char tmpl[] = "/tmp/pgrst-secret-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  Removed cleanup{tmpl};
  { std::ofstream(tmpl) << kSecret << "\n"; }
  EXPECT_EQ(ok(std::string("jwt-secret = \"@") + tmpl + "\"\n").config.jwt_secret, kSecret);
  std::filesystem::remove(tmpl);
  EXPECT_THAT(fails(std::string("jwt-secret = \"@") + tmpl + "\"\n").message,
              HasSubstr("jwt-secret: cannot read"));
  // {"kty":"oct","k":base64url("reallyreallyreallyreallyverysafe")}
  vars_ = {{"PGRST_JWT_SECRET",
            R"({"kty":"oct","alg":"HS256","k":"cmVhbGx5cmVhbGx5cmVhbGx5cmVhbGx5dmVyeXNhZmU"})"}};
  EXPECT_EQ(ok("").config.jwt_secret, kSecret);
  vars_ = {{"PGRST_JWT_SECRET", R"({"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]})"}};
  EXPECT_THAT(fails("").message, HasSubstr("only a symmetric JWK"));
}

TEST_F(PostgrestConfTest, DbUriFromAFile) {
  char tmpl[] = "/tmp/pgrst-uri-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  Removed cleanup{tmpl};
  { std::ofstream(tmpl) << "  postgres://u@h/db\n"; }
  EXPECT_EQ(ok(std::string("db-uri = \"@") + tmpl + "\"\n").config.db_uri, "postgres://u@h/db");
}

TEST_F(PostgrestConfTest, ImportsAreRelativeToTheImportingFile) {
  char tmpl[] = "/tmp/pgrst-conf-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::filesystem::path dir = tmpl;
  Removed cleanup{dir};
  { std::ofstream(dir / "main.conf") << "import \"more.conf\"\nserver-port = 4001\n"; }
  { std::ofstream(dir / "more.conf") << "db-anon-role = \"anon\"\nserver-port = 4000\n"; }
  PostgrestSources s = sources();
  s.file = dir / "main.conf";
  auto loaded = load_postgrest_config(s);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->config.db_anon_role, "anon");
  EXPECT_EQ(loaded->config.server_port, 4001);
  { std::ofstream(dir / "more.conf") << "\ndb-pool = \"x\"\n"; }
  auto bad = load_postgrest_config(s);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr((dir / "more.conf").string() + ":2: db-pool"));
}

TEST_F(PostgrestConfTest, MissingFileIsAnError) {
  PostgrestSources s = sources();
  s.file = "/nonexistent/postgrest.conf";
  auto r = load_postgrest_config(s);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("cannot read /nonexistent/postgrest.conf"));
}

// --- JSPath ---------------------------------------------------------------------------------

boost::json::value claims(std::string_view json) {
  return boost::json::parse(json);
}

std::optional<std::string> role_at(std::string_view path, std::string_view json) {
  auto p = parse_jspath(path);
  EXPECT_TRUE(p) << path;
  if (!p) return std::nullopt;
  auto v = walk_jspath(claims(json), *p);
  if (!v) return std::nullopt;
  return jspath_role_text(*v);
}

TEST(JsPath, WalksKeysQuotedKeysAndIndexes) {
  EXPECT_EQ(role_at(".role", R"({"role":"web_user"})"), "web_user");
  EXPECT_EQ(role_at(".\"https://x.example/claims\".role",
                    R"({"https://x.example/claims":{"role":"admin"}})"),
            "admin");
  EXPECT_EQ(role_at(".app_metadata.roles[1]", R"({"app_metadata":{"roles":["a","b"]}})"), "b");
  EXPECT_EQ(role_at(".roles[5]", R"({"roles":["a"]})"), std::nullopt);
  EXPECT_EQ(role_at(".role", R"({"sub":"x"})"), std::nullopt);
  EXPECT_EQ(role_at(".role.name", R"({"role":"flat"})"), std::nullopt);
  // Not a string: its JSON text, as PostgREST uses it.
  EXPECT_EQ(role_at(".level", R"({"level":3})"), "3");
}

TEST(JsPath, FiltersPickTheFirstMatchingString) {
  const std::string_view roles = R"({"roles":[1,"other","pgrst_admin","pgrst_user"]})";
  EXPECT_EQ(role_at(".roles[?(@ == \"pgrst_user\")]", roles), "pgrst_user");
  EXPECT_EQ(role_at(".roles[?(@ != \"other\")]", roles), "pgrst_admin");
  EXPECT_EQ(role_at(".roles[?(@ ^== \"pgrst_\")]", roles), "pgrst_admin");
  EXPECT_EQ(role_at(".roles[?(@ ==^ \"_user\")]", roles), "pgrst_user");
  EXPECT_EQ(role_at(".roles[?(@ *== \"ther\")]", roles), "other");
  EXPECT_EQ(role_at(".roles[?(@==\"none\")]", roles), std::nullopt);
}

TEST(JsPath, RejectsWhatPostgrestRejects) {
  for (std::string_view bad : {"", "role", ".", ".a[", ".a[x]", ".\"open", ".a[?(@ = \"x\")]",
                               ".a[?(@ == \"x\")].b", ".a b"}) {
    EXPECT_FALSE(parse_jspath(bad)) << bad;
  }
  EXPECT_THAT(parse_jspath("role").error().message,
              HasSubstr("invalid JSPath \"role\" at character 1"));
}

}  // namespace
}  // namespace basalt::config
