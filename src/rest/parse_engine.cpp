#include "rest/parse_engine.hpp"

#include <locale.h>
#include <wctype.h>

#include <array>

namespace basalt::rest::req::engine {

namespace {

// C.UTF-8 gives Unicode classification without touching the process locale.
locale_t utf8_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

constexpr std::array<const char*, 33> kAsciiNames = {
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "a",   "b",   "t",   "n",
    "v",   "f",   "r",   "SO",  "SI",  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK",
    "SYN", "ETB", "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US",  "SP"};

// GHC's showLitChar for one character; `next` is the character that follows (for the `\&`
// and `\SO\&H` disambiguations), 0 if none.
void show_lit_char(std::string& out, char32_t c, char32_t next) {
  if (c > 0x7f) {
    out += '\\';
    out += std::to_string(static_cast<unsigned long>(c));
    if (next >= U'0' && next <= U'9') out += "\\&";
    return;
  }
  if (c == 0x7f) {
    out += "\\DEL";
    return;
  }
  if (c == U'\\') {
    out += "\\\\";
    return;
  }
  if (c >= U' ') {
    out += static_cast<char>(c);
    return;
  }
  out += '\\';
  out += kAsciiNames[c];
  if (c == 0x0e && next == U'H') out += "\\&";
}

std::string_view trim_view(std::string_view s) {
  // Data.Text.strip on ASCII-only message text (messages never start/end with other spaces).
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

Text decode_utf8(std::string_view s) {
  Text out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    int len = 0;
    char32_t cp = 0;
    if ((b0 & 0xe0) == 0xc0) {
      len = 2;
      cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
      len = 3;
      cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
      len = 4;
      cp = b0 & 0x07;
    }
    bool good = len > 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int k = 1; good && k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
      if ((b & 0xc0) != 0x80) good = false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (good) {
      // Reject overlong forms, surrogates and out-of-range values.
      if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
          (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        good = false;
    }
    if (!good) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  Text t = decode_utf8(s);
  // A U+FFFD that was really sent is fine; a replaced byte is not: re-encode and compare.
  return encode_utf8(t) == s;
}

std::string encode_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return out;
}

bool is_alpha(char32_t c) {
  if (c < 0x80) return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
  locale_t loc = utf8_locale();
  if (loc == static_cast<locale_t>(nullptr)) return c != 0xfffd;
  return iswalpha_l(static_cast<wint_t>(c), loc) != 0;
}

bool is_digit(char32_t c) {
  return c >= U'0' && c <= U'9';
}

bool is_space(char32_t c) {
  // Haskell's isSpace: the Latin-1 spaces plus Unicode category Zs.
  return c == U' ' || (c >= 0x09 && c <= 0x0d) || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f || c == 0x3000;
}

std::string show_string(std::u32string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    char32_t next = i + 1 < s.size() ? s[i + 1] : 0;
    if (c == U'"') {
      out += "\\\"";
    } else {
      show_lit_char(out, c, next);
    }
  }
  out += '"';
  return out;
}

std::string show_char(char32_t c) {
  std::string out = "'";
  if (c == U'\'') {
    out += "\\'";
  } else {
    show_lit_char(out, c, 0);
  }
  out += '\'';
  return out;
}

Pos advance(Pos p, char32_t c) {
  if (c == U'\n') return Pos{p.line + 1, 1};
  if (c == U'\t') return Pos{p.line, p.col + 8 - ((p.col - 1) % 8)};
  return Pos{p.line, p.col + 1};
}

PErr merge(PErr e1, PErr e2) {
  // Parsec ≥ 3.1.12: prefer the error that says something, then the one further right.
  if (e2.msgs.empty() && !e1.msgs.empty()) return e1;
  if (e1.msgs.empty() && !e2.msgs.empty()) return e2;
  int c = compare(e1.pos, e2.pos);
  if (c == 0) {
    e1.msgs.insert(e1.msgs.end(), e2.msgs.begin(), e2.msgs.end());
    return e1;
  }
  return c > 0 ? std::move(e1) : std::move(e2);
}

void set_expect(PErr& e, Msg label) {
  Msgs msgs;
  msgs.push_back(label);
  for (const auto& m : e.msgs)
    if (m.kind != MsgKind::expect) msgs.push_back(m);
  e.msgs = std::move(msgs);
}

std::string to_text(const Msg& m) {
  switch (m.form) {
    case Msg::Form::end:
      return "";
    case Msg::Form::token:
      return show_string(std::u32string_view(&m.ch, 1));
    case Msg::Form::token_c:
      return show_char(m.ch);
    case Msg::Form::label:
      return m.ptr ? static_cast<const char*>(m.ptr) : "";
    case Msg::Form::literal:
      return show_string(std::u32string_view(static_cast<const char32_t*>(m.ptr), m.len));
  }
  return "";
}

namespace {

std::vector<std::string> clean(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    if (s.empty()) continue;
    if (std::find(out.begin(), out.end(), s) != out.end()) continue;
    out.push_back(s);
  }
  return out;
}

std::string commas_or(const std::vector<std::string>& ms) {
  if (ms.empty()) return "";
  if (ms.size() == 1) return ms[0];
  std::string out;
  for (std::size_t i = 0; i + 1 < ms.size(); ++i) {
    if (i > 0) out += ", ";
    out += ms[i];
  }
  out += " or ";
  out += ms.back();
  return out;
}

std::string show_many(std::string_view pre, const std::vector<Msg>& msgs) {
  std::vector<std::string> texts;
  for (const auto& m : msgs) texts.push_back(to_text(m));
  auto ms = clean(texts);
  if (ms.empty()) return "";
  if (pre.empty()) return commas_or(ms);
  return std::string(pre) + " " + commas_or(ms);
}

}  // namespace

std::string render(const PErr& e) {
  if (e.msgs.empty()) return "unknown parse error";
  std::vector<Msg> sorted(e.msgs.begin(), e.msgs.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Msg& a, const Msg& b) { return a.kind < b.kind; });
  std::vector<Msg> sys, unexp, exp, other;
  for (auto& m : sorted) {
    switch (m.kind) {
      case MsgKind::sys_unexpect:
        sys.push_back(m);
        break;
      case MsgKind::unexpect:
        unexp.push_back(m);
        break;
      case MsgKind::expect:
        exp.push_back(m);
        break;
      case MsgKind::message:
        other.push_back(m);
        break;
    }
  }
  std::string show_sys;
  if (unexp.empty() && !sys.empty()) {
    std::string first = to_text(sys[0]);
    show_sys = first.empty() ? "unexpected end of input" : "unexpected " + first;
  }
  std::vector<std::string> parts = clean({show_sys, show_many("unexpected", unexp),
                                          show_many("expecting", exp), show_many("", other)});
  std::string out;
  for (const auto& p : parts) {
    out += ' ';  // Parsec joins with "\n"; PostgREST turns those into spaces
    out += p;
  }
  for (auto& ch : out)
    if (ch == '\n') ch = ' ';
  return std::string(trim_view(out));
}

