// Follows the rules of joho/godotenv v1.5.1, the reader the Supabase CLI uses, so a .env file
// means the same thing to Basalt and to `supabase start`.
#include "config/dotenv.hpp"

#include <cctype>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

#include "config/values.hpp"

namespace basalt::config::detail {
namespace {

// Blanks that do not end a line.
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

bool is_space(char c) {
  return is_blank(c) || c == '\n';
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// $NAME, ${NAME} (upper case, digits, _) from variables defined earlier in the same file;
// \$ and $( are kept literally minus their first character, as godotenv does.
std::string expand_variables(std::string_view v, const EnvMap& vars) {
  std::string out;
  std::size_t i = 0;
  while (i < v.size()) {
    bool escaped = v[i] == '\\' && i + 1 < v.size() && v[i + 1] == '$';
    if (v[i] != '$' && !escaped) {
      out += v[i++];
      continue;
    }
    std::size_t start = i;
    std::size_t j = i + (escaped ? 2 : 1);
    bool paren = j < v.size() && v[j] == '(';
    if (paren) ++j;
    if (j < v.size() && v[j] == '{') ++j;
    std::size_t name_start = j;
    while (j < v.size() && (std::isupper(static_cast<unsigned char>(v[j])) ||
                            std::isdigit(static_cast<unsigned char>(v[j])) || v[j] == '_')) {
      ++j;
    }
    std::string_view name = v.substr(name_start, j - name_start);
    if (j < v.size() && v[j] == '}') ++j;
    std::string_view match = v.substr(start, j - start);
    if (escaped || paren) {
      out += match.substr(1);
    } else if (!name.empty()) {
      if (auto it = vars.find(std::string(name)); it != vars.end()) out += it->second;
    } else {
      out += match;
    }
    i = j;
  }
  return out;
}

// Double-quoted values: \n and \r become line breaks, then a backslash before anything but $
// is dropped.
std::string expand_escapes(std::string_view v) {
  std::string first;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      char c = v[i + 1];
      if (c == 'n') {
        first += '\n';
      } else if (c == 'r') {
        first += '\r';
      } else {
        first += v.substr(i, 2);
      }
      ++i;
    } else {
      first += v[i];
    }
  }
  std::string out;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (first[i] == '\\' && i + 1 < first.size() && first[i + 1] != '$') {
      out += first[i + 1];
      ++i;
    } else {
      out += first[i];
    }
  }
  return out;
}

Result<std::string> read_file(const std::filesystem::path& path, bool& exists) {
  std::error_code ec;
  exists = std::filesystem::is_regular_file(path, ec);
  if (!exists) return std::string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error(path.string() + ": cannot read the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<EnvMap> parse_dotenv(const std::string& text, const std::string& label) {
  auto fail = [&label](const std::string& why) {
    return config_error(label + ": cannot parse the environment file (" + why + ")");
  };
  std::string src;
  src.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    src += text[i];
  }
  EnvMap out;
  std::string_view rest = src;
  while (true) {
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    if (rest.empty()) break;
    if (rest.front() == '#') {
      auto eol = rest.find('\n');
      if (eol == std::string_view::npos) break;
      rest.remove_prefix(eol);
      continue;
    }
    // Key.
    constexpr std::string_view kExport = "export";
    if (rest.substr(0, kExport.size()) == kExport && rest.size() > kExport.size() &&
        is_blank(rest[kExport.size()])) {
      rest.remove_prefix(kExport.size());
      while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
    }
    std::size_t i = 0;
    bool found = false;
    for (; i < rest.size(); ++i) {
      char c = rest[i];
      if (is_blank(c)) continue;
      if (c == '=' || c == ':') {
        found = true;
        break;
      }
      if (c == '_' || c == '.' || std::isalnum(static_cast<unsigned char>(c)) ||
          static_cast<unsigned char>(c) >= 0x80) {
        continue;
      }
      std::string shown = c == '\n' ? "a line break" : std::string("'") + c + "'";
      return fail("unexpected " + shown + " in a variable name");
    }
    if (!found) return fail("a variable has no value");
    std::string key(trim_blanks(rest.substr(0, i)));
    rest.remove_prefix(i + 1);
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
    // Value.
    if (!rest.empty() && (rest.front() == '"' || rest.front() == '\'')) {
      char q = rest.front();
      std::size_t end = std::string_view::npos;
      for (std::size_t j = 1; j < rest.size(); ++j) {
        if (rest[j] == q && rest[j - 1] != '\\') {
          end = j;
          break;
        }
      }
      if (end == std::string_view::npos) return fail("unterminated quoted value");
      std::string_view body = rest.substr(0, end);
      while (!body.empty() && body.front() == q) body.remove_prefix(1);
      while (!body.empty() && body.back() == q) body.remove_suffix(1);
      out[key] = q == '"' ? expand_variables(expand_escapes(body), out) : std::string(body);
      rest.remove_prefix(end + 1);
      continue;
    }
    std::size_t eol = 0;
    while (eol < rest.size() && rest[eol] != '\n' && rest[eol] != '\r') ++eol;
    std::string_view line = rest.substr(0, eol);
    // An unquoted value ends at " #" (the last one on the line, as godotenv scans backwards).
    for (std::size_t j = line.size(); j-- > 1;) {
      if (line[j] == '#' && is_blank(line[j - 1])) {
        line = line.substr(0, j);
        break;
      }
    }
    out[key] = expand_variables(trim_blanks(line), out);
    rest.remove_prefix(eol);
  }
  return out;
}

Result<EnvMap> project_dotenv(const std::filesystem::path& workdir, const std::string& env) {
  std::string name = env.empty() ? "development" : env;
  std::vector<std::string> files{".env." + name + ".local"};
  if (name != "test") files.push_back(".env.local");
  files.push_back(".env." + name);
  files.push_back(".env");
  EnvMap merged;
  for (const char* dir : {"supabase", ""}) {
    for (const auto& file : files) {
      std::filesystem::path relative = std::filesystem::path(dir) / file;
      bool exists = false;
      Result<std::string> text = read_file(workdir / relative, exists);
      if (!text) return text.error();
      if (!exists) continue;
      Result<EnvMap> vars = parse_dotenv(*text, relative.generic_string());
      if (!vars) return vars.error();
      merged.insert(vars->begin(), vars->end());  // keeps what an earlier file set
    }
  }
  return merged;
}

}  // namespace basalt::config::detail
