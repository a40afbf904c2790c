// Glob patterns of `additional_redirect_urls` (GoTrue's uri_allow_list), with the syntax and
// meaning of the gobwas/glob library GoTrue compiles them with, separators '.' and '/':
//   *      any run of characters other than '.' and '/'   **  any run of characters
//   ?      one character other than '.' and '/'           \c  the character c
//   [abc] [!abc] [a-z] [!a-z]   one character in / not in the class (separators included)
//   {a,b,c}  one of the alternatives (which may nest)
// The whole text must match. Matching works on Unicode code points, in linear time per node.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace basalt::auth {

class UrlGlob {
 public:
  // Fails (500) for a pattern gobwas/glob rejects: an empty or unclosed class, a reversed
  // range, invalid UTF-8. (GoTrue refuses to start with such a pattern.)
  static Result<UrlGlob> compile(std::string_view pattern);

  bool match(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

  struct Node {
    enum class Kind { text, any, super, single, chars, range, alternatives };
    Kind kind = Kind::text;
    std::u32string text;  // text, or the characters of a class
    bool negated = false;
    char32_t lo = 0, hi = 0;
    std::vector<std::vector<Node>> alternatives;
  };

 private:
  std::string pattern_;
  std::vector<Node> nodes_;
};

}  // namespace basalt::auth
