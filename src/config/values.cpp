// Scalar spellings shared with the Supabase CLI: sizes follow docker/go-units RAMInBytes (which
// the CLI uses for file_size_limit), durations follow Go's time.ParseDuration.
#include "config/values.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <system_error>
#include <utility>

#include "config/config.hpp"

namespace basalt::config {
namespace detail {

Error config_error(std::string message) {
  return Error::make(500, "config", std::move(message));
}

std::optional<std::string> env_reference(std::string_view value) {
  constexpr std::string_view kPrefix = "env(";
  if (value.size() < kPrefix.size() + 1 || value.substr(0, kPrefix.size()) != kPrefix ||
      value.back() != ')') {
    return std::nullopt;
  }
  std::string_view name = value.substr(kPrefix.size(), value.size() - kPrefix.size() - 1);
  if (name.find('\n') != std::string_view::npos) return std::nullopt;
  return std::string(name);
}

std::optional<bool> parse_go_bool(std::string_view text) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" ||
      text == "True") {
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" ||
      text == "False") {
    return false;
  }
  return std::nullopt;
}

std::optional<std::int64_t> parse_go_int(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0') {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(text[1])));
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      text.remove_prefix(2);
    }
  }
  if (base == 10 && text.size() > 1 && text[0] == '0') base = 8;
  if (text.empty()) return std::nullopt;
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (magnitude > kMax + 1) return std::nullopt;
    return magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                 : -static_cast<std::int64_t>(magnitude);
  }
  if (magnitude > kMax) return std::nullopt;
  return static_cast<std::int64_t>(magnitude);
}

std::string format_go_float(double value) {
  std::array<char, 512> buf{};
  auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed);
  if (ec != std::errc()) return "NaN";
  return std::string(buf.data(), end);
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace detail

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Go's strconv.ParseFloat, limited to plain decimal notation (no hex, inf or nan).
std::optional<double> parse_decimal(std::string_view text) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (!is_digit(c) && c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+') {
      return std::nullopt;
    }
  }
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<std::uint64_t> parse_size(const std::string& text) {
  auto bad = [&text](std::string_view why) {
    return detail::config_error("invalid size " + detail::quote(text) + ": " + std::string(why));
  };
  std::string_view s = text;
  std::string_view number;
  std::string_view unit;
  if (auto space = s.find(' '); space != std::string_view::npos) {
    number = s.substr(0, space);
    unit = s.substr(space + 1);
  } else {
    auto last = s.find_last_of("0123456789.");
    if (last == std::string_view::npos) return bad("no number");
    number = s.substr(0, last + 1);
    unit = s.substr(last + 1);
  }
  std::optional<double> value = parse_decimal(number);
  if (!value) return bad("not a number");
  if (*value < 0) return bad("negative");
  std::uint64_t multiplier = 1;
  if (!unit.empty()) {
    constexpr std::string_view kUnits = "expected B, KB, MB, GB, TB or PB (1024-based; KiB.. too)";
    if (unit.size() > 3) return bad(kUnits);
    std::string lower;
    for (char c : unit) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower[0] == 'b') {
      if (lower.size() > 1) return bad(kUnits);
    } else {
      constexpr std::string_view kPrefixes = "kmgtp";
      auto power = kPrefixes.find(lower[0]);
      if (power == std::string_view::npos) return bad(kUnits);
      if (lower.size() == 2 && lower[1] != 'b') return bad(kUnits);
      if (lower.size() == 3 && lower.substr(1) != "ib") return bad(kUnits);
      for (std::size_t i = 0; i <= power; ++i) multiplier *= 1024;
    }
  }
  double bytes = *value * static_cast<double>(multiplier);
  // 2^63: the CLI stores sizes as int64.
  if (!(bytes < 9223372036854775808.0)) return bad("too large");
  return static_cast<std::uint64_t>(bytes);
}

Result<std::chrono::nanoseconds> parse_duration(const std::string& text) {
  auto bad = [&text](std::string_view why) {
    return detail::config_error("invalid duration " + detail::quote(text) + ": " +
                                std::string(why));
  };
  constexpr std::uint64_t kLimit = 1ull << 63;
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad("empty");
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !is_digit(s[0])) return bad("expected a number");
    std::uint64_t whole = 0;
    bool has_whole = false;
    while (!s.empty() && is_digit(s[0])) {
      if (whole > kLimit / 10) return bad("too large");
      whole = whole * 10 + static_cast<std::uint64_t>(s[0] - '0');
      if (whole > kLimit) return bad("too large");
      has_whole = true;
      s.remove_prefix(1);
    }
    std::uint64_t fraction = 0;
    double scale = 1;
    bool has_fraction = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      bool saturated = false;
      while (!s.empty() && is_digit(s[0])) {
        if (!saturated) {
          if (fraction > (kLimit - 1) / 10) {
            saturated = true;  // further digits cannot change the result
          } else {
            fraction = fraction * 10 + static_cast<std::uint64_t>(s[0] - '0');
            scale *= 10;
          }
        }
        has_fraction = true;
        s.remove_prefix(1);
      }
    }
    if (!has_whole && !has_fraction) return bad("expected a number");
    std::size_t unit_length = 0;
    while (unit_length < s.size() && s[unit_length] != '.' && !is_digit(s[unit_length])) {
      ++unit_length;
    }
    if (unit_length == 0) return bad("missing unit (ns, us, ms, s, m or h)");
    std::string_view unit = s.substr(0, unit_length);
    s.remove_prefix(unit_length);
    std::uint64_t scale_ns = 0;
    if (unit == "ns") {
      scale_ns = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      scale_ns = 1000;
    } else if (unit == "ms") {
      scale_ns = 1000 * 1000;
    } else if (unit == "s") {
      scale_ns = 1000 * 1000 * 1000;
    } else if (unit == "m") {
      scale_ns = 60ull * 1000 * 1000 * 1000;
    } else if (unit == "h") {
      scale_ns = 3600ull * 1000 * 1000 * 1000;
    } else {
      return bad("unknown unit " + detail::quote(unit) + " (use ns, us, ms, s, m or h)");
    }
    if (whole > kLimit / scale_ns) return bad("too large");
    whole *= scale_ns;
    if (fraction > 0) {
      whole += static_cast<std::uint64_t>(static_cast<double>(fraction) *
                                          (static_cast<double>(scale_ns) / scale));
      if (whole > kLimit) return bad("too large");
    }
    total += whole;
    if (total > kLimit) return bad("too large");
  }
  if (negative) {
    return std::chrono::nanoseconds(total == kLimit ? std::numeric_limits<std::int64_t>::min()
                                                    : -static_cast<std::int64_t>(total));
  }
  if (total > kLimit - 1) return bad("too large");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

std::string sanitize_project_id(std::string_view project_id) {
  std::string out;
  bool in_invalid_run = false;
  for (char c : project_id) {
    bool valid =
        std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
    if (valid) {
      out += c;
      in_invalid_run = false;
    } else if (!in_invalid_run) {
      out += '_';
      in_invalid_run = true;
    }
  }
  auto first = out.find_first_not_of("_.-");
  out = first == std::string::npos ? std::string() : out.substr(first);
  constexpr std::size_t kMaxLength = 40;
  if (out.size() > kMaxLength) out.resize(kMaxLength);
  return out;
}

}  // namespace basalt::config
