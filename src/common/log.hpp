// Logging: human-readable lines for start-up and operations (spdlog on stderr), and one JSON
// line per request for the access log. Nothing here formats secrets; callers pass none.
#pragma once
#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <string_view>

namespace basalt::log {

enum class Format { text, json };

// Call once at start. `level` is one of trace, debug, info, warn, error.
void init(std::string_view level, Format format);

// Writes `fields` as one JSON line (adds "ts" and "level") at info level.
void json_line(std::string_view level, boost::json::object fields);

using spdlog::debug;
using spdlog::error;
using spdlog::info;
using spdlog::warn;

}  // namespace basalt::log
