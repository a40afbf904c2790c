#include "auth/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "auth/sms.hpp"

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

// A comma- or space-separated list as its items (config.toml may also give a TOML array).
std::vector<std::string> list_of(const toml::node_view<const toml::node>& node) {
  std::vector<std::string> out;
  auto add = [&](std::string_view text) {
    std::string item;
    for (char c : text) {
      if (c == ',' || c == ' ' || c == '\t') {
        if (!item.empty()) out.push_back(std::move(item));
        item.clear();
      } else {
        item += c;
      }
    }
    if (!item.empty()) out.push_back(std::move(item));
  };
  if (const toml::array* a = node.as_array()) {
    for (const auto& v : *a) {
      if (auto s = v.value<std::string>()) add(*s);
    }
  } else if (auto s = node.value<std::string>()) {
    add(*s);
  }
  return out;
}

OAuthProviderOptions oauth_provider(const toml::table& t, const std::string& api_url) {
  OAuthProviderOptions p;
  p.enabled = t["enabled"].value_or(false);
  p.client_ids = list_of(t["client_id"]);
  p.secret = t["secret"].value_or(std::string());
  p.redirect_uri = t["redirect_uri"].value_or(std::string());
  if (p.redirect_uri.empty()) p.redirect_uri = api_url + "/auth/v1/callback";
  p.url = t["url"].value_or(std::string());
  p.skip_nonce_check = t["skip_nonce_check"].value_or(false);
  p.email_optional = t["email_optional"].value_or(false);
  p.issuer = t["issuer"].value_or(std::string());
  p.authorization_url = t["authorization_url"].value_or(std::string());
  p.token_url = t["token_url"].value_or(std::string());
  p.userinfo_url = t["userinfo_url"].value_or(std::string());
  p.jwks_url = t["jwks_url"].value_or(std::string());
  p.scopes = list_of(t["scopes"]);
  return p;
}

