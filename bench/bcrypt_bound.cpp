// The bcrypt bound of password sign-in: how many cost-N bcrypt verifications this machine does
// per second with every core busy (one thread per core, each verifying in a loop). A password
// sign-in does exactly one, so no server can sign users in faster than this.
// Usage: bench_bcrypt [seconds] [cost]   -> prints "<verifications per second>"
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "auth/password_hasher.hpp"

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  const int cost = argc > 2 ? std::atoi(argv[2]) : 10;
  auto hash = basalt::auth::bcrypt_hash("bench password", cost);
  if (!hash) {
    std::fprintf(stderr, "bcrypt_hash failed: %s\n", hash.error().message.c_str());
    return 1;
  }
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < threads; ++i) {
    pool.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        if (!basalt::auth::bcrypt_verify("bench password", *hash)) std::abort();
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : pool) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f\n", static_cast<double>(done.load()) / elapsed);
  return 0;
}
