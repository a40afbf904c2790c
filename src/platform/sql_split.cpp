#include "platform/sql_split.hpp"

#include <algorithm>
#include <cstdint>

namespace basalt::platform {

namespace {

bool is_word_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}
bool is_word_char(unsigned char c) {
  return is_word_start(c) || c == '$';
}
bool is_tag_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool is_tag_char(unsigned char c) {
  return is_tag_start(c) || (c >= '0' && c <= '9');
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
         });
}

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

// Decodes the code point starting at s[i] (invalid bytes decode as themselves).
char32_t decode_at(std::string_view s, std::size_t i, std::size_t* len) {
  auto lead = static_cast<unsigned char>(s[i]);
  std::size_t n = utf8_length(lead);
  if (n == 1 || i + n > s.size()) {
    *len = 1;
    return lead;
  }
  char32_t cp = lead & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      *len = 1;
      return lead;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *len = n;
  return cp;
}

// White space as Go's unicode.IsSpace sees it, which is what the CLI trims.
bool is_space(char32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

// Trims trailing `;` then white space on both sides; returns [begin, end) within `raw`.
std::pair<std::size_t, std::size_t> trim_statement(std::string_view raw) {
  std::size_t end = raw.size();
  while (end > 0 && raw[end - 1] == ';') --end;
  std::size_t begin = 0;
  while (begin < end) {
    std::size_t len = 0;
    if (!is_space(decode_at(raw, begin, &len))) break;
    begin += len;
  }
  while (end > begin) {
    // Step back to the start of the last code point.
    std::size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(raw[start]) & 0xC0) == 0x80 &&
           end - start < 4) {
      --start;
    }
    std::size_t len = 0;
    char32_t c = decode_at(raw, start, &len);
    if (start + len != end) {
      start = end - 1;
      c = static_cast<unsigned char>(raw[start]);
    }
    if (!is_space(c)) break;
    end = start;
  }
  return {begin, end};
}

enum class Mode { normal, line_comment, block_comment, quote, escape_quote, ident, dollar };

class Splitter {
 public:
  explicit Splitter(std::string_view s) : s_(s) {}

  std::vector<SqlStatement> run() {
    while (i_ < s_.size()) step();
    emit(s_.size());
    return std::move(out_);
  }

 private:
  char at(std::size_t k) const { return k < s_.size() ? s_[k] : '\0'; }

  void emit(std::size_t end) {
    std::string_view raw = s_.substr(start_, end - start_);
    auto [b, e] = trim_statement(raw);
    if (e > b) out_.push_back({std::string(raw.substr(b, e - b)), start_ + b});
    start_ = end;
  }

  void step() {
    switch (mode_) {
      case Mode::normal:
        return normal();
      case Mode::line_comment: {
        std::size_t nl = s_.find('\n', i_);
        i_ = nl == std::string_view::npos ? s_.size() : nl + 1;
        mode_ = Mode::normal;
        return;
      }
      case Mode::block_comment:
        if (s_[i_] == '/' && at(i_ + 1) == '*') {
          ++depth_;
          i_ += 2;
        } else if (s_[i_] == '*' && at(i_ + 1) == '/') {
          i_ += 2;
          if (--depth_ == 0) mode_ = Mode::normal;
        } else {
          ++i_;
        }
        return;
      case Mode::quote:
      case Mode::ident: {
        char q = mode_ == Mode::quote ? '\'' : '"';
        if (s_[i_] == q) {
          if (at(i_ + 1) == q) {
            i_ += 2;  // doubled quote stays inside
            return;
          }
          mode_ = Mode::normal;
        }
        ++i_;
        return;
      }
      case Mode::escape_quote:
        if (s_[i_] == '\\') {
          i_ += 2;
          return;
        }
        if (s_[i_] == '\'') {
          if (at(i_ + 1) == '\'') {
            i_ += 2;
            return;
          }
          mode_ = Mode::normal;
        }
        ++i_;
        return;
      case Mode::dollar: {
        std::size_t close = s_.find(tag_, i_);
        i_ = close == std::string_view::npos ? s_.size() : close + tag_.size();
        mode_ = Mode::normal;
        return;
      }
    }
  }

