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
  auto any = azure_token_issuer(token_with(R"({"iss":")" + other + R"("})"), "");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(*any, other);
  // A tenant's sign-in takes only that tenant's tokens.
  auto wrong = azure_token_issuer(token_with(R"({"iss":")" + other + R"("})"), tenant);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().status, 500);
  EXPECT_NE(wrong.error().internal.find("does not match expected issuer"), std::string::npos);
  EXPECT_TRUE(azure_token_issuer(token_with(R"({"iss":")" + tenant + R"("})"), tenant).ok());
  // With a CIAM tenant configured, an issuer that is neither Microsoft's nor CIAM is refused.
  auto ciam = azure_token_issuer(token_with(R"({"iss":"https://evil.example/t/v2.0"})"),
                                 "https://contoso.ciamlogin.com/t1/v2.0");
  ASSERT_FALSE(ciam.ok());
  EXPECT_NE(ciam.error().internal.find("not valid"), std::string::npos);
  for (const std::string& bad :
       {std::string("not a jwt"), std::string("a.b.c"), token_with(R"({"sub":"x"})"),
        token_with("[1]"), std::string("")}) {
    EXPECT_FALSE(azure_token_issuer(bad, "").ok()) << bad;
  }
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
            R"("preferred_username":"ada@contoso.example","email":"ada@contoso.example",)"
            R"("email_verified":true,"phone_verified":false,"custom_claims":{)"
            R"("email":"Ada@Contoso.example","oid":"oid-1","tid":"t1"},"full_name":"Ada Lovelace",)"
            R"("provider_id":"AAAAsub"})");
}

TEST(Azure, XmsEdovDecidesWhetherTheAddressIsVerified) {
  auto with = [](const char* edov) {
    auto c =
        json::parse(std::string(R"({"sub":"s","email":"a@b.example","xms_edov":)") + edov + "}")
            .as_object();
    return azure_identity(c)->email_verified;
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
