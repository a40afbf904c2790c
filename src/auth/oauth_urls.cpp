#include "auth/oauth_urls.hpp"

#include <algorithm>
#include <boost/json/value.hpp>

namespace basalt::auth {

namespace json = boost::json;

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string query_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Splits `url` into what precedes the query, the query (without '?') and the fragment
// (without '#').
struct UrlParts {
  std::string base;
  std::string query;
  std::string fragment;
  bool has_fragment = false;
};

UrlParts split(std::string_view url) {
  UrlParts p;
  if (auto hash = url.find('#'); hash != std::string_view::npos) {
    p.fragment = std::string(url.substr(hash + 1));
    p.has_fragment = true;
    url = url.substr(0, hash);
  }
  if (auto q = url.find('?'); q != std::string_view::npos) {
    p.query = std::string(url.substr(q + 1));
    url = url.substr(0, q);
  }
  p.base = std::string(url);
  return p;
}

void set_param(FormParams& params, std::string_view name, std::string_view value) {
  params.erase(std::remove_if(params.begin(), params.end(),
                              [&](const auto& kv) { return kv.first == name; }),
               params.end());
  params.emplace_back(std::string(name), std::string(value));
}

std::string number(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return "0";
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  if (v->is_double()) return std::to_string(static_cast<long long>(v->get_double()));
  return "0";
}

std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string form_encode(const FormParams& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += query_escape(k);
    out += '=';
    out += query_escape(v);
  }
  return out;
}

std::string form_encode_sorted(FormParams params) {
  std::stable_sort(params.begin(), params.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return form_encode(params);
}

FormParams form_decode(std::string_view text) {
  FormParams out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    out.emplace_back(query_unescape(key), query_unescape(value));
  }
  return out;
}

std::string form_value(const FormParams& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::string oauth_scope(const std::vector<std::string>& configured, std::string_view requested,
                        std::vector<std::string> defaults) {
  std::vector<std::string> scopes = std::move(defaults);
  auto add = [&](std::string_view s) {
    if (!s.empty() && std::find(scopes.begin(), scopes.end(), s) == scopes.end()) {
      scopes.emplace_back(s);
    }
  };
  for (const auto& s : configured) add(s);
  std::string item;
  for (char c : requested) {
    if (c == ',' || c == ' ' || c == '\t') {
      add(item);
      item.clear();
    } else {
      item += c;
    }
  }
  add(item);
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

std::string authorization_url(std::string_view endpoint, const FormParams& params) {
  UrlParts p = split(endpoint);
  FormParams all = form_decode(p.query);
  for (const auto& [k, v] : params) set_param(all, k, v);
  std::string out = p.base + "?" + form_encode_sorted(std::move(all));
  if (p.has_fragment) out += "#" + p.fragment;
  return out;
}

std::string with_query_param(std::string_view url, std::string_view name, std::string_view value) {
  UrlParts p = split(url);
  FormParams q = form_decode(p.query);
  set_param(q, name, value);
  std::string out = p.base + "?" + form_encode_sorted(std::move(q));
  if (p.has_fragment) out += "#" + p.fragment;
  return out;
}

std::string error_redirect(std::string_view url, std::string_view error,
                           std::string_view error_code, std::string_view description,
                           bool fragment) {
  UrlParts p = split(url);
  FormParams q = form_decode(p.query);
  FormParams h;
  set_param(q, "error", error);
  h.emplace_back("error", std::string(error));
  if (!description.empty()) {
    set_param(q, "error_description", description);
    h.emplace_back("error_description", std::string(description));
  }
  if (!error_code.empty()) {
    set_param(q, "error_code", error_code);
    h.emplace_back("error_code", std::string(error_code));
  }
  h.emplace_back("sb", "");
  std::string out = p.base + "?" + form_encode_sorted(std::move(q));
  if (fragment) {
    out += "#" + form_encode_sorted(std::move(h));
  } else if (p.has_fragment) {
    out += "#" + p.fragment;
  }
  return out;
}

std::string session_redirect(std::string_view url, const json::object& session,
                             std::string_view provider_token,
                             std::string_view provider_refresh_token) {
  FormParams f{{"access_token", text(session, "access_token")},
               {"expires_at", number(session, "expires_at")},
               {"expires_in", number(session, "expires_in")},
               {"provider_token", std::string(provider_token)},
               {"refresh_token", text(session, "refresh_token")},
               {"sb", ""},
               {"token_type", "bearer"}};
  if (!provider_refresh_token.empty()) {
    f.emplace_back("provider_refresh_token", std::string(provider_refresh_token));
  }
  return std::string(url) + "#" + form_encode_sorted(std::move(f));
}

}  // namespace basalt::auth
