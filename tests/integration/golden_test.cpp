// Golden HTTP tests: every case in tests/golden/**/*.http is one request sent to one real
// `basalt start` (shared by all cases of this executable) and the response it must get.
// The file format is described in tests/golden/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "harness.hpp"
#include "jwt/jwt.hpp"

namespace basalt::harness {
namespace {

namespace json = boost::json;

// --- The format -----------------------------------------------------------------------------

struct HeaderExpectation {
  enum class Kind { exact, present, absent, regex };
  std::string name;
  Kind kind = Kind::exact;
  std::string value;  // exact text or the pattern
};

struct BodyExpectation {
  enum class Kind { empty, any, json, text, contains, regex };
  Kind kind = Kind::empty;
  std::string text;                   // json / text / regex
  std::vector<std::string> contains;  // contains
};

struct GoldenCase {
  std::string name;
  std::string id;     // the gtest name: `name` made alphanumeric, unique
  std::string file;   // relative to the golden folder
  int line = 0;       // where the case starts
  std::string error;  // why the case could not be read; the test fails with it
  std::string skip;   // `# skip:` reason
  HttpRequest request;
  int status = 0;
  std::vector<HeaderExpectation> headers;
  BodyExpectation body;
};

constexpr std::string_view kRequestEnd = "----";
constexpr std::string_view kCaseEnd = "====";
// Directives the format will grow (see README): refused until supported, so that a case
// needing one never runs without it.
const std::set<std::string, std::less<>> kReserved{"setup", "teardown", "env", "sql"};

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool blank(std::string_view s) {
  return trim(s).empty();
}

// `Name: value` where Name is an HTTP token.
bool split_header(std::string_view line, std::string& name, std::string& value) {
  auto colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return false;
  for (char c : line.substr(0, colon)) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos)) {
      return false;
    }
  }
  name = std::string(line.substr(0, colon));
  value = trim(line.substr(colon + 1));
  return true;
}

std::string join_lines(const std::vector<std::string>& lines, std::size_t from, std::size_t to) {
  while (to > from && blank(lines[to - 1])) --to;
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from) out += "\n";
    out += lines[i];
  }
  return out;
}

