#include "jwt/base64url.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstddef>

namespace basalt::jwt {
namespace {

// EVP_EncodeBlock/EVP_DecodeBlock take int lengths, so large inputs go through in blocks.
// Both sizes are whole base64 quanta (3 bytes <-> 4 characters).
constexpr std::size_t kRawBlock = 3 * 4096;
constexpr std::size_t kTextBlock = 4 * 4096;

bool is_url_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  unsigned char buf[kTextBlock + 1];  // EVP_EncodeBlock appends a NUL
  for (std::size_t pos = 0; pos < bytes.size(); pos += kRawBlock) {
    const std::size_t n = std::min(kRawBlock, bytes.size() - pos);
    const int written = EVP_EncodeBlock(
        buf, reinterpret_cast<const unsigned char*>(bytes.data() + pos), static_cast<int>(n));
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(written));
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), is_url_alphabet)) return std::nullopt;

  // Back to the standard alphabet with padding, which is what EVP_DecodeBlock understands.
  std::string padded(text);
  std::replace(padded.begin(), padded.end(), '-', '+');
  std::replace(padded.begin(), padded.end(), '_', '/');
  const std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');

  std::string out;
  out.reserve(padded.size() / 4 * 3);
  unsigned char buf[kRawBlock];
  for (std::size_t pos = 0; pos < padded.size(); pos += kTextBlock) {
    const std::size_t n = std::min(kTextBlock, padded.size() - pos);
    const int written = EVP_DecodeBlock(
        buf, reinterpret_cast<const unsigned char*>(padded.data() + pos), static_cast<int>(n));
    if (written < 0) return std::nullopt;
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(written));
  }
  // EVP_DecodeBlock reports whole quanta: every '=' it consumed still produced a zero byte.
  out.resize(out.size() - pad);

  // Unused low bits of the last character must be zero, otherwise two spellings decode to the
  // same bytes. Re-encoding is the simplest exact check and costs one more linear pass.
  if (base64url_encode(out) != text) return std::nullopt;
  return out;
}

}  // namespace basalt::jwt
