#include "auth/smtp.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <vector>

#include "common/random.hpp"

namespace basalt::auth {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kKey = "auth.email.smtp.";
// Bytes of text per RFC 2047 encoded-word: base64 of 39 bytes is 52 characters, so
// "Subject: =?UTF-8?B?...?=" stays within 76 characters.
constexpr std::size_t kEncodedWordBytes = 39;
constexpr std::size_t kHeaderLine = 78;

Error config_error(std::string_view key, std::string problem) {
  return Error::make(500, "config", fmt::format("{}{}: {}", kKey, key, problem));
}

bool has_line_break_or_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool host_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '.' || c == '-' || c == '_'; });
}

bool ipv6_literal(std::string_view s) {
  if (s.size() < 2 || s.find(':') == std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
  });
}

// The host without brackets, or empty when it is neither a host name nor an IP address.
std::string bare_host(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    return ipv6_literal(host) ? std::string(host) : std::string();
  }
  if (ipv6_literal(host) || host_name(host)) return std::string(host);
  return {};
}

// One plain address (local@domain): no display name, comments, quoting, whitespace or
// control characters, so it is safe in a header and in MAIL FROM / RCPT TO.
bool plain_address(std::string_view s) {
  if (s.size() < 3 || s.size() > 254) return false;
  const auto at = s.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == s.size()) return false;
  if (s.find('@', at + 1) != std::string_view::npos) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
    if (std::string_view("<>,;:\"()[]\\").find(c) != std::string_view::npos) return false;
  }
  return true;
}

bool loopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// RFC 2047 "B" encoded-words, split at UTF-8 character boundaries and folded onto
// continuation lines.
std::string encoded_words(std::string_view text) {
  std::string out;
  if (text.empty()) return out;
  while (!text.empty()) {
    std::size_t cut = std::min(text.size(), kEncodedWordBytes);
    if (cut < text.size()) {
      std::size_t c = cut;
      while (c > 0 && (static_cast<unsigned char>(text[c]) & 0xc0) == 0x80) --c;
      if (c > 0) cut = c;  // not UTF-8 at all: cut anywhere
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(0, cut)) + "?=";
    text.remove_prefix(cut);
  }
  return out;
}

// An unstructured header value (Subject): as it is when it is short printable ASCII that
// cannot be mistaken for an encoded-word, else encoded-words.
std::string unstructured(std::string_view name, std::string_view value) {
  if (printable_ascii(value) && name.size() + 2 + value.size() <= kHeaderLine &&
      value.find("=?") == std::string_view::npos) {
    return std::string(value);
  }
  return encoded_words(value);
}

std::string display_name(std::string_view name) {
  if (printable_ascii(name) && name.size() <= 60 && name.find("=?") == std::string_view::npos) {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  return encoded_words(name);
}

std::string rfc5322_date(std::int64_t now) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// Quoted-printable (RFC 2045 6.7): line breaks (LF or CRLF) become CRLF, lines stay within 76
// characters with soft breaks, '=', controls, 8-bit bytes and whitespace before a line end are
// encoded.
std::string quoted_printable(std::string_view body) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(body.size() + body.size() / 8 + 8);
  std::size_t line = 0;
  auto line_end_at = [&](std::size_t i) {
    return i == body.size() || body[i] == '\n' ||
           (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n');
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\n' || (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n')) {
      if (c == '\r') ++i;
      out += "\r\n";
      line = 0;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    char token[3] = {c, 0, 0};
    std::size_t len = 1;
    const bool blank = c == ' ' || c == '\t';
    if ((blank && line_end_at(i + 1)) || (!blank && (u < 33 || u > 126 || c == '='))) {
      token[0] = '=';
      token[1] = kHex[u >> 4];
      token[2] = kHex[u & 15];
      len = 3;
    }
    if (line + len > 75) {
      out += "=\r\n";
      line = 0;
    }
    out.append(token, len);
    line += len;
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

std::string message_id_for(const SmtpConfig& config) {
  const auto at = config.admin_email.rfind('@');
  const std::string domain =
      at == std::string::npos ? std::string("localhost") : config.admin_email.substr(at + 1);
  return random_hex(16) + "@" + domain;
}

struct Upload {
  std::string_view data;
  std::size_t pos = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->pos);
  std::memcpy(buffer, upload->data.data() + upload->pos, n);
  upload->pos += n;
  return n;
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.size() < 4) return text;  // curl never shows it; a short one would garble text
  for (auto p = text.find(secret); p != std::string::npos; p = text.find(secret, p)) {
    text.replace(p, secret.size(), "[redacted]");
  }
  return text;
}

