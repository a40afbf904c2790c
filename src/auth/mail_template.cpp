#include "auth/mail_template.hpp"

#include <algorithm>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <system_error>

namespace basalt::auth {

// ---------------------------------------------------------------------------------------------
// Kinds and defaults

std::string_view mail_kind_name(MailKind kind) {
  switch (kind) {
    case MailKind::confirmation:
      return "confirmation";
    case MailKind::invite:
      return "invite";
    case MailKind::magic_link:
      return "magic_link";
    case MailKind::recovery:
      return "recovery";
    case MailKind::email_change:
      return "email_change";
    case MailKind::reauthentication:
      return "reauthentication";
  }
  return "confirmation";
}

std::optional<MailKind> parse_mail_kind(std::string_view name) {
  for (MailKind k : {MailKind::confirmation, MailKind::invite, MailKind::magic_link,
                     MailKind::recovery, MailKind::email_change, MailKind::reauthentication}) {
    if (mail_kind_name(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view default_subject(MailKind kind) {
  // Supabase Auth's defaults (internal/mailer/templatemailer, since v2.190).
  switch (kind) {
    case MailKind::confirmation:
      return "Confirm your email address";
    case MailKind::invite:
      return "You've been invited";
    case MailKind::magic_link:
      return "Your sign-in link";
    case MailKind::recovery:
      return "Reset your password";
    case MailKind::email_change:
      return "Confirm your new email address";
    case MailKind::reauthentication:
      return "{{ .Token }} is your verification code";
  }
  return "";
}

std::string_view default_body(MailKind kind) {
  switch (kind) {
    case MailKind::confirmation:
      return "<h2>Welcome!</h2>\n"
             "<p>Please confirm that this is your email address to finish creating your "
             "account:</p>\n"
             "<p><a href=\"{{ .ConfirmationURL }}\">Confirm my email</a></p>\n"
             "<p>Or enter this code: {{ .Token }}</p>\n";
    case MailKind::invite:
      return "<h2>Join {{ .SiteURL }}</h2>\n"
             "<p>Someone invited {{ .Email }} to create an account.</p>\n"
             "<p><a href=\"{{ .ConfirmationURL }}\">Accept the invitation</a></p>\n";
    case MailKind::magic_link:
      return "<h2>Sign in</h2>\n"
             "<p>Use this one-time link to sign in:</p>\n"
             "<p><a href=\"{{ .ConfirmationURL }}\">Sign me in</a></p>\n"
             "<p>Or enter this code: {{ .Token }}</p>\n";
    case MailKind::recovery:
      return "<h2>Password reset</h2>\n"
             "<p>Open this link to pick a new password:</p>\n"
             "<p><a href=\"{{ .ConfirmationURL }}\">Choose a new password</a></p>\n"
             "<p>Or enter this code: {{ .Token }}</p>\n"
             "<p>Did not ask for this? Nothing changes until the link is used.</p>\n";
    case MailKind::email_change:
      return "<h2>New email address</h2>\n"
             "<p>Confirm the change from {{ .Email }} to {{ .NewEmail }}:</p>\n"
             "<p><a href=\"{{ .ConfirmationURL }}\">Confirm the change</a></p>\n"
             "<p>Or enter this code: {{ .Token }}</p>\n";
    case MailKind::reauthentication:
      return "<h2>Confirm it is you</h2>\n"
             "<p>Enter this code to continue: {{ .Token }}</p>\n";
  }
  return "";
}

namespace {

// ---------------------------------------------------------------------------------------------
// Errors, UTF-8

Error template_error(std::string what) {
  Error e = Error::make(500, "unexpected_failure", "mail template: " + what);
  e.internal = e.message;
  return e;
}

std::string at_line(int line) {
  return " (line " + std::to_string(line) + ")";
}

// One rune as Go's utf8.DecodeRuneInString sees it: malformed input is U+FFFD of width 1.
char32_t decode_rune(std::string_view s, std::size_t i, std::size_t& width) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  width = 1;
  if (b0 < 0x80) return b0;
  int len = 0;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0xFFFD;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) return 0xFFFD;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return 0xFFFD;
  }
  width = static_cast<std::size_t>(len);
  return cp;
}

bool is_go_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_html_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9');
}
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Value escapers (html/template's htmlEscaper, attrEscaper, htmlNospaceEscaper, urlFilter,
// urlNormalizer, urlEscaper for plain-text values)

enum Escaper : int { kHtml, kNospace, kUrlFilter, kUrlNormalize, kUrlEscape, kDrop };

constexpr std::string_view kFailsafe = "ZgotmplZ";

std::string_view html_replacement(char32_t r, bool nospace) {
  switch (r) {
    case 0:
      return nospace ? "&#xfffd;" : "\xEF\xBF\xBD";
    case '"':
      return "&#34;";
    case '&':
      return "&amp;";
    case '\'':
      return "&#39;";
    case '+':
      return "&#43;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    default:
      break;
  }
  if (!nospace) return {};
  switch (r) {
    case '\t':
      return "&#9;";
    case '\n':
      return "&#10;";
    case '\v':
      return "&#11;";
    case '\f':
      return "&#12;";
    case '\r':
      return "&#13;";
    case ' ':
      return "&#32;";
    case '=':
      return "&#61;";
    case '`':
      return "&#96;";
    default:
      return {};
  }
}

std::string html_replace(std::string_view s, bool nospace) {
  std::string out;
  out.reserve(s.size());
  std::size_t width = 1;
  for (std::size_t i = 0; i < s.size(); i += width) {
    const char32_t r = decode_rune(s, i, width);
    const std::string_view repl = html_replacement(r, nospace);
    if (!repl.empty()) {
      out += repl;
    } else if (nospace && ((r >= 0xFDD0 && r <= 0xFDEF) || (r >= 0xFFF0 && r <= 0xFFFF))) {
      char buf[16];
      auto res = std::to_chars(buf, buf + sizeof buf, static_cast<unsigned>(r), 16);
      out += "&#x";
      out.append(buf, res.ptr);
      out += ';';
    } else {
      out.append(s.substr(i, width));
    }
  }
  return out;
}

std::string url_filter(std::string_view s) {
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.substr(0, colon).find('/') == std::string_view::npos) {
    const std::string_view protocol = s.substr(0, colon);
    if (!iequals(protocol, "http") && !iequals(protocol, "https") && !iequals(protocol, "mailto")) {
      return "#" + std::string(kFailsafe);
    }
  }
  return std::string(s);
}

std::string url_process(std::string_view s, bool normalize) {
  constexpr char kLowerHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    bool keep = false;
    switch (c) {
      case '!':
      case '#':
      case '$':
      case '&':
      case '*':
      case '+':
      case ',':
      case '/':
      case ':':
      case ';':
      case '=':
      case '?':
      case '@':
      case '[':
      case ']':
        keep = normalize;
        break;
      case '-':
      case '.':
      case '_':
      case '~':
        keep = true;
        break;
      case '%':
        keep = normalize && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2]);
        break;
      default:
        keep = is_alnum(c);
        break;
    }
    if (keep) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kLowerHex[b >> 4]);
      out.push_back(kLowerHex[b & 15]);
    }
  }
  return out;
}

