// The environment: env(NAME) substitution, SUPABASE_* overrides, .env files, DATABASE_URL and
// BASALT_JWT_SECRET.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "config/config.hpp"
#include "config_test_util.hpp"

namespace basalt::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::ProjectTest;

class EnvTest : public ProjectTest {};

TEST_F(EnvTest, EnvReferenceIsReplacedWhenSet) {
  write_config(
      "[auth]\n"
      "site_url = \"env(SITE)\"\n"
      "additional_redirect_urls = [\"env(CALLBACK)\", \"https://fixed\"]\n"
      "jwt_secret = \"env(SECRET)\"\n"
      "[api]\n"
      "port = \"env(API_PORT)\"\n");
  vars_ = {{"SITE", "https://app.example.com"},
           {"CALLBACK", "https://app.example.com/cb"},
           {"SECRET", "0123456789abcdef0123"},
           {"API_PORT", "6000"}};
  Loaded loaded = load_ok();
  EXPECT_THAT(loaded.warnings, IsEmpty());
  EXPECT_EQ(loaded.config.auth.site_url, "https://app.example.com");
  EXPECT_THAT(loaded.config.auth.additional_redirect_urls,
              ElementsAre("https://app.example.com/cb", "https://fixed"));
  EXPECT_EQ(loaded.config.auth.jwt_secret, "0123456789abcdef0123");
  EXPECT_EQ(loaded.config.api.port, 6000);
}

TEST_F(EnvTest, UnsetOrEmptyVariableKeepsTheLiteralLikeTheCli) {
  write_config(
      "[auth]\n"
      "site_url = \"env(SITE)\"\n"
      "[studio]\n"
      "openai_api_key = \"env(OPENAI_API_KEY)\"\n");
  vars_ = {{"OPENAI_API_KEY", ""}};
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.auth.site_url, "env(SITE)");
  EXPECT_EQ(loaded.config.raw["studio"]["openai_api_key"].value<std::string>(),
            "env(OPENAI_API_KEY)");
  // The CLI warns only for the values it checks (site_url here), not for the studio key.
  EXPECT_THAT(loaded.warnings,
              ElementsAre("supabase/config.toml:2: auth.site_url: environment variable SITE is "
                          "not set, so the value stays \"env(SITE)\""));
}

TEST_F(EnvTest, OnlyAWholeValueIsAReference) {
  write_config("[auth]\nsite_url = \"http://env(HOST)\"\n");
  vars_ = {{"HOST", "example.com"}};
  EXPECT_EQ(load_ok().config.auth.site_url, "http://env(HOST)");
}

TEST_F(EnvTest, SubstitutedValueIsCheckedAndTheMessageSaysWhereItCameFrom) {
  write_config("[api]\nport = \"env(API_PORT)\"\n");
  vars_ = {{"API_PORT", "abc"}};
  EXPECT_EQ(load_error(),
            "supabase/config.toml:2: api.port: expected an integer 1-65535, got \"abc\" (from "
            "env(API_PORT))");
}

TEST_F(EnvTest, SupabaseVariablesOverrideTheFile) {
  write_config("[auth]\nsite_url = \"http://from-file\"\n");
  vars_ = {{"SUPABASE_AUTH_SITE_URL", "http://from-env"},
           {"SUPABASE_API_PORT", "8000"},
           {"SUPABASE_API_SCHEMAS", "public,extra"},
           {"SUPABASE_AUTH_RATE_LIMIT_EMAIL_SENT", "50"},
           {"SUPABASE_DB_MAJOR_VERSION", "15"}};
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.auth.site_url, "http://from-env");
  EXPECT_EQ(loaded.config.api.port, 8000);
  EXPECT_THAT(loaded.config.api.schemas, ElementsAre("public", "extra"));
  EXPECT_EQ(loaded.config.db.major_version, 15);
  EXPECT_EQ(loaded.config.raw["auth"]["rate_limit"]["email_sent"].value<std::int64_t>(), 50);
}

TEST_F(EnvTest, BadSupabaseVariableNamesTheVariable) {
  vars_ = {{"SUPABASE_API_PORT", "http"}};
  EXPECT_EQ(load_error(),
            "environment variable SUPABASE_API_PORT: api.port: expected an integer 1-65535, got "
            "\"http\"");
}

TEST_F(EnvTest, EmptySupabaseVariableIsIgnored) {
  vars_ = {{"SUPABASE_API_PORT", ""}};
  EXPECT_EQ(load_ok().config.api.port, 54321);
}

TEST_F(EnvTest, SupabaseVariablesReachOnlyDynamicEntriesThatExist) {
  write_config("[auth.external.github]\nenabled = false\n");
  vars_ = {{"SUPABASE_AUTH_EXTERNAL_GITHUB_CLIENT_ID", "gh"},
           {"SUPABASE_AUTH_EXTERNAL_GITLAB_CLIENT_ID", "gl"},
           {"SUPABASE_AUTH_EMAIL_SMTP_HOST", "smtp.example.com"}};
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.raw["auth"]["external"]["github"]["client_id"].value<std::string>(),
            "gh");
  EXPECT_FALSE(loaded.config.raw["auth"]["external"]["gitlab"]);
  // [auth.email.smtp] is an optional section: a variable does not create it.
  EXPECT_FALSE(loaded.config.raw["auth"]["email"]["smtp"]);
}

