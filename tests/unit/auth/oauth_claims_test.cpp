// Provider claims -> identity (auth/oauth_claims.hpp), and the id_token nonce, audience and
// at_hash checks with Supabase Auth's error texts.
#include "auth/oauth_claims.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace basalt::auth {
namespace {

namespace json = boost::json;

json::object obj(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(OAuthClaims, MapsStandardClaims) {
  auto id = identity_from_claims(
      obj(R"({"iss":"https://idp","sub":"u-1","aud":"client","exp":1,"iat":1,"nonce":"n",
              "at_hash":"h","email":"Ann@Example.COM","email_verified":true,"name":"Ann A",
              "given_name":"Ann","picture":"https://p/a.png","preferred_username":"ann",
              "locale":"en","groups":["admins"],"tenant":"t1"})"),
      {});
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->sub, "u-1");
  EXPECT_EQ(id->email, "ann@example.com");
  EXPECT_TRUE(id->email_verified);
  // An OpenID Connect profile's one address is its primary one.
  ASSERT_EQ(id->emails.size(), 1u);
  EXPECT_EQ(id->emails[0].email, "ann@example.com");
  EXPECT_TRUE(id->emails[0].verified);
  EXPECT_TRUE(id->emails[0].primary);
  const json::object& d = id->data;
  EXPECT_EQ(d.at("iss"), "https://idp");
  EXPECT_EQ(d.at("sub"), "u-1");
  EXPECT_EQ(d.at("email"), "Ann@Example.COM") << "identity_data keeps the provider's spelling";
  EXPECT_EQ(d.at("email_verified"), true);
  EXPECT_EQ(d.at("phone_verified"), false);
  EXPECT_EQ(d.at("name"), "Ann A");
  EXPECT_EQ(d.at("full_name"), "Ann A");
  EXPECT_EQ(d.at("given_name"), "Ann");
  EXPECT_EQ(d.at("picture"), "https://p/a.png");
  EXPECT_EQ(d.at("avatar_url"), "https://p/a.png");
  EXPECT_EQ(d.at("preferred_username"), "ann");
  EXPECT_EQ(d.at("provider_id"), "u-1");
  EXPECT_EQ(d.at("custom_claims"), json::parse(R"({"groups":["admins"],"tenant":"t1"})"));
  // Token bookkeeping is not identity data.
  for (auto key : {"aud", "exp", "iat", "nonce", "at_hash"}) EXPECT_FALSE(d.contains(key)) << key;
}

