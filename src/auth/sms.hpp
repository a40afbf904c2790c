// Sending the Auth service's one-time codes by SMS: the message template ([auth.sms] template,
// [auth.mfa.phone] template), each provider's API request and the reading of its answer (pure
// functions, unit-tested: Twilio, Twilio Verify, MessageBird, Textlocal, Vonage, as Supabase Auth
// calls them),
// and a sender that talks HTTPS with libcurl on a small worker pool, never on the I/O threads.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sms_config.hpp"
#include "common/error.hpp"

namespace basalt::auth {

// Renders an SMS template as Go's text/template does for GoTrue: text and `{{ .Code }}`
// actions (Go's whitespace rules, `{{-` / `-}}` trim markers, `{{/* comments */}}`). Any other
// action is an Error (500 unexpected_failure) naming it, so a bad template is caught at start.
Result<std::string> render_sms_template(std::string_view source, std::string_view code);

// One message: `phone` is the E.164 number without '+' (as GoTrue stores phones), `channel`
// "sms" or "whatsapp".
struct SmsMessage {
  std::string phone;
  std::string body;
  std::string channel = "sms";
};

// What a sender POSTs: URL, form body (application/x-www-form-urlencoded), extra headers and
// Basic-auth credentials (when `user` is set).
struct SmsRequest {
  std::string url;
  std::string form;
  std::vector<std::string> headers;  // "Name: value"
  std::string user;
  std::string password;
};

// Twilio's Messages API. Form fields: To (+number, or whatsapp:+number), MessagingServiceSid
// (when the configured sid is a Messaging Service) or From, and Body.
SmsRequest twilio_request(const TwilioConfig& config, const SmsMessage& message);

// Reads Twilio's answer to the request: the message SID when it was accepted (HTTP 200/201
// and a status other than failed/undelivered), else an Error 422 `sms_send_failed` whose
// message is the provider's reason as GoTrue words it ("<message> More information:
// <more_info>", or "twilio error: ..."); callers put it behind their own prefix.
Result<std::string> twilio_result(long http_status, std::string_view body);

// Twilio Verify's POST /v2/Services/{sid}/Verifications: To (+number) and Channel (sms or
// whatsapp); Twilio makes the code, so the message body is not sent. Its answer: the
// verification SID on HTTP 200/201, else Twilio's error as twilio_result() reads it.
SmsRequest twilio_verify_request(const TwilioVerifyConfig& config, const SmsMessage& message);
Result<std::string> twilio_verify_result(long http_status, std::string_view body);

// Twilio Verify's POST /v2/Services/{sid}/VerificationCheck: To (+number) and Code. Its
// answer: the status when the check is "approved" and valid; otherwise an Error whose message
// says why ("twilio verification error: <error_message> <status>", or Twilio's error for a
// refused request, such as 404 when no verification is pending for the number).
SmsRequest twilio_verify_check_request(const TwilioVerifyConfig& config, std::string_view phone,
                                       std::string_view code);
Result<std::string> twilio_verify_check_result(long http_status, std::string_view body);

// MessageBird's POST /messages (AccessKey authorisation): originator, body, recipients, type
// sms, datacoding unicode. Its answer: the message id when totalSentCount > 0; the first error's
// description for 400/401/403/422.
SmsRequest messagebird_request(const MessagebirdConfig& config, const SmsMessage& message);
Result<std::string> messagebird_result(long http_status, std::string_view body);

// Textlocal's POST /send: sender, apikey, message, numbers. Its answer: status "success" and
// the first message id, else "textlocal error: <message> (code: <code>) ...".
SmsRequest textlocal_request(const TextlocalConfig& config, const SmsMessage& message);
Result<std::string> textlocal_result(long http_status, std::string_view body);

// Vonage's POST /sms/json: from, to, text, api_key, api_secret, and type unicode for non-ASCII
// text. Its answer: the first message's id when its status is "0", else "vonage error: ...".
SmsRequest vonage_request(const VonageConfig& config, const SmsMessage& message);
Result<std::string> vonage_result(long http_status, std::string_view body);

// Where one-time codes go. send() yields the provider's message id.
class SmsSender {
 public:
  virtual ~SmsSender() = default;
  virtual boost::asio::awaitable<Result<std::string>> send(SmsMessage message) = 0;
  // Whether channel "whatsapp" is allowed (GoTrue: Twilio and Twilio Verify only).
  virtual bool whatsapp() const = 0;
  // Whether the provider checks the codes itself (Twilio Verify): then a code is right when
  // check() says so, and the code Basalt made and hashed is never sent.
  virtual bool checks_codes() const { return false; }
  // Asks the provider whether `code` is the one it sent to `phone` (E.164 without '+').
  virtual boost::asio::awaitable<Status> check(std::string phone, std::string code);
};

// The configured provider's HTTP API over libcurl. Thread-safe; one connection per message.
class HttpSmsSender final : public SmsSender {
 public:
  explicit HttpSmsSender(SmsProviderConfig config, unsigned threads = 2);
  ~HttpSmsSender() override;
  HttpSmsSender(const HttpSmsSender&) = delete;
  HttpSmsSender& operator=(const HttpSmsSender&) = delete;

  // Failure: the Error of the provider's *_result(), or 422 sms_send_failed for a transport
  // error (the message says what failed, without the credentials).
  boost::asio::awaitable<Result<std::string>> send(SmsMessage message) override;
  bool whatsapp() const override {
    return std::holds_alternative<TwilioConfig>(config_) ||
           std::holds_alternative<TwilioVerifyConfig>(config_);
  }
  bool checks_codes() const override { return std::holds_alternative<TwilioVerifyConfig>(config_); }
  // Failure: the Error of twilio_verify_check_result() or of the transport; never the code.
  boost::asio::awaitable<Status> check(std::string phone, std::string code) override;

 private:
  SmsProviderConfig config_;
  boost::asio::thread_pool pool_;
};

}  // namespace basalt::auth
