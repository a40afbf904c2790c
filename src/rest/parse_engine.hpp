// Internal to the REST request parser: a tiny backtracking-parser core with Parsec's error
// semantics (consumed/empty replies, error merging by position, labels, try, lookAhead), so that
// PostgREST's grammar fails at the same column with the same "unexpected/expecting" details.
// Only the request parser (query_parser.cpp, parse_*.cpp, api_request.cpp) includes this, and
// for its UTF-8 helpers errors.cpp and fuzzy_match.cpp; it is not part of the public API.
#pragma once
#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace basalt::rest::req::engine {

using Text = std::u32string;

// UTF-8 ↔ code points. Invalid sequences decode to U+FFFD (the query string is validated
// before; this only matters for direct callers of the per-parameter parsers).
Text decode_utf8(std::string_view s);
std::string encode_utf8(std::u32string_view s);
bool valid_utf8(std::string_view s);

// Haskell's Data.Char predicates, as Parsec's letter/digit/isSpace use them.
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_space(char32_t c);

// Haskell's `show` for a String / a Char: how Parsec prints tokens in messages.
std::string show_string(std::u32string_view s);
std::string show_char(char32_t c);

struct Pos {
  int line = 1;
  int col = 1;
};
inline int compare(Pos a, Pos b) {
  if (a.line != b.line) return a.line < b.line ? -1 : 1;
  if (a.col != b.col) return a.col < b.col ? -1 : 1;
  return 0;
}
Pos advance(Pos p, char32_t c);  // '\n' → next line, '\t' → next tab stop (8), else +1

enum class MsgKind { sys_unexpect = 0, unexpect = 1, expect = 2, message = 3 };

// A Parsec message, stored without allocating: a token, a static label or a static literal.
// Only a failing parse renders them (to_text) — most messages die with a backtracked branch.
struct Msg {
  enum class Form : unsigned char {
    end,      // "" — shown as "end of input" for unexpected
    token,    // show [c]  → "\"c\""
    token_c,  // show c    → "'c'"
    label,    // static text
    literal,  // show "literal" → "\"literal\""
  };
  MsgKind kind = MsgKind::message;
  Form form = Form::end;
  char32_t ch = 0;            // token, token_c
  std::uint32_t len = 0;      // literal: length
  const void* ptr = nullptr;  // label: const char*; literal: const char32_t*

  static Msg sys_end() { return Msg{MsgKind::sys_unexpect, Form::end}; }
  static Msg sys_token(char32_t c) { return Msg{MsgKind::sys_unexpect, Form::token, c}; }
  static Msg unexpected_char(char32_t c) { return Msg{MsgKind::unexpect, Form::token_c, c}; }
  static Msg expect_label(const char* text) {
    return Msg{MsgKind::expect, Form::label, 0, 0, text};
  }
  static Msg expect_token(char32_t c) { return Msg{MsgKind::expect, Form::token, c}; }
  static Msg expect_literal(std::u32string_view s) {
    return Msg{MsgKind::expect, Form::literal, 0, static_cast<std::uint32_t>(s.size()), s.data()};
  }
};
std::string to_text(const Msg& m);

using Msgs = boost::container::small_vector<Msg, 4>;
struct PErr {
  Pos pos;
  Msgs msgs;  // empty = "unknown" error
};
PErr merge(PErr e1, PErr e2);
void set_expect(PErr& e, Msg label);  // Parsec's setExpectErrors with one label
// showErrorMessages "or" "unknown parse error" "expecting" "unexpected" "end of input",
// newlines turned into spaces and trimmed, as PostgREST's QPError details.
std::string render(const PErr& e);

struct St {
  std::size_t i = 0;
  Pos pos;
};

enum class Tag { cok, eok, cerr, eerr };

template <class T>
struct R {
  Tag tag = Tag::eerr;
  T val{};
  St st;
  PErr err;
  bool ok() const { return tag == Tag::cok || tag == Tag::eok; }
  bool consumed() const { return tag == Tag::cok || tag == Tag::cerr; }
};

template <class T>
R<T> fail_empty(St s, PErr e) {
  return R<T>{Tag::eerr, T{}, s, std::move(e)};
}
template <class T, class U>
R<T> retag(R<U>&& r) {  // an error reply re-typed
  return R<T>{r.tag, T{}, r.st, std::move(r.err)};
}

// Parser input plus the limits a grammar enforces. `fatal` stops everything (depth limits).
struct Ctx {
  Text in;
  int max_depth = 0;
  int max_json_path = 0;             // `->`/`->>` steps in one JSON path; 0: no limit
  std::optional<std::string> fatal;  // details of a limit violation
  Pos fatal_pos;
};

// do-notation: runs steps left to right and keeps Parsec's bind error bookkeeping.
class Seq {
 public:
  explicit Seq(St s) : st(s), err_{s.pos, {}} {}
  template <class T>
  bool take(R<T>&& r, T* out = nullptr) {
    switch (r.tag) {
      case Tag::cok:
        st = r.st;
        consumed_ = true;
        err_ = std::move(r.err);
        if (out) *out = std::move(r.val);
        return true;
      case Tag::eok:
        st = r.st;
        err_ = err_.msgs.empty() ? std::move(r.err) : merge(std::move(err_), std::move(r.err));
        if (out) *out = std::move(r.val);
        return true;
      case Tag::cerr:
        consumed_ = true;
        err_ = std::move(r.err);
        return false;
      case Tag::eerr:
        err_ = err_.msgs.empty() ? std::move(r.err) : merge(std::move(err_), std::move(r.err));
        return false;
    }
    return false;
  }
  template <class T>
  R<T> fail() {
    return R<T>{consumed_ ? Tag::cerr : Tag::eerr, T{}, st, std::move(err_)};
  }
  template <class T>
  R<T> ok(T v) {
    return R<T>{consumed_ ? Tag::cok : Tag::eok, std::move(v), st, std::move(err_)};
  }
  St st;

