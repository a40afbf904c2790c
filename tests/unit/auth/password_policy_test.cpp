#include "auth/password_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace basalt::auth {
namespace {

PasswordPolicy policy(int min_length, std::string_view requirements) {
  auto p = make_password_policy(min_length, requirements);
  EXPECT_TRUE(p.ok()) << requirements;
  return *p;
}

constexpr std::string_view kSymbolsMessage =
    "Password should contain at least one character of each: abcdefghijklmnopqrstuvwxyz, "
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789, !@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~.";

TEST(PasswordPolicy, CharacterSetsAreTheClisSplitAsGoTrueSplitsThem) {
  EXPECT_TRUE(required_character_sets("")->empty());
  EXPECT_EQ(*required_character_sets("letters_digits"),
            (std::vector<std::string>{"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                      "0123456789"}));
  EXPECT_EQ(*required_character_sets("lower_upper_letters_digits"),
            (std::vector<std::string>{"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                      "0123456789"}));
  const auto symbols = *required_character_sets("lower_upper_letters_digits_symbols");
  ASSERT_EQ(symbols.size(), 4u);
  EXPECT_EQ(symbols[3], "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~");
  // 26 + 26 + 10 + 32 characters, 3 ':' separators and the '\\' escaping the symbols' ':'
  // make the CLI's 98-character value.
  EXPECT_EQ(symbols[0].size() + symbols[1].size() + symbols[2].size() + symbols[3].size() + 4, 98u);
}

TEST(PasswordPolicy, UnknownRequirementIsAnError) {
  auto r = required_character_sets("letters");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 500);
  EXPECT_FALSE(make_password_policy(8, "digits").ok());
}

TEST(PasswordPolicy, MinimumLengthIsAtLeastSix) {
  EXPECT_EQ(policy(0, "").min_length, 6u);
  EXPECT_EQ(policy(4, "").min_length, 6u);
  EXPECT_EQ(policy(10, "").min_length, 10u);
}

TEST(PasswordPolicy, TooShort) {
  const auto p = policy(6, "");
  auto weak = check_password_strength("12345", p);
  ASSERT_TRUE(weak.has_value());
  EXPECT_EQ(weak->message, "Password should be at least 6 characters.");
  EXPECT_EQ(weak->reasons, std::vector<std::string>{"length"});
  EXPECT_FALSE(check_password_strength("123456", p).has_value());
  EXPECT_TRUE(check_password_strength("", p).has_value());
}

TEST(PasswordPolicy, LengthCountsBytesLikeGo) {
  const auto p = policy(6, "");
  EXPECT_FALSE(check_password_strength("\xC3\xA9\xC3\xA9\xC3\xA9", p).has_value());  // 6 bytes
  EXPECT_TRUE(check_password_strength("\xC3\xA9\xC3\xA9", p).has_value());
}

TEST(PasswordPolicy, LettersDigits) {
  const auto p = policy(6, "letters_digits");
  auto weak = check_password_strength("abcdefgh", p);
  ASSERT_TRUE(weak.has_value());
  EXPECT_EQ(weak->message,
            "Password should contain at least one character of each: "
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789.");
  EXPECT_EQ(weak->reasons, std::vector<std::string>{"characters"});
  EXPECT_TRUE(check_password_strength("12345678", p).has_value());
  EXPECT_FALSE(check_password_strength("abc123", p).has_value());
  EXPECT_FALSE(check_password_strength("ABC123", p).has_value());  // one set holds both cases
}

TEST(PasswordPolicy, LowerUpperLettersDigits) {
  const auto p = policy(6, "lower_upper_letters_digits");
  auto weak = check_password_strength("abc123", p);
  ASSERT_TRUE(weak.has_value());
  EXPECT_EQ(weak->message,
            "Password should contain at least one character of each: abcdefghijklmnopqrstuvwxyz, "
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ, 0123456789.");
  EXPECT_EQ(weak->reasons, std::vector<std::string>{"characters"});
  EXPECT_TRUE(check_password_strength("ABC123", p).has_value());
  EXPECT_TRUE(check_password_strength("abcDEF", p).has_value());
  EXPECT_FALSE(check_password_strength("aB3456", p).has_value());
}

TEST(PasswordPolicy, LowerUpperLettersDigitsSymbols) {
  const auto p = policy(6, "lower_upper_letters_digits_symbols");
  auto weak = check_password_strength("aB3456", p);
  ASSERT_TRUE(weak.has_value());
  EXPECT_EQ(weak->message, kSymbolsMessage);
  EXPECT_EQ(weak->reasons, std::vector<std::string>{"characters"});
  EXPECT_FALSE(check_password_strength("aB345!", p).has_value());
  EXPECT_FALSE(check_password_strength("aB345:", p).has_value());   // "\:" in the CLI value
  EXPECT_FALSE(check_password_strength("aB345\\", p).has_value());  // one backslash survives
  EXPECT_FALSE(check_password_strength("aB345~", p).has_value());
  EXPECT_TRUE(check_password_strength("aB345 ", p).has_value());  // space is not a symbol
  EXPECT_TRUE(check_password_strength("aB345\xC3\xA9", p).has_value());
}

TEST(PasswordPolicy, BothReasonsInGoTruesOrder) {
  const auto p = policy(8, "lower_upper_letters_digits_symbols");
  auto weak = check_password_strength("aB1", p);
  ASSERT_TRUE(weak.has_value());
  EXPECT_EQ(weak->message,
            "Password should be at least 8 characters. " + std::string(kSymbolsMessage));
  EXPECT_EQ(weak->reasons, (std::vector<std::string>{"length", "characters"}));
}

TEST(PasswordPolicy, MaxLengthIs72Bytes) {
  EXPECT_TRUE(check_password_max_length(std::string(72, 'a')).ok());
  auto r = check_password_max_length(std::string(73, 'a'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 400);
  EXPECT_EQ(r.error().code, "validation_failed");
  EXPECT_EQ(r.error().message, "Password cannot be longer than 72 characters");
}

}  // namespace
}  // namespace basalt::auth
