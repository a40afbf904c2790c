// Random identifiers from OpenSSL's CSPRNG: request ids, UUIDv4 strings, secrets.
#pragma once
#include <string>

namespace basalt {

std::string random_hex(std::size_t bytes);
std::string random_uuid();  // RFC 4122 version 4, lower-case, with dashes

}  // namespace basalt
