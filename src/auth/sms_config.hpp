// The settings of the SMS senders ([auth.sms.twilio], [auth.sms.twilio_verify],
// [auth.sms.messagebird], [auth.sms.textlocal], [auth.sms.vonage]), apart from the senders
// themselves (sms.hpp) so that AuthOptions can hold them without pulling in Asio. Each `api_url`
// is Basalt's addition (BASALT_<PROVIDER>_API_URL) so tests can point the sender at a local
// receiver; it defaults to the provider's own API, as Supabase Auth uses it.
#pragma once
#include <chrono>
#include <string>
#include <variant>

namespace basalt::auth {

// GoTrue's timeout for provider calls.
inline constexpr std::chrono::milliseconds kSmsTimeout{10'000};

struct TwilioConfig {
  std::string account_sid;
  std::string message_service_sid;  // "MG...": a Messaging Service; else a sender number/id
  std::string auth_token;           // never logged, never in an error
  std::string api_url = "https://api.twilio.com";
  std::chrono::milliseconds timeout = kSmsTimeout;
};

// Twilio Verify: Twilio makes, sends and checks the code itself. `service_sid` is the Verify
// Service ("VA..."), which the CLI's config calls message_service_sid.
struct TwilioVerifyConfig {
  std::string account_sid;
  std::string service_sid;
  std::string auth_token;  // never logged, never in an error
  std::string api_url = "https://verify.twilio.com";
  std::chrono::milliseconds timeout = kSmsTimeout;
};

struct MessagebirdConfig {
  std::string originator;
  std::string access_key;  // never logged, never in an error
  std::string api_url = "https://rest.messagebird.com";
  std::chrono::milliseconds timeout = kSmsTimeout;
};

struct TextlocalConfig {
  std::string sender;
  std::string api_key;  // never logged, never in an error
  std::string api_url = "https://api.textlocal.in";
  std::chrono::milliseconds timeout = kSmsTimeout;
};

struct VonageConfig {
  std::string from;
  std::string api_key;     // never logged, never in an error
  std::string api_secret;  // never logged, never in an error
  std::string api_url = "https://rest.nexmo.com";
  std::chrono::milliseconds timeout = kSmsTimeout;
};

// The enabled provider's settings.
using SmsProviderConfig = std::variant<TwilioConfig, TwilioVerifyConfig, MessagebirdConfig,
                                       TextlocalConfig, VonageConfig>;

}  // namespace basalt::auth
