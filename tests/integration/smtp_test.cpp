// SmtpSender against a real SMTP conversation: a minimal receiver written here with
// Boost.Asio (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT; one connection) listens on the
// loopback, libcurl delivers to it, and the tests check what arrived on the wire.
#include "auth/smtp.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace basalt::auth {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kCrlf = "\r\n";
const std::string kPassword = "pa55-w0rd-never-shown";

// What the receiver saw in one session.
struct Session {
  std::string ehlo;
  std::string auth;  // the AUTH PLAIN response, base64-decoded
  std::string mail_from;
  std::vector<std::string> rcpt;
  std::string data;  // the message, dot-stuffing undone, lines ending in CRLF
  bool quit = false;
};

struct Behaviour {
  bool offer_auth = false;
  std::string auth_reply = "235 2.7.0 Authentication successful";
  std::string rcpt_reply = "250 2.1.5 Ok";
  bool silent = false;  // accept, then never answer
};

std::string base64_decode(const std::string& text) {
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return "<bad base64>";
  std::size_t len = static_cast<std::size_t>(n);
  if (text.ends_with("==")) {
    len -= 2;
  } else if (text.ends_with("=")) {
    len -= 1;
  }
  out.resize(len);
  return out;
}

asio::awaitable<std::optional<std::string>> read_line(tcp::socket& socket, std::string& buffer) {
  auto [ec, n] =
      co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), kCrlf, kTuple);
  if (ec) co_return std::nullopt;
  std::string line = buffer.substr(0, n - 2);
  buffer.erase(0, n);
  co_return line;
}

asio::awaitable<bool> write_text(tcp::socket& socket, std::string text) {
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(text), kTuple);
  co_return !ec;
}

