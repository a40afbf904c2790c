// The Auth service's SQL functions (src/platform/sql/R_auth_*.sql) exercised directly, as
// supabase_auth_admin: the shared rate-limit buckets (time as a parameter, several
// connections standing in for several Basalt nodes), refresh-token rotation, and the user's
// email re-derived from its identities when one is unlinked or an address-less user links one.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "harness.hpp"
#include "platform/pg_sync.hpp"

namespace basalt {
namespace {

class AuthSql : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = harness::TestPostgres::create(/*bootstrap=*/true);
    ASSERT_TRUE(made) << made.error().message;
    db_ = std::move(made).value().release();
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  // A connection as the Auth service makes it.
  static platform::PgSync node() {
    auto c = platform::PgSync::connect(db_->pg().conninfo("supabase_auth_admin"));
    EXPECT_TRUE(c) << c.error().message;
    return std::move(c).value();
  }
  static std::string take(platform::PgSync& c, const std::string& key, double now) {
    auto r = c.exec_params(
        "SELECT _basalt.auth_rate_take('sign_in_sign_ups', $1, $2::double precision, "
        "$3::double precision, $4::double precision)",
        {key, std::to_string(now), std::to_string(3.0 / 300), "3"});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::string(r->get(0, 0)) : "";
  }
  static harness::TestPostgres* db_;
};
harness::TestPostgres* AuthSql::db_ = nullptr;

TEST_F(AuthSql, RateLimitBucketIsSharedByEveryNode) {
  auto a = node();
  auto b = node();
  // Three requests per five minutes, spread over two nodes.
  EXPECT_EQ(take(a, "203.0.113.7", 1000), "t");
  EXPECT_EQ(take(b, "203.0.113.7", 1000), "t");
  EXPECT_EQ(take(a, "203.0.113.7", 1001), "t");
  EXPECT_EQ(take(b, "203.0.113.7", 1001), "f");
  EXPECT_EQ(take(a, "198.51.100.1", 1001), "t");  // another client has its own bucket
  EXPECT_EQ(take(b, "203.0.113.7", 1099), "f");   // 0.99 of a token back
  EXPECT_EQ(take(a, "203.0.113.7", 1101), "t");   // one token after 100 s
  EXPECT_EQ(take(b, "203.0.113.7", 1101), "f");
}

TEST_F(AuthSql, RefreshTokenRotationAndReuse) {
  auto c = node();
  const std::string user = "3f0b2b5e-0d55-4a5e-9d6a-6f1c3a9c0001";
  ASSERT_TRUE(c.exec_params(
      "SELECT _basalt.auth_admin_create_user(jsonb_build_object('id', $1::text, 'email', "
      "'rt@example.com', 'aud', 'authenticated', 'password_hash', '', 'actor', 'service_role'))",
      {user}));
  auto started = c.exec_params(
      "SELECT _basalt.auth_start_session(jsonb_build_object('user_id', $1::text, 'method', "
      "'password', 'refresh_token', 'rt-one'))->>'refresh_token'",
      {user});
  ASSERT_TRUE(started) << started.error().message;
  EXPECT_EQ(started->get(0, 0), "rt-one");
  auto refresh = [&](const std::string& token, const std::string& next, int interval) {
    auto r = c.exec_params(
        "SELECT coalesce(x->>'error', x->>'refresh_token') FROM _basalt.auth_refresh("
        "jsonb_build_object('token', $1::text, 'new_token', $2::text, 'reuse_interval', "
        "$3::int, 'rotation', true)) x",
        {token, next, std::to_string(interval)});
    EXPECT_TRUE(r) << r.error().message;
    return r ? std::string(r->get(0, 0)) : "";
  };
  EXPECT_EQ(refresh("rt-one", "rt-two", 10), "rt-two");
  // The parent of the active token: the client lost the answer, it gets rt-two again.
  EXPECT_EQ(refresh("rt-one", "rt-x", 10), "rt-two");
  EXPECT_EQ(refresh("rt-two", "rt-three", 10), "rt-three");
  // rt-one is two generations back: within the interval a new child, after it the family ends.
  EXPECT_EQ(refresh("rt-one", "rt-four", 0), "refresh_token_already_used");
  EXPECT_EQ(refresh("rt-three", "rt-five", 0), "refresh_token_already_used");
  EXPECT_EQ(refresh("nope", "rt-six", 10), "refresh_token_not_found");
}

// One cell of a query's first row ("" on an error, which the expectation then reports).
std::string cell(platform::PgSync& c, const std::string& sql,
                 const std::vector<std::optional<std::string>>& params = {}) {
  auto r = c.exec_params(sql, params);
  EXPECT_TRUE(r) << r.error().message;
  return r && r->rows() > 0 && !r->is_null(0, 0) ? std::string(r->get(0, 0)) : "";
}

// A confirmed user with its email identity (oldest), a pending recovery token and one-time
// token, and further identities: {provider, email, email_verified} in creation order.
std::string user_with_identities(
    platform::PgSync& c, const std::string& email,
    const std::vector<std::tuple<std::string, std::string, bool>>& more) {
  const std::string id = cell(c, "SELECT gen_random_uuid()::text");
  cell(c,
       "SELECT _basalt.auth_admin_create_user(jsonb_build_object('id', $1::text, 'email', "
       "$2::text, 'aud', 'authenticated', 'password_hash', '', 'email_confirm', true, "
       "'actor', 'service_role'))",
       {id, email});
  cell(c,
       "UPDATE auth.identities SET created_at = now() - interval '1 day' WHERE user_id = $1::uuid "
       "RETURNING 1",
       {id});
  cell(c,
       "UPDATE auth.users SET recovery_token = 'pending-' || $1::text WHERE id = $1::uuid "
       "RETURNING 1",
       {id});
  cell(c,
       "INSERT INTO auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to) "
       "VALUES (gen_random_uuid(), $1::uuid, 'recovery_token', 'pending-' || $1::text, $2) "
       "RETURNING 1",
       {id, email});
  int hours = 20;
  for (const auto& [provider, address, verified] : more) {
    cell(
        c,
        "INSERT INTO auth.identities (provider_id, user_id, identity_data, provider, "
        "created_at, updated_at) VALUES ($1, $2::uuid, jsonb_build_object('sub', $1::text, "
        "'email', $3::text, "
        "'email_verified', $4::boolean), $5::text, now() - make_interval(hours => $6::int), now()) "
        "RETURNING 1",
        {provider + "-" + id, id, address, verified ? "true" : "false", provider,
         std::to_string(hours--)});
  }
  return id;
}

std::string unlink_email_identity(platform::PgSync& c, const std::string& user, bool autoconfirm) {
  return cell(
      c,
      "SELECT coalesce(_basalt.auth_identity_unlink(jsonb_build_object('user_id', "
      "$1::text, 'identity_id', (SELECT id FROM auth.identities WHERE user_id = $1::uuid AND "
      "provider = 'email')::text, 'autoconfirm', $2::boolean)) ->> 'error', 'ok')",
      {user, autoconfirm ? "true" : "false"});
}

TEST_F(AuthSql, UnlinkPrefersAProviderVerifiedAddressOverAnOlderUnverifiedOne) {
  auto c = node();
  const std::string u = user_with_identities(
      c, "rank@example.com",
      {{"github", "rank-unverified@example.com", false}, {"google", "rank-g@example.com", true}});
  EXPECT_EQ(unlink_email_identity(c, u, false), "ok");
  EXPECT_EQ(
      cell(c,
           "SELECT concat_ws(' ', email, email_confirmed_at IS NOT NULL, recovery_token <> '', "
           "(SELECT count(*) FROM auth.one_time_tokens t WHERE t.user_id = u.id)) "
           "FROM auth.users u WHERE id = $1::uuid",
           {u}),
      // The pending recovery token was for the old address: gone, in both places.
      "rank-g@example.com t f 0");
}

TEST_F(AuthSql, UnlinkSkipsAnAddressAnotherAccountHoldsAndUnconfirmsAnUnverifiedOne) {
  auto c = node();
  user_with_identities(c, "taken@example.com", {});
  for (const bool autoconfirm : {false, true}) {
    const std::string prefix = autoconfirm ? "auto-" : "";
    const std::string u = user_with_identities(
        c, prefix + "skip@example.com",
        {{"google", "taken@example.com", true}, {"github", prefix + "free@example.com", false}});
    EXPECT_EQ(unlink_email_identity(c, u, autoconfirm), "ok");
    EXPECT_EQ(cell(c,
                   "SELECT concat_ws(' ', email, email_confirmed_at IS NOT NULL, "
                   "coalesce(raw_user_meta_data ->> 'email_verified', '-')) "
                   "FROM auth.users WHERE id = $1::uuid",
                   {u}),
              // Unverified by the provider: confirmed only under mail autoconfirm.
              autoconfirm ? "auto-free@example.com t -" : "free@example.com f false");
  }
}

TEST_F(AuthSql, UnlinkIsRefusedWhenEveryOtherAddressBelongsToAnotherAccount) {
  auto c = node();
  user_with_identities(c, "held@example.com", {});
  const std::string u =
      user_with_identities(c, "stuck@example.com", {{"google", "held@example.com", true}});
  EXPECT_EQ(unlink_email_identity(c, u, false), "email_conflict");
  EXPECT_EQ(cell(c,
                 "SELECT concat_ws(' ', email, (SELECT count(*) FROM auth.identities i WHERE "
                 "i.user_id = u.id), recovery_token <> '') FROM auth.users u WHERE id = $1::uuid",
                 {u}),
            "stuck@example.com 2 t");
}

TEST_F(AuthSql, UnlinkKeepsTheAddressAnotherIdentityShares) {
  auto c = node();
  const std::string u = user_with_identities(
      c, "shared@example.com",
      {{"google", "other@example.com", true}, {"github", "SHARED@example.com", false}});
  EXPECT_EQ(unlink_email_identity(c, u, false), "ok");
  EXPECT_EQ(
      cell(c,
           "SELECT concat_ws(' ', email, email_confirmed_at IS NOT NULL, recovery_token <> '') "
           "FROM auth.users WHERE id = $1::uuid",
           {u}),
      "shared@example.com t t");
}

// Manual linking to a user without an address (an anonymous one): the identity's address is
// taken when free (and the user is no longer anonymous); when another account holds it, nothing
// is linked.
TEST_F(AuthSql, LinkingGivesAnAddresslessUserTheIdentitysAddressUnlessItIsTaken) {
  auto c = node();
  user_with_identities(c, "linked-taken@example.com", {});
  auto link = [&](const std::string& user, const std::string& sub, const std::string& email,
                  bool verified) {
    return cell(c,
                "SELECT coalesce(x ->> 'error', x ->> 'status') FROM _basalt.auth_oauth_sign_in("
                "jsonb_build_object('provider', 'acme', 'sub', $2::text, 'link_user_id', "
                "$1::text, 'aud', 'authenticated', 'refresh_token', 'link-' || $2::text, "
                "'identity_data', jsonb_build_object('sub', $2::text, 'email', $3::text, "
                "'email_verified', $4::boolean))) x",
                {user, sub, email, verified ? "true" : "false"});
  };
  auto state = [&](const std::string& user) {
    return cell(c,
                "SELECT concat_ws(' ', coalesce(email, '-'), email_confirmed_at IS NOT NULL, "
                "(SELECT count(*) FROM auth.identities i WHERE i.user_id = u.id), is_anonymous) "
                "FROM auth.users u WHERE id = $1::uuid",
                {user});
  };
  const std::string anon = cell(c, "SELECT gen_random_uuid()::text");
  cell(c,
       "SELECT _basalt.auth_insert_user($1::uuid, 'authenticated', 'authenticated', null, null, "
       "null, '{}', '{}', true)",
       {anon});
  EXPECT_EQ(link(anon, "acme-1", "linked-taken@example.com", true), "email_exists");
  EXPECT_EQ(state(anon), "- f 0 t");
  EXPECT_EQ(link(anon, "acme-2", "linked-free@example.com", true), "linked");
  EXPECT_EQ(state(anon), "linked-free@example.com t 1 f");
}

}  // namespace
}  // namespace basalt
