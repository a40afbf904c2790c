// Verified tokens, remembered: a client sends the same access token with every request, and
// verifying it (HMAC or RSA/ECDSA, base64url, two JSON parses, the role lookup) is a large
// part of a small request's work. PostgREST keeps the same kind of cache (jwt-cache-max-entries).
//
// The key is the whole token, signature included, so only a token that verified before can
// hit; failures are never stored. An entry lasts until the token's exp (plus the leeway
// verification allows), so an expired token is verified again and refused. One cache belongs
// to one IdentityOptions: the same token may mean something else under other options. When
// full, the cache is emptied and refilled (tokens are cheap to verify again).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace basalt::http {

struct Identity;

class IdentityCache {
 public:
  explicit IdentityCache(std::size_t max_entries, std::int64_t leeway_seconds = 30)
      : max_entries_(max_entries), leeway_(leeway_seconds) {}

  // The identity `token` verified to, if it is cached and not expired at `now`.
  std::optional<Identity> find(std::string_view token, std::int64_t now) const;
  // Remembers a verified token; `exp` is its exp claim (nullopt: none).
  void put(std::string_view token, const Identity& id, std::optional<std::int64_t> exp);
  std::size_t size() const;

 private:
  struct Entry;
  std::size_t max_entries_;
  std::int64_t leeway_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
};

}  // namespace basalt::http
