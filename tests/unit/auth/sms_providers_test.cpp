// The SMS providers besides Twilio (auth/sms.hpp), as Supabase Auth calls them: MessageBird,
// Textlocal and Vonage. Their requests (URL, form, credentials) and the reading of their
// answers, successes and the error texts GoTrue shows.
#include <gtest/gtest.h>

#include "auth/sms.hpp"

namespace basalt::auth {
namespace {

SmsMessage message(std::string body = "Your code is 123456") {
  SmsMessage m;
  m.phone = "447700900123";
  m.body = std::move(body);
  return m;
}

TEST(SmsMessagebird, Request) {
  MessagebirdConfig c;
  c.originator = "Basalt App";
  c.access_key = "live_key";
  const auto r = messagebird_request(c, message());
  EXPECT_EQ(r.url, "https://rest.messagebird.com/messages");
  EXPECT_EQ(r.form,
            "originator=Basalt%20App&body=Your%20code%20is%20123456&recipients=447700900123"
            "&type=sms&datacoding=unicode");
  EXPECT_EQ(r.headers, std::vector<std::string>{"Authorization: AccessKey live_key"});
  EXPECT_TRUE(r.user.empty());
  c.api_url = "http://127.0.0.1:9999/";
  EXPECT_EQ(messagebird_request(c, message()).url, "http://127.0.0.1:9999/messages");
}

TEST(SmsMessagebird, Answers) {
  auto ok = messagebird_result(201, R"({"id":"e8077d80","recipients":{"totalSentCount":1}})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "e8077d80");
  auto none = messagebird_result(201, R"({"id":"x","recipients":{"totalSentCount":0}})");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "messagebird error: total sent count is 0");
  auto denied = messagebird_result(
      401,
      R"j({"errors":[{"code":2,"description":"Request not allowed (incorrect access_key)"}]})j");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().status, 422);
  EXPECT_EQ(denied.error().code, "sms_send_failed");
  EXPECT_EQ(denied.error().message, "Request not allowed (incorrect access_key)");
  EXPECT_FALSE(messagebird_result(500, "<html>").ok());
  EXPECT_FALSE(messagebird_result(422, "{}").ok());
}

TEST(SmsTextlocal, Request) {
  TextlocalConfig c;
  c.sender = "TXTLCL";
  c.api_key = "k&y=1";
  const auto r = textlocal_request(c, message("Code: 1 2"));
  EXPECT_EQ(r.url, "https://api.textlocal.in/send");
  EXPECT_EQ(r.form, "sender=TXTLCL&apikey=k%26y%3D1&message=Code%3A%201%202&numbers=447700900123");
  EXPECT_TRUE(r.headers.empty());
}

TEST(SmsTextlocal, Answers) {
  auto ok = textlocal_result(200, R"({"status":"success","messages":[{"id":"1151346216"}]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "1151346216");
  auto bad = textlocal_result(200, R"({"status":"failure","errors":[{"code":3,)"
                                   R"("message":"Invalid login details"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "textlocal error: Invalid login details (code: 3) message ");
  EXPECT_FALSE(textlocal_result(502, "Bad Gateway").ok());
}

TEST(SmsVonage, Request) {
  VonageConfig c;
  c.from = "Basalt";
  c.api_key = "abc123";
  c.api_secret = "s3cr3t";
  const auto r = vonage_request(c, message());
  EXPECT_EQ(r.url, "https://rest.nexmo.com/sms/json");
  EXPECT_EQ(r.form,
            "from=Basalt&to=447700900123&text=Your%20code%20is%20123456&api_key=abc123"
            "&api_secret=s3cr3t");
  // Text outside ASCII goes as unicode.
  EXPECT_TRUE(vonage_request(c, message("Código 123456")).form.ends_with("&type=unicode"));
}

TEST(SmsVonage, Answers) {
  auto ok = vonage_result(
      200, R"({"message-count":"1","messages":[{"status":"0","message-id":"0A0000000123ABCD1"}]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "0A0000000123ABCD1");
  auto bad = vonage_result(200, R"({"messages":[{"status":"4","error-text":"Bad Credentials"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "vonage error: Bad Credentials (status: 4) for message ");
  auto empty = vonage_result(200, R"({"messages":[]})");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "vonage error: Internal Error");
  EXPECT_FALSE(vonage_result(200, "not json").ok());
}

TEST(SmsSender, WhatsappOnlyThroughTwilio) {
  EXPECT_TRUE(HttpSmsSender(TwilioConfig{}, 1).whatsapp());
  EXPECT_TRUE(HttpSmsSender(TwilioVerifyConfig{}, 1).whatsapp());
  EXPECT_FALSE(HttpSmsSender(MessagebirdConfig{}, 1).whatsapp());
  EXPECT_FALSE(HttpSmsSender(VonageConfig{}, 1).whatsapp());
}

TEST(SmsSender, OnlyTwilioVerifyChecksCodes) {
  EXPECT_TRUE(HttpSmsSender(TwilioVerifyConfig{}, 1).checks_codes());
  EXPECT_FALSE(HttpSmsSender(TwilioConfig{}, 1).checks_codes());
  EXPECT_FALSE(HttpSmsSender(TextlocalConfig{}, 1).checks_codes());
}

}  // namespace
}  // namespace basalt::auth
