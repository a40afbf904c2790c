#include "common/metrics.hpp"

#include <fmt/format.h>

namespace basalt {

void Metrics::observe_request(const std::string& route, const std::string& method, int status,
                              double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, method, status}];
  auto& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP basalt_http_requests_total HTTP requests served, by route, method and status.\n";
  out += "# TYPE basalt_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out +=
        fmt::format("basalt_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n",
                    route, method, status, n);
  }
  out +=
      "# HELP basalt_http_request_duration_seconds Time from request read to response written.\n";
  out += "# TYPE basalt_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      out +=
          fmt::format("basalt_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                      route, kBuckets[i], h.counts[i]);
    }
    out +=
        fmt::format("basalt_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                    route, h.count);
    out +=
        fmt::format("basalt_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("basalt_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                       h.count);
  }
  for (const auto& g : gauges_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", g.name, g.help, g.name, g.name,
                       g.read());
  }
  return out;
}

}  // namespace basalt
