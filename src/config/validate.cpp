// Value checks the Supabase CLI makes after decoding (pkg/config Validate), so a config.toml
// the CLI refuses is refused here too, with the file, line and key in the message.
#include <cctype>
#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "config/document.hpp"
#include "config/values.hpp"

namespace basalt::config::detail {
namespace {

Path path_of(std::initializer_list<std::string> parts) {
  return Path(parts);
}

Path child(Path path, std::string name) {
  path.push_back(std::move(name));
  return path;
}

toml::node* find(toml::table& doc, const Path& path) {
  toml::node* node = nullptr;
  toml::table* table = &doc;
  for (const auto& name : path) {
    if (table == nullptr) return nullptr;
    node = table->get(name);
    if (node == nullptr) return nullptr;
    table = node->as_table();
  }
  return node;
}

toml::table* find_table(toml::table& doc, const Path& path) {
  toml::node* node = find(doc, path);
  return node == nullptr ? nullptr : node->as_table();
}

bool get_bool(toml::table& doc, const Path& path, bool fallback = false) {
  toml::node* node = find(doc, path);
  return node == nullptr ? fallback : node->value_or(fallback);
}

std::int64_t get_int(toml::table& doc, const Path& path, std::int64_t fallback = 0) {
  toml::node* node = find(doc, path);
  return node == nullptr ? fallback : node->value_or(fallback);
}

std::string get_string(toml::table& doc, const Path& path) {
  toml::node* node = find(doc, path);
  return node == nullptr ? std::string() : node->value_or(std::string());
}

std::vector<std::string> table_keys(toml::table& doc, const Path& path) {
  std::vector<std::string> out;
  if (toml::table* table = find_table(doc, path)) {
    for (auto&& [key, node] : *table) out.emplace_back(key.str());
  }
  return out;
}

class Checker {
 public:
  explicit Checker(Document& d) : d_(d), doc_(d.doc()) {}

  Status run() {
    for (auto check :
         {&Checker::project, &Checker::remotes, &Checker::api, &Checker::db, &Checker::storage,
          &Checker::studio_inbucket, &Checker::auth, &Checker::jwt_secret, &Checker::functions,
          &Checker::edge_runtime, &Checker::analytics, &Checker::experimental}) {
      if (Status status = (this->*check)(); !status) return status;
    }
    return {};
  }

 private:
  // Like the CLI, an env(NAME) that stayed unresolved is only worth a warning.
  void warn_unset(const Path& path) {
    toml::node* node = find(doc_, path);
    if (node == nullptr) return;
    auto check = [this](const Path& at, const toml::node& value) {
      if (const auto* text = value.as_string()) {
        if (auto name = env_reference(text->get())) {
          d_.warn(at, "environment variable " + *name + " is not set, so the value stays " +
                          quote(text->get()));
        }
      }
    };
    if (const toml::array* array = node->as_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        check(child(path, "[" + std::to_string(i) + "]"), (*array)[i]);
      }
    } else {
      check(path, *node);
    }
  }

  Status require(const Path& path, const std::string& when) {
    toml::node* node = find(doc_, path);
    bool empty = node == nullptr || (node->is_string() && node->as_string()->get().empty()) ||
                 (node->is_integer() && node->as_integer()->get() == 0) ||
                 (node->is_array() && node->as_array()->empty());
    if (empty) return d_.error(path, "required when " + when);
    return {};
  }

  Status project() {
    Path path = path_of({"project_id"});
    std::string id = get_string(doc_, path);
    if (id.empty()) return d_.error(path, "must not be empty");
    std::string sanitized = sanitize_project_id(id);
    if (sanitized != id) {
      d_.warn(path, quote(id) + " has characters the Supabase CLI does not allow; using " +
                        quote(sanitized));
      doc_.insert_or_assign("project_id", sanitized);
    }
    return {};
  }

  Status remotes() {
    static const std::regex kRef("^[a-z]{20}$");
    std::map<std::string, std::string> seen;
    for (const auto& name : table_keys(doc_, path_of({"remotes"}))) {
      Path path = path_of({"remotes", name, "project_id"});
      std::string id = get_string(doc_, path);
      if (auto it = seen.find(id); it != seen.end()) {
        return d_.error(path, "same project_id as [remotes." + it->second + "]");
      }
      seen.emplace(id, name);
    }
    for (const auto& [id, name] : seen) {
      if (!std::regex_match(id, kRef)) {
        return d_.error(path_of({"remotes", name, "project_id"}),
                        "expected a project ref of 20 lower-case letters, got " + quote(id));
      }
    }
    return {};
  }

