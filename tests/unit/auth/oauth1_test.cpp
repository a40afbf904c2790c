// OAuth 1.0a signing against the published examples: RFC 5849's (OAuth 1.0 Appendix A.5.1,
// photos.example.net) and Twitter's "Creating a signature" one.
#include "auth/oauth1.hpp"

#include <gtest/gtest.h>

namespace basalt::auth {
namespace {

TEST(OAuth1, PercentEncodingIsRfc3986) {
  EXPECT_EQ(oauth1_encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
  EXPECT_EQ(oauth1_encode("An encoded string!"), "An%20encoded%20string%21");
  EXPECT_EQ(oauth1_encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
  EXPECT_EQ(oauth1_encode("-._~AZaz09"), "-._~AZaz09");
  EXPECT_EQ(oauth1_encode("\xE2\x98\x83"), "%E2%98%83");
}

TEST(OAuth1, Rfc5849Example) {
  const OAuth1Params params = {
      {"file", "vacation.jpg"},
      {"size", "original"},
      {"oauth_consumer_key", "dpf43f3p2l4k3l03"},
      {"oauth_token", "nnch734d00sl2jdk"},
      {"oauth_signature_method", "HMAC-SHA1"},
      {"oauth_timestamp", "1191242096"},
      {"oauth_nonce", "kllo9940pd9333jh"},
      {"oauth_version", "1.0"},
  };
  const std::string base = oauth1_base_string("GET", "http://photos.example.net/photos", params);
  EXPECT_EQ(base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_"
            "key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3D"
            "HMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_"
            "version%3D1.0%26size%3Doriginal");
  EXPECT_EQ(oauth1_signature(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM=");
}

TEST(OAuth1, NormalizationOfRepeatedAndEncodedNames) {
  // RFC 5849 §3.4.1.3.2: names and values encoded, then sorted by name, then value.
  const OAuth1Params params = {
      {"b5", "=%3D"},
      {"a3", "a"},
      {"c@", ""},
      {"a2", "r b"},
      {"oauth_consumer_key", "9djdj82h48djs9d2"},
      {"oauth_token", "kkk9d7dh3k39sjv7"},
      {"oauth_signature_method", "HMAC-SHA1"},
      {"oauth_timestamp", "137131201"},
      {"oauth_nonce", "7d8f3e4a"},
      {"c2", ""},
      {"a3", "2 q"},
  };
  EXPECT_EQ(oauth1_base_string("POST", "http://example.com/request", params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&" +
                oauth1_encode("a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key="
                              "9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-"
                              "SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"));
}

TEST(OAuth1, TwitterExampleThroughTheHeader) {
  OAuth1Request r;
  r.method = "POST";
  r.url = "https://api.twitter.com/1.1/statuses/update.json";
  r.query_or_form = {{"include_entities", "true"},
                     {"status", "Hello Ladies + Gentlemen, a signed OAuth request!"}};
  r.consumer_key = "xvz1evFS4wEEPTGEFPHBog";
  r.consumer_secret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
  r.token = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
  r.token_secret = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
  r.nonce = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
  r.timestamp = 1318622958;
  EXPECT_EQ(oauth1_authorization(r),
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", "
            "oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
            "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", "
            "oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1318622958\", "
            "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", "
            "oauth_version=\"1.0\"");
}

TEST(OAuth1, ExtraOAuthParametersAreSignedAndSent) {
  OAuth1Request r;
  r.method = "POST";
  r.url = "https://api.twitter.com/oauth/request_token";
  r.consumer_key = "key";
  r.consumer_secret = "secret";
  r.extra_oauth = {{"oauth_callback", "http://127.0.0.1/cb?state=a b"}};
  r.nonce = "n";
  r.timestamp = 1;
  const std::string header = oauth1_authorization(r);
  EXPECT_NE(header.find("oauth_callback=\"http%3A%2F%2F127.0.0.1%2Fcb%3Fstate%3Da%20b\""),
            std::string::npos)
      << header;
  EXPECT_EQ(header.find("oauth_token="), std::string::npos);  // none yet
  // Changing the callback changes the signature.
  OAuth1Request other = r;
  other.extra_oauth = {{"oauth_callback", "http://127.0.0.1/cb?state=b"}};
  EXPECT_NE(oauth1_authorization(other), header);
}

}  // namespace
}  // namespace basalt::auth
