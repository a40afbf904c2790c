// The mails the Auth service sends. Without an SMTP server they are kept in the outbox table
// (_basalt.auth_outbox), which developers and tests read.
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "auth/service.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

std::string url_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

}  // namespace

Result<json::object> AuthService::render_mail(MailKind kind, const std::string& to,
                                              MailData data) const {
  const std::string name(mail_kind_name(kind));
  std::string subject(default_subject(kind));
  std::string body(default_body(kind));
  if (auto it = options_.email_templates.find(name); it != options_.email_templates.end()) {
    if (!it->second.subject.empty()) subject = it->second.subject;
    if (!it->second.body.empty()) body = it->second.body;
  }
  data.site_url = options_.site_url;
  auto rendered_subject = render_mail_template(subject, data);
  if (!rendered_subject) return std::move(rendered_subject).error();
  auto rendered_body = render_mail_template(body, data);
  if (!rendered_body) return std::move(rendered_body).error();
  json::object mail;
  mail["kind"] = name;
  mail["to"] = to;
  mail["subject"] = *rendered_subject;
  mail["body"] = *rendered_body;
  mail["token"] = data.token;
  mail["token_hash"] = data.token_hash;
  mail["redirect_to"] = data.redirect_to;
  return mail;
}

Result<json::object> AuthService::confirmation_mail(const std::string& email,
                                                    const json::object& user_metadata,
                                                    const std::string& otp,
                                                    const std::string& token_hash,
                                                    const std::string& redirect_to) const {
  MailData d;
  d.redirect_to = redirect_to.empty() ? options_.site_url : redirect_to;
  d.confirmation_url = options_.api_url + "/auth/v1/verify?token=" + token_hash +
                       "&type=signup&redirect_to=" + url_encode(d.redirect_to);
  d.token = otp;
  d.token_hash = token_hash;
  d.email = email;
  d.data = user_metadata;
  return render_mail(MailKind::confirmation, email, std::move(d));
}

}  // namespace basalt::auth
