#include "auth/redirect.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <optional>

namespace basalt::auth {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

struct Origin {
  std::string scheme;    // lower case (Go lower-cases it while parsing)
  std::string hostname;  // decoded, IPv6 without brackets (Go URL.Hostname())
  std::string port;      // as written (Go URL.Port())
  bool is_ip = false;
  bool loopback_ip = false;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return (std::tolower(static_cast<unsigned char>(c)) - 'a') + 10;
}

bool allowed_in_query(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':  // unreserved
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':  // sub-delims
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
    case '/':
    case '?':
      return true;
    default:
      return false;
  }
}

// Go's url.Parse takes query strings and fragments that RFC 3986 (and Boost.URL) refuse, such
// as "?a[]=1" or "?q=a b|c". Only the origin matters here, so such characters after the first
// '?' or '#' are percent-encoded before parsing. Control characters stay (Go refuses them
// too), as does a malformed escape in the fragment (Go refuses that as well).
std::string lenient_tail(std::string_view s) {
  const std::size_t start = s.find_first_of("?#");
  if (start == std::string_view::npos) return std::string(s);
  std::string out(s.substr(0, start + 1));
  bool in_fragment = s[start] == '#';
  for (std::size_t i = start + 1; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '#' && !in_fragment) {
      in_fragment = true;
      out.push_back('#');
      continue;
    }
    const bool escape_ok = c == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2]);
    if (allowed_in_query(c) || escape_ok || c < 0x20 || c == 0x7f || (c == '%' && in_fragment)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Go allows percent-escapes in a host only for non-ASCII bytes (and "%25").
bool go_valid_host_escapes(std::string_view encoded_host) {
  for (std::size_t i = 0; i < encoded_host.size(); ++i) {
    if (encoded_host[i] != '%') continue;
    if (i + 2 >= encoded_host.size()) return false;
    const int v = hex_value(encoded_host[i + 1]) * 16 + hex_value(encoded_host[i + 2]);
    if (v < 0x80 && v != 0x25) return false;
    i += 2;
  }
  return true;
}

std::optional<Origin> parse_origin(std::string_view text) {
  const std::string prepared = lenient_tail(text);
  auto parsed = boost::urls::parse_uri_reference(prepared);
  if (!parsed) return std::nullopt;
  const boost::urls::url_view& u = *parsed;
  Origin o;
  o.scheme = lower(u.scheme());
  if (!u.has_authority()) return o;
  switch (u.host_type()) {
    case boost::urls::host_type::ipv4: {
      o.is_ip = true;
      o.loopback_ip = (u.host_ipv4_address().to_uint() >> 24) == 127;
      o.hostname = u.host_address();
      break;
    }
    case boost::urls::host_type::ipv6: {
      const auto a = u.host_ipv6_address();
      const auto b = a.to_bytes();
      o.is_ip = true;
      o.loopback_ip = a.is_loopback() || (a.is_v4_mapped() && b[12] == 127);
      o.hostname = u.host_address();
      break;
    }
    case boost::urls::host_type::ipvfuture:
      return std::nullopt;  // Go refuses these
    default:
      if (!go_valid_host_escapes(u.encoded_host())) return std::nullopt;
      o.hostname = u.host_name();
      break;
  }
  o.port = std::string(u.port());
  return o;
}

bool is_localhost(std::string_view hostname) {
  const std::string h = lower(hostname);
  return h == "localhost" || h == "127.0.0.1" || h == "::1" || h == "0.0.0.0" || h == "::";
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$
bool regular_hostname(std::string_view s) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace

RedirectPolicy::RedirectPolicy(std::string site_url, const std::vector<std::string>& allow_list)
    : site_url_(std::move(site_url)) {
  for (const auto& pattern : allow_list) {
    auto glob = UrlGlob::compile(pattern);
    if (glob) {
      globs_.push_back(std::move(*glob));
    } else {
      pattern_errors_.push_back(std::move(glob).error());
    }
  }
}

bool RedirectPolicy::is_valid(std::string_view redirect_url) const {
  if (redirect_url.empty()) return false;
  const auto base = parse_origin(site_url_);
  const auto ref = parse_origin(redirect_url);
  if (!base || !ref) return false;

  // The site's own origin; any port on loopback hosts (RFC 8252 §7.3). Host names compare
  // case-insensitively (GoTrue compares them as written).
  if (lower(base->hostname) == lower(ref->hostname) && base->scheme == ref->scheme &&
      (base->port == ref->port || is_localhost(ref->hostname))) {
    return true;
  }

  const bool http = ref->scheme == "http" || ref->scheme == "https";
  if (all_digits(ref->hostname)) return false;  // a decimal IP address
  if (ref->is_ip) return ref->loopback_ip;
  if (http && !regular_hostname(ref->hostname)) return false;

  // The patterns match the URL as written, without its fragment.
  const std::string_view without_fragment = redirect_url.substr(0, redirect_url.find('#'));
  for (const auto& glob : globs_) {
    if (glob.match(without_fragment)) return true;
  }
  return false;
}

std::string RedirectPolicy::resolve(std::string_view redirect_to, std::string_view referer) const {
  if (is_valid(redirect_to)) return std::string(redirect_to);
  if (is_valid(referer)) return std::string(referer);
  return site_url_;
}

}  // namespace basalt::auth