// Sends one mail (blocking, on a pool thread). Empty on success, else why it failed.
std::string send_blocking(const SmtpConfig& config, const OutgoingMail& mail) {
  auto message = build_mime_message(config, mail, message_id_for(config),
                                    static_cast<std::int64_t>(std::time(nullptr)));
  if (!message) return "smtp: " + message.error().message;

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return "smtp: curl_easy_init failed";
  const std::string rcpt_text = "<" + mail.to + ">";
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
      curl_slist_append(nullptr, rcpt_text.c_str()), curl_slist_free_all);
  if (!rcpt) return "smtp: out of memory";

  const std::string url = smtp_url(config);
  const std::string from = "<" + config.admin_email + ">";
  Upload upload{*message};
  char errors[CURL_ERROR_SIZE] = {};
  long use_ssl = CURLUSESSL_TRY;
  if (smtp_tls(config) == SmtpTls::starttls_required) use_ssl = CURLUSESSL_ALL;

  CURL* h = curl.get();
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLcode r) {
    if (rc == CURLE_OK) rc = r;
  };
  set(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errors));
  set(curl_easy_setopt(h, CURLOPT_URL, url.c_str()));
  set(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
  set(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(config.connect_timeout.count())));
  set(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(config.total_timeout.count())));
  set(curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl));
  if (!config.user.empty()) {
    set(curl_easy_setopt(h, CURLOPT_USERNAME, config.user.c_str()));
    set(curl_easy_setopt(h, CURLOPT_PASSWORD, config.pass.c_str()));
  }
  set(curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str()));
  set(curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get()));
  set(curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload));
  set(curl_easy_setopt(h, CURLOPT_READDATA, &upload));
  set(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L));
  set(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message->size())));
  if (rc != CURLE_OK) return fmt::format("smtp: curl setup failed: {}", curl_easy_strerror(rc));

  rc = curl_easy_perform(h);
  if (rc == CURLE_OK) return {};
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  std::string text = fmt::format("smtp {}:{}: {} (curl error {}: {}; last reply {})", config.host,
                                 config.port, errors[0] != '\0' ? errors : curl_easy_strerror(rc),
                                 static_cast<int>(rc), curl_easy_strerror(rc), reply);
  return redact(std::move(text), config.pass);
}

asio::awaitable<std::string> send_on_pool(SmtpConfig config, OutgoingMail mail) {
  co_return send_blocking(config, mail);
}

}  // namespace

Result<std::optional<SmtpConfig>> smtp_config(const toml::table& raw) {
  const toml::node* node = raw.at_path("auth.email.smtp").node();
  const toml::table* smtp = node != nullptr ? node->as_table() : nullptr;
  if (smtp == nullptr || smtp->empty()) return std::optional<SmtpConfig>{};
  if (const toml::node* enabled = smtp->get("enabled")) {
    if (!enabled->is_boolean()) return config_error("enabled", "must be true or false");
    if (!enabled->as_boolean()->get()) return std::optional<SmtpConfig>{};
  }

  SmtpConfig c;
  // Reads a string key; absent is empty.
  auto text = [&](std::string_view key, std::string& out) -> Status {
    const toml::node* n = smtp->get(key);
    if (n == nullptr) return {};
    if (!n->is_string()) return config_error(key, "must be a string");
    out = n->as_string()->get();
    return {};
  };
  for (auto [key, out] : {std::pair<std::string_view, std::string*>{"host", &c.host},
                          {"user", &c.user},
                          {"pass", &c.pass},
                          {"admin_email", &c.admin_email},
                          {"sender_name", &c.sender_name}}) {
    if (Status s = text(key, *out); !s) return std::move(s).error();
  }

  if (c.host.empty()) return config_error("host", "required when [auth.email.smtp] is enabled");
  if (bare_host(c.host).empty()) {
    return config_error("host", fmt::format("\"{}\" is not a host name or IP address",
                                            printable_ascii(c.host) ? c.host : "(invalid)"));
  }

  const toml::node* port = smtp->get("port");
  if (port == nullptr) return config_error("port", "required when [auth.email.smtp] is enabled");
  if (!port->is_integer()) return config_error("port", "must be an integer");
  const std::int64_t p = port->as_integer()->get();
  if (p < 1 || p > 65535) return config_error("port", "must be between 1 and 65535");
  c.port = static_cast<int>(p);

  if (c.admin_email.empty()) {
    return config_error("admin_email", "required when [auth.email.smtp] is enabled");
  }
  if (!plain_address(c.admin_email)) {
    return config_error("admin_email",
                        fmt::format("\"{}\" is not an email address",
                                    printable_ascii(c.admin_email) ? c.admin_email : "(invalid)"));
  }
  if (has_line_break_or_nul(c.sender_name)) {
    return config_error("sender_name", "must not contain line breaks");
  }
  if (std::any_of(c.user.begin(), c.user.end(),
                  [](char ch) { return (ch >= 0 && ch < 0x20) || ch == 0x7f; })) {
    return config_error("user", "must not contain control characters");
  }
  if (c.pass.find('\0') != std::string::npos) {
    return config_error("pass", "must not contain a NUL character");
  }
  if (!c.pass.empty() && c.user.empty()) return config_error("user", "required when pass is set");
  return std::optional<SmtpConfig>(std::move(c));
}

