#include "rest/api_request.hpp"

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cctype>
#include <limits>
#include <map>

#include "rest/parse_engine.hpp"

namespace basalt::rest::req {

namespace {

// ---------------------------------------------------------------------------------------------
// Row ranges: PostgREST's Data.Ranged algebra on integers, reduced to what it uses. A range is
// [lo, hi] (hi absent = unbounded). `canonical_empty` is emptyRange, which only comes out of an
// intersection with an empty operand; other empty ranges keep their bounds (limit=0 → [0,-1]).
// Bounds are unbounded integers, like Haskell's Integer: a limit or offset beyond bigint goes to
// Postgres as its decimal text, which Postgres refuses as it refuses PostgREST's query.

using Int = boost::multiprecision::cpp_int;

struct Rng {
  bool canonical_empty = false;
  Int lo = 0;
  std::optional<Int> hi;
};

bool is_empty(const Rng& r) {
  return r.canonical_empty || (r.hi && *r.hi < r.lo);
}
Rng all_range() {
  return Rng{};
}
Rng geq(Int n) {
  return Rng{false, n, std::nullopt};
}

Rng intersect(const Rng& a, const Rng& b) {
  if (is_empty(a) || is_empty(b)) return Rng{true, 0, std::nullopt};
  Rng r;
  r.lo = std::max(a.lo, b.lo);
  if (a.hi && b.hi) {
    r.hi = std::min(*a.hi, *b.hi);
  } else {
    r.hi = a.hi ? a.hi : b.hi;
  }
  return r;
}

// restrictRange (Just limit) r = r ∩ (-∞, offset r + limit - 1]
Rng restrict_range(const std::optional<Int>& limit, const Rng& r) {
  if (!limit) return r;
  if (is_empty(r)) return Rng{true, 0, std::nullopt};
  Rng out = r;
  Int upper = r.lo + *limit - 1;
  out.hi = r.hi ? std::min(*r.hi, upper) : upper;
  return out;
}

std::optional<Int> range_limit(const Rng& r) {
  if (r.canonical_empty || !r.hi) return std::nullopt;
  return Int(1 + *r.hi - r.lo);
}

bool has_limit_zero(const Rng& r) {
  return !r.canonical_empty && r.hi && *r.hi == -1;
}

bool same_range(const Rng& a, const Rng& b) {
  if (is_empty(a) && is_empty(b)) return true;
  if (is_empty(a) || is_empty(b)) return false;
  return a.lo == b.lo && a.hi == b.hi;
}

// Haskell's readMaybe :: Integer on a parameter value (surrounding spaces, optional '-').
std::optional<Int> read_integer(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  bool neg = false;
  if (!s.empty() && s.front() == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  for (char ch : s) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
  }
  s.remove_prefix(std::min(s.find_first_not_of('0'), s.size() - 1));  // no octal reading
  const std::string digits(s);
  Int v(digits);
  return neg ? Int(-v) : v;
}

// A bound as the plan holds it: the int64 value, saturated; beyond int64 also its exact text.
long long saturated(const Int& v, std::optional<std::string>* text) {
  static const Int kMax = std::numeric_limits<long long>::max();
  static const Int kMin = std::numeric_limits<long long>::min();
  if (v > kMax) {
    if (text != nullptr) *text = v.str();
    return std::numeric_limits<long long>::max();
  }
  if (v < kMin) return std::numeric_limits<long long>::min();
  return static_cast<long long>(v);
}

// rangeParse: "^([0-9]+)-([0-9]*)$", anything else is the whole range.
Rng parse_range_header(std::string_view h) {
  std::size_t dash = h.find('-');
  if (dash == std::string_view::npos || dash == 0) return all_range();
  std::string_view lo = h.substr(0, dash);
  std::string_view hi = h.substr(dash + 1);
  auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(lo) || !digits(hi)) return all_range();
  Int l = *read_integer(lo);
  if (hi.empty()) return geq(l);
  return Rng{false, l, *read_integer(hi)};  // [l, h]; h < l makes it empty
}

RowRange to_row_range(const Rng& r) {
  RowRange out;
  out.offset = r.canonical_empty ? 0 : saturated(r.lo, &out.offset_text);
  if (auto l = range_limit(r)) out.limit = saturated(*l, &out.limit_text);
  return out;
}

Error range_error(std::string details) {
  Error e = Error::make(416, "PGRST103", "Requested range not satisfiable");
  e.details = std::move(details);
  return e;
}

std::string replace_last_segment(std::string_view key, std::string_view with) {
  std::size_t dot = key.rfind('.');
  if (dot == std::string_view::npos) return std::string(with);
  return std::string(key.substr(0, dot + 1)) + std::string(with);
}

// ---------------------------------------------------------------------------------------------
// Path and method

int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// Wai's decodePathSegments: drop one leading '/', split on '/', percent-decode each segment
// (invalid UTF-8 replaced, like its lenient decoding).
std::vector<std::string> path_segments(std::string_view path) {
  std::vector<std::string> out;
  if (path.empty() || path == "/") return out;
  if (path.front() == '/') path.remove_prefix(1);
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view seg = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string dec;
    for (std::size_t i = 0; i < seg.size(); ++i) {
      if (seg[i] == '%' && i + 2 < seg.size() && hex_digit(seg[i + 1]) >= 0 &&
          hex_digit(seg[i + 2]) >= 0) {
        dec.push_back(static_cast<char>(hex_digit(seg[i + 1]) * 16 + hex_digit(seg[i + 2])));
        i += 2;
      } else {
        dec.push_back(seg[i]);
      }
    }
    out.push_back(engine::encode_utf8(engine::decode_utf8(dec)));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace

Result<Ranges> compute_ranges(std::string_view method, const QueryParams& query,
                              std::optional<std::string_view> range_header) {
  // limit / offset parameters keyed by their "…limit" key, as PostgREST's HashMaps.
  std::map<std::string, Rng> limits;
  std::map<std::string, Rng> offsets;
  for (const auto& [k, v] : query.limit_params)
    limits[k] = restrict_range(read_integer(v), all_range());
  for (const auto& [k, v] : query.offset_params) {
    auto o = read_integer(v);
    offsets[replace_last_segment(k, "limit")] = o ? geq(*o) : all_range();
  }
  std::map<std::string, Rng> ranges = offsets;
  for (const auto& [k, rl] : limits) {
    auto it = offsets.find(k);
    if (it == offsets.end()) {
      ranges[k] = rl;
      continue;
    }
    Int l = range_limit(rl).value_or(0);
    const Int& o = it->second.lo;
    ranges[k] = Rng{false, o, Int(o + l - 1)};
  }

  Rng header = (method == "GET" && range_header) ? parse_range_header(*range_header) : all_range();
  auto lit = ranges.find("limit");
  Rng limit_range = lit == ranges.end() ? all_range() : lit->second;
  Rng top = has_limit_zero(limit_range) ? Rng{false, 0, -1} : intersect(header, limit_range);
  if (is_empty(top) && !has_limit_zero(limit_range)) {
    return range_error(is_empty(header) ? "The lower boundary must be lower than or equal to the "
                                          "upper boundary in the Range header."
                                        : "Limit should be greater than or equal to zero.");
  }
  if (method == "PUT" && !same_range(top, all_range())) {
    return Error::make(400, "PGRST114",
                       "limit/offset querystring parameters are not allowed for PUT");
  }
  Ranges out;
  out.top = to_row_range(top);
  for (const auto& [k, r] : ranges) {
    if (k == "limit") continue;
    auto tp = parse_tree_path(k);
    if (!tp.ok()) return std::move(tp).error();
    if (tp->first.empty()) continue;
    out.embeds.push_back(EmbedRange{std::move(tp->first), to_row_range(r)});
  }
  std::sort(out.embeds.begin(), out.embeds.end(),
            [](const EmbedRange& a, const EmbedRange& b) { return a.path < b.path; });
  return out;
}

Result<ApiRequest> parse_api_request(const RawRequest& request, const ParseOptions& options) {
  ApiRequest out;
  out.method = request.method;
  const std::string& m = request.method;

  // Resource (PGRST125).
  auto segs = path_segments(request.path);
  if (segs.empty()) {
    out.resource = ResourceKind::schema;
  } else if (segs.size() == 1) {
    out.resource = ResourceKind::relation;
    out.name = segs[0];
  } else if (segs.size() == 2 && segs[0] == "rpc") {
    out.resource = ResourceKind::routine;
    out.name = segs[1];
  } else {
    return Error::make(404, "PGRST125", "Invalid path specified in request URL");
  }

  // Schema profile (PGRST106 when the exposed schemas are known).
  bool content_side = m == "DELETE" || m == "PATCH" || m == "POST" || m == "PUT";
  out.profile_header =
      content_side ? ProfileHeader::content_profile : ProfileHeader::accept_profile;
  if (auto h = find_header(request.headers, content_side ? "Content-Profile" : "Accept-Profile"))
    out.profile = std::string(*h);
  if (!options.schemas.empty()) {
    if (out.profile) {
      if (std::find(options.schemas.begin(), options.schemas.end(), *out.profile) ==
          options.schemas.end()) {
        Error e = Error::make(406, "PGRST106", "Invalid schema: " + *out.profile);
        e.hint = "Only the following schemas are exposed: ";
        for (std::size_t i = 0; i < options.schemas.size(); ++i) {
          if (i > 0) e.hint += ", ";
          e.hint += options.schemas[i];
        }
        return e;
      }
      out.schema = *out.profile;
      out.negotiated_by_profile = true;
    } else {
      out.schema = options.schemas.front();
      out.negotiated_by_profile = options.schemas.size() != 1;
    }
  } else {
    out.schema = out.profile.value_or("");
    out.negotiated_by_profile = out.profile.has_value();
  }

  // Action (PGRST101 / PGRST117).
  auto unsupported = [&] { return Error::make(405, "PGRST117", "Unsupported HTTP method: " + m); };
  switch (out.resource) {
    case ResourceKind::routine:
      if (m == "HEAD" || m == "GET") {
        out.action = Action::read;
        out.headers_only = m == "HEAD";
      } else if (m == "POST") {
        out.action = Action::invoke;
      } else if (m == "OPTIONS") {
        out.action = Action::info;
      } else {
        return Error::make(405, "PGRST101", "Cannot use the " + m + " method on RPC");
      }
      break;
    case ResourceKind::relation:
      if (m == "HEAD" || m == "GET") {
        out.action = Action::read;
        out.headers_only = m == "HEAD";
      } else if (m == "POST") {
        out.action = Action::create;
      } else if (m == "PUT") {
        out.action = Action::single_upsert;
      } else if (m == "PATCH") {
        out.action = Action::update;
      } else if (m == "DELETE") {
        out.action = Action::remove;
      } else if (m == "OPTIONS") {
        out.action = Action::info;
      } else {
        return unsupported();
      }
      break;
    case ResourceKind::schema:
      if (m == "HEAD" || m == "GET") {
        out.action = Action::read;
        out.headers_only = m == "HEAD";
      } else if (m == "OPTIONS") {
        out.action = Action::info;
      } else {
        return unsupported();
      }
      break;
  }

  // Query string (PGRST100).
  auto qp =
      parse_query_params(request.query, out.rpc_read(), options.limits, options.ignored_params);
  if (!qp.ok()) return std::move(qp).error();
  out.query = std::move(qp).value();

  // Ranges (PGRST103 / PGRST114).
  if (auto h = find_header(request.headers, "Range")) out.range_header = std::string(*h);
  auto ranges = compute_ranges(m, out.query, out.range_header);
  if (!ranges.ok()) return std::move(ranges).error();
  out.range = ranges->top;
  out.embed_ranges = std::move(ranges->embeds);

  // Body (PGRST102).
  auto ct = find_header(request.headers, "Content-Type");
  out.content_type = ct ? parse_media_type(*ct) : MediaType{MediaKind::json};
  auto payload =
      parse_payload(request.body, out.content_type, out.resource, out.action, out.query.columns);
  if (!payload.ok()) return std::move(payload).error();
  out.payload = std::move(payload).value();
  if (out.payload) {
    const Payload& p = *out.payload;
    if (p.kind == Payload::Kind::json || p.kind == Payload::Kind::url_encoded) {
      out.columns = p.keys;
    } else if (p.kind == Payload::Kind::raw_json && out.query.columns) {
      out.columns = *out.query.columns;
    }
  }

  out.preferences = parse_preferences(request.headers, options.allow_tx_override);
  out.accept = parse_accept(find_header(request.headers, "Accept"));
  return out;
}

}  // namespace basalt::rest::req
