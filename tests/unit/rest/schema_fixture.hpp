// Test helpers: hand-built schema cache contents (a table with columns, a routine with integer
// parameters) shared by the schema cache and planner unit tests.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rest/schema_cache.hpp"

namespace basalt::rest::testing {

inline Table make_table(std::string schema, std::string name, std::vector<std::string> cols) {
  Table t;
  t.schema = std::move(schema);
  t.name = std::move(name);
  int pos = 0;
  for (auto& c : cols) {
    Column col;
    col.name = std::move(c);
    col.position = ++pos;
    t.columns.push_back(std::move(col));
  }
  return t;
}

// public.<name>(<params> integer...); with `out_param`, also an OUT parameter "result".
inline Routine make_routine(std::string name, std::vector<std::string> params, std::uint32_t oid,
                            bool out_param = false) {
  Routine r;
  r.schema = "public";
  r.name = std::move(name);
  r.oid = oid;
  for (auto& p : params) {
    RoutineParam rp;
    rp.name = std::move(p);
    rp.type = "integer";
    r.params.push_back(std::move(rp));
  }
  if (out_param) {
    RoutineParam out;
    out.name = "result";
    out.mode = RoutineParam::Mode::out;
    r.params.push_back(out);
  }
  return r;
}

// public.films.director_id → public.directors.id (films_director_id_fkey), in both
// directions: the to-one relationship and its one-to-many inverse, as the cache holds them.
inline std::vector<Relationship> films_directors_fk() {
  Relationship r;
  r.source = {"public", "films"};
  r.target = {"public", "directors"};
  r.constraint = "films_director_id_fkey";
  r.columns = {{"director_id", "id"}};
  Relationship back = r;
  back.source = r.target;
  back.target = r.source;
  back.cardinality = Cardinality::one_to_many;
  back.columns = {{"id", "director_id"}};
  return {back, r};
}

}  // namespace basalt::rest::testing
