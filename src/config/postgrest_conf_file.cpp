#include "config/postgrest_conf_file.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace basalt::config {

namespace {

constexpr int kMaxImportDepth = 16;

Error conf_error(const std::string& file, int line, std::string_view problem) {
  return Error::make(400, "config",
                     file + ":" + std::to_string(line) + ": " + std::string(problem));
}

bool is_alpha(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || u >= 0x80;  // UTF-8 letters count, as Haskell's isAlpha does
}

bool is_alnum(char c) {
  return is_alpha(c) || std::isdigit(static_cast<unsigned char>(c));
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

Result<std::string> read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(400, "config", "cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A number's text as configurator-pg interpolates it: integers in decimal, others as a double.
std::string number_text(const std::string& written) {
  double d = 0;
  auto [p, ec] = std::from_chars(written.data(), written.data() + written.size(), d);
  if (ec != std::errc() || p != written.data() + written.size()) return written;
  if (std::floor(d) == d && std::fabs(d) < 9.2e18) {
    return std::to_string(static_cast<long long>(d));
  }
  return written;
}

class FileParser {
 public:
  FileParser(std::string_view text, std::string file, const EnvLookup& env, ConfEntries& out,
             int depth)
      : text_(text), file_(std::move(file)), env_(env), out_(out), depth_(depth) {}

  Status parse_top() {
    if (auto s = directives(""); !s) return s;
    skip_lws();
    if (pos_ < text_.size()) return error_here("expected a setting (key = value)");
    return Status{};
  }

 private:
  // (skipLWS directive skipHWS) separated by line breaks, until something else comes.
  Status directives(const std::string& prefix) {
    while (true) {
      skip_lws();
      if (pos_ >= text_.size() || text_[pos_] == '}') return Status{};
      if (auto s = directive(prefix); !s) return s;
      skip_hws();
      if (pos_ >= text_.size()) return Status{};
      if (text_[pos_] == '\n' || text_[pos_] == '\r') {
        ++pos_;
        continue;
      }
      if (text_[pos_] == '}') return Status{};
      return error_here("expected the end of the line after the value");
    }
  }

  Status directive(const std::string& prefix) {
    const int line = line_at(pos_);
    if (text_.substr(pos_).starts_with("#;")) {
      // A commented-out directive: parsed, then dropped.
      pos_ += 2;
      skip_hws();
      ConfEntries scratch;
      FileParser sub(text_, file_, env_, scratch, depth_);
      sub.pos_ = pos_;
      sub.evaluate_ = false;  // neither imported nor interpolated
      if (auto s = sub.directive(prefix); !s) return s;
      pos_ = sub.pos_;
      return Status{};
    }
    if (starts_with_word("import")) {
      pos_ += 6;
      skip_lws();
      auto path = string_literal();
      if (!path) return std::move(path).error();
      if (!evaluate_) return Status{};
      return import_file(*path, prefix, line);
    }
    auto key = ident();
    if (!key) return std::move(key).error();
    skip_lws();
    if (pos_ < text_.size() && text_[pos_] == '=') {
      ++pos_;
      skip_lws();
      auto v = value();
      if (!v) return std::move(v).error();
      ConfValue val = std::move(v).value();
      if (evaluate_ && val.kind == ConfValue::Kind::string &&
          val.text.find('$') != std::string::npos) {
        auto interpolated = interpolate(val.text, prefix, line);
        if (!interpolated) return std::move(interpolated).error();
        val.text = std::move(interpolated).value();
      }
      out_[prefix + *key] = ConfEntry{std::move(val), file_, line};
      return Status{};
    }
    if (pos_ < text_.size() && text_[pos_] == '{') {
      ++pos_;
      if (auto s = directives(prefix + *key + "."); !s) return s;
      skip_lws();
      if (pos_ >= text_.size() || text_[pos_] != '}') return error_here("expected \"}\"");
      ++pos_;
      return Status{};
    }
    return error_here("expected \"=\" after \"" + *key + "\"");
  }

  Status import_file(const std::string& relative, const std::string& prefix, int line) {
    if (depth_ >= kMaxImportDepth) return conf_error(file_, line, "imports nested too deeply");
    std::filesystem::path target(relative);
    if (target.is_relative()) target = std::filesystem::path(file_).parent_path() / target;
    auto text = read_whole_file(target);
    if (!text) return conf_error(file_, line, "import: " + text.error().message);
    FileParser sub(*text, target.string(), env_, out_, depth_ + 1);
    if (auto s = sub.directives(prefix); !s) return s;
    sub.skip_lws();
    if (sub.pos_ < sub.text_.size()) return sub.error_here("expected a setting (key = value)");
    return Status{};
  }

  // A letter, then letters, digits, '_' or '-'; '.' separates parts (each starting with a
  // letter). "import" is reserved.
  Result<std::string> ident() {
    const std::size_t start = pos_;
    bool first = true;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (first) {
        if (!is_alpha(c)) break;
        first = false;
      } else if (c == '.') {
        first = true;
      } else if (!(is_alnum(c) || c == '_' || c == '-')) {
        break;
      }
      ++pos_;
    }
    std::string key(text_.substr(start, pos_ - start));
    if (key.empty()) return error_at(start, "expected a setting name");
    if (key.back() == '.') return error_at(start, "a setting name must not end with a dot");
    if (key == "import") return error_at(start, "\"import\" is reserved");
    return key;
  }

  Result<ConfValue> value() {
    ConfValue v;
    for (auto [word, truth] : {std::pair{"on", true}, std::pair{"off", false},
                               std::pair{"true", true}, std::pair{"false", false}}) {
      if (text_.substr(pos_).starts_with(word)) {
        pos_ += std::string_view(word).size();
        v.kind = ConfValue::Kind::boolean;
        v.text = truth ? "true" : "false";
        return v;
      }
    }
    if (pos_ < text_.size() && text_[pos_] == '"') {
      auto s = string_literal();
      if (!s) return std::move(s).error();
      v.kind = ConfValue::Kind::string;
      v.text = std::move(s).value();
      return v;
    }
    if (pos_ < text_.size() && text_[pos_] == '[') {
      ++pos_;
      skip_lws();
      v.kind = ConfValue::Kind::list;
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return v;
      }
      while (true) {
        auto item = value();
        if (!item) return std::move(item).error();
        v.items.push_back(std::move(item).value());
        skip_lws();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          skip_lws();
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == ']') {
          ++pos_;
          return v;
        }
        return error_here("expected \",\" or \"]\" in a list");
      }
    }
    if (auto n = number()) {
      v.kind = ConfValue::Kind::number;
      v.text = std::move(*n);
      return v;
    }
    return error_here(
        "expected a value: a \"quoted string\", a number, true/false/on/off or a [list]");
  }

