// REST errors in PostgREST's wire shape: {"code","details","hint","message"} with the PGRST
// codes (1xx request, 2xx schema cache, 3xx JWT, 5xx/0xx connection) and one SQLSTATE → HTTP
// status table for errors Postgres raises. Retired codes stay listed as comments, never reused.
#pragma once
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "http/exchange.hpp"

namespace basalt::rest {

// PostgREST's error codes that Basalt produces (see Error.hs in PostgREST).
namespace code {
inline constexpr std::string_view kConnection = "PGRST000";         // 503 db connection failed
inline constexpr std::string_view kPoolTimeout = "PGRST003";        // 504 pool acquisition timeout
inline constexpr std::string_view kParse = "PGRST100";              // 400 query string parse error
inline constexpr std::string_view kUnsupportedMethod = "PGRST101";  // 405 rpc method
inline constexpr std::string_view kInvalidBody = "PGRST102";        // 400 empty or invalid json
inline constexpr std::string_view kInvalidRange =
    "PGRST103";  // 416 requested range not satisfiable
inline constexpr std::string_view kInvalidFilters = "PGRST105";   // 405 put with filters
inline constexpr std::string_view kInvalidSchema = "PGRST106";    // 406 schema not exposed
inline constexpr std::string_view kNotAcceptable = "PGRST107";    // 406 media type
inline constexpr std::string_view kNotEmbedded = "PGRST108";      // 400 filter on missing embed
inline constexpr std::string_view kPutMismatch = "PGRST115";      // 400 put body/filter mismatch
inline constexpr std::string_view kSingular = "PGRST116";         // 406 not exactly one row
inline constexpr std::string_view kUnsupportedVerb = "PGRST117";  // 405
inline constexpr std::string_view kMaxAffected = "PGRST124";      // 400 max-affected exceeded
inline constexpr std::string_view kMaxAffectedRpc = "PGRST128";   // 400 max-affected on non-SETOF
inline constexpr std::string_view kSchemaCache = "PGRST002";      // 503 schema cache not loaded
inline constexpr std::string_view kNoRelationship = "PGRST200";   // 400 no relationship found
inline constexpr std::string_view kAmbiguousEmbed = "PGRST201";   // 300 more than one relationship
inline constexpr std::string_view kNoFunction = "PGRST202";       // 404 function not found
inline constexpr std::string_view kAmbiguousFunction = "PGRST203";  // 300 overloaded function
inline constexpr std::string_view kNoColumn = "PGRST204";           // 400 column not found
inline constexpr std::string_view kNoTable = "PGRST205";            // 404 table not found
}  // namespace code

// A PGRST error value (details/hint empty = JSON null).
Error pgrst(int status, std::string_view code, std::string message, std::string details = {},
            std::string hint = {});

// HTTP status for a Postgres error, by SQLSTATE, as PostgREST maps them. `authenticated`
// distinguishes 401 (anonymous) from 403 for insufficient_privilege.
int status_for_sqlstate(std::string_view sqlstate, std::string_view message, bool authenticated);

// Maps an error from the db layer (SQLSTATE in code) to its REST status; connection errors
// become PGRST000/PGRST003. Errors that already carry a PGRST code pass unchanged.
Error from_db_error(Error e, bool authenticated);

// The response: status, JSON body in PostgREST's key order, and for 401 the
// WWW-Authenticate header PostgREST sends.
http::Response error_response(const Error& e);

}  // namespace basalt::rest
