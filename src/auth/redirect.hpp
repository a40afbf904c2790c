// Which `redirect_to` URLs Supabase Auth may send users to (GoTrue IsRedirectURLValid /
// GetReferrer): the site_url's own origin (any port on loopback hosts, RFC 8252 §7.3), or a
// match of one of the additional_redirect_urls globs (see redirect_glob.hpp); numeric hosts
// are refused except loopback IPs; http(s) hosts must look like DNS names. Anything else falls
// back to site_url.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "auth/redirect_glob.hpp"
#include "common/error.hpp"

namespace basalt::auth {

class RedirectPolicy {
 public:
  // Compiles the allow-list once. A pattern that does not compile matches nothing and is
  // reported by pattern_errors() (GoTrue would refuse to start; log it at start-up).
  RedirectPolicy(std::string site_url, const std::vector<std::string>& allow_list);

  // GoTrue IsRedirectURLValid.
  bool is_valid(std::string_view redirect_url) const;

  // GoTrue GetReferrer: `redirect_to` (the redirect_to header, query or form field) when valid,
  // else the Referer header when valid, else site_url.
  std::string resolve(std::string_view redirect_to, std::string_view referer = {}) const;

  const std::string& site_url() const { return site_url_; }
  const std::vector<Error>& pattern_errors() const { return pattern_errors_; }

 private:
  std::string site_url_;
  std::vector<UrlGlob> globs_;
  std::vector<Error> pattern_errors_;
};

}  // namespace basalt::auth
