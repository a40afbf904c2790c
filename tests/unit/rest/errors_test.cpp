// REST error responses: PostgREST's JSON shape, and always valid UTF-8 even when the error
// text echoes request bytes that are not.
#include "rest/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "rest/parse_engine.hpp"

namespace basalt::rest {
namespace {

std::string field(const boost::json::value& v, const char* key) {
  return std::string(v.at(key).as_string());
}

TEST(ErrorResponse, Shape) {
  auto res = error_response(pgrst(400, code::kParse, "failed", "", "try this"));
  EXPECT_EQ(static_cast<int>(res.result_int()), 400);
  auto v = boost::json::parse(res.body());
  EXPECT_EQ(field(v, "code"), "PGRST100");
  EXPECT_TRUE(v.at("details").is_null());
  EXPECT_EQ(field(v, "hint"), "try this");
  EXPECT_EQ(field(v, "message"), "failed");
}

TEST(ErrorResponse, InvalidUtf8BecomesReplacementCharacters) {
  // "sel" C3 28 "ect": a lead byte without its continuation, as %C3%28 decodes.
  const std::string bad = "sel\xC3(ect";
  auto res = error_response(pgrst(400, code::kParse, "m " + bad, "d " + bad, "h " + bad));
  ASSERT_TRUE(req::engine::valid_utf8(res.body())) << res.body();
  boost::system::error_code ec;
  auto v = boost::json::parse(res.body(), ec);  // Boost.JSON rejects invalid UTF-8
  ASSERT_FALSE(ec) << res.body();
  EXPECT_EQ(field(v, "message"), "m sel\xEF\xBF\xBD(ect");
  EXPECT_EQ(field(v, "details"), "d sel\xEF\xBF\xBD(ect");
  EXPECT_EQ(field(v, "hint"), "h sel\xEF\xBF\xBD(ect");
  // Lone continuation bytes and truncated sequences, one U+FFFD per bad byte.
  auto res2 = error_response(pgrst(400, code::kParse, "\x80x\xE2\x82"));
  EXPECT_EQ(field(boost::json::parse(res2.body()), "message"),
            "\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(ErrorResponse, ValidUtf8IsUntouched) {
  const std::string text = "Cléo \xEF\xBF\xBD 東京 \xF0\x9F\x8E\xAC";
  auto res = error_response(pgrst(404, code::kNoTable, text, text));
  auto v = boost::json::parse(res.body());
  EXPECT_EQ(field(v, "message"), text);
  EXPECT_EQ(field(v, "details"), text);
}

}  // namespace
}  // namespace basalt::rest
