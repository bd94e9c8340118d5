#include "schedule/hosts.hpp"

#include <algorithm>
#include <cctype>

namespace feedd::schedule {

std::string host_of(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string host(rest);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

std::uint64_t HostSpacing::reserve(const std::string& host, std::uint64_t now_ms) {
  if (host.empty()) return now_ms;
  Host& h = hosts_[host];
  const std::uint64_t start = std::max({now_ms, h.next_free, h.blocked_until});
  h.next_free = start + gap_ms_;
  return start;
}

void HostSpacing::block(const std::string& host, std::uint64_t until_ms) {
  if (host.empty()) return;
  Host& h = hosts_[host];
  h.blocked_until = std::max(h.blocked_until, until_ms);
}

std::uint64_t HostSpacing::blocked_until(const std::string& host) const {
  const auto it = hosts_.find(host);
  return it == hosts_.end() ? 0 : it->second.blocked_until;
}

void HostSpacing::forget_before(std::uint64_t now_ms) {
  std::erase_if(hosts_, [&](const auto& item) {
    return item.second.next_free <= now_ms && item.second.blocked_until <= now_ms;
  });
}

}  // namespace feedd::schedule
