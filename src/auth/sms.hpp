// Sending the Auth service's one-time codes by SMS: the message template ([auth.sms] template,
// [auth.mfa.phone] template), the Twilio Messages API request and the reading of its answer
// (pure functions, unit-tested), and a sender interface with a Twilio implementation that
// talks HTTPS with libcurl on a small worker pool, never on the I/O threads.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

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

// What the sender POSTs: URL, form body (application/x-www-form-urlencoded) and Basic-auth
// credentials. Form fields: To (+number, or whatsapp:+number), MessagingServiceSid (when the
// configured sid is a Messaging Service) or From, and Body.
struct TwilioRequest {
  std::string url;
  std::string form;
  std::string user;
  std::string password;
};
TwilioRequest twilio_request(const TwilioConfig& config, const SmsMessage& message);

// Reads Twilio's answer to the request: the message SID when it was accepted (HTTP 200/201
// and a status other than failed/undelivered), else an Error 422 `sms_send_failed` whose
// message is the provider's reason as GoTrue words it ("<message> More information:
// <more_info>", or "twilio error: ..."); callers put it behind their own prefix.
Result<std::string> twilio_result(long http_status, std::string_view body);

// Where one-time codes go. send() yields the provider's message id.
class SmsSender {
 public:
  virtual ~SmsSender() = default;
  virtual boost::asio::awaitable<Result<std::string>> send(SmsMessage message) = 0;
  // Whether channel "whatsapp" is allowed (GoTrue: Twilio and Twilio Verify only).
  virtual bool whatsapp() const = 0;
};

// Twilio's Programmable Messaging API over libcurl. Thread-safe; one connection per message.
class TwilioSender final : public SmsSender {
 public:
  explicit TwilioSender(TwilioConfig config, unsigned threads = 2);
  ~TwilioSender() override;
  TwilioSender(const TwilioSender&) = delete;
  TwilioSender& operator=(const TwilioSender&) = delete;

  // Failure: the Error of twilio_result(), or 422 sms_send_failed for a transport error (the
  // message says what failed, without the token).
  boost::asio::awaitable<Result<std::string>> send(SmsMessage message) override;
  bool whatsapp() const override { return true; }

 private:
  TwilioConfig config_;
  boost::asio::thread_pool pool_;
};

}  // namespace basalt::auth
