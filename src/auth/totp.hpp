// TOTP for MFA factors as Supabase Auth enrolls and verifies them (pquerna/otp defaults):
// RFC 4648 base32 secrets, RFC 6238 codes (HMAC-SHA1, 6 digits, 30 s period, ±1 step), the
// otpauth:// URI returned in `totp.uri` and the SVG QR code returned in `totp.qr_code`.
// Pure functions: the time is a parameter; only new_totp_secret() reads the CSPRNG.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::auth {

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpPeriod = 30;
inline constexpr std::size_t kTotpSecretBytes = 20;

// RFC 4648 base32, upper case, without '=' padding.
std::string base32_encode(std::string_view bytes);

// Decodes base32 case-insensitively, ignoring spaces and '=' padding. Fails (400
// validation_failed) on any other character or an impossible length.
Result<std::string> base32_decode(std::string_view text);

// The 6-digit code for the 30 s step containing `unix_time`.
std::string totp_code(std::string_view secret_bytes, std::int64_t unix_time);

// True when `code` (surrounding whitespace ignored) equals the code of the step of `now` or of
// one of the `window` steps before or after it. Compares in constant time.
bool verify_totp(std::string_view secret_bytes, std::string_view code, std::int64_t now,
                 int window = 1);

// 20 random bytes (the raw secret; store base32_encode() of it, as GoTrue does).
std::string new_totp_secret();

// otpauth://totp/<issuer>:<account>?algorithm=SHA1&digits=6&issuer=..&period=30&secret=..
// escaped exactly as GoTrue's `totp.uri` is.
std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view secret_b32);

// The issuer GoTrue uses when enroll has none: the host (with port) of site_url. Fails (500
// "site url is improperly formatted") when site_url is not an absolute URL.
Result<std::string> default_totp_issuer(std::string_view site_url);

// An SVG image (raw XML text, no data: prefix, as GoTrue returns `totp.qr_code`) of the QR code
// of `uri` (error correction level H). Fails (500 "Error generating QR Code") when the text
// does not fit in a QR code.
Result<std::string> totp_qr_svg(std::string_view uri);

}  // namespace basalt::auth