std::string apply_escaper(int escaper, const std::string& s) {
  switch (escaper) {
    case kHtml:
      return html_replace(s, false);
    case kNospace:
      return s.empty() ? std::string(kFailsafe) : html_replace(s, true);
    case kUrlFilter:
      return url_filter(s);
    case kUrlNormalize:
      return url_process(s, true);
    case kUrlEscape:
      return url_process(s, false);
    default:
      return {};
  }
}

// ---------------------------------------------------------------------------------------------
// Values as Go's fmt prints what encoding/json decoded (numbers are float64)

std::string go_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string s(buf, sci.ptr);
  const std::size_t e = s.find('e');
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  // %v is %g with the shortest digits, which picks the exponent form when exp < -4 or
  // exp >= 6 (Go uses precision 6 for that decision when asked for the shortest digits).
  if (exp < -4 || exp >= 6) return s;
  auto fixed = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  return std::string(buf, fixed.ptr);
}

std::string go_format(const boost::json::value& v);

std::string go_format_object(const boost::json::object& o) {
  std::vector<std::pair<std::string_view, const boost::json::value*>> entries;
  for (const auto& kv : o) entries.emplace_back(kv.key(), &kv.value());
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, val] : entries) {
    if (!first) out += ' ';
    first = false;
    out += k;
    out += ':';
    out += go_format(*val);
  }
  return out + "]";
}

std::string go_format(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return std::string(v.get_string());
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case boost::json::kind::int64:
      return go_float(static_cast<double>(v.get_int64()));
    case boost::json::kind::uint64:
      return go_float(static_cast<double>(v.get_uint64()));
    case boost::json::kind::double_:
      return go_float(v.get_double());
    case boost::json::kind::null:
      return "<nil>";
    case boost::json::kind::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ' ';
        first = false;
        out += go_format(e);
      }
      return out + "]";
    }
    case boost::json::kind::object:
      return go_format_object(v.get_object());
  }
  return {};
}

std::string_view go_type_name(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::bool_:
      return "bool";
    case boost::json::kind::array:
      return "[]interface {}";
    case boost::json::kind::object:
      return "map[string]interface {}";
    default:
      return "float64";
  }
}

// ---------------------------------------------------------------------------------------------
// html/template's context: where in the HTML document the next byte of template text falls.

