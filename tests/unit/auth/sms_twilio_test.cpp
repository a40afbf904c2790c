// The Twilio Messages API request the SMS sender builds, and how Twilio's answers become a
// message id or GoTrue's sms_send_failed reason.
#include <gtest/gtest.h>

#include "auth/sms.hpp"

namespace basalt::auth {
namespace {

TwilioConfig config() {
  TwilioConfig c;
  c.account_sid = "AC0123456789abcdef";
  c.message_service_sid = "MG0123456789abcdef";
  c.auth_token = "twilio-secret-token";
  return c;
}

SmsMessage message(std::string channel = "sms") {
  SmsMessage m;
  m.phone = "14155550123";
  m.body = "Your code is 123456 & more";
  m.channel = std::move(channel);
  return m;
}

TEST(TwilioRequest, PostsToTheAccountsMessagesResource) {
  const auto r = twilio_request(config(), message());
  EXPECT_EQ(r.url, "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef/Messages.json");
  EXPECT_EQ(r.user, "AC0123456789abcdef");
  EXPECT_EQ(r.password, "twilio-secret-token");
}

TEST(TwilioRequest, BaseUrlCanBeReplacedForTests) {
  TwilioConfig c = config();
  c.api_url = "http://127.0.0.1:9999/";
  EXPECT_EQ(twilio_request(c, message()).url,
            "http://127.0.0.1:9999/2010-04-01/Accounts/AC0123456789abcdef/Messages.json");
}

TEST(TwilioRequest, FormHasToMessagingServiceAndBody) {
  const auto r = twilio_request(config(), message());
  EXPECT_EQ(r.form,
            "To=%2B14155550123&MessagingServiceSid=MG0123456789abcdef"
            "&Body=Your%20code%20is%20123456%20%26%20more");
  // The token only travels as Basic-auth credentials.
  EXPECT_EQ(r.form.find("twilio-secret-token"), std::string::npos);
}

TEST(TwilioRequest, ASenderNumberGoesInFrom) {
  TwilioConfig c = config();
  c.message_service_sid = "+15005550006";
  EXPECT_EQ(twilio_request(c, message()).form,
            "To=%2B14155550123&From=%2B15005550006"
            "&Body=Your%20code%20is%20123456%20%26%20more");
}

TEST(TwilioRequest, WhatsappPrefixesTheAddresses) {
  EXPECT_EQ(twilio_request(config(), message("whatsapp")).form,
            "To=whatsapp%3A%2B14155550123&MessagingServiceSid=MG0123456789abcdef"
            "&Body=Your%20code%20is%20123456%20%26%20more");
  TwilioConfig c = config();
  c.message_service_sid = "15005550006";
  const auto r = twilio_request(c, message("whatsapp"));
  EXPECT_NE(r.form.find("From=whatsapp%3A%2B15005550006"), std::string::npos) << r.form;
}

TEST(TwilioResult, AcceptedMessageGivesItsSid) {
  auto sid = twilio_result(201, R"({"sid":"SM123","status":"queued","to":"+14155550123"})");
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(*sid, "SM123");
  EXPECT_TRUE(twilio_result(200, R"({"sid":"SM9","status":"sent"})").ok());
}

TEST(TwilioResult, ErrorAnswerBecomesSmsSendFailed) {
  auto r = twilio_result(400, R"({"code":21211,"message":"The 'To' number +1 is not a valid )"
                              R"(phone number.","more_info":"https://www.twilio.com/docs/)"
                              R"(errors/21211","status":400})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 422);
  EXPECT_EQ(r.error().code, "sms_send_failed");
  EXPECT_EQ(r.error().message,
            "The 'To' number +1 is not a valid phone number. More information: "
            "https://www.twilio.com/docs/errors/21211");
}

TEST(TwilioResult, FailedOrUndeliveredStatusIsAnError) {
  auto r = twilio_result(
      201, R"({"sid":"SM7","status":"failed","error_code":"30003","error_message":"Unreachable"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "sms_send_failed");
  EXPECT_EQ(r.error().message, "twilio error: Unreachable 30003 for message SM7");
  EXPECT_FALSE(twilio_result(200, R"({"sid":"SM8","status":"undelivered"})").ok());
}

TEST(TwilioResult, AnswersThatAreNotJsonAreErrors) {
  auto r = twilio_result(502, "<html>Bad Gateway</html>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unexpected answer from Twilio (HTTP 502)");
  EXPECT_FALSE(twilio_result(201, "not json").ok());
}

}  // namespace
}  // namespace basalt::auth
