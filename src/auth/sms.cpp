#include "auth/sms.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <memory>
#include <mutex>
#include <optional>

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool go_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && go_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && go_space(s.front())) s.remove_prefix(1);
  return trim_right(s);
}

Error template_error(int line, std::string what) {
  return Error::make(500, "unexpected_failure",
                     fmt::format("template: sms:{}: {}", line, std::move(what)));
}

int lines_in(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

std::string form_value(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string without_trailing_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.size() < 4) return text;
  for (auto p = text.find(secret); p != std::string::npos; p = text.find(secret, p)) {
    text.replace(p, secret.size(), "[redacted]");
  }
  return text;
}

Error send_failed(std::string reason) {
  return Error::make(422, "sms_send_failed", std::move(reason));
}

std::string json_string(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->value().is_string()) return std::string(it->value().as_string());
  if (it->value().is_int64()) return std::to_string(it->value().as_int64());
  return {};
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  constexpr std::size_t kMax = 64 * 1024;  // Twilio's answers are small
  const std::size_t n = size * count;
  if (out->size() < kMax) out->append(data, std::min(n, kMax - out->size()));
  return n;
}

// What one provider needs from the generic sender: its request, the reading of its answer,
// and the credentials no error may show.
struct Call {
  SmsRequest request;
  Result<std::string> (*read)(long, std::string_view);
  std::vector<std::string> secrets;
  std::chrono::milliseconds timeout;
};

Call call_for(const SmsProviderConfig& config, const SmsMessage& message) {
  struct Visitor {
    const SmsMessage& m;
    Call operator()(const TwilioConfig& c) const {
      return {twilio_request(c, m), &twilio_result, {c.auth_token}, c.timeout};
    }
    Call operator()(const TwilioVerifyConfig& c) const {
      return {twilio_verify_request(c, m), &twilio_verify_result, {c.auth_token}, c.timeout};
    }
    Call operator()(const MessagebirdConfig& c) const {
      return {messagebird_request(c, m), &messagebird_result, {c.access_key}, c.timeout};
    }
    Call operator()(const TextlocalConfig& c) const {
      return {textlocal_request(c, m), &textlocal_result, {c.api_key}, c.timeout};
    }
    Call operator()(const VonageConfig& c) const {
      return {vonage_request(c, m), &vonage_result, {c.api_key, c.api_secret}, c.timeout};
    }
  };
  return std::visit(Visitor{message}, config);
}

std::string redact_all(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) text = redact(std::move(text), secret);
  return text;
}

// Makes one provider call (blocking, on a pool thread): what call.read makes of the answer, or
// why it failed.
Result<std::string> post_blocking(const Call& call) {
  const SmsRequest& request = call.request;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return send_failed("curl_easy_init failed");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      curl_slist_append(nullptr, "Content-Type: application/x-www-form-urlencoded"),
      curl_slist_free_all);
  if (!headers) return send_failed("out of memory");
  for (const auto& h : request.headers) {
    // Appending to a non-empty list keeps its head.
    if (curl_slist_append(headers.get(), h.c_str()) == nullptr) return send_failed("out of memory");
  }
  std::string answer;
  char errors[CURL_ERROR_SIZE] = {};
  CURL* h = curl.get();
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errors));
  set(curl_easy_setopt(h, CURLOPT_URL, request.url.c_str()));
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count())));
  if (!request.user.empty()) {
    set(curl_easy_setopt(h, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC)));
    set(curl_easy_setopt(h, CURLOPT_USERNAME, request.user.c_str()));
    set(curl_easy_setopt(h, CURLOPT_PASSWORD, request.password.c_str()));
  }
  set(curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()));
  set(curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.form.c_str()));
  set(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.form.size())));
  set(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect));
  set(curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer));
  if (rc != CURLE_OK) {
    return send_failed(fmt::format("curl setup failed: {}", curl_easy_strerror(rc)));
  }
  rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    // GoTrue shows Go's transport error here; ours names the URL (never the credentials).
    return send_failed(redact_all(fmt::format("Post \"{}\": {}", request.url,
                                              errors[0] != '\0' ? errors : curl_easy_strerror(rc)),
                                  call.secrets));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  auto id = call.read(status, answer);
  if (!id) {
    Error e = std::move(id).error();
    e.message = redact_all(std::move(e.message), call.secrets);
    return e;
  }
  return id;
}

