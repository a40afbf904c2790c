// Start-up progress for the platform stages (initdb, Postgres start, bootstrap, migrations,
// seed): human lines for the terminal, split into ordinary lines and warnings so the caller
// decides how each is shown. Nothing passed here ever contains a password.
#pragma once
#include <functional>
#include <string_view>

namespace basalt::platform {

struct Progress {
  std::function<void(std::string_view)> info;
  std::function<void(std::string_view)> warn;

  void say(std::string_view line) const {
    if (info) info(line);
  }
  void warning(std::string_view line) const {
    if (warn) warn(line);
  }

  // Both kinds of line to the process log (spdlog): the usual choice for `basalt start`.
  static Progress to_log();
};

}  // namespace basalt::platform