enum class St {
  text,
  tag,
  attr_name,
  after_name,
  before_value,
  html_cmt,
  rcdata,
  attr,
  url,
  srcset,
  js,
  css,
  css_dq_str,
  css_sq_str,
  css_dq_url,
  css_sq_url,
  css_url,
  css_block_cmt,
  css_line_cmt,
  error
};
enum class Delim { none, double_quote, single_quote, space_or_tag_end };
enum class UrlPart { none, pre_query, query_or_frag };
enum class Elem { none, script, style, textarea, title };
enum class Attr { none, script, script_type, style, url, srcset };

struct Ctx {
  St state = St::text;
  Delim delim = Delim::none;
  UrlPart url_part = UrlPart::none;
  Elem element = Elem::none;
  Attr attr = Attr::none;
  std::string error;
};

struct Step {
  Ctx ctx;
  std::size_t consumed = 0;
};

Step fail(std::string why, std::size_t consumed) {
  Ctx c;
  c.state = St::error;
  c.error = std::move(why);
  return {std::move(c), consumed};
}

bool is_comment(St s) {
  return s == St::html_cmt || s == St::css_block_cmt || s == St::css_line_cmt;
}

std::size_t eat_space(std::string_view s, std::size_t i) {
  while (i < s.size() && is_html_space(s[i])) ++i;
  return i;
}

St element_content(Elem e) {
  switch (e) {
    case Elem::script:
      return St::js;
    case Elem::style:
      return St::css;
    case Elem::textarea:
    case Elem::title:
      return St::rcdata;
    default:
      return St::text;
  }
}

St attr_start(Attr a) {
  switch (a) {
    case Attr::script:
      return St::js;
    case Attr::style:
      return St::css;
    case Attr::url:
      return St::url;
    case Attr::srcset:
      return St::srcset;
    default:
      return St::attr;  // none, script_type
  }
}

Attr attr_kind(std::string name) {
  if (name.rfind("data-", 0) == 0) {
    name = name.substr(5);
  } else if (const auto colon = name.find(':'); colon != std::string::npos) {
    if (name.compare(0, colon, "xmlns") == 0) return Attr::url;
    name = name.substr(colon + 1);
  }
  static constexpr std::string_view kUrlAttrs[] = {
      "action", "archive",    "background", "cite",   "classid",  "codebase",
      "data",   "formaction", "href",       "icon",   "longdesc", "manifest",
      "poster", "profile",    "src",        "usemap", "xmlns"};
  for (auto u : kUrlAttrs) {
    if (name == u) return Attr::url;
  }
  if (name == "style") return Attr::style;
  if (name == "srcset") return Attr::srcset;
  if (name == "srcdoc" || name == "srclang") return Attr::none;  // listed, not URLs
  if (name.rfind("on", 0) == 0) return Attr::script;
  if (name.find("src") != std::string::npos || name.find("uri") != std::string::npos ||
      name.find("url") != std::string::npos) {
    return Attr::url;
  }
  return Attr::none;
}

bool is_js_type(std::string_view mime) {
  mime = mime.substr(0, mime.find(';'));
  std::string m = lower(mime);
  const auto b = m.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return false;
  m = m.substr(b, m.find_last_not_of(" \t\n\r\f\v") - b + 1);
  static constexpr std::string_view kTypes[] = {"application/ecmascript",
                                                "application/javascript",
                                                "application/json",
                                                "application/ld+json",
                                                "application/x-ecmascript",
                                                "application/x-javascript",
                                                "module",
                                                "text/ecmascript",
                                                "text/javascript",
                                                "text/javascript1.0",
                                                "text/javascript1.1",
                                                "text/javascript1.2",
                                                "text/javascript1.3",
                                                "text/javascript1.4",
                                                "text/javascript1.5",
                                                "text/jscript",
                                                "text/livescript",
                                                "text/x-ecmascript",
                                                "text/x-javascript"};
  return std::find(std::begin(kTypes), std::end(kTypes), m) != std::end(kTypes);
}

// Length of the tag name at s[i..] (letters/digits, inner '-' or ':') and its element kind.
std::size_t eat_tag_name(std::string_view s, std::size_t i, Elem& elem) {
  elem = Elem::none;
  if (i == s.size() || !is_alpha(s[i])) return i;
  std::size_t j = i + 1;
  while (j < s.size()) {
    if (is_alnum(s[j])) {
      ++j;
    } else if ((s[j] == ':' || s[j] == '-') && j + 1 < s.size() && is_alnum(s[j + 1])) {
      j += 2;
    } else {
      break;
    }
  }
  const std::string name = lower(s.substr(i, j - i));
  if (name == "script") elem = Elem::script;
  if (name == "style") elem = Elem::style;
  if (name == "textarea") elem = Elem::textarea;
  if (name == "title") elem = Elem::title;
  return j;
}

// End of the attribute name starting at i; npos for a quote or '<' inside it.
std::size_t eat_attr_name(std::string_view s, std::size_t i) {
  for (std::size_t j = i; j < s.size(); ++j) {
    switch (s[j]) {
      case ' ':
      case '\t':
      case '\n':
      case '\f':
      case '\r':
      case '=':
      case '>':
        return j;
      case '\'':
      case '"':
      case '<':
        return std::string_view::npos;
      default:
        break;
    }
  }
  return s.size();
}

