#include "auth/password_policy.hpp"

#include <algorithm>

#include "auth/auth_error.hpp"

namespace basalt::auth {

namespace {

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
// The CLI sends "...:!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~" and GoTrue joins "\:" back into
// ":", so the symbol set holds one backslash and a colon.
constexpr std::string_view kSymbols = "!@#$%^&*()_+-=[]{};'\\:\"|<>?,./`~";

constexpr int kMinPasswordLength = 6;

}  // namespace

Result<std::vector<std::string>> required_character_sets(std::string_view requirements) {
  if (requirements.empty()) return std::vector<std::string>{};
  if (requirements == "letters_digits") {
    return std::vector<std::string>{std::string(kLower) + std::string(kUpper),
                                    std::string(kDigits)};
  }
  if (requirements == "lower_upper_letters_digits") {
    return std::vector<std::string>{std::string(kLower), std::string(kUpper), std::string(kDigits)};
  }
  if (requirements == "lower_upper_letters_digits_symbols") {
    return std::vector<std::string>{std::string(kLower), std::string(kUpper), std::string(kDigits),
                                    std::string(kSymbols)};
  }
  return internal_error("Invalid password requirements",
                        "unknown auth.password_requirements value: " + std::string(requirements));
}

Result<PasswordPolicy> make_password_policy(int minimum_password_length,
                                            std::string_view requirements) {
  auto sets = required_character_sets(requirements);
  if (!sets) return std::move(sets).error();
  PasswordPolicy policy;
  policy.min_length =
      static_cast<std::size_t>(std::max(minimum_password_length, kMinPasswordLength));
  policy.required_sets = std::move(*sets);
  return policy;
}

Status check_password_max_length(std::string_view password) {
  if (password.size() > kMaxPasswordLength) {
    return bad_request("validation_failed", "Password cannot be longer than " +
                                                std::to_string(kMaxPasswordLength) + " characters");
  }
  return {};
}

std::optional<WeakPassword> check_password_strength(std::string_view password,
                                                    const PasswordPolicy& policy) {
  WeakPassword weak;
  std::string message;
  auto add = [&](std::string reason, const std::string& text) {
    weak.reasons.push_back(std::move(reason));
    if (!message.empty()) message += ' ';
    message += text;
  };

  if (password.size() < policy.min_length) {
    add("length",
        "Password should be at least " + std::to_string(policy.min_length) + " characters.");
  }

  for (const auto& set : policy.required_sets) {
    if (set.empty() || password.find_first_of(set) != std::string_view::npos) continue;
    std::string all;
    for (const auto& s : policy.required_sets) {
      if (!all.empty()) all += ", ";
      all += s;
    }
    add("characters", "Password should contain at least one character of each: " + all + ".");
    break;
  }

  if (weak.reasons.empty()) return std::nullopt;
  weak.message = std::move(message);
  return weak;
}

}  // namespace basalt::auth
