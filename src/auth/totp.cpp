#include "auth/totp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <qrencode.h>

#include <array>
#include <boost/url/parse.hpp>
#include <cerrno>
#include <cstdlib>
#include <memory>

#include "auth/auth_error.hpp"

namespace basalt::auth {

namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr char kUpperHex[] = "0123456789ABCDEF";

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

// HOTP (RFC 4226) with HMAC-SHA1 and 6 digits.
std::string hotp_code(std::string_view secret, std::uint64_t counter) {
  std::array<unsigned char, 8> msg{};
  for (int i = 7; i >= 0; --i) {
    msg[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  // Some OpenSSL versions fail HMAC() on a null key pointer even at length 0.
  static const unsigned char kEmpty = 0;
  const auto* key =
      secret.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(secret.data());
  if (HMAC(EVP_sha1(), key, static_cast<int>(secret.size()), msg.data(), msg.size(), mac.data(),
           &mac_len) == nullptr ||
      mac_len < 20) {
    std::abort();  // SHA-1 HMAC cannot fail on valid arguments; a broken libcrypto is fatal
  }
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  std::uint32_t value = binary % 1000000U;
  std::string out(kTotpDigits, '0');
  for (int i = kTotpDigits - 1; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out;
}

// The step counter as pquerna/otp computes it: floor(t / 30) converted to uint64.
std::uint64_t step_of(std::int64_t unix_time) {
  std::int64_t q = unix_time / kTotpPeriod;
  if (unix_time % kTotpPeriod != 0 && unix_time < 0) --q;
  return static_cast<std::uint64_t>(q);
}

bool is_go_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Go's url escaping (net/url shouldEscape): `path` mode keeps $&+,/:;=@ and escapes '?';
// `segment` mode (url.PathEscape) also escapes / ; , and ?.
enum class EscapeMode { path, segment };

std::string go_escape(std::string_view s, EscapeMode mode) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    bool escape = true;
    if (is_go_unreserved(c)) {
      escape = false;
    } else {
      switch (c) {
        case '$':
        case '&':
        case '+':
        case ':':
        case '=':
        case '@':
          escape = false;
          break;
        case '/':
        case ';':
        case ',':
          escape = mode == EscapeMode::segment;
          break;
        default:
          break;  // '?' and everything else
      }
    }
    if (escape) {
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

struct QrDeleter {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

}  // namespace

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : bytes) {
    buffer = (buffer << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

Result<std::string> base32_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = base32_value(c);
    if (v < 0 || padding) {
      return bad_request("validation_failed", "Invalid base32 secret");
    }
    ++symbols;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  // A final group of 1, 3 or 6 symbols cannot come from whole bytes.
  const std::size_t rest = symbols % 8;
  if (rest == 1 || rest == 3 || rest == 6) {
    return bad_request("validation_failed", "Invalid base32 secret");
  }
  return out;
}

std::string totp_code(std::string_view secret_bytes, std::int64_t unix_time) {
  return hotp_code(secret_bytes, step_of(unix_time));
}

bool verify_totp(std::string_view secret_bytes, std::string_view code, std::int64_t now,
                 int window) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = code.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return false;
  code = code.substr(first, code.find_last_not_of(kSpace) - first + 1);
  if (code.size() != static_cast<std::size_t>(kTotpDigits) || window < 0) return false;
  const std::uint64_t step = step_of(now);
  bool ok = false;
  for (int i = -window; i <= window; ++i) {
    // Wraps like pquerna/otp's uint64(int64(counter) + i).
    const std::string expected = hotp_code(secret_bytes, step + static_cast<std::uint64_t>(i));
    ok |= CRYPTO_memcmp(expected.data(), code.data(), expected.size()) == 0;
  }
  return ok;
}

std::string new_totp_secret() {
  std::string secret(kTotpSecretBytes, '\0');
  // RAND_bytes only fails when the CSPRNG cannot be seeded; continuing would be unsafe.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 1) {
    std::abort();
  }
  return secret;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view secret_b32) {
  std::string label(issuer);
  label += ':';
  label += account;
  // Query keys in sorted order, values escaped with url.PathEscape (pquerna/otp EncodeQuery).
  std::string uri = "otpauth://totp/";
  uri += go_escape(label, EscapeMode::path);
  uri += "?algorithm=SHA1&digits=6&issuer=";
  uri += go_escape(issuer, EscapeMode::segment);
  uri += "&period=30&secret=";
  uri += go_escape(secret_b32, EscapeMode::segment);
  return uri;
}

Result<std::string> default_totp_issuer(std::string_view site_url) {
  auto parsed = boost::urls::parse_absolute_uri(site_url);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) {
    return internal_error("site url is improperly formatted",
                          "cannot take the TOTP issuer from site_url");
  }
  return std::string(parsed->encoded_host_and_port());
}

Result<std::string> totp_qr_svg(std::string_view uri) {
  const std::string text(uri);
  if (text.find('\0') != std::string::npos) {
    return internal_error("Error generating QR Code", "NUL byte in otpauth URI");
  }
  errno = 0;
  std::unique_ptr<QRcode, QrDeleter> qr(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_H, QR_MODE_8, 1));
  if (!qr || qr->width <= 0) {
    return internal_error("Error generating QR Code", errno == ERANGE
                                                          ? "otpauth URI too long for a QR code"
                                                          : "libqrencode failed");
  }
  // 3 px per module and a 4-module quiet zone, as GoTrue draws it. Light modules come from one
  // background rect; dark modules form one path, a rectangle per horizontal run. The text has
  // no '#' or '%', so clients may put it in a data: URI as is (supabase-js does).
  constexpr int kBlock = 3;
  constexpr int kQuiet = 4 * kBlock;
  const int n = qr->width;
  const int size = n * kBlock + 2 * kQuiet;
  const std::string side = std::to_string(size);
  std::string svg = "<?xml version=\"1.0\"?>\n<svg width=\"" + side + "\" height=\"" + side +
                    "\"\n     xmlns=\"http://www.w3.org/2000/svg\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + side + "\" height=\"" + side +
         "\" style=\"fill:white;stroke:none\" />\n<path d=\"";
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n;) {
      if ((qr->data[y * n + x] & 1) == 0) {
        ++x;
        continue;
      }
      int end = x;
      while (end < n && (qr->data[y * n + end] & 1) != 0) ++end;
      const std::string w = std::to_string((end - x) * kBlock);
      svg += "M" + std::to_string(kQuiet + x * kBlock) + " " + std::to_string(kQuiet + y * kBlock) +
             "h" + w + "v" + std::to_string(kBlock) + "h-" + w + "z";
      x = end;
    }
  }
  svg += "\" style=\"fill:black;stroke:none\" />\n";
  svg += "</svg>\n";
  return svg;
}

}  // namespace basalt::auth
