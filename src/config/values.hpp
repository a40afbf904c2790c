// Internal to the config module: the Supabase CLI's (Go's) spellings of scalar values, used to
// convert config.toml strings and SUPABASE_* variables the way the CLI's decoder does.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::config::detail {

Error config_error(std::string message);

// NAME when `value` is exactly "env(NAME)" (the CLI's ^env\((.*)\)$, no line breaks).
std::optional<std::string> env_reference(std::string_view value);

// Go's strconv.ParseBool spellings: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view text);

// Go's strconv.ParseInt(text, 0, 64): optional sign, then decimal, 0x.., 0o.., 0b.. or a
// leading-0 octal number.
std::optional<std::int64_t> parse_go_int(std::string_view text);

// Go's strconv.FormatFloat(v, 'f', -1, 64).
std::string format_go_float(double value);

// `text` as a double-quoted string with escapes, for messages.
std::string quote(std::string_view text);

}  // namespace basalt::config::detail
