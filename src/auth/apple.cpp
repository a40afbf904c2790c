#include "auth/apple.hpp"

#include <boost/json/parse.hpp>
#include <optional>

#include "auth/auth_error.hpp"
#include "auth/oauth_profile.hpp"

namespace basalt::auth {

namespace json = boost::json;

namespace {

Error profile_error(std::string internal) {
  return internal_error("Error getting user profile from external provider", std::move(internal));
}

std::string_view trim_slash(std::string_view s) {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

std::string trim_spaces(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Go's strconv.ParseBool, which GoTrue uses for a string is_private_email.
std::optional<bool> go_bool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (s == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

}  // namespace

bool is_apple(std::string_view provider) {
  return provider == "apple";
}

bool is_apple_issuer(std::string_view issuer) {
  issuer = trim_slash(issuer);
  return issuer == kAppleIssuer || issuer == kAppleOtherIssuer;
}

std::vector<std::string> apple_accepted_issuers(const std::string& configured) {
  if (is_apple_issuer(configured)) {
    return {std::string(kAppleIssuer), std::string(kAppleOtherIssuer)};
  }
  return {configured};
}

Result<ProviderIdentity> apple_identity(const json::object& claims, std::string_view user_form) {
  ProviderClaims c;
  c.iss = json_text(claims, "iss");
  c.sub = json_text(claims, "sub");
  c.provider_id = c.sub;
  if (const auto* p = claims.if_contains("is_private_email"); p != nullptr && !p->is_null()) {
    std::optional<bool> v;
    if (p->is_bool()) v = p->get_bool();
    if (p->is_string()) v = go_bool(p->get_string());
    if (!v) return profile_error("apple: is_private_email is not a boolean");
    c.custom_claims["is_private_email"] = *v;
  }
  if (const auto* t = claims.if_contains("auth_time"); t != nullptr && t->is_number()) {
    c.custom_claims["auth_time"] = t->to_number<double>();
  }
  if (std::string s = json_text(claims, "transfer_sub"); !s.empty()) {
    c.custom_claims["transfer_sub"] = std::move(s);
  }
  if (!user_form.empty()) {
    boost::system::error_code ec;
    json::value user = json::parse(user_form, ec);
    if (ec || !user.is_object()) return profile_error("apple: the user field is not JSON");
    const json::value* name = user.as_object().if_contains("name");
    if (name != nullptr && name->is_object()) {
      const std::string full = trim_spaces(json_text(name->as_object(), "firstName") + " " +
                                           json_text(name->as_object(), "lastName"));
      c.name = full;
      c.full_name = full;
    }
  }
  std::vector<ProviderEmail> emails;
  if (std::string email = json_text(claims, "email"); !email.empty()) {
    emails.push_back({std::move(email), true, true});
  }
  return provider_identity(std::move(c), emails);
}

}  // namespace basalt::auth
