// The platform bootstrap SQL files (src/platform/sql/*.sql), compiled into the binary.
// Sorted by file name; the numeric prefix of a name is its bootstrap version.
#pragma once
#include <string_view>
#include <vector>

namespace basalt::platform {

struct EmbeddedSql {
  std::string_view name;  // e.g. "0001_roles.sql"
  std::string_view text;
};

const std::vector<EmbeddedSql>& embedded_sql();

}  // namespace basalt::platform