// [auth.sms] and [auth.mfa.phone] beyond the switches above: templates (checked now, so a bad
// one stops the start as it stops GoTrue), frequencies, test numbers, the Twilio sender.
Status phone_options(const toml::table& raw, AuthOptions& o) {
  auto seconds = [&](const char* key, double fallback) -> Result<double> {
    const std::string text = raw.at_path(key).value_or(std::string());
    if (text.empty()) return fallback;
    auto d = config::parse_duration(text);
    if (!d) return Error::make(500, "config", fmt::format("{}: {}", key, d.error().message));
    return std::chrono::duration<double>(*d).count();
  };
  auto sms_frequency = seconds("auth.sms.max_frequency", 5);
  if (!sms_frequency) return std::move(sms_frequency).error();
  o.sms_max_frequency = *sms_frequency;
  auto mfa_frequency = seconds("auth.mfa.phone.max_frequency", 5);
  if (!mfa_frequency) return std::move(mfa_frequency).error();
  o.mfa_phone_max_frequency = *mfa_frequency;
  // GoTrue: zero means one minute; an OTP length outside 6..10 means 6.
  if (o.sms_max_frequency <= 0) o.sms_max_frequency = 60;
  if (o.mfa_phone_max_frequency <= 0) o.mfa_phone_max_frequency = 60;
  o.sms_template = raw.at_path("auth.sms.template").value_or(std::string());
  if (o.sms_template.empty()) o.sms_template = "Your code is {{ .Code }}";
  o.mfa_phone_template = raw.at_path("auth.mfa.phone.template").value_or(std::string());
  if (o.mfa_phone_template.empty()) o.mfa_phone_template = "Your code is {{ .Code }}";
  for (auto [key, text] :
       {std::pair<const char*, const std::string*>{"auth.sms.template", &o.sms_template},
        {"auth.mfa.phone.template", &o.mfa_phone_template}}) {
    if (auto r = render_sms_template(*text, "000000"); !r) {
      return Error::make(500, "config", fmt::format("{}: {}", key, r.error().message));
    }
  }
  o.mfa_phone_enroll = raw.at_path("auth.mfa.phone.enroll_enabled").value_or(false);
  o.mfa_phone_verify = raw.at_path("auth.mfa.phone.verify_enabled").value_or(false);
  const auto length = raw.at_path("auth.mfa.phone.otp_length").value_or<std::int64_t>(6);
  o.mfa_phone_otp_length = length < 6 || length > 10 ? 6 : static_cast<int>(length);
  if (const toml::table* test = raw.at_path("auth.sms.test_otp").as_table()) {
    for (const auto& [number, code] : *test) {
      std::string phone;
      for (char c : number.str()) {
        if (c != ' ') phone += c;
      }
      if (phone.starts_with("+")) phone.erase(0, 1);
      o.sms_test_otp[phone] = code.value_or(std::string());
    }
  }
  const std::int64_t per_hour = raw.at_path("auth.rate_limit.sms_sent").value_or<std::int64_t>(30);
  if (per_hour > 0) o.sms_sent = RateLimit::per(static_cast<double>(per_hour), 3600);
  auto setting = [&](const std::string& key) {
    return raw.at_path("auth.sms." + o.sms_provider + "." + key).value_or(std::string());
  };
  // Basalt's addition: another base URL for the provider's API (a local receiver in tests).
  auto api_url = [](const char* variable, std::string& url) {
    if (const char* v = std::getenv(variable); v != nullptr && *v != '\0') url = v;
  };
  if (o.sms_provider == "twilio") {
    TwilioConfig t;
    t.account_sid = setting("account_sid");
    t.message_service_sid = setting("message_service_sid");
    t.auth_token = setting("auth_token");
    api_url("BASALT_TWILIO_API_URL", t.api_url);
    o.sms_sender = std::move(t);
  } else if (o.sms_provider == "twilio_verify") {
    TwilioVerifyConfig t;
    t.account_sid = setting("account_sid");
    t.service_sid = setting("message_service_sid");
    t.auth_token = setting("auth_token");
    api_url("BASALT_TWILIO_VERIFY_API_URL", t.api_url);
    o.sms_sender = std::move(t);
  } else if (o.sms_provider == "messagebird") {
    MessagebirdConfig m;
    m.originator = setting("originator");
    m.access_key = setting("access_key");
    api_url("BASALT_MESSAGEBIRD_API_URL", m.api_url);
    o.sms_sender = std::move(m);
  } else if (o.sms_provider == "textlocal") {
    TextlocalConfig t;
    t.sender = setting("sender");
    t.api_key = setting("api_key");
    api_url("BASALT_TEXTLOCAL_API_URL", t.api_url);
    o.sms_sender = std::move(t);
  } else if (o.sms_provider == "vonage") {
    VonageConfig v;
    v.from = setting("from");
    v.api_key = setting("api_key");
    v.api_secret = setting("api_secret");
    api_url("BASALT_VONAGE_API_URL", v.api_url);
    o.sms_sender = std::move(v);
  }
  return {};
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
  o.enable_manual_linking = a.enable_manual_linking;
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
  if (auto phone = phone_options(raw, o); !phone) return std::move(phone).error();
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
        OAuthProviderOptions provider = oauth_provider(*t, api_url);
        // These travel in request lines and headers to the provider: no control characters.
        const auto has_control = [](const std::string& v) {
          return std::any_of(v.begin(), v.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
          });
        };
        std::vector<std::pair<const char*, const std::string*>> checked{
            {"secret", &provider.secret},
            {"url", &provider.url},
            {"redirect_uri", &provider.redirect_uri}};
        for (const auto& id : provider.client_ids) checked.emplace_back("client_id", &id);
        for (const auto& [key, value] : checked) {
          if (has_control(*value)) {
            return Error::make(
                500, "config",
                fmt::format("auth.external.{}.{}: control characters are not allowed",
                            std::string(name.str()), key));
          }
        }
        o.external_providers[std::string(name.str())] = (*t)["enabled"].value_or(false);
        o.oauth_providers[std::string(name.str())] = std::move(provider);
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
