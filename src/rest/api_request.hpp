// Stage 1 of the REST pipeline: an HTTP request below /rest/v1 turned into PostgREST's
// ApiRequest — resource, action, schema profile, parsed query, row ranges, Prefer, Accept,
// Content-Type and the request body (JSON/CSV/form) — without touching the schema cache.
// Errors carry PostgREST's codes: PGRST100-103, 114, 117, 122, 125 (and 106 when schemas given).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "rest/query_parser.hpp"

namespace basalt::rest::req {

// ---------------------------------------------------------------------------------------------
// Input

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct RawRequest {
  std::string method;  // "GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", ... (as sent)
  // Path below /rest/v1, still percent-encoded: "/todos", "/rpc/fn", "/" (or ""). Segments are
  // decoded here, so a "%2F" inside a name does not split it.
  std::string path;
  std::string query;   // raw query string without '?'
  HeaderList headers;  // names in any case; repeated headers allowed (Prefer)
  std::string body;    // bytes as received
};

// Looks a header up case-insensitively (first occurrence).
std::optional<std::string_view> find_header(const HeaderList& headers, std::string_view name);

struct ParseOptions {
  // Exposed schemas (db-schemas), first = default. Empty: no check here; `schema` then stays the
  // raw profile value (or "") and the planner validates it (PGRST106).
  std::vector<std::string> schemas;
  bool allow_tx_override = false;  // db-tx-end *-allow-override: honour Prefer: tx=
  ParseLimits limits;
  std::vector<std::string> ignored_params;  // query keys dropped up front, e.g. "apikey"
};

// ---------------------------------------------------------------------------------------------
// Media types (Accept / Content-Type), as PostgREST's MediaType.hs classifies them

enum class MediaKind {
  json,          // application/json, and application/vnd.pgrst.array(+json) without nulls=stripped
  geo_json,      // application/geo+json
  csv,           // text/csv
  text_plain,    // text/plain
  text_xml,      // text/xml
  openapi,       // application/openapi+json
  url_encoded,   // application/x-www-form-urlencoded
  octet_stream,  // application/octet-stream
  any,           // */*
  array_json_strip,  // application/vnd.pgrst.array+json;nulls=stripped
  singular_json,     // application/vnd.pgrst.object(+json)[;nulls=stripped]
  plan,              // application/vnd.pgrst.plan(+json|+text)[;for="..."][;options=a|b]
  other,             // anything else (application/*, image/png, ...): kept as text
};

struct MediaType {
  MediaKind kind = MediaKind::any;
  bool nulls_stripped = false;  // singular_json: `;nulls=stripped`
  std::string text;             // other: the media type as sent (Accept: spaces removed)
  // kind == plan:
  bool plan_json = false;                // +json output (else text)
  MediaKind plan_for = MediaKind::json;  // the `for` media type (default application/json)
  bool plan_for_stripped = false;        // `for` is an object/array type with nulls=stripped
  std::string plan_for_text;             // `for` is kind other: its text
  std::vector<std::string>
      plan_options;  // subset of analyze, verbose, settings, buffers, wal (in that order)
  bool operator==(const MediaType&) const = default;
};

// One media type (Content-Type value, or one Accept element) → its kind. Case-insensitive type,
// parameters after ';' read for nulls=, for=, options=.
MediaType parse_media_type(std::string_view text);
// Accept header → media types in preference order: q-values (default 1, q=0 kept, as
// PostgREST/wai does), then specificity; stable. Missing header → {any}; empty header → {}.
std::vector<MediaType> parse_accept(std::optional<std::string_view> header);
// PostgREST's toMime: "application/json", "application/vnd.pgrst.object+json;nulls=stripped",
// `application/vnd.pgrst.plan+text; for="application/json"; options=analyze|verbose`, ...
std::string to_mime(const MediaType& mt);
// What a media type handler is looked up by: the lowercase mime type, for the plan media type
// the type it is `for` ("text/plain", "application/vnd.twkb", "*/*").
std::string media_key(const MediaType& mt);
// PGRST107 (406) "None of these media types are available: a, b" for when nothing matches.
Error media_type_error(const std::vector<MediaType>& accepted);

// ---------------------------------------------------------------------------------------------
// Prefer

enum class PreferResolution { merge_duplicates, ignore_duplicates };
enum class PreferReturn { representation, minimal, headers_only };
enum class PreferCount { exact, planned, estimated };
enum class PreferTx { commit, rollback };
enum class PreferMissing { apply_default, apply_null };
enum class PreferHandling { strict, lenient };

// Each field: the first matching preference across all Prefer headers (comma-separated, trimmed).
struct Preferences {
  std::optional<PreferResolution> resolution;  // resolution=merge-duplicates|ignore-duplicates
  std::optional<PreferReturn> representation;  // return=representation|minimal|headers-only
  std::optional<PreferCount> count;            // count=exact|planned|estimated
  std::optional<PreferTx> transaction;         // tx=commit|rollback (only if allow_tx_override)
  std::optional<PreferMissing> missing;        // missing=default|null
  std::optional<PreferHandling> handling;      // handling=strict|lenient
  std::optional<std::string> timezone;         // timezone=X (raw; validity checked by the planner)
  std::optional<long long> max_affected;       // max-affected=N (nullopt if N is not a number)
  std::vector<std::string> invalid;            // unrecognised items, as sent (trimmed)
  bool operator==(const Preferences&) const = default;
};

Preferences parse_preferences(const HeaderList& headers, bool allow_tx_override);
// Preference-Applied value for the given (applied) preferences, in PostgREST's order:
// resolution, missing, return, count, tx, handling, timezone, max-affected (only with
// handling=strict). "" when none. The caller clears what it did not apply.
std::string preference_applied(const Preferences& prefs);
// PGRST122 (400) when handling=strict and some preference is invalid; PostgREST raises it after
// planning, so the planner calls this at that point.
std::optional<Error> strict_preferences_error(const Preferences& prefs);

// ---------------------------------------------------------------------------------------------
// Body

struct CsvTable {
  std::vector<std::string> header;  // first line
  std::vector<std::vector<std::optional<std::string>>>
      rows;  // "NULL" → nullopt; blank lines skipped
};

struct Payload {
  enum class Kind {
    json,         // parsed JSON (or CSV/form converted to JSON): `keys` are known
    url_encoded,  // RPC POST with a form body: `form` holds the arguments
    raw_json,     // JSON not parsed because ?columns= was given: the DB validates it
    raw,          // RPC POST with text/plain, text/xml or application/octet-stream
  } kind = Kind::json;
  // json: the JSON document for the DB — the body as sent, "{}" for an empty RPC body, "[]" for
  // a top-level scalar/null (PostgREST truncates those), or the JSON made from CSV/form.
  // raw_json / raw: the body as sent.
  std::string raw;
  bool is_array = false;          // json: the document is an array (bulk insert)
  std::vector<std::string> keys;  // json/url_encoded: object keys, sorted, unique
  std::vector<std::pair<std::string, std::string>> form;  // url_encoded: decoded pairs in order
  std::optional<CsvTable> csv;                            // set when the body was text/csv
};

// ---------------------------------------------------------------------------------------------
// The request

enum class ResourceKind {
  relation,  // /table
  routine,   // /rpc/fn
  schema,    // / (OpenAPI root; the planner maps it to db-root-spec or PGRST126 if configured)
};

enum class Action {
  read,           // GET/HEAD on a table, /rpc/fn, or the root
  create,         // POST on a table
  update,         // PATCH
  single_upsert,  // PUT
  remove,         // DELETE
  invoke,         // POST on /rpc/fn
  info,           // OPTIONS
};

enum class ProfileHeader { accept_profile, content_profile };

// Rows [offset, offset + limit). PostgREST's NonnegRange reduced to what SQL needs.
struct RowRange {
  long long offset = 0;            // rows to skip (negative only if the client sent offset=-N)
  std::optional<long long> limit;  // rows to return; nullopt = all; 0 for limit=0
  // PostgREST's ranges are unbounded integers: a limit/offset beyond bigint (then saturated
  // above) keeps its decimal text here, for Postgres to refuse (22003) as it refuses PostgREST's.
  std::optional<std::string> limit_text, offset_text;
  bool operator==(const RowRange&) const = default;
};

struct EmbedRange {
  EmbedPath path;  // {"clients"} for clients.limit / clients.offset
  RowRange range;
  bool operator==(const EmbedRange&) const = default;
};

struct ApiRequest {
  std::string method;  // as sent
  ResourceKind resource = ResourceKind::relation;
  std::string name;  // table/view or function name (decoded); "" for the root
  Action action = Action::read;
  bool headers_only = false;  // HEAD
  bool rpc_read() const { return resource == ResourceKind::routine && action == Action::read; }

