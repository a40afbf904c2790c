#include "auth/redirect_glob.hpp"

#include <optional>

#include "auth/auth_error.hpp"

namespace basalt::auth {

namespace {

using Node = UrlGlob::Node;
using Seq = std::vector<Node>;
using Set = std::vector<char>;  // reachable positions 0..n

constexpr char32_t kInvalid = 0xFFFD;

// Decodes UTF-8. With `strict`, returns nullopt on malformed input; otherwise each bad byte
// becomes U+FFFD (as Go's range over a string does).
std::optional<std::u32string> decode_utf8(std::string_view s, bool strict) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
    }
    bool ok = len > 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((b & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (ok && ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))) {
      ok = false;
    }
    if (!ok) {
      if (strict) return std::nullopt;
      out.push_back(kInvalid);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

bool is_separator(char32_t c) {
  return c == U'.' || c == U'/';
}

Error bad_pattern(std::string_view pattern, std::string_view why) {
  return internal_error(
      "Invalid redirect URL pattern",
      "additional_redirect_urls pattern \"" + std::string(pattern) + "\": " + std::string(why));
}

class Parser {
 public:
  explicit Parser(std::u32string s) : s_(std::move(s)) {}

  // Parses a sequence up to the end, or (inside braces) up to ',' or '}'.
  bool sequence(Seq& out, int depth) {
    while (pos_ < s_.size()) {
      const char32_t c = s_[pos_];
      if (depth > 0 && (c == U',' || c == U'}')) return true;
      if (c == U'*') {
        ++pos_;
        Node n;
        n.kind = Node::Kind::any;
        if (pos_ < s_.size() && s_[pos_] == U'*') {
          ++pos_;
          n.kind = Node::Kind::super;
        }
        out.push_back(std::move(n));
      } else if (c == U'?') {
        ++pos_;
        Node n;
        n.kind = Node::Kind::single;
        out.push_back(std::move(n));
      } else if (c == U'[') {
        ++pos_;
        if (!char_class(out)) return false;
      } else if (c == U'{') {
        ++pos_;
        if (!alternatives(out, depth + 1)) return false;
      } else {
        text(out, depth);
      }
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  void text(Seq& out, int depth) {
    std::u32string data;
    while (pos_ < s_.size()) {
      char32_t c = s_[pos_];
      if (c == U'\\') {
        ++pos_;
        if (pos_ == s_.size()) break;  // a trailing backslash is dropped
        data.push_back(s_[pos_++]);
        continue;
      }
      if (c == U'?' || c == U'*' || c == U'[' || c == U'{') break;
      if (depth > 0 && (c == U'}' || c == U',')) break;
      data.push_back(c);
      ++pos_;
    }
    if (data.empty()) return;
    if (!out.empty() && out.back().kind == Node::Kind::text) {
      out.back().text += data;
    } else {
      Node n;
      n.text = std::move(data);
      out.push_back(std::move(n));
    }
  }

  bool char_class(Seq& out) {
    Node n;
    n.kind = Node::Kind::chars;
    if (pos_ < s_.size() && s_[pos_] == U'!') {
      n.negated = true;
      ++pos_;
    }
    if (pos_ + 1 < s_.size() && s_[pos_ + 1] == U'-') {
      // lo '-' hi ']'
      if (pos_ + 2 >= s_.size()) return fail("unexpected end of input");
      n.kind = Node::Kind::range;
      n.lo = s_[pos_];
      n.hi = s_[pos_ + 2];
      pos_ += 3;
      if (pos_ >= s_.size()) return fail("unexpected end of input");
      if (s_[pos_] != U']') return fail("expected close range character");
      ++pos_;
      if (n.hi < n.lo) return fail("hi character should be greater than lo");
      out.push_back(std::move(n));
      return true;
    }
    while (pos_ < s_.size() && s_[pos_] != U']') {
      if (s_[pos_] == U'\\') {
        ++pos_;
        if (pos_ == s_.size()) break;
      }
      n.text.push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return fail("unexpected end of input");
    ++pos_;  // ']'
    if (n.text.empty()) return fail("could not parse range");
    out.push_back(std::move(n));
    return true;
  }

  bool alternatives(Seq& out, int depth) {
    Node n;
    n.kind = Node::Kind::alternatives;
    for (;;) {
      Seq alt;
      if (!sequence(alt, depth)) return false;
      n.alternatives.push_back(std::move(alt));
      if (pos_ >= s_.size()) break;  // an unclosed '{' ends with the pattern
      const char32_t c = s_[pos_++];
      if (c == U'}') break;
      // c == ','
    }
    out.push_back(std::move(n));
    return true;
  }

  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  std::u32string s_;
  std::size_t pos_ = 0;
  std::string error_;
};

Set advance(const Seq& seq, Set in, const std::u32string& s);

Set advance_node(const Node& node, const Set& in, const std::u32string& s) {
  const std::size_t n = s.size();
  Set out(n + 1, 0);
  switch (node.kind) {
    case Node::Kind::text: {
      const std::size_t len = node.text.size();
      for (std::size_t p = 0; p + len <= n; ++p) {
        if (in[p] && s.compare(p, len, node.text) == 0) out[p + len] = 1;
      }
      break;
    }
    case Node::Kind::single:
      for (std::size_t p = 0; p < n; ++p) {
        if (in[p] && !is_separator(s[p])) out[p + 1] = 1;
      }
      break;
    case Node::Kind::chars:
      for (std::size_t p = 0; p < n; ++p) {
        const bool in_list = node.text.find(s[p]) != std::u32string::npos;
        if (in[p] && in_list != node.negated) out[p + 1] = 1;
      }
      break;
    case Node::Kind::range:
      for (std::size_t p = 0; p < n; ++p) {
        const bool in_range = s[p] >= node.lo && s[p] <= node.hi;
        if (in[p] && in_range != node.negated) out[p + 1] = 1;
      }
      break;
    case Node::Kind::any: {
      bool active = false;
      for (std::size_t q = 0; q <= n; ++q) {
        if (in[q]) active = true;
        if (active) out[q] = 1;
        if (q < n && is_separator(s[q])) active = false;
      }
      break;
    }
    case Node::Kind::super: {
      bool active = false;
      for (std::size_t q = 0; q <= n; ++q) {
        if (in[q]) active = true;
        if (active) out[q] = 1;
      }
      break;
    }
    case Node::Kind::alternatives:
      for (const auto& alt : node.alternatives) {
        const Set r = advance(alt, in, s);
        for (std::size_t q = 0; q <= n; ++q) out[q] = static_cast<char>(out[q] | r[q]);
      }
      break;
  }
  return out;
}

Set advance(const Seq& seq, Set in, const std::u32string& s) {
  for (const auto& node : seq) {
    in = advance_node(node, in, s);
    bool any = false;
    for (char c : in) any = any || c != 0;
    if (!any) break;
  }
  return in;
}

}  // namespace

Result<UrlGlob> UrlGlob::compile(std::string_view pattern) {
  auto decoded = decode_utf8(pattern, true);
  if (!decoded) return bad_pattern(pattern, "could not read rune");
  Parser parser(std::move(*decoded));
  UrlGlob glob;
  if (!parser.sequence(glob.nodes_, 0)) return bad_pattern(pattern, parser.error());
  glob.pattern_ = std::string(pattern);
  return glob;
}

bool UrlGlob::match(std::string_view text) const {
  const std::u32string s = *decode_utf8(text, false);
  Set start(s.size() + 1, 0);
  start[0] = 1;
  const Set end = advance(nodes_, std::move(start), s);
  return end[s.size()] != 0;
}

}  // namespace basalt::auth
