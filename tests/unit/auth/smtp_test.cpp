// [auth.email.smtp] parsing and the MIME message the SMTP sender transmits.
#include "auth/smtp.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

namespace basalt::auth {
namespace {

toml::table parse(std::string_view text) {
  return toml::parse(text);
}

SmtpConfig base_config() {
  SmtpConfig c;
  c.host = "smtp.example.com";
  c.port = 587;
  c.user = "apikey";
  c.pass = "s3cr3t-pa55word";
  c.admin_email = "admin@example.com";
  c.sender_name = "Admin";
  return c;
}

OutgoingMail base_mail() {
  return OutgoingMail{"user@example.org", "Confirm Your Signup", "<h2>Hello</h2>\n<p>Hi</p>\n"};
}

std::vector<std::string> lines_of(const std::string& message) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < message.size()) {
    const auto end = message.find("\r\n", start);
    if (end == std::string::npos) {
      out.push_back(message.substr(start));
      break;
    }
    out.push_back(message.substr(start, end - start));
    start = end + 2;
  }
  return out;
}

std::string headers_of(const std::string& message) {
  return message.substr(0, message.find("\r\n\r\n") + 2);
}

std::string body_of(const std::string& message) {
  return message.substr(message.find("\r\n\r\n") + 4);
}

// The unfolded value of one header.
std::string header(const std::string& message, const std::string& name) {
  const std::string h = headers_of(message);
  const auto p = h.find("\r\n" + name + ": ") != std::string::npos
                     ? h.find("\r\n" + name + ": ") + 2
                     : (h.starts_with(name + ": ") ? 0 : std::string::npos);
  if (p == std::string::npos) return "<missing>";
  std::string value;
  std::size_t i = p + name.size() + 2;
  while (i < h.size()) {
    const auto end = h.find("\r\n", i);
    value += h.substr(i, end - i);
    i = end + 2;
    if (i >= h.size() || (h[i] != ' ' && h[i] != '\t')) break;
  }
  return value;
}

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

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Decodes a folded sequence of "=?UTF-8?B?...?=" words; each must hold whole characters.
std::string decode_words(const std::string& value, bool* whole_characters) {
  std::string out;
  *whole_characters = true;
  std::size_t p = 0;
  while ((p = value.find("=?UTF-8?B?", p)) != std::string::npos) {
    const auto end = value.find("?=", p + 10);
    const std::string chunk = base64_decode(value.substr(p + 10, end - p - 10));
    if (!valid_utf8(chunk)) *whole_characters = false;
    out += chunk;
    p = end + 2;
  }
  return out;
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

Result<std::string> build(const OutgoingMail& mail, const SmtpConfig& config = base_config()) {
  return build_mime_message(config, mail, "abc123@example.com", 1700000000);
}

// ---- smtp_config ---------------------------------------------------------------------------

TEST(SmtpConfig, AbsentEmptyOrDisabledSectionMeansNoSmtp) {
  for (const char* text : {"[auth]\nsite_url = \"x\"\n", "[auth.email.smtp]\n",
                           "[auth.email.smtp]\nenabled = false\nhost = \"h\"\n"}) {
    auto c = smtp_config(parse(text));
    ASSERT_TRUE(c.ok()) << text;
    EXPECT_FALSE(c->has_value()) << text;
  }
}

TEST(SmtpConfig, ReadsEveryKey) {
  auto c = smtp_config(parse(R"([auth.email.smtp]
enabled = true
host = "smtp.sendgrid.net"
port = 465
user = "apikey"
pass = "secret"
admin_email = "admin@email.com"
sender_name = "Admin"
)"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->has_value());
  const SmtpConfig& s = **c;
  EXPECT_EQ(s.host, "smtp.sendgrid.net");
  EXPECT_EQ(s.port, 465);
  EXPECT_EQ(s.user, "apikey");
  EXPECT_EQ(s.pass, "secret");
  EXPECT_EQ(s.admin_email, "admin@email.com");
  EXPECT_EQ(s.sender_name, "Admin");
  EXPECT_EQ(s.connect_timeout.count(), 10'000);
  EXPECT_EQ(s.total_timeout.count(), 30'000);
}

TEST(SmtpConfig, SectionWithoutEnabledCountsAsEnabled) {
  auto c =
      smtp_config(parse("[auth.email.smtp]\nhost = \"127.0.0.1\"\nport = 2525\n"
                        "admin_email = \"a@b.test\"\n"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->has_value());
  EXPECT_TRUE((*c)->user.empty());
}

TEST(SmtpConfig, ErrorsNameTheKeyAndNeverThePassword) {
  const std::string tail = "user = \"u\"\npass = \"hunter2-secret\"\n";
  struct Case {
    std::string body;
    std::string key;
  };
  const std::vector<Case> cases{
      {"port = 587\nadmin_email = \"a@b.test\"\n", "auth.email.smtp.host:"},
      {"host = \"smtp.example.com/x?y\"\nport = 587\nadmin_email = \"a@b.test\"\n",
       "auth.email.smtp.host:"},
      {"host = \"smtp.example.com\"\nadmin_email = \"a@b.test\"\n", "auth.email.smtp.port:"},
      {"host = \"smtp.example.com\"\nport = 0\nadmin_email = \"a@b.test\"\n",
       "auth.email.smtp.port:"},
      {"host = \"smtp.example.com\"\nport = 70000\nadmin_email = \"a@b.test\"\n",
       "auth.email.smtp.port:"},
      {"host = \"smtp.example.com\"\nport = \"587\"\nadmin_email = \"a@b.test\"\n",
       "auth.email.smtp.port:"},
      {"host = \"smtp.example.com\"\nport = 587\n", "auth.email.smtp.admin_email:"},
      {"host = \"smtp.example.com\"\nport = 587\nadmin_email = \"Admin <a@b.test>\"\n",
       "auth.email.smtp.admin_email:"},
      {"host = \"smtp.example.com\"\nport = 587\nadmin_email = \"a@b.test\\r\\nBcc: x@y.test\"\n",
       "auth.email.smtp.admin_email:"},
      {"host = \"smtp.example.com\"\nport = 587\nadmin_email = \"a@b.test\"\n"
       "sender_name = \"Admin\\r\\nBcc: x@y.test\"\n",
       "auth.email.smtp.sender_name:"},
      {"host = \"smtp.example.com\"\nport = 587\nadmin_email = \"a@b.test\"\nenabled = 1\n",
       "auth.email.smtp.enabled:"},
  };
  for (const auto& c : cases) {
    auto r = smtp_config(parse("[auth.email.smtp]\n" + c.body + tail));
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_TRUE(r.error().message.starts_with(c.key)) << r.error().message;
    EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos) << r.error().message;
  }
  auto no_user = smtp_config(
      parse("[auth.email.smtp]\nhost = \"h.test\"\nport = 25\nadmin_email = \"a@b.test\"\n"
            "pass = \"hunter2-secret\"\n"));
  ASSERT_FALSE(no_user.ok());
  EXPECT_TRUE(no_user.error().message.starts_with("auth.email.smtp.user:"));
  EXPECT_EQ(no_user.error().message.find("hunter2"), std::string::npos);
}

// ---- TLS mode, URL, From ---------------------------------------------------------------------

TEST(SmtpConfig, Port465IsImplicitTlsOtherPortsUseStartTls) {
  SmtpConfig c = base_config();
  c.port = 465;
  EXPECT_EQ(smtp_tls(c), SmtpTls::implicit);
  EXPECT_EQ(smtp_url(c), "smtps://smtp.example.com:465");
  c.port = 587;
  EXPECT_EQ(smtp_tls(c), SmtpTls::starttls_required);  // credentials to a remote host
  EXPECT_EQ(smtp_url(c), "smtp://smtp.example.com:587");
  c.user.clear();
  c.pass.clear();
  EXPECT_EQ(smtp_tls(c), SmtpTls::starttls_if_offered);
  c = base_config();
  c.host = "127.0.0.1";
  EXPECT_EQ(smtp_tls(c), SmtpTls::starttls_if_offered);  // a local relay (Inbucket, Mailpit)
  c.host = "localhost";
  EXPECT_EQ(smtp_tls(c), SmtpTls::starttls_if_offered);
}

TEST(SmtpConfig, UrlBracketsIpv6AndCarriesTheEhloName) {
  SmtpConfig c = base_config();
  c.host = "::1";
  c.port = 2525;
  c.local_name = "api.example.com";
  EXPECT_EQ(smtp_url(c), "smtp://[::1]:2525/api.example.com");
  c.host = "[2001:db8::1]";
  c.local_name = "bad name/../x";  // not a host name: left out
  EXPECT_EQ(smtp_url(c), "smtp://[2001:db8::1]:2525");
}

TEST(SmtpConfig, FromHeaderQuotesOrEncodesTheSenderName) {
  SmtpConfig c = base_config();
  EXPECT_EQ(from_header(c), "\"Admin\" <admin@example.com>");
  c.sender_name = "";
  EXPECT_EQ(from_header(c), "admin@example.com");
  c.sender_name = "Ann \"The\" Admin\\";
  EXPECT_EQ(from_header(c), "\"Ann \\\"The\\\" Admin\\\\\" <admin@example.com>");
  c.sender_name = "Zoë";
  EXPECT_EQ(from_header(c), "=?UTF-8?B?Wm/Dqw==?= <admin@example.com>");
}

// ---- build_mime_message ----------------------------------------------------------------------

TEST(MimeMessage, HasTheHeadersAndAQuotedPrintableHtmlBody) {
  auto m = build(base_mail());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(headers_of(*m),
            "From: \"Admin\" <admin@example.com>\r\n"
            "To: user@example.org\r\n"
            "Subject: Confirm Your Signup\r\n"
            "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
            "Message-ID: <abc123@example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/html; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n");
  EXPECT_EQ(body_of(*m), "<h2>Hello</h2>\r\n<p>Hi</p>\r\n");
}

TEST(MimeMessage, MessageIdKeepsGivenBracketsAndRejectsBadIds) {
  auto m = build_mime_message(base_config(), base_mail(), "<x@y>", 0);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(header(*m, "Message-ID"), "<x@y>");
  EXPECT_EQ(header(*m, "Date"), "Thu, 01 Jan 1970 00:00:00 +0000");
  for (const char* bad : {"", "no-at-sign", "a@b\r\nBcc: c@d", "a b@c", "<a>b@c>"}) {
    EXPECT_FALSE(build_mime_message(base_config(), base_mail(), bad, 0).ok()) << bad;
  }
}

TEST(MimeMessage, HeaderInjectionIsRejected) {
  const std::vector<std::string> recipients{
      "user@example.org\r\nBcc: victim@example.net",
      "user@example.org\nBcc: victim@example.net",
      "user@example.org\rBcc: victim@example.net",
      std::string("user@example.org") + '\0' + "Bcc: victim@example.net",
      "Eve <eve@example.net>",
      "user@example.org, victim@example.net",
      "user@example.org victim@example.net",
      "\"a\"@example.org",
      "no-at-sign",
      "",
  };
  for (const auto& to : recipients) {
    OutgoingMail mail = base_mail();
    mail.to = to;
    EXPECT_FALSE(build(mail).ok()) << to;
  }
  for (const char* subject : {"Hi\r\nBcc: victim@example.net", "Hi\nBcc: victim@example.net",
                              "Hi\rBcc: victim@example.net", "Hi\r\n\r\n<body>"}) {
    OutgoingMail mail = base_mail();
    mail.subject = subject;
    EXPECT_FALSE(build(mail).ok()) << subject;
  }
  SmtpConfig c = base_config();
  c.sender_name = "Admin\r\nBcc: victim@example.net";
  EXPECT_FALSE(build(base_mail(), c).ok());
  c = base_config();
  c.admin_email = "admin@example.com\r\nBcc: victim@example.net";
  EXPECT_FALSE(build(base_mail(), c).ok());
}

TEST(MimeMessage, BodyCannotAddHeaders) {
  // A body is always after the blank line, and quoted-printable keeps its line breaks CRLF.
  OutgoingMail mail = base_mail();
  mail.html_body = "\r\nBcc: victim@example.net\r\n\r\nx";
  auto m = build(mail);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(headers_of(*m).find("Bcc"), std::string::npos);
  EXPECT_EQ(body_of(*m), "\r\nBcc: victim@example.net\r\n\r\nx\r\n");
}

TEST(MimeMessage, NonAsciiSubjectIsEncodedInWholeCharacters) {
  OutgoingMail mail = base_mail();
  mail.subject = "Bestätige deine Anmeldung ✓";
  auto m = build(mail);
  ASSERT_TRUE(m.ok());
  const std::string value = header(*m, "Subject");
  EXPECT_TRUE(value.starts_with("=?UTF-8?B?")) << value;
  bool whole = false;
  EXPECT_EQ(decode_words(value, &whole), mail.subject);
  EXPECT_TRUE(whole);

  // Long and multi-byte: folded onto several lines, no character split between words.
  // (2-, 3- and 4-byte characters at offsets that do not line up with the word size)
  std::string long_subject = "xy";
  for (int i = 0; i < 30; ++i) long_subject += "ä";
  for (int i = 0; i < 20; ++i) long_subject += "確認メール😀";
  mail.subject = long_subject;
  m = build(mail);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(decode_words(header(*m, "Subject"), &whole), long_subject);
  EXPECT_TRUE(whole);
  for (const auto& line : lines_of(headers_of(*m))) EXPECT_LE(line.size(), 76u) << line;
}

TEST(MimeMessage, LongOrEncodedWordLikeAsciiSubjectsAreEncoded) {
  OutgoingMail mail = base_mail();
  mail.subject = std::string(200, 'a');
  auto m = build(mail);
  ASSERT_TRUE(m.ok());
  bool whole = false;
  EXPECT_EQ(decode_words(header(*m, "Subject"), &whole), mail.subject);
  for (const auto& line : lines_of(headers_of(*m))) EXPECT_LE(line.size(), 78u) << line;

  mail.subject = "=?UTF-8?B?SGk=?=";  // would be shown as "Hi" if sent as it is
  m = build(mail);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(decode_words(header(*m, "Subject"), &whole), mail.subject);
}

TEST(MimeMessage, LongLinesAreSoftBrokenAndRoundTrip) {
  OutgoingMail mail = base_mail();
  std::string body = "<p>" + std::string(500, 'x') + "</p>\n";
  body += "a=b  \n";              // '=' and trailing blanks
  body += "Grüße 😀\tend\t\n";     // 8-bit and a trailing tab
  body += std::string(300, '=');  // only escapes: soft breaks never split an escape
  mail.html_body = body;
  auto m = build(mail);
  ASSERT_TRUE(m.ok());
  const std::string encoded = body_of(*m);
  for (const auto& line : lines_of(encoded)) {
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_FALSE(line.ends_with(" ") || line.ends_with("\t")) << line;
  }
  EXPECT_NE(encoded.find("a=3Db =20\r\n"), std::string::npos) << encoded;
  std::string expected;
  for (char c : body) {
    if (c == '\n') expected += '\r';
    expected += c;
  }
  EXPECT_EQ(qp_decode(encoded), expected + "\r\n");
}

TEST(MimeMessage, EveryLineEndsInCrlfAndStaysShort) {
  OutgoingMail mail = base_mail();
  mail.html_body = "one\rtwo\r\nthree\nfour" + std::string(1000, 'y');
  auto m = build(mail);
  ASSERT_TRUE(m.ok());
  const std::string& text = *m;
  EXPECT_TRUE(text.ends_with("\r\n"));
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      EXPECT_TRUE(i > 0 && text[i - 1] == '\r') << i;
    }
    if (text[i] == '\r') {
      EXPECT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << i;
    }
  }
  for (const auto& line : lines_of(text)) EXPECT_LE(line.size(), 78u) << line;
  EXPECT_NE(body_of(text).find("one=0Dtwo\r\nthree\r\nfour"), std::string::npos);
}

TEST(MimeMessage, BodyLinesStartingWithADotAreLeftForTheTransportToStuff) {
  // libcurl doubles a leading '.' on the wire (RFC 5321 4.5.2); the message itself keeps it,
  // including a line that is only "." (the integration test sends one through a server).
  OutgoingMail mail = base_mail();
  mail.html_body = "first\n.\n.hidden\nlast";
  auto m = build(mail);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(body_of(*m), "first\r\n.\r\n.hidden\r\nlast\r\n");
}

}  // namespace
}  // namespace basalt::auth
