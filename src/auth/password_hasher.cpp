#include "auth/password_hasher.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <memory>
#include <thread>

namespace basalt::auth {

namespace asio = boost::asio;

Result<std::string> bcrypt_hash(std::string_view password, int cost) {
  if (password.size() > kMaxPasswordBytes) {
    return Error::make(400, "validation_failed", "bcrypt: password length exceeds 72 bytes");
  }
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) {
    return Error::make(500, "unexpected_failure", "could not generate a salt");
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2a$", static_cast<unsigned long>(cost),
                       reinterpret_cast<const char*>(random), sizeof random, setting,
                       sizeof setting) == nullptr) {
    return Error::make(500, "unexpected_failure", "could not generate a salt");
  }
  auto data = std::make_unique<crypt_data>();
  const std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), setting, data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*') {
    return Error::make(500, "unexpected_failure", "could not hash the password");
  }
  return std::string(out);
}

bool is_bcrypt_hash(std::string_view hash) {
  if (hash.size() != 60) return false;
  if (!(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))) {
    return false;
  }
  if (hash[6] != '$' || hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') {
    return false;
  }
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  return cost >= 4 && cost <= 31;
}

bool bcrypt_verify(std::string_view password, std::string_view hash) {
  // Like Go's bcrypt (Supabase Auth), a password over 72 bytes never matches.
  if (!is_bcrypt_hash(hash) || password.size() > kMaxPasswordBytes) return false;
  auto data = std::make_unique<crypt_data>();
  const std::string phrase(password);
  const std::string setting(hash);
  const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*') return false;
  const std::string_view got(out);
  return got.size() == hash.size() && CRYPTO_memcmp(got.data(), hash.data(), hash.size()) == 0;
}

namespace {

constexpr int kHasherNice = 10;

unsigned pool_threads(unsigned requested) {
  if (requested) return requested;
  const unsigned n = std::thread::hardware_concurrency();
  return n ? n : 2;
}

// Hashing is throughput work; request handling (I/O threads, Postgres) is latency work, so a
// hasher thread runs 10 nicer than the process and yields the CPU to them. On an idle machine
// that changes nothing; next to 16 connections signing in, a REST GET keeps 0.78 of its speed
// alone instead of 0.56 (bench/auth.sh, docs/benchmarks.md). The thread is also named, so
// `top -H` shows where the hashing goes.
void prepare_hasher_thread() {
  thread_local bool prepared = false;
  if (prepared) return;
  prepared = true;
  pthread_setname_np(pthread_self(), "bcrypt");
  // Relative to the process's own niceness (Basalt may already run niced); 19 is the lowest.
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(19, current + kHasherNice));
}

asio::awaitable<std::string> hash_on_pool(std::string password, int cost) {
  prepare_hasher_thread();
  auto r = bcrypt_hash(password, cost);
  co_return r ? std::move(r).value() : std::string();
}

asio::awaitable<bool> verify_on_pool(std::string password, std::string hash) {
  prepare_hasher_thread();
  co_return bcrypt_verify(password, hash);
}

}  // namespace

PasswordHasher::PasswordHasher(int cost, unsigned threads)
    : cost_(cost), pool_(pool_threads(threads)) {}

PasswordHasher::~PasswordHasher() {
  pool_.stop();
  pool_.join();
}

asio::awaitable<std::string> PasswordHasher::hash(std::string password) {
  co_return co_await asio::co_spawn(pool_.get_executor(), hash_on_pool(std::move(password), cost_),
                                    asio::use_awaitable);
}

asio::awaitable<bool> PasswordHasher::verify(std::string password, std::string hash) {
  co_return co_await asio::co_spawn(pool_.get_executor(),
                                    verify_on_pool(std::move(password), std::move(hash)),
                                    asio::use_awaitable);
}

}  // namespace basalt::auth