  Status api() {
    if (!get_bool(doc_, path_of({"api", "enabled"})) ||
        !get_bool(doc_, path_of({"api", "tls", "enabled"}))) {
      return {};
    }
    bool cert = !get_string(doc_, path_of({"api", "tls", "cert_path"})).empty();
    bool key = !get_string(doc_, path_of({"api", "tls", "key_path"})).empty();
    if (cert && !key)
      return d_.error(path_of({"api", "tls", "key_path"}), "required with cert_path");
    if (key && !cert)
      return d_.error(path_of({"api", "tls", "cert_path"}), "required with key_path");
    return {};
  }

  Status db() {
    Path path = path_of({"db", "major_version"});
    std::int64_t version = get_int(doc_, path);
    if (version == 12) {
      return d_.error(path, "Postgres 12 is not supported; use 13, 14, 15 or 17");
    }
    if (version != 13 && version != 14 && version != 15 && version != 17) {
      return d_.error(path, "expected 13, 14, 15 or 17, got " + std::to_string(version));
    }
    return {};
  }

  Status storage() {
    // The Storage API's rule: word characters, spaces and !-.*'()&$@=;:+,?
    static const std::regex kBucketName(R"(^[A-Za-z0-9_!\-.*'() &$@=;:+,?]*$)");
    for (const auto& name : table_keys(doc_, path_of({"storage", "buckets"}))) {
      if (!std::regex_match(name, kBucketName)) {
        return d_.error(path_of({"storage", "buckets", name}),
                        "invalid bucket name; use letters, digits, spaces and _!-.*'()&$@=;:+,?");
      }
    }
    return {};
  }

  Status studio_inbucket() {
    for (const char* section : {"studio", "inbucket"}) {
      if (get_bool(doc_, path_of({section, "enabled"}))) {
        if (Status s = require(path_of({section, "port"}), std::string(section) + " is enabled");
            !s) {
          return s;
        }
      }
    }
    return {};
  }

  Status auth() {
    if (!get_bool(doc_, path_of({"auth", "enabled"}))) return {};
    if (Status s = require(path_of({"auth", "site_url"}), "auth is enabled"); !s) return s;
    warn_unset(path_of({"auth", "site_url"}));
    warn_unset(path_of({"auth", "additional_redirect_urls"}));
    for (auto check : {&Checker::captcha, &Checker::passkey, &Checker::hooks, &Checker::mfa,
                       &Checker::email, &Checker::sms, &Checker::external, &Checker::third_party}) {
      if (Status status = (this->*check)(); !status) return status;
    }
    return {};
  }

  Status captcha() {
    Path section = path_of({"auth", "captcha"});
    if (!get_bool(doc_, child(section, "enabled"))) return {};
    for (const char* key : {"provider", "secret"}) {
      if (Status s = require(child(section, key), "auth.captcha is enabled"); !s) return s;
    }
    warn_unset(child(section, "secret"));
    return {};
  }

  Status passkey() {
    if (!get_bool(doc_, path_of({"auth", "passkey", "enabled"}))) return {};
    Path webauthn = path_of({"auth", "webauthn"});
    if (find_table(doc_, webauthn) == nullptr) {
      return d_.error(path_of({"auth", "passkey", "enabled"}),
                      "needs an [auth.webauthn] section with rp_id and rp_origins");
    }
    for (const char* key : {"rp_id", "rp_origins"}) {
      if (Status s = require(child(webauthn, key), "auth.passkey is enabled"); !s) return s;
      warn_unset(child(webauthn, key));
    }
    return {};
  }