R<char32_t> chr(const Ctx& c, St s, char32_t ch) {
  return label(satisfy(c, s, [ch](char32_t x) { return x == ch; }), Msg::expect_token(ch));
}

R<char32_t> one_of(const Ctx& c, St s, std::u32string_view set) {
  return satisfy(c, s, [set](char32_t x) { return set.find(x) != std::u32string_view::npos; });
}

R<char32_t> none_of(const Ctx& c, St s, std::u32string_view set) {
  return satisfy(c, s, [set](char32_t x) { return set.find(x) == std::u32string_view::npos; });
}

R<char32_t> any_char(const Ctx& c, St s) {
  return satisfy(c, s, [](char32_t) { return true; });
}

R<char32_t> letter(const Ctx& c, St s) {
  return label(satisfy(c, s, is_alpha), "letter");
}

R<char32_t> digit(const Ctx& c, St s) {
  return label(satisfy(c, s, is_digit), "digit");
}

R<Text> string_(const Ctx& c, St s, std::u32string_view lit) {
  // Parsec's `tokens`: a mismatch after the first character is a consumed error, reported at
  // the position where the string started. `lit` must outlive the error (literals do).
  for (std::size_t k = 0; k < lit.size(); ++k) {
    std::size_t at = s.i + k;
    if (at >= c.in.size() || c.in[at] != lit[k]) {
      PErr e{s.pos, {}};
      e.msgs.push_back(Msg::expect_literal(lit));
      e.msgs.push_back(at >= c.in.size() ? Msg::sys_end() : Msg::sys_token(c.in[at]));
      return R<Text>{k == 0 ? Tag::eerr : Tag::cerr, Text{}, s, std::move(e)};
    }
  }
  St n = s;
  for (char32_t ch : lit) {
    n.pos = advance(n.pos, ch);
    ++n.i;
  }
  return R<Text>{Tag::cok, Text(lit), n, PErr{n.pos, {}}};
}

R<bool> eof(const Ctx& c, St s) {
  // eof = notFollowedBy anyToken <?> "end of input"
  if (s.i >= c.in.size()) {
    return R<bool>{Tag::eok, true, s,
                   PErr{s.pos, {Msg::expect_label("end of input"), Msg::sys_end()}}};
  }
  return fail_empty<bool>(
      s, PErr{s.pos, {Msg::expect_label("end of input"), Msg::unexpected_char(c.in[s.i])}});
}

R<bool> not_followed_by(R<char32_t>&& r, St s) {
  if (r.ok()) return fail_empty<bool>(s, PErr{r.st.pos, {Msg::unexpected_char(r.val)}});
  // p failed (try makes it empty): succeed without consuming, keeping p's error for merging.
  PErr e = r.err.msgs.empty() ? PErr{s.pos, {}} : std::move(r.err);
  return R<bool>{Tag::eok, true, s, std::move(e)};
}

Error to_error_at(std::string_view source_name, Pos pos, std::string details) {
  Error e;
  e.status = 400;
  e.code = "PGRST100";
  e.message = "\"" + std::string(source_name) + "\" (line " + std::to_string(pos.line) +
              ", column " + std::to_string(pos.col) + ")";
  e.details = std::move(details);
  return e;
}

Error to_error(std::string_view source_name, const PErr& e) {
  return to_error_at(source_name, e.pos, render(e));
}

}  // namespace basalt::rest::req::engine
