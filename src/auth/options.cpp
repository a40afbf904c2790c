#include "auth/options.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace basalt::auth {

namespace {

Result<std::optional<PgFunctionHook>> read_hook(const toml::table& raw, const char* name) {
  const toml::node* node = raw.at_path(std::string("auth.hook.") + name).node();
  const toml::table* hook = node ? node->as_table() : nullptr;
  if (!hook || !(*hook)["enabled"].value_or(false)) return std::optional<PgFunctionHook>{};
  const std::string uri = (*hook)["uri"].value_or(std::string());
  constexpr std::string_view prefix = "pg-functions://";
  auto bad = [&] {
    return Error::make(500, "config",
                       fmt::format("auth.hook.{}.uri: \"{}\" is not "
                                   "pg-functions://<database>/<schema>/<function> (HTTP hooks "
                                   "are not supported yet)",
                                   name, uri));
  };
  if (!uri.starts_with(prefix)) return bad();
  std::string_view rest = std::string_view(uri).substr(prefix.size());
  const auto a = rest.find('/');
  if (a == std::string_view::npos) return bad();
  rest = rest.substr(a + 1);
  const auto b = rest.find('/');
  if (b == std::string_view::npos || b == 0 || b + 1 >= rest.size()) return bad();
  PgFunctionHook h{std::string(rest.substr(0, b)), std::string(rest.substr(b + 1))};
  if (h.function.find('/') != std::string::npos) return bad();
  return std::optional<PgFunctionHook>(std::move(h));
}

}  // namespace

Result<AuthOptions> auth_options(const config::Config& config, const std::string& api_url,
                                 const std::string& jwt_secret) {
  const auto& a = config.auth;
  const auto& raw = config.raw;
  AuthOptions o;
  o.jwt_secret = jwt_secret;
  o.api_url = api_url;
  o.issuer = raw.at_path("auth.jwt_issuer").value_or(std::string());
  if (o.issuer.empty()) o.issuer = api_url + "/auth/v1";
  o.jwt_expiry = a.jwt_expiry;
  o.site_url = a.site_url;
  o.additional_redirect_urls = a.additional_redirect_urls;
  o.enable_signup = a.enable_signup;
  o.enable_anonymous_sign_ins = a.enable_anonymous_sign_ins;
  o.email_enabled = a.email.enable_signup;
  o.mailer_autoconfirm = !a.email.enable_confirmations;
  o.secure_password_change = a.email.secure_password_change;
  o.double_confirm_changes = a.email.double_confirm_changes;
  o.email_max_frequency = a.email.max_frequency;
  o.email_otp_length = a.email.otp_length;
  o.email_otp_expiry = a.email.otp_expiry;
  o.mfa_totp_enroll = raw.at_path("auth.mfa.totp.enroll_enabled").value_or(false);
  o.mfa_totp_verify = raw.at_path("auth.mfa.totp.verify_enabled").value_or(false);
  o.mfa_max_enrolled_factors =
      static_cast<int>(raw.at_path("auth.mfa.max_enrolled_factors").value_or<std::int64_t>(10));
  o.phone_enabled = raw.at_path("auth.sms.enable_signup").value_or(false);
  o.sms_autoconfirm = !raw.at_path("auth.sms.enable_confirmations").value_or(false);
  for (const char* p : {"twilio", "twilio_verify", "messagebird", "textlocal", "vonage"}) {
    if (raw.at_path(std::string("auth.sms.") + p + ".enabled").value_or(false)) {
      o.sms_provider = p;
      break;
    }
  }
  o.refresh_token_rotation = a.enable_refresh_token_rotation;
  o.refresh_token_reuse_interval = a.refresh_token_reuse_interval;
  o.minimum_password_length = a.minimum_password_length;
  o.password_requirements = a.password_requirements;
  o.rate_limits = rate_limits_from(raw, raw.at_path("auth.email.smtp.enabled").value_or(false));
  auto hook = read_hook(raw, "custom_access_token");
  if (!hook) return std::move(hook).error();
  o.custom_access_token_hook = *hook;
  if (const toml::table* ext = raw.at_path("auth.external").as_table()) {
    for (const auto& [name, node] : *ext) {
      if (const toml::table* t = node.as_table()) {
        o.external_providers[std::string(name.str())] = (*t)["enabled"].value_or(false);
      }
    }
  }
  if (const toml::table* templates = raw.at_path("auth.email.template").as_table()) {
    for (const auto& [name, node] : *templates) {
      const toml::table* t = node.as_table();
      if (!t) continue;
      AuthOptions::EmailTemplate tpl;
      tpl.subject = (*t)["subject"].value_or(std::string());
      tpl.body = (*t)["content"].value_or(std::string());
      const std::string path = (*t)["content_path"].value_or(std::string());
      if (!path.empty()) {
        const auto file = config.workdir / "supabase" / path;
        std::ifstream in(file, std::ios::binary);
        if (!in) {
          return Error::make(500, "config",
                             fmt::format("auth.email.template.{}.content_path: cannot read {}",
                                         name.str(), file.string()));
        }
        std::ostringstream text;
        text << in.rdbuf();
        tpl.body = text.str();
      }
      o.email_templates[std::string(name.str())] = std::move(tpl);
    }
  }
  return o;
}

}  // namespace basalt::auth