  Status hooks() {
    static const std::regex kSecret("^v1,whsec_[A-Za-z0-9+/=]{32,88}$");
    for (const char* name :
         {"mfa_verification_attempt", "password_verification_attempt", "custom_access_token",
          "send_sms", "send_email", "before_user_created"}) {
      Path hook = path_of({"auth", "hook", name});
      if (!get_bool(doc_, child(hook, "enabled"))) continue;
      if (Status s = require(child(hook, "uri"), "the hook is enabled"); !s) return s;
      std::string uri = get_string(doc_, child(hook, "uri"));
      std::string scheme;
      if (auto colon = uri.find(':'); colon != std::string::npos) scheme = uri.substr(0, colon);
      for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string secrets = get_string(doc_, child(hook, "secrets"));
      if (scheme == "http" || scheme == "https") {
        if (secrets.empty()) return d_.error(child(hook, "secrets"), "required for an HTTP hook");
        warn_unset(child(hook, "secrets"));
        std::string_view rest = secrets;
        while (true) {
          auto bar = rest.find('|');
          if (!std::regex_match(std::string(rest.substr(0, bar)), kSecret)) {
            return d_.error(child(hook, "secrets"),
                            "each secret (separated by |) must look like "
                            "\"v1,whsec_<base64>\" with 32 to 88 base64 characters");
          }
          if (bar == std::string_view::npos) break;
          rest.remove_prefix(bar + 1);
        }
      } else if (scheme == "pg-functions") {
        if (!secrets.empty()) {
          return d_.error(child(hook, "secrets"), "not supported for a pg-functions hook");
        }
      } else {
        return d_.error(child(hook, "uri"),
                        "expected an http, https or pg-functions URI, got " + quote(uri));
      }
    }
    return {};
  }

  Status mfa() {
    for (const char* factor : {"totp", "phone", "web_authn"}) {
      Path path = path_of({"auth", "mfa", factor});
      if (get_bool(doc_, child(path, "enroll_enabled")) &&
          !get_bool(doc_, child(path, "verify_enabled"))) {
        return d_.error(child(path, "enroll_enabled"), "needs verify_enabled = true");
      }
    }
    return {};
  }

  Status email() {
    for (const char* kind : {"template", "notification"}) {
      Path base = path_of({"auth", "email", kind});
      for (const auto& name : table_keys(doc_, base)) {
        Path entry = child(base, name);
        if (std::string_view(kind) == "notification" && !get_bool(doc_, child(entry, "enabled"))) {
          continue;
        }
        if (get_string(doc_, child(entry, "content_path")).empty() &&
            find(doc_, child(entry, "content")) != nullptr) {
          return d_.error(child(entry, "content"), "not supported; use content_path");
        }
      }
    }
    Path smtp = path_of({"auth", "email", "smtp"});
    if (find_table(doc_, smtp) != nullptr && get_bool(doc_, child(smtp, "enabled"))) {
      for (const char* key : {"host", "port", "user", "pass", "admin_email"}) {
        if (Status s = require(child(smtp, key), "auth.email.smtp is enabled"); !s) return s;
      }
      warn_unset(child(smtp, "pass"));
    }
    return {};
  }

  Status sms() {
    struct Provider {
      const char* name;
      std::vector<const char*> required;
      std::vector<const char*> secrets;
    };
    const std::vector<Provider> providers{
        {"twilio", {"account_sid", "message_service_sid", "auth_token"}, {"auth_token"}},
        {"twilio_verify", {"account_sid", "message_service_sid", "auth_token"}, {"auth_token"}},
        {"messagebird", {"originator", "access_key"}, {"access_key"}},
        {"textlocal", {"sender", "api_key"}, {"api_key"}},
        {"vonage", {"from", "api_key", "api_secret"}, {"api_key", "api_secret"}},
    };
    Path sms = path_of({"auth", "sms"});
    for (const auto& provider : providers) {
      Path section = child(sms, provider.name);
      if (!get_bool(doc_, child(section, "enabled"))) continue;
      for (const char* key : provider.required) {
        if (Status s = require(child(section, key), dotted(section) + " is enabled"); !s) {
          return s;
        }
      }
      for (const char* key : provider.secrets) warn_unset(child(section, key));
      return {};  // the CLI looks at the first enabled provider only
    }
    if (get_bool(doc_, child(sms, "enable_signup"))) {
      d_.warn(child(sms, "enable_signup"), "no SMS provider is enabled; phone sign-up is off");
      if (toml::table* table = find_table(doc_, sms))
        table->insert_or_assign("enable_signup", false);
    }
    return {};
  }