TEST(OAuthClaims, UserinfoCompletesTheIdToken) {
  auto id = identity_from_claims(obj(R"({"sub":"u-1","iss":"https://idp"})"),
                                 obj(R"({"sub":"u-1","email":"b@x.io","email_verified":"true",
                                         "phone_number":"+15550100",
                                         "phone_number_verified":true})"));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->email, "b@x.io");
  EXPECT_TRUE(id->email_verified);  // "true" as a string counts
  EXPECT_EQ(id->data.at("phone"), "+15550100");
  EXPECT_EQ(id->data.at("phone_verified"), true);
  EXPECT_FALSE(id->data.contains("custom_claims"));
}

TEST(OAuthClaims, UnverifiedAndMissingEmails) {
  auto id = identity_from_claims({}, obj(R"({"sub":"u-2","email":"c@x.io"})"));
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE(id->email_verified);
  EXPECT_EQ(id->data.at("email_verified"), false);
  auto none = identity_from_claims(obj(R"({"sub":"u-3","email_verified":true})"), {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->email, "");
  EXPECT_FALSE(none->email_verified);
  EXPECT_FALSE(none->data.contains("email"));
  EXPECT_TRUE(none->emails.empty());
}

TEST(LinkingEmails, VerifiedAddressesLinkAndThePrimaryIsTheCandidate) {
  const std::vector<ProviderEmail> emails = {{"old@x.io", true, false},
                                             {"Main@X.io", false, true},
                                             {"work@x.io", true, false},
                                             {"unproven@x.io", false, false}};
  const LinkingEmails l = linking_emails(emails, false);
  EXPECT_EQ(l.linkable, (std::vector<std::string>{"old@x.io", "work@x.io"}));
  EXPECT_EQ(l.candidate, "main@x.io");
  EXPECT_FALSE(l.candidate_verified);
}

TEST(LinkingEmails, AutoconfirmLetsEveryAddressLink) {
  const std::vector<ProviderEmail> emails = {{"a@x.io", false, false}, {"B@x.io", false, true}};
  const LinkingEmails l = linking_emails(emails, true);
  EXPECT_EQ(l.linkable, (std::vector<std::string>{"a@x.io", "b@x.io"}));
  EXPECT_EQ(l.candidate, "b@x.io");
  EXPECT_FALSE(l.candidate_verified) << "autoconfirm does not make the address verified";
}

TEST(LinkingEmails, WithoutAPrimaryThereIsNoCandidateAndTheLastPrimaryWins) {
  const LinkingEmails none = linking_emails({{"a@x.io", true, false}}, false);
  EXPECT_EQ(none.linkable, (std::vector<std::string>{"a@x.io"}));
  EXPECT_EQ(none.candidate, "");
  EXPECT_FALSE(none.candidate_verified);
  const LinkingEmails two =
      linking_emails({{"p1@x.io", true, true}, {"p2@x.io", false, true}}, false);
  EXPECT_EQ(two.candidate, "p2@x.io");
  EXPECT_FALSE(two.candidate_verified);
  EXPECT_TRUE(linking_emails({}, true).linkable.empty());
}

TEST(OAuthClaims, NeedsOneSubject) {
  auto missing = identity_from_claims(obj(R"({"email":"a@b.c"})"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().status, 500);
  EXPECT_EQ(missing.error().message, "Error getting user profile from external provider");
  EXPECT_FALSE(identity_from_claims(obj(R"({"sub":"a"})"), obj(R"({"sub":"b"})")).ok());
}

TEST(OAuthClaims, NonceRules) {
  const std::string raw = "raw-nonce";
  const std::string hashed = sha256_hex(raw);
  EXPECT_EQ(hashed.size(), 64u);
  EXPECT_TRUE(check_id_token_nonce(hashed, raw, false).ok());
  EXPECT_TRUE(check_id_token_nonce("", "", false).ok());
  auto mismatch = check_id_token_nonce(hashed, "other", false);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_TRUE(is_oauth_error(mismatch.error()));
  EXPECT_EQ(oauth_error_body(mismatch.error()),
            json::parse(R"({"error":"invalid nonce","error_description":"Nonces mismatch"})"));
  // The raw nonce itself is not accepted in place of its hash.
  EXPECT_FALSE(check_id_token_nonce(raw, raw, false).ok());
  auto one_sided = check_id_token_nonce(hashed, "", false);
  ASSERT_FALSE(one_sided.ok());
  EXPECT_EQ(one_sided.error().code, "invalid request");
  EXPECT_EQ(one_sided.error().message,
            "Passed nonce and nonce in id_token should either both exist or not.");
  EXPECT_FALSE(check_id_token_nonce("", raw, false).ok());
  EXPECT_TRUE(check_id_token_nonce(hashed, "other", true).ok());  // skip_nonce_check
}

TEST(OAuthClaims, Audience) {
  const std::vector<std::string> ids{"web", "ios"};
  json::value one = "ios";
  json::value many = json::parse(R"(["x","web"])");
  json::value wrong = json::parse(R"(["x","y"])");
  json::value empty = "";
  EXPECT_TRUE(audience_accepted(&one, ids));
  EXPECT_TRUE(audience_accepted(&many, ids));
  EXPECT_FALSE(audience_accepted(&wrong, ids));
  EXPECT_FALSE(audience_accepted(nullptr, ids));
  EXPECT_FALSE(audience_accepted(&empty, {""}));
  EXPECT_EQ(audience_text(&wrong), "[x y]");
  EXPECT_EQ(audience_text(&one), "[ios]");
}

TEST(OAuthClaims, AtHash) {
  // OpenID Connect Core 1.0 example (A.3/A.4): access token and its at_hash.
  EXPECT_TRUE(
      at_hash_matches("77QmUPtjPfzWtF2AnpK9RQ", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"));
  EXPECT_FALSE(at_hash_matches("77QmUPtjPfzWtF2AnpK9RQ", "another-token"));
}

}  // namespace
}  // namespace basalt::auth
