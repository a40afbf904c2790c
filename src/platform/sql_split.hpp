// Splits a SQL file into statements the way the Supabase CLI does for migrations and seeds:
// on `;` outside quotes, dollar quotes, comments, parentheses and BEGIN ATOMIC bodies, each
// statement kept as written (comments included) minus its `;` and surrounding whitespace.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::platform {

struct SqlStatement {
  std::string text;        // trimmed, without the closing `;`
  std::size_t offset = 0;  // byte offset of `text` in the input
};

// Statements with where each starts (for error lines). Empty statements are dropped; a
// comment-only statement is kept, as the CLI keeps it. The only error is a NUL byte, which
// libpq cannot send.
Result<std::vector<SqlStatement>> split_sql(std::string_view sql);

// Just the statement texts.
Result<std::vector<std::string>> split_statements(std::string_view sql);

// 1-based line of byte `offset` in `text`.
int line_of_offset(std::string_view text, std::size_t offset);

// Byte offset of Postgres's error position (1-based, counted in characters) within `text`.
std::size_t byte_offset_of_position(std::string_view text, int position);

}  // namespace basalt::platform
