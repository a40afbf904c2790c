// Conversions follow mapstructure's weakly-typed decoding as the CLI configures it: strings
// become numbers and booleans, scalars become one-element lists, a string list may be written
// "a,b", and env(NAME) is replaced only when NAME is set and non-empty.
#include "config/document.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include "config/values.hpp"

namespace basalt::config::detail {
namespace {

bool is_bare_key(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

bool is_index(std::string_view component) {
  return !component.empty() && component[0] == '[';
}

std::string index_component(std::size_t i) {
  return "[" + std::to_string(i) + "]";
}

std::string describe(const toml::node& node) {
  if (const auto* s = node.as_string()) return quote(s->get());
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return format_go_float(f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (node.is_array()) return "an array";
  if (node.is_table()) return "a table";
  return "a date/time";
}

// What mapstructure's weak decoding turns a scalar into when a string is wanted.
std::optional<std::string> scalar_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return format_go_float(f->get());
  if (const auto* b = node.as_boolean()) return std::string(b->get() ? "1" : "0");
  return std::nullopt;
}

std::string int_expectation(const Spec& spec) {
  if (spec.min == 0 && spec.max == std::numeric_limits<std::int32_t>::max()) {
    return "expected a non-negative integer";
  }
  return "expected an integer " + std::to_string(spec.min) + "-" + std::to_string(spec.max);
}

std::string choice_list(const Spec& spec) {
  std::string out;
  for (std::size_t i = 0; i < spec.choices.size(); ++i) {
    if (i > 0) out += i + 1 == spec.choices.size() ? " or " : ", ";
    out += quote(spec.choices[i]);
  }
  return out;
}

std::string with_source(const toml::node& node, const std::string& via) {
  std::string out = describe(node);
  if (!via.empty()) out += " (from env(" + via + "))";
  return out;
}

bool is_leaf(Kind kind) {
  return kind != Kind::kTable && kind != Kind::kMap && kind != Kind::kTableArray;
}

}  // namespace

std::string dotted(const Path& path) {
  std::string out;
  for (const auto& component : path) {
    if (is_index(component)) {
      out += component;
      continue;
    }
    if (!out.empty()) out += '.';
    out += is_bare_key(component) ? component : quote(component);
  }
  return out;
}

std::string override_variable(const Path& path) {
  std::string out = "SUPABASE";
  for (const auto& component : path) {
    out += '_';
    for (char c : component) {
      out += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

void fill_defaults(toml::table& doc, const toml::table& defaults) {
  for (auto&& [key, value] : defaults) {
    toml::node* existing = doc.get(key.str());
    if (existing == nullptr) {
      doc.insert(key, value);
    } else if (existing->is_table() && value.is_table()) {
      fill_defaults(*existing->as_table(), *value.as_table());
    }
  }
}

Document::Document(toml::table& doc, const EnvLookup& env, std::string file_label,
                   std::vector<std::string>& warnings)
    : doc_(doc), env_(env), file_label_(std::move(file_label)), warnings_(warnings) {}

std::string Document::where(const Path& path) const {
  Path p = path;
  while (true) {
    if (auto it = origins_.find(p); it != origins_.end()) return it->second;
    if (p.empty()) return file_label_;
    p.pop_back();
  }
}

Error Document::error(const Path& path, const std::string& message) const {
  return config_error(where(path) + ": " + dotted(path) + ": " + message);
}

void Document::warn(const Path& path, const std::string& message) {
  warnings_.push_back(where(path) + ": " + dotted(path) + ": " + message);
}

void Document::apply_overrides() {
  Path path;
  override_table(doc_, root_spec(), path);
}

void Document::override_table(toml::table& table, const Spec& spec, Path& path) {
  if (spec.kind == Kind::kMap) {
    // Only entries the document has: the CLI's struct has no keys for absent map entries.
    std::vector<std::string> keys;
    for (auto&& [key, node] : table) keys.emplace_back(key.str());
    for (const auto& key : keys) {
      path.push_back(key);
      toml::node* node = table.get(key);
      if (is_leaf(spec.element->kind)) {
        override_leaf(table, key, path);
      } else if (spec.element->kind != Kind::kTableArray && node->is_table()) {
        override_table(*node->as_table(), *spec.element, path);
      }
      path.pop_back();
    }
    return;
  }
  for (const auto& [name, child] : spec.fields) {
    // The CLI applies [remotes.*] only to a linked project, which Basalt never is.
    if (path.empty() && name == "remotes") continue;
    path.push_back(name);
    toml::node* node = table.get(name);
    switch (child->kind) {
      case Kind::kTable:
        if (node != nullptr && node->is_table()) {
          override_table(*node->as_table(), *child, path);
        } else if (node == nullptr && !child->presence_only) {
          toml::table fresh;
          override_table(fresh, *child, path);
          if (!fresh.empty()) table.insert(name, std::move(fresh));
        }
        break;
      case Kind::kMap:
        if (node != nullptr && node->is_table()) override_table(*node->as_table(), *child, path);
        break;
      case Kind::kTableArray:
        break;
      default:
        override_leaf(table, name, path);
    }
    path.pop_back();
  }
}

void Document::override_leaf(toml::table& table, const std::string& key, Path& path) {
  std::string variable = override_variable(path);
  std::optional<std::string> value = env_(variable);
  if (!value || value->empty()) return;
  table.insert_or_assign(key, *value);
  origins_[path] = "environment variable " + variable;
}

void Document::remember(const Path& path, const toml::key& key, const toml::node& node) {
  if (origins_.count(path) != 0) return;  // set by an override
  for (const toml::source_region* region : {&key.source(), &node.source()}) {
    if (region->path && *region->path == file_label_ && region->begin.line > 0) {
      origins_[path] = file_label_ + ":" + std::to_string(region->begin.line);
      return;
    }
  }
}

Status Document::normalize() {
  Path path;
  return walk_table(doc_, root_spec(), path);
}

Status Document::walk_table(toml::table& table, const Spec& spec, Path& path) {
  std::vector<std::string> keys;
  for (auto&& [key, node] : table) keys.emplace_back(key.str());
  for (const auto& key : keys) {
    auto it = table.find(key);
    const Spec* child = spec.kind == Kind::kMap ? spec.element.get() : spec.field(key);
    path.push_back(key);
    remember(path, it->first, it->second);
    Status status;
    if (child == nullptr) {
      warnings_.push_back(where(path) + ": unknown key " + quote(dotted(path)) + " (ignored)");
      table.erase(it);
    } else {
      status = walk_value(table, key, *child, path);
    }
    path.pop_back();
    if (!status) return status;
  }
  return {};
}

Status Document::walk_value(toml::table& parent, const std::string& key, const Spec& spec,
                            Path& path) {
  toml::node& node = *parent.get(key);
  switch (spec.kind) {
    case Kind::kTable:
    case Kind::kMap:
      if (!node.is_table()) return error(path, "expected a table, got " + describe(node));
      return walk_table(*node.as_table(), spec, path);
    case Kind::kTableArray: {
      toml::array* array = node.as_array();
      if (array == nullptr) {
        return error(path, "expected an array of tables, got " + describe(node));
      }
      for (std::size_t i = 0; i < array->size(); ++i) {
        path.push_back(index_component(i));
        toml::table* element = (*array)[i].as_table();
        Status status = element == nullptr
                            ? Status(error(path, "expected a table, got " + describe((*array)[i])))
                            : walk_table(*element, *spec.element, path);
        path.pop_back();
        if (!status) return status;
      }
      return {};
    }
    default:
      return convert_leaf(parent, key, spec, path);
  }
}

std::string Document::substitute(toml::node& node) {
  toml::value<std::string>* text = node.as_string();
  if (text == nullptr) return {};
  std::optional<std::string> name = env_reference(text->get());
  if (!name) return {};
  std::optional<std::string> value = env_(*name);
  if (!value || value->empty()) return {};
  text->get() = *value;
  return *name;
}

Status Document::convert_leaf(toml::table& parent, const std::string& key, const Spec& spec,
                              const Path& path) {
  toml::node& node = *parent.get(key);
  if (spec.kind == Kind::kStrings) {
    if (toml::array* array = node.as_array()) {
      toml::array out;
      for (std::size_t i = 0; i < array->size(); ++i) {
        toml::node& element = (*array)[i];
        std::string via = substitute(element);
        std::optional<std::string> text = scalar_text(element);
        if (!text) {
          Path at = path;
          at.push_back(index_component(i));
          return error(at, "expected a string, got " + with_source(element, via));
        }
        out.push_back(*text);
      }
      parent.insert_or_assign(key, std::move(out));
      return {};
    }
    std::string via = substitute(node);
    std::optional<std::string> text = scalar_text(node);
    if (!text) return error(path, "expected an array of strings, got " + describe(node));
    toml::array out;
    if (node.is_string()) {
      // A string list written as one string, e.g. from SUPABASE_API_SCHEMAS=public,api.
      std::string_view rest = *text;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        out.push_back(std::string(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
        if (rest.empty()) out.push_back(std::string());
      }
    } else {
      out.push_back(*text);
    }
    parent.insert_or_assign(key, std::move(out));
    return {};
  }

  std::string via = substitute(node);
  switch (spec.kind) {
    case Kind::kBool: {
      if (node.is_boolean()) return {};
      std::optional<bool> value;
      if (const auto* i = node.as_integer()) {
        value = i->get() != 0;
      } else if (const auto* f = node.as_floating_point()) {
        value = f->get() != 0;
      } else if (const auto* s = node.as_string()) {
        value = s->get().empty() ? std::optional<bool>(false) : parse_go_bool(s->get());
      }
      if (!value) return error(path, "expected true or false, got " + with_source(node, via));
      parent.insert_or_assign(key, *value);
      return {};
    }
    case Kind::kInt: {
      std::optional<std::int64_t> value;
      if (const auto* i = node.as_integer()) {
        value = i->get();
      } else if (const auto* f = node.as_floating_point()) {
        double d = f->get();
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e18) {
          value = static_cast<std::int64_t>(d);
        }
      } else if (const auto* s = node.as_string()) {
        value = s->get().empty() ? std::optional<std::int64_t>(0) : parse_go_int(s->get());
      }
      if (!value || *value < spec.min || *value > spec.max) {
        return error(path, int_expectation(spec) + ", got " + with_source(node, via));
      }
      if (!node.is_integer()) parent.insert_or_assign(key, *value);
      return {};
    }
    case Kind::kString:
    case Kind::kEnum: {
      std::optional<std::string> text = scalar_text(node);
      if (!text) return error(path, "expected a string, got " + describe(node));
      if (spec.kind == Kind::kEnum) {
        bool known = false;
        for (const auto& choice : spec.choices) known = known || choice == *text;
        if (!known) {
          return error(path,
                       "expected one of " + choice_list(spec) + ", got " + with_source(node, via));
        }
      }
      if (!node.is_string()) parent.insert_or_assign(key, *text);
      return {};
    }
    case Kind::kSize: {
      const std::string expected = "expected a size like \"50MiB\" or \"500KB\", got ";
      if (const auto* i = node.as_integer()) {
        if (i->get() < 0) return error(path, expected + describe(node));
        parent.insert_or_assign(key, std::to_string(i->get()));
        return {};
      }
      const auto* s = node.as_string();
      if (s == nullptr || !parse_size(s->get())) {
        return error(path, expected + with_source(node, via));
      }
      return {};
    }
    case Kind::kDuration: {
      if (const auto* i = node.as_integer()) {
        // A bare number is a count of nanoseconds to the CLI's decoder.
        parent.insert_or_assign(key, std::to_string(i->get()) + "ns");
        return {};
      }
      const auto* s = node.as_string();
      if (s == nullptr || !parse_duration(s->get())) {
        return error(path, "expected a duration like \"1s\", \"5m\" or \"1h30m\", got " +
                               with_source(node, via));
      }
      return {};
    }
    default:
      return {};
  }
}

}  // namespace basalt::config::detail
