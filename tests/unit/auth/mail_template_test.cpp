#include "auth/mail_template.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

namespace basalt::auth {
namespace {

MailData sample() {
  MailData d;
  d.site_url = "http://localhost:3000";
  d.confirmation_url =
      "http://localhost:9999/auth/v1/verify?token=abc&type=signup&redirect_to=http://"
      "localhost:3000";
  d.token = "123456";
  d.token_hash = "pkce_ab+c/d=";
  d.redirect_to = "http://localhost:3000/welcome";
  d.email = "a+b@example.com";
  d.new_email = "new@example.com";
  d.data = boost::json::parse(R"({"first_name":"Ann","age":42,"big":1234567,"million":1e6,
      "ratio":0.5,"tiny":0.00001,"vip":true,"none":null,"tags":["a",2,false],
      "address":{"city":"Oslo","zip":"0150"},"html":"<b>hi</b>"})")
               .as_object();
  return d;
}

std::string render(std::string_view tmpl, const MailData& d = sample(),
                   TemplateEscaping e = TemplateEscaping::html) {
  auto r = render_mail_template(tmpl, d, e);
  EXPECT_TRUE(r.ok()) << tmpl << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : "<error>";
}

std::string error_of(std::string_view tmpl, const MailData& d = sample()) {
  auto r = render_mail_template(tmpl, d);
  EXPECT_FALSE(r.ok()) << tmpl;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().status, 500);
  return r.error().message;
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

TEST(MailTemplate, VariablesAndGoWhitespaceInsideBraces) {
  EXPECT_EQ(render("{{.Token}}"), "123456");
  EXPECT_EQ(render("{{ .Token }}"), "123456");
  EXPECT_EQ(render("{{   .Token\t}}"), "123456");
  EXPECT_EQ(render("{{\n.Token\n}}"), "123456");
  EXPECT_EQ(render("Code: {{ .Token }}."), "Code: 123456.");
  EXPECT_EQ(render("{{ .SiteURL }}|{{ .NewEmail }}|{{ .SendingTo }}|{{ .TokenHash }}"),
            "http://localhost:3000|new@example.com||pkce_ab&#43;c/d=");
  EXPECT_EQ(render("no actions at all"), "no actions at all");
  EXPECT_EQ(render(""), "");
}

TEST(MailTemplate, TrimMarkers) {
  EXPECT_EQ(render("a  \n {{- .Token -}} \n  b"), "a123456b");
  EXPECT_EQ(render("a {{- .Token }} b"), "a123456 b");
  EXPECT_EQ(render("a {{ .Token -}} b"), "a 123456b");
  EXPECT_EQ(render("x\n\n{{- /* note */ -}}\n\ny"), "xy");
  EXPECT_EQ(render("x{{/* a\nmulti-line comment */}}y"), "xy");
  EXPECT_EQ(render("x {{/* c */}} y"), "x  y");
}

TEST(MailTemplate, ValuesInTextAreHtmlEscaped) {
  MailData d = sample();
  d.email = "\"O'Neil\" <o@x.io> & co+1";
  EXPECT_EQ(render("<p>{{ .Email }}</p>", d),
            "<p>&#34;O&#39;Neil&#34; &lt;o@x.io&gt; &amp; co&#43;1</p>");
  d.email = std::string("a\0b", 3);
  EXPECT_EQ(render("{{ .Email }}", d),
            "a\xEF\xBF\xBD"
            "b");
  // html/template escapes subjects too: GoTrue's subject for a+b@example.com.
  EXPECT_EQ(render("Welcome {{ .Email }}"), "Welcome a&#43;b@example.com");
}

TEST(MailTemplate, HrefValuesAreFilteredNormalisedAndAttributeEscaped) {
  EXPECT_EQ(render("<a href=\"{{ .ConfirmationURL }}\">Confirm</a>"),
            "<a href=\"http://localhost:9999/auth/v1/verify?token=abc&amp;type=signup&amp;"
            "redirect_to=http://localhost:3000\">Confirm</a>");
  MailData d = sample();
  d.confirmation_url = "http://x/a b\"c'd(e)<f>%zz%20\xC3\xA9";
  EXPECT_EQ(render("<a href=\"{{ .ConfirmationURL }}\">", d),
            "<a href=\"http://x/a%20b%22c%27d%28e%29%3cf%3e%25zz%20%c3%a9\">");
  for (const char* bad :
       {"javascript:alert(1)", "JavaScript:x", "data:text/html,x", "vbscript:x"}) {
    d.confirmation_url = bad;
    EXPECT_EQ(render("<a href=\"{{ .ConfirmationURL }}\">", d), "<a href=\"#ZgotmplZ\">") << bad;
  }
  for (const char* good : {"mailto:me@x.io", "HTTPS://x", "/a:b", "relative/path"}) {
    d.confirmation_url = good;
    EXPECT_NE(render("<a href=\"{{ .ConfirmationURL }}\">", d), "<a href=\"#ZgotmplZ\">") << good;
  }
}

TEST(MailTemplate, ValuesAfterTheQueryStartAreQueryEscaped) {
  // The common Supabase template: SiteURL starts the URL, TokenHash sits in the query.
  EXPECT_EQ(render("<a href=\"{{ .SiteURL }}/auth/confirm?token_hash={{ .TokenHash }}"
                   "&type=email&next={{ .RedirectTo }}\">Log in</a>"),
            "<a href=\"http://localhost:3000/auth/confirm?token_hash=pkce_ab%2bc%2fd%3d"
            "&type=email&next=http%3a%2f%2flocalhost%3a3000%2fwelcome\">Log in</a>");
  MailData d = sample();
  d.token_hash = "%20 x";
  EXPECT_EQ(render("<a href='https://x/#{{ .TokenHash }}'>", d), "<a href='https://x/#%2520%20x'>");
  // Two values before any '?' are both normalised (html/template keeps the URL part).
  d.token_hash = "a b";
  EXPECT_EQ(render("<a href=\"{{ .SiteURL }}{{ .TokenHash }}\">", d),
            "<a href=\"http://localhost:3000a%20b\">");
}

TEST(MailTemplate, OtherUrlAttributes) {
  MailData d = sample();
  d.redirect_to = "javascript:x";
  EXPECT_EQ(render("<img src=\"{{ .RedirectTo }}\">", d), "<img src=\"#ZgotmplZ\">");
  EXPECT_EQ(render("<div data-url=\"{{ .RedirectTo }}\">", d), "<div data-url=\"#ZgotmplZ\">");
  EXPECT_EQ(render("<form action=\"{{ .RedirectTo }}\">", d), "<form action=\"#ZgotmplZ\">");
  EXPECT_EQ(render("<p title=\"{{ .RedirectTo }}\">", d), "<p title=\"javascript:x\">");
}

TEST(MailTemplate, QuotedAndUnquotedAttributes) {
  MailData d = sample();
  d.email = "o'neil \"q\" <x>&=`";
  EXPECT_EQ(render("<img alt=\"{{ .Email }}\">", d),
            "<img alt=\"o&#39;neil &#34;q&#34; &lt;x&gt;&amp;=`\">");
  EXPECT_EQ(render("<img alt='{{ .Email }}'>", d),
            "<img alt='o&#39;neil &#34;q&#34; &lt;x&gt;&amp;=`'>");
  EXPECT_EQ(render("<img alt={{ .Email }}>", d),
            "<img alt=o&#39;neil&#32;&#34;q&#34;&#32;&lt;x&gt;&amp;&#61;&#96;>");
  d.email = "";
  EXPECT_EQ(render("<img alt={{ .Email }}>", d), "<img alt=ZgotmplZ>");
  EXPECT_EQ(render("<img alt=\"{{ .Email }}\">", d), "<img alt=\"\">");
  d.email = "\xEF\xB7\x90";  // U+FDD0, a noncharacter
  EXPECT_EQ(render("<img alt={{ .Email }}>", d), "<img alt=&#xfdd0;>");
  d.confirmation_url = "http://x/?a=1&b=2";
  EXPECT_EQ(render("<a href={{ .ConfirmationURL }}>go</a>", d),
            "<a href=http://x/?a&#61;1&amp;b&#61;2>go</a>");
}

TEST(MailTemplate, HtmlCommentsAreRemoved) {
  EXPECT_EQ(render("a<!-- hidden -->b"), "ab");
  EXPECT_EQ(render("<!-- secret {{ .Token }} -->Hi {{ .Token }}"), "Hi 123456");
  EXPECT_EQ(render("x<!--\n multi\n line {{ .Email }}\n-->y"), "xy");
}

TEST(MailTemplate, StrayLessThanInTextIsEscaped) {
  EXPECT_EQ(render("1 < 2 and <b>bold</b>"), "1 &lt; 2 and <b>bold</b>");
  EXPECT_EQ(render("foo<{{ .Token }}"), "foo&lt;123456");
  EXPECT_EQ(render("<!DOCTYPE html><html><body>x</body></html>"),
            "<!DOCTYPE html><html><body>x</body></html>");
  EXPECT_EQ(render("<title>a<b {{ .Email }}</title>"), "<title>a&lt;b a&#43;b@example.com</title>");
}

TEST(MailTemplate, StyleElementsKeepCssButLoseComments) {
  EXPECT_EQ(render("<style>/* c */p{color:red}</style>x"), "<style> p{color:red}</style>x");
  EXPECT_EQ(render("<style>a{} // note\nb{}</style>"), "<style>a{} \nb{}</style>");
  const std::string css =
      "<style>a{background:url(http://x/y.png)} b{content:\"/* not a comment */\"}</style>";
  EXPECT_EQ(render(css), css);
  EXPECT_EQ(render("<STYLE>p{}</STYLE><p>{{ .Token }}</p>"), "<STYLE>p{}</STYLE><p>123456</p>");
}

TEST(MailTemplate, ScriptsPassThrough) {
  EXPECT_EQ(render("<script>var a = 1 < 2;</script>{{ .Token }}"),
            "<script>var a = 1 < 2;</script>123456");
}

TEST(MailTemplate, UnsupportedContextsAreErrors) {
  EXPECT_TRUE(contains(error_of("<style>p{color:{{ .Token }}}</style>"), "inside CSS"));
  EXPECT_TRUE(contains(error_of("<p style=\"color:{{ .Token }}\">"), "inside CSS"));
  EXPECT_TRUE(contains(error_of("<script>var t = '{{ .Token }}';</script>"), "JavaScript"));
  EXPECT_TRUE(contains(error_of("<a onclick=\"go({{ .Token }})\">"), "JavaScript"));
  EXPECT_TRUE(contains(error_of("<p {{ .Token }}>"), "attribute name"));
  EXPECT_TRUE(contains(error_of("<img srcset=\"{{ .SiteURL }} 1x\">"), "srcset"));
  EXPECT_TRUE(contains(error_of("<p {{ .Token }}>"), ".Token"));
}

TEST(MailTemplate, BadHtmlIsAnError) {
  EXPECT_TRUE(contains(error_of("<a href=\"{{ .SiteURL }}"), "ends inside"));
  EXPECT_TRUE(contains(error_of("<p>x<!-- never closed"), "ends inside"));
  EXPECT_TRUE(contains(error_of("<style>p{}"), "ends inside"));
  EXPECT_TRUE(contains(error_of("<a title=x\"y>"), "unquoted attr"));
  EXPECT_TRUE(contains(error_of("<a ti\"tle=x>"), "attribute name"));
}

TEST(MailTemplate, UnknownVariablesAndUnsupportedConstructsAreNamed) {
  EXPECT_TRUE(contains(error_of("Hi {{ .Foo }}"), "unknown template variable \".Foo\""));
  EXPECT_TRUE(contains(error_of("{{ .token }}"), "\".token\""));  // case matters, as in Go
  EXPECT_TRUE(contains(error_of("{{ if .Token }}x{{ end }}"), "\"if\""));
  EXPECT_TRUE(contains(error_of("{{ range .Data.tags }}x{{ end }}"), "\"range\""));
  EXPECT_TRUE(contains(error_of("{{ template \"x\" }}"), "\"template\""));
  EXPECT_TRUE(contains(error_of("{{ $x := .Token }}"), "\"$x\""));
  EXPECT_TRUE(contains(error_of("{{ printf \"%s\" .Token }}"), "\"printf\""));
  EXPECT_TRUE(contains(error_of("{{ .Token | html }}"), "pipeline"));
  EXPECT_TRUE(contains(error_of("{{ . }}"), "\".\""));
  EXPECT_TRUE(contains(error_of("{{ }}"), "missing value"));
  EXPECT_TRUE(contains(error_of("{{ .Token"), "unclosed action"));
  EXPECT_TRUE(contains(error_of("{{/* x"), "unclosed comment"));
  EXPECT_TRUE(contains(error_of("{{/* x */ .Token }}"), "comment ends before closing"));
  EXPECT_TRUE(contains(error_of("{{ .Token.Length }}"), "can't evaluate field Length"));
  EXPECT_TRUE(contains(error_of("{{ .Data.first-name }}"), "first-name"));
  EXPECT_TRUE(contains(error_of("{{-.Token}}"), "-.Token"));
  EXPECT_TRUE(contains(error_of("line 1\nline 2 {{ .Nope }}"), "line 2"));
}

TEST(MailTemplate, UserMetadataAsGoPrintsIt) {
  EXPECT_EQ(render("{{ .Data.first_name }}"), "Ann");
  EXPECT_EQ(render("{{ .Data.age }}"), "42");
  // JSON numbers are float64 in Go; html/template escapes the '+' of the exponent.
  EXPECT_EQ(render("{{ .Data.big }}"), "1.234567e&#43;06");
  EXPECT_EQ(render("{{ .Data.million }}"), "1e&#43;06");
  EXPECT_EQ(render("{{ .Data.million }}", sample(), TemplateEscaping::text), "1e+06");
  EXPECT_EQ(render("{{ .Data.ratio }}"), "0.5");
  EXPECT_EQ(render("{{ .Data.tiny }}"), "1e-05");
  EXPECT_EQ(render("{{ .Data.vip }}"), "true");
  EXPECT_EQ(render("{{ .Data.tags }}"), "[a 2 false]");
  EXPECT_EQ(render("{{ .Data.address }}"), "map[city:Oslo zip:0150]");
  EXPECT_EQ(render("{{ .Data.address.city }}"), "Oslo");
  EXPECT_EQ(render("{{ .Data.html }}"), "&lt;b&gt;hi&lt;/b&gt;");
  // Missing keys and null print nothing in html/template.
  EXPECT_EQ(render("[{{ .Data.missing }}][{{ .Data.none }}]"), "[][]");
  EXPECT_EQ(render("<a title={{ .Data.missing }}>"), "<a title=ZgotmplZ>");
  MailData empty;
  EXPECT_EQ(render("{{ .Data }}|{{ .Data.x }}|{{ .Email }}", empty), "map[]||");
}

TEST(MailTemplate, MetadataPathErrorsAtRenderTime) {
  auto t = MailTemplate::parse("{{ .Data.first_name.x }}");
  ASSERT_TRUE(t.ok());
  auto r = t->render(sample());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "can't evaluate field x in type string"));
  auto r2 = render_mail_template("{{ .Data.missing.x }}", sample());
  ASSERT_FALSE(r2.ok());
  EXPECT_TRUE(contains(r2.error().message, "nil pointer evaluating interface {}.x"));
  EXPECT_FALSE(render_mail_template("{{ .Data.none.x }}", sample()).ok());
  EXPECT_FALSE(render_mail_template("{{ .Data.age.x }}", sample()).ok());
}

