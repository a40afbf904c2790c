// Pieces the phone flows share (phone.cpp, phone_mfa.cpp): what a flow asks
// AuthService::call_with_sms() to send, and small helpers with GoTrue's wording.
#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::auth {

// A one-time code that goes out by SMS once the flow's SQL function has stored its hash. The
// function names the number in its result ("sms_to"); without it nothing is sent.
struct SmsPlan {
  std::string code;
  std::string template_text;  // [auth.sms] template or [auth.mfa.phone] template
  std::string channel = "sms";
  bool test = false;   // an [auth.sms.test_otp] number: nothing is sent, the code is fixed
  bool count = false;  // counts against [auth.rate_limit] sms_sent (GoTrue: without autoconfirm)
  // GoTrue's OTP type for the failure message ("confirmation", "phone_change",
  // "reauthentication"); empty for an MFA challenge, whose failures are 500s.
  std::string otp_type;
};

// GoTrue's InvalidChannelError for a channel other than sms (or whatsapp with Twilio).
Error invalid_channel();

// 429 over_sms_send_rate_limit "For security purposes, you can only request this after N
// seconds." from a {error, seconds} row of a _basalt.auth_phone_* function.
Error sms_frequency_error(const boost::json::object& row);

// The Error for an {error} row of an _basalt.auth_mfa_* function (mfa.cpp); `name` is the
// friendly name of a conflicting enrolment.
Error mfa_error(std::string_view code, const std::string& name = {});

// Constant-time equality of two strings (the lengths may differ; that is not hidden).
bool equal_secrets(std::string_view a, std::string_view b);

}  // namespace basalt::auth
