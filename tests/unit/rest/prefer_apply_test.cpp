// How Prefer shapes the response (rest/prefer_apply): db-tx-end and Prefer: tx, the
// Preference-Applied set per action, max-affected checks and count=planned|estimated totals.
#include "rest/prefer_apply.hpp"

#include <gtest/gtest.h>

namespace basalt::rest {
namespace {

using req::parse_preferences;
using req::PreferCount;
using req::preference_applied;

req::Preferences prefs(const char* header, bool allow_tx = true) {
  return parse_preferences({{"Prefer", header}}, allow_tx);
}

// ---------------------------------------------------------------------------------------------
// db-tx-end and Prefer: tx

TEST(TxEnd, ParsesPostgrestValues) {
  EXPECT_EQ(parse_tx_end("commit"), TxEnd::commit);
  EXPECT_EQ(parse_tx_end("commit-allow-override"), TxEnd::commit_allow_override);
  EXPECT_EQ(parse_tx_end("rollback"), TxEnd::rollback);
  EXPECT_EQ(parse_tx_end("rollback-allow-override"), TxEnd::rollback_allow_override);
  EXPECT_FALSE(parse_tx_end("Commit"));
  EXPECT_FALSE(parse_tx_end("rollback-all"));
  EXPECT_FALSE(parse_tx_end(""));
}

TEST(TxEnd, OverrideOnlyWithAllowOverride) {
  EXPECT_FALSE(tx_override_allowed(TxEnd::commit));
  EXPECT_TRUE(tx_override_allowed(TxEnd::commit_allow_override));
  EXPECT_FALSE(tx_override_allowed(TxEnd::rollback));
  EXPECT_TRUE(tx_override_allowed(TxEnd::rollback_allow_override));
}

struct RollbackCase {
  TxEnd tx_end;
  const char* prefer;
  bool rollback;
};

TEST(TxEnd, RollbackDecision) {
  // The preference reaches the decision only through parse_preferences, which drops it
  // unless the setting allows the override (as PostgREST's fromHeaders does).
  const RollbackCase cases[] = {
      {TxEnd::commit, "", false},
      {TxEnd::commit, "tx=rollback", false},
      {TxEnd::commit_allow_override, "", false},
      {TxEnd::commit_allow_override, "tx=rollback", true},
      {TxEnd::commit_allow_override, "tx=commit", false},
      {TxEnd::rollback, "", true},
      {TxEnd::rollback, "tx=commit", true},
      {TxEnd::rollback_allow_override, "", true},
      {TxEnd::rollback_allow_override, "tx=commit", false},
      {TxEnd::rollback_allow_override, "tx=rollback", true},
  };
  for (const auto& c : cases) {
    auto p = parse_preferences({{"Prefer", c.prefer}}, tx_override_allowed(c.tx_end));
    EXPECT_EQ(ends_in_rollback(c.tx_end, p), c.rollback)
        << static_cast<int>(c.tx_end) << " / " << c.prefer;
  }
}

TEST(TxEnd, TxListedOnlyWhenHonoured) {
  auto allowed = prefs("tx=rollback, return=minimal", true);
  EXPECT_EQ(preference_applied(applied_preferences(allowed, PlanKind::create, true)),
            "return=minimal, tx=rollback");
  auto refused = prefs("tx=rollback, return=minimal", false);
  EXPECT_EQ(preference_applied(applied_preferences(refused, PlanKind::create, true)),
            "return=minimal");
  // Reads and calls list it too.
  EXPECT_EQ(preference_applied(applied_preferences(prefs("tx=commit"), PlanKind::read, false)),
            "tx=commit");
}

// ---------------------------------------------------------------------------------------------
// Preference-Applied per action (PostgREST's responsePreferences)

TEST(AppliedPreferences, PerAction) {
  auto all = prefs(
      "resolution=merge-duplicates, missing=default, return=representation, count=exact, "
      "handling=strict, timezone=UTC, max-affected=5, bogus");
  auto shown = [&](PlanKind k, bool target) {
    return preference_applied(applied_preferences(all, k, target));
  };
  EXPECT_EQ(shown(PlanKind::create, true),
            "resolution=merge-duplicates, missing=default, return=representation, count=exact, "
            "handling=strict, timezone=UTC");
  // No primary key and no on_conflict: the resolution was not applied.
  EXPECT_EQ(shown(PlanKind::create, false),
            "missing=default, return=representation, count=exact, handling=strict, timezone=UTC");
  EXPECT_EQ(shown(PlanKind::update, true),
            "missing=default, return=representation, count=exact, handling=strict, "
            "timezone=UTC, max-affected=5");
  EXPECT_EQ(shown(PlanKind::single_upsert, true),
            "return=representation, count=exact, handling=strict, timezone=UTC");
  EXPECT_EQ(shown(PlanKind::remove, true),
            "return=representation, count=exact, handling=strict, timezone=UTC, max-affected=5");
  EXPECT_EQ(shown(PlanKind::call, true),
            "count=exact, handling=strict, timezone=UTC, max-affected=5");
  EXPECT_EQ(shown(PlanKind::read, true), "count=exact, handling=strict, timezone=UTC");
}

TEST(AppliedPreferences, MaxAffectedNeedsStrict) {
  EXPECT_EQ(preference_applied(applied_preferences(prefs("handling=lenient, max-affected=1"),
                                                   PlanKind::remove, false)),
            "handling=lenient");
  EXPECT_EQ(
      preference_applied(applied_preferences(prefs("max-affected=1"), PlanKind::remove, false)),
      "");
}

// ---------------------------------------------------------------------------------------------
// max-affected

TEST(MaxAffected, StrictOnlyAndStrictlyGreater) {
  auto strict = prefs("handling=strict, max-affected=2");
  EXPECT_FALSE(max_affected_error(strict, 0));
  EXPECT_FALSE(max_affected_error(strict, 2));
  auto e = max_affected_error(strict, 3);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->code, "PGRST124");
  EXPECT_EQ(e->message, "Query result exceeds max-affected preference constraint");
  EXPECT_EQ(e->details, "The query affects 3 rows");
  EXPECT_FALSE(max_affected_error(prefs("handling=lenient, max-affected=2"), 3));
  EXPECT_FALSE(max_affected_error(prefs("max-affected=2"), 3));
  EXPECT_FALSE(max_affected_error(prefs("handling=strict"), 3));
  EXPECT_TRUE(max_affected_error(prefs("handling=strict, max-affected=0"), 1));
}

TEST(MaxAffected, CallsMustReturnASet) {
  auto strict = prefs("handling=strict, max-affected=2");
  auto e = max_affected_rpc_error(strict, false);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->code, "PGRST128");
  EXPECT_EQ(e->message,
            "Function must return SETOF or TABLE when max-affected preference is used with "
            "handling=strict");
  EXPECT_TRUE(e->details.empty());
  EXPECT_FALSE(max_affected_rpc_error(strict, true));
  EXPECT_FALSE(max_affected_rpc_error(prefs("max-affected=2"), false));
  EXPECT_FALSE(max_affected_rpc_error(prefs("handling=strict"), false));
}

