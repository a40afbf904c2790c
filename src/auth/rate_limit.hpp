// Rate limits of the Auth API ([auth.rate_limit]) as token buckets: a bucket holds up to
// `burst` requests and refills `per_second`; a request takes one token or is refused with 429.
// The state lives in Postgres (_basalt.auth_rate_take, same arithmetic as take() here), so a
// limit holds across every Basalt node sharing the database; time is always a parameter.
#pragma once
#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::auth {

struct RateLimit {
  double per_second = 0;
  double burst = 0;
  // `count` requests per `seconds`, with a burst of `count` (Supabase Auth's limiter).
  static RateLimit per(double count, double seconds) { return {count / seconds, count}; }
};

struct Bucket {
  double tokens = 0;
  double updated_at = 0;  // unix seconds
};

// Takes a token from `b` at `now`; a new bucket (updated_at == 0 and tokens == 0 from
// new_bucket()) starts full. Returns whether the request may go ahead.
bool take(Bucket& b, const RateLimit& limit, double now);
Bucket new_bucket(const RateLimit& limit, double now);

// The limits Basalt applies, per Supabase CLI key (null = unlimited). email_sent applies
// only with SMTP, as the CLI documents.
struct RateLimits {
  std::optional<RateLimit> email_sent;           // per hour, for the whole project
  std::optional<RateLimit> anonymous_users;      // per hour per IP
  std::optional<RateLimit> token_refresh;        // /token, per 5 minutes per IP
  std::optional<RateLimit> sign_in_sign_ups;     // /signup /otp /recover /resend PUT /user
  std::optional<RateLimit> token_verifications;  // /verify, per 5 minutes per IP
};
RateLimits rate_limits_from(const toml::table& raw, bool smtp_enabled);

// The client a request is counted against: the peer address, or — when the peer is one of
// `trusted_proxies` — the last X-Forwarded-For entry that is not itself a trusted proxy.
std::string client_key(std::string_view peer, std::string_view forwarded_for,
                       const std::vector<std::string>& trusted_proxies);

}  // namespace basalt::auth