// co_spawn needs a default-constructible result.
struct Outcome {
  bool ok = false;
  std::string sid;
  Error error;
};

asio::awaitable<Outcome> post_on_pool(Call call) {
  auto r = post_blocking(call);
  Outcome out;
  out.ok = r.ok();
  if (r) {
    out.sid = std::move(r).value();
  } else {
    out.error = std::move(r).error();
  }
  co_return out;
}

}  // namespace

Result<std::string> render_sms_template(std::string_view source, std::string_view code) {
  std::string out;
  std::size_t pos = 0;
  int line = 1;
  bool trim_next = false;  // the previous action ended with " -}}"
  while (pos <= source.size()) {
    const std::size_t open = source.find("{{", pos);
    std::string_view text =
        source.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
    line += lines_in(text);
    if (trim_next) {
      while (!text.empty() && go_space(text.front())) text.remove_prefix(1);
    }
    if (open == std::string_view::npos) {
      out += text;
      break;
    }
    // "{{- " trims the text before the action (the '-' must be followed by a space).
    std::size_t start = open + 2;
    if (start + 1 < source.size() && source[start] == '-' && go_space(source[start + 1])) {
      text = trim_right(text);
      start += 1;
    }
    out += text;
    // The action runs to "}}"; a comment to "*/" and then "}}".
    std::size_t body_from = start;
    while (body_from < source.size() && go_space(source[body_from])) ++body_from;
    std::size_t close;
    bool comment = false;
    if (source.substr(body_from, 2) == "/*") {
      const std::size_t end = source.find("*/", body_from + 2);
      if (end == std::string_view::npos) return template_error(line, "unclosed comment");
      close = source.find("}}", end + 2);
      comment = true;
      if (close != std::string_view::npos &&
          !trim(source.substr(end + 2, close - end - 2)).empty() &&
          trim(source.substr(end + 2, close - end - 2)) != "-") {
        return template_error(line, "comment ends before closing delimiter");
      }
    } else {
      close = source.find("}}", start);
    }
    if (close == std::string_view::npos) return template_error(line, "unclosed action");
    std::string_view action = source.substr(start, close - start);
    line += lines_in(action);
    // " -}}" trims the text after the action.
    trim_next = action.size() >= 2 && action.back() == '-' && go_space(action[action.size() - 2]);
    if (trim_next) action.remove_suffix(1);
    action = trim(action);
    if (!comment) {
      if (action == ".Code") {
        out += code;
      } else if (action.empty()) {
        return template_error(line, "missing value for command");
      } else if (action.size() > 1 && action.front() == '.' &&
                 std::all_of(action.begin() + 1, action.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                 })) {
        return template_error(line, fmt::format("can't evaluate field {}", action.substr(1)));
      } else {
        return template_error(line, fmt::format("unsupported action {{{{{}}}}}: an SMS template "
                                                "can only use {{{{ .Code }}}}",
                                                action));
      }
    }
    pos = close + 2;
  }
  return out;
}

SmsRequest twilio_request(const TwilioConfig& config, const SmsMessage& message) {
  const std::string base = without_trailing_slash(config.api_url);
  SmsRequest r;
  r.url =
      fmt::format("{}/2010-04-01/Accounts/{}/Messages.json", base, form_value(config.account_sid));
  r.user = config.account_sid;
  r.password = config.auth_token;
  const bool whatsapp = message.channel == "whatsapp";
  std::string to = "+" + message.phone;  // Twilio wants the '+'
  if (whatsapp) to = "whatsapp:" + to;
  r.form = "To=" + form_value(to);
  const std::string& sender = config.message_service_sid;
  if (sender.starts_with("MG")) {
    r.form += "&MessagingServiceSid=" + form_value(sender);
  } else {
    // A sender number (or alphanumeric id); WhatsApp wants the channel prefix on numbers.
    std::string from = sender;
    const std::string digits = from.starts_with("+") ? from.substr(1) : from;
    const bool number =
        !digits.empty() && digits.front() != '0' && digits.size() <= 15 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (whatsapp && number) from = "whatsapp:+" + digits;
    r.form += "&From=" + form_value(from);
  }
  r.form += "&Body=" + form_value(message.body);
  return r;
}

