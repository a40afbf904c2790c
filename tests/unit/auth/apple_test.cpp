// Apple's id_token claims and first-sign-in `user` field read as Supabase Auth reads them, and
// the issuers an Apple id_token may name.
#include "auth/apple.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace basalt::auth {
namespace {

namespace json = boost::json;

json::object claims(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(AppleIssuer, BothOfApplesIssuers) {
  EXPECT_TRUE(is_apple_issuer("https://appleid.apple.com"));
  EXPECT_TRUE(is_apple_issuer("https://account.apple.com/"));
  EXPECT_FALSE(is_apple_issuer("https://appleid.apple.com.evil.example"));
  EXPECT_FALSE(is_apple_issuer("http://appleid.apple.com"));
  EXPECT_FALSE(is_apple_issuer(""));
}

TEST(AppleIssuer, AcceptedIssuersFollowTheConfiguredOne) {
  EXPECT_EQ(apple_accepted_issuers("https://appleid.apple.com"),
            (std::vector<std::string>{"https://appleid.apple.com", "https://account.apple.com"}));
  EXPECT_EQ(apple_accepted_issuers("http://127.0.0.1:9999"),
            (std::vector<std::string>{"http://127.0.0.1:9999"}));
}

TEST(AppleIdentity, AddressIsVerifiedAndCustomClaimsAreApples) {
  auto id = apple_identity(
      claims(R"({"iss":"https://appleid.apple.com","sub":"001.abc","aud":"com.example",)"
             R"("email":"X@PrivateRelay.AppleID.com","email_verified":"true",)"
             R"("is_private_email":"true","auth_time":1700000000,"nonce_supported":true,)"
             R"("real_user_status":2,"transfer_sub":"t-1"})"),
      "");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->sub, "001.abc");
  EXPECT_EQ(id->email, "x@privaterelay.appleid.com");
  EXPECT_TRUE(id->email_verified);
  const json::object& d = id->data;
  EXPECT_EQ(d.at("iss"), "https://appleid.apple.com");
  EXPECT_EQ(d.at("provider_id"), "001.abc");
  EXPECT_EQ(d.at("email"), "X@PrivateRelay.AppleID.com");
  EXPECT_EQ(d.at("email_verified"), true);
  EXPECT_EQ(d.at("phone_verified"), false);
  // Only the three claims Supabase Auth keeps; the others are dropped.
  EXPECT_EQ(json::value(d.at("custom_claims")),
            json::parse(R"({"is_private_email":true,"auth_time":1.7E9,"transfer_sub":"t-1"})"));
  EXPECT_FALSE(d.contains("name"));
  EXPECT_FALSE(d.contains("full_name"));
}

TEST(AppleIdentity, VerifiedEvenWhenAppleSaysFalse) {
  // GoTrue marks Apple's address verified whatever email_verified says.
  auto id =
      apple_identity(claims(R"({"sub":"s","email":"a@b.example","email_verified":false})"), "");
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->email_verified);
  EXPECT_FALSE(id->data.contains("custom_claims"));
}

TEST(AppleIdentity, NameFromTheFirstSignInsUserField) {
  auto id =
      apple_identity(claims(R"({"sub":"s","email":"a@b.example"})"),
                     R"({"name":{"firstName":"Ann","lastName":"Apple"},"email":"a@b.example"})");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->data.at("name"), "Ann Apple");
  EXPECT_EQ(id->data.at("full_name"), "Ann Apple");
  auto first_only = apple_identity(claims(R"({"sub":"s"})"), R"({"name":{"firstName":" Ann "}})");
  ASSERT_TRUE(first_only.ok());
  EXPECT_EQ(first_only->data.at("full_name"), "Ann");
  auto no_name = apple_identity(claims(R"({"sub":"s"})"), R"({"email":"a@b.example"})");
  ASSERT_TRUE(no_name.ok());
  EXPECT_FALSE(no_name->data.contains("full_name"));
}

TEST(AppleIdentity, BadInputIsAnError) {
  EXPECT_FALSE(apple_identity(claims(R"({"sub":"s"})"), "{not json").ok());
  EXPECT_FALSE(apple_identity(claims(R"({"sub":"s"})"), "[]").ok());
  EXPECT_FALSE(apple_identity(claims(R"({"sub":"s","is_private_email":"maybe"})"), "").ok());
  EXPECT_FALSE(apple_identity(claims(R"({"sub":"s","is_private_email":1})"), "").ok());
  EXPECT_TRUE(apple_identity(claims(R"({"sub":"s","is_private_email":"0"})"), "").ok());
  EXPECT_FALSE(apple_identity(claims(R"({"email":"a@b.example"})"), "").ok());  // no sub
}

}  // namespace
}  // namespace basalt::auth
