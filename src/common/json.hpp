// JSON parsing with one nesting limit for the whole server.
//
// Boost.JSON's default limit (32 levels) refuses ordinary documents that Postgres and the
// APIs Basalt imitates accept (a jsonb column or user_metadata nested 40 deep). Its parser and
// its value destructor recurse once per level, so the limit must stay far below what a
// thread's stack holds: 4096 levels take well under a megabyte of an 8 MB I/O thread stack.
#pragma once
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string_view>

namespace basalt {

inline constexpr std::size_t kJsonMaxDepth = 4096;

inline boost::json::parse_options json_parse_options() {
  boost::json::parse_options o;
  o.max_depth = kJsonMaxDepth;
  return o;
}

// boost::json::parse with the server's nesting limit; `ec` is set on invalid (or too deep)
// JSON.
boost::json::value parse_json(std::string_view text, boost::system::error_code& ec);

}  // namespace basalt