// Reads one case from lines[begin, end). `first_line` is the 1-based line number of `begin`.
GoldenCase parse_case(const std::vector<std::string>& lines, std::size_t begin, std::size_t end,
                      int first_line) {
  GoldenCase c;
  auto fail = [&](std::size_t at, const std::string& why) {
    c.error = "line " + std::to_string(first_line + static_cast<int>(at - begin)) + ": " + why;
    return c;
  };
  std::size_t i = begin;
  while (i < end && blank(lines[i])) ++i;
  c.line = first_line + static_cast<int>(i - begin);
  static const std::regex directive(R"(^#\s*([a-z][a-z_-]*):\s*(.*)$)");
  for (; i < end; ++i) {
    const std::string& l = lines[i];
    if (blank(l)) continue;
    if (!l.starts_with("#")) break;
    std::smatch m;
    if (!std::regex_match(l, m, directive)) continue;
    if (kReserved.contains(m[1].str())) {
      return fail(i, "directive `" + m[1].str() + ":` is not supported yet by golden_test.cpp");
    }
    if (m[1] == "name") c.name = trim(m[2].str());
    if (m[1] == "skip") c.skip = trim(m[2].str());
  }
  if (i >= end) return fail(i, "no request line");
  {
    std::istringstream rl(lines[i]);
    std::string version;
    rl >> c.request.method >> c.request.target >> version;
    if (c.request.method.empty() || c.request.target.empty() ||
        (!version.empty() && !version.starts_with("HTTP/"))) {
      return fail(i, "expected `METHOD /target`, got `" + lines[i] + "`");
    }
    ++i;
  }
  for (; i < end && !blank(lines[i]) && lines[i] != kRequestEnd; ++i) {
    std::string n, v;
    if (!split_header(lines[i], n, v)) {
      return fail(i, "expected a request header, got `" + lines[i] + "`");
    }
    c.request.headers.emplace_back(n, v);
  }
  std::size_t body_from = i < end && blank(lines[i]) ? i + 1 : i;
  std::size_t sep = body_from;
  while (sep < end && lines[sep] != kRequestEnd) ++sep;
  if (sep >= end) return fail(sep, "no `----` line between request and response");
  c.request.body = join_lines(lines, body_from, sep);

  i = sep + 1;
  while (i < end && (blank(lines[i]) || lines[i].starts_with("#"))) ++i;
  if (i >= end) return fail(i, "no response status");
  {
    const std::string s = trim(lines[i]);
    std::size_t used = 0;
    int status = 0;
    try {
      status = std::stoi(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != 3 || (s.size() > 3 && s[3] != ' ') || status < 100 || status > 599) {
      return fail(i, "expected a status code, got `" + s + "`");
    }
    c.status = status;
    ++i;
  }
  for (; i < end && !blank(lines[i]); ++i) {
    std::string n, v;
    if (!split_header(lines[i], n, v)) break;  // the body starts
    HeaderExpectation h{n, HeaderExpectation::Kind::exact, v};
    if (v == "<present>") {
      h.kind = HeaderExpectation::Kind::present;
    } else if (v == "<absent>") {
      h.kind = HeaderExpectation::Kind::absent;
    } else if (v.starts_with("<regex> ")) {
      h.kind = HeaderExpectation::Kind::regex;
      h.value = v.substr(8);
    }
    c.headers.push_back(std::move(h));
  }
  while (i < end && blank(lines[i])) ++i;
  const std::string body = join_lines(lines, i, end);
  if (body.empty()) {
    c.body.kind = BodyExpectation::Kind::empty;
  } else if (body == "<any>") {
    c.body.kind = BodyExpectation::Kind::any;
  } else if (body.starts_with("<regex> ")) {
    c.body.kind = BodyExpectation::Kind::regex;
    c.body.text = body.substr(8);
  } else if (body.starts_with("<contains> ")) {
    c.body.kind = BodyExpectation::Kind::contains;
    for (std::size_t k = i; k < end; ++k) {
      if (blank(lines[k])) continue;
      if (!lines[k].starts_with("<contains> ")) {
        return fail(k, "after `<contains>`, every body line must be a `<contains> ...` line");
      }
      c.body.contains.push_back(lines[k].substr(11));
    }
  } else {
    boost::system::error_code ec;
    json::parse(body, ec);
    c.body.kind = ec ? BodyExpectation::Kind::text : BodyExpectation::Kind::json;
    c.body.text = body;
  }
  return c;
}

// Every case of one file's text.
std::vector<GoldenCase> parse_cases(std::string_view text, const std::string& file) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
  }
  std::vector<GoldenCase> out;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= lines.size(); ++i) {
    if (i == lines.size() || lines[i] == kCaseEnd) {
      bool empty = true;
      for (std::size_t k = begin; k < i; ++k) empty = empty && blank(lines[k]);
      if (!empty) {
        auto c = parse_case(lines, begin, i, static_cast<int>(begin) + 1);
        c.file = file;
        if (c.name.empty()) c.name = file + "#" + std::to_string(out.size() + 1);
        out.push_back(std::move(c));
      }
      begin = i + 1;
    }
  }
  return out;
}

// --- Placeholders ---------------------------------------------------------------------------

struct Context {
  std::string anon_key;
  std::string service_role_key;
  int api_port = 0;
  std::string jwt_secret;  // signs {{jwt:<sub>}} tokens
};

// The shared Basalt's JWT secret, fixed so cases can carry user tokens.
constexpr std::string_view kGoldenJwtSecret = "golden-tests-jwt-secret-with-at-least-32-chars";

