// Microsoft as an OAuth provider (auth/azure.hpp): its endpoints (common, or the tenant in
// `url`), which issuers it accepts id_tokens from, the identity Supabase Auth makes of
// Microsoft's claims (the xms_edov rule for verified addresses), and one provider per issuer.
#include "auth/azure.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "jwt/base64url.hpp"

namespace basalt::auth {
namespace {

namespace json = boost::json;

OAuthProviderOptions configured(std::string url = "") {
  OAuthProviderOptions o;
  o.enabled = true;
  o.client_ids = {"app-id"};
  o.secret = "s";
  o.url = std::move(url);
  return o;
}

// A JWT-shaped text whose payload is `payload` (the signature is not looked at here).
std::string token_with(const std::string& payload) {
  return jwt::base64url_encode(R"({"alg":"RS256"})") + "." + jwt::base64url_encode(payload) +
         ".c2ln";
}

TEST(Azure, Name) {
  EXPECT_TRUE(is_azure("azure"));
  EXPECT_TRUE(is_azure("Azure"));
  EXPECT_FALSE(is_azure("azuread"));
}

TEST(Azure, IssuerShapes) {
  EXPECT_TRUE(is_azure_issuer("https://login.microsoftonline.com/9188040d-6c67/v2.0"));
  EXPECT_TRUE(is_azure_issuer("https://login.microsoftonline.com/common/v2.0/"));
  EXPECT_FALSE(is_azure_issuer("https://login.microsoftonline.com/t/v2.0/extra"));
  EXPECT_FALSE(is_azure_issuer("https://sts.windows.net/t/"));
  EXPECT_FALSE(is_azure_issuer("https://login.microsoftonline.com.evil.example/t/v2.0"));
  EXPECT_TRUE(is_azure_ciam_issuer("https://contoso.ciamlogin.com/t1/v2.0"));
  EXPECT_FALSE(is_azure_ciam_issuer("https://Contoso.ciamlogin.com/t1/v2.0"));
}

TEST(Azure, EndpointsAreCommonOrTheConfiguredTenant) {
  auto e = azure_endpoints(configured());
  EXPECT_EQ(e.authorization, "https://login.microsoftonline.com/common/oauth2/v2.0/authorize");
  EXPECT_EQ(e.token, "https://login.microsoftonline.com/common/oauth2/v2.0/token");
  EXPECT_TRUE(e.userinfo.empty());
  EXPECT_TRUE(e.jwks.empty());
  e = azure_endpoints(configured("https://login.microsoftonline.com/tenant-1/"));
  EXPECT_EQ(e.token, "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token");
}

TEST(Azure, ExpectedIssuerOnlyForARealTenant) {
  EXPECT_EQ(azure_expected_issuer(configured()), "");
  EXPECT_EQ(azure_expected_issuer(configured("https://login.microsoftonline.com/tenant-1")),
            "https://login.microsoftonline.com/tenant-1/v2.0");
  EXPECT_EQ(azure_expected_issuer(configured("https://contoso.ciamlogin.com/t1/")),
            "https://contoso.ciamlogin.com/t1/v2.0");
  EXPECT_EQ(azure_expected_issuer(configured("https://login.microsoftonline.com/common")), "");
  EXPECT_EQ(azure_expected_issuer(configured("https://login.microsoftonline.com/organizations")),
            "");
  EXPECT_EQ(azure_expected_issuer(configured("http://127.0.0.1:5555")), "");
}

TEST(Azure, TokenIssuerRules) {
  const std::string tenant = "https://login.microsoftonline.com/tenant-1/v2.0";
  const std::string other = "https://login.microsoftonline.com/tenant-2/v2.0";
  const auto token = [](const std::string& iss) {
    return token_with(R"({"iss":")" + iss + R"("})");
  };
  // Signed in at Microsoft's common endpoint: any Microsoft tenant, nothing else.
  auto any = azure_token_issuer(token(other), configured());
  ASSERT_TRUE(any.ok()) << any.error().internal;
  EXPECT_EQ(*any, other);
  EXPECT_TRUE(
      azure_token_issuer(token("https://contoso.ciamlogin.com/t1/v2.0"), configured()).ok());
  auto foreign = azure_token_issuer(token("https://evil.example/t/v2.0"), configured());
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.error().internal.find("not valid"), std::string::npos);
  // A tenant's sign-in takes only that tenant's tokens.
  const auto at_tenant = configured("https://login.microsoftonline.com/tenant-1");
  auto wrong = azure_token_issuer(token(other), at_tenant);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().status, 500);
  EXPECT_NE(wrong.error().internal.find("does not match expected issuer"), std::string::npos);
  EXPECT_TRUE(azure_token_issuer(token(tenant), at_tenant).ok());
  // With a CIAM tenant configured, an issuer that is neither Microsoft's nor CIAM is refused.
  auto ciam = azure_token_issuer(token("https://evil.example/t/v2.0"),
                                 configured("https://contoso.ciamlogin.com/t1"));
  ASSERT_FALSE(ciam.ok());
  // Another server at `url` (a test provider): its own issuer.
  EXPECT_TRUE(
      azure_token_issuer(token("http://127.0.0.1:5555"), configured("http://127.0.0.1:5555")).ok());
  for (const std::string& bad :
       {std::string("not a jwt"), std::string("a.b.c"), token_with(R"({"sub":"x"})"),
        token_with("[1]"), std::string(""), token(other + std::string(300, 'a'))}) {
    EXPECT_FALSE(azure_token_issuer(bad, configured()).ok()) << bad.substr(0, 40);
  }
}

