#include "common/random.hpp"

#include <openssl/rand.h>

#include <array>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace basalt {

namespace {
void fill(unsigned char* out, std::size_t n) {
  // RAND_bytes only fails when the CSPRNG cannot be seeded; continuing would be unsafe.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  fill(buf.data(), bytes);
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : buf) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string random_uuid() {
  std::array<unsigned char, 16> b{};
  fill(b.data(), b.size());
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

std::string request_id() {
  thread_local boost::uuids::random_generator_mt19937 generate;
  return boost::uuids::to_string(generate());
}

}  // namespace basalt
