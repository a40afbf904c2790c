// Accept / Content-Type media types and the Prefer header (PostgREST's MediaType.hs,
// wai's parseHttpAccept and Preferences.hs).
#include <algorithm>
#include <cctype>
#include <map>

#include "rest/api_request.hpp"
#include "rest/parse_engine.hpp"

namespace basalt::rest::req {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool is_alnum_byte(unsigned char b) {
  // Parsec's alphaNum over Latin-1 decoded bytes: ASCII letters/digits, and the Latin-1
  // letters (which never form a known media type anyway).
  if (b < 0x80) return std::isalnum(b) != 0;
  return engine::is_alpha(b);
}

bool is_space_byte(unsigned char b) {
  return b == ' ' || (b >= 9 && b <= 13) || b == 0xa0;
}

struct Tokens {
  std::string main, sub;
  std::vector<std::pair<std::string, std::string>> params;
};

// tokenizeMediaType: type/subtype followed by `; key=value` pairs (value quoted or made of
// letters, digits, '|' and '-'); anything after the last good pair is ignored.
std::optional<Tokens> tokenize(std::string_view s) {
  std::size_t i = 0;
  auto many1 = [&](auto pred) {
    std::size_t start = i;
    while (i < s.size() && pred(static_cast<unsigned char>(s[i]))) ++i;
    return std::string(s.substr(start, i - start));
  };
  Tokens t;
  t.main = many1([](unsigned char b) { return is_alnum_byte(b) || b == '.' || b == '*'; });
  if (t.main.empty() || i >= s.size() || s[i] != '/') return std::nullopt;
  ++i;
  t.sub = many1([](unsigned char b) {
    return is_alnum_byte(b) || b == '.' || b == '*' || b == '+' || b == '-';
  });
  if (t.sub.empty()) return std::nullopt;
  while (true) {
    std::size_t save = i;
    auto skip_spaces = [&] {
      while (i < s.size() && is_space_byte(static_cast<unsigned char>(s[i]))) ++i;
    };
    skip_spaces();
    if (i >= s.size() || s[i] != ';') {
      i = save;
      break;
    }
    ++i;
    skip_spaces();
    std::string key = many1([](unsigned char b) { return is_alnum_byte(b) || b == '-'; });
    skip_spaces();
    if (key.empty() || i >= s.size() || s[i] != '=') {
      i = save;
      break;
    }
    ++i;
    skip_spaces();
    // try quoted <|> try unquoted; a failing pair ends the parameter list.
    std::string val;
    bool got = false;
    if (i < s.size() && s[i] == '"') {
      std::size_t close = s.find('"', i + 1);
      if (close != std::string_view::npos) {
        val = std::string(s.substr(i + 1, close - i - 1));
        i = close + 1;
        got = true;
      }
    } else {
      val = many1([](unsigned char b) { return is_alnum_byte(b) || b == '|' || b == '-'; });
      got = !val.empty();
    }
    if (!got) {
      i = save;
      break;
    }
    t.params.emplace_back(std::move(key), std::move(val));
  }
  return t;
}

MediaType classify(std::string_view text, int depth);

MediaType classify(std::string_view text, int depth) {
  MediaType mt;
  auto tok = tokenize(text);
  if (!tok) {
    mt.kind = MediaKind::other;
    mt.text = std::string(text);
    return mt;
  }
  std::map<std::string, std::string> params;
  for (auto& [k, v] : tok->params) params[lower(k)] = v;
  auto param = [&](const char* k) -> std::optional<std::string> {
    auto it = params.find(k);
    if (it == params.end()) return std::nullopt;
    return it->second;
  };
  bool stripped = param("nulls").value_or("false") == "stripped";
  std::string m = lower(tok->main);
  std::string sub = lower(tok->sub);
  auto plan = [&](bool json) {
    mt.kind = MediaKind::plan;
    mt.plan_json = json;
    MediaType f = depth < 2 ? classify(param("for").value_or("application/json"), depth + 1)
                            : MediaType{MediaKind::other};
    mt.plan_for = f.kind;
    mt.plan_for_stripped = f.nulls_stripped || f.kind == MediaKind::array_json_strip;
    mt.plan_for_text = f.kind == MediaKind::other ? f.text : std::string();
    std::string opts = param("options").value_or("");
    std::vector<std::string> given;
    std::size_t start = 0;
    while (true) {
      std::size_t bar = opts.find('|', start);
      given.push_back(
          opts.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    for (const char* o : {"analyze", "verbose", "settings", "buffers", "wal"})
      if (std::find(given.begin(), given.end(), o) != given.end()) mt.plan_options.emplace_back(o);
  };
  if (m == "application" && sub == "json") {
    mt.kind = MediaKind::json;
  } else if (m == "application" && sub == "geo+json") {
    mt.kind = MediaKind::geo_json;
  } else if (m == "text" && sub == "csv") {
    mt.kind = MediaKind::csv;
  } else if (m == "text" && sub == "plain") {
    mt.kind = MediaKind::text_plain;
  } else if (m == "text" && sub == "xml") {
    mt.kind = MediaKind::text_xml;
  } else if (m == "application" && sub == "openapi+json") {
    mt.kind = MediaKind::openapi;
  } else if (m == "application" && sub == "x-www-form-urlencoded") {
    mt.kind = MediaKind::url_encoded;
  } else if (m == "application" && sub == "octet-stream") {
    mt.kind = MediaKind::octet_stream;
  } else if (m == "application" && (sub == "vnd.pgrst.plan" || sub == "vnd.pgrst.plan+text")) {
    plan(false);
  } else if (m == "application" && sub == "vnd.pgrst.plan+json") {
    plan(true);
  } else if (m == "application" && (sub == "vnd.pgrst.object+json" || sub == "vnd.pgrst.object")) {
    mt.kind = MediaKind::singular_json;
    mt.nulls_stripped = stripped;
  } else if (m == "application" && (sub == "vnd.pgrst.array+json" || sub == "vnd.pgrst.array")) {
    mt.kind = stripped ? MediaKind::array_json_strip : MediaKind::json;
  } else if (m == "*" && sub == "*") {
    mt.kind = MediaKind::any;
  } else {
    mt.kind = MediaKind::other;
    mt.text = std::string(text);
  }
  return mt;
}

std::string mime_of(MediaKind k, bool stripped, const std::string& text) {
  switch (k) {
    case MediaKind::json:
      return "application/json";
    case MediaKind::array_json_strip:
      return "application/vnd.pgrst.array+json;nulls=stripped";
    case MediaKind::geo_json:
      return "application/geo+json";
    case MediaKind::csv:
      return "text/csv";
    case MediaKind::text_plain:
      return "text/plain";
    case MediaKind::text_xml:
      return "text/xml";
    case MediaKind::openapi:
      return "application/openapi+json";
    case MediaKind::singular_json:
      return stripped ? "application/vnd.pgrst.object+json;nulls=stripped"
                      : "application/vnd.pgrst.object+json";
    case MediaKind::url_encoded:
      return "application/x-www-form-urlencoded";
    case MediaKind::octet_stream:
      return "application/octet-stream";
    case MediaKind::any:
      return "*/*";
    case MediaKind::other:
      return text;
    case MediaKind::plan:
      return "application/vnd.pgrst.plan";
  }
  return text;
}

// Haskell's `reads :: ReadS Double` prefix: [-]digits[.digits][(e|E)[+-]digits].
std::optional<double> read_double_prefix(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  std::size_t digits_start = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == digits_start) return std::nullopt;
  if (i + 1 < s.size() && s[i] == '.' && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      i = j;
    }
  }
  try {
    return std::stod(std::string(s.substr(0, i)));
  } catch (...) {
    return std::nullopt;  // out of range
  }
}

std::string_view trim_ascii(std::string_view s) {
  while (!s.empty() && is_space_byte(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space_byte(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// readMaybe :: Int64 — optional surrounding spaces, optional '-', decimal digits.
std::optional<long long> read_int64(std::string_view s) {
  s = trim_ascii(s);
  bool neg = false;
  if (!s.empty() && s.front() == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  unsigned long long v = 0;
  for (char ch : s) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
    auto d = static_cast<unsigned>(ch - '0');
    if (v > (~0ULL - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (!neg && v > 9223372036854775807ULL) return std::nullopt;
  if (neg && v > 9223372036854775808ULL) return std::nullopt;
  return neg ? static_cast<long long>(0 - v) : static_cast<long long>(v);
}

}  // namespace

std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < k.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(k[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    if (same) return std::string_view(v);
  }
  return std::nullopt;
}

MediaType parse_media_type(std::string_view text) {
  return classify(text, 0);
}

std::vector<MediaType> parse_accept(std::optional<std::string_view> header) {
  if (!header) return {MediaType{MediaKind::any}};
  struct Entry {
    std::string type;
    double q;
    int specificity;
  };
  std::vector<Entry> entries;
  std::string_view h = *header;
  if (!h.empty()) {
    std::size_t start = 0;
    while (true) {
      std::size_t comma = h.find(',', start);
      std::string_view part =
          h.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      std::string nospace;
      for (char ch : part)
        if (ch != ' ') nospace.push_back(ch);
      std::size_t qpos = nospace.find(";q=");
      std::string type = nospace.substr(0, qpos);
      double q = 1.0;
      if (qpos != std::string::npos) {
        std::string qtext = nospace.substr(qpos + 3);
        qtext = qtext.substr(0, qtext.find(';'));
        q = read_double_prefix(qtext).value_or(1.0);
      }
      int spec = static_cast<int>(std::count(type.begin(), type.end(), ';')) -
                 static_cast<int>(std::count(type.begin(), type.end(), '*'));
      entries.push_back(Entry{std::move(type), q, spec});
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.q != b.q) return a.q > b.q;
    return a.specificity > b.specificity;
  });
  std::vector<MediaType> out;
  for (const auto& e : entries) out.push_back(parse_media_type(e.type));
  return out;
}

std::string to_mime(const MediaType& mt) {
  if (mt.kind != MediaKind::plan) return mime_of(mt.kind, mt.nulls_stripped, mt.text);
  std::string out = std::string("application/vnd.pgrst.plan+") + (mt.plan_json ? "json" : "text");
  out += "; for=\"" + mime_of(mt.plan_for, mt.plan_for_stripped, mt.plan_for_text) + "\"";
  if (!mt.plan_options.empty()) {
    out += "; options=";
    for (std::size_t i = 0; i < mt.plan_options.size(); ++i) {
      if (i > 0) out += '|';
      out += mt.plan_options[i];
    }
  }
  return out;
}

std::string media_key(const MediaType& mt) {
  std::string out = mt.kind == MediaKind::plan
                        ? mime_of(mt.plan_for, mt.plan_for_stripped, mt.plan_for_text)
                        : mime_of(mt.kind, mt.nulls_stripped, mt.text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Error media_type_error(const std::vector<MediaType>& accepted) {
  std::string list;
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    if (i > 0) list += ", ";
    list += to_mime(accepted[i]);
  }
  return Error::make(406, "PGRST107", "None of these media types are available: " + list);
}

Preferences parse_preferences(const HeaderList& headers, bool allow_tx_override) {
  std::vector<std::string> prefs;
  for (const auto& [k, v] : headers) {
    if (k.size() != 6 || lower(k) != "prefer") continue;
    if (v.empty()) continue;
    std::size_t start = 0;
    while (true) {
      std::size_t comma = v.find(',', start);
      prefs.emplace_back(trim_ascii(std::string_view(v).substr(
          start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  Preferences p;
  static const std::vector<std::string> kAccepted = {"resolution=merge-duplicates",
                                                     "resolution=ignore-duplicates",
                                                     "return=representation",
                                                     "return=minimal",
                                                     "return=headers-only",
                                                     "count=exact",
                                                     "count=planned",
                                                     "count=estimated",
                                                     "tx=commit",
                                                     "tx=rollback",
                                                     "missing=default",
                                                     "missing=null",
                                                     "handling=strict",
                                                     "handling=lenient"};
  for (const auto& pref : prefs) {
    if (!p.resolution) {
      if (pref == "resolution=merge-duplicates") p.resolution = PreferResolution::merge_duplicates;
      if (pref == "resolution=ignore-duplicates")
        p.resolution = PreferResolution::ignore_duplicates;
    }
    if (!p.representation) {
      if (pref == "return=representation") p.representation = PreferReturn::representation;
      if (pref == "return=minimal") p.representation = PreferReturn::minimal;
      if (pref == "return=headers-only") p.representation = PreferReturn::headers_only;
    }
    if (!p.count) {
      if (pref == "count=exact") p.count = PreferCount::exact;
      if (pref == "count=planned") p.count = PreferCount::planned;
      if (pref == "count=estimated") p.count = PreferCount::estimated;
    }
    if (!p.transaction && allow_tx_override) {
      if (pref == "tx=commit") p.transaction = PreferTx::commit;
      if (pref == "tx=rollback") p.transaction = PreferTx::rollback;
    }
    if (!p.missing) {
      if (pref == "missing=default") p.missing = PreferMissing::apply_default;
      if (pref == "missing=null") p.missing = PreferMissing::apply_null;
    }
    if (!p.handling) {
      if (pref == "handling=strict") p.handling = PreferHandling::strict;
      if (pref == "handling=lenient") p.handling = PreferHandling::lenient;
    }
    bool is_tz = pref.rfind("timezone=", 0) == 0;
    bool is_max = pref.rfind("max-affected=", 0) == 0;
    if (is_tz && !p.timezone) p.timezone = pref.substr(9);
    if (std::find(kAccepted.begin(), kAccepted.end(), pref) == kAccepted.end() && !is_tz && !is_max)
      p.invalid.push_back(pref);
  }
  // max-affected: the first such item decides, even when its number does not parse.
  for (const auto& pref : prefs) {
    if (pref.rfind("max-affected=", 0) == 0) {
      p.max_affected = read_int64(std::string_view(pref).substr(13));
      break;
    }
  }
  return p;
}

std::string preference_applied(const Preferences& p) {
  std::vector<std::string> vals;
  if (p.resolution)
    vals.emplace_back(*p.resolution == PreferResolution::merge_duplicates
                          ? "resolution=merge-duplicates"
                          : "resolution=ignore-duplicates");
  if (p.missing)
    vals.emplace_back(*p.missing == PreferMissing::apply_default ? "missing=default"
                                                                 : "missing=null");
  if (p.representation) {
    switch (*p.representation) {
      case PreferReturn::representation:
        vals.emplace_back("return=representation");
        break;
      case PreferReturn::minimal:
        vals.emplace_back("return=minimal");
        break;
      case PreferReturn::headers_only:
        vals.emplace_back("return=headers-only");
        break;
    }
  }
  if (p.count) {
    switch (*p.count) {
      case PreferCount::exact:
        vals.emplace_back("count=exact");
        break;
      case PreferCount::planned:
        vals.emplace_back("count=planned");
        break;
      case PreferCount::estimated:
        vals.emplace_back("count=estimated");
        break;
    }
  }
  if (p.transaction)
    vals.emplace_back(*p.transaction == PreferTx::commit ? "tx=commit" : "tx=rollback");
  if (p.handling)
    vals.emplace_back(*p.handling == PreferHandling::strict ? "handling=strict"
                                                            : "handling=lenient");
  if (p.timezone) vals.emplace_back("timezone=" + *p.timezone);
  if (p.handling == PreferHandling::strict && p.max_affected)
    vals.emplace_back("max-affected=" + std::to_string(*p.max_affected));
  std::string out;
  for (std::size_t i = 0; i < vals.size(); ++i) {
    if (i > 0) out += ", ";
    out += vals[i];
  }
  return out;
}

std::optional<Error> strict_preferences_error(const Preferences& p) {
  if (p.invalid.empty() || p.handling != PreferHandling::strict) return std::nullopt;
  Error e = Error::make(400, "PGRST122", "Invalid preferences given with handling=strict");
  e.details = "Invalid preferences: ";
  for (std::size_t i = 0; i < p.invalid.size(); ++i) {
    if (i > 0) e.details += ", ";
    e.details += p.invalid[i];
  }
  return e;
}

}  // namespace basalt::rest::req
