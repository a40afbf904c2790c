// Internal to the config module: the key schema of supabase/config.toml (every key the Supabase
// CLI's config struct decodes, with its type) and the helpers that convert values to it.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::config::detail {

enum class Kind {
  kTable,       // fixed set of keys
  kMap,         // any key name, every value has the `element` schema
  kTableArray,  // [[...]] of `element` tables
  kBool,
  kInt,  // [min, max]
  kString,
  kStrings,   // array of strings
  kSize,      // "50MiB" or an integer
  kDuration,  // Go duration string or an integer (nanoseconds)
  kEnum,      // one of `choices`
};

struct Spec {
  Kind kind = Kind::kString;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::vector<std::string> choices;
  std::vector<std::pair<std::string, std::shared_ptr<const Spec>>> fields;
  std::shared_ptr<const Spec> element;
  // The CLI keeps this section behind a pointer: SUPABASE_* overrides reach its keys only
  // when config.toml has the section.
  bool presence_only = false;

  const Spec* field(std::string_view name) const {
    for (const auto& [key, spec] : fields) {
      if (key == name) return spec.get();
    }
    return nullptr;
  }
};

// The schema of the whole file (project_id, [api], ..., [remotes.<name>]).
const Spec& root_spec();

}  // namespace basalt::config::detail
