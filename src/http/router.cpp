#include "http/router.hpp"

#include <algorithm>

namespace basalt::http {

void Router::add(Route route) {
  routes_.push_back(std::move(route));
  // Longest prefix first, so /realtime/v1/api can be registered beside /realtime/v1.
  std::stable_sort(routes_.begin(), routes_.end(), [](const Route& a, const Route& b) {
    return a.prefix.size() > b.prefix.size();
  });
}

const Route* Router::match(std::string_view path, std::string& subpath) const {
  for (const Route& r : routes_) {
    if (r.prefix == "/" && path.starts_with('/')) {
      subpath = std::string(path);
      return &r;
    }
    if (path == r.prefix) {
      subpath.clear();
      return &r;
    }
    if (path.starts_with(r.prefix) && path.size() > r.prefix.size() &&
        path[r.prefix.size()] == '/') {
      subpath = std::string(path.substr(r.prefix.size()));
      return &r;
    }
  }
  return nullptr;
}

}  // namespace basalt::http