// {{anon_key}}, {{service_role_key}}, {{api_port}}, {{repeat:N:text}}, and {{jwt:SUB}}: a
// token for role authenticated with sub SUB, valid for an hour.
Result<std::string> substitute(std::string_view in, const Context& ctx) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    auto open = in.find("{{", pos);
    if (open == std::string_view::npos) break;
    auto close = in.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out += in.substr(pos, open - pos);
    const std::string key(in.substr(open + 2, close - open - 2));
    if (key == "anon_key") {
      out += ctx.anon_key;
    } else if (key == "service_role_key") {
      out += ctx.service_role_key;
    } else if (key == "api_port") {
      out += std::to_string(ctx.api_port);
    } else if (key.starts_with("jwt:")) {
      const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      out += jwt::sign_hs256({{"sub", key.substr(4)},
                              {"role", "authenticated"},
                              {"aud", "authenticated"},
                              {"exp", now + 3600}},
                             ctx.jwt_secret);
    } else if (key.starts_with("repeat:")) {
      auto colon = key.find(':', 7);
      long n = colon == std::string::npos ? -1 : std::strtol(key.c_str() + 7, nullptr, 10);
      if (n < 0 || n > (16 << 20))
        return Error::make(0, "golden", "bad placeholder {{" + key + "}}");
      const std::string unit = key.substr(colon + 1);
      for (long k = 0; k < n; ++k) out += unit;
    } else {
      return Error::make(0, "golden", "unknown placeholder {{" + key + "}}");
    }
    pos = close + 2;
  }
  out += in.substr(pos);
  return out;
}

// --- Comparison -----------------------------------------------------------------------------

bool full_match(const std::string& text, const std::string& pattern, std::string& error) {
  try {
    return std::regex_match(text, std::regex(pattern));
  } catch (const std::regex_error& e) {
    error = "bad regex `" + pattern + "`: " + e.what();
    return false;
  }
}

std::string shorten(std::string s, std::size_t max = 300) {
  if (s.size() > max) s = s.substr(0, max) + "...(" + std::to_string(s.size()) + " bytes)";
  return s;
}

// The first difference between expected and actual JSON, as "path: why", or "" when equal.
// In the expected document the string "<any>" matches any value and "<regex> P" any string
// matching P.
std::string json_diff(const json::value& want, const json::value& got, const std::string& path) {
  const std::string where = path.empty() ? "/" : path;
  if (want.is_string()) {
    std::string_view w = want.get_string();
    if (w == "<any>") return {};
    if (w.starts_with("<regex> ")) {
      std::string error;
      if (got.is_string() &&
          full_match(std::string(got.get_string()), std::string(w.substr(8)), error)) {
        return {};
      }
      return where + ": expected a string matching `" + std::string(w.substr(8)) + "`, got " +
             json::serialize(got) + (error.empty() ? "" : " (" + error + ")");
    }
  }
  if (want.is_object() && got.is_object()) {
    const auto& wo = want.get_object();
    const auto& go = got.get_object();
    for (const auto& [k, v] : wo) {
      auto* g = go.if_contains(k);
      if (g == nullptr) return path + "/" + std::string(k) + ": missing in the response";
      if (auto d = json_diff(v, *g, path + "/" + std::string(k)); !d.empty()) return d;
    }
    for (const auto& [k, v] : go) {
      if (!wo.contains(k)) {
        return path + "/" + std::string(k) + ": unexpected key with value " + json::serialize(v);
      }
    }
    return {};
  }
  if (want.is_array() && got.is_array()) {
    const auto& wa = want.get_array();
    const auto& ga = got.get_array();
    for (std::size_t i = 0; i < std::min(wa.size(), ga.size()); ++i) {
      if (auto d = json_diff(wa[i], ga[i], path + "/" + std::to_string(i)); !d.empty()) return d;
    }
    if (wa.size() != ga.size()) {
      return where + ": expected " + std::to_string(wa.size()) + " elements, got " +
             std::to_string(ga.size());
    }
    return {};
  }
  // Numbers compare by value (1 == 1.0), the rest by kind and value.
  if (want.is_number() && got.is_number()) {
    if (want.to_number<double>() == got.to_number<double>()) return {};
  } else if (want == got) {
    return {};
  }
  return where + ": expected " + json::serialize(want) + ", got " + json::serialize(got);
}

