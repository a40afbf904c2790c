// Password strength rules of Supabase Auth (GoTrue checkPasswordStrength): a minimum length and
// the character classes of config.toml's `password_requirements`, with GoTrue's exact messages
// and `weak_password.reasons`. The HaveIBeenPwned check ("pwned") is not done.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::auth {

// Bcrypt reads at most 72 bytes, so GoTrue refuses longer passwords outright.
inline constexpr std::size_t kMaxPasswordLength = 72;

struct PasswordPolicy {
  std::size_t min_length = 6;              // GoTrue raises anything below 6 to 6
  std::vector<std::string> required_sets;  // each set needs at least one of its characters
};

struct WeakPassword {
  std::string message;               // e.g. "Password should be at least 8 characters."
  std::vector<std::string> reasons;  // "length", "characters"
};

// The character sets GoTrue gets for a config.toml `password_requirements` value ("",
// "letters_digits", "lower_upper_letters_digits", "lower_upper_letters_digits_symbols"), i.e.
// the CLI's GOTRUE_PASSWORD_REQUIRED_CHARACTERS split on ':' as GoTrue splits it. Fails (500)
// for any other value.
Result<std::vector<std::string>> required_character_sets(std::string_view requirements);

// Builds the policy from config.toml's minimum_password_length and password_requirements.
Result<PasswordPolicy> make_password_policy(int minimum_password_length,
                                            std::string_view requirements);

// 400 validation_failed "Password cannot be longer than 72 characters" when the password has
// more than 72 bytes; checked before strength, as GoTrue does.
Status check_password_max_length(std::string_view password);

// nullopt when the password is strong enough; else GoTrue's message and reasons (respond 422
// weak_password with them, see auth_error.hpp weak_password()). Lengths count bytes, as Go's
// len() does.
std::optional<WeakPassword> check_password_strength(std::string_view password,
                                                    const PasswordPolicy& policy);

}  // namespace basalt::auth
