#pragma once
// Per-host politeness on the loop's monotonic clock: polls of one host start at least a
// gap apart, and after a 429/503 with Retry-After no poll of that host starts before the
// server's time. Pure bookkeeping: the caller passes the time (milliseconds).

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace feedd::schedule {

// The host part of a URL ("https://user@Example.org:8080/x" -> "example.org:8080"), which
// is what spacing is counted by; "" for a URL without one (file:).
std::string host_of(std::string_view url);

class HostSpacing {
 public:
  explicit HostSpacing(std::uint64_t gap_ms = 1000) : gap_ms_(gap_ms) {}

  void set_gap(std::uint64_t gap_ms) { gap_ms_ = gap_ms; }

  // The earliest time at or after `now_ms` that a poll of `host` may start, reserved
  // for it: the next call for the same host gets a later slot. An empty host is never
  // delayed.
  std::uint64_t reserve(const std::string& host, std::uint64_t now_ms);
  // No poll of `host` starts before `until_ms` (a later block only extends it).
  void block(const std::string& host, std::uint64_t until_ms);
  // Until when `host` is blocked by a Retry-After, or 0.
  std::uint64_t blocked_until(const std::string& host) const;
  // Forgets hosts with nothing reserved or blocked after `now_ms` (keeps the map small).
  void forget_before(std::uint64_t now_ms);
  std::size_t size() const { return hosts_.size(); }

 private:
  struct Host {
    std::uint64_t next_free = 0;
    std::uint64_t blocked_until = 0;
  };
  std::uint64_t gap_ms_;
  std::unordered_map<std::string, Host> hosts_;
};

}  // namespace feedd::schedule
