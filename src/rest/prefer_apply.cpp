#include "rest/prefer_apply.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>

#include "common/json.hpp"
#include "rest/errors.hpp"

namespace basalt::rest {

std::optional<TxEnd> parse_tx_end(std::string_view text) {
  if (text == "commit") return TxEnd::commit;
  if (text == "commit-allow-override") return TxEnd::commit_allow_override;
  if (text == "rollback") return TxEnd::rollback;
  if (text == "rollback-allow-override") return TxEnd::rollback_allow_override;
  return std::nullopt;
}

bool tx_override_allowed(TxEnd tx_end) {
  return tx_end == TxEnd::commit_allow_override || tx_end == TxEnd::rollback_allow_override;
}

bool ends_in_rollback(TxEnd tx_end, const req::Preferences& prefs) {
  // prefs.transaction is only set when the override is allowed (parse_preferences).
  if (prefs.transaction == req::PreferTx::rollback) return true;
  const bool rollback_all = tx_end == TxEnd::rollback || tx_end == TxEnd::rollback_allow_override;
  return rollback_all && prefs.transaction != req::PreferTx::commit;
}

req::Preferences applied_preferences(const req::Preferences& sent, PlanKind kind,
                                     bool has_conflict_target) {
  req::Preferences p = sent;
  const bool mutation = kind == PlanKind::create || kind == PlanKind::update ||
                        kind == PlanKind::single_upsert || kind == PlanKind::remove;
  if (kind != PlanKind::create || !has_conflict_target) p.resolution.reset();
  if (!mutation) p.representation.reset();
  if (kind != PlanKind::create && kind != PlanKind::update) p.missing.reset();
  if (kind != PlanKind::update && kind != PlanKind::remove && kind != PlanKind::call) {
    p.max_affected.reset();
  }
  p.invalid.clear();
  return p;
}

std::optional<Error> max_affected_error(const req::Preferences& prefs, long long affected) {
  if (!prefs.max_affected || prefs.handling != req::PreferHandling::strict) return std::nullopt;
  if (affected <= *prefs.max_affected) return std::nullopt;
  return pgrst(400, code::kMaxAffected, "Query result exceeds max-affected preference constraint",
               fmt::format("The query affects {} rows", affected));
}

std::optional<Error> max_affected_rpc_error(const req::Preferences& prefs, bool returns_set) {
  if (!prefs.max_affected || prefs.handling != req::PreferHandling::strict || returns_set) {
    return std::nullopt;
  }
  return pgrst(400, code::kMaxAffectedRpc,
               "Function must return SETOF or TABLE when max-affected preference is used with "
               "handling=strict");
}

bool counts_rows(const std::optional<req::PreferCount>& count) {
  return count == req::PreferCount::exact || count == req::PreferCount::estimated;
}

std::optional<long long> count_limit(const std::optional<req::PreferCount>& count,
                                     std::optional<long long> max_rows) {
  if (count != req::PreferCount::estimated || !max_rows) return std::nullopt;
  return *max_rows + 1;
}

bool needs_planned_count(const std::optional<req::PreferCount>& count,
                         std::optional<long long> counted, std::optional<long long> max_rows) {
  if (count == req::PreferCount::planned) return true;
  if (count != req::PreferCount::estimated) return false;
  return !max_rows || (counted && *counted > *max_rows);
}

std::optional<long long> plan_rows(std::string_view explain_json) {
  boost::system::error_code ec;
  auto doc = parse_json(explain_json, ec);
  if (ec || !doc.is_array() || doc.as_array().empty()) return std::nullopt;
  const auto& first = doc.as_array().front();
  if (!first.is_object()) return std::nullopt;
  const auto* plan = first.as_object().if_contains("Plan");
  if (plan == nullptr || !plan->is_object()) return std::nullopt;
  const auto* rows = plan->as_object().if_contains("Plan Rows");
  if (rows == nullptr) return std::nullopt;
  if (rows->is_int64()) return rows->as_int64();
  if (rows->is_uint64() && rows->as_uint64() <= 9223372036854775807ULL) {
    return static_cast<long long>(rows->as_uint64());
  }
  if (rows->is_double()) {
    const double d = rows->as_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
      return static_cast<long long>(d);
    }
  }
  return std::nullopt;
}

std::optional<long long> resolve_total(const std::optional<req::PreferCount>& count,
                                       std::optional<long long> counted,
                                       std::optional<long long> planned,
                                       std::optional<long long> max_rows) {
  if (!count) return std::nullopt;
  switch (*count) {
    case req::PreferCount::exact:
      return counted;
    case req::PreferCount::planned:
      return planned;
    case req::PreferCount::estimated:
      if (!counted) return std::nullopt;
      if (max_rows && *counted <= *max_rows) return counted;
      if (!planned) return std::nullopt;
      return std::max(*counted, *planned);
  }
  return std::nullopt;
}

}  // namespace basalt::rest
