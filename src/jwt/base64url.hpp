// Base64url (RFC 4648 §5) without padding, the encoding of every JWS segment (RFC 7515 §2).
// Decoding is strict on purpose: a token must have exactly one textual form, so caches keyed
// by the token string and signature comparisons cannot be fooled by alternative spellings.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace basalt::jwt {

// Encodes bytes as unpadded base64url.
std::string base64url_encode(std::string_view bytes);

// Decodes unpadded base64url. Returns nullopt for any character outside [A-Za-z0-9_-]
// (including '=' padding and whitespace), for an impossible length (len % 4 == 1) and for
// non-canonical input whose unused trailing bits are not zero.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace basalt::jwt
