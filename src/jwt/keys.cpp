#include "jwt/keys.hpp"

#include <openssl/rand.h>

#include <array>
#include <boost/json/object.hpp>
#include <cstdio>
#include <cstdlib>

#include "jwt/base64url.hpp"
#include "jwt/jwt.hpp"

namespace basalt::jwt {

std::string make_api_key(std::string_view role, std::string_view secret) {
  boost::json::object claims;
  claims["iss"] = kApiKeyIssuer;
  claims["role"] = role;
  claims["exp"] = kApiKeyExpiry;
  return sign_hs256(claims, secret);
}

std::string generate_secret() {
  std::array<unsigned char, 48> bytes{};
  // RAND_bytes can fail transiently while the DRBG reseeds; retry a few times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) == 1) {
      return base64url_encode(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
  }
  std::fputs("basalt: RAND_bytes failed; cannot generate a JWT secret\n", stderr);
  std::abort();
}

}  // namespace basalt::jwt