std::string upper_word(const std::string& line) {
  std::string word = line.substr(0, line.find(' '));
  for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

std::string after(const std::string& line, std::size_t prefix) {
  return prefix < line.size() ? line.substr(prefix) : std::string();
}

asio::awaitable<void> converse(tcp::socket& socket, Behaviour b, Session& session) {
  std::string buffer;
  if (b.silent) {
    for (;;) {
      auto line = co_await read_line(socket, buffer);
      if (!line) co_return;
    }
  }
  std::string greeting = "220 receiver.test ESMTP ready\r\n";
  bool ok = co_await write_text(socket, greeting);
  bool in_data = false;
  while (ok) {
    auto line = co_await read_line(socket, buffer);
    if (!line) co_return;
    std::string reply;
    if (in_data) {
      if (*line != ".") {
        session.data += (line->starts_with(".") ? line->substr(1) : *line) + "\r\n";
        continue;
      }
      in_data = false;
      reply = "250 2.0.0 Ok: queued";
    } else {
      const std::string verb = upper_word(*line);
      if (verb == "EHLO" || verb == "HELO") {
        session.ehlo = after(*line, 5);
        reply = b.offer_auth ? "250-receiver.test\r\n250-AUTH PLAIN\r\n250 8BITMIME"
                             : "250-receiver.test\r\n250 8BITMIME";
      } else if (verb == "AUTH") {
        std::string response = after(*line, 11);  // "AUTH PLAIN <initial response>"
        if (response.empty()) {
          std::string go_ahead = "334 \r\n";
          ok = co_await write_text(socket, go_ahead);
          auto next = co_await read_line(socket, buffer);
          if (!next) co_return;
          response = *next;
        }
        session.auth = base64_decode(response);
        reply = b.auth_reply;
      } else if (verb == "MAIL") {
        session.mail_from = after(*line, 10);  // "MAIL FROM:"
        reply = "250 2.1.0 Ok";
      } else if (verb == "RCPT") {
        session.rcpt.push_back(after(*line, 8));  // "RCPT TO:"
        reply = b.rcpt_reply;
      } else if (verb == "DATA") {
        in_data = true;
        reply = "354 End data with <CR><LF>.<CR><LF>";
      } else if (verb == "QUIT") {
        session.quit = true;
        reply = "221 2.0.0 Bye";
      } else if (verb == "RSET" || verb == "NOOP") {
        reply = "250 2.0.0 Ok";
      } else {
        reply = "502 5.5.2 Command not recognized";
      }
    }
    ok = co_await write_text(socket, reply + "\r\n");
    if (session.quit) co_return;
  }
}

asio::awaitable<void> serve(tcp::acceptor& acceptor, Behaviour b, std::promise<Session>* done) {
  Session session;
  auto [ec, socket] = co_await acceptor.async_accept(kTuple);
  if (!ec) co_await converse(socket, std::move(b), session);
  done->set_value(std::move(session));
}

// One SMTP session on 127.0.0.1:<port()>, served on its own thread.
class Receiver {
 public:
  explicit Receiver(Behaviour b = {})
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        port_(acceptor_.local_endpoint().port()),
        result_(done_.get_future()) {
    asio::co_spawn(ioc_, serve(acceptor_, std::move(b), &done_), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Receiver() {
    ioc_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  // The finished session, or nullopt when none ended within `timeout`.
  std::optional<Session> wait(std::chrono::milliseconds timeout) {
    if (result_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return result_.get();
  }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  int port_;
  std::promise<Session> done_;
  std::future<Session> result_;
  std::thread thread_;
};

SmtpConfig config_for(int port) {
  SmtpConfig c;
  c.host = "127.0.0.1";
  c.port = port;
  c.user = "apikey";
  c.pass = kPassword;
  c.admin_email = "admin@basalt.test";
  c.sender_name = "Basalt Admin";
  c.local_name = "api.basalt.test";
  c.connect_timeout = std::chrono::milliseconds(2000);
  c.total_timeout = std::chrono::milliseconds(5000);
  return c;
}

Status deliver(SmtpSender& sender, OutgoingMail mail) {
  asio::io_context ioc;
  auto result = asio::co_spawn(ioc, sender.send(std::move(mail)), asio::use_future);
  ioc.run();
  return result.get();
}

std::string header_block(const std::string& message) {
  return message.substr(0, message.find("\r\n\r\n") + 2);
}

int hex(char c) {
  return c <= '9' ? c - '0' : c - 'A' + 10;
}

std::string qp_decode(const std::string& body) {
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '=' && body.compare(i + 1, 2, "\r\n") == 0) {
      i += 2;
    } else if (body[i] == '=') {
      out += static_cast<char>(hex(body[i + 1]) * 16 + hex(body[i + 2]));
      i += 2;
    } else {
      out += body[i];
    }
  }
  return out;
}

std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

TEST(SmtpSender, DeliversTheMessageWithAuthentication) {
  Receiver receiver(Behaviour{.offer_auth = true});
  SmtpSender sender(config_for(receiver.port()));
  OutgoingMail mail;
  mail.to = "user@example.org";
  mail.subject = "Bestätigen Sie Ihre Anmeldung";
  // A line that is only ".", one that starts with ".", a long line and 8-bit text: the message
  // must arrive whole (curl dot-stuffs, the receiver unstuffs).
  mail.html_body =
      "<h2>Confirm</h2>\n.\n.hidden\n<p>" + std::string(300, 'x') + "</p>\n<p>Grüße</p>\n";
  const Status sent = deliver(sender, mail);
  ASSERT_TRUE(sent.ok()) << sent.error().internal;

  auto session = receiver.wait(std::chrono::seconds(10));
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->ehlo, "api.basalt.test");
  EXPECT_EQ(session->auth, std::string("\0apikey\0", 8) + kPassword);
  EXPECT_EQ(session->mail_from, "<admin@basalt.test>");
  EXPECT_THAT(session->rcpt, ::testing::ElementsAre("<user@example.org>"));
  EXPECT_TRUE(session->quit);

  const std::string& data = session->data;
  const std::string headers = header_block(data);
  EXPECT_THAT(headers, HasSubstr("From: \"Basalt Admin\" <admin@basalt.test>\r\n"));
  EXPECT_THAT(headers, HasSubstr("To: user@example.org\r\n"));
  EXPECT_THAT(headers, HasSubstr("Subject: =?UTF-8?B?"));
  EXPECT_THAT(headers, HasSubstr("Message-ID: <"));
  EXPECT_THAT(headers, HasSubstr("@basalt.test>\r\n"));
  EXPECT_THAT(headers, HasSubstr("Content-Type: text/html; charset=UTF-8\r\n"));
  const auto s = headers.find("Subject: =?UTF-8?B?") + 19;
  EXPECT_EQ(base64_decode(headers.substr(s, headers.find("?=", s) - s)), mail.subject);
  EXPECT_EQ(qp_decode(data.substr(headers.size() + 2)), crlf(mail.html_body));
}

TEST(SmtpSender, DoesNotAuthenticateWithoutAUser) {
  Receiver receiver(Behaviour{.offer_auth = true});
  SmtpConfig config = config_for(receiver.port());
  config.user.clear();
  config.pass.clear();
  config.sender_name.clear();
  SmtpSender sender(config);
  const Status sent = deliver(sender, OutgoingMail{"a@example.org", "Hi", "<p>hi</p>"});
  ASSERT_TRUE(sent.ok()) << sent.error().internal;
  auto session = receiver.wait(std::chrono::seconds(10));
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->auth, "");
  EXPECT_THAT(session->data, HasSubstr("From: admin@basalt.test\r\n"));
}

TEST(SmtpSender, RejectedRecipientIsAnErrorThatHidesThePassword) {
  Receiver receiver(Behaviour{.offer_auth = true, .rcpt_reply = "550 5.1.1 No such user"});
  SmtpSender sender(config_for(receiver.port()));
  const Status sent = deliver(sender, OutgoingMail{"gone@example.org", "Hi", "<p>hi</p>"});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().status, 500);
  EXPECT_EQ(sent.error().message, "Error sending email");
  EXPECT_THAT(sent.error().internal, HasSubstr("550"));
  EXPECT_THAT(sent.error().internal, Not(HasSubstr(kPassword)));
  auto session = receiver.wait(std::chrono::seconds(10));
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->data, "");  // nothing was transmitted
}

