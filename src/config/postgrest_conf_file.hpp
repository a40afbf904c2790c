// PostgREST's configuration file format (the configurator-pg library): `key = value` lines,
// values "quoted strings" (escapes \n \t \r \" \\ \uXXXX), numbers, true/false/on/off and
// [lists]; `# comments`; `group { key = value }` (the key becomes group.key); `import "file"`
// (relative to the importing file); `#;` comments out the next directive; `$(NAME)` inside a
// string is replaced by an earlier key's value (the innermost group first) or else by the
// environment variable NAME, and `$$` is one `$`. A key bound twice keeps its last value.
// This file only reads the syntax; postgrest_conf.hpp gives the keys their meaning.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"

namespace basalt::config {

struct ConfValue {
  enum class Kind { string, number, boolean, list };
  Kind kind = Kind::string;
  std::string text;              // string: its text; number: as written; boolean: "true" or "false"
  std::vector<ConfValue> items;  // list
};

struct ConfEntry {
  ConfValue value;
  std::string file;  // as given (imports: the resolved path)
  int line = 0;
};

using ConfEntries = std::map<std::string, ConfEntry>;

// Parses `text`, which came from `file` (used in messages and to resolve imports, which are
// read from disk). A syntax error, an unknown $(NAME) or an unreadable import is an Error (code
// "config") whose message starts with "file:line: ".
Result<ConfEntries> parse_conf_text(std::string_view text, const std::string& file,
                                    const EnvLookup& env);

// Reads and parses `path`.
Result<ConfEntries> read_conf_file(const std::filesystem::path& path, const EnvLookup& env);

}  // namespace basalt::config