SmtpTls smtp_tls(const SmtpConfig& config) {
  if (config.port == 465) return SmtpTls::implicit;
  if (!config.user.empty() && !loopback(bare_host(config.host))) {
    return SmtpTls::starttls_required;
  }
  return SmtpTls::starttls_if_offered;
}

std::string smtp_url(const SmtpConfig& config) {
  std::string host = bare_host(config.host);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string url = fmt::format(
      "{}://{}:{}", smtp_tls(config) == SmtpTls::implicit ? "smtps" : "smtp", host, config.port);
  // curl sends the URL's path as the EHLO name.
  if (host_name(config.local_name)) url += "/" + config.local_name;
  return url;
}

std::string from_header(const SmtpConfig& config) {
  if (config.sender_name.empty()) return config.admin_email;
  return display_name(config.sender_name) + " <" + config.admin_email + ">";
}

Result<std::string> build_mime_message(const SmtpConfig& config, const OutgoingMail& mail,
                                       std::string_view message_id, std::int64_t now) {
  auto invalid = [](std::string message) {
    return Error::make(400, "validation_failed", std::move(message));
  };
  if (!plain_address(mail.to)) return invalid("the recipient is not a plain email address");
  if (!plain_address(config.admin_email)) return invalid("the sender is not a plain email address");
  if (has_line_break_or_nul(config.sender_name)) {
    return invalid("the sender name contains a line break");
  }
  if (has_line_break_or_nul(mail.subject)) return invalid("the subject contains a line break");
  if (message_id.size() > 2 && message_id.front() == '<' && message_id.back() == '>') {
    message_id = message_id.substr(1, message_id.size() - 2);
  }
  const bool id_ok = message_id.find('@') != std::string_view::npos && message_id.size() <= 200 &&
                     std::all_of(message_id.begin(), message_id.end(), [](char c) {
                       return c > 0x20 && c < 0x7f && c != '<' && c != '>';
                     });
  if (!id_ok) return invalid("the Message-ID is not id-left@id-right");

  std::string out;
  out.reserve(mail.html_body.size() * 11 / 10 + 512);
  out += "From: " + from_header(config) + "\r\n";
  out += "To: " + mail.to + "\r\n";
  out += "Subject: " + unstructured("Subject", mail.subject) + "\r\n";
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += "Message-ID: <" + std::string(message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/html; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: quoted-printable\r\n";
  out += "\r\n";
  out += quoted_printable(mail.html_body);
  return out;
}

SmtpSender::SmtpSender(SmtpConfig config, unsigned threads)
    : config_(std::move(config)), pool_(threads == 0 ? 1 : threads) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

SmtpSender::~SmtpSender() {
  pool_.stop();
  pool_.join();
}

asio::awaitable<Status> SmtpSender::send(OutgoingMail mail) {
  std::string failure = co_await asio::co_spawn(
      pool_.get_executor(), send_on_pool(config_, std::move(mail)), asio::use_awaitable);
  if (failure.empty()) co_return Status{};
  Error e = Error::make(500, "unexpected_failure", "Error sending email");
  e.internal = std::move(failure);
  co_return e;
}

}  // namespace basalt::auth
