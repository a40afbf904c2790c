// Project secrets and API keys: a fresh JWT secret for a new project, and the long-lived
// anon / service_role keys that supabase-js sends as `apikey`, minted exactly like the
// Supabase CLI does so a project on the CLI's default secret gets the well-known keys.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace basalt::jwt {

// Issuer and expiry (2032-11-11) the Supabase CLI puts into its HS256 API keys.
inline constexpr std::string_view kApiKeyIssuer = "supabase-demo";
inline constexpr std::int64_t kApiKeyExpiry = 1983812996;

// The Supabase CLI's default secret; used only by tests and the local-dev defaults.
inline constexpr std::string_view kCliDefaultSecret =
    "super-secret-jwt-token-with-at-least-32-characters-long";

// HS256 JWT with claims {"iss":"supabase-demo","role":<role>,"exp":1983812996}, in that order
// (the CLI's), e.g. role "anon" or "service_role".
std::string make_api_key(std::string_view role, std::string_view secret);

// 64 URL-safe characters ([A-Za-z0-9_-]) from 48 bytes of RAND_bytes. Aborts the process if
// the system random generator fails: there is no safe fallback for a signing secret.
std::string generate_secret();

}  // namespace basalt::jwt
