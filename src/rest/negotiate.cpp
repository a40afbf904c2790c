#include "rest/negotiate.hpp"

namespace basalt::rest {

std::string Negotiated::content_type() const {
  switch (output) {
    case Output::object:
      return strip_nulls ? "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8"
                         : "application/vnd.pgrst.object+json; charset=utf-8";
    case Output::csv:
      return "text/csv; charset=utf-8";
    case Output::custom:
      return handler->content_type();
    case Output::json:
    case Output::plan:
      break;
  }
  return strip_nulls ? "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"
                     : "application/json; charset=utf-8";
}

std::optional<Negotiated> negotiate(const std::vector<req::MediaType>& accept, bool plan_enabled,
                                    const SchemaCache& cache, const QualifiedName& target,
                                    bool default_select) {
  // A handler for `key`: the target's any handler or its handler for the key (default select
  // only), then one over anyelement (these override the builtins), then the builtins.
  auto lookup = [&](const std::string& key) -> std::optional<Negotiated> {
    if (cache.has_media_handlers()) {
      const MediaHandler* h = nullptr;
      if (default_select) {
        h = cache.find_media_handler(target.schema, target.name, "*/*");
        if (h == nullptr) h = cache.find_media_handler(target.schema, target.name, key);
      }
      if (h == nullptr) h = cache.find_media_handler("pg_catalog", "anyelement", key);
      if (h != nullptr) return Negotiated{Output::custom, nullptr, false, false, h};
    }
    if (key == "*/*" || key == "application/json") return Negotiated{Output::json};
    if (key == "text/csv") return Negotiated{Output::csv};
    return std::nullopt;
  };
  for (const auto& m : accept) {
    switch (m.kind) {
      case req::MediaKind::singular_json:  // vendor types: never overridden
        return Negotiated{Output::object, nullptr, true, m.nulls_stripped};
      case req::MediaKind::array_json_strip:
        return Negotiated{Output::json, nullptr, false, true};
      case req::MediaKind::plan: {
        if (!plan_enabled) break;
        if (m.plan_for == req::MediaKind::singular_json) {
          return Negotiated{Output::plan, &m, true, m.plan_for_stripped};
        }
        if (m.plan_for == req::MediaKind::array_json_strip) {
          return Negotiated{Output::plan, &m, false, true};
        }
        auto n = lookup(req::media_key(m));
        if (!n) break;
        n->output = Output::plan;
        n->plan = &m;
        return n;
      }
      default:
        if (auto n = lookup(req::media_key(m))) return n;
        break;
    }
  }
  return std::nullopt;
}

bool is_default_select(const req::QueryParams& q) {
  if (q.select.size() != 1) return false;
  const auto& item = q.select.front();
  return item.kind == req::SelectItem::Kind::field && item.field.name == "*" &&
         item.field.json.empty() && !item.aggregate && !item.cast && !item.alias;
}

}  // namespace basalt::rest
