// The settings of the Twilio SMS sender ([auth.sms.twilio]), apart from the sender itself
// (sms.hpp) so that AuthOptions can hold them without pulling in Asio.
#pragma once
#include <chrono>
#include <string>

namespace basalt::auth {

// [auth.sms.twilio]. `api_url` is Basalt's addition (BASALT_TWILIO_API_URL) so tests can point
// the sender at a local receiver; it defaults to Twilio's own API.
struct TwilioConfig {
  std::string account_sid;
  std::string message_service_sid;  // "MG...": a Messaging Service; else a sender number/id
  std::string auth_token;           // never logged, never in an error
  std::string api_url = "https://api.twilio.com";
  std::chrono::milliseconds timeout{10'000};  // GoTrue's default for provider calls
};

}  // namespace basalt::auth
