// Twilio Verify: the Verifications request that has Twilio make and send a code, the
// VerificationCheck request that asks Twilio whether a code is right, and how their answers
// read (GoTrue's rules: approved and valid, or the reason).
#include <gtest/gtest.h>

#include "auth/sms.hpp"

namespace basalt::auth {
namespace {

TwilioVerifyConfig config() {
  TwilioVerifyConfig c;
  c.account_sid = "AC0123456789abcdef";
  c.service_sid = "VA0123456789abcdef";
  c.auth_token = "verify-secret-token";
  return c;
}

SmsMessage message(std::string channel = "sms") {
  SmsMessage m;
  m.phone = "14155550123";
  m.body = "Your code is 123456";
  m.channel = std::move(channel);
  return m;
}

TEST(TwilioVerifyRequest, PostsToTheServicesVerifications) {
  const auto r = twilio_verify_request(config(), message());
  EXPECT_EQ(r.url, "https://verify.twilio.com/v2/Services/VA0123456789abcdef/Verifications");
  EXPECT_EQ(r.user, "AC0123456789abcdef");
  EXPECT_EQ(r.password, "verify-secret-token");
  // Twilio makes the code: Basalt's own code and text never leave.
  EXPECT_EQ(r.form, "To=%2B14155550123&Channel=sms");
}

TEST(TwilioVerifyRequest, WhatsappIsAChannelNotAPrefix) {
  EXPECT_EQ(twilio_verify_request(config(), message("whatsapp")).form,
            "To=%2B14155550123&Channel=whatsapp");
}

TEST(TwilioVerifyRequest, BaseUrlCanBeReplacedForTests) {
  TwilioVerifyConfig c = config();
  c.api_url = "http://127.0.0.1:9999//";
  EXPECT_EQ(twilio_verify_request(c, message()).url,
            "http://127.0.0.1:9999/v2/Services/VA0123456789abcdef/Verifications");
  EXPECT_EQ(twilio_verify_check_request(c, "1415", "1").url,
            "http://127.0.0.1:9999/v2/Services/VA0123456789abcdef/VerificationCheck");
}

TEST(TwilioVerifyRequest, TheServiceSidIsEscapedInThePath) {
  TwilioVerifyConfig c = config();
  c.service_sid = "VA1/../x?y";
  EXPECT_EQ(twilio_verify_request(c, message()).url,
            "https://verify.twilio.com/v2/Services/VA1%2F..%2Fx%3Fy/Verifications");
}

TEST(TwilioVerifyResult, AcceptedVerificationGivesItsSid) {
  auto sid = twilio_verify_result(
      201, R"({"sid":"VE123","status":"pending","channel":"sms","to":"+14155550123"})");
  ASSERT_TRUE(sid.ok());
  EXPECT_EQ(*sid, "VE123");
}

TEST(TwilioVerifyResult, RefusalReadsAsTwilioWordsIt) {
  auto r = twilio_verify_result(400, R"({"code":60200,"message":"Invalid parameter: To",)"
                                     R"("more_info":"https://www.twilio.com/docs/errors/60200",)"
                                     R"("status":400})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, 422);
  EXPECT_EQ(r.error().code, "sms_send_failed");
  EXPECT_EQ(r.error().message,
            "Invalid parameter: To More information: https://www.twilio.com/docs/errors/60200");
  EXPECT_FALSE(twilio_verify_result(503, "down").ok());
  EXPECT_FALSE(twilio_verify_result(201, "not json").ok());
}

TEST(TwilioVerifyCheck, RequestCarriesNumberAndCode) {
  const auto r = twilio_verify_check_request(config(), "14155550123", "654321");
  EXPECT_EQ(r.url, "https://verify.twilio.com/v2/Services/VA0123456789abcdef/VerificationCheck");
  EXPECT_EQ(r.form, "To=%2B14155550123&Code=654321");
  EXPECT_EQ(r.user, "AC0123456789abcdef");
  EXPECT_EQ(r.password, "verify-secret-token");
  // A code is whatever the user typed: it is escaped, never spliced into the form.
  EXPECT_EQ(twilio_verify_check_request(config(), "1", "1&To=2").form, "To=%2B1&Code=1%26To%3D2");
}

TEST(TwilioVerifyCheck, ApprovedAndValidIsRight) {
  auto r = twilio_verify_check_result(200, R"({"status":"approved","valid":true,"to":"+1"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "approved");
}

TEST(TwilioVerifyCheck, AnythingElseIsWrong) {
  auto pending = twilio_verify_check_result(200, R"({"status":"pending","valid":false})");
  ASSERT_FALSE(pending.ok());
  EXPECT_EQ(pending.error().message, "twilio verification error:  pending");
  // Each half of the rule on its own is not enough.
  EXPECT_FALSE(twilio_verify_check_result(200, R"({"status":"approved","valid":false})").ok());
  EXPECT_FALSE(twilio_verify_check_result(200, R"({"status":"approved"})").ok());
  EXPECT_FALSE(twilio_verify_check_result(200, R"({"status":"approved","valid":"true"})").ok());
  EXPECT_FALSE(twilio_verify_check_result(200, R"({"status":"pending","valid":true})").ok());
  // No pending verification for the number: Twilio answers 404.
  auto missing = twilio_verify_check_result(
      404, R"({"code":20404,"message":"The requested resource was not found",)"
           R"("more_info":"https://www.twilio.com/docs/errors/20404","status":404})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "The requested resource was not found More information: "
            "https://www.twilio.com/docs/errors/20404");
  EXPECT_FALSE(twilio_verify_check_result(200, "[]").ok());
}

}  // namespace
}  // namespace basalt::auth