TEST(Azure, IssuerShapesAreCheckedWithoutRegexOnHugeInput) {
  // Request data reaches these checks (the id_token grant's issuer): long input must be
  // refused quickly, without recursion.
  const std::string huge =
      "https://login.microsoftonline.com/" + std::string(2'000'000, 'a') + "/v2.0";
  EXPECT_FALSE(is_azure_issuer(huge));
  EXPECT_FALSE(
      is_azure_ciam_issuer("https://" + std::string(2'000'000, 'a') + ".ciamlogin.com/t/v2.0"));
  EXPECT_FALSE(is_azure_v1_issuer("https://sts.windows.net/" + std::string(2'000'000, 'a') + "/"));
  EXPECT_TRUE(
      is_azure_issuer("https://login.microsoftonline.com/" + std::string(200, 'a') + "/v2.0"));
}

TEST(Azure, V1IssuerShape) {
  EXPECT_TRUE(is_azure_v1_issuer("https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"));
  EXPECT_FALSE(is_azure_v1_issuer("https://sts.windows.net/72f988bf"));
  EXPECT_FALSE(is_azure_v1_issuer("https://sts.windows.net//"));
  EXPECT_FALSE(is_azure_v1_issuer("https://sts.windows.net/a/b/"));
  EXPECT_FALSE(is_azure_v1_issuer("https://sts.windows.net.evil.example/a/"));
}

TEST(Azure, IssuerCacheDropsTheOldestAndIsBounded) {
  OidcProvider p("azure", configured(), nullptr);
  auto first = p.for_issuer("https://login.microsoftonline.com/t0/v2.0");
  for (std::size_t i = 1; i <= kMaxIssuerProviders; ++i) {
    (void)p.for_issuer("https://login.microsoftonline.com/t" + std::to_string(i) + "/v2.0");
  }
  // t0 was the oldest: a new provider now; the most recent ones are still cached.
  EXPECT_NE(p.for_issuer("https://login.microsoftonline.com/t0/v2.0"), first);
  auto recent = p.for_issuer("https://login.microsoftonline.com/t256/v2.0");
  EXPECT_EQ(p.for_issuer("https://login.microsoftonline.com/t256/v2.0"), recent);
}

TEST(Azure, IdentityFromMicrosoftClaims) {
  const auto claims = json::parse(R"({
    "aud":"app-id","iss":"https://login.microsoftonline.com/t1/v2.0","iat":1,"nbf":1,"exp":2,
    "aio":"x","nonce":"n","rh":"r","uti":"u","ver":"2.0","sub":"AAAAsub","name":"Ada Lovelace",
    "preferred_username":"ada@contoso.example","email":"Ada@Contoso.example","oid":"oid-1","tid":"t1"
  })")
                          .as_object();
  auto id = azure_identity(claims);
  ASSERT_TRUE(id.ok()) << id.error().internal;
  EXPECT_EQ(id->sub, "AAAAsub");
  EXPECT_EQ(id->email, "ada@contoso.example");
  EXPECT_TRUE(id->email_verified) << "no xms_edov: an address Microsoft sends counts";
  EXPECT_EQ(json::serialize(id->data),
            R"({"iss":"https://login.microsoftonline.com/t1/v2.0","sub":"AAAAsub",)"
            R"("preferred_username":"ada@contoso.example","email":"Ada@Contoso.example",)"
            R"("email_verified":true,"phone_verified":false,"custom_claims":{)"
            R"("email":"Ada@Contoso.example","oid":"oid-1","tid":"t1"},"full_name":"Ada Lovelace",)"
            R"("provider_id":"AAAAsub"})");
}

TEST(Azure, XmsEdovDecidesWhetherTheAddressIsVerified) {
  auto with = [](const char* edov) {
    auto c =
        json::parse(std::string(R"({"sub":"s","email":"a@b.example","xms_edov":)") + edov + "}")
            .as_object();
    auto id = azure_identity(c);
    EXPECT_TRUE(id.ok());
    return id.ok() && id->email_verified;
  };
  EXPECT_TRUE(with("true"));
  EXPECT_TRUE(with(R"("1")"));
  EXPECT_TRUE(with(R"("true")"));
  EXPECT_FALSE(with("false"));
  EXPECT_FALSE(with(R"("0")"));
  EXPECT_FALSE(with("1"));  // a number: Supabase Auth only reads a bool or a string
  EXPECT_TRUE(with("null"));
  auto none = azure_identity(json::parse(R"({"sub":"s","xms_edov":true})").as_object());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->email, "");
  EXPECT_FALSE(none->email_verified);
  EXPECT_FALSE(azure_identity(json::parse(R"({"email":"a@b"})").as_object()).ok());
}

TEST(Azure, OneProviderPerIssuerDiscoveringAtThatIssuer) {
  OidcProvider p("azure", configured(), nullptr);
  auto a = p.for_issuer("https://login.microsoftonline.com/t1/v2.0");
  auto b = p.for_issuer("https://login.microsoftonline.com/t1/v2.0");
  auto c = p.for_issuer("https://login.microsoftonline.com/t2/v2.0");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a->issuer(), "https://login.microsoftonline.com/t1/v2.0");
  EXPECT_EQ(a->client_id(), "app-id");
  EXPECT_TRUE(needs_discovery(a->options()));
}

}  // namespace
}  // namespace basalt::auth
