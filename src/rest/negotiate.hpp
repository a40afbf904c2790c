// Content negotiation, as PostgREST's negotiateContent: the first Accept media type the
// resource can produce, from the builtins (JSON, the singular object, CSV, the plan, each
// with nulls=stripped where PostgREST allows it) and the media type handlers in the schema
// cache (domains named after a media type; see MediaHandler).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "rest/api_request.hpp"
#include "rest/schema_cache.hpp"

namespace basalt::rest {

enum class Output { json, object, csv, plan, custom };

struct Negotiated {
  Output output = Output::json;
  const req::MediaType* plan = nullptr;   // output == plan: the media type asked for
  bool single = false;                    // one object (directly, or the plan's `for`)
  bool strip_nulls = false;               // nulls=stripped
  const MediaHandler* handler = nullptr;  // custom, or the plan `for` a custom type
  // The Content-Type of the body (the plan has its own, req::to_mime).
  std::string content_type() const;
};

// `target` is the relation read or written, or for a call the function (its schema with the
// name of the table it returns rows of, if any: PostgREST's relIdentifier). A handler for the
// target itself applies only when the select is the default `*`; "*/*" handlers for the target
// answer every Accept value. nullopt: nothing acceptable (PGRST107).
std::optional<Negotiated> negotiate(const std::vector<req::MediaType>& accept, bool plan_enabled,
                                    const SchemaCache& cache, const QualifiedName& target,
                                    bool default_select);

// Whether `select=` is absent or exactly `*` (PostgREST's hasDefaultSelect).
bool is_default_select(const req::QueryParams& q);

}  // namespace basalt::rest