TEST(MailTemplate, TextModeDoesNotEscape) {
  const auto text = TemplateEscaping::text;
  EXPECT_EQ(render("{{ .Email }} <{{ .Data.html }}>", sample(), text),
            "a+b@example.com <<b>hi</b>>");
  EXPECT_EQ(render("{{ .Data.missing }}|{{ .Data.none }}", sample(), text), "<no value>|<nil>");
  EXPECT_EQ(render("<!-- kept --> <a href={{ .Email }}>", sample(), text),
            "<!-- kept --> <a href=a+b@example.com>");
  EXPECT_FALSE(render_mail_template("{{ if .Token }}{{ end }}", sample(), text).ok());
}

TEST(MailTemplate, ParseOnceRenderMany) {
  auto t = MailTemplate::parse("<p>{{ .Email }}</p>");
  ASSERT_TRUE(t.ok());
  MailTemplate copy = *t;
  MailData d = sample();
  d.email = "x&y";
  EXPECT_EQ(*copy.render(d), "<p>x&amp;y</p>");
  d.email = "z";
  EXPECT_EQ(*t->render(d), "<p>z</p>");
}

TEST(MailTemplate, KindsAndDefaults) {
  for (MailKind k : {MailKind::confirmation, MailKind::invite, MailKind::magic_link,
                     MailKind::recovery, MailKind::email_change, MailKind::reauthentication}) {
    EXPECT_EQ(parse_mail_kind(mail_kind_name(k)), k);
    auto subject = render_mail_template(default_subject(k), sample());
    ASSERT_TRUE(subject.ok()) << mail_kind_name(k);
    EXPECT_FALSE(subject->empty());
    auto body = render_mail_template(default_body(k), sample());
    ASSERT_TRUE(body.ok()) << mail_kind_name(k) << ": " << body.error().message;
    EXPECT_TRUE(contains(*body, "<h2>"));
    if (k != MailKind::reauthentication) {
      EXPECT_TRUE(contains(*body, "href=\"http://localhost:9999/auth/v1/verify?token=abc&amp;"))
          << mail_kind_name(k);
    }
  }
  EXPECT_FALSE(parse_mail_kind("signup").has_value());
  EXPECT_EQ(default_subject(MailKind::confirmation), "Confirm your email address");
  EXPECT_EQ(default_subject(MailKind::invite), "You've been invited");
  EXPECT_EQ(default_subject(MailKind::magic_link), "Your sign-in link");
  EXPECT_EQ(default_subject(MailKind::recovery), "Reset your password");
  EXPECT_EQ(default_subject(MailKind::email_change), "Confirm your new email address");
  EXPECT_EQ(*render_mail_template(default_subject(MailKind::reauthentication), sample()),
            "123456 is your verification code");
  EXPECT_TRUE(contains(*render_mail_template(default_body(MailKind::reauthentication), sample()),
                       "123456"));
  EXPECT_TRUE(contains(*render_mail_template(default_body(MailKind::email_change), sample()),
                       "new@example.com"));
}

}  // namespace
}  // namespace basalt::auth
