// Sign in with Apple as Supabase Auth does it ([auth.external.apple]). Apple is OpenID Connect
// with its own habits: the authorization request asks for the scopes `email name` with
// `response_mode=form_post` (Apple POSTs the code to /callback) and without PKCE; the user
// comes only from the id_token (Apple has no userinfo endpoint), whose address Apple has always
// verified; the name arrives once, on the first sign-in, as the `user` JSON field of that POST.
// Apple issues tokens as https://appleid.apple.com and, lately, https://account.apple.com.
#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/oauth_claims.hpp"
#include "common/error.hpp"

namespace basalt::auth {

inline constexpr std::string_view kAppleIssuer = "https://appleid.apple.com";
inline constexpr std::string_view kAppleOtherIssuer = "https://account.apple.com";

bool is_apple(std::string_view provider);
bool is_apple_issuer(std::string_view issuer);

// The issuers an Apple id_token may name when the provider's issuer is `configured`: both of
// Apple's when it is Apple's own, else just `configured` (a test or proxy issuer).
std::vector<std::string> apple_accepted_issuers(const std::string& configured);

// The identity in Apple's verified id_token claims, as GoTrue reads them: sub, the address
// (verified: Apple checked it), and custom_claims is_private_email (a boolean, which Apple may
// send as a string), auth_time and transfer_sub when present. `user_form` is the callback's
// `user` field ("" when absent): {"name": {"firstName", "lastName"}} gives name and full_name.
// Fails (500, as GoTrue) when is_private_email is not a boolean or `user_form` is not JSON.
Result<ProviderIdentity> apple_identity(const boost::json::object& claims,
                                        std::string_view user_form);

}  // namespace basalt::auth