  // Attoparsec's `scientific`: [+-]digits[.digits][(e|E)[+-]digits].
  std::optional<std::string> number() {
    std::size_t p = pos_;
    auto digits = [&] {
      const std::size_t s = p;
      while (p < text_.size() && std::isdigit(static_cast<unsigned char>(text_[p]))) ++p;
      return p > s;
    };
    if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
    if (!digits()) return std::nullopt;
    if (p + 1 < text_.size() && text_[p] == '.' &&
        std::isdigit(static_cast<unsigned char>(text_[p + 1]))) {
      ++p;
      digits();
    }
    if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
      std::size_t save = p;
      ++p;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (!digits()) p = save;
    }
    std::string out(text_.substr(pos_, p - pos_));
    if (!out.empty() && out.front() == '+') out.erase(0, 1);
    pos_ = p;
    return out;
  }

  Result<std::string> string_literal() {
    if (pos_ >= text_.size() || text_[pos_] != '"') return error_here("expected '\"'");
    const std::size_t start = pos_;
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return error_at(start, "unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) return error_at(start, "unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'u': {
          auto cp = hex4();
          if (!cp) return error_at(pos_, "expected four hex digits after \\u");
          std::uint32_t code = *cp;
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (!text_.substr(pos_).starts_with("\\u")) {
              return error_at(pos_, "invalid UTF-16 surrogates");
            }
            pos_ += 2;
            auto low = hex4();
            if (!low || *low < 0xDC00 || *low > 0xDFFF) {
              return error_at(pos_, "invalid UTF-16 surrogates");
            }
            code = ((code - 0xD800) << 10) + (*low - 0xDC00) + 0x10000;
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            return error_at(pos_, "invalid UTF-16 surrogates");
          }
          append_utf8(out, code);
          break;
        }
        default:
          return error_at(pos_ - 2, std::string("unknown escape \\") + e + " in a string");
      }
    }
  }

  std::optional<std::uint32_t> hex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, v, 16);
    if (ec != std::errc() || p != text_.data() + pos_ + 4) return std::nullopt;
    pos_ += 4;
    return v;
  }

  // $(NAME): the innermost group's key first ("a.b.NAME", "a.NAME", "NAME"), then the
  // environment; `$$` is a literal `$`.
  Result<std::string> interpolate(const std::string& s, const std::string& prefix, int line) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      if (s[i] != '$') {
        out += s[i++];
        continue;
      }
      if (i + 1 < s.size() && s[i + 1] == '$') {
        out += '$';
        i += 2;
        continue;
      }
      if (i + 1 >= s.size() || s[i + 1] != '(') {
        return conf_error(file_, line, "a \"$\" in a string must start $(NAME); write $$ for $");
      }
      const auto close = s.find(')', i + 2);
      if (close == std::string::npos || close == i + 2) {
        return conf_error(file_, line, "unterminated $(NAME) in a string");
      }
      const std::string name = s.substr(i + 2, close - i - 2);
      auto found = lookup(name, prefix);
      if (!found) return conf_error(file_, line, found.error().message);
      out += *found;
      i = close + 1;
    }
    return out;
  }

  Result<std::string> lookup(const std::string& name, const std::string& prefix) {
    std::vector<std::string> scopes;
    std::string p = prefix;  // "a.b." -> "a.b.", "a.", ""
    while (true) {
      scopes.push_back(p);
      if (p.empty()) break;
      p.pop_back();
      const auto dot = p.rfind('.');
      p = dot == std::string::npos ? std::string() : p.substr(0, dot + 1);
    }
    for (const auto& scope : scopes) {
      auto it = out_.find(scope + name);
      if (it == out_.end()) continue;
      const auto& v = it->second.value;
      if (v.kind == ConfValue::Kind::string) return v.text;
      if (v.kind == ConfValue::Kind::number) return number_text(v.text);
      return Error::make(400, "config", "variable '" + name + "' is not a string or number");
    }
    if (auto e = env_ ? env_(name) : std::nullopt) return *e;
    return Error::make(400, "config", "no such variable: '" + name + "'");
  }

  bool starts_with_word(std::string_view word) const {
    if (!text_.substr(pos_).starts_with(word)) return false;
    const std::size_t after = pos_ + word.size();
    return after >= text_.size() || !(is_alnum(text_[after]) || text_[after] == '_' ||
                                      text_[after] == '-' || text_[after] == '.');
  }

  // Whitespace (line breaks included) and # comments, but not "#;".
  void skip_lws() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '#' && !(pos_ + 1 < text_.size() && text_[pos_ + 1] == ';')) {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      } else {
        return;
      }
    }
  }

  // Spaces, tabs and a trailing # comment, up to the line break.
  void skip_hws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
    }
  }

  int line_at(std::size_t at) const {
    at = std::min(at, text_.size());
    return 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + at, '\n'));
  }
  Error error_at(std::size_t at, std::string_view problem) const {
    return conf_error(file_, line_at(at), problem);
  }
  Error error_here(std::string_view problem) const { return error_at(pos_, problem); }

  std::string_view text_;
  std::string file_;
  const EnvLookup& env_;
  ConfEntries& out_;
  int depth_ = 0;
  std::size_t pos_ = 0;
  bool evaluate_ = true;  // false inside a `#;` comment
};

}  // namespace

Result<ConfEntries> parse_conf_text(std::string_view text, const std::string& file,
                                    const EnvLookup& env) {
  ConfEntries out;
  FileParser parser(text, file, env, out, 0);
  if (auto s = parser.parse_top(); !s) return std::move(s).error();
  return out;
}

Result<ConfEntries> read_conf_file(const std::filesystem::path& path, const EnvLookup& env) {
  auto text = read_whole_file(path);
  if (!text) return std::move(text).error();
  return parse_conf_text(*text, path.string(), env);
}

}  // namespace basalt::config
