#include "config/jspath.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>

namespace basalt::config {

namespace {

Error jspath_error(std::string_view text, std::size_t at, std::string_view expected) {
  return Error::make(400, "config",
                     "invalid JSPath \"" + std::string(text) + "\" at character " +
                         std::to_string(at + 1) + ": expected " + std::string(expected));
}

bool is_key_char(char c) {
  // Parsec's alphaNum is Unicode-aware: bytes of multi-byte UTF-8 characters count as letters.
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || c == '@' || u >= 0x80;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<JsPath> run() {
    JsPath out;
    while (pos_ < text_.size() || out.empty()) {
      if (pos_ >= text_.size()) return jspath_error(text_, pos_, "\".\" or \"[\"");
      auto step = next();
      if (!step) return std::move(step).error();
      const bool filter = step->kind == JsPathStep::Kind::filter;
      out.push_back(std::move(step).value());
      if (filter && pos_ < text_.size()) {
        return jspath_error(text_, pos_, "the end: a filter must be the last step");
      }
    }
    return out;
  }

 private:
  Result<JsPathStep> next() {
    JsPathStep step;
    if (text_[pos_] == '.') {
      ++pos_;
      step.kind = JsPathStep::Kind::key;
      if (pos_ < text_.size() && text_[pos_] == '"') {
        auto q = quoted();
        if (!q) return std::move(q).error();
        step.key = std::move(q).value();
        return step;
      }
      const std::size_t start = pos_;
      while (pos_ < text_.size() && is_key_char(text_[pos_])) ++pos_;
      if (pos_ == start) return jspath_error(text_, pos_, "a key or a \"quoted key\"");
      step.key = std::string(text_.substr(start, pos_ - start));
      return step;
    }
    if (text_.substr(pos_).starts_with("[?(")) {
      pos_ += 3;
      step.kind = JsPathStep::Kind::filter;
      if (!eat('@')) return jspath_error(text_, pos_, "\"@\"");
      skip_spaces();
      // Longest operators first where one is a prefix of another ("==^" before "==").
      static constexpr std::pair<std::string_view, JsPathStep::Match> kOps[] = {
          {"==^", JsPathStep::Match::ends_with}, {"==", JsPathStep::Match::equals},
          {"!=", JsPathStep::Match::not_equals}, {"^==", JsPathStep::Match::starts_with},
          {"*==", JsPathStep::Match::contains},
      };
      bool found = false;
      for (const auto& [op, match] : kOps) {
        if (text_.substr(pos_).starts_with(op)) {
          pos_ += op.size();
          step.match = match;
          found = true;
          break;
        }
      }
      if (!found) return jspath_error(text_, pos_, "==, !=, ^==, ==^ or *==");
      skip_spaces();
      auto q = quoted();
      if (!q) return std::move(q).error();
      step.key = std::move(q).value();
      if (!eat(')')) return jspath_error(text_, pos_, "\")\"");
      if (!eat(']')) return jspath_error(text_, pos_, "\"]\"");
      return step;
    }
    if (text_[pos_] == '[') {
      ++pos_;
      step.kind = JsPathStep::Kind::index;
      const std::size_t start = pos_;
      std::size_t value = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (value > 100'000'000) return jspath_error(text_, pos_, "a smaller index");
        value = value * 10 + static_cast<std::size_t>(text_[pos_] - '0');
        ++pos_;
      }
      if (pos_ == start) return jspath_error(text_, pos_, "an array index");
      if (!eat(']')) return jspath_error(text_, pos_, "\"]\"");
      step.index = value;
      return step;
    }
    return jspath_error(text_, pos_, "\".\" or \"[\"");
  }

  Result<std::string> quoted() {
    if (!eat('"')) return jspath_error(text_, pos_, "'\"'");
    const auto end = text_.find('"', pos_);
    if (end == std::string_view::npos) return jspath_error(text_, text_.size(), "a closing '\"'");
    std::string out(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }

  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void skip_spaces() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

bool matches(JsPathStep::Match m, std::string_view pattern, std::string_view text) {
  switch (m) {
    case JsPathStep::Match::equals:
      return text == pattern;
    case JsPathStep::Match::not_equals:
      return text != pattern;
    case JsPathStep::Match::starts_with:
      return text.starts_with(pattern);
    case JsPathStep::Match::ends_with:
      return text.ends_with(pattern);
    case JsPathStep::Match::contains:
      return text.find(pattern) != std::string_view::npos;
  }
  return false;
}

}  // namespace

JsPath default_role_claim_key() {
  JsPathStep role;
  role.key = "role";
  return {role};
}

Result<JsPath> parse_jspath(std::string_view text) {
  return Parser(text).run();
}

std::optional<boost::json::value> walk_jspath(const boost::json::value& root, const JsPath& path) {
  const boost::json::value* at = &root;
  for (const auto& step : path) {
    switch (step.kind) {
      case JsPathStep::Kind::key: {
        const auto* o = at->if_object();
        if (o == nullptr) return std::nullopt;
        at = o->if_contains(step.key);
        if (at == nullptr) return std::nullopt;
        break;
      }
      case JsPathStep::Kind::index: {
        const auto* a = at->if_array();
        if (a == nullptr || step.index >= a->size()) return std::nullopt;
        at = &(*a)[step.index];
        break;
      }
      case JsPathStep::Kind::filter: {
        // The first string element that matches (only the last step may be a filter).
        const auto* a = at->if_array();
        if (a == nullptr) return std::nullopt;
        for (const auto& e : *a) {
          if (e.is_string() && matches(step.match, step.key, e.get_string())) return e;
        }
        return std::nullopt;
      }
    }
  }
  return *at;
}

std::string jspath_role_text(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  return boost::json::serialize(v);
}

}  // namespace basalt::config