Step t_text(const Ctx& c, std::string_view s) {
  std::size_t k = 0;
  for (;;) {
    const std::size_t lt = s.find('<', k);
    if (lt == std::string_view::npos || lt + 1 == s.size()) return {c, s.size()};
    if (s.substr(lt, 4) == "<!--") {
      Ctx n;
      n.state = St::html_cmt;
      return {n, lt + 4};
    }
    std::size_t i = lt + 1;
    bool end_tag = false;
    if (s[i] == '/') {
      if (i + 1 == s.size()) return {c, s.size()};
      end_tag = true;
      ++i;
    }
    Elem e = Elem::none;
    const std::size_t j = eat_tag_name(s, i, e);
    if (j != i) {
      Ctx n;
      n.state = St::tag;
      n.element = end_tag ? Elem::none : e;
      return {n, j};
    }
    k = j;
  }
}

Step t_tag(const Ctx& c, std::string_view s) {
  const std::size_t i = eat_space(s, 0);
  if (i == s.size()) return {c, s.size()};
  if (s[i] == '>') {
    Ctx n;
    n.state = element_content(c.element);
    n.element = c.element;
    return {n, i + 1};
  }
  const std::size_t j = eat_attr_name(s, i);
  if (j == std::string_view::npos) {
    return fail("bad character in attribute name: \"" + std::string(s.substr(i, 32)) + "\"",
                s.size());
  }
  if (i == j) {
    return fail("expected space, attr name, or end of tag, but got \"" +
                    std::string(s.substr(i, 32)) + "\"",
                s.size());
  }
  Ctx n;
  n.element = c.element;
  const std::string name = lower(s.substr(i, j - i));
  n.attr = (c.element == Elem::script && name == "type") ? Attr::script_type : attr_kind(name);
  n.state = j == s.size() ? St::attr_name : St::after_name;
  return {n, j};
}

Step t_attr_name(Ctx c, std::string_view s) {
  const std::size_t i = eat_attr_name(s, 0);
  if (i == std::string_view::npos) {
    return fail("bad character in attribute name: \"" + std::string(s.substr(0, 32)) + "\"",
                s.size());
  }
  if (i != s.size()) c.state = St::after_name;
  return {c, i};
}

Step t_after_name(Ctx c, std::string_view s) {
  const std::size_t i = eat_space(s, 0);
  if (i == s.size()) return {c, s.size()};
  if (s[i] != '=') {
    c.state = St::tag;  // a valueless attribute, or the tag's end
    return {c, i};
  }
  c.state = St::before_value;
  return {c, i + 1};
}

Step t_before_value(Ctx c, std::string_view s) {
  std::size_t i = eat_space(s, 0);
  if (i == s.size()) return {c, s.size()};
  Delim d = Delim::space_or_tag_end;
  if (s[i] == '\'') {
    d = Delim::single_quote;
    ++i;
  } else if (s[i] == '"') {
    d = Delim::double_quote;
    ++i;
  }
  c.state = attr_start(c.attr);
  c.delim = d;
  return {c, i};
}

Step t_html_comment(const Ctx& c, std::string_view s) {
  const std::size_t i = s.find("-->");
  if (i == std::string_view::npos) return {c, s.size()};
  return {Ctx{}, i + 3};
}

void t_url(Ctx& c, std::string_view s) {
  if (s.find_first_of("#?") != std::string_view::npos) {
    c.url_part = UrlPart::query_or_frag;
  } else if (eat_space(s, 0) != s.size() && c.url_part == UrlPart::none) {
    c.url_part = UrlPart::pre_query;
  }
}

bool css_name_char(unsigned char c) {
  return is_alnum(static_cast<char>(c)) || c == '-' || c == '_' || c >= 0x80;
}

bool ends_with_css_keyword(std::string_view b, std::string_view kw) {
  if (b.size() < kw.size()) return false;
  const std::size_t i = b.size() - kw.size();
  if (i != 0 && css_name_char(static_cast<unsigned char>(b[i - 1]))) return false;
  return iequals(b.substr(i), kw);
}

