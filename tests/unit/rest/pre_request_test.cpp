// db-pre-request: the statement the REST service runs after the request context.
#include <gtest/gtest.h>

#include "rest/service.hpp"

namespace basalt::rest {
namespace {

TEST(PreRequest, QualifiedAndBareNamesAreQuoted) {
  EXPECT_EQ(pre_request_statement("check_request"), R"(select "check_request"())");
  EXPECT_EQ(pre_request_statement("api.check_request"), R"(select "api"."check_request"())");
  // Split at the first dot, as PostgREST does; quotes are doubled.
  EXPECT_EQ(pre_request_statement("a.b.c"), R"(select "a"."b.c"())");
  EXPECT_EQ(pre_request_statement(R"(we"ird)"), R"(select "we""ird"())");
}

}  // namespace
}  // namespace basalt::rest
