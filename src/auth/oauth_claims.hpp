// What a provider says about a user, turned into Supabase Auth's identity: the provider's
// subject, its email and whether the provider verified it, and identity_data in GoTrue's
// Claims shape (iss, sub, the standard OpenID Connect profile claims, email_verified and
// phone_verified always present, other claims under custom_claims, plus full_name, avatar_url
// and provider_id). Also the id_token checks GoTrue makes after the signature: audience and
// nonce, with its OAuth-style error texts.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::auth {

// One address a provider lists for the user.
struct ProviderEmail {
  std::string email;
  bool verified = false;
  bool primary = false;
};

struct ProviderIdentity {
  std::string sub;
  // identity_data's address (lower-cased; "" when the provider gave none) and its flag.
  std::string email;
  bool email_verified = false;
  // Every non-empty address the provider listed, lower-cased, in its order: what account
  // linking looks at (an OpenID Connect profile lists its one address as primary).
  std::vector<ProviderEmail> emails;
  boost::json::object data;  // auth.identities.identity_data
};

// Supabase Auth's account-linking inputs (models.DetermineAccountLinking): the addresses an
// unknown identity may join an existing user by (the verified ones, or all of them when the
// mailer autoconfirms), and the address a new user gets: the primary one only, with its
// verified flag ("" and false when none is primary).
struct LinkingEmails {
  std::vector<std::string> linkable;
  std::string candidate;
  bool candidate_verified = false;
};
LinkingEmails linking_emails(const std::vector<ProviderEmail>& emails, bool autoconfirm);

// From the verified id_token claims and/or the userinfo response (either may be empty; for
// keys both have, userinfo wins). Fails (500, as Supabase Auth treats a bad profile) when
// there is no `sub`, or the two disagree on it.
Result<ProviderIdentity> identity_from_claims(const boost::json::object& id_token_claims,
                                              const boost::json::object& userinfo);

// An OAuth-style error ({"error": ..., "error_description": ...}, 400) as GoTrue's
// NewOAuthError; is_oauth_error() recognises one, oauth_error_body() writes it.
Error oauth_error(std::string_view error, std::string description);
bool is_oauth_error(const Error& e);
boost::json::object oauth_error_body(const Error& e);

// GoTrue's nonce rule for id_tokens: unless skipped, the token's nonce and the request's must
// both be present or both absent, and the token's must be the hex SHA-256 of the request's.
Status check_id_token_nonce(std::string_view token_nonce, std::string_view raw_nonce, bool skip);

// True when `aud` (a string or an array of strings) contains one of the non-empty client ids.
bool audience_accepted(const boost::json::value* aud, const std::vector<std::string>& client_ids);
// `aud` as Go prints a []string ("[a b]"), for GoTrue's "Unacceptable audience" message.
std::string audience_text(const boost::json::value* aud);

// OpenID Connect at_hash for RS256/ES256 tokens: base64url of the left half of the access
// token's SHA-256.
bool at_hash_matches(std::string_view at_hash, std::string_view access_token);

std::string sha256_hex(std::string_view data);

}  // namespace basalt::auth
