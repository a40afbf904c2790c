#include "auth/rate_limit.hpp"

#include <algorithm>

namespace basalt::auth {

Bucket new_bucket(const RateLimit& limit, double now) {
  return Bucket{limit.burst, now};
}

bool take(Bucket& b, const RateLimit& limit, double now) {
  const double elapsed = std::max(0.0, now - b.updated_at);
  b.tokens = std::min(limit.burst, b.tokens + elapsed * limit.per_second);
  b.updated_at = std::max(b.updated_at, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

namespace {

std::optional<RateLimit> limit_of(const toml::table& raw, const char* key, std::int64_t fallback,
                                  double seconds) {
  const std::int64_t n =
      raw.at_path(std::string("auth.rate_limit.") + key).value_or(std::int64_t{fallback});
  if (n <= 0) return std::nullopt;  // 0 turns the limit off
  return RateLimit::per(static_cast<double>(n), seconds);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

RateLimits rate_limits_from(const toml::table& raw, bool smtp_enabled) {
  RateLimits r;
  if (smtp_enabled) r.email_sent = limit_of(raw, "email_sent", 2, 3600);
  r.anonymous_users = limit_of(raw, "anonymous_users", 30, 3600);
  r.token_refresh = limit_of(raw, "token_refresh", 150, 300);
  r.sign_in_sign_ups = limit_of(raw, "sign_in_sign_ups", 30, 300);
  r.token_verifications = limit_of(raw, "token_verifications", 30, 300);
  return r;
}

std::string client_key(std::string_view peer, std::string_view forwarded_for,
                       const std::vector<std::string>& trusted_proxies) {
  auto trusted = [&](std::string_view ip) {
    return std::find(trusted_proxies.begin(), trusted_proxies.end(), ip) != trusted_proxies.end();
  };
  if (!trusted(peer) || forwarded_for.empty()) return std::string(peer);
  // Walk from the right: each hop appended the address it saw.
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const std::string_view hop =
        trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    if (hop.empty()) continue;
    if (!trusted(hop)) return std::string(hop);
  }
  return std::string(peer);
}

}  // namespace basalt::auth
