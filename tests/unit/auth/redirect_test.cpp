#include "auth/redirect.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/redirect_glob.hpp"

namespace basalt::auth {
namespace {

bool glob(std::string_view pattern, std::string_view text) {
  auto g = UrlGlob::compile(pattern);
  EXPECT_TRUE(g.ok()) << pattern;
  return g.ok() && g->match(text);
}

TEST(UrlGlob, StarStopsAtDotAndSlash) {
  EXPECT_TRUE(glob("http://localhost:8000/*", "http://localhost:8000/path"));
  EXPECT_TRUE(glob("http://localhost:8000/*", "http://localhost:8000/"));
  EXPECT_TRUE(glob("http://localhost:8000/*", "http://localhost:8000/path?param=1"));
  EXPECT_FALSE(glob("http://localhost:8000/*", "http://localhost:8000/path/to/page"));
  EXPECT_FALSE(glob("http://localhost:8000/*", "http://localhost:8000/index.html"));
  EXPECT_FALSE(glob("http://localhost:8000/*", "http://localhost:8000"));
  EXPECT_TRUE(glob("https://*.example.com/", "https://app.example.com/"));
  EXPECT_FALSE(glob("https://*.example.com/", "https://a.b.example.com/"));
  EXPECT_FALSE(glob("https://*.example.com/", "https://evil.com/.example.com/"));
}

TEST(UrlGlob, DoubleStarCrossesSeparators) {
  EXPECT_TRUE(glob("http://localhost:3000/**", "http://localhost:3000/a/b.c/d?e=f"));
  EXPECT_TRUE(glob("http://localhost:3000/**", "http://localhost:3000/"));
  EXPECT_FALSE(glob("http://localhost:3000/**", "http://localhost:3000"));
  EXPECT_TRUE(glob("https://**.example.com/*", "https://a.b.example.com/x"));
  EXPECT_TRUE(glob("**", ""));
  EXPECT_TRUE(glob("*", ""));
}

TEST(UrlGlob, SingleClassesAndAlternatives) {
  EXPECT_TRUE(glob("http://host/?", "http://host/a"));
  EXPECT_FALSE(glob("http://host/?", "http://host/."));
  EXPECT_FALSE(glob("http://host/?", "http://host/ab"));
  EXPECT_TRUE(glob("h?llo", "h\xC3\xA9llo"));  // one code point
  EXPECT_TRUE(glob("[abc]x", "bx"));
  EXPECT_FALSE(glob("[abc]x", "dx"));
  EXPECT_TRUE(glob("[!abc]x", "dx"));
  EXPECT_TRUE(glob("[!abc]x", "/x"));  // classes ignore separators
  EXPECT_TRUE(glob("[a-c]x", "cx"));
  EXPECT_FALSE(glob("[!a-c]x", "cx"));
  EXPECT_TRUE(glob("https://{app,admin}.example.com/", "https://admin.example.com/"));
  EXPECT_FALSE(glob("https://{app,admin}.example.com/", "https://api.example.com/"));
  EXPECT_TRUE(glob("x{a,{b,c}}y", "xcy"));
  EXPECT_TRUE(glob("x{a,}y", "xy"));
  EXPECT_TRUE(glob("x{a,b", "xb"));  // an unclosed brace ends with the pattern
}

TEST(UrlGlob, LiteralsAndEscapes) {
  EXPECT_TRUE(glob("a\\*b", "a*b"));
  EXPECT_FALSE(glob("a\\*b", "axb"));
  EXPECT_TRUE(glob("a}b,c]d", "a}b,c]d"));  // outside braces/classes these are text
  EXPECT_FALSE(glob("abc", "abcd"));
  EXPECT_FALSE(glob("abc", "ab"));
  EXPECT_TRUE(glob("[\\]]", "]"));
}

TEST(UrlGlob, InvalidPatterns) {
  for (std::string_view bad : {"[", "a[]", "[z-a]", "[!]", "[a-", "x\xFF"}) {
    auto g = UrlGlob::compile(bad);
    EXPECT_FALSE(g.ok()) << bad;
  }
}

TEST(UrlGlob, LongInputIsLinear) {
  const std::string text = "http://h/" + std::string(20000, 'a') + "/b";
  EXPECT_TRUE(glob("http://h/*/*", text));
  EXPECT_FALSE(glob("http://h/*/*/*/*/*/*/*/*/*/*/c", text));
  EXPECT_TRUE(glob("**a**a**a**b", text));
}

// GoTrue's TestGetReferrer table.
class GoTrueReferrer : public ::testing::Test {
 protected:
  RedirectPolicy policy{"https://example.com",
                        {"http://localhost:8000/*", "http://*.localhost:8000/*", "http://*:12345/*",
                         "http://**:12345/*"}};
};

TEST_F(GoTrueReferrer, Table) {
  const std::string site = "https://example.com";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://localhost:8000/path", "http://localhost:8000/path"},
      {"http://localhost:3000", site},
      {"http://localhost:8000", site},
      {"http://localhost:8000/path/to/page", site},
      {"http://localhost:8000/path?param=1", "http://localhost:8000/path?param=1"},
      {"http://123?.localhost:8000/path", site},
      {"http://123.123.123.123?localhost:8000/path", site},
      {"http://[65e7:9410:d8b6:e227:58cd:e55b:8fc0:206d]?localhost:8000/path", site},
      {"http://65e7:9410:d8b6:e227:58cd:e55b:8fc0:206d?localhost:8000/path", site},
      {"http://127.0.0.1:12345/path", "http://127.0.0.1:12345/path"},
      {"http://[0:0:0:0:0:0:0:1]:12345/path", "http://[0:0:0:0:0:0:0:1]:12345/path"},
      {"https://example.com/dashboard", "https://example.com/dashboard"},
      {"http://example.com/dashboard", site},
      {"https://example.com:8443/dashboard", site},
  };
  for (const auto& [redirect, expected] : cases) {
    EXPECT_EQ(policy.resolve(redirect), expected) << redirect;
  }
  EXPECT_TRUE(policy.pattern_errors().empty());
}

TEST(Redirect, SameOriginTable) {
  struct Case {
    const char* site;
    const char* redirect;
    bool want;
  };
  const Case cases[] = {
      {"https://example.com", "https://example.com/path", true},
      {"https://example.com", "http://example.com/path", false},
      {"http://example.com", "https://example.com/path", false},
      {"https://example.com", "https://example.com:8443/path", false},
      {"https://example.com:9000", "https://example.com:9000/path", true},
      {"https://example.com:9000", "https://example.com/path", false},
      {"https://example.com:9000", "https://example.com:9001/path", false},
      {"http://localhost:3000", "http://localhost:8080/callback", true},
      {"http://127.0.0.1:3000", "http://127.0.0.1:8080/callback", true},
      {"http://localhost:3000", "http://localhost/callback", true},
      {"https://localhost:3000", "http://localhost:8080/callback", false},
      {"http://[::1]:3000", "http://[::1]:4000/cb", true},
      // GoTrue compares the port as written.
      {"https://example.com", "https://example.com:443/path", false},
      // Scheme case does not matter (Go lower-cases it); Basalt also ignores host case.
      {"https://example.com", "HTTPS://example.com/x", true},
      {"https://example.com", "https://EXAMPLE.com/x", true},
  };
  for (const auto& c : cases) {
    RedirectPolicy p(c.site, {});
    EXPECT_EQ(p.is_valid(c.redirect), c.want) << c.site << " -> " << c.redirect;
  }
}

TEST(Redirect, AttackCasesFallBackToSiteUrl) {
  RedirectPolicy p("https://site.com", {"https://site.com/**", "http://localhost:3000/**"});
  for (const char* attack : {
           "https://site.com@evil.com",
           "https://site.com@evil.com/",
           "https://site.com:@evil.com/",
           "https://user:pass@evil.com/",
           "//evil.com",
           "//evil.com/https://site.com/",
           "https:evil.com",
           "https:/evil.com",
           "https://evil.com\\@site.com",
           "https://site.com\\@evil.com",
           "https:\\\\evil.com",
           "\\\\evil.com",
           "https://site.com.evil.com/",
           "https://evil.com/https://site.com/",
           "https://evil.com?https://site.com/",
           "https://evil.com#https://site.com/",
           "https://evil%2Ecom/",
           "https://site.com%2F@evil.com/",
           "https://evil.com%2F.site.com/",
           "javascript:alert(1)",
           "javascript://site.com/%0aalert(1)",
           "data:text/html,<script>alert(1)</script>",
           "http://site.com/",        // scheme downgrade
           "https://site.com:8443/",  // other port
           "ftp://site.com/",
           "http://localhost:3000@evil.com/",
           "http://localhost:3000.evil.com/",
           "https://site.com/\n",
           "https://site.com/\tx",
           " https://site.com/",
           "",
       }) {
    EXPECT_FALSE(p.is_valid(attack)) << attack;
    EXPECT_EQ(p.resolve(attack), "https://site.com") << attack;
  }
}

TEST(Redirect, AllowedByGlob) {
  RedirectPolicy p("https://site.com", {"https://site.com/**", "http://localhost:3000/**",
                                        "myapp://**", "https://*.preview.site.com/*"});
  for (const char* ok : {
           "https://site.com/welcome",
           "https://site.com/a/b?c=d#e",
           "http://localhost:3000/auth/callback?next=/dashboard",
           "http://localhost:3000/cb?a[]=1&q=a b|c",  // Go accepts these query characters
           "myapp://callback/login",
           "myapp://call_back",  // the hostname rule is for http(s) only
           "https://pr-12.preview.site.com/x",
       }) {
    EXPECT_TRUE(p.is_valid(ok)) << ok;
    EXPECT_EQ(p.resolve(ok), ok);
  }
  EXPECT_FALSE(p.is_valid("https://a.b.preview.site.com/x"));
  EXPECT_FALSE(p.is_valid("https://pr-12.preview.site.com/x/y"));
}

TEST(Redirect, FragmentIsIgnoredForPatternsButKept) {
  RedirectPolicy p("https://site.com", {"http://localhost:8000/*"});
  EXPECT_TRUE(p.is_valid("http://localhost:8000/page#/deep/route"));
  EXPECT_EQ(p.resolve("http://localhost:8000/page#/deep/route"),
            "http://localhost:8000/page#/deep/route");
  EXPECT_FALSE(p.is_valid("http://localhost:8000/a/b#x"));
}

TEST(Redirect, NumericHosts) {
  RedirectPolicy p("https://site.com", {"http://**", "https://**"});
  EXPECT_FALSE(p.is_valid("http://2130706433/"));     // decimal IP
  EXPECT_FALSE(p.is_valid("http://10.0.0.1/"));       // IPs never reach the patterns
  EXPECT_FALSE(p.is_valid("http://[2001:db8::1]/"));  // ...unless loopback
  EXPECT_TRUE(p.is_valid("http://127.0.0.1:9999/"));
  EXPECT_TRUE(p.is_valid("http://127.1.2.3/"));
  EXPECT_TRUE(p.is_valid("http://[::1]/"));
  EXPECT_TRUE(p.is_valid("http://[::ffff:127.0.0.1]:1/"));
  EXPECT_FALSE(p.is_valid("http://my_host/"));  // not a DNS-style host name
  EXPECT_FALSE(p.is_valid("http://-bad.com/"));
  EXPECT_TRUE(p.is_valid("https://good-host.example/"));
}

TEST(Redirect, ResolvePrefersRedirectToThenReferer) {
  RedirectPolicy p("http://127.0.0.1:3000", {"https://127.0.0.1:3000"});
  EXPECT_EQ(p.resolve("http://127.0.0.1:3000/a", "http://127.0.0.1:3000/b"),
            "http://127.0.0.1:3000/a");
  EXPECT_EQ(p.resolve("https://evil.com/", "http://127.0.0.1:3000/b"), "http://127.0.0.1:3000/b");
  EXPECT_EQ(p.resolve("", "https://evil.com/"), "http://127.0.0.1:3000");
  EXPECT_EQ(p.resolve("https://127.0.0.1:3000", ""), "https://127.0.0.1:3000");  // loopback IP
  EXPECT_EQ(p.site_url(), "http://127.0.0.1:3000");
}

TEST(Redirect, BadPatternsAreReportedAndMatchNothing) {
  RedirectPolicy p("https://site.com", {"https://[oops", "https://ok.com/*"});
  ASSERT_EQ(p.pattern_errors().size(), 1u);
  EXPECT_NE(p.pattern_errors()[0].internal.find("https://[oops"), std::string::npos);
  EXPECT_TRUE(p.is_valid("https://ok.com/x"));
  EXPECT_FALSE(p.is_valid("https://[oops"));
}

TEST(Redirect, InvalidSiteUrlAllowsOnlyNothing) {
  RedirectPolicy p("not a url", {"https://ok.com/*"});
  EXPECT_FALSE(p.is_valid("https://ok.com/x"));  // as in GoTrue: site_url must parse
  EXPECT_EQ(p.resolve("https://ok.com/x"), "not a url");
}

}  // namespace
}  // namespace basalt::auth