Step t_css(Ctx c, std::string_view s) {
  constexpr std::string_view kCssSpace = "\t\n\f\r ";
  std::size_t k = 0;
  for (;;) {
    const std::size_t i = s.find_first_of("(\"'/", k);
    if (i == std::string_view::npos) return {c, s.size()};
    switch (s[i]) {
      case '(': {
        std::string_view p = s.substr(0, i);
        const auto last = p.find_last_not_of(kCssSpace);
        p = last == std::string_view::npos ? std::string_view{} : p.substr(0, last + 1);
        if (ends_with_css_keyword(p, "url")) {
          std::size_t j = s.find_first_not_of(kCssSpace, i + 1);
          if (j == std::string_view::npos) j = s.size();
          if (j != s.size() && s[j] == '"') {
            c.state = St::css_dq_url;
            ++j;
          } else if (j != s.size() && s[j] == '\'') {
            c.state = St::css_sq_url;
            ++j;
          } else {
            c.state = St::css_url;
          }
          return {c, j};
        }
        break;
      }
      case '/':
        if (i + 1 < s.size()) {
          if (s[i + 1] == '/') {
            c.state = St::css_line_cmt;
            return {c, i + 2};
          }
          if (s[i + 1] == '*') {
            c.state = St::css_block_cmt;
            return {c, i + 2};
          }
        }
        break;
      case '"':
        c.state = St::css_dq_str;
        return {c, i + 1};
      default:  // '\''
        c.state = St::css_sq_str;
        return {c, i + 1};
    }
    k = i + 1;
  }
}

Step t_css_string(Ctx c, std::string_view s) {
  std::string_view end_and_escape;
  switch (c.state) {
    case St::css_dq_str:
    case St::css_dq_url:
      end_and_escape = "\\\"";
      break;
    case St::css_sq_str:
    case St::css_sq_url:
      end_and_escape = "\\'";
      break;
    default:  // css_url
      end_and_escape = "\\\t\n\f\r )";
      break;
  }
  std::size_t k = 0;
  for (;;) {
    std::size_t i = s.find_first_of(end_and_escape, k);
    if (i == std::string_view::npos) return {c, s.size()};
    if (s[i] == '\\') {
      ++i;
      if (i == s.size()) return fail("unfinished escape sequence in CSS string", s.size());
    } else {
      c.state = St::css;
      return {c, i + 1};
    }
    k = i + 1;
  }
}

Step t_css_comment(Ctx c, std::string_view s) {
  if (c.state == St::css_block_cmt) {
    const std::size_t i = s.find("*/");
    if (i == std::string_view::npos) return {c, s.size()};
    c.state = St::css;
    return {c, i + 2};
  }
  const std::size_t i = s.find_first_of("\n\f\r");
  if (i == std::string_view::npos) return {c, s.size()};
  c.state = St::css;
  return {c, i};  // the line end itself is CSS again
}

Step transition(const Ctx& c, std::string_view s) {
  switch (c.state) {
    case St::text:
      return t_text(c, s);
    case St::tag:
      return t_tag(c, s);
    case St::attr_name:
      return t_attr_name(c, s);
    case St::after_name:
      return t_after_name(c, s);
    case St::before_value:
      return t_before_value(c, s);
    case St::html_cmt:
      return t_html_comment(c, s);
    case St::url:
    case St::srcset: {
      Ctx n = c;
      t_url(n, s);
      return {n, s.size()};
    }
    case St::css:
      return t_css(c, s);
    case St::css_dq_str:
    case St::css_sq_str:
    case St::css_dq_url:
    case St::css_sq_url:
    case St::css_url:
      return t_css_string(c, s);
    case St::css_block_cmt:
    case St::css_line_cmt:
      return t_css_comment(c, s);
    default:
      // rcdata and attribute text change nothing until their end; JavaScript is not parsed
      // (a value inside it is refused), it only ends at </script.
      return {c, s.size()};
  }
}

// Index of the end tag "</name" followed by a separator, case-insensitively; npos if none.
std::size_t index_tag_end(std::string_view s, std::string_view tag) {
  std::size_t res = 0;
  while (!s.empty()) {
    const std::size_t i = s.find("</");
    if (i == std::string_view::npos) return std::string_view::npos;
    s = s.substr(i + 2);
    if (tag.size() <= s.size() && iequals(tag, s.substr(0, tag.size()))) {
      s = s.substr(tag.size());
      if (!s.empty() && std::string_view("> \t\n\f/").find(s[0]) != std::string_view::npos) {
        return res + i;
      }
      res += tag.size();
    }
    res += i + 2;
  }
  return std::string_view::npos;
}

std::string_view element_name(Elem e) {
  switch (e) {
    case Elem::script:
      return "script";
    case Elem::style:
      return "style";
    case Elem::textarea:
      return "textarea";
    case Elem::title:
      return "title";
    default:
      return "";
  }
}

// Decodes the character references that can change how URL text is read.
std::string html_unescape_min(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(s[i]);
      continue;
    }
    const std::string name = lower(s.substr(i + 1, semi - i - 1));
    char c = 0;
    if (name == "quest") c = '?';
    if (name == "num") c = '#';
    if (name == "amp") c = '&';
    if (name == "tab") c = '\t';
    if (name == "newline") c = '\n';
    if (!name.empty() && name[0] == '#') {
      unsigned v = 0;
      const bool hex = name.size() > 1 && name[1] == 'x';
      const char* b = name.data() + (hex ? 2 : 1);
      auto r = std::from_chars(b, name.data() + name.size(), v, hex ? 16 : 10);
      if (r.ec == std::errc() && r.ptr == name.data() + name.size() && v > 0 && v < 0x80) {
        c = static_cast<char>(v);
      }
    }
    if (c == 0) {
      out.push_back(s[i]);
      continue;
    }
    out.push_back(c);
    i = semi;
  }
  return out;
}