TEST_F(EnvTest, BasaltJwtSecretOverridesTheFile) {
  write_config("[auth]\njwt_secret = \"file-secret-0123456789\"\n");
  EXPECT_EQ(load_ok().config.auth.jwt_secret, "file-secret-0123456789");
  vars_ = {{"BASALT_JWT_SECRET", "env-secret-0123456789"}};
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.auth.jwt_secret, "env-secret-0123456789");
  EXPECT_EQ(loaded.config.raw["auth"]["jwt_secret"].value<std::string>(), "env-secret-0123456789");
}

TEST_F(EnvTest, ShortBasaltJwtSecretIsAnError) {
  vars_ = {{"BASALT_JWT_SECRET", "short"}};
  EXPECT_EQ(load_error(), "environment variable BASALT_JWT_SECRET: must be at least 16 characters");
}

TEST_F(EnvTest, JwtSecretIsEmptyWhenNothingSetsIt) {
  EXPECT_EQ(load_ok().config.auth.jwt_secret, "");
}

TEST_F(EnvTest, DatabaseUrl) {
  EXPECT_FALSE(load_ok().config.database_url.has_value());
  vars_ = {{"DATABASE_URL", ""}};
  EXPECT_FALSE(load_ok().config.database_url.has_value());
  vars_ = {{"DATABASE_URL", "postgres://u:p@db:5432/app"}};
  EXPECT_EQ(load_ok().config.database_url, "postgres://u:p@db:5432/app");
}

TEST_F(EnvTest, DotEnvFilesFeedSubstitutionAndOverrides) {
  write_config("[auth]\nsite_url = \"env(SITE)\"\n");
  write("supabase/.env",
        "# secrets\n"
        "SITE=https://from-supabase-env\n"
        "export SUPABASE_API_PORT=7000\n"
        "DATABASE_URL=postgres://ignored\n"
        "BASALT_JWT_SECRET=ignored-ignored-ignored\n");
  write(".env", "SITE=https://from-project-env\nSUPABASE_DB_PORT=7001\n");
  Loaded loaded = load_ok();
  EXPECT_EQ(loaded.config.auth.site_url, "https://from-supabase-env");  // supabase/ wins
  EXPECT_EQ(loaded.config.api.port, 7000);
  EXPECT_EQ(loaded.config.db.port, 7001);
  // Basalt's own variables come from the real environment only.
  EXPECT_FALSE(loaded.config.database_url.has_value());
  EXPECT_EQ(loaded.config.auth.jwt_secret, "");
}

TEST_F(EnvTest, RealEnvironmentWinsOverDotEnv) {
  write_config("[auth]\nsite_url = \"env(SITE)\"\n");
  write("supabase/.env", "SITE=https://from-file\n");
  vars_ = {{"SITE", "https://from-process"}};
  EXPECT_EQ(load_ok().config.auth.site_url, "https://from-process");
}

TEST_F(EnvTest, DotEnvFileOrderFollowsSupabaseEnv) {
  write_config("[auth]\nsite_url = \"env(SITE)\"\n");
  write("supabase/.env", "SITE=plain\n");
  write("supabase/.env.local", "SITE=local\n");
  write("supabase/.env.test", "SITE=test\n");
  EXPECT_EQ(load_ok().config.auth.site_url, "local");
  // With SUPABASE_ENV=test, .env.local is skipped.
  vars_ = {{"SUPABASE_ENV", "test"}};
  EXPECT_EQ(load_ok().config.auth.site_url, "test");
}

TEST_F(EnvTest, DotEnvQuotingAndExpansion) {
  write_config(
      "[db.vault]\n"
      "a = \"env(A)\"\n"
      "b = \"env(B)\"\n"
      "c = \"env(C)\"\n"
      "d = \"env(D)\"\n");
  write("supabase/.env",
        "A='single # not a comment'\n"
        "B=\"line\\nbreak ${A}\"\n"
        "C=plain value # a comment\n"
        "D: ${C}-x\n");
  Loaded loaded = load_ok();
  const toml::table& vault = *loaded.config.raw["db"]["vault"].as_table();
  EXPECT_EQ(vault["a"].value<std::string>(), "single # not a comment");
  EXPECT_EQ(vault["b"].value<std::string>(), "line\nbreak single # not a comment");
  EXPECT_EQ(vault["c"].value<std::string>(), "plain value");
  EXPECT_EQ(vault["d"].value<std::string>(), "plain value-x");
}

TEST_F(EnvTest, MalformedDotEnvIsAnErrorWithoutItsContent) {
  write("supabase/.env", "GOOD=1\nBAD-NAME=secret-value\n");
  std::string message = load_error();
  EXPECT_EQ(message,
            "supabase/.env: cannot parse the environment file (unexpected '-' in a variable "
            "name)");
}

TEST(ProcessEnv, ReadsTheRealEnvironment) {
  ASSERT_EQ(setenv("BASALT_CONFIG_TEST_VAR", "value", 1), 0);
  EnvLookup env = process_env();
  EXPECT_EQ(env("BASALT_CONFIG_TEST_VAR"), "value");
  ASSERT_EQ(unsetenv("BASALT_CONFIG_TEST_VAR"), 0);
  EXPECT_FALSE(env("BASALT_CONFIG_TEST_VAR").has_value());
}

}  // namespace
}  // namespace basalt::config
