// Sending the Auth service's mails through the SMTP server of [auth.email.smtp]: the
// configuration, the RFC 5322 message (HTML body, quoted-printable) and a sender that talks
// SMTP with libcurl on a small worker pool, never on the I/O threads.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "config/config.hpp"

namespace basalt::auth {

struct SmtpConfig {
  std::string host;
  int port = 587;
  std::string user;  // empty: no authentication
  std::string pass;  // never logged, never in an error
  std::string admin_email;
  std::string sender_name;  // display name of From; empty: the bare address
  // EHLO name (Supabase Auth uses the host of its external URL); empty: this machine's name.
  std::string local_name;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{30'000};
};

// How the connection is secured. Port 465 is implicit TLS (smtps://). Other ports upgrade with
// STARTTLS when the server offers it; credentials for a host that is not the loopback are only
// sent over TLS (Supabase Auth's PLAIN authentication refuses unencrypted connections too).
enum class SmtpTls { implicit, starttls_required, starttls_if_offered };

// The [auth.email.smtp] section of Config::raw: nullopt when it is absent, empty or has
// enabled = false. Errors name the key ("auth.email.smtp.port: ...") and never show `pass`.
Result<std::optional<SmtpConfig>> smtp_config(const toml::table& raw);

SmtpTls smtp_tls(const SmtpConfig& config);
// "smtp://host:port/local_name" or "smtps://..." (IPv6 literals in brackets).
std::string smtp_url(const SmtpConfig& config);
// The From header's value: "Sender Name" <admin@example.com> (RFC 2047 when not ASCII).
std::string from_header(const SmtpConfig& config);

struct OutgoingMail {
  std::string to;
  std::string subject;
  std::string html_body;
};

// The whole message as sent after DATA: From, To, Subject (RFC 2047 encoded-words when not
// printable ASCII or too long), Date (from `now`, Unix seconds, UTC), Message-ID (angle
// brackets added when missing), MIME-Version, Content-Type text/html; charset=UTF-8 and a
// quoted-printable body, all lines ending in CRLF and at most 78 characters long. Header
// values with CR, LF or NUL, and addresses that are not one plain address, are an Error, so no
// header can be injected. Dot-stuffing is the transport's (libcurl's) job.
Result<std::string> build_mime_message(const SmtpConfig& config, const OutgoingMail& mail,
                                       std::string_view message_id, std::int64_t now);

// Sends mails with libcurl on its own thread pool. Thread-safe; one connection per mail.
class SmtpSender {
 public:
  explicit SmtpSender(SmtpConfig config, unsigned threads = 2);
  ~SmtpSender();
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  // Ok once the server accepted the message. On failure: Error 500 "unexpected_failure",
  // message "Error sending email" (callers put Supabase Auth's text for the mail kind), the
  // cause (curl's error and the last SMTP reply code) in `internal`.
  boost::asio::awaitable<Status> send(OutgoingMail mail);

  const SmtpConfig& config() const { return config_; }

 private:
  SmtpConfig config_;
  boost::asio::thread_pool pool_;
};

}  // namespace basalt::auth
