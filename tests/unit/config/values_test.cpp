// parse_size, parse_duration and sanitize_project_id: the CLI's spellings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>

#include "config/config.hpp"

namespace basalt::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct SizeCase {
  const char* text;
  std::uint64_t bytes;
};

void PrintTo(const SizeCase& c, std::ostream* os) {
  *os << '"' << c.text << "\" -> " << c.bytes;
}

class GoodSize : public ::testing::TestWithParam<SizeCase> {};

TEST_P(GoodSize, Parses) {
  Result<std::uint64_t> size = parse_size(GetParam().text);
  ASSERT_TRUE(size.ok()) << size.error().message;
  EXPECT_EQ(*size, GetParam().bytes);
}

constexpr std::uint64_t kKi = 1024;

INSTANTIATE_TEST_SUITE_P(
    Sizes, GoodSize,
    ::testing::Values(SizeCase{"1024", 1024}, SizeCase{"0", 0}, SizeCase{"10b", 10},
                      SizeCase{"10B", 10}, SizeCase{"2k", 2 * kKi}, SizeCase{"100KB", 100 * kKi},
                      SizeCase{"100kib", 100 * kKi},
                      // Like the CLI (docker/go-units RAMInBytes), MB means MiB.
                      SizeCase{"5MB", 5 * kKi* kKi}, SizeCase{"5MiB", 5 * kKi* kKi},
                      SizeCase{"50MiB", 50 * kKi* kKi}, SizeCase{"1GB", kKi* kKi* kKi},
                      SizeCase{"1gib", kKi* kKi* kKi}, SizeCase{"2TB", 2 * kKi* kKi* kKi* kKi},
                      SizeCase{"1PiB", kKi* kKi* kKi* kKi* kKi},
                      SizeCase{"1.5 mb", 3 * kKi* kKi / 2}, SizeCase{"0.5KB", 512},
                      SizeCase{"7 ", 7}));

class BadSize : public ::testing::TestWithParam<const char*> {};

TEST_P(BadSize, IsAnError) {
  Result<std::uint64_t> size = parse_size(GetParam());
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.error().code, "config");
  EXPECT_THAT(size.error().message, HasSubstr("invalid size"));
}

INSTANTIATE_TEST_SUITE_P(Sizes, BadSize,
                         ::testing::Values("", "abc", "MB", "5XB", "5MBB", "5mibs", "5 M B", "-1MB",
                                           "1.2.3MB", " 5MB", "5Mb!", "9999999PB", "0x10", "inf"));

struct DurationCase {
  const char* text;
  std::chrono::nanoseconds value;
};

void PrintTo(const DurationCase& c, std::ostream* os) {
  *os << '"' << c.text << "\" -> " << c.value.count() << "ns";
}

class GoodDuration : public ::testing::TestWithParam<DurationCase> {};

TEST_P(GoodDuration, Parses) {
  auto d = parse_duration(GetParam().text);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(*d, GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(Durations, GoodDuration,
                         ::testing::Values(DurationCase{"0", 0ns}, DurationCase{"1s", 1s},
                                           DurationCase{"5m", 5min}, DurationCase{"2h", 2h},
                                           DurationCase{"1h30m", 90min},
                                           DurationCase{"1.5h", 90min},
                                           DurationCase{"300ms", 300ms}, DurationCase{"2us", 2us},
                                           DurationCase{"2\xC2\xB5s", 2us},
                                           DurationCase{"7ns", 7ns}, DurationCase{".5s", 500ms},
                                           DurationCase{"-1s", -1s}, DurationCase{"+3s", 3s},
                                           DurationCase{"1m0.5s", 60500ms}));

class BadDuration : public ::testing::TestWithParam<const char*> {};

TEST_P(BadDuration, IsAnError) {
  auto d = parse_duration(GetParam());
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.error().message, HasSubstr("invalid duration"));
}

INSTANTIATE_TEST_SUITE_P(Durations, BadDuration,
                         ::testing::Values("", "1", "s", ".s", "1d", "abc", "1s5", "1 s", "-",
                                           "99999999999999999999h"));

TEST(SanitizeProjectId, FollowsTheCliRule) {
  EXPECT_EQ(sanitize_project_id("abc"), "abc");
  EXPECT_EQ(sanitize_project_id("a..b_c"), "a..b_c");
  EXPECT_EQ(sanitize_project_id("_abc"), "abc");
  EXPECT_EQ(sanitize_project_id("_@abc"), "abc");
  EXPECT_EQ(sanitize_project_id("a@@bc-"), "a_bc-");
  EXPECT_EQ(sanitize_project_id("my project"), "my_project");
  EXPECT_EQ(sanitize_project_id(std::string(45, 'a')), std::string(40, 'a'));
  EXPECT_EQ(sanitize_project_id("---"), "");
}

}  // namespace
}  // namespace basalt::config
