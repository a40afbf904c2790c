// Relationship derivation from hand-built catalog facts: FK directions, one-to-one, junction
// tables, self references, composite keys, views (keys seen through view columns, views on
// views), computed relationships, exposure filtering and PostgREST's embed resolution.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "rest/relationships.hpp"

namespace basalt::rest {
namespace {

QualifiedName pub(std::string name) {
  return {"public", std::move(name)};
}

RelationInfo table(QualifiedName n, std::vector<std::string> pk = {"id"}) {
  return RelationInfo{std::move(n), false, std::move(pk)};
}
RelationInfo view(QualifiedName n) {
  return RelationInfo{std::move(n), true, {}};
}

ForeignKey fk(std::string name, QualifiedName from, QualifiedName to,
              std::vector<ColumnPair> cols) {
  return ForeignKey{std::move(name), std::move(from), std::move(to), std::move(cols)};
}

// View columns that are plain references to `source` columns (view col, source col).
void add_view(CatalogModel& m, QualifiedName v, QualifiedName source,
              std::vector<std::pair<std::string, std::string>> cols) {
  m.relations.push_back(view(v));
  for (auto& [vc, sc] : cols) m.view_columns.push_back(ViewColumnSource{v, vc, source, sc});
}

std::vector<const Relationship*> find(const std::vector<Relationship>& rels, const QualifiedName& s,
                                      const QualifiedName& t) {
  std::vector<const Relationship*> out;
  for (const auto& r : rels) {
    if (r.source == s && r.target == t) out.push_back(&r);
  }
  return out;
}

const Relationship& only(const std::vector<Relationship>& rels, const QualifiedName& s,
                         const QualifiedName& t) {
  auto found = find(rels, s, t);
  EXPECT_EQ(found.size(), 1u) << s.name << " -> " << t.name;
  static const Relationship none;
  return found.empty() ? none : *found.front();
}

const std::vector<std::string> kPublic{"public"};

// films(director_id) -> directors(id)
CatalogModel films_directors() {
  CatalogModel m;
  m.relations = {table(pub("films")), table(pub("directors"))};
  m.foreign_keys = {
      fk("films_director_id_fkey", pub("films"), pub("directors"), {{"director_id", "id"}})};
  return m;
}

TEST(Relationships, ForeignKeyGivesManyToOneAndOneToMany) {
  auto d = derive_relationships(films_directors(), kPublic);
  ASSERT_EQ(d.relationships.size(), 2u);
  const auto& m2o = only(d.relationships, pub("films"), pub("directors"));
  EXPECT_EQ(m2o.cardinality, Cardinality::many_to_one);
  EXPECT_EQ(m2o.constraint, "films_director_id_fkey");
  EXPECT_EQ(m2o.columns, (std::vector<ColumnPair>{{"director_id", "id"}}));
  EXPECT_TRUE(m2o.to_one());
  EXPECT_FALSE(m2o.is_self);
  const auto& o2m = only(d.relationships, pub("directors"), pub("films"));
  EXPECT_EQ(o2m.cardinality, Cardinality::one_to_many);
  EXPECT_EQ(o2m.constraint, "films_director_id_fkey");
  EXPECT_EQ(o2m.columns, (std::vector<ColumnPair>{{"id", "director_id"}}));
  EXPECT_FALSE(o2m.to_one());
}

TEST(Relationships, SortedBySourceThenTarget) {
  auto d = derive_relationships(films_directors(), kPublic);
  ASSERT_EQ(d.relationships.size(), 2u);
  EXPECT_EQ(d.relationships[0].source, pub("directors"));
  EXPECT_EQ(d.relationships[1].source, pub("films"));
}

TEST(Relationships, UniqueForeignKeyIsOneToOneBothWays) {
  CatalogModel m;
  m.relations = {table(pub("users")), table(pub("profiles"))};
  m.unique_keys = {UniqueKey{pub("profiles"), {"user_id"}}};
  m.foreign_keys = {
      fk("profiles_user_id_fkey", pub("profiles"), pub("users"), {{"user_id", "id"}})};
  auto d = derive_relationships(m, kPublic);
  const auto& child = only(d.relationships, pub("profiles"), pub("users"));
  EXPECT_EQ(child.cardinality, Cardinality::one_to_one);
  EXPECT_FALSE(child.is_parent);
  EXPECT_TRUE(child.to_one());
  const auto& parent = only(d.relationships, pub("users"), pub("profiles"));
  EXPECT_EQ(parent.cardinality, Cardinality::one_to_one);
  EXPECT_TRUE(parent.is_parent);
  EXPECT_TRUE(parent.to_one());
  EXPECT_EQ(parent.columns, (std::vector<ColumnPair>{{"id", "user_id"}}));
}

TEST(Relationships, ForeignKeyThatIsThePrimaryKeyIsOneToOne) {
  CatalogModel m;
  m.relations = {table(pub("users")), table(pub("settings"), {"user_id"})};
  m.foreign_keys = {fk("settings_user_fkey", pub("settings"), pub("users"), {{"user_id", "id"}})};
  auto d = derive_relationships(m, kPublic);
  EXPECT_EQ(only(d.relationships, pub("settings"), pub("users")).cardinality,
            Cardinality::one_to_one);
}

TEST(Relationships, PartOfAUniqueKeyIsNotOneToOne) {
  CatalogModel m;
  m.relations = {table(pub("users")), table(pub("memberships"))};
  m.unique_keys = {UniqueKey{pub("memberships"), {"user_id", "team_id"}}};
  m.foreign_keys = {fk("m_user_fkey", pub("memberships"), pub("users"), {{"user_id", "id"}})};
  auto d = derive_relationships(m, kPublic);
  EXPECT_EQ(only(d.relationships, pub("memberships"), pub("users")).cardinality,
            Cardinality::many_to_one);
}

TEST(Relationships, CompositeForeignKeyKeepsColumnOrderAndMatchesUniqueInAnyOrder) {
  CatalogModel m;
  m.relations = {table(pub("a"), {"x", "y"}), table(pub("b"))};
  m.unique_keys = {UniqueKey{pub("b"), {"ay", "ax"}}};
  m.foreign_keys = {fk("b_a_fkey", pub("b"), pub("a"), {{"ax", "x"}, {"ay", "y"}})};
  auto d = derive_relationships(m, kPublic);
  const auto& r = only(d.relationships, pub("b"), pub("a"));
  EXPECT_EQ(r.cardinality, Cardinality::one_to_one);
  EXPECT_EQ(r.columns, (std::vector<ColumnPair>{{"ax", "x"}, {"ay", "y"}}));
  EXPECT_EQ(only(d.relationships, pub("a"), pub("b")).columns,
            (std::vector<ColumnPair>{{"x", "ax"}, {"y", "ay"}}));
}

TEST(Relationships, SelfReferenceGivesBothDirectionsMarkedSelf) {
  CatalogModel m;
  m.relations = {table(pub("employees"))};
  m.foreign_keys = {
      fk("employees_manager_id_fkey", pub("employees"), pub("employees"), {{"manager_id", "id"}})};
  auto d = derive_relationships(m, kPublic);
  auto rels = find(d.relationships, pub("employees"), pub("employees"));
  ASSERT_EQ(rels.size(), 2u);
  std::set<Cardinality> cards;
  for (const auto* r : rels) {
    EXPECT_TRUE(r->is_self);
    cards.insert(r->cardinality);
  }
  EXPECT_EQ(cards, (std::set<Cardinality>{Cardinality::many_to_one, Cardinality::one_to_many}));
}

// films <- roles(film_id, actor_id) -> actors, PK (film_id, actor_id)
CatalogModel films_actors(std::vector<std::string> roles_pk = {"film_id", "actor_id"}) {
  CatalogModel m;
  m.relations = {table(pub("films")), table(pub("actors")), table(pub("roles"), roles_pk)};
  m.foreign_keys = {fk("roles_film_id_fkey", pub("roles"), pub("films"), {{"film_id", "id"}}),
                    fk("roles_actor_id_fkey", pub("roles"), pub("actors"), {{"actor_id", "id"}})};
  return m;
}

const Relationship* m2m(const std::vector<Relationship>& rels, const QualifiedName& s,
                        const QualifiedName& t) {
  for (const auto* r : find(rels, s, t)) {
    if (r->cardinality == Cardinality::many_to_many) return r;
  }
  return nullptr;
}

TEST(Relationships, JunctionWithForeignKeysInItsPrimaryKeyGivesManyToMany) {
  auto d = derive_relationships(films_actors(), kPublic);
  const Relationship* fa = m2m(d.relationships, pub("films"), pub("actors"));
  ASSERT_NE(fa, nullptr);
  ASSERT_TRUE(fa->junction);
  EXPECT_EQ(fa->junction->table, pub("roles"));
  EXPECT_EQ(fa->junction->source_constraint, "roles_film_id_fkey");
  EXPECT_EQ(fa->junction->target_constraint, "roles_actor_id_fkey");
  EXPECT_EQ(fa->junction->source_columns, (std::vector<ColumnPair>{{"id", "film_id"}}));
  EXPECT_EQ(fa->junction->target_columns, (std::vector<ColumnPair>{{"id", "actor_id"}}));
  EXPECT_FALSE(fa->to_one());
  EXPECT_TRUE(fa->constraint.empty());
  const Relationship* af = m2m(d.relationships, pub("actors"), pub("films"));
  ASSERT_NE(af, nullptr);
  EXPECT_EQ(af->junction->source_constraint, "roles_actor_id_fkey");
  // The junction also relates to both ends directly.
  EXPECT_EQ(find(d.relationships, pub("roles"), pub("films")).size(), 1u);
  EXPECT_EQ(find(d.relationships, pub("films"), pub("roles")).size(), 1u);
  // 2 M2O + 2 O2M + 2 M2M
  EXPECT_EQ(d.relationships.size(), 6u);
}

TEST(Relationships, JunctionWithSurrogateKeyGivesNoManyToMany) {
  auto d = derive_relationships(films_actors({"id"}), kPublic);
  EXPECT_EQ(m2m(d.relationships, pub("films"), pub("actors")), nullptr);
  EXPECT_EQ(d.relationships.size(), 4u);
}

TEST(Relationships, JunctionKeyMayHaveMoreColumnsThanTheForeignKeys) {
  auto d = derive_relationships(films_actors({"film_id", "actor_id", "character"}), kPublic);
  EXPECT_NE(m2m(d.relationships, pub("films"), pub("actors")), nullptr);
}

TEST(Relationships, JunctionWithoutPrimaryKeyGivesNoManyToMany) {
  auto d = derive_relationships(films_actors({}), kPublic);
  EXPECT_EQ(m2m(d.relationships, pub("films"), pub("actors")), nullptr);
}

TEST(Relationships, OneToOneForeignKeysDoNotMakeJunctions) {
  // PostgREST only pairs many-to-one FKs: a unique FK column makes the FK one-to-one.
  auto m = films_actors();
  m.unique_keys = {UniqueKey{pub("roles"), {"film_id"}}};
  auto d = derive_relationships(m, kPublic);
  EXPECT_EQ(m2m(d.relationships, pub("films"), pub("actors")), nullptr);
}

TEST(Relationships, SelfManyToManyThroughTwoForeignKeys) {
  CatalogModel m;
  m.relations = {table(pub("users")), table(pub("follows"), {"follower", "followee"})};
  m.foreign_keys = {fk("f_follower", pub("follows"), pub("users"), {{"follower", "id"}}),
                    fk("f_followee", pub("follows"), pub("users"), {{"followee", "id"}})};
  auto d = derive_relationships(m, kPublic);
  int count = 0;
  for (const auto* r : find(d.relationships, pub("users"), pub("users"))) {
    if (r->cardinality != Cardinality::many_to_many) continue;
    ++count;
    EXPECT_TRUE(r->is_self);
    EXPECT_NE(r->junction->source_constraint, r->junction->target_constraint);
  }
  EXPECT_EQ(count, 2);  // one per orientation of the two FKs
}

TEST(Relationships, NonExposedTargetsAndJunctionsAreDropped) {
  auto m = films_actors();
  m.relations.push_back(table({"private", "secrets"}));
  m.foreign_keys.push_back(
      fk("films_secret_fkey", pub("films"), {"private", "secrets"}, {{"secret_id", "id"}}));
  auto d = derive_relationships(m, kPublic);
  EXPECT_TRUE(find(d.relationships, pub("films"), {"private", "secrets"}).empty());
  EXPECT_TRUE(find(d.relationships, {"private", "secrets"}, pub("films")).empty());

  // A junction in a private schema: films and actors are exposed but the M2M is not.
  CatalogModel p;
  p.relations = {table(pub("films")), table(pub("actors")),
                 table({"private", "roles"}, {"film_id", "actor_id"})};
  p.foreign_keys = {
      fk("roles_film_id_fkey", {"private", "roles"}, pub("films"), {{"film_id", "id"}}),
      fk("roles_actor_id_fkey", {"private", "roles"}, pub("actors"), {{"actor_id", "id"}})};
  auto dp = derive_relationships(p, kPublic);
  EXPECT_TRUE(dp.relationships.empty());
  auto both = derive_relationships(p, {"public", "private"});
  EXPECT_NE(m2m(both.relationships, pub("films"), pub("actors")), nullptr);
}

TEST(Relationships, ViewExposingForeignKeyColumnsRelatesLikeItsTable) {
  auto m = films_directors();
  add_view(m, pub("films_view"), pub("films"),
           {{"film_id", "id"}, {"title", "title"}, {"dir", "director_id"}});
  auto d = derive_relationships(m, kPublic);
  const auto& vt = only(d.relationships, pub("films_view"), pub("directors"));
  EXPECT_EQ(vt.cardinality, Cardinality::many_to_one);
  EXPECT_EQ(vt.columns, (std::vector<ColumnPair>{{"dir", "id"}}));
  EXPECT_TRUE(vt.source_is_view);
  EXPECT_FALSE(vt.target_is_view);
  EXPECT_EQ(vt.constraint, "films_director_id_fkey");
  const auto& tv = only(d.relationships, pub("directors"), pub("films_view"));
  EXPECT_EQ(tv.cardinality, Cardinality::one_to_many);
  EXPECT_EQ(tv.columns, (std::vector<ColumnPair>{{"id", "dir"}}));
  EXPECT_TRUE(tv.target_is_view);
  // And the view's primary key comes from films.id.
  EXPECT_EQ(d.view_primary_keys.at(pub("films_view")), (std::vector<std::string>{"film_id"}));
}

TEST(Relationships, ViewWithoutTheForeignKeyColumnHasNoRelationship) {
  auto m = films_directors();
  add_view(m, pub("titles"), pub("films"), {{"title", "title"}});
  auto d = derive_relationships(m, kPublic);
  EXPECT_TRUE(find(d.relationships, pub("titles"), pub("directors")).empty());
  EXPECT_FALSE(d.view_primary_keys.contains(pub("titles")));
}

TEST(Relationships, ViewOfTheReferencedTableAndViewToView) {
  auto m = films_directors();
  add_view(m, pub("films_view"), pub("films"), {{"id", "id"}, {"director_id", "director_id"}});
  add_view(m, pub("directors_view"), pub("directors"), {{"did", "id"}});
  auto d = derive_relationships(m, kPublic);
  const auto& tv = only(d.relationships, pub("films"), pub("directors_view"));
  EXPECT_EQ(tv.columns, (std::vector<ColumnPair>{{"director_id", "did"}}));
  EXPECT_EQ(tv.cardinality, Cardinality::many_to_one);
  const auto& vv = only(d.relationships, pub("films_view"), pub("directors_view"));
  EXPECT_EQ(vv.columns, (std::vector<ColumnPair>{{"director_id", "did"}}));
  EXPECT_TRUE(vv.source_is_view);
  EXPECT_TRUE(vv.target_is_view);
  EXPECT_FALSE(vv.is_self);
  EXPECT_EQ(only(d.relationships, pub("directors_view"), pub("films_view")).cardinality,
            Cardinality::one_to_many);
}

TEST(Relationships, ViewOnAViewFollowsColumnsDown) {
  auto m = films_directors();
  add_view(m, pub("v1"), pub("films"), {{"id", "id"}, {"d1", "director_id"}});
  add_view(m, pub("v2"), pub("v1"), {{"key", "id"}, {"d2", "d1"}});
  auto d = derive_relationships(m, kPublic);
  EXPECT_EQ(only(d.relationships, pub("v2"), pub("directors")).columns,
            (std::vector<ColumnPair>{{"d2", "id"}}));
  EXPECT_EQ(d.view_primary_keys.at(pub("v2")), (std::vector<std::string>{"key"}));
}

TEST(Relationships, ColumnExposedTwiceGivesOneRelationshipPerColumn) {
  auto m = films_directors();
  add_view(m, pub("fv"), pub("films"), {{"a", "director_id"}, {"b", "director_id"}});
  auto d = derive_relationships(m, kPublic);
  auto rels = find(d.relationships, pub("fv"), pub("directors"));
  ASSERT_EQ(rels.size(), 2u);
  EXPECT_EQ(rels[0]->columns.front().source, "a");
  EXPECT_EQ(rels[1]->columns.front().source, "b");
}

TEST(Relationships, ApiViewsOverPrivateTables) {
  // The PostgREST "schema isolation" pattern: api.* views over private.* tables.
  CatalogModel m;
  m.relations = {table({"private", "films"}), table({"private", "directors"})};
  m.foreign_keys = {fk("films_director_id_fkey", {"private", "films"}, {"private", "directors"},
                       {{"director_id", "id"}})};
  add_view(m, {"api", "films"}, {"private", "films"},
           {{"id", "id"}, {"director_id", "director_id"}});
  add_view(m, {"api", "directors"}, {"private", "directors"}, {{"id", "id"}});
  auto d = derive_relationships(m, {"api"});
  ASSERT_EQ(d.relationships.size(), 2u);  // api.films <-> api.directors only
  EXPECT_EQ(only(d.relationships, {"api", "films"}, {"api", "directors"}).cardinality,
            Cardinality::many_to_one);
  EXPECT_EQ(only(d.relationships, {"api", "directors"}, {"api", "films"}).cardinality,
            Cardinality::one_to_many);
}

TEST(Relationships, ViewJunctionGivesManyToMany) {
  auto m = films_actors();
  add_view(m, pub("roles_view"), pub("roles"), {{"f", "film_id"}, {"a", "actor_id"}});
  auto d = derive_relationships(m, kPublic);
  int through_view = 0;
  for (const auto* r : find(d.relationships, pub("films"), pub("actors"))) {
    if (r->junction && r->junction->table == pub("roles_view")) {
      ++through_view;
      EXPECT_EQ(r->junction->source_columns, (std::vector<ColumnPair>{{"id", "f"}}));
    }
  }
  EXPECT_EQ(through_view, 1);
}

TEST(Relationships, ViewPrimaryKeyNeedsEveryKeyColumn) {
  CatalogModel m;
  m.relations = {table(pub("roles"), {"film_id", "actor_id"})};
  add_view(m, pub("partial"), pub("roles"), {{"film_id", "film_id"}});
  add_view(m, pub("full"), pub("roles"), {{"a", "actor_id"}, {"f", "film_id"}});
  auto d = derive_relationships(m, kPublic);
  EXPECT_FALSE(d.view_primary_keys.contains(pub("partial")));
  // In the base key's order, named as the view names them.
  EXPECT_EQ(d.view_primary_keys.at(pub("full")), (std::vector<std::string>{"f", "a"}));
}

TEST(Relationships, ViewColumnCyclesTerminate) {
  CatalogModel m;
  m.relations = {view(pub("a")), view(pub("b"))};
  m.view_columns = {{pub("a"), "x", pub("b"), "y"}, {pub("b"), "y", pub("a"), "x"}};
  auto resolved = resolve_view_columns(m);
  EXPECT_EQ(resolved.size(), 2u);
  auto d = derive_relationships(m, kPublic);
  EXPECT_TRUE(d.relationships.empty());
}

TEST(Relationships, ComputedRelationshipsAreAddedAndOverrideSameNamedOnes) {
  auto m = films_directors();
  m.computed = {
      ComputedRelationshipDef{pub("directors"), pub("films"), pub("directors"), true},
      ComputedRelationshipDef{pub("recent_films"), pub("directors"), pub("films"), false}};
  auto d = derive_relationships(m, kPublic);
  // public.directors(films) replaces the FK relationship films -> directors.
  const auto& over = only(d.relationships, pub("films"), pub("directors"));
  ASSERT_TRUE(over.is_computed());
  EXPECT_EQ(*over.function, pub("directors"));
  EXPECT_TRUE(over.to_one());
  // recent_films(directors) adds a to-many one next to the FK O2M.
  auto from_dir = find(d.relationships, pub("directors"), pub("films"));
  ASSERT_EQ(from_dir.size(), 2u);
  const auto computed = std::find_if(from_dir.begin(), from_dir.end(),
                                     [](const Relationship* r) { return r->is_computed(); });
  ASSERT_NE(computed, from_dir.end());
  EXPECT_FALSE((*computed)->to_one());
}

// ---- embed resolution ----

std::vector<Relationship> from(const std::vector<Relationship>& rels, const QualifiedName& s) {
  std::vector<Relationship> out;
  for (const auto& r : rels) {
    if (r.source == s) out.push_back(r);
  }
  return out;
}

TEST(MatchRelationships, ByTableConstraintOrColumn) {
  auto d = derive_relationships(films_directors(), kPublic);
  auto films = from(d.relationships, pub("films"));
  EXPECT_EQ(match_relationships(films, "public", "directors", std::nullopt).size(), 1u);
  EXPECT_EQ(match_relationships(films, "public", "films_director_id_fkey", std::nullopt).size(),
            1u);
  EXPECT_EQ(match_relationships(films, "public", "director_id", std::nullopt).size(), 1u);
  EXPECT_TRUE(match_relationships(films, "public", "producers", std::nullopt).empty());
  EXPECT_TRUE(match_relationships(films, "other", "directors", std::nullopt).empty());
}

TEST(MatchRelationships, HintDisambiguatesTwoForeignKeys) {
  CatalogModel m;
  m.relations = {table(pub("orders")), table(pub("addresses"))};
  m.foreign_keys = {
      fk("orders_billing_fkey", pub("orders"), pub("addresses"), {{"billing_id", "id"}}),
      fk("orders_shipping_fkey", pub("orders"), pub("addresses"), {{"shipping_id", "id"}})};
  auto d = derive_relationships(m, kPublic);
  auto orders = from(d.relationships, pub("orders"));
  EXPECT_EQ(match_relationships(orders, "public", "addresses", std::nullopt).size(), 2u);
  auto by_cons = match_relationships(orders, "public", "addresses", "orders_billing_fkey");
  ASSERT_EQ(by_cons.size(), 1u);
  EXPECT_EQ(by_cons[0]->constraint, "orders_billing_fkey");
  auto by_col = match_relationships(orders, "public", "addresses", "shipping_id");
  ASSERT_EQ(by_col.size(), 1u);
  EXPECT_EQ(by_col[0]->constraint, "orders_shipping_fkey");
  // The referenced column matches both.
  EXPECT_EQ(match_relationships(orders, "public", "addresses", "id").size(), 2u);
  // The column alone (no hint) picks one.
  EXPECT_EQ(match_relationships(orders, "public", "billing_id", std::nullopt).size(), 1u);
}

TEST(MatchRelationships, JunctionHintPicksTheManyToMany) {
  auto m = films_actors();
  m.relations.push_back(table(pub("awards"), {"film_id", "actor_id"}));
  m.foreign_keys.push_back(
      fk("awards_film_fkey", pub("awards"), pub("films"), {{"film_id", "id"}}));
  m.foreign_keys.push_back(
      fk("awards_actor_fkey", pub("awards"), pub("actors"), {{"actor_id", "id"}}));
  auto d = derive_relationships(m, kPublic);
  auto films = from(d.relationships, pub("films"));
  EXPECT_EQ(match_relationships(films, "public", "actors", std::nullopt).size(), 2u);
  auto hinted = match_relationships(films, "public", "actors", "awards");
  ASSERT_EQ(hinted.size(), 1u);
  EXPECT_EQ(hinted[0]->junction->table, pub("awards"));
}

TEST(MatchRelationships, SelfReferenceConventions) {
  CatalogModel m;
  m.relations = {table(pub("family"))};
  m.foreign_keys = {fk("family_parent_fkey", pub("family"), pub("family"), {{"parent", "id"}})};
  auto d = derive_relationships(m, kPublic);
  auto rels = from(d.relationships, pub("family"));
  // The table name means the children (O2M), the FK column the parent (M2O).
  auto children = match_relationships(rels, "public", "family", std::nullopt);
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0]->cardinality, Cardinality::one_to_many);
  auto parent = match_relationships(rels, "public", "parent", std::nullopt);
  ASSERT_EQ(parent.size(), 1u);
  EXPECT_EQ(parent[0]->cardinality, Cardinality::many_to_one);
  EXPECT_EQ(match_relationships(rels, "public", "family", "parent").size(), 1u);
  EXPECT_TRUE(match_relationships(rels, "public", "family", "nope").empty());
}