  Status external() {
    Path base = path_of({"auth", "external"});
    toml::table* providers = find_table(doc_, base);
    if (providers == nullptr) return {};
    for (const char* deprecated : {"linkedin", "slack"}) {
      Path path = child(base, deprecated);
      if (get_bool(doc_, child(path, "enabled"))) {
        d_.warn(path, std::string("deprecated provider ignored; use [auth.external.") + deprecated +
                          "_oidc]");
      }
      providers->erase(deprecated);
    }
    for (const auto& name : table_keys(doc_, base)) {
      Path path = child(base, name);
      if (!get_bool(doc_, child(path, "enabled"))) continue;
      std::string when = dotted(path) + " is enabled";
      if (Status s = require(child(path, "client_id"), when); !s) return s;
      if (name != "apple" && name != "google") {
        if (Status s = require(child(path, "secret"), when); !s) return s;
      }
      for (const char* key : {"client_id", "secret", "redirect_uri", "url"}) {
        warn_unset(child(path, key));
      }
    }
    return {};
  }

  Status third_party() {
    static const std::regex kClerkDomain(
        R"(^(clerk([.][a-z0-9-]+){2,}|([a-z0-9-]+[.])+clerk[.]accounts[.]dev)$)");
    struct Provider {
      const char* name;
      std::vector<const char*> required;
    };
    const std::vector<Provider> providers{
        {"firebase", {"project_id"}},
        {"auth0", {"tenant"}},
        {"aws_cognito", {"user_pool_id", "user_pool_region"}},
        {"clerk", {"domain"}},
        {"workos", {"issuer_url"}},
    };
    Path base = path_of({"auth", "third_party"});
    int enabled = 0;
    for (const auto& provider : providers) {
      Path path = child(base, provider.name);
      if (!get_bool(doc_, child(path, "enabled"))) continue;
      ++enabled;
      std::string when = dotted(path) + " is enabled";
      for (const char* key : provider.required) {
        if (Status s = require(child(path, key), when); !s) return s;
        warn_unset(child(path, key));
      }
      if (std::string_view(provider.name) == "clerk" &&
          !std::regex_match(get_string(doc_, child(path, "domain")), kClerkDomain)) {
        return d_.error(child(path, "domain"),
                        "expected a Clerk domain like clerk.example.com or "
                        "example.clerk.accounts.dev");
      }
    }
    if (enabled > 1) return d_.error(base, "only one third-party provider may be enabled");
    return {};
  }

  Status jwt_secret() {
    Path path = path_of({"auth", "jwt_secret"});
    warn_unset(path);
    std::string secret = get_string(doc_, path);
    if (!secret.empty() && secret.size() < 16) {
      return d_.error(path, "must be at least 16 characters");
    }
    return {};
  }

  Status functions() {
    static const std::regex kSlug("^[A-Za-z][A-Za-z0-9_-]*$");
    for (const auto& name : table_keys(doc_, path_of({"functions"}))) {
      if (!std::regex_match(name, kSlug)) {
        return d_.error(path_of({"functions", name}),
                        "invalid function name; start with a letter and use only letters, "
                        "digits, _ and -");
      }
    }
    return {};
  }

  Status edge_runtime() {
    Path path = path_of({"edge_runtime", "deno_version"});
    std::int64_t version = get_int(doc_, path);
    if (version != 1 && version != 2) {
      return d_.error(path, "expected 1 or 2, got " + std::to_string(version));
    }
    return {};
  }

  Status analytics() {
    if (!get_bool(doc_, path_of({"analytics", "enabled"})) ||
        get_string(doc_, path_of({"analytics", "backend"})) != "bigquery") {
      return {};
    }
    for (const char* key : {"gcp_project_id", "gcp_project_number", "gcp_jwt_path"}) {
      if (Status s = require(path_of({"analytics", key}), "the analytics backend is bigquery");
          !s) {
        return s;
      }
    }
    return {};
  }

  Status experimental() {
    Path webhooks = path_of({"experimental", "webhooks"});
    if (find_table(doc_, webhooks) != nullptr && !get_bool(doc_, child(webhooks, "enabled"))) {
      return d_.error(child(webhooks, "enabled"),
                      "webhooks cannot be turned off; set true or remove the section");
    }
    if (!get_string(doc_, path_of({"experimental", "orioledb_version"})).empty()) {
      for (const char* key : {"s3_host", "s3_region", "s3_access_key", "s3_secret_key"}) {
        warn_unset(path_of({"experimental", key}));
      }
    }
    return {};
  }

  Document& d_;
  toml::table& doc_;
};

}  // namespace

Status validate(Document& document) {
  return Checker(document).run();
}

}  // namespace basalt::config::detail
