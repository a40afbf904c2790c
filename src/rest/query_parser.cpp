#include "rest/query_parser.hpp"

#include <algorithm>
#include <set>

#include "rest/parse_engine.hpp"

namespace basalt::rest::req {

using namespace engine;  // NOLINT: the grammar reads better with the combinators unqualified

namespace {

// ---------------------------------------------------------------------------------------------
// Shared pieces

Text strip(const Text& t) {
  std::size_t b = 0;
  std::size_t e = t.size();
  while (b < e && is_space(t[b])) ++b;
  while (e > b && is_space(t[e - 1])) --e;
  return t.substr(b, e - b);
}

// ws = many (oneOf " \t")
R<Text> ws(Ctx& c, St s) {
  return many_chars(c, s, [](const Ctx& cc, St ss) { return one_of(cc, ss, U" \t"); });
}

// lexeme p = ws *> p <* ws
template <class T, class P>
R<T> lexeme(Ctx& c, St s, P p) {
  Seq q(s);
  if (!q.take(ws(c, q.st))) return q.fail<T>();
  T v;
  if (!q.take(p(c, q.st), &v)) return q.fail<T>();
  if (!q.take(ws(c, q.st))) return q.fail<T>();
  return q.ok(std::move(v));
}

// pQuotedValue: "..." with backslash escaping any character
R<Text> quoted_value(Ctx& c, St s) {
  Seq q(s);
  if (!q.take(chr(c, q.st, U'"'))) return q.fail<Text>();
  auto char_or_escaped = [](const Ctx& cc, St ss) -> R<char32_t> {
    return or_else(none_of(cc, ss, U"\\\""), [&]() -> R<char32_t> {
      Seq q2(ss);
      if (!q2.take(chr(cc, q2.st, U'\\'))) return q2.fail<char32_t>();
      char32_t ch = 0;
      if (!q2.take(any_char(cc, q2.st), &ch)) return q2.fail<char32_t>();
      return q2.ok(ch);
    });
  };
  Text body;
  if (!q.take(many_chars(c, q.st, char_or_escaped), &body)) return q.fail<Text>();
  if (!q.take(chr(c, q.st, U'"'))) return q.fail<Text>();
  return q.ok(std::move(body));
}

// pIdentifier = strip <$> many1 (letter <|> digit <|> oneOf "_ $")
R<Text> identifier(Ctx& c, St s) {
  auto ident_char = [](const Ctx& cc, St ss) -> R<char32_t> {
    return or_else(letter(cc, ss),
                   [&] { return or_else(digit(cc, ss), [&] { return one_of(cc, ss, U"_ $"); }); });
  };
  Seq q(s);
  char32_t first = 0;
  if (!q.take(ident_char(c, q.st), &first)) return q.fail<Text>();
  Text rest;
  if (!q.take(many_chars(c, q.st, ident_char), &rest)) return q.fail<Text>();
  return q.ok(strip(Text(1, first) + rest));
}

// dash = try (char '-' >> notFollowedBy (char '>'))
R<bool> dash(Ctx& c, St s) {
  Seq q(s);
  if (!q.take(chr(c, q.st, U'-'))) return attempt(q.fail<bool>());
  St at = q.st;
  if (!q.take(not_followed_by(attempt(chr(c, at, U'>')), at))) return attempt(q.fail<bool>());
  return q.ok(true);
}

// sepByDash p: p `sepBy1` dash, joined with '-'
template <class P>
R<Text> sep_by_dash(Ctx& c, St s, P p) {
  auto parts = sep_by1<Text>(c, s, p, dash);
  if (!parts.ok()) return retag<Text>(std::move(parts));
  Text joined;
  for (std::size_t i = 0; i < parts.val.size(); ++i) {
    if (i > 0) joined += U'-';
    joined += parts.val[i];
  }
  return R<Text>{parts.tag, std::move(joined), parts.st, std::move(parts.err)};
}

// pFieldName
R<Text> field_name(Ctx& c, St s) {
  return label(or_else(quoted_value(c, s), [&] { return sep_by_dash(c, s, identifier); }),
               "field name (* or [a..z0..9_$])");
}

// pJsonKeyName
R<Text> json_key_name(Ctx& c, St s) {
  auto key_ident = [](Ctx& cc, St ss) -> R<Text> {
    auto key_char = [](const Ctx& c3, St s3) { return none_of(c3, s3, U"(-:.,>)"); };
    Seq q(ss);
    char32_t first = 0;
    if (!q.take(key_char(cc, q.st), &first)) return q.fail<Text>();
    Text rest;
    if (!q.take(many_chars(cc, q.st, key_char), &rest)) return q.fail<Text>();
    return q.ok(strip(Text(1, first) + rest));
  };
  return label(or_else(quoted_value(c, s), [&] { return sep_by_dash(c, s, key_ident); }),
               "any non reserved character different from: .,>()");
}

// try (lookAhead (string x))
R<bool> peek_string(Ctx& c, St s, std::u32string_view x) {
  auto r = attempt(look_ahead(string_(c, s, x), s));
  return R<bool>{r.tag, r.ok(), r.st, std::move(r.err)};
}

// pJsonPath = many (pJsonArrow <*> pJsonOperand)
R<JsonOp> json_operation(Ctx& c, St s) {
  Seq q(s);
  JsonOp op;
  {
    auto arrow = or_else(attempt(string_(c, q.st, U"->>")),
                         [&] { return attempt(string_(c, q.st, U"->")); });
    Text a;
    if (!q.take(std::move(arrow), &a)) return q.fail<JsonOp>();
    op.as_text = a.size() == 3;
  }
  St at = q.st;
  // pJIdx = (option '+' (char '-') : many1 digit) <* pEnd
  auto index = [&]() -> R<Text> {
    Seq q2(at);
    char32_t sign = U'+';
    if (!q2.take(or_else(chr(c, q2.st, U'-'), [&] { return pure<char32_t>(U'+', q2.st); }), &sign))
      return q2.fail<Text>();
    char32_t d0 = 0;
    if (!q2.take(digit(c, q2.st), &d0)) return q2.fail<Text>();
    Text digits;
    if (!q2.take(many_chars(c, q2.st, digit), &digits)) return q2.fail<Text>();
    St e = q2.st;
    auto end = or_else(peek_string(c, e, U"->"), [&] {
      return or_else(peek_string(c, e, U"::"), [&] {
        return or_else(peek_string(c, e, U"."), [&] {
          return or_else(peek_string(c, e, U","), [&] { return attempt(eof(c, e)); });
        });
      });
    });
    if (!q2.take(std::move(end))) return q2.fail<Text>();
    Text v;
    if (sign == U'-') v += U'-';
    v += Text(1, d0) + digits;
    return q2.ok(std::move(v));
  };
  bool is_index = true;
  auto operand = or_else(attempt(index()), [&] {
    is_index = false;
    return attempt(json_key_name(c, at));
  });
  Text key;
  if (!q.take(std::move(operand), &key)) return q.fail<JsonOp>();
  op.is_index = is_index;
  op.key = encode_utf8(key);
  return q.ok(std::move(op));
}

// Stops with a fatal error at the step beyond Ctx::max_json_path.
R<JsonPath> json_path(Ctx& c, St s) {
  int steps = 0;
  auto step = [&steps](Ctx& cc, St ss) -> R<JsonOp> {
    if (cc.fatal) return R<JsonOp>{Tag::cerr, {}, ss, PErr{ss.pos, {}}};
    R<JsonOp> r = json_operation(cc, ss);
    if (r.tag == Tag::cok && cc.max_json_path > 0 && ++steps > cc.max_json_path) {
      cc.fatal =
          "JSON path exceeds the maximum of " + std::to_string(cc.max_json_path) + " operators";
      cc.fatal_pos = ss.pos;
      return R<JsonOp>{Tag::cerr, {}, ss, PErr{ss.pos, {}}};
    }
    return r;
  };
  return many<JsonOp>(c, s, step);
}

// option [] pJsonPath
R<JsonPath> opt_json_path(Ctx& c, St s) {
  return or_else(json_path(c, s), [&] { return pure(JsonPath{}, s); });
}

// pField = lexeme ((,) <$> pFieldName <*> option [] pJsonPath)
R<Field> field(Ctx& c, St s) {
  return lexeme<Field>(c, s, [](Ctx& cc, St ss) -> R<Field> {
    Seq q(ss);
    Text name;
    if (!q.take(field_name(cc, q.st), &name)) return q.fail<Field>();
    Field f;
    f.name = encode_utf8(name);
    if (!q.take(opt_json_path(cc, q.st), &f.json)) return q.fail<Field>();
    return q.ok(std::move(f));
  });
}

// pDelimiter = char '.' <?> "delimiter (.)"
R<char32_t> delimiter(const Ctx& c, St s) {
  return label(chr(c, s, U'.'), "delimiter (.)");
}

// optionMaybe p
template <class T>
R<std::optional<T>> option_maybe(R<T>&& r, St s) {
  if (r.ok())
    return R<std::optional<T>>{r.tag, std::optional<T>(std::move(r.val)), r.st, std::move(r.err)};
  if (r.tag == Tag::cerr) return retag<std::optional<T>>(std::move(r));
  return R<std::optional<T>>{Tag::eok, std::nullopt, s, merge(std::move(r.err), PErr{s.pos, {}})};
}

// optionMaybe (try (pFieldName <* aliasSeparator))
R<std::optional<Text>> alias_prefix(Ctx& c, St s) {
  auto named = [&]() -> R<Text> {
    Seq q(s);
    Text name;
    if (!q.take(field_name(c, q.st), &name)) return q.fail<Text>();
    if (!q.take(chr(c, q.st, U':'))) return q.fail<Text>();
    St at = q.st;
    if (!q.take(not_followed_by(attempt(chr(c, at, U':')), at))) return q.fail<Text>();
    return q.ok(std::move(name));
  };
  return option_maybe(attempt(named()), s);
}

// optionMaybe (string "::" *> pIdentifier)
R<std::optional<Text>> cast_suffix(Ctx& c, St s) {
  auto cast = [&]() -> R<Text> {
    Seq q(s);
    if (!q.take(string_(c, q.st, U"::"))) return q.fail<Text>();
    Text t;
    if (!q.take(identifier(c, q.st), &t)) return q.fail<Text>();
    return q.ok(std::move(t));
  };
  return option_maybe(cast(), s);
}

std::optional<std::string> to_opt(const std::optional<Text>& t) {
  if (!t) return std::nullopt;
  return encode_utf8(*t);
}

// ---------------------------------------------------------------------------------------------
// select=

struct EmbedHead {
  std::optional<Text> alias;
  Text name;
  std::optional<Text> hint;
  std::optional<JoinType> join;
};

struct EmbedParam {
  std::optional<Text> hint;
  std::optional<JoinType> join;
};

// pEmbedParam = char '!' *> (try "left" <|> try "inner" <|> try pFieldName)
R<EmbedParam> embed_param(Ctx& c, St s) {
  Seq q(s);
  if (!q.take(chr(c, q.st, U'!'))) return q.fail<EmbedParam>();
  St at = q.st;
  auto r = or_else(attempt(string_(c, at, U"left")), [&] {
    return or_else(attempt(string_(c, at, U"inner")), [&] {
      auto h = attempt(field_name(c, at));
      if (h.ok()) h.val = U"!" + h.val;  // marks a hint (names never start with '!')
      return h;
    });
  });
  Text v;
  if (!q.take(std::move(r), &v)) return q.fail<EmbedParam>();
  EmbedParam p;
  if (v == U"left") {
    p.join = JoinType::left;
  } else if (v == U"inner") {
    p.join = JoinType::inner;
  } else {
    p.hint = v.substr(1);
  }
  return q.ok(std::move(p));
}

// pEmbedParams: up to two params; the first hint and the first join type win.
bool embed_params(Ctx& c, Seq& q, EmbedHead& head) {
  for (int k = 0; k < 2; ++k) {
    std::optional<EmbedParam> p;
    if (!q.take(option_maybe(embed_param(c, q.st), q.st), &p)) return false;
    if (p) {
      if (!head.hint && p->hint) head.hint = p->hint;
      if (!head.join && p->join) head.join = p->join;
    }
  }
  return true;
}

// pRelationSelect (lexeme)
R<EmbedHead> relation_select(Ctx& c, St s) {
  return lexeme<EmbedHead>(c, s, [](Ctx& cc, St ss) -> R<EmbedHead> {
    Seq q(ss);
    EmbedHead head;
    if (!q.take(alias_prefix(cc, q.st), &head.alias)) return q.fail<EmbedHead>();
    if (!q.take(field_name(cc, q.st), &head.name)) return q.fail<EmbedHead>();
    if (head.name == U"count") {  // guard: mzero
      q.take(fail_empty<bool>(q.st, PErr{q.st.pos, {}}));
      return q.fail<EmbedHead>();
    }
    if (!embed_params(cc, q, head)) return q.fail<EmbedHead>();
    if (!q.take(peek_string(cc, q.st, U"("))) return q.fail<EmbedHead>();
    return q.ok(std::move(head));
  });
}

// pSpreadRelationSelect (lexeme)
R<EmbedHead> spread_select(Ctx& c, St s) {
  return lexeme<EmbedHead>(c, s, [](Ctx& cc, St ss) -> R<EmbedHead> {
    Seq q(ss);
    EmbedHead head;
    if (!q.take(string_(cc, q.st, U"..."))) return q.fail<EmbedHead>();
    if (!q.take(field_name(cc, q.st), &head.name)) return q.fail<EmbedHead>();
    if (!embed_params(cc, q, head)) return q.fail<EmbedHead>();
    if (!q.take(peek_string(cc, q.st, U"("))) return q.fail<EmbedHead>();
    return q.ok(std::move(head));
  });
}

// pEnd in pFieldSelect: try (lookAhead ")") <|> try (lookAhead ",") <|> try eof
R<bool> select_end(Ctx& c, St s) {
  return or_else(peek_string(c, s, U")"), [&] {
    return or_else(peek_string(c, s, U","), [&] { return attempt(eof(c, s)); });
  });
}

// pAggregation = choice [sum, avg, count, try max, try min]
R<Aggregate> aggregation(Ctx& c, St s) {
  auto as = [&](R<Text>&& r, Aggregate a) {
    return R<Aggregate>{r.tag, a, r.st, std::move(r.err)};
  };
  return or_else(as(string_(c, s, U"sum"), Aggregate::sum), [&] {
    return or_else(as(string_(c, s, U"avg"), Aggregate::avg), [&] {
      return or_else(as(string_(c, s, U"count"), Aggregate::count), [&] {
        return or_else(as(attempt(string_(c, s, U"max")), Aggregate::max), [&] {
          return or_else(as(attempt(string_(c, s, U"min")), Aggregate::min), [&] {
            return fail_empty<Aggregate>(s, PErr{s.pos, {}});
          });
        });
      });
    });
  });
}

// pFieldSelect (lexeme)
R<SelectItem> field_select(Ctx& c, St s) {
  return lexeme<SelectItem>(c, s, [](Ctx& cc, St ss) -> R<SelectItem> {
    auto star = [&]() -> R<SelectItem> {
      Seq q(ss);
      if (!q.take(string_(cc, q.st, U"*"))) return q.fail<SelectItem>();
      if (!q.take(select_end(cc, q.st))) return q.fail<SelectItem>();
      SelectItem it;
      it.field.name = "*";
      return q.ok(std::move(it));
    };
    auto count = [&]() -> R<SelectItem> {
      Seq q(ss);
      SelectItem it;
      std::optional<Text> alias;
      if (!q.take(alias_prefix(cc, q.st), &alias)) return q.fail<SelectItem>();
      if (!q.take(string_(cc, q.st, U"count()"))) return q.fail<SelectItem>();
      std::optional<Text> agg_cast;
      if (!q.take(cast_suffix(cc, q.st), &agg_cast)) return q.fail<SelectItem>();
      if (!q.take(select_end(cc, q.st))) return q.fail<SelectItem>();
      it.field.name = "*";
      it.aggregate = Aggregate::count;
      it.aggregate_cast = to_opt(agg_cast);
      it.alias = to_opt(alias);
      return q.ok(std::move(it));
    };
    auto plain = [&]() -> R<SelectItem> {
      Seq q(ss);
      SelectItem it;
      std::optional<Text> alias;
      if (!q.take(alias_prefix(cc, q.st), &alias)) return q.fail<SelectItem>();
      if (!q.take(field(cc, q.st), &it.field)) return q.fail<SelectItem>();
      std::optional<Text> cast;
      if (!q.take(cast_suffix(cc, q.st), &cast)) return q.fail<SelectItem>();
      auto agg = [&]() -> R<Aggregate> {
        Seq q2(q.st);
        if (!q2.take(chr(cc, q2.st, U'.'))) return q2.fail<Aggregate>();
        Aggregate a = Aggregate::count;
        if (!q2.take(aggregation(cc, q2.st), &a)) return q2.fail<Aggregate>();
        if (!q2.take(string_(cc, q2.st, U"()"))) return q2.fail<Aggregate>();
        return q2.ok(a);
      };
      std::optional<Aggregate> aggregate;
      if (!q.take(option_maybe(attempt(agg()), q.st), &aggregate)) return q.fail<SelectItem>();
      std::optional<Text> agg_cast;
      if (!q.take(cast_suffix(cc, q.st), &agg_cast)) return q.fail<SelectItem>();
      if (!q.take(select_end(cc, q.st))) return q.fail<SelectItem>();
      it.cast = to_opt(cast);
      it.aggregate = aggregate;
      it.aggregate_cast = to_opt(agg_cast);
      it.alias = to_opt(alias);
      return q.ok(std::move(it));
    };
    return or_else(attempt(star()), [&] { return or_else(attempt(count()), plain); });
  });
}

R<std::vector<SelectItem>> field_forest(Ctx& c, St s, int depth);

// between (char '(') (char ')') (pFieldForest) — one level deeper
R<std::vector<SelectItem>> embed_children(Ctx& c, St s, int depth) {
  Seq q(s);
  if (!q.take(chr(c, q.st, U'('))) return q.fail<std::vector<SelectItem>>();
  if (depth > c.max_depth) {
    if (!c.fatal) {
      c.fatal = "embedding depth exceeds the maximum of " + std::to_string(c.max_depth);
      c.fatal_pos = s.pos;
    }
    return R<std::vector<SelectItem>>{Tag::cerr, {}, q.st, PErr{s.pos, {}}};
  }
  std::vector<SelectItem> items;
  if (!q.take(field_forest(c, q.st, depth), &items)) return q.fail<std::vector<SelectItem>>();
  if (!q.take(chr(c, q.st, U')'))) return q.fail<std::vector<SelectItem>>();
  return q.ok(std::move(items));
}

// pFieldTree
R<SelectItem> field_tree(Ctx& c, St s, int depth) {
  auto embed = [&](R<EmbedHead>&& head, SelectItem::Kind kind) -> R<SelectItem> {
    Seq q(s);
    EmbedHead h;
    if (!q.take(attempt(std::move(head)), &h)) return q.fail<SelectItem>();
    SelectItem it;
    it.kind = kind;
    it.relation = encode_utf8(h.name);
    if (kind == SelectItem::Kind::relation) it.alias = to_opt(h.alias);
    it.hint = to_opt(h.hint);
    it.join = h.join;
    if (!q.take(embed_children(c, q.st, depth + 1), &it.children)) return q.fail<SelectItem>();
    return q.ok(std::move(it));
  };
  return or_else(embed(spread_select(c, s), SelectItem::Kind::spread), [&] {
    return or_else(embed(relation_select(c, s), SelectItem::Kind::relation),
                   [&] { return field_select(c, s); });
  });
}

// lexeme (char ',')
R<char32_t> comma_lexeme(Ctx& c, St s) {
  return lexeme<char32_t>(c, s, [](Ctx& cc, St ss) { return chr(cc, ss, U','); });
}

// pFieldForest = pFieldTree `sepBy` lexeme (char ',')
R<std::vector<SelectItem>> field_forest(Ctx& c, St s, int depth) {
  if (c.fatal) return R<std::vector<SelectItem>>{Tag::cerr, {}, s, PErr{s.pos, {}}};
  auto tree = [depth](Ctx& cc, St ss) { return field_tree(cc, ss, depth); };
  return or_else(sep_by1<SelectItem>(c, s, tree, comma_lexeme),
                 [&] { return pure(std::vector<SelectItem>{}, s); });
}

// ---------------------------------------------------------------------------------------------
// Operators

using ValueParser = R<Text> (*)(Ctx&, St);

// pSingleVal = many anyChar
R<Text> single_val(Ctx& c, St s) {
  return many_chars(c, s, any_char);
}

// try (pQuotedValue <* notFollowedBy (noneOf ",)"))
R<Text> quoted_element(Ctx& c, St s) {
  Seq q(s);
  Text v;
  if (!q.take(quoted_value(c, q.st), &v)) return attempt(q.fail<Text>());
  St at = q.st;
  if (!q.take(not_followed_by(attempt(none_of(c, at, U",)")), at))) return attempt(q.fail<Text>());
  return q.ok(std::move(v));
}

R<Text> unquoted_element(Ctx& c, St s) {
  return many_chars(c, s, [](const Ctx& cc, St ss) { return none_of(cc, ss, U",)"); });
}

// pListElement
R<Text> list_element(Ctx& c, St s) {
  return or_else(quoted_element(c, s), [&] { return unquoted_element(c, s); });
}

// pLogicSingleVal: quoted, or a {pg,array}, or up to the next ',' / ')'
R<Text> logic_single_val(Ctx& c, St s) {
  return or_else(quoted_element(c, s), [&] {
    auto pg_array = [&]() -> R<Text> {
      Seq q(s);
      if (!q.take(string_(c, q.st, U"{"))) return q.fail<Text>();
      Text body;
      if (!q.take(many_chars(c, q.st, [](const Ctx& cc, St ss) { return none_of(cc, ss, U"{}"); }),
                  &body))
        return q.fail<Text>();
      if (!q.take(string_(c, q.st, U"}"))) return q.fail<Text>();
      return q.ok(U"{" + body + U"}");
    };
    return or_else(attempt(pg_array()), [&] { return unquoted_element(c, s); });
  });
}

// pListVal = lexeme (char '(') *> pListElement `sepBy1` char ',' <* lexeme (char ')')
R<std::vector<Text>> list_val(Ctx& c, St s) {
  Seq q(s);
  auto open = lexeme<char32_t>(c, q.st, [](Ctx& cc, St ss) { return chr(cc, ss, U'('); });
  if (!q.take(std::move(open))) return q.fail<std::vector<Text>>();
  std::vector<Text> items;
  auto comma = [](Ctx& cc, St ss) { return chr(cc, ss, U','); };
  if (!q.take(sep_by1<Text>(c, q.st, list_element, comma), &items))
    return q.fail<std::vector<Text>>();
  auto close = lexeme<char32_t>(c, q.st, [](Ctx& cc, St ss) { return chr(cc, ss, U')'); });
  if (!q.take(std::move(close))) return q.fail<std::vector<Text>>();
  return q.ok(std::move(items));
}

// try (string name *> pDelimiter)
R<bool> keyword_dot(Ctx& c, St s, std::u32string_view name) {
  Seq q(s);
  if (!q.take(string_(c, q.st, name))) return attempt(q.fail<bool>());
  if (!q.take(delimiter(c, q.st))) return attempt(q.fail<bool>());
  return attempt(q.ok(true));
}

struct OpName {
  std::u32string_view text;
  Operator op;
};

// try (string a $> A) <|> try (string b $> B) <|> ... <?> label
R<Operator> operator_choice(Ctx& c, St s, const std::vector<OpName>& names, const char* what) {
  R<Operator> acc = fail_empty<Operator>(s, PErr{s.pos, {}});
  bool first = true;
  for (const auto& n : names) {
    auto r = attempt(string_(c, s, n.text));
    R<Operator> ro{r.tag, n.op, r.st, std::move(r.err)};
    if (first) {
      acc = std::move(ro);
      first = false;
    } else {
      acc = or_else(std::move(acc), [&] { return std::move(ro); });
    }
    if (acc.tag != Tag::eerr) break;
  }
  return label(std::move(acc), what);
}

// ciString: each character in lower or upper case
R<bool> ci_string(Ctx& c, St s, std::u32string_view lower) {
  Seq q(s);
  for (char32_t ch : lower) {
    char32_t up = (ch >= U'a' && ch <= U'z') ? ch - 32 : ch;
    if (!q.take(or_else(chr(c, q.st, ch), [&] { return chr(c, q.st, up); }))) return q.fail<bool>();
  }
  return q.ok(true);
}

R<IsValue> is_val(Ctx& c, St s) {
  static const std::vector<std::pair<std::u32string_view, IsValue>> kVals = {
      {U"null", IsValue::null},
      {U"not_null", IsValue::not_null},
      {U"true", IsValue::is_true},
      {U"false", IsValue::is_false},
      {U"unknown", IsValue::unknown}};
  R<IsValue> acc = fail_empty<IsValue>(s, PErr{s.pos, {}});
  bool first = true;
  for (const auto& [text, v] : kVals) {
    auto r = attempt(ci_string(c, s, text));
    R<IsValue> rv{r.tag, v, r.st, std::move(r.err)};
    if (first) {
      acc = std::move(rv);
      first = false;
    } else {
      acc = or_else(std::move(acc), [&] { return std::move(rv); });
    }
    if (acc.tag != Tag::eerr) break;
  }
  return label(std::move(acc), "isVal: (null, not_null, true, false, unknown)");
}

std::string star_to_percent(std::string v) {
  std::replace(v.begin(), v.end(), '*', '%');
  return v;
}

// pOperation (without the leading not.)
R<OpExpr> operation(Ctx& c, St s, ValueParser value) {
  auto p_in = [&]() -> R<OpExpr> {
    Seq q(s);
    if (!q.take(keyword_dot(c, q.st, U"in"))) return q.fail<OpExpr>();
    std::vector<Text> items;
    if (!q.take(list_val(c, q.st), &items)) return q.fail<OpExpr>();
    OpExpr e;
    e.op = Operator::in;
    for (auto& t : items) e.list.push_back(encode_utf8(t));
    return q.ok(std::move(e));
  };
  auto p_is = [&]() -> R<OpExpr> {
    Seq q(s);
    if (!q.take(keyword_dot(c, q.st, U"is"))) return q.fail<OpExpr>();
    OpExpr e;
    e.op = Operator::is;
    if (!q.take(is_val(c, q.st), &e.is_value)) return q.fail<OpExpr>();
    return q.ok(std::move(e));
  };
  auto p_is_distinct = [&]() -> R<OpExpr> {
    Seq q(s);
    if (!q.take(keyword_dot(c, q.st, U"isdistinct"))) return q.fail<OpExpr>();
    Text v;
    if (!q.take(value(c, q.st), &v)) return q.fail<OpExpr>();
    OpExpr e;
    e.op = Operator::isdistinct;
    e.value = encode_utf8(v);
    return q.ok(std::move(e));
  };
  auto p_fts = [&]() -> R<OpExpr> {
    Seq q(s);
    static const std::vector<OpName> kFts = {{U"fts", Operator::fts},
                                             {U"plfts", Operator::plfts},
                                             {U"phfts", Operator::phfts},
                                             {U"wfts", Operator::wfts}};
    // No label on this choice in PostgREST; operator_choice's label is replaced below.
    R<Operator> acc = fail_empty<Operator>(q.st, PErr{q.st.pos, {}});
    bool first = true;
    for (const auto& n : kFts) {
      auto r = attempt(string_(c, q.st, n.text));
      R<Operator> ro{r.tag, n.op, r.st, std::move(r.err)};
      if (first) {
        acc = std::move(ro);
        first = false;
      } else {
        acc = or_else(std::move(acc), [&] { return std::move(ro); });
      }
      if (acc.tag != Tag::eerr) break;
    }
    OpExpr e;
    if (!q.take(std::move(acc), &e.op)) return q.fail<OpExpr>();
    auto lang = [&]() -> R<Text> {
      Seq q2(q.st);
      if (!q2.take(chr(c, q2.st, U'('))) return q2.fail<Text>();
      Text id;
      if (!q2.take(identifier(c, q2.st), &id)) return q2.fail<Text>();
      if (!q2.take(chr(c, q2.st, U')'))) return q2.fail<Text>();
      return q2.ok(std::move(id));
    };
    std::optional<Text> language;
    if (!q.take(option_maybe(attempt(lang()), q.st), &language)) return q.fail<OpExpr>();
    e.language = to_opt(language);
    if (!q.take(delimiter(c, q.st))) return q.fail<OpExpr>();
    Text v;
    if (!q.take(value(c, q.st), &v)) return q.fail<OpExpr>();
    e.value = encode_utf8(v);
    return q.ok(std::move(e));
  };
  auto p_simple = [&]() -> R<OpExpr> {
    static const std::vector<OpName> kSimple = {
        {U"neq", Operator::neq}, {U"cs", Operator::cs},   {U"cd", Operator::cd},
        {U"ov", Operator::ov},   {U"sl", Operator::sl},   {U"sr", Operator::sr},
        {U"nxr", Operator::nxr}, {U"nxl", Operator::nxl}, {U"adj", Operator::adj}};
    Seq q(s);
    OpExpr e;
    if (!q.take(operator_choice(c, q.st, kSimple, "unknown single value operator"), &e.op))
      return q.fail<OpExpr>();
    if (!q.take(delimiter(c, q.st))) return q.fail<OpExpr>();
    Text v;
    if (!q.take(value(c, q.st), &v)) return q.fail<OpExpr>();
    e.value = encode_utf8(v);
    return q.ok(std::move(e));
  };
  auto p_quant = [&]() -> R<OpExpr> {
    static const std::vector<OpName> kQuant = {
        {U"eq", Operator::eq},       {U"gte", Operator::gte},     {U"gt", Operator::gt},
        {U"lte", Operator::lte},     {U"lt", Operator::lt},       {U"like", Operator::like},
        {U"ilike", Operator::ilike}, {U"match", Operator::match}, {U"imatch", Operator::imatch}};
    Seq q(s);
    OpExpr e;
    if (!q.take(operator_choice(c, q.st, kQuant, "unknown single value operator"), &e.op))
      return q.fail<OpExpr>();
    auto quant = [&]() -> R<Quantifier> {
      Seq q2(q.st);
      if (!q2.take(chr(c, q2.st, U'('))) return q2.fail<Quantifier>();
      St at = q2.st;
      auto any_all = or_else(
          [&] {
            auto r = attempt(string_(c, at, U"any"));
            return R<Quantifier>{r.tag, Quantifier::any, r.st, std::move(r.err)};
          }(),
          [&] {
            auto r = string_(c, at, U"all");
            return R<Quantifier>{r.tag, Quantifier::all, r.st, std::move(r.err)};
          });
      Quantifier qv = Quantifier::any;
      if (!q2.take(std::move(any_all), &qv)) return q2.fail<Quantifier>();
      if (!q2.take(chr(c, q2.st, U')'))) return q2.fail<Quantifier>();
      return q2.ok(qv);
    };
    if (!q.take(option_maybe(attempt(quant()), q.st), &e.quantifier)) return q.fail<OpExpr>();
    if (!q.take(delimiter(c, q.st))) return q.fail<OpExpr>();
    Text v;
    if (!q.take(value(c, q.st), &v)) return q.fail<OpExpr>();
    e.value = encode_utf8(v);
    if (e.op == Operator::like || e.op == Operator::ilike)
      e.value = star_to_percent(std::move(e.value));
    return q.ok(std::move(e));
  };
  auto r = or_else(p_in(), [&] {
    return or_else(p_is(), [&] {
      return or_else(p_is_distinct(), [&] {
        return or_else(attempt(p_fts()), [&] {
          return or_else(attempt(p_simple()), [&] { return attempt(p_quant()); });
        });
      });
    });
  });
  return label(std::move(r), "operator (eq, gt, ...)");
}

// pOpExpr
R<OpExpr> op_expr(Ctx& c, St s, ValueParser value) {
  Seq q(s);
  bool negated = false;
  if (!q.take(or_else(keyword_dot(c, q.st, U"not"), [&] { return pure(false, q.st); }), &negated))
    return q.fail<OpExpr>();
  OpExpr e;
  if (!q.take(operation(c, q.st, value), &e)) return q.fail<OpExpr>();
  e.negated = negated;
  return q.ok(std::move(e));
}

// ---------------------------------------------------------------------------------------------
// order=

// pOrdDir / pNulls: try (pDelimiter *> string x)
template <class T>
R<T> dot_keyword(Ctx& c, St s, std::u32string_view a, T va, std::u32string_view b, T vb) {
  auto one = [&](std::u32string_view w, T v) -> R<T> {
    Seq q(s);
    if (!q.take(delimiter(c, q.st))) return attempt(q.fail<T>());
    if (!q.take(string_(c, q.st, w))) return attempt(q.fail<T>());
    return attempt(q.ok(v));
  };
  return or_else(one(a, va), [&] { return one(b, vb); });
}

// pEnd in pOrder: try (lookAhead (char ',')) <|> try eof
R<bool> order_end(Ctx& c, St s) {
  auto comma = attempt(look_ahead(chr(c, s, U','), s));
  return or_else(R<bool>{comma.tag, true, comma.st, std::move(comma.err)},
                 [&] { return attempt(eof(c, s)); });
}

// dir <- optionMaybe pOrdDir; nls <- optionMaybe pNulls <* pEnd <|> pEnd $> Nothing
bool order_suffix(Ctx& c, Seq& q, OrderTerm& t) {
  if (!q.take(option_maybe(
                  dot_keyword(c, q.st, U"asc", OrderDirection::asc, U"desc", OrderDirection::desc),
                  q.st),
              &t.direction))
    return false;
  St at = q.st;
  auto with_nulls = [&]() -> R<std::optional<OrderNulls>> {
    Seq q2(at);
    std::optional<OrderNulls> n;
    if (!q2.take(option_maybe(dot_keyword(c, q2.st, U"nullsfirst", OrderNulls::first, U"nullslast",
                                          OrderNulls::last),
                              q2.st),
                 &n))
      return q2.fail<std::optional<OrderNulls>>();
    if (!q2.take(order_end(c, q2.st))) return q2.fail<std::optional<OrderNulls>>();
    return q2.ok(n);
  };
  auto no_nulls = [&]() -> R<std::optional<OrderNulls>> {
    auto e = order_end(c, at);
    return R<std::optional<OrderNulls>>{e.tag, std::nullopt, e.st, std::move(e.err)};
  };
  return q.take(or_else(with_nulls(), no_nulls), &t.nulls);
}

R<OrderTerm> order_term(Ctx& c, St s) {
  Seq q(s);
  OrderTerm t;
  if (!q.take(field(c, q.st), &t.field)) return q.fail<OrderTerm>();
  if (!order_suffix(c, q, t)) return q.fail<OrderTerm>();
  return q.ok(std::move(t));
}

R<OrderTerm> order_relation_term(Ctx& c, St s) {
  Seq q(s);
  OrderTerm t;
  Text rel;
  if (!q.take(field_name(c, q.st), &rel)) return q.fail<OrderTerm>();
  if (!q.take(chr(c, q.st, U'('))) return q.fail<OrderTerm>();
  if (!q.take(field(c, q.st), &t.field)) return q.fail<OrderTerm>();
  if (!q.take(chr(c, q.st, U')'))) return q.fail<OrderTerm>();
  t.relation = encode_utf8(rel);
  if (!order_suffix(c, q, t)) return q.fail<OrderTerm>();
  return q.ok(std::move(t));
}

// pOrder = lexeme (try pOrderRelationTerm <|> pOrderTerm) `sepBy1` char ','
R<std::vector<OrderTerm>> order_list(Ctx& c, St s) {
  auto term = [](Ctx& cc, St ss) {
    return lexeme<OrderTerm>(cc, ss, [](Ctx& c3, St s3) {
      return or_else(attempt(order_relation_term(c3, s3)), [&] { return order_term(c3, s3); });
    });
  };
  auto comma = [](Ctx& cc, St ss) { return chr(cc, ss, U','); };
  return sep_by1<OrderTerm>(c, s, term, comma);
}

// ---------------------------------------------------------------------------------------------
// Logic trees

R<LogicTree> logic_tree(Ctx& c, St s, int depth);

// pLogicFilter = Filter <$> pField <* pDelimiter <*> pOpExpr pLogicSingleVal
R<LogicTree> logic_filter(Ctx& c, St s) {
  Seq q(s);
  LogicTree t;
  t.is_leaf = true;
  if (!q.take(field(c, q.st), &t.filter.field)) return q.fail<LogicTree>();
  if (!q.take(delimiter(c, q.st))) return q.fail<LogicTree>();
  if (!q.take(op_expr(c, q.st, logic_single_val), &t.filter.expr)) return q.fail<LogicTree>();
  return q.ok(std::move(t));
}

R<LogicTree> logic_expr(Ctx& c, St s, int depth) {
  Seq q(s);
  LogicTree t;
  auto neg = label(or_else(keyword_dot(c, q.st, U"not"), [&] { return pure(false, q.st); }),
                   "negation operator (not)");
  if (!q.take(std::move(neg), &t.negated)) return q.fail<LogicTree>();
  St at = q.st;
  auto op = label(or_else(
                      [&] {
                        auto r = attempt(string_(c, at, U"and"));
                        return R<LogicOp>{r.tag, LogicOp::op_and, r.st, std::move(r.err)};
                      }(),
                      [&] {
                        auto r = string_(c, at, U"or");
                        return R<LogicOp>{r.tag, LogicOp::op_or, r.st, std::move(r.err)};
                      }),
                  "logic operator (and, or)");
  if (!q.take(std::move(op), &t.op)) return q.fail<LogicTree>();
  St open_at = q.st;
  if (!q.take(lexeme<char32_t>(c, q.st, [](Ctx& cc, St ss) { return chr(cc, ss, U'('); })))
    return q.fail<LogicTree>();
  if (depth > c.max_depth) {
    if (!c.fatal) {
      c.fatal = "logic tree nesting exceeds the maximum depth of " + std::to_string(c.max_depth);
      c.fatal_pos = open_at.pos;
    }
    return R<LogicTree>{Tag::cerr, {}, q.st, PErr{open_at.pos, {}}};
  }
  auto child = [depth](Ctx& cc, St ss) { return logic_tree(cc, ss, depth + 1); };
  if (!q.take(sep_by1<LogicTree>(c, q.st, child, comma_lexeme), &t.children))
    return q.fail<LogicTree>();
  if (!q.take(lexeme<char32_t>(c, q.st, [](Ctx& cc, St ss) { return chr(cc, ss, U')'); })))
    return q.fail<LogicTree>();
  return q.ok(std::move(t));
}

// pLogicTree = Stmnt <$> try pLogicFilter <|> Expr <$> pNot <*> pLogicOp <*> (...)
R<LogicTree> logic_tree(Ctx& c, St s, int depth) {
  if (c.fatal) return R<LogicTree>{Tag::cerr, {}, s, PErr{s.pos, {}}};
  return or_else(attempt(logic_filter(c, s)), [&] { return logic_expr(c, s, depth); });
}

// ---------------------------------------------------------------------------------------------
// Running a grammar on one parameter

template <class T, class P>
Result<T> run(std::string_view input, std::string source, P parser, int max_depth = 0,
              int max_json_path = 0) {
  Ctx c;
  c.in = decode_utf8(input);
  c.max_depth = max_depth;
  c.max_json_path = max_json_path;
  R<T> r = parser(c, St{});
  if (c.fatal) return to_error_at(source, c.fatal_pos, *c.fatal);
  if (!r.ok()) return to_error(source, r.err);
  return std::move(r.val);
}

// pFieldName `sepBy1` pDelimiter
R<std::vector<Text>> dotted_names(Ctx& c, St s) {
  return sep_by1<Text>(c, s, field_name, delimiter);
}

std::vector<std::string> split_dots(std::string_view key) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = key.find('.', start);
    out.emplace_back(
        key.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

std::string last_segment(std::string_view key) {
  return split_dots(key).back();
}

// Network.HTTP.Base.urlEncode over the raw bytes as PostgREST calls it (Char8-unpacked): bytes
// ≥ 0x80 are taken as Latin-1 characters and UTF-8 encoded before escaping, so "é" (C3 A9)
// becomes %C3%83%C2%A9. Reproduced for byte-identical Content-Location headers.
std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  auto escape = [&](unsigned b) {
    out.push_back('%');
    out.push_back(kHex[(b >> 4) & 0xf]);
    out.push_back(kHex[b & 0xf]);
  };
  for (char ch : s) {
    auto b = static_cast<unsigned char>(ch);
    bool keep = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                b == '-' || b == '_' || b == '.' || b == '~';
    if (keep) {
      out.push_back(ch);
    } else if (b >= 0x80) {
      escape(0xc0 | (b >> 6));
      escape(0x80 | (b & 0x3f));
    } else {
      escape(b);
    }
  }
  return out;
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '+') {
      out.push_back(' ');
    } else if (ch == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

Error invalid_query_string(std::string_view what, std::string_view key) {
  Error e;
  e.status = 400;
  e.code = "PGRST100";
  e.message = "failed to parse query string";
  e.details = std::string(what) + " in parameter (" + std::string(key) + ")";
  return e;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public entry points

namespace {

// The plain forms most requests use, parsed without the grammar. Each gives exactly what the
// grammar gives for it (the grammar's error bookkeeping costs tens of thousands of instructions
// per parameter); anything else returns nullopt and goes through the grammar.
bool plain_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

bool plain_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), plain_name_char);
}

// select=* / select=a,b,c / select=a,rel(b,c),other(*): plain names, `*`, and embeds of plain
// names without alias, hint or join type, nested at most `max_depth` levels.
bool plain_items(std::string_view v, std::size_t& i, int depth, int max_depth,
                 std::vector<SelectItem>& out) {
  for (;;) {
    const std::size_t start = i;
    while (i < v.size() && (plain_name_char(v[i]) || v[i] == '*')) ++i;
    const std::string_view name = v.substr(start, i - start);
    if (name != "*" && !plain_name(name)) return false;
    SelectItem it;
    if (i < v.size() && v[i] == '(') {
      if (name == "*" || depth + 1 > max_depth) return false;
      // `count(` starts the count aggregate in the grammar, never an embed.
      if (name == "count") return false;
      ++i;
      it.kind = SelectItem::Kind::relation;
      it.relation = std::string(name);
      if (i < v.size() && v[i] == ')') {
        ++i;  // rel(): no columns
      } else {
        if (!plain_items(v, i, depth + 1, max_depth, it.children)) return false;
        if (i >= v.size() || v[i] != ')') return false;
        ++i;
      }
    } else {
      it.field.name = std::string(name);
    }
    out.push_back(std::move(it));
    if (i < v.size() && v[i] == ',') {
      ++i;
      continue;
    }
    return true;
  }
}

std::optional<std::vector<SelectItem>> plain_select(std::string_view v, int max_depth) {
  if (v.empty()) return std::nullopt;
  std::vector<SelectItem> out;
  std::size_t i = 0;
  if (!plain_items(v, i, 0, max_depth, out) || i != v.size()) return std::nullopt;
  return out;
}

// eq./neq./gt./gte./lt./lte. followed by any value (the grammar's pSingleVal takes the rest).
std::optional<OpExpr> plain_filter_value(std::string_view v) {
  static constexpr std::pair<std::string_view, Operator> kOps[] = {
      {"eq.", Operator::eq},   {"neq.", Operator::neq}, {"gt.", Operator::gt},
      {"gte.", Operator::gte}, {"lt.", Operator::lt},   {"lte.", Operator::lte}};
  for (const auto& [prefix, op] : kOps) {
    if (!v.starts_with(prefix)) continue;
    const std::string_view value = v.substr(prefix.size());
    if (!valid_utf8(value)) return std::nullopt;
    OpExpr e;
    e.op = op;
    e.value = std::string(value);
    return e;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<SelectItem>> parse_select(std::string_view value, const ParseLimits& limits) {
  if (limits.fast_paths) {
    if (auto plain = plain_select(value, limits.max_embed_depth)) return std::move(*plain);
  }
  return run<std::vector<SelectItem>>(
      value, "failed to parse select parameter (" + std::string(value) + ")",
      [](Ctx& c, St s) { return field_forest(c, s, 0); }, limits.max_embed_depth,
      limits.max_json_path);
}

Result<std::pair<EmbedPath, std::string>> parse_tree_path(std::string_view key) {
  auto r = run<std::vector<Text>>(key, "failed to parse tree path (" + std::string(key) + ")",
                                  dotted_names);
  if (!r.ok()) return std::move(r).error();
  EmbedPath path;
  for (std::size_t i = 0; i + 1 < r->size(); ++i) path.push_back(encode_utf8((*r)[i]));
  return std::make_pair(std::move(path), encode_utf8(r->back()));
}

namespace {

// pTreePath = (init p, (last p, jsonPath)) where p = pFieldName `sepBy1` pDelimiter
Result<PathFilter> parse_tree_path_field(std::string_view key, const ParseLimits& limits) {
  if (limits.fast_paths && plain_name(key)) {
    PathFilter f;
    f.filter.field.name = std::string(key);
    return f;
  }
  auto r = run<PathFilter>(
      key, "failed to parse tree path (" + std::string(key) + ")",
      [](Ctx& c, St s) -> R<PathFilter> {
        Seq q(s);
        std::vector<Text> names;
        if (!q.take(dotted_names(c, q.st), &names)) return q.fail<PathFilter>();
        PathFilter f;
        for (std::size_t i = 0; i + 1 < names.size(); ++i) f.path.push_back(encode_utf8(names[i]));
        f.filter.field.name = encode_utf8(names.back());
        if (!q.take(opt_json_path(c, q.st), &f.filter.field.json)) return q.fail<PathFilter>();
        return q.ok(std::move(f));
      },
      0, limits.max_json_path);
  return r;
}

// Parses a filter value; for RPC reads a value that is not an operator expression (and fails
// without consuming) is an argument instead: returns nullopt then.
Result<std::optional<OpExpr>> parse_filter_value(std::string_view value, bool rpc_read,
                                                 bool fast_paths) {
  if (fast_paths) {
    if (auto plain = plain_filter_value(value)) return std::optional<OpExpr>(std::move(*plain));
  }
  Ctx c;
  c.in = decode_utf8(value);
  R<OpExpr> r = op_expr(c, St{}, single_val);
  if (r.ok()) return std::optional<OpExpr>(std::move(r.val));
  if (rpc_read && r.tag == Tag::eerr) return std::optional<OpExpr>();
  return to_error("failed to parse filter (" + std::string(value) + ")", r.err);
}

}  // namespace

Result<PathFilter> parse_filter(std::string_view key, std::string_view value,
                                const ParseLimits& limits) {
  auto f = parse_tree_path_field(key, limits);
  if (!f.ok()) return std::move(f).error();
  auto e = parse_filter_value(value, false, limits.fast_paths);
  if (!e.ok()) return std::move(e).error();
  f->filter.expr = std::move(**e);
  return std::move(f).value();
}

Result<PathOrder> parse_order(std::string_view key, std::string_view value,
                              const ParseLimits& limits) {
  auto path = parse_tree_path_field(key, limits);
  if (!path.ok()) return std::move(path).error();
  auto terms =
      run<std::vector<OrderTerm>>(value, "failed to parse order (" + std::string(value) + ")",
                                  order_list, 0, limits.max_json_path);
  if (!terms.ok()) return std::move(terms).error();
  return PathOrder{std::move(path->path), std::move(terms).value()};
}

Result<PathLogic> parse_logic(std::string_view key, std::string_view value,
                              const ParseLimits& limits) {
  auto names = run<std::vector<Text>>(key, "failed to parse logic path (" + std::string(key) + ")",
                                      dotted_names);
  if (!names.ok()) return std::move(names).error();
  PathLogic out;
  bool has_not = false;
  for (std::size_t i = 0; i < names->size(); ++i) {
    if ((*names)[i] == U"not") has_not = true;
    if (i + 1 < names->size() && (*names)[i] != U"not")
      out.path.push_back(encode_utf8((*names)[i]));
  }
  std::string op = encode_utf8(names->back());
  if (has_not) op = "not." + op;
  auto tree = run<LogicTree>(
      op + std::string(value), "failed to parse logic tree (" + std::string(value) + ")",
      [](Ctx& c, St s) { return logic_tree(c, s, 1); }, limits.max_logic_depth,
      limits.max_json_path);
  if (!tree.ok()) return std::move(tree).error();
  out.tree = std::move(tree).value();
  return out;
}

Result<std::vector<std::string>> parse_columns(std::string_view value) {
  auto r = run<std::vector<Text>>(
      value, "failed to parse columns parameter (" + std::string(value) + ")",
      [](Ctx& c, St s) { return sep_by1<Text>(c, s, field_name, comma_lexeme); });
  if (!r.ok()) return std::move(r).error();
  std::set<std::string> uniq;
  for (auto& t : *r) uniq.insert(encode_utf8(t));
  return std::vector<std::string>(uniq.begin(), uniq.end());
}

Result<std::vector<std::string>> parse_on_conflict(std::string_view value) {
  auto r = run<std::vector<Text>>(
      value, "failed to parse on_conflict parameter (" + std::string(value) + ")",
      [](Ctx& c, St s) { return sep_by1<Text>(c, s, field_name, comma_lexeme); });
  if (!r.ok()) return std::move(r).error();
  std::vector<std::string> out;
  for (auto& t : *r) out.push_back(encode_utf8(t));
  return out;
}

Result<std::vector<QueryParam>> decode_query_string(std::string_view raw) {
  std::vector<QueryParam> out;
  std::size_t i = 0;
  while (i < raw.size()) {
    std::size_t end = raw.find_first_of("&;", i);
    std::string_view piece =
        raw.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    QueryParam p;
    std::size_t eq = piece.find('=');
    p.key = url_decode(piece.substr(0, eq));
    if (eq != std::string_view::npos) {
      p.value = url_decode(piece.substr(eq + 1));
      p.has_value = true;
    }
    if (!valid_utf8(p.key) || !valid_utf8(p.value))
      return invalid_query_string("invalid UTF-8", p.key);
    if (p.key.find('\0') != std::string::npos || p.value.find('\0') != std::string::npos)
      return invalid_query_string("NUL byte", p.key);
    out.push_back(std::move(p));
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return out;
}

Result<QueryParams> parse_query_params(std::string_view raw_query, bool rpc_read,
                                       const ParseLimits& limits,
                                       const std::vector<std::string>& ignored) {
  auto decoded = decode_query_string(raw_query);
  if (!decoded.ok()) return std::move(decoded).error();
  QueryParams qp;
  for (auto& p : *decoded) {
    if (std::find(ignored.begin(), ignored.end(), p.key) != ignored.end()) continue;
    qp.all.push_back(std::move(p));
  }

  // Canonical form (stable sort by key, repeated keys joined with ',').
  {
    std::vector<const QueryParam*> sorted;
    for (const auto& p : qp.all) sorted.push_back(&p);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const QueryParam* a, const QueryParam* b) { return a->key < b->key; });
    std::string out;
    for (std::size_t k = 0; k < sorted.size();) {
      if (!out.empty()) out += '&';
      out += url_encode(sorted[k]->key) + "=" + url_encode(sorted[k]->value);
      std::size_t j = k + 1;
      while (j < sorted.size() && sorted[j]->key == sorted[k]->key) {
        out += "," + url_encode(sorted[j]->value);
        ++j;
      }
      k = j;
    }
    qp.canonical = std::move(out);
  }

  auto lookup = [&](std::string_view key) -> std::optional<std::string> {
    for (const auto& p : qp.all)
      if (p.key == key) return p.has_value ? std::optional<std::string>(p.value) : std::nullopt;
    return std::nullopt;
  };

  std::vector<const QueryParam*> orders, logics, filters;
  for (const auto& p : qp.all) {
    if (!p.has_value) continue;
    std::string last = last_segment(p.key);
    if (last == "order") orders.push_back(&p);
    if (last == "and" || last == "or") logics.push_back(&p);
    if (last == "limit") qp.limit_params.emplace_back(p.key, p.value);
    if (last == "offset") qp.offset_params.emplace_back(p.key, p.value);
    bool reserved_embeddable =
        last == "order" || last == "limit" || last == "offset" || last == "and" || last == "or";
    bool reserved = p.key == "select" || p.key == "columns" || p.key == "on_conflict";
    if (!reserved_embeddable && !reserved) filters.push_back(&p);
  }

  // PostgREST's order of checks: order, logic, columns, select, filters, on_conflict.
  for (const auto* p : orders) {
    auto o = parse_order(p->key, p->value, limits);
    if (!o.ok()) return std::move(o).error();
    qp.order.push_back(std::move(o).value());
  }
  for (const auto* p : logics) {
    auto l = parse_logic(p->key, p->value, limits);
    if (!l.ok()) return std::move(l).error();
    qp.logic.push_back(std::move(l).value());
  }
  if (auto cols = lookup("columns")) {
    auto c = parse_columns(*cols);
    if (!c.ok()) return std::move(c).error();
    qp.columns = std::move(c).value();
  }
  qp.select_raw = lookup("select");
  {
    auto sel = parse_select(qp.select_raw.value_or("*"), limits);
    if (!sel.ok()) return std::move(sel).error();
    qp.select = std::move(sel).value();
  }
  for (const auto* p : filters) {
    qp.filter_params.push_back(*p);
    auto f = parse_tree_path_field(p->key, limits);
    if (!f.ok()) return std::move(f).error();
    auto e = parse_filter_value(p->value, rpc_read, limits.fast_paths);
    if (!e.ok()) return std::move(e).error();
    if (*e) {
      f->filter.expr = std::move(**e);
      qp.filters.push_back(std::move(f).value());
    } else {
      qp.rpc_args.emplace_back(f->filter.field.name, p->value);
    }
  }
  if (auto oc = lookup("on_conflict")) {
    auto c = parse_on_conflict(*oc);
    if (!c.ok()) return std::move(c).error();
    qp.on_conflict = std::move(c).value();
  }
  return qp;
}

std::string_view to_string(Operator op) {
  switch (op) {
    case Operator::eq:
      return "eq";
    case Operator::gt:
      return "gt";
    case Operator::gte:
      return "gte";
    case Operator::lt:
      return "lt";
    case Operator::lte:
      return "lte";
    case Operator::like:
      return "like";
    case Operator::ilike:
      return "ilike";
    case Operator::match:
      return "match";
    case Operator::imatch:
      return "imatch";
    case Operator::neq:
      return "neq";
    case Operator::cs:
      return "cs";
    case Operator::cd:
      return "cd";
    case Operator::ov:
      return "ov";
    case Operator::sl:
      return "sl";
    case Operator::sr:
      return "sr";
    case Operator::nxr:
      return "nxr";
    case Operator::nxl:
      return "nxl";
    case Operator::adj:
      return "adj";
    case Operator::in:
      return "in";
    case Operator::is:
      return "is";
    case Operator::isdistinct:
      return "isdistinct";
    case Operator::fts:
      return "fts";
    case Operator::plfts:
      return "plfts";
    case Operator::phfts:
      return "phfts";
    case Operator::wfts:
      return "wfts";
  }
  return "?";
}

std::string_view to_string(Aggregate a) {
  switch (a) {
    case Aggregate::sum:
      return "sum";
    case Aggregate::avg:
      return "avg";
    case Aggregate::max:
      return "max";
    case Aggregate::min:
      return "min";
    case Aggregate::count:
      return "count";
  }
  return "?";
}

}  // namespace basalt::rest::req
