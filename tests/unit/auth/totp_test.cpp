#include "auth/totp.hpp"

#include <gtest/gtest.h>

#include <string>

namespace basalt::auth {
namespace {

const std::string kRfcSecret = "12345678901234567890";  // RFC 6238 appendix B, SHA-1

TEST(Base32, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base32_encode(""), "");
  EXPECT_EQ(base32_encode("f"), "MY");
  EXPECT_EQ(base32_encode("fo"), "MZXQ");
  EXPECT_EQ(base32_encode("foo"), "MZXW6");
  EXPECT_EQ(base32_encode("foob"), "MZXW6YQ");
  EXPECT_EQ(base32_encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI");
}

TEST(Base32, DecodesRfc4648VectorsWithAndWithoutPadding) {
  EXPECT_EQ(*base32_decode(""), "");
  EXPECT_EQ(*base32_decode("MY======"), "f");
  EXPECT_EQ(*base32_decode("MZXQ===="), "fo");
  EXPECT_EQ(*base32_decode("MZXW6==="), "foo");
  EXPECT_EQ(*base32_decode("MZXW6YQ="), "foob");
  EXPECT_EQ(*base32_decode("MZXW6YTB"), "fooba");
  EXPECT_EQ(*base32_decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(*base32_decode("MZXW6YTBOI"), "foobar");
}

TEST(Base32, DecodeIsCaseInsensitiveAndSkipsSpaces) {
  EXPECT_EQ(*base32_decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(*base32_decode("MzXw 6yTb\tOI\n"), "foobar");
  EXPECT_EQ(*base32_decode("JBSW Y3DP EHPK 3PXP"), *base32_decode("JBSWY3DPEHPK3PXP"));
}

TEST(Base32, DecodeRejectsBadCharactersAndLengths) {
  for (const char* bad : {"MZXW1", "MZXW0", "MZXW8", "MZX!", "MZ-W", "MY==MY", "\xC3\xA9"}) {
    auto r = base32_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().status, 400);
    EXPECT_EQ(r.error().code, "validation_failed");
  }
  // 1, 3 or 6 symbols in the last group cannot come from whole bytes.
  EXPECT_FALSE(base32_decode("A").ok());
  EXPECT_FALSE(base32_decode("ABC").ok());
  EXPECT_FALSE(base32_decode("ABCDEF").ok());
  EXPECT_FALSE(base32_decode("MZXW6YTBA").ok());
}

TEST(Base32, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(*base32_decode(base32_encode(part)), part);
  }
  EXPECT_EQ(*base32_decode(base32_encode(all)), all);
}

TEST(Totp, MatchesRfc6238Sha1Vectors) {
  // Appendix B gives 8 digits; a 6-digit code is the last 6 of them.
  EXPECT_EQ(totp_code(kRfcSecret, 59), "287082");           // 94287082
  EXPECT_EQ(totp_code(kRfcSecret, 1111111109), "081804");   // 07081804
  EXPECT_EQ(totp_code(kRfcSecret, 1111111111), "050471");   // 14050471
  EXPECT_EQ(totp_code(kRfcSecret, 1234567890), "005924");   // 89005924
  EXPECT_EQ(totp_code(kRfcSecret, 2000000000), "279037");   // 69279037
  EXPECT_EQ(totp_code(kRfcSecret, 20000000000), "353130");  // 65353130
}

TEST(Totp, CodeChangesEvery30Seconds) {
  EXPECT_EQ(totp_code(kRfcSecret, 30), totp_code(kRfcSecret, 59));
  EXPECT_EQ(totp_code(kRfcSecret, 0), totp_code(kRfcSecret, 29));
  EXPECT_EQ(totp_code(kRfcSecret, -1), totp_code(kRfcSecret, -30));  // floor(t / 30)
  EXPECT_EQ(totp_code(kRfcSecret, 59).size(), 6u);
}

TEST(Totp, VerifyAcceptsOneStepEitherSide) {
  const std::int64_t now = 1111111111;
  EXPECT_TRUE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now), now));
  EXPECT_TRUE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now - 30), now));
  EXPECT_TRUE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now + 30), now));
  EXPECT_FALSE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now - 60), now));
  EXPECT_FALSE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now + 60), now));
  // pquerna/otp's own check: 8-digit code of t=59 is valid at 29, 59 and 61 with skew 1; the
  // 6-digit code likewise.
  for (std::int64_t t : {29, 59, 61}) EXPECT_TRUE(verify_totp(kRfcSecret, "287082", t)) << t;
  EXPECT_FALSE(verify_totp(kRfcSecret, "287082", 120));
}

TEST(Totp, VerifyWindowZeroAndWider) {
  const std::int64_t now = 1234567890;
  EXPECT_TRUE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now), now, 0));
  EXPECT_FALSE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now - 30), now, 0));
  EXPECT_TRUE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now - 60), now, 2));
  EXPECT_FALSE(verify_totp(kRfcSecret, totp_code(kRfcSecret, now), now, -1));
}