// ---------------------------------------------------------------------------------------------
// count=planned|estimated

TEST(Count, WhichCountsRun) {
  EXPECT_TRUE(counts_rows(PreferCount::exact));
  EXPECT_TRUE(counts_rows(PreferCount::estimated));
  EXPECT_FALSE(counts_rows(PreferCount::planned));
  EXPECT_FALSE(counts_rows(std::nullopt));
  EXPECT_EQ(count_limit(PreferCount::estimated, 1000), 1001);
  EXPECT_FALSE(count_limit(PreferCount::estimated, std::nullopt));
  EXPECT_FALSE(count_limit(PreferCount::exact, 1000));
  EXPECT_TRUE(needs_planned_count(PreferCount::planned, std::nullopt, 1000));
  EXPECT_FALSE(needs_planned_count(PreferCount::estimated, 1000, 1000));
  EXPECT_TRUE(needs_planned_count(PreferCount::estimated, 1001, 1000));
  EXPECT_TRUE(needs_planned_count(PreferCount::estimated, 3, std::nullopt));
  EXPECT_FALSE(needs_planned_count(PreferCount::exact, 5000, 1000));
  EXPECT_FALSE(needs_planned_count(std::nullopt, 5000, 1000));
}

TEST(Count, PlanRowsFromExplainJson) {
  EXPECT_EQ(plan_rows(R"([{"Plan":{"Node Type":"Seq Scan","Plan Rows":1500,"Plan Width":0}}])"),
            1500);
  EXPECT_EQ(plan_rows(R"([{"Plan":{"Plan Rows":0}}])"), 0);
  EXPECT_EQ(plan_rows(R"([{"Plan":{"Plan Rows":12.0}}])"), 12);
  EXPECT_FALSE(plan_rows(R"([{"Plan":{"Plan Rows":1.5}}])"));
  EXPECT_FALSE(plan_rows(R"([{"Plan":{}}])"));
  EXPECT_FALSE(plan_rows(R"([])"));
  EXPECT_FALSE(plan_rows("not json"));
}

TEST(Count, ResolveTotal) {
  // QueryLimitedSpec (max-rows 2): the guess when the count passed max_rows, else exact.
  EXPECT_EQ(resolve_total(PreferCount::estimated, 3, 2019, 2), 2019);
  EXPECT_EQ(resolve_total(PreferCount::estimated, 2, 2019, 2), 2);
  // ...and only if the guess is larger than what was counted.
  EXPECT_EQ(resolve_total(PreferCount::estimated, 3, 1, 2), 3);
  // Without max_rows the estimate always takes part; no estimate means no total.
  EXPECT_EQ(resolve_total(PreferCount::estimated, 7, 5, std::nullopt), 7);
  EXPECT_EQ(resolve_total(PreferCount::estimated, 7, 9, std::nullopt), 9);
  EXPECT_FALSE(resolve_total(PreferCount::estimated, 7, std::nullopt, std::nullopt));
  EXPECT_EQ(resolve_total(PreferCount::planned, std::nullopt, 8, 1000), 8);
  EXPECT_EQ(resolve_total(PreferCount::exact, 7, 9, 1000), 7);
  EXPECT_FALSE(resolve_total(std::nullopt, 7, 9, 1000));
}

}  // namespace
}  // namespace basalt::rest