Step context_after_text(const Ctx& c, std::string_view s) {
  if (c.delim == Delim::none) {
    if (c.element != Elem::none) {
      const std::size_t end = index_tag_end(s, element_name(c.element));
      if (end == 0) return {Ctx{}, 0};
      if (end != std::string_view::npos) return transition(c, s.substr(0, end));
    }
    return transition(c, s);
  }
  // Inside an attribute value.
  std::string_view ends = "\"";
  if (c.delim == Delim::single_quote) ends = "'";
  if (c.delim == Delim::space_or_tag_end) ends = " \t\n\f\r>";
  std::size_t i = s.find_first_of(ends);
  if (i == std::string_view::npos) i = s.size();
  if (c.delim == Delim::space_or_tag_end) {
    const std::size_t bad = s.substr(0, i).find_first_of("\"'<=`");
    if (bad != std::string_view::npos) {
      return fail("\"" + std::string(1, s[bad]) + "\" in unquoted attr: \"" +
                      std::string(s.substr(0, i)) + "\"",
                  s.size());
    }
  }
  if (i == s.size()) {
    Ctx n = c;
    if (n.state == St::url || n.state == St::srcset) t_url(n, html_unescape_min(s));
    return {n, s.size()};
  }
  Ctx n;
  n.state = St::tag;
  n.element = c.element;
  if (c.state == St::attr && c.element == Elem::script && c.attr == Attr::script_type &&
      !is_js_type(s.substr(0, i))) {
    n.element = Elem::none;
  }
  if (c.delim != Delim::space_or_tag_end) ++i;  // the closing quote
  return {n, i};
}

bool starts_with_doctype(std::string_view s) {
  return s.size() >= 9 && iequals(s.substr(0, 9), "<!DOCTYPE");
}

// html/template's escapeText: the context after `s` and the text to emit (comments removed,
// '<' that starts no tag escaped).
Step escape_text(Ctx c, std::string_view s, std::string& out) {
  std::string b;
  std::size_t written = 0;
  std::size_t i = 0;
  while (i != s.size()) {
    Step st = context_after_text(c, s.substr(i));
    if (st.ctx.state == St::error) return st;
    const std::size_t i1 = i + st.consumed;
    const Ctx& c1 = st.ctx;
    if (c.state == St::text || c.state == St::rcdata) {
      std::size_t end = i1;
      if (c1.state != c.state) {
        for (std::size_t j = end; j > i; --j) {
          if (s[j - 1] == '<') {
            end = j - 1;
            break;
          }
        }
      }
      for (std::size_t j = i; j < end; ++j) {
        if (s[j] == '<' && !starts_with_doctype(s.substr(j))) {
          b.append(s.substr(written, j - written));
          b += "&lt;";
          written = j + 1;
        }
      }
    } else if (is_comment(c.state) && c.delim == Delim::none) {
      if (c.state == St::css_block_cmt) b += ' ';
      written = i1;
    }
    if (c.state != c1.state && is_comment(c1.state) && c1.delim == Delim::none) {
      std::size_t cs = i1 - 2;
      if (c1.state == St::html_cmt) cs -= 2;
      b.append(s.substr(written, cs - written));
      written = i1;
    }
    if (i == i1 && c.state == c1.state) return fail("no progress parsing HTML", s.size());
    c = c1;
    i = i1;
  }
  if (written != 0) {
    if (!is_comment(c.state) || c.delim != Delim::none) b.append(s.substr(written));
    out += b;
  } else {
    out.append(s);
  }
  return {std::move(c), s.size()};
}

// html/template's nudge: the context an action sees before a value starts.
Ctx nudge(Ctx c) {
  switch (c.state) {
    case St::tag:
      c.state = St::attr_name;
      break;
    case St::before_value:
      c.state = attr_start(c.attr);
      c.delim = Delim::space_or_tag_end;
      c.attr = Attr::none;
      break;
    case St::after_name:
      c.state = St::attr_name;
      c.attr = Attr::none;
      break;
    default:
      break;
  }
  return c;
}