namespace {

// A Twilio answer's JSON object (null when it is not one) and, for a status other than 200/201,
// Twilio's error as GoTrue words it.
std::optional<Error> twilio_refusal(long http_status, const json::object* o) {
  if (http_status == 200 || http_status == 201) return std::nullopt;
  if (o == nullptr) {
    return send_failed(fmt::format("unexpected answer from Twilio (HTTP {})", http_status));
  }
  return send_failed(fmt::format("{} More information: {}", json_string(*o, "message"),
                                 json_string(*o, "more_info")));
}

const json::object* object_of(const json::value& v, boost::system::error_code ec) {
  return !ec && v.is_object() ? &v.as_object() : nullptr;
}

}  // namespace

Result<std::string> twilio_result(long http_status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = object_of(v, ec);
  if (auto refused = twilio_refusal(http_status, o)) return std::move(*refused);
  if (o == nullptr) return send_failed("Twilio's answer is not JSON");
  const std::string sid = json_string(*o, "sid");
  const std::string status = json_string(*o, "status");
  if (status == "failed" || status == "undelivered") {
    return send_failed(fmt::format("twilio error: {} {} for message {}",
                                   json_string(*o, "error_message"), json_string(*o, "error_code"),
                                   sid));
  }
  return sid;
}

namespace {

// A POST to one of the Verify Service's resources, with the account's Basic credentials.
SmsRequest verify_service_request(const TwilioVerifyConfig& config, std::string_view resource) {
  SmsRequest r;
  r.url = fmt::format("{}/v2/Services/{}/{}", without_trailing_slash(config.api_url),
                      form_value(config.service_sid), resource);
  r.user = config.account_sid;
  r.password = config.auth_token;
  return r;
}

}  // namespace

SmsRequest twilio_verify_request(const TwilioVerifyConfig& config, const SmsMessage& message) {
  SmsRequest r = verify_service_request(config, "Verifications");
  // Verify takes the channel as a field, not as a prefix of the number.
  r.form = "To=" + form_value("+" + message.phone) + "&Channel=" + form_value(message.channel);
  return r;
}

Result<std::string> twilio_verify_result(long http_status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = object_of(v, ec);
  if (auto refused = twilio_refusal(http_status, o)) return std::move(*refused);
  if (o == nullptr) return send_failed("Twilio's answer is not JSON");
  return json_string(*o, "sid");
}

SmsRequest twilio_verify_check_request(const TwilioVerifyConfig& config, std::string_view phone,
                                       std::string_view code) {
  SmsRequest r = verify_service_request(config, "VerificationCheck");
  r.form = "To=" + form_value("+" + std::string(phone)) + "&Code=" + form_value(code);
  return r;
}

Result<std::string> twilio_verify_check_result(long http_status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = object_of(v, ec);
  if (auto refused = twilio_refusal(http_status, o)) return std::move(*refused);
  if (o == nullptr) return send_failed("Twilio's answer is not JSON");
  const std::string status = json_string(*o, "status");
  const json::value* valid = o->if_contains("valid");
  if (status != "approved" || valid == nullptr || !valid->is_bool() || !valid->as_bool()) {
    return send_failed(
        fmt::format("twilio verification error: {} {}", json_string(*o, "error_message"), status));
  }
  return status;
}

SmsRequest messagebird_request(const MessagebirdConfig& config, const SmsMessage& message) {
  SmsRequest r;
  r.url = without_trailing_slash(config.api_url) + "/messages";
  r.headers = {"Authorization: AccessKey " + config.access_key};
  r.form = "originator=" + form_value(config.originator) + "&body=" + form_value(message.body) +
           "&recipients=" + form_value(message.phone) + "&type=sms&datacoding=unicode";
  return r;
}

Result<std::string> messagebird_result(long http_status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  const json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  if (http_status == 400 || http_status == 401 || http_status == 403 || http_status == 422) {
    const json::value* errors = o != nullptr ? o->if_contains("errors") : nullptr;
    if (errors != nullptr && errors->is_array() && !errors->as_array().empty() &&
        errors->as_array().front().is_object()) {
      return send_failed(json_string(errors->as_array().front().as_object(), "description"));
    }
    return send_failed(fmt::format("unexpected answer from MessageBird (HTTP {})", http_status));
  }
  if (http_status < 200 || http_status >= 300 || o == nullptr) {
    return send_failed(fmt::format("unexpected answer from MessageBird (HTTP {})", http_status));
  }
  const json::value* recipients = o->if_contains("recipients");
  const json::value* sent = recipients != nullptr && recipients->is_object()
                                ? recipients->as_object().if_contains("totalSentCount")
                                : nullptr;
  if (sent == nullptr || !sent->is_number() || sent->to_number<double>() <= 0) {
    return send_failed("messagebird error: total sent count is 0");
  }
  return json_string(*o, "id");
}

