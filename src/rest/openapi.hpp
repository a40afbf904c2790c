// The OpenAPI 2.0 (Swagger) description PostgREST serves at the root path (`GET /rest/v1/`):
// a pure builder from the schema cache (paths per table/view and function, definitions per
// table, the shared parameters) and the handler around it (openapi-mode, privilege filtering
// as the request's role, the schema comment, content negotiation).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "db/pool.hpp"
#include "db/transaction.hpp"
#include "http/exchange.hpp"
#include "rest/api_request.hpp"
#include "rest/schema_cache.hpp"

namespace basalt::rest {

// PostgREST's openapi-mode.
enum class OpenApiMode {
  follow_privileges,  // only the tables/functions the request's role may use (default)
  ignore_privileges,  // everything in the schema
  disabled,           // the root answers 404 PGRST126
};

// The PostgREST version the document names (info.version) and its docs link.
inline constexpr std::string_view kOpenApiPostgrestVersion = "14.17";
inline constexpr std::string_view kOpenApiDocsVersion = "v14";

// What goes into one document.
struct OpenApiSpec {
  std::string schema;                         // the request's schema (profile)
  std::optional<std::string> schema_comment;  // COMMENT ON SCHEMA: title, then description
  std::vector<const Table*> tables;           // described tables/views, in order
  std::vector<const Routine*> routines;       // described functions (one per name)
  // Schemas whose names are left out of type names and default expressions, as format_type()
  // and pg_get_expr() print them under a search_path (the cache prints them qualified).
  std::vector<std::string> column_search_path;   // for table columns
  std::vector<std::string> routine_search_path;  // for function parameters
  // host/basePath/schemes: PostgREST's server-host/server-port with basePath "/" unless
  // openapi-server-proxy-uri says otherwise. PostgREST does not know a gateway prefix.
  std::string scheme = "http";
  std::string host = "0.0.0.0";  // PostgREST's default server-host "!4", escaped
  int port = 3000;
  std::string base_path = "/";
  bool security_active = false;  // openapi-security-active
  std::string version{kOpenApiPostgrestVersion};
  std::string docs_version{kOpenApiDocsVersion};
};

// The document. Relationships (for the foreign-key notes) come from `cache`.
boost::json::object build_openapi(const SchemaCache& cache, const OpenApiSpec& spec);

// The pieces, exposed for tests. `pg_type` is a type name as format_type() prints it.
// Swagger type: nullopt for json/jsonb; "array" for `...[]`; unknown types are strings.
std::optional<std::string_view> swagger_type(std::string_view pg_type);
// Swagger format: int32/int64 for smallint/integer/bigint, else the type name itself.
std::string swagger_format(std::string_view pg_type);
// A column default as JSON, PostgREST's way: for string types the literal without its
// `::type` cast and quotes, as a JSON string; for others the expression if it is valid JSON.
std::optional<boost::json::value> swagger_default(std::string_view pg_type,
                                                  std::string_view default_expr);
// `text` with "schema." removed in front of identifiers (outside string literals) for the
// schemas in `search_path`: "public.mood[]" → "mood[]", "extensions.uuid_generate_v4()" →
// "uuid_generate_v4()".
std::string unqualify(std::string_view text, const std::vector<std::string>& search_path);

// The objects of `schema` to describe: every table/view and function (not procedures) when
// the filters are nullopt, else those whose oid is listed. Functions: one per name, the
// overload with the most parameters (PostgREST's last one wins).
std::vector<const Table*> openapi_tables(const SchemaCache& cache, const std::string& schema,
                                         const std::optional<std::vector<std::uint32_t>>& oids);
std::vector<const Routine*> openapi_routines(const SchemaCache& cache, const std::string& schema,
                                             const std::optional<std::vector<std::uint32_t>>& oids);

// The root endpoint (GET/HEAD/OPTIONS on "/"): PGRST126 when disabled, Allow for OPTIONS,
// 406 unless application/openapi+json, application/json or */* is accepted; then, run as the
// request's role in `ctx`, the schema comment (and in follow-privileges mode the accessible
// tables and functions), and the document as application/openapi+json.
boost::asio::awaitable<Result<http::Response>> openapi_response(
    const req::ApiRequest& rq, const SchemaCache& cache, db::Pool& pool, db::RequestContext ctx,
    OpenApiMode mode, std::vector<std::string> extra_search_path, bool authenticated);

}  // namespace basalt::rest