// The escapers html/template puts after a value in context `c`; an error for contexts this
// renderer does not escape.
Result<std::vector<int>> escapers_for(const Ctx& c, std::string_view var, int line) {
  std::vector<int> chain;
  auto refuse = [&](std::string_view where) {
    return template_error("{{ " + std::string(var) + " }} " + std::string(where) +
                          " is not supported" + at_line(line));
  };
  switch (c.state) {
    case St::url:
      if (c.url_part == UrlPart::none) chain.push_back(kUrlFilter);
      chain.push_back(c.url_part == UrlPart::query_or_frag ? kUrlEscape : kUrlNormalize);
      break;
    case St::text:
    case St::rcdata:
      chain.push_back(kHtml);
      break;
    case St::attr:
      break;
    case St::html_cmt:
    case St::css_block_cmt:
    case St::css_line_cmt:
      return std::vector<int>{kDrop};
    case St::tag:
    case St::attr_name:
      return refuse("in a tag or attribute name");
    case St::js:
      return refuse("inside JavaScript");
    case St::srcset:
      return refuse("in a srcset attribute");
    default:
      return refuse("inside CSS");
  }
  if (c.delim == Delim::space_or_tag_end) {
    chain.push_back(kNospace);
  } else if (c.delim != Delim::none) {
    chain.push_back(kHtml);
  }
  return chain;
}

// ---------------------------------------------------------------------------------------------
// Template syntax

struct RawNode {
  bool action = false;
  std::string text;  // text, or the action's content without delimiters and trim markers
  int line = 1;
};

std::string_view trim_go_space(std::string_view s) {
  while (!s.empty() && is_go_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_go_space(s.back())) s.remove_suffix(1);
  return s;
}

int line_of(std::string_view src, std::size_t pos) {
  return 1 + static_cast<int>(std::count(src.begin(), src.begin() + static_cast<long>(pos), '\n'));
}

Result<std::vector<RawNode>> lex(std::string_view src) {
  std::vector<RawNode> nodes;
  std::size_t pos = 0;
  bool trim_next = false;
  for (;;) {
    const std::size_t k = src.find("{{", pos);
    std::string_view text = src.substr(pos, k == std::string_view::npos ? src.npos : k - pos);
    if (trim_next) {
      while (!text.empty() && is_go_space(text.front())) text.remove_prefix(1);
    }
    if (k == std::string_view::npos) {
      if (!text.empty()) nodes.push_back({false, std::string(text), 0});
      break;
    }
    std::size_t p = k + 2;
    if (p + 1 < src.size() && src[p] == '-' && is_go_space(src[p + 1])) {
      while (!text.empty() && is_go_space(text.back())) text.remove_suffix(1);
      p += 2;
    }
    if (!text.empty()) nodes.push_back({false, std::string(text), 0});
    const int line = line_of(src, k);

    if (src.substr(p, 2) == "/*") {
      const std::size_t close = src.find("*/", p + 2);
      if (close == std::string_view::npos)
        return template_error("unclosed comment" + at_line(line));
      const std::size_t q = close + 2;
      if (src.substr(q, 2) == "}}") {
        trim_next = false;
        pos = q + 2;
      } else if (q + 1 < src.size() && is_go_space(src[q]) && src[q + 1] == '-' &&
                 src.substr(q + 2, 2) == "}}") {
        trim_next = true;
        pos = q + 4;
      } else {
        return template_error("comment ends before closing delimiter" + at_line(line));
      }
      continue;
    }

    const std::size_t r = src.find("}}", p);
    if (r == std::string_view::npos) return template_error("unclosed action" + at_line(line));
    std::size_t content_end = r;
    trim_next = false;
    if (r >= p + 2 && src[r - 1] == '-' && is_go_space(src[r - 2])) {
      trim_next = true;
      content_end = r - 2;
    }
    nodes.push_back({true, std::string(src.substr(p, content_end - p)), line});
    pos = r + 2;
  }
  return nodes;
}

constexpr std::string_view kVariables[] = {"ConfirmationURL", "Token",      "TokenHash",
                                           "SiteURL",         "RedirectTo", "Email",
                                           "NewEmail",        "SendingTo",  "Data"};