// Every mismatch between `c` (placeholders already applied) and `res`; empty when it passes.
std::vector<std::string> compare(const GoldenCase& c, const HttpResponse& res) {
  std::vector<std::string> problems;
  if (res.status != c.status) {
    problems.push_back("status: expected " + std::to_string(c.status) + ", got " +
                       std::to_string(res.status));
  }
  for (const auto& h : c.headers) {
    const auto values = res.header_values(h.name);
    const std::string got = values.empty() ? "(absent)" : "\"" + shorten(values.front()) + "\"";
    using K = HeaderExpectation::Kind;
    switch (h.kind) {
      case K::present:
        if (values.empty())
          problems.push_back("header " + h.name + ": expected present, got (absent)");
        break;
      case K::absent:
        if (!values.empty())
          problems.push_back("header " + h.name + ": expected absent, got " + got);
        break;
      case K::exact:
        if (std::find(values.begin(), values.end(), h.value) == values.end()) {
          problems.push_back("header " + h.name + ": expected \"" + h.value + "\", got " + got);
        }
        break;
      case K::regex: {
        std::string error;
        bool ok = false;
        for (const auto& v : values) ok = ok || full_match(v, h.value, error);
        if (!ok) {
          problems.push_back("header " + h.name + ": expected a value matching `" + h.value +
                             "`, got " + got + (error.empty() ? "" : " (" + error + ")"));
        }
        break;
      }
    }
  }
  using B = BodyExpectation::Kind;
  std::string body = res.body;
  switch (c.body.kind) {
    case B::any:
      break;
    case B::empty:
      if (!body.empty()) problems.push_back("body: expected empty, got: " + shorten(body));
      break;
    case B::text:
      // A single trailing newline of the response does not count (files end lines with one).
      if (body != c.body.text && body != c.body.text + "\n") {
        problems.push_back("body (text):\n  expected: " + shorten(c.body.text, 2000) +
                           "\n  actual:   " + shorten(body, 2000));
      }
      break;
    case B::regex: {
      std::string error;
      if (!full_match(body, c.body.text, error)) {
        problems.push_back("body: expected to match `" + c.body.text + "`, got: " + shorten(body) +
                           (error.empty() ? "" : " (" + error + ")"));
      }
      break;
    }
    case B::contains:
      for (const auto& part : c.body.contains) {
        if (body.find(part) == std::string::npos) {
          problems.push_back("body: expected to contain `" + part + "`, got: " + shorten(body));
        }
      }
      break;
    case B::json: {
      boost::system::error_code ec;
      json::value got = json::parse(body, ec);
      if (ec) {
        problems.push_back("body: expected JSON " + c.body.text +
                           "\n  actual (not JSON: " + ec.message() + "): " + shorten(body));
        break;
      }
      json::value want = json::parse(c.body.text, ec);
      if (ec) {
        problems.push_back("expected body is not JSON after placeholders: " + c.body.text);
        break;
      }
      if (auto d = json_diff(want, got, ""); !d.empty()) {
        problems.push_back("body (JSON) differs at " + d + "\n  expected: " +
                           json::serialize(want) + "\n  actual:   " + json::serialize(got));
      }
      break;
    }
  }
  return problems;
}

