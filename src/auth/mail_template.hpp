// Email templates written for Supabase Auth (GoTrue), which renders both subject and body with
// Go's html/template. Supported: text, `{{ .Var }}` actions for the variables GoTrue passes
// (.ConfirmationURL .Token .TokenHash .SiteURL .RedirectTo .Email .NewEmail .SendingTo and
// .Data.<key>... for user metadata), Go's whitespace rules, `{{-`/`-}}` trim markers and
// `{{/* comments */}}`. Other constructs (if, range, pipelines, functions, variables) and
// unknown variables are errors naming them, reported when the template is parsed.
//
// With TemplateEscaping::html a value is escaped as html/template would escape it where it
// appears: element text and RCDATA (&amp; &lt; &gt; &#34; &#39; &#43;), quoted and unquoted
// attribute values, and URL attributes (href, src, ... : scheme filter "#ZgotmplZ", URL
// normalising or query escaping, then attribute escaping). Like html/template, HTML comments
// and <style> comments are removed and a stray '<' in text becomes "&lt;". A value inside
// <script>, <style>, an on* / style / srcset attribute or a tag is an error; so is a template
// that ends inside a tag, attribute or comment.
#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::auth {

enum class MailKind { confirmation, invite, magic_link, recovery, email_change, reauthentication };

// "confirmation", "invite", "magic_link", "recovery", "email_change", "reauthentication": the
// GoTrue template type and the config.toml [auth.email.template.<name>] key.
std::string_view mail_kind_name(MailKind kind);
std::optional<MailKind> parse_mail_kind(std::string_view name);

// GoTrue's default subject (a template: reauthentication's is "{{ .Token }} is your
// verification code") and Basalt's own default HTML body.
std::string_view default_subject(MailKind kind);
std::string_view default_body(MailKind kind);

// The values GoTrue passes to a template. A variable GoTrue does not pass for a kind (e.g.
// .ConfirmationURL for reauthentication) is left empty and renders as "".
struct MailData {
  std::string site_url;          // .SiteURL
  std::string confirmation_url;  // .ConfirmationURL
  std::string token;             // .Token (the OTP)
  std::string token_hash;        // .TokenHash
  std::string redirect_to;       // .RedirectTo
  std::string email;             // .Email
  std::string new_email;         // .NewEmail
  std::string sending_to;        // .SendingTo (email_change: the address this copy goes to)
  boost::json::object data;      // .Data: raw_user_meta_data
};

enum class TemplateEscaping {
  html,  // html/template (GoTrue's subjects and bodies)
  text,  // text/template: values as they are
};

class MailTemplate {
 public:
  // Fails (500 unexpected_failure, message naming the construct and line) for syntax or
  // constructs this renderer does not support and for values in contexts it cannot escape.
  static Result<MailTemplate> parse(std::string_view source,
                                    TemplateEscaping escaping = TemplateEscaping::html);

  // Fails only for .Data paths that go through a value that is not an object (as Go fails).
  Result<std::string> render(const MailData& data) const;

  MailTemplate(const MailTemplate&);
  MailTemplate(MailTemplate&&) noexcept;
  MailTemplate& operator=(const MailTemplate&);
  MailTemplate& operator=(MailTemplate&&) noexcept;
  ~MailTemplate();

 private:
  struct Piece;  // literal text, or a variable with the escapers of its context
  MailTemplate();

  TemplateEscaping escaping_ = TemplateEscaping::html;
  std::vector<Piece> pieces_;
};

// parse() then render().
Result<std::string> render_mail_template(std::string_view source, const MailData& data,
                                         TemplateEscaping escaping = TemplateEscaping::html);

}  // namespace basalt::auth