  // Schema: Accept-Profile for GET/HEAD/OPTIONS (and others), Content-Profile for
  // POST/PATCH/PUT/DELETE — `profile_header` says which one was consulted.
  ProfileHeader profile_header = ProfileHeader::accept_profile;
  std::optional<std::string> profile;  // that header's value, if sent
  // With ParseOptions::schemas: the validated schema (profile or the first schema) and whether
  // it was negotiated (profile sent, or several schemas exposed). Without: profile or "".
  std::string schema;
  bool negotiated_by_profile = false;

  QueryParams query;

  // Top-level rows: limit/offset combined with the Range header (GET only), as PostgREST.
  RowRange range;
  std::vector<EmbedRange> embed_ranges;     // rel.limit / rel.offset, sorted by path
  std::optional<std::string> range_header;  // the Range header as sent (any method)

  std::optional<Payload> payload;  // POST/PATCH/PUT on tables, POST on /rpc; else nullopt
  // PostgREST's iColumns: the payload's keys, or ?columns= when the body was kept raw; sorted.
  std::vector<std::string> columns;

  Preferences preferences;
  std::vector<MediaType> accept;  // preference order; {any} when no Accept header
  MediaType content_type;         // Content-Type (default application/json)
};

// The whole stage. Checks in PostgREST's order: path (PGRST125), schema (PGRST106, only with
// options.schemas), method (PGRST101/117), query (PGRST100), ranges (PGRST103/114), body
// (PGRST102). Invalid preferences and Accept are NOT errors here (see helpers above).
Result<ApiRequest> parse_api_request(const RawRequest& request, const ParseOptions& options = {});

// The body alone (exposed for tests and the planner): what PostgREST's getPayload does.
Result<std::optional<Payload>> parse_payload(
    std::string_view body, const MediaType& content_type, ResourceKind resource, Action action,
    const std::optional<std::vector<std::string>>& columns);

// Range header (`0-9`, `10-`) and limit/offset → top-level and embedded ranges, with
// PostgREST's PGRST103 (416) / PGRST114 (400) errors.
struct Ranges {
  RowRange top;
  std::vector<EmbedRange> embeds;
};
Result<Ranges> compute_ranges(std::string_view method, const QueryParams& query,
                              std::optional<std::string_view> range_header);

}  // namespace basalt::rest::req

namespace basalt::rest {
using req::ApiRequest;
using req::parse_api_request;
}  // namespace basalt::rest