  void normal() {
    auto c = static_cast<unsigned char>(s_[i_]);
    if (is_word_start(c)) return word();
    bool after_e = e_word_end_ == i_;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i_;
      return;
    }
    if (c == '-' && at(i_ + 1) == '-') {
      mode_ = Mode::line_comment;
      i_ += 2;
      return;
    }
    if (c == '/' && at(i_ + 1) == '*') {
      mode_ = Mode::block_comment;
      depth_ = 1;
      i_ += 2;
      return;
    }
    after_begin_ = false;
    switch (c) {
      case '\'':
        // E'...' strings take backslash escapes; a plain '...' does not.
        mode_ = after_e ? Mode::escape_quote : Mode::quote;
        ++i_;
        return;
      case '"':
        mode_ = Mode::ident;
        ++i_;
        return;
      case '$':
        return dollar();
      case '\\':
        // As the CLI: a backslash outside strings hides the next character (psql's `\;`).
        ++i_;
        if (i_ < s_.size()) i_ += utf8_length(static_cast<unsigned char>(s_[i_]));
        i_ = std::min(i_, s_.size());
        return;
      case '(':
        ++parens_;
        break;
      case ')':
        if (parens_ > 0) --parens_;
        break;
      case ';':
        if (parens_ == 0 && atomic_ == 0) {
          ++i_;
          emit(i_);
          return;
        }
        break;
      default:
        break;
    }
    ++i_;
  }

  void word() {
    std::size_t end = i_;
    while (end < s_.size() && is_word_char(static_cast<unsigned char>(s_[end]))) ++end;
    std::string_view w = s_.substr(i_, end - i_);
    if (atomic_ > 0) {
      // The body of BEGIN ATOMIC ends at its END; CASE ... END nests inside it.
      if (iequals(w, "begin") || iequals(w, "case")) {
        ++atomic_;
      } else if (iequals(w, "end")) {
        --atomic_;
      }
    } else if (after_begin_ && iequals(w, "atomic")) {
      atomic_ = 1;
    }
    after_begin_ = iequals(w, "begin");
    if (w.size() == 1 && (w[0] == 'e' || w[0] == 'E')) e_word_end_ = end;
    i_ = end;
  }

  void dollar() {
    // $tag$ or $$ opens a dollar quote; $1 (a parameter) or a lone $ does not.
    std::size_t k = i_ + 1;
    if (k < s_.size() && is_tag_start(static_cast<unsigned char>(s_[k]))) {
      while (k < s_.size() && is_tag_char(static_cast<unsigned char>(s_[k]))) ++k;
    }
    if (at(k) == '$') {
      tag_ = s_.substr(i_, k + 1 - i_);
      mode_ = Mode::dollar;
      i_ = k + 1;
      return;
    }
    ++i_;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::size_t start_ = 0;
  Mode mode_ = Mode::normal;
  int depth_ = 0;   // nested /* */ comments
  int parens_ = 0;  // a rule's DO (...; ...) holds `;`
  int atomic_ = 0;  // BEGIN ATOMIC ... END nesting (with CASE ... END inside)
  bool after_begin_ = false;
  std::size_t e_word_end_ = std::string_view::npos;
  std::string_view tag_;
  std::vector<SqlStatement> out_;
};

}  // namespace

Result<std::vector<SqlStatement>> split_sql(std::string_view sql) {
  if (auto nul = sql.find('\0'); nul != std::string_view::npos) {
    return Error::make(
        400, "22021",
        "SQL text contains a NUL byte at line " + std::to_string(line_of_offset(sql, nul)));
  }
  return Splitter(sql).run();
}

Result<std::vector<std::string>> split_statements(std::string_view sql) {
  auto parts = split_sql(sql);
  if (!parts) return std::move(parts).error();
  std::vector<std::string> out;
  out.reserve(parts->size());
  for (auto& p : *parts) out.push_back(std::move(p.text));
  return out;
}

int line_of_offset(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

std::size_t byte_offset_of_position(std::string_view text, int position) {
  std::size_t i = 0;
  for (int chars = 1; chars < position && i < text.size(); ++chars) {
    i += utf8_length(static_cast<unsigned char>(text[i]));
  }
  return std::min(i, text.size());
}

}  // namespace basalt::platform
