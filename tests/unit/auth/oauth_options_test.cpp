// [auth.external.<name>] as the OAuth flows read it (auth/options.hpp): the CLI's keys, env()
// secrets, the default redirect URI, and Basalt's generic-OIDC keys surviving the config
// schema without warnings.
#include <gtest/gtest.h>

#include <algorithm>

#include "../config/config_test_util.hpp"
#include "auth/options.hpp"

namespace basalt::auth {
namespace {

class OAuthOptionsTest : public config::testing::ProjectTest {};

TEST_F(OAuthOptionsTest, ReadsProviders) {
  vars_["IDP_SECRET"] = "from-the-environment";
  write_config(R"toml(
[auth.external.keycloak]
enabled = true
client_id = "web,ios"
secret = "env(IDP_SECRET)"
url = "https://kc.example/realms/app/"
skip_nonce_check = true

[auth.external.corp]
enabled = true
client_id = "basalt"
secret = "s"
issuer = "https://login.corp.example"
authorization_url = "https://login.corp.example/oauth2/authorize"
token_url = "https://login.corp.example/oauth2/token"
userinfo_url = "https://login.corp.example/oauth2/userinfo"
jwks_url = "https://login.corp.example/oauth2/keys"
redirect_uri = "https://api.example/auth/v1/callback"
scopes = "groups offline_access"

[auth.external.github]
enabled = false
)toml");
  config::Loaded loaded = load_ok();
  for (const auto& w : loaded.warnings) {
    EXPECT_EQ(w.find("unknown key"), std::string::npos) << w;
  }
  auto o = auth_options(loaded.config, "http://127.0.0.1:54321", "secret");
  ASSERT_TRUE(o.ok()) << o.error().message;

  const auto& kc = o->oauth_providers.at("keycloak");
  EXPECT_TRUE(kc.enabled);
  EXPECT_EQ(kc.client_ids, (std::vector<std::string>{"web", "ios"}));
  EXPECT_EQ(kc.secret, "from-the-environment");
  EXPECT_EQ(kc.url, "https://kc.example/realms/app/");
  EXPECT_EQ(kc.redirect_uri, "http://127.0.0.1:54321/auth/v1/callback");
  EXPECT_TRUE(kc.skip_nonce_check);

  const auto& corp = o->oauth_providers.at("corp");
  EXPECT_EQ(corp.issuer, "https://login.corp.example");
  EXPECT_EQ(corp.authorization_url, "https://login.corp.example/oauth2/authorize");
  EXPECT_EQ(corp.token_url, "https://login.corp.example/oauth2/token");
  EXPECT_EQ(corp.userinfo_url, "https://login.corp.example/oauth2/userinfo");
  EXPECT_EQ(corp.jwks_url, "https://login.corp.example/oauth2/keys");
  EXPECT_EQ(corp.redirect_uri, "https://api.example/auth/v1/callback");
  EXPECT_EQ(corp.scopes, (std::vector<std::string>{"groups", "offline_access"}));
  EXPECT_FALSE(corp.skip_nonce_check);

  EXPECT_FALSE(o->oauth_providers.at("github").enabled);
  // /settings keeps reading the enabled flags.
  EXPECT_TRUE(o->external_providers.at("corp"));
  EXPECT_FALSE(o->external_providers.at("github"));
}

TEST_F(OAuthOptionsTest, ControlCharactersInWhatTravelsToTheProviderAreRefused) {
  // The client id goes into a Twitch header and every provider's request: a CR/LF from a
  // badly quoted environment variable must stop the start, not split a header.
  vars_["TWITCH_ID"] = "abc\r\nX-Injected: 1";
  write_config(R"toml(
[auth.external.twitch]
enabled = true
client_id = "env(TWITCH_ID)"
secret = "s"
)toml");
  config::Loaded loaded = load_ok();
  auto o = auth_options(loaded.config, "http://127.0.0.1:54321", "secret");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.error().message,
            "auth.external.twitch.client_id: control characters are not allowed");
}

}  // namespace
}  // namespace basalt::auth
