// The mails the Auth service sends. Without an SMTP server they are kept in the outbox table
// (_basalt.auth_outbox), which developers and tests read.
#include <fmt/format.h>

#include <boost/json/parse.hpp>

#include "auth/auth_error.hpp"
#include "auth/service.hpp"
#include "auth/sql.hpp"
#include "auth/user_json.hpp"

namespace basalt::auth {

namespace asio = boost::asio;
namespace json = boost::json;

void AuthService::use_smtp(SmtpConfig config) {
  smtp_ = std::make_unique<SmtpSender>(std::move(config));
}

asio::awaitable<Result<json::value>> AuthService::call_with_mail(std::string_view sql,
                                                                 json::object arg,
                                                                 std::string_view failure,
                                                                 const AuthRequest& rq) {
  if (!smtp_) co_return co_await call_json(sql, arg);
  std::vector<OutgoingMail> out;
  auto collect = [&](const json::value& m) {
    if (!m.is_object()) return;
    const auto& o = m.as_object();
    out.push_back(OutgoingMail{str(o, "to"), str(o, "subject"), str(o, "body")});
  };
  if (auto it = arg.find("mail"); it != arg.end()) collect(it->value());
  if (auto it = arg.find("mails"); it != arg.end() && it->value().is_array()) {
    for (const auto& m : it->value().as_array()) collect(m);
  }
  arg.erase("mail");
  arg.erase("mails");
  if (!out.empty() && options_.rate_limits.email_sent) {
    const std::string bucket = "email_sent";
    const std::string key = "project";
    std::vector<db::Param> params{bucket, key, fmt::format("{:.3f}", rq.now_precise),
                                  fmt::format("{}", options_.rate_limits.email_sent->per_second),
                                  fmt::format("{}", options_.rate_limits.email_sent->burst)};
    auto ok = co_await call(sql::rate_take, std::move(params));
    if (!ok) co_return std::move(ok).error();
    if (ok->is_bool() && !ok->as_bool()) {
      co_return auth_error(429, "over_email_send_rate_limit", "Email rate limit exceeded");
    }
  }
  auto tx = co_await db::Transaction::begin(*pool_, ctx_);
  if (!tx) co_return internal_error("Database error", tx.error().message);
  std::vector<db::Param> params;
  params.emplace_back(json_text(arg));
  auto called = co_await tx_call(*tx, sql, std::move(params));
  if (!called) co_return std::move(called).error();
  json::value row = std::move(called).value();
  if (!row_error(row)) {
    for (auto& m : out) {
      auto sent = co_await smtp_->send(std::move(m));
      if (!sent) {
        co_await tx->abandon();
        co_return internal_error(std::string(failure), sent.error().internal);
      }
    }
  }
  auto committed = co_await tx->commit();
  if (!committed) co_return internal_error("Database error", committed.error().message);
  co_return row;
}

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
  d.confirmation_url = verify_url(options_, token_hash, "signup", d.redirect_to);
  d.token = otp;
  d.token_hash = token_hash;
  d.email = email;
  d.data = user_metadata;
  return render_mail(MailKind::confirmation, email, std::move(d));
}

}  // namespace basalt::auth