TEST(MatchRelationships, ConstraintNameDoesNotReachViews) {
  auto m = films_directors();
  add_view(m, pub("directors_view"), pub("directors"), {{"id", "id"}});
  auto d = derive_relationships(m, kPublic);
  auto films = from(d.relationships, pub("films"));
  // Only films -> directors: the view target is not reached through the constraint name.
  auto by_cons = match_relationships(films, "public", "films_director_id_fkey", std::nullopt);
  ASSERT_EQ(by_cons.size(), 1u);
  EXPECT_EQ(by_cons[0]->target, pub("directors"));
  EXPECT_EQ(match_relationships(films, "public", "directors_view", std::nullopt).size(), 1u);
}

TEST(MatchRelationships, ComputedByFunctionName) {
  auto m = films_directors();
  m.computed = {ComputedRelationshipDef{pub("top_films"), pub("directors"), pub("films"), false}};
  auto d = derive_relationships(m, kPublic);
  auto dirs = from(d.relationships, pub("directors"));
  auto r = match_relationships(dirs, "public", "top_films", std::nullopt);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0]->is_computed());
}

// ---- view definitions ----

// pg_rewrite.ev_action of (PostgreSQL 15):
//   create view mv as select m.id, m.title as "ti tle", d.name, (select 1) as one,
//     m.did + 0 as expr from m join d on d.id = m.did;   -- m = 16426, d = 16419
constexpr std::string_view kViewAction =
    R"pg(({QUERY :commandType 1 :querySource 0 :canSetTag true :utilityStmt <> :resultRelation 0 :h)pg"
    R"pg(asAggs false :hasWindowFuncs false :hasTargetSRFs false :hasSubLinks true :hasDistinctOn f)pg"
    R"pg(alse :hasRecursive false :hasModifyingCTE false :hasForUpdate false :hasRowSecurity false )pg"
    R"pg(:isReturn false :cteList <> :rtable ({RANGETBLENTRY :alias {ALIAS :aliasname old :colnames)pg"
    R"pg( <>} :eref {ALIAS :aliasname old :colnames ("id" "ti\ tle" "name" "one" "expr")} :rtekind )pg"
    R"pg(0 :relid 16438 :relkind v :rellockmode 1 :tablesample <> :lateral false :inh false :inFrom)pg"
    R"pg(Cl false :requiredPerms 0 :checkAsUser 0 :selectedCols (b) :insertedCols (b) :updatedCols )pg"
    R"pg((b) :extraUpdatedCols (b) :securityQuals <>} {RANGETBLENTRY :alias {ALIAS :aliasname new :)pg"
    R"pg(colnames <>} :eref {ALIAS :aliasname new :colnames ("id" "ti\ tle" "name" "one" "expr")} :)pg"
    R"pg(rtekind 0 :relid 16438 :relkind v :rellockmode 1 :tablesample <> :lateral false :inh false)pg"
    R"pg( :inFromCl false :requiredPerms 0 :checkAsUser 0 :selectedCols (b) :insertedCols (b) :upda)pg"
    R"pg(tedCols (b) :extraUpdatedCols (b) :securityQuals <>} {RANGETBLENTRY :alias <> :eref {ALIAS)pg"
    R"pg( :aliasname m :colnames ("id" "did" "title")} :rtekind 0 :relid 16426 :relkind r :rellockm)pg"
    R"pg(ode 1 :tablesample <> :lateral false :inh true :inFromCl true :requiredPerms 2 :checkAsUse)pg"
    R"pg(r 0 :selectedCols (b 8 9 10) :insertedCols (b) :updatedCols (b) :extraUpdatedCols (b) :sec)pg"
    R"pg(urityQuals <>} {RANGETBLENTRY :alias <> :eref {ALIAS :aliasname d :colnames ("id" "name")})pg"
    R"pg( :rtekind 0 :relid 16419 :relkind r :rellockmode 1 :tablesample <> :lateral false :inh tru)pg"
    R"pg(e :inFromCl true :requiredPerms 2 :checkAsUser 0 :selectedCols (b 8 9) :insertedCols (b) :)pg"
    R"pg(updatedCols (b) :extraUpdatedCols (b) :securityQuals <>} {RANGETBLENTRY :alias <> :eref {A)pg"
    R"pg(LIAS :aliasname unnamed_join :colnames ("id" "did" "title" "id" "name")} :rtekind 2 :joint)pg"
    R"pg(ype 0 :joinmergedcols 0 :joinaliasvars ({VAR :varno 3 :varattno 1 :vartype 23 :vartypmod -)pg"
    R"pg(1 :varcollid 0 :varlevelsup 0 :varnosyn 3 :varattnosyn 1 :location -1} {VAR :varno 3 :vara)pg"
    R"pg(ttno 2 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 3 :varattnosyn 2 :l)pg"
    R"pg(ocation -1} {VAR :varno 3 :varattno 3 :vartype 25 :vartypmod -1 :varcollid 100 :varlevelsu)pg"
    R"pg(p 0 :varnosyn 3 :varattnosyn 3 :location -1} {VAR :varno 4 :varattno 1 :vartype 23 :vartyp)pg"
    R"pg(mod -1 :varcollid 0 :varlevelsup 0 :varnosyn 4 :varattnosyn 1 :location -1} {VAR :varno 4 )pg"
    R"pg(:varattno 2 :vartype 25 :vartypmod -1 :varcollid 100 :varlevelsup 0 :varnosyn 4 :varattnos)pg"
    R"pg(yn 2 :location -1}) :joinleftcols (i 1 2 3) :joinrightcols (i 1 2) :join_using_alias <> :l)pg"
    R"pg(ateral false :inh false :inFromCl true :requiredPerms 0 :checkAsUser 0 :selectedCols (b) :)pg"
    R"pg(insertedCols (b) :updatedCols (b) :extraUpdatedCols (b) :securityQuals <>}) :jointree {FRO)pg"
    R"pg(MEXPR :fromlist ({JOINEXPR :jointype 0 :isNatural false :larg {RANGETBLREF :rtindex 3} :ra)pg"
    R"pg(rg {RANGETBLREF :rtindex 4} :usingClause <> :join_using_alias <> :quals {OPEXPR :opno 96 :)pg"
    R"pg(opfuncid 65 :opresulttype 16 :opretset false :opcollid 0 :inputcollid 0 :args ({VAR :varno)pg"
    R"pg( 4 :varattno 1 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 4 :varattno)pg"
    R"pg(syn 1 :location 231} {VAR :varno 3 :varattno 2 :vartype 23 :vartypmod -1 :varcollid 0 :var)pg"
    R"pg(levelsup 0 :varnosyn 3 :varattnosyn 2 :location 238}) :location 236} :alias <> :rtindex 5})pg"
    R"pg() :quals <>} :targetList ({TARGETENTRY :expr {VAR :varno 3 :varattno 1 :vartype 23 :vartyp)pg"
    R"pg(mod -1 :varcollid 0 :varlevelsup 0 :varnosyn 3 :varattnosyn 1 :location 142} :resno 1 :res)pg"
    R"pg(name id :ressortgroupref 0 :resorigtbl 16426 :resorigcol 1 :resjunk false} {TARGETENTRY :e)pg"
    R"pg(xpr {VAR :varno 3 :varattno 3 :vartype 25 :vartypmod -1 :varcollid 100 :varlevelsup 0 :var)pg"
    R"pg(nosyn 3 :varattnosyn 3 :location 148} :resno 2 :resname ti\ tle :ressortgroupref 0 :resori)pg"
    R"pg(gtbl 16426 :resorigcol 3 :resjunk false} {TARGETENTRY :expr {VAR :varno 4 :varattno 2 :var)pg"
    R"pg(type 25 :vartypmod -1 :varcollid 100 :varlevelsup 0 :varnosyn 4 :varattnosyn 2 :location 1)pg"
    R"pg(69} :resno 3 :resname name :ressortgroupref 0 :resorigtbl 16419 :resorigcol 2 :resjunk fal)pg"
    R"pg(se} {TARGETENTRY :expr {SUBLINK :subLinkType 4 :subLinkId 0 :testexpr <> :operName <> :sub)pg"
    R"pg(select {QUERY :commandType 1 :querySource 0 :canSetTag true :utilityStmt <> :resultRelatio)pg"
    R"pg(n 0 :hasAggs false :hasWindowFuncs false :hasTargetSRFs false :hasSubLinks false :hasDisti)pg"
    R"pg(nctOn false :hasRecursive false :hasModifyingCTE false :hasForUpdate false :hasRowSecurity)pg"
    R"pg( false :isReturn false :cteList <> :rtable <> :jointree {FROMEXPR :fromlist <> :quals <>} )pg"
    R"pg(:targetList ({TARGETENTRY :expr {CONST :consttype 23 :consttypmod -1 :constcollid 0 :const)pg"
    R"pg(len 4 :constbyval true :constisnull false :location 185 :constvalue 4 [ 1 0 0 0 0 0 0 0 ]})pg"
    R"pg( :resno 1 :resname ?column? :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjunk false})pg"
    R"pg() :override 0 :onConflict <> :returningList <> :groupClause <> :groupDistinct false :group)pg"
    R"pg(ingSets <> :havingQual <> :windowClause <> :distinctClause <> :sortClause <> :limitOffset )pg"
    R"pg(<> :limitCount <> :limitOption 0 :rowMarks <> :setOperations <> :constraintDeps <> :withCh)pg"
    R"pg(eckOptions <> :mergeActionList <> :mergeUseOuterJoin false :stmt_location 0 :stmt_len 0} :)pg"
    R"pg(location 177} :resno 4 :resname one :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjun)pg"
    R"pg(k false} {TARGETENTRY :expr {OPEXPR :opno 551 :opfuncid 177 :opresulttype 23 :opretset fal)pg"
    R"pg(se :opcollid 0 :inputcollid 0 :args ({VAR :varno 3 :varattno 2 :vartype 23 :vartypmod -1 :)pg"
    R"pg(varcollid 0 :varlevelsup 0 :varnosyn 3 :varattnosyn 2 :location 196} {CONST :consttype 23 )pg"
    R"pg(:consttypmod -1 :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 2)pg"
    R"pg(04 :constvalue 4 [ 0 0 0 0 0 0 0 0 ]}) :location 202} :resno 5 :resname expr :ressortgroup)pg"
    R"pg(ref 0 :resorigtbl 0 :resorigcol 0 :resjunk false}) :override 0 :onConflict <> :returningLi)pg"
    R"pg(st <> :groupClause <> :groupDistinct false :groupingSets <> :havingQual <> :windowClause <)pg"
    R"pg(> :distinctClause <> :sortClause <> :limitOffset <> :limitCount <> :limitOption 0 :rowMark)pg"
    R"pg(s <> :setOperations <> :constraintDeps <> :withCheckOptions <> :mergeActionList <> :mergeU)pg"
    R"pg(seOuterJoin false :stmt_location 116 :stmt_len 127}))pg";

