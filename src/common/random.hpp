// Random identifiers from OpenSSL's CSPRNG: request ids, UUIDv4 strings, secrets.
#pragma once
#include <string>

namespace basalt {

std::string random_hex(std::size_t bytes);
std::string random_uuid();  // RFC 4122 version 4, lower-case, with dashes
// A version 4 UUID for request ids, which are not secrets: a per-thread Mersenne Twister that
// Boost seeds from the system's random source, instead of a CSPRNG call per request.
std::string request_id();

}  // namespace basalt
