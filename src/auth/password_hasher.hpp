// bcrypt password hashing (libxcrypt) on a worker pool, never on the I/O threads: a cost-10
// hash takes tens of milliseconds. Hashes are "$2a$" like Supabase Auth's, and any
// "$2a$"/"$2b$"/"$2y$" hash exported from a Supabase project verifies.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace basalt::auth {

// bcrypt uses the first 72 bytes of a password; Supabase Auth refuses longer ones.
inline constexpr std::size_t kMaxPasswordBytes = 72;

// Blocking primitives (run them off the I/O threads).
Result<std::string> bcrypt_hash(std::string_view password, int cost);
bool bcrypt_verify(std::string_view password, std::string_view hash);
// True when `hash` looks like a bcrypt hash (prefix, cost, length).
bool is_bcrypt_hash(std::string_view hash);

class PasswordHasher {
 public:
  explicit PasswordHasher(int cost = 10, unsigned threads = 0);  // 0 = one per core
  ~PasswordHasher();

  // The hash of `password`; empty on failure (too long, or libxcrypt failed).
  boost::asio::awaitable<std::string> hash(std::string password);
  // True when `password` matches `hash` (false for an empty or malformed hash).
  boost::asio::awaitable<bool> verify(std::string password, std::string hash);

  int cost() const { return cost_; }

 private:
  int cost_;
  boost::asio::thread_pool pool_;
};

}  // namespace basalt::auth