TEST(SmtpSender, FailedAuthenticationIsAnErrorThatHidesThePassword) {
  Receiver receiver(Behaviour{.offer_auth = true, .auth_reply = "535 5.7.8 Bad credentials"});
  SmtpSender sender(config_for(receiver.port()));
  const Status sent = deliver(sender, OutgoingMail{"a@example.org", "Hi", "<p>hi</p>"});
  ASSERT_FALSE(sent.ok());
  EXPECT_THAT(sent.error().internal, HasSubstr("535"));
  EXPECT_THAT(sent.error().internal, Not(HasSubstr(kPassword)));
  EXPECT_THAT(sent.error().message, Not(HasSubstr(kPassword)));
}

TEST(SmtpSender, SilentServerTimesOut) {
  Receiver receiver(Behaviour{.silent = true});
  SmtpConfig config = config_for(receiver.port());
  config.total_timeout = std::chrono::milliseconds(1500);
  SmtpSender sender(config);
  const auto start = std::chrono::steady_clock::now();
  const Status sent = deliver(sender, OutgoingMail{"a@example.org", "Hi", "<p>hi</p>"});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(sent.ok());
  EXPECT_THAT(sent.error().internal, HasSubstr("curl error 28"));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_GE(elapsed, std::chrono::milliseconds(1400));
}

TEST(SmtpSender, RefusedConnectionIsAnError) {
  int port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor closed(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = closed.local_endpoint().port();
  }
  SmtpSender sender(config_for(port));
  const Status sent = deliver(sender, OutgoingMail{"a@example.org", "Hi", "<p>hi</p>"});
  ASSERT_FALSE(sent.ok());
  EXPECT_THAT(sent.error().internal, HasSubstr("curl error 7"));
}

TEST(SmtpSender, InvalidMailNeverReachesTheServer) {
  Receiver receiver(Behaviour{.offer_auth = true});
  SmtpSender sender(config_for(receiver.port()));
  const Status sent =
      deliver(sender, OutgoingMail{"a@example.org\r\nBcc: victim@example.net", "Hi", "<p>hi</p>"});
  ASSERT_FALSE(sent.ok());
  EXPECT_THAT(sent.error().internal, HasSubstr("recipient"));
  EXPECT_FALSE(receiver.wait(std::chrono::milliseconds(300)).has_value());
}

}  // namespace
}  // namespace basalt::auth
