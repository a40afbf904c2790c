#include "jwt/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace basalt::jwt {
namespace {

TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesUrlAlphabet) {
  // 0xfb 0xff is "+/8=" in standard base64.
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff", 2));
}

TEST(Base64Url, DecodesRfc4648Vectors) {
  EXPECT_EQ(base64url_decode(""), std::string());
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
  EXPECT_EQ(base64url_decode("Zm9v"), "foo");
  EXPECT_EQ(base64url_decode("Zm9vYg"), "foob");
  EXPECT_EQ(base64url_decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(base64url_decode("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, RoundTripsEveryByteValueAndLargeInput) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(base64url_decode(base64url_encode(all)), all);

  // Larger than the internal block size of the OpenSSL calls, with every tail length.
  for (std::size_t extra = 0; extra < 3; ++extra) {
    std::string big(3 * 4096 * 3 + extra, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + 3);
    const std::string text = base64url_encode(big);
    EXPECT_EQ(text.size(), (big.size() * 4 + 2) / 3);
    EXPECT_EQ(base64url_decode(text), big);
  }
}

TEST(Base64Url, DecodedLengthExcludesPadding) {
  // EVP_DecodeBlock counts padding as zero bytes; the true length must not.
  EXPECT_EQ(base64url_decode("AA")->size(), 1u);
  EXPECT_EQ(base64url_decode("AAA")->size(), 2u);
  EXPECT_EQ(base64url_decode("AAAA")->size(), 3u);
  EXPECT_EQ(base64url_decode("AA"), std::string(1, '\0'));
}

TEST(Base64Url, RejectsCharactersOutsideTheUrlAlphabet) {
  EXPECT_FALSE(base64url_decode("Zm9v+mFy"));
  EXPECT_FALSE(base64url_decode("Zm9v/mFy"));
  EXPECT_FALSE(base64url_decode("Zm9v!mFy"));
  EXPECT_FALSE(base64url_decode("Zm9v mFy"));
  EXPECT_FALSE(base64url_decode(" Zm9v"));
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("Zm9v.mFy"));
  EXPECT_FALSE(base64url_decode(std::string("Zm9v\0mFy", 8)));
  EXPECT_FALSE(base64url_decode("Zm\xc3\xa9v"));
}

TEST(Base64Url, RejectsPadding) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm8="));
  EXPECT_FALSE(base64url_decode("Zm9v===="));
  EXPECT_FALSE(base64url_decode("Z=g"));
}

TEST(Base64Url, RejectsImpossibleLength) {
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64Url, RejectsNonCanonicalTrailingBits) {
  // "Zg" is 'f'; "Zh" carries the same byte plus non-zero unused bits.
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zm9"));
  EXPECT_TRUE(base64url_decode("Zm8"));
}

}  // namespace
}  // namespace basalt::jwt