SmsRequest textlocal_request(const TextlocalConfig& config, const SmsMessage& message) {
  SmsRequest r;
  r.url = without_trailing_slash(config.api_url) + "/send";
  r.form = "sender=" + form_value(config.sender) + "&apikey=" + form_value(config.api_key) +
           "&message=" + form_value(message.body) + "&numbers=" + form_value(message.phone);
  return r;
}

Result<std::string> textlocal_result(long http_status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return send_failed(fmt::format("unexpected answer from Textlocal (HTTP {})", http_status));
  }
  const json::object& o = v.as_object();
  std::string id;
  if (const auto* m = o.if_contains("messages"); m != nullptr && m->is_array() &&
                                                 !m->as_array().empty() &&
                                                 m->as_array().front().is_object()) {
    id = json_string(m->as_array().front().as_object(), "id");
  }
  if (json_string(o, "status") == "success") return id;
  std::string reason;
  std::string code;
  if (const auto* e = o.if_contains("errors"); e != nullptr && e->is_array() &&
                                               !e->as_array().empty() &&
                                               e->as_array().front().is_object()) {
    reason = json_string(e->as_array().front().as_object(), "message");
    code = json_string(e->as_array().front().as_object(), "code");
  }
  return send_failed(fmt::format("textlocal error: {} (code: {}) message {}", reason, code, id));
}

SmsRequest vonage_request(const VonageConfig& config, const SmsMessage& message) {
  SmsRequest r;
  r.url = without_trailing_slash(config.api_url) + "/sms/json";
  r.form = "from=" + form_value(config.from) + "&to=" + form_value(message.phone) +
           "&text=" + form_value(message.body) + "&api_key=" + form_value(config.api_key) +
           "&api_secret=" + form_value(config.api_secret);
  const bool ascii = std::all_of(message.body.begin(), message.body.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (!ascii) r.form += "&type=unicode";
  return r;
}

Result<std::string> vonage_result(long http_status, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return send_failed(fmt::format("unexpected answer from Vonage (HTTP {})", http_status));
  }
  const auto* m = v.as_object().if_contains("messages");
  if (m == nullptr || !m->is_array() || m->as_array().empty() ||
      !m->as_array().front().is_object()) {
    return send_failed("vonage error: Internal Error");
  }
  const json::object& first = m->as_array().front().as_object();
  const std::string id = json_string(first, "message-id");
  const std::string status = json_string(first, "status");
  if (status != "0") {
    return send_failed(fmt::format("vonage error: {} (status: {}) for message {}",
                                   json_string(first, "error-text"), status, id));
  }
  return id;
}

HttpSmsSender::HttpSmsSender(SmsProviderConfig config, unsigned threads)
    : config_(std::move(config)), pool_(threads == 0 ? 1 : threads) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpSmsSender::~HttpSmsSender() {
  pool_.stop();
  pool_.join();
}

asio::awaitable<Result<std::string>> HttpSmsSender::send(SmsMessage message) {
  Outcome out = co_await asio::co_spawn(
      pool_.get_executor(), post_on_pool(call_for(config_, message)), asio::use_awaitable);
  if (!out.ok) co_return std::move(out.error);
  co_return std::move(out.sid);
}

asio::awaitable<Status> SmsSender::check(std::string /*phone*/, std::string /*code*/) {
  co_return Error::make(500, "unexpected_failure",
                        "this SMS provider does not check codes (only Twilio Verify does)");
}

asio::awaitable<Status> HttpSmsSender::check(std::string phone, std::string code) {
  const auto* verify = std::get_if<TwilioVerifyConfig>(&config_);
  if (verify == nullptr) co_return co_await SmsSender::check(std::move(phone), std::move(code));
  Call call{twilio_verify_check_request(*verify, phone, code),
            &twilio_verify_check_result,
            {verify->auth_token, code},
            verify->timeout};
  Outcome out = co_await asio::co_spawn(pool_.get_executor(), post_on_pool(std::move(call)),
                                        asio::use_awaitable);
  if (!out.ok) co_return std::move(out.error);
  co_return Status{};
}

}  // namespace basalt::auth
