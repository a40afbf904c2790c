// What `basalt start` serves: the route table that puts each API behind its prefix, built
// from the shared pieces every service needs (project config, keys, roles, pool, metrics).
#pragma once
#include <memory>
#include <set>
#include <string>

#include "auth/service.hpp"
#include "cli/project.hpp"
#include "common/metrics.hpp"
#include "db/pool.hpp"
#include "http/router.hpp"
#include "rest/service.hpp"

namespace basalt::cli {

struct Keys {
  std::string anon;
  std::string service_role;
};

struct Services {
  const Project& project;
  Keys keys;
  std::string jwt_secret;
  std::shared_ptr<const std::set<std::string>> allowed_roles;
  std::shared_ptr<db::Pool> pool;
  std::shared_ptr<Metrics> metrics;
  std::shared_ptr<rest::RestService> rest;
  std::shared_ptr<auth::AuthService> auth;  // null when [auth] enabled = false
};

http::Router make_router(const Services& services);

}  // namespace basalt::cli
