// Internal to the jwt module: the precise reason behind a VerifyError. PostgREST and GoTrue
// word their errors at this finer grain, so verify() records the reason as a tag in
// Error::internal (also useful in logs) and the wire-error mappers read it back.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "jwt/jwt.hpp"

namespace basalt::jwt::detail {

enum class Reason {
  empty,
  too_long,
  parts,  // arg: number of '.'-separated parts
  header_base64,
  payload_base64,
  signature_base64,
  header_json,
  header_not_object,
  header_field_type,  // arg: field name
  alg_missing,
  alg_rejected,  // arg: the alg when it is a registered JWS name (or "none"), else empty
  jwe,
  no_secret,
  unknown_kid,     // asymmetric alg: the header's kid names no key of the key set
  wrong_key_type,  // asymmetric alg: the kid names a key of another alg
  signature,
  claims_json,
  exp_type,
  exp,
  nbf_type,
  nbf,
  iat_type,
  iat,
  aud_type,
  aud,
  role_type,
};

struct ReasonInfo {
  Reason reason;
  std::string arg;
};

VerifyError kind_of(Reason reason);

// "none" or a JWS alg registered by RFC 7518 / RFC 8037 (HS*, RS*, PS*, ES*, EdDSA). Only
// these are echoed back in the reason tag, so user input never reaches logs or messages.
bool is_registered_alg(std::string_view alg);

// "jwt:<name>" or "jwt:<name>:<arg>"; arg must be printable ASCII (callers ensure it).
std::string encode_reason(Reason reason, std::string_view arg = {});
std::optional<ReasonInfo> decode_reason(std::string_view internal);

}  // namespace basalt::jwt::detail