// Applies placeholders to the request and the expectations.
Result<GoldenCase> resolve(GoldenCase c, const Context& ctx) {
  auto sub = [&](std::string& s) -> Status {
    auto r = substitute(s, ctx);
    if (!r) return std::move(r).error();
    s = std::move(r).value();
    return Status{};
  };
  std::vector<std::string*> fields{&c.request.target, &c.request.body, &c.body.text};
  for (auto& [n, v] : c.request.headers) fields.push_back(&v);
  for (auto& h : c.headers) fields.push_back(&h.value);
  for (auto& s : c.body.contains) fields.push_back(&s);
  for (auto* f : fields) {
    if (auto s = sub(*f); !s) return std::move(s).error();
  }
  return c;
}

// --- Discovery ------------------------------------------------------------------------------

fs::path golden_dir() {
  if (const char* d = std::getenv("BASALT_GOLDEN_DIR"); d != nullptr && *d != '\0') return d;
  return fs::path(BASALT_SOURCE_DIR) / "tests" / "golden";
}

std::string test_name(const std::string& name) {
  std::string out;
  for (char ch : name) {
    out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  }
  return out.empty() ? "unnamed" : out;
}

std::vector<GoldenCase> load_all_cases() {
  std::vector<GoldenCase> all;
  const fs::path root = golden_dir();
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == ".http") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> names;
  for (const auto& f : files) {
    const std::string rel = fs::relative(f, root).string();
    for (auto& c : parse_cases(read_text(f), rel)) {
      c.id = test_name(c.name);
      if (!names.insert(c.id).second) {
        c.error = "case name `" + c.name + "` is used twice (test names must be unique)";
        const std::string base = c.id;
        for (int n = 2; !names.insert(c.id = base + "_" + std::to_string(n)).second; ++n) {
        }
      }
      all.push_back(std::move(c));
    }
  }
  return all;
}

const std::vector<GoldenCase>& all_cases() {
  static const std::vector<GoldenCase> cases = load_all_cases();
  return cases;
}

std::string param_name(const ::testing::TestParamInfo<std::size_t>& info) {
  return all_cases()[info.param].id;
}

std::vector<std::size_t> case_indexes() {
  std::vector<std::size_t> out(all_cases().size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

// --- The tests ------------------------------------------------------------------------------

class GoldenTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  static void SetUpTestSuite() {
    // The REST cases run against the fixture schema in tests/golden/_schema: its *.sql files
    // are the project's migrations (in name order) and seed.sql its seed.
    ProjectOptions o;
    o.env["BASALT_JWT_SECRET"] = std::string(kGoldenJwtSecret);
    const fs::path schema_dir = golden_dir() / "_schema";
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(schema_dir, ec)) {
      if (entry.path().extension() == ".sql") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      if (f.filename() == "seed.sql") {
        o.seed = read_text(f);
      } else {
        o.migrations.emplace_back(f.filename().string(), read_text(f));
      }
    }
    basalt_ = std::make_unique<BasaltProcess>(o);
    auto started = basalt_->start();
    if (!started) start_error_ = started.message();
  }

  static void TearDownTestSuite() {
    if (basalt_ && start_error_.empty()) {
      auto stopped = basalt_->stop();
      EXPECT_TRUE(stopped) << "the shared Basalt did not stop cleanly";
    }
    basalt_.reset();
  }

  static std::unique_ptr<BasaltProcess> basalt_;
  static std::string start_error_;
};

std::unique_ptr<BasaltProcess> GoldenTest::basalt_;
std::string GoldenTest::start_error_;

