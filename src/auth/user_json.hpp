// The JSON shapes of Supabase Auth's models, built from the rows the SQL functions return
// (src/platform/sql/R_auth_api.sql): user, identity and factor objects with GoTrue's field
// order and omissions, and timestamps in RFC 3339 as Go writes them.
#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace basalt::auth {

// "2026-11-23T10:00:00.120000+00:00" (Postgres, UTC) -> "2026-11-23T10:00:00.12Z".
std::string rfc3339(std::string_view postgres_timestamp);

// Unix seconds -> "2026-11-23T10:00:00Z".
std::string rfc3339_now(std::int64_t unix_seconds);

// The user object of GET /user and friends, from _basalt.auth_user()'s row.
boost::json::object user_json(const boost::json::object& row);
boost::json::object identity_json(const boost::json::object& row);
boost::json::object factor_json(const boost::json::object& row);

// Helpers for reading rows: a string field ("" when missing or null).
std::string str(const boost::json::object& o, std::string_view key);
bool flag(const boost::json::object& o, std::string_view key);
// An object field ({} when missing or not an object).
boost::json::object object_field(const boost::json::object& o, std::string_view key);

}  // namespace basalt::auth
