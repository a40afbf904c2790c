#include "common/log.hpp"

#include <fmt/chrono.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <boost/json/serialize.hpp>
#include <chrono>

namespace basalt::log {

namespace {
Format g_format = Format::text;
}

void init(std::string_view level, Format format) {
  g_format = format;
  auto logger = spdlog::stderr_color_mt("basalt");
  logger->set_pattern(format == Format::json ? "%v" : "%^%L%$ %H:%M:%S.%e %v");
  logger->set_level(spdlog::level::from_str(std::string(level)));
  spdlog::set_default_logger(logger);
}

void json_line(std::string_view level, boost::json::object fields) {
  auto now = std::chrono::system_clock::now();
  boost::json::object line;
  line["ts"] = fmt::format("{:%FT%T}Z", std::chrono::floor<std::chrono::milliseconds>(now));
  line["level"] = level;
  for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
  spdlog::info("{}", boost::json::serialize(line));
}

}  // namespace basalt::log
