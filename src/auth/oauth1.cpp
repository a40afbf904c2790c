#include "auth/oauth1.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

namespace basalt::auth {

std::string oauth1_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::string oauth1_base_string(std::string_view method, std::string_view url,
                               const OAuth1Params& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const auto& [k, v] : params) encoded.emplace_back(oauth1_encode(k), oauth1_encode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string normalized;
  for (const auto& [k, v] : encoded) {
    if (!normalized.empty()) normalized += '&';
    normalized += k;
    normalized += '=';
    normalized += v;
  }
  return std::string(method) + '&' + oauth1_encode(url) + '&' + oauth1_encode(normalized);
}

std::string oauth1_signature(std::string_view base_string, std::string_view consumer_secret,
                             std::string_view token_secret) {
  const std::string key = oauth1_encode(consumer_secret) + '&' + oauth1_encode(token_secret);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(base_string.data()), base_string.size(),
           mac.data(), &length) == nullptr) {
    return {};
  }
  std::string out(4 * ((length + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac.data(),
                                      static_cast<int>(length));
  out.resize(written < 0 ? 0 : static_cast<std::size_t>(written));
  return out;
}

std::string oauth1_authorization(const OAuth1Request& r) {
  OAuth1Params oauth = {
      {"oauth_consumer_key", r.consumer_key},
      {"oauth_nonce", r.nonce},
      {"oauth_signature_method", "HMAC-SHA1"},
      {"oauth_timestamp", std::to_string(r.timestamp)},
      {"oauth_version", "1.0"},
  };
  if (!r.token.empty()) oauth.emplace_back("oauth_token", r.token);
  oauth.insert(oauth.end(), r.extra_oauth.begin(), r.extra_oauth.end());
  OAuth1Params all = oauth;
  all.insert(all.end(), r.query_or_form.begin(), r.query_or_form.end());
  oauth.emplace_back("oauth_signature", oauth1_signature(oauth1_base_string(r.method, r.url, all),
                                                         r.consumer_secret, r.token_secret));
  std::sort(oauth.begin(), oauth.end());
  std::string header = "OAuth ";
  for (std::size_t i = 0; i < oauth.size(); ++i) {
    if (i > 0) header += ", ";
    header += oauth1_encode(oauth[i].first) + "=\"" + oauth1_encode(oauth[i].second) + '"';
  }
  return header;
}

}  // namespace basalt::auth