 private:
  bool consumed_ = false;
  PErr err_;
};

// p <|> q: q runs only when p failed without consuming; errors of empty replies merge.
template <class T, class Q>
R<T> or_else(R<T>&& r1, Q&& q) {
  if (r1.tag != Tag::eerr) return std::move(r1);
  R<T> r2 = q();
  if (r2.tag == Tag::eok || r2.tag == Tag::eerr)
    r2.err = merge(std::move(r1.err), std::move(r2.err));
  return r2;
}

// try p
template <class T>
R<T> attempt(R<T>&& r) {
  if (r.tag == Tag::cerr) r.tag = Tag::eerr;
  return std::move(r);
}

// p <?> label
template <class T>
R<T> label(R<T>&& r, Msg expect) {
  if (r.tag == Tag::eerr || (r.tag == Tag::eok && !r.err.msgs.empty())) set_expect(r.err, expect);
  return std::move(r);
}
template <class T>
R<T> label(R<T>&& r, const char* text) {
  return label(std::move(r), Msg::expect_label(text));
}

// lookAhead p (given p's reply from state s)
template <class T>
R<T> look_ahead(R<T>&& r, St s) {
  if (r.ok()) return R<T>{Tag::eok, std::move(r.val), s, PErr{s.pos, {}}};
  return std::move(r);
}

// return x
template <class T>
R<T> pure(T v, St s) {
  return R<T>{Tag::eok, std::move(v), s, PErr{s.pos, {}}};
}

// Primitive: one code point satisfying pred; failures say `unexpected "c"`.
template <class Pred>
R<char32_t> satisfy(const Ctx& c, St s, Pred pred) {
  if (s.i >= c.in.size()) return fail_empty<char32_t>(s, PErr{s.pos, {Msg::sys_end()}});
  char32_t ch = c.in[s.i];
  if (!pred(ch)) return fail_empty<char32_t>(s, PErr{s.pos, {Msg::sys_token(ch)}});
  St n{s.i + 1, advance(s.pos, ch)};
  return R<char32_t>{Tag::cok, ch, n, PErr{n.pos, {}}};
}

R<char32_t> chr(const Ctx& c, St s, char32_t ch);                  // char c
R<char32_t> one_of(const Ctx& c, St s, std::u32string_view set);   // oneOf (no label)
R<char32_t> none_of(const Ctx& c, St s, std::u32string_view set);  // noneOf (no label)
R<char32_t> any_char(const Ctx& c, St s);                          // anyChar
R<char32_t> letter(const Ctx& c, St s);                            // letter
R<char32_t> digit(const Ctx& c, St s);                             // digit
R<Text> string_(const Ctx& c, St s, std::u32string_view lit);      // string
R<bool> eof(const Ctx& c, St s);                                   // eof
// notFollowedBy p, given p's reply (p must consume when it succeeds, as all uses here do).
R<bool> not_followed_by(R<char32_t>&& r, St s);

// many p over a char parser, collecting a string.
template <class P>
R<Text> many_chars(const Ctx& c, St s, P p) {
  Text out;
  St cur = s;
  bool consumed = false;
  while (true) {
    R<char32_t> r = p(c, cur);
    if (r.tag == Tag::cok) {
      out.push_back(r.val);
      cur = r.st;
      consumed = true;
      continue;
    }
    if (r.tag == Tag::cerr) return retag<Text>(std::move(r));
    // eok cannot happen for char parsers; eerr ends the repetition.
    return R<Text>{consumed ? Tag::cok : Tag::eok, std::move(out), cur, std::move(r.err)};
  }
}

// many p, general.
template <class T, class P>
R<std::vector<T>> many(Ctx& c, St s, P p) {
  std::vector<T> out;
  St cur = s;
  bool consumed = false;
  while (true) {
    R<T> r = p(c, cur);
    if (r.tag == Tag::cok) {
      out.push_back(std::move(r.val));
      cur = r.st;
      consumed = true;
      continue;
    }
    if (r.tag == Tag::cerr) return retag<std::vector<T>>(std::move(r));
    if (r.tag == Tag::eok) {  // Parsec would abort; stop instead of looping
      return R<std::vector<T>>{consumed ? Tag::cok : Tag::eok, std::move(out), cur,
                               std::move(r.err)};
    }
    return R<std::vector<T>>{consumed ? Tag::cok : Tag::eok, std::move(out), cur, std::move(r.err)};
  }
}

// p `sepBy1` sep
template <class T, class P, class Sep>
R<std::vector<T>> sep_by1(Ctx& c, St s, P p, Sep sep) {
  Seq q(s);
  std::vector<T> out(1);
  if (!q.take(p(c, q.st), &out[0])) return q.fail<std::vector<T>>();
  std::vector<T> rest;
  auto sep_then_p = [&](Ctx& cc, St ss) -> R<T> {
    Seq q2(ss);
    if (!q2.take(sep(cc, q2.st))) return q2.fail<T>();
    T v;
    if (!q2.take(p(cc, q2.st), &v)) return q2.fail<T>();
    return q2.ok(std::move(v));
  };
  if (!q.take(many<T>(c, q.st, sep_then_p), &rest)) return q.fail<std::vector<T>>();
  for (auto& v : rest) out.push_back(std::move(v));
  return q.ok(std::move(out));
}

// The Error PostgREST builds from a Parsec failure: message `"<source>" (line l, column c)`.
Error to_error(std::string_view source_name, const PErr& e);
Error to_error_at(std::string_view source_name, Pos pos, std::string details);

}  // namespace basalt::rest::req::engine
