#include "platform/progress.hpp"

#include "common/log.hpp"

namespace basalt::platform {

Progress Progress::to_log() {
  Progress p;
  p.info = [](std::string_view line) { log::info("{}", line); };
  p.warn = [](std::string_view line) { log::warn("{}", line); };
  return p;
}

}  // namespace basalt::platform
