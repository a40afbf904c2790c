#include "jwt/reason.hpp"

#include <array>
#include <utility>

namespace basalt::jwt::detail {
namespace {

constexpr std::string_view kPrefix = "jwt:";

struct ReasonRow {
  Reason reason;
  std::string_view name;
  VerifyError kind;
};

constexpr std::array kReasons = {
    ReasonRow{Reason::empty, "empty", VerifyError::malformed},
    ReasonRow{Reason::too_long, "too_long", VerifyError::malformed},
    ReasonRow{Reason::parts, "parts", VerifyError::malformed},
    ReasonRow{Reason::header_base64, "header_base64", VerifyError::malformed},
    ReasonRow{Reason::payload_base64, "payload_base64", VerifyError::malformed},
    ReasonRow{Reason::signature_base64, "signature_base64", VerifyError::malformed},
    ReasonRow{Reason::header_json, "header_json", VerifyError::bad_header},
    ReasonRow{Reason::header_not_object, "header_not_object", VerifyError::bad_header},
    ReasonRow{Reason::header_field_type, "header_field_type", VerifyError::bad_header},
    ReasonRow{Reason::alg_missing, "alg_missing", VerifyError::bad_header},
    ReasonRow{Reason::alg_rejected, "alg_rejected", VerifyError::unsupported_alg},
    ReasonRow{Reason::jwe, "jwe", VerifyError::unsupported_alg},
    ReasonRow{Reason::no_secret, "no_secret", VerifyError::bad_signature},
    ReasonRow{Reason::unknown_kid, "unknown_kid", VerifyError::bad_signature},
    ReasonRow{Reason::wrong_key_type, "wrong_key_type", VerifyError::bad_signature},
    ReasonRow{Reason::signature, "signature", VerifyError::bad_signature},
    ReasonRow{Reason::claims_json, "claims_json", VerifyError::bad_claims},
    ReasonRow{Reason::exp_type, "exp_type", VerifyError::bad_claims},
    ReasonRow{Reason::exp, "exp", VerifyError::expired},
    ReasonRow{Reason::nbf_type, "nbf_type", VerifyError::bad_claims},
    ReasonRow{Reason::nbf, "nbf", VerifyError::not_yet_valid},
    ReasonRow{Reason::iat_type, "iat_type", VerifyError::bad_claims},
    ReasonRow{Reason::iat, "iat", VerifyError::not_yet_valid},
    ReasonRow{Reason::aud_type, "aud_type", VerifyError::bad_claims},
    ReasonRow{Reason::aud, "aud", VerifyError::audience_mismatch},
    ReasonRow{Reason::role_type, "role_type", VerifyError::bad_claims},
};

const ReasonRow& row_of(Reason reason) {
  for (const auto& row : kReasons) {
    if (row.reason == reason) return row;
  }
  return kReasons.front();  // unreachable: the table covers every enumerator
}

}  // namespace

VerifyError kind_of(Reason reason) {
  return row_of(reason).kind;
}

bool is_registered_alg(std::string_view alg) {
  static constexpr std::array<std::string_view, 14> kAlgs = {
      "none",  "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
      "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"};
  for (auto known : kAlgs) {
    if (known == alg) return true;
  }
  return false;
}

std::string encode_reason(Reason reason, std::string_view arg) {
  std::string out(kPrefix);
  out += row_of(reason).name;
  if (!arg.empty()) {
    out += ':';
    out += arg;
  }
  return out;
}

std::optional<ReasonInfo> decode_reason(std::string_view internal) {
  if (!internal.starts_with(kPrefix)) return std::nullopt;
  internal.remove_prefix(kPrefix.size());
  const auto colon = internal.find(':');
  const std::string_view name = internal.substr(0, colon);
  const std::string_view arg =
      colon == std::string_view::npos ? std::string_view{} : internal.substr(colon + 1);
  for (const auto& row : kReasons) {
    if (row.name == name) return ReasonInfo{row.reason, std::string(arg)};
  }
  return std::nullopt;
}

}  // namespace basalt::jwt::detail
