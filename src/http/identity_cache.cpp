#include "http/identity_cache.hpp"

#include <memory>

#include "http/identity.hpp"

namespace basalt::http {

struct IdentityCache::Entry {
  Identity identity;
  std::optional<std::int64_t> exp;
};

std::optional<Identity> IdentityCache::find(std::string_view token, std::int64_t now) const {
  if (max_entries_ == 0) return std::nullopt;
  std::shared_ptr<const Entry> e;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(std::string(token));
    if (it == entries_.end()) return std::nullopt;
    e = it->second;
  }
  // jwt::verify's rule: expired when exp <= now - leeway.
  if (e->exp && *e->exp <= now - leeway_) return std::nullopt;
  return e->identity;
}

void IdentityCache::put(std::string_view token, const Identity& id,
                        std::optional<std::int64_t> exp) {
  if (max_entries_ == 0) return;
  auto e = std::make_shared<const Entry>(Entry{id, exp});
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.insert_or_assign(std::string(token), std::move(e));
}

std::size_t IdentityCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace basalt::http
