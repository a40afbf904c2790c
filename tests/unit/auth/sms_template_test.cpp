// SMS templates ([auth.sms] template, [auth.mfa.phone] template) rendered as GoTrue's
// text/template renders them.
#include <gtest/gtest.h>

#include "auth/sms.hpp"

namespace basalt::auth {
namespace {

std::string render(std::string_view tpl, std::string_view code = "123456") {
  auto r = render_sms_template(tpl, code);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::string();
}

TEST(SmsTemplate, DefaultTemplate) {
  EXPECT_EQ(render("Your code is {{ .Code }}"), "Your code is 123456");
}

TEST(SmsTemplate, SpacingInsideTheActionDoesNotMatter) {
  EXPECT_EQ(render("{{.Code}}|{{   .Code\t}}|{{\n.Code\n}}"), "123456|123456|123456");
}

TEST(SmsTemplate, TextWithoutActionsIsKept) {
  EXPECT_EQ(render("no code here"), "no code here");
  EXPECT_EQ(render(""), "");
  EXPECT_EQ(render("a } b { c }} d"), "a } b { c }} d");
}

TEST(SmsTemplate, CodeCanAppearMoreThanOnce) {
  EXPECT_EQ(render("{{ .Code }} / {{ .Code }}", "42"), "42 / 42");
}

TEST(SmsTemplate, TrimMarkersEatNeighbouringWhitespace) {
  EXPECT_EQ(render("Code:   \n {{- .Code -}} \n  end"), "Code:123456end");
  EXPECT_EQ(render("a  {{- .Code }}  b"), "a123456  b");
  EXPECT_EQ(render("a  {{ .Code -}}  b"), "a  123456b");
}

TEST(SmsTemplate, CommentsRenderNothing) {
  EXPECT_EQ(render("a{{/* a comment */}}b"), "ab");
  EXPECT_EQ(render("a {{- /* trimmed */ -}} b"), "ab");
}

TEST(SmsTemplate, OtherFieldsAreErrors) {
  auto r = render_sms_template("Hi {{ .Token }}", "1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 500);
  EXPECT_NE(r.error().message.find("can't evaluate field Token"), std::string::npos)
      << r.error().message;
  // Field names are case-sensitive, as in Go.
  EXPECT_FALSE(render_sms_template("{{ .code }}", "1").ok());
}

TEST(SmsTemplate, UnsupportedActionsAreErrorsNamingTheLine) {
  auto r = render_sms_template("line one\n{{ if .Code }}x{{ end }}", "1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("sms:2"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("unsupported action"), std::string::npos);
  EXPECT_FALSE(render_sms_template("{{ }}", "1").ok());
  EXPECT_FALSE(render_sms_template("{{ printf \"%s\" .Code }}", "1").ok());
}

TEST(SmsTemplate, UnclosedActionsAndCommentsAreErrors) {
  EXPECT_FALSE(render_sms_template("Your code is {{ .Code", "1").ok());
  EXPECT_FALSE(render_sms_template("{{/* never closed", "1").ok());
  EXPECT_FALSE(render_sms_template("{{/* x */ .Code }}", "1").ok());
}

}  // namespace
}  // namespace basalt::auth