TEST_P(GoldenTest, Case) {
  const GoldenCase& raw = all_cases()[GetParam()];
  const std::string where = "golden case `" + raw.name + "` (" +
                            (golden_dir() / raw.file).string() + ":" + std::to_string(raw.line) +
                            ")";
  ASSERT_TRUE(raw.error.empty()) << where << ": " << raw.error;
  if (!raw.skip.empty()) GTEST_SKIP() << where << ": " << raw.skip;
  ASSERT_TRUE(start_error_.empty()) << "the shared Basalt did not start:\n" << start_error_;

  const Context ctx{basalt_->anon_key(), basalt_->service_role_key(), basalt_->api_port(),
                    std::string(kGoldenJwtSecret)};
  auto c = resolve(raw, ctx);
  ASSERT_TRUE(c) << where << ": " << c.error().message;
  auto res = basalt_->request(c->request, std::chrono::seconds(30));
  ASSERT_TRUE(res) << where << ": no response: " << res.error().message << "\nBasalt log tail:\n"
                   << last_lines(basalt_->log_text(), 20);
  const auto problems = compare(*c, *res);
  if (!problems.empty()) {
    std::string msg = where + "\nrequest: " + raw.request.method + " " + raw.request.target + "\n";
    for (const auto& p : problems) msg += "- " + p + "\n";
    msg += "full response:\n" + shorten(res->describe(), 4000);
    ADD_FAILURE() << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTest, ::testing::ValuesIn(case_indexes()), param_name);

// --- The format itself (no server): mismatches must be reported -------------------------------

GoldenCase one_case(std::string_view text) {
  auto cases = parse_cases(text, "inline.http");
  EXPECT_EQ(cases.size(), 1u);
  return cases.empty() ? GoldenCase{} : cases.front();
}

HttpResponse response(int status, Headers headers, std::string body) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

TEST(GoldenFormat, ParsesRequestAndExpectations) {
  auto c = one_case(
      "# name: demo/one\n"
      "POST /rest/v1/todos?select=id\n"
      "apikey: {{anon_key}}\n"
      "Content-Type: application/json\n"
      "\n"
      "{\"title\":\"x\"}\n"
      "----\n"
      "201 Created\n"
      "Content-Type: application/json\n"
      "X-Request-Id: <present>\n"
      "Location: <absent>\n"
      "Etag: <regex> W/\"[0-9]+\"\n"
      "{\"id\": 1}\n");
  ASSERT_EQ(c.error, "");
  EXPECT_EQ(c.name, "demo/one");
  EXPECT_EQ(c.request.method, "POST");
  EXPECT_EQ(c.request.target, "/rest/v1/todos?select=id");
  ASSERT_EQ(c.request.headers.size(), 2u);
  EXPECT_EQ(c.request.headers[0], (std::pair<std::string, std::string>{"apikey", "{{anon_key}}"}));
  EXPECT_EQ(c.request.body, "{\"title\":\"x\"}");
  EXPECT_EQ(c.status, 201);
  ASSERT_EQ(c.headers.size(), 4u);
  EXPECT_EQ(c.headers[1].kind, HeaderExpectation::Kind::present);
  EXPECT_EQ(c.headers[2].kind, HeaderExpectation::Kind::absent);
  EXPECT_EQ(c.headers[3].kind, HeaderExpectation::Kind::regex);
  EXPECT_EQ(c.body.kind, BodyExpectation::Kind::json);
}

TEST(GoldenFormat, SplitsCasesAndNamesUnnamedOnes) {
  auto cases = parse_cases("GET /a\n----\n200\n====\n\nGET /b\n----\n404\n<any>\n====\n", "f.http");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].name, "f.http#1");
  EXPECT_EQ(cases[1].name, "f.http#2");
  EXPECT_EQ(cases[1].line, 6);
  EXPECT_EQ(cases[0].body.kind, BodyExpectation::Kind::empty);
  EXPECT_EQ(cases[1].body.kind, BodyExpectation::Kind::any);
}

TEST(GoldenFormat, ReportsMalformedCases) {
  EXPECT_NE(one_case("GET /a\n200\n").error, "");                           // no ----
  EXPECT_NE(one_case("GET /a\n----\nOK\n").error, "");                      // no status
  EXPECT_NE(one_case("# setup: select 1\nGET /a\n----\n200\n").error, "");  // reserved
  EXPECT_EQ(one_case("# note: fine\nGET /a\n----\n200\n").error, "");       // a comment
  EXPECT_NE(one_case("GET /a\nnot a header\n----\n200\n").error, "");
}