TEST(ViewTargetList, ReadsTopLevelEntriesOnly) {
  auto entries = parse_view_target_list(kViewAction);
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].resno, 1);
  EXPECT_EQ(entries[0].resorigtbl, 16426u);
  EXPECT_EQ(entries[0].resorigcol, 1);
  EXPECT_EQ(entries[1].resno, 2);
  EXPECT_EQ(entries[1].resorigtbl, 16426u);
  EXPECT_EQ(entries[1].resorigcol, 3);
  EXPECT_EQ(entries[2].resorigtbl, 16419u);
  EXPECT_EQ(entries[2].resorigcol, 2);
  EXPECT_EQ(entries[3].resorigtbl, 0u);  // (select 1): the subquery's list is not read
  EXPECT_EQ(entries[4].resno, 5);
  EXPECT_EQ(entries[4].resorigtbl, 0u);
  for (const auto& e : entries) EXPECT_FALSE(e.resjunk);
}

TEST(ViewTargetList, MalformedTextGivesNothing) {
  EXPECT_TRUE(parse_view_target_list("").empty());
  EXPECT_TRUE(parse_view_target_list("garbage").empty());
  EXPECT_TRUE(parse_view_target_list("({QUERY :targetList ({TARGETENTRY :resno x})})").empty());
  EXPECT_TRUE(parse_view_target_list("({NOTQUERY :targetList <>})").empty());
  auto one = parse_view_target_list(
      "({QUERY :targetList ({TARGETENTRY :expr {VAR :varno 1} :resno 1 :resname a\\ b "
      ":resorigtbl 7 :resorigcol 2 :resjunk false}) :x 1})");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].resorigtbl, 7u);
  EXPECT_EQ(one[0].resorigcol, 2);
}

}  // namespace
}  // namespace basalt::rest