TEST(Totp, VerifyRejectsMalformedCodes) {
  const std::int64_t now = 1234567890;
  const std::string code = totp_code(kRfcSecret, now);
  EXPECT_TRUE(verify_totp(kRfcSecret, " " + code + "\n", now));  // trimmed like pquerna/otp
  EXPECT_FALSE(verify_totp(kRfcSecret, "", now));
  EXPECT_FALSE(verify_totp(kRfcSecret, "   ", now));
  EXPECT_FALSE(verify_totp(kRfcSecret, code.substr(0, 5), now));
  EXPECT_FALSE(verify_totp(kRfcSecret, code + "0", now));
  EXPECT_FALSE(verify_totp(kRfcSecret, "00" + code, now));
  EXPECT_FALSE(verify_totp(kRfcSecret, "abcdef", now));
  EXPECT_FALSE(verify_totp("another secret......", code, now));
}

TEST(Totp, NewSecretIs20RandomBytes) {
  const std::string a = new_totp_secret();
  const std::string b = new_totp_secret();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(base32_encode(a).size(), 32u);  // the length GoTrue's secrets have
}

TEST(Totp, OtpauthUriMatchesGoTrue) {
  EXPECT_EQ(otpauth_uri("localhost:3000", "alice@example.com", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/localhost:3000:alice@example.com?algorithm=SHA1&digits=6&"
            "issuer=localhost:3000&period=30&secret=JBSWY3DPEHPK3PXP");
  // Spaces are %20 in both the label and the query (pquerna/otp EncodeQuery).
  EXPECT_EQ(otpauth_uri("Snake Oil", "a b@x.io", "AB"),
            "otpauth://totp/Snake%20Oil:a%20b@x.io?algorithm=SHA1&digits=6&"
            "issuer=Snake%20Oil&period=30&secret=AB");
}

TEST(Totp, OtpauthUriEscapesLikeGoNetUrl) {
  // Label: Go's path escaping keeps / ; , $ & + = : @ and escapes ? # and the rest.
  // Query values: url.PathEscape also escapes / ; , ? but keeps & = + $ : @.
  EXPECT_EQ(otpauth_uri("a/b;c,d?e&f=g+h", "x#y%z", "S"),
            "otpauth://totp/a/b;c,d%3Fe&f=g+h:x%23y%25z?algorithm=SHA1&digits=6&"
            "issuer=a%2Fb%3Bc%2Cd%3Fe&f=g+h&period=30&secret=S");
  EXPECT_EQ(otpauth_uri("\xC3\xA9t\xC3\xA9", "(me)!'*", "S"),
            "otpauth://totp/%C3%A9t%C3%A9:%28me%29%21%27%2A?algorithm=SHA1&digits=6&"
            "issuer=%C3%A9t%C3%A9&period=30&secret=S");
}

TEST(Totp, DefaultIssuerIsSiteHostWithPort) {
  EXPECT_EQ(*default_totp_issuer("http://127.0.0.1:3000"), "127.0.0.1:3000");
  EXPECT_EQ(*default_totp_issuer("https://app.example.com/welcome"), "app.example.com");
  auto bad = default_totp_issuer("not a url");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status, 500);
  EXPECT_EQ(bad.error().message, "site url is improperly formatted");
  EXPECT_FALSE(default_totp_issuer("/relative").ok());
}

TEST(TotpQr, IsRawSvgWithFinderPattern) {
  const std::string uri =
      otpauth_uri("localhost:3000", "alice@example.com", base32_encode(std::string(20, '\x42')));
  auto svg = totp_qr_svg(uri);
  ASSERT_TRUE(svg.ok());
  const std::string& s = *svg;
  EXPECT_EQ(s.rfind("<?xml version=\"1.0\"?>\n<svg width=\"", 0), 0u);  // no data: prefix
  EXPECT_NE(s.find("xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_EQ(s.substr(s.size() - 7), "</svg>\n");
  // Safe to put after "data:image/svg+xml;utf-8," unencoded, as supabase-js does.
  EXPECT_EQ(s.find('#'), std::string::npos);
  EXPECT_EQ(s.find('%'), std::string::npos);

  // Side = modules * 3 + 2 * 12 px of quiet zone, modules = 17 + 4 * version.
  const auto w0 = s.find("width=\"") + 7;
  const int side = std::stoi(s.substr(w0, s.find('"', w0) - w0));
  ASSERT_EQ((side - 24) % 3, 0);
  const int modules = (side - 24) / 3;
  EXPECT_EQ((modules - 17) % 4, 0);
  EXPECT_GE(modules, 21);
  // The top-left finder pattern starts with a run of 7 dark modules, as does the top-right one.
  EXPECT_NE(s.find("<path d=\"M12 12h21v3h-21z"), std::string::npos);
  const std::string right = "M" + std::to_string(12 + (modules - 7) * 3) + " 12h21v3h-21z";
  EXPECT_NE(s.find(right), std::string::npos);
  EXPECT_NE(s.find("\" style=\"fill:black;stroke:none\" />\n</svg>\n"), std::string::npos);
  EXPECT_LT(s.size(), 40000u);
}

TEST(TotpQr, DifferentUrisGiveDifferentImages) {
  auto a = totp_qr_svg(otpauth_uri("a", "x@y.z", "AAAA"));
  auto b = totp_qr_svg(otpauth_uri("a", "x@y.z", "BBBB"));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*a, *totp_qr_svg(otpauth_uri("a", "x@y.z", "AAAA")));  // deterministic
}

TEST(TotpQr, TooLongOrNulIsAnError) {
  auto r = totp_qr_svg(std::string(4000, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 500);
  EXPECT_EQ(r.error().message, "Error generating QR Code");
  EXPECT_FALSE(totp_qr_svg(std::string("a\0b", 3)).ok());
}

}  // namespace
}  // namespace basalt::auth