bool ident_char(char c) {
  return is_alnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// The field path of an action such as ".Data.plan"; an error naming anything else.
Result<std::vector<std::string>> parse_action(std::string_view content, int line) {
  const std::string_view a = trim_go_space(content);
  if (a.empty()) return template_error("missing value for command" + at_line(line));
  std::vector<std::string> path;
  bool ok = a.size() > 1 && a[0] == '.';
  for (std::size_t i = 0; ok && i < a.size();) {
    if (a[i] != '.') {
      ok = false;
      break;
    }
    std::size_t j = i + 1;
    while (j < a.size() && ident_char(a[j])) ++j;
    if (j == i + 1) {
      ok = false;
      break;
    }
    path.emplace_back(a.substr(i + 1, j - i - 1));
    i = j;
  }
  if (!ok) {
    std::size_t end = 0;
    while (end < a.size() && !is_go_space(a[end])) ++end;
    const std::string_view word = a.substr(0, end);
    if (word.size() > 1 && word[0] == '.' && end < a.size()) {
      return template_error("unsupported pipeline \"{{ " + std::string(a) + " }}\"" +
                            at_line(line));
    }
    return template_error("unsupported template construct \"" + std::string(word) + "\"" +
                          at_line(line));
  }
  if (std::find(std::begin(kVariables), std::end(kVariables), path[0]) == std::end(kVariables)) {
    return template_error("unknown template variable \"." + path[0] + "\"" + at_line(line));
  }
  if (path[0] != "Data" && path.size() > 1) {
    return template_error("can't evaluate field " + path[1] + " in type string" + at_line(line));
  }
  return path;
}

std::string path_text(const std::vector<std::string>& path) {
  std::string s;
  for (const auto& p : path) s += "." + p;
  return s;
}

const std::string* top_level(const MailData& d, std::string_view name) {
  if (name == "ConfirmationURL") return &d.confirmation_url;
  if (name == "Token") return &d.token;
  if (name == "TokenHash") return &d.token_hash;
  if (name == "SiteURL") return &d.site_url;
  if (name == "RedirectTo") return &d.redirect_to;
  if (name == "Email") return &d.email;
  if (name == "NewEmail") return &d.new_email;
  if (name == "SendingTo") return &d.sending_to;
  return nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct MailTemplate::Piece {
  std::string text;               // literal output
  std::vector<std::string> path;  // non-empty for a variable
  std::vector<int> escapers;
};

MailTemplate::MailTemplate() = default;
MailTemplate::MailTemplate(const MailTemplate&) = default;
MailTemplate::MailTemplate(MailTemplate&&) noexcept = default;
MailTemplate& MailTemplate::operator=(const MailTemplate&) = default;
MailTemplate& MailTemplate::operator=(MailTemplate&&) noexcept = default;
MailTemplate::~MailTemplate() = default;

Result<MailTemplate> MailTemplate::parse(std::string_view source, TemplateEscaping escaping) {
  auto nodes = lex(source);
  if (!nodes) return std::move(nodes).error();
  MailTemplate t;
  t.escaping_ = escaping;
  Ctx ctx;
  for (const auto& node : *nodes) {
    if (!node.action) {
      Piece piece;
      if (escaping == TemplateEscaping::text) {
        piece.text = node.text;
      } else {
        Step st = escape_text(std::move(ctx), node.text, piece.text);
        if (st.ctx.state == St::error) return template_error(st.ctx.error);
        ctx = std::move(st.ctx);
      }
      if (!t.pieces_.empty() && t.pieces_.back().path.empty()) {
        t.pieces_.back().text += piece.text;
      } else {
        t.pieces_.push_back(std::move(piece));
      }
      continue;
    }
    auto path = parse_action(node.text, node.line);
    if (!path) return std::move(path).error();
    Piece piece;
    piece.path = std::move(*path);
    if (escaping == TemplateEscaping::html) {
      ctx = nudge(std::move(ctx));
      auto chain = escapers_for(ctx, path_text(piece.path), node.line);
      if (!chain) return std::move(chain).error();
      if (!chain->empty() && chain->front() == kDrop) continue;  // inside a comment
      piece.escapers = std::move(*chain);
    }
    t.pieces_.push_back(std::move(piece));
  }
  if (escaping == TemplateEscaping::html && ctx.state != St::text) {
    return template_error(
        "the template ends inside a tag, attribute, comment or element that is not closed");
  }
  return t;
}

Result<std::string> MailTemplate::render(const MailData& data) const {
  const bool html = escaping_ == TemplateEscaping::html;
  std::string out;
  for (const auto& piece : pieces_) {
    if (piece.path.empty()) {
      out += piece.text;
      continue;
    }
    std::string value;
    if (const std::string* s = top_level(data, piece.path[0])) {
      value = *s;
    } else {
      // .Data[.key...]: missing keys render as nothing, as in html/template ("<no value>" in
      // text/template); going through a value that is not an object fails, as in Go.
      const boost::json::value* cur = nullptr;  // nullptr: the metadata object itself
      bool missing = false;
      for (std::size_t i = 1; i < piece.path.size(); ++i) {
        const std::string& key = piece.path[i];
        if (missing || (cur != nullptr && cur->is_null())) {
          return template_error("nil pointer evaluating interface {}." + key);
        }
        if (cur != nullptr && !cur->is_object()) {
          return template_error("can't evaluate field " + key + " in type " +
                                std::string(go_type_name(*cur)));
        }
        cur = (cur == nullptr ? data.data : cur->get_object()).if_contains(key);
        missing = cur == nullptr;
      }
      if (missing) {
        value = html ? "" : "<no value>";
      } else if (cur == nullptr) {
        value = go_format_object(data.data);
      } else if (cur->is_null()) {
        value = html ? "" : "<nil>";
      } else {
        value = go_format(*cur);
      }
    }
    for (int e : piece.escapers) value = apply_escaper(e, value);
    out += value;
  }
  return out;
}

Result<std::string> render_mail_template(std::string_view source, const MailData& data,
                                         TemplateEscaping escaping) {
  auto t = MailTemplate::parse(source, escaping);
  if (!t) return std::move(t).error();
  return t->render(data);
}

}  // namespace basalt::auth
