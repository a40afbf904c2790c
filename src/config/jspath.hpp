// PostgREST's JSPath, the small path language of `jwt-role-claim-key`: where in a JWT's claims
// the role is. `.role`, `."https://example.com/claims".role`, `.roles[0]`, and a final filter
// over an array of strings: `.roles[?(@ == "admin")]` (also !=, ^== starts with, ==^ ends with,
// *== contains). Parsing and walking follow PostgREST v14's Config/JSPath.hs and Auth/Jwt.hs.
#pragma once
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::config {

struct JsPathStep {
  enum class Kind { key, index, filter };
  enum class Match { equals, not_equals, starts_with, ends_with, contains };
  Kind kind = Kind::key;
  std::string key;  // Kind::key: the object member; Kind::filter: the text to compare with
  std::size_t index = 0;
  Match match = Match::equals;
  bool operator==(const JsPathStep&) const = default;
};

using JsPath = std::vector<JsPathStep>;

// PostgREST's default, `.role`.
JsPath default_role_claim_key();

// Parses `text`; an Error (code "config") naming the position of the problem otherwise.
Result<JsPath> parse_jspath(std::string_view text);

// The value at `path` in `root`: nullopt when a step does not apply (a key on a non-object, an
// index out of range, a filter on a non-array or with no matching string element).
std::optional<boost::json::value> walk_jspath(const boost::json::value& root, const JsPath& path);

// The role named by the value found: a string as it is, anything else as its JSON text
// (PostgREST's `unquoted`).
std::string jspath_role_text(const boost::json::value& v);

}  // namespace basalt::config
