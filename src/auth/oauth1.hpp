// OAuth 1.0a request signing (RFC 5849) with HMAC-SHA1, as Twitter's OAuth 1.0a endpoints
// want it: the signature base string of the method, the URL without its query and every
// parameter (the oauth_* ones, the query's and a form body's), signed with
// "<consumer secret>&<token secret>", and the Authorization header that carries the oauth_*
// parameters. The nonce and timestamp are the caller's, so the result is reproducible.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::auth {

using OAuth1Params = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~.
std::string oauth1_encode(std::string_view s);

// METHOD&encode(url)&encode(k=v&... sorted by encoded key, then value).
std::string oauth1_base_string(std::string_view method, std::string_view url,
                               const OAuth1Params& params);

// base64(HMAC-SHA1(encode(consumer_secret)&encode(token_secret), base_string)).
std::string oauth1_signature(std::string_view base_string, std::string_view consumer_secret,
                             std::string_view token_secret);

struct OAuth1Request {
  std::string method = "GET";
  std::string url;             // without a query
  OAuth1Params query_or_form;  // the request's other parameters, which the signature covers
  std::string consumer_key;
  std::string consumer_secret;
  std::string token;  // "" before there is one (the request-token step)
  std::string token_secret;
  OAuth1Params extra_oauth;  // oauth_callback, oauth_verifier
  std::string nonce;
  long long timestamp = 0;
};

// The Authorization header's value: OAuth oauth_consumer_key="...", ..., oauth_signature="...".
std::string oauth1_authorization(const OAuth1Request& r);

}  // namespace basalt::auth