TEST(GoldenFormat, DetectsEveryKindOfMismatch) {
  auto c = one_case(
      "GET /x\n----\n401\nA: 1\nB: <present>\nC: <absent>\nD: <regex> [a-f]+\n"
      "{\"m\":\"x\",\"n\":[1,2]}\n");
  ASSERT_EQ(c.error, "");
  const Headers good{{"a", "1"}, {"B", "z"}, {"D", "abc"}};
  EXPECT_TRUE(compare(c, response(401, good, R"({"n":[1,2.0],"m":"x"})")).empty());
  EXPECT_EQ(compare(c, response(200, good, R"({"m":"x","n":[1,2]})")).size(), 1u);
  EXPECT_EQ(
      compare(c, response(401, {{"A", "2"}, {"B", "z"}, {"D", "abc"}}, R"({"m":"x","n":[1,2]})"))
          .size(),
      1u);
  EXPECT_EQ(compare(c, response(401, {{"A", "1"}, {"D", "abc"}}, R"({"m":"x","n":[1,2]})")).size(),
            1u);
  EXPECT_EQ(compare(c, response(401, {{"A", "1"}, {"B", "z"}, {"C", "y"}, {"D", "abc"}},
                                R"({"m":"x","n":[1,2]})"))
                .size(),
            1u);
  EXPECT_EQ(
      compare(c, response(401, {{"A", "1"}, {"B", "z"}, {"D", "xyz"}}, R"({"m":"x","n":[1,2]})"))
          .size(),
      1u);
  auto body = compare(c, response(401, good, R"({"m":"x","n":[1,3]})"));
  ASSERT_EQ(body.size(), 1u);
  EXPECT_NE(body[0].find("/n/1"), std::string::npos) << body[0];
  EXPECT_EQ(compare(c, response(401, good, R"({"m":"x","n":[1,2],"extra":null})")).size(), 1u);
  EXPECT_EQ(compare(c, response(401, good, R"({"m":"x"})")).size(), 1u);
  EXPECT_EQ(compare(c, response(401, good, "not json")).size(), 1u);
}

TEST(GoldenFormat, TextBodiesAndWildcards) {
  auto text = one_case("GET /x\n----\n200\n\nhello\n");
  EXPECT_EQ(text.body.kind, BodyExpectation::Kind::text);
  EXPECT_TRUE(compare(text, response(200, {}, "hello\n")).empty());
  EXPECT_FALSE(compare(text, response(200, {}, "hello!")).empty());
  auto empty = one_case("HEAD /x\n----\n200\n");
  EXPECT_FALSE(compare(empty, response(200, {}, "x")).empty());
  auto contains = one_case("GET /x\n----\n200\n<contains> a\n<contains> c\n");
  EXPECT_TRUE(compare(contains, response(200, {}, "abc")).empty());
  EXPECT_FALSE(compare(contains, response(200, {}, "ab")).empty());
  auto wild = one_case("GET /x\n----\n200\n{\"id\":\"<any>\",\"s\":\"<regex> [0-9]+\"}\n");
  EXPECT_TRUE(compare(wild, response(200, {}, R"({"id":[1],"s":"42"})")).empty());
  EXPECT_FALSE(compare(wild, response(200, {}, R"({"id":[1],"s":"4x"})")).empty());
}

TEST(GoldenFormat, Placeholders) {
  const Context ctx{"A", "S", 7};
  EXPECT_EQ(*substitute("k={{anon_key}},{{service_role_key}}:{{api_port}}", ctx), "k=A,S:7");
  EXPECT_EQ(*substitute("{{repeat:3:ab}}", ctx), "ababab");
  EXPECT_FALSE(substitute("{{nope}}", ctx));
}

}  // namespace
}  // namespace basalt::harness
