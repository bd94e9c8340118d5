// Any bytes a server may answer with, through the fetcher: a real libcurl transfer on the
// loop, to a server on 127.0.0.1 that sends its response and closes. The input is up to
// five responses, separated by "|next|": the server answers its first connection with
// the first, the next with the second, and so on (the last again after that), so a
// redirect is followed, up to three of them. "@@" in a response stands for the server's
// host and port ("Location: http://@@/elsewhere").
//
// Checked for every input: the transfer ends; an error is one line; what the response
// keeps of its headers (validators, caching headers, type) holds no line break, since
// the validators go back to the server in the next request; a status is 0 or three
// digits, and a response that ends well has one; the body stays within the cap; no more
// redirects are recorded than may be followed, each with a 3xx status, and when a
// transfer that followed redirects ends well, the last recorded target is the URL libcurl
// fetched (the daemon moves a feed there after permanent redirects). Nothing leaves
// 127.0.0.1 (keep_to_loopback).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fetch/client.hpp"
#include "fuzz.hpp"

namespace {

using namespace feedd;

// A TCP socket bound to 127.0.0.1 at a port of the kernel's choosing, which `port` gets;
// listening when asked. The fuzz run stops if there is none.
int loopback_socket(bool listening, int& port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      (listening && ::listen(s, 16) != 0) ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    fuzz::fail(__FILE__, __LINE__, "loopback_socket", "cannot bind on 127.0.0.1");
  }
  port = ntohs(address.sin_port);
  return s;
}

// Answers its connections, once each request has arrived, with the responses in turn
// (the last again once they run out), then closes each.
class RawServer {
 public:
  RawServer() {
    listener_ = loopback_socket(true, port_);
    std::thread([this] { serve(); }).detach();  // lives as long as the process
  }

  int port() const { return port_; }
  void set_responses(std::vector<std::string> responses) {
    std::lock_guard lock(mutex_);
    responses_ = std::move(responses);
    next_ = 0;
  }

 private:
  void serve() {
    for (;;) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::string request;
      char buffer[4096];
      // The request ends at its blank line; a client that sends no more within a second
      // gets the answer anyway.
      while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) break;
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      std::string response;
      {
        std::lock_guard lock(mutex_);
        if (!responses_.empty()) response = responses_[std::min(next_++, responses_.size() - 1)];
      }
      std::size_t sent = 0;
      while (sent < response.size()) {
        const ssize_t n = ::send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::shutdown(fd, SHUT_WR);
      ::close(fd);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> responses_;
  std::size_t next_ = 0;
};

// The input's responses, "@@" replaced by the server's host and port.
std::vector<std::string> responses_of(std::string_view input, int port) {
  constexpr std::string_view kNext = "|next|";
  constexpr std::size_t kMaxResponses = 5;
  const std::string host = "127.0.0.1:" + std::to_string(port);
  std::vector<std::string> out;
  for (;;) {
    const std::size_t end = out.size() + 1 < kMaxResponses ? input.find(kNext) : std::string_view::npos;
    std::string response(input.substr(0, end));
    for (std::size_t at = 0; (at = response.find("@@", at)) != std::string::npos; at += host.size()) {
      response.replace(at, 2, host);
    }
    out.push_back(std::move(response));
    if (end == std::string_view::npos) return out;
    input.remove_prefix(end + kNext.size());
  }
}

bool no_line_break(std::string_view s) { return s.find_first_of("\r\n") == std::string_view::npos; }

constexpr std::size_t kBodyCap = 64 * 1024;
constexpr int kMaxRedirects = 3;

// A redirect may name any host. Nothing leaves 127.0.0.1: every other host goes through
// a proxy that is a bound port nobody listens on, so the transfer fails at once with a
// refused connection instead of asking a resolver or reaching out.
void keep_to_loopback() {
  int port = 0;
  (void)loopback_socket(false, port);  // stays open, so the port stays taken
  const std::string proxy = "http://127.0.0.1:" + std::to_string(port);
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    ::setenv(name, proxy.c_str(), 1);
  }
  ::setenv("no_proxy", "127.0.0.1", 1);
  ::unsetenv("NO_PROXY");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool loopback_only = (keep_to_loopback(), true);
  (void)loopback_only;
  static RawServer server;
  static uv_loop_t* loop = [] {
    auto* l = new uv_loop_t;
    uv_loop_init(l);
    return l;
  }();
  static fetch::Client client(loop);

  server.set_responses(responses_of(std::string_view(reinterpret_cast<const char*>(data), size), server.port()));
  fetch::Request request;
  request.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/feed.xml";
  request.etag = "\"v1\"";
  request.last_modified = "Thu, 27 Feb 2025 15:04:00 GMT";
  request.limits.max_body_bytes = kBodyCap;
  request.limits.connect_timeout = std::chrono::milliseconds(2000);
  request.limits.total_timeout = std::chrono::milliseconds(3000);
  request.limits.max_redirects = kMaxRedirects;

  std::optional<fetch::Response> got;
  client.start(std::move(request), [&](fetch::Response r) { got = std::move(r); });
  while (!got) uv_run(loop, UV_RUN_ONCE);

  const fetch::Response& r = *got;
  FUZZ_CHECK(r.outcome != fetch::Outcome::cancelled, "cancelled");
  FUZZ_CHECK(fuzz::is_one_line(r.error), "error is not one line: " + r.error);
  FUZZ_CHECK(r.status == 0 || (r.status >= 100 && r.status <= 999), "status " + std::to_string(r.status));
  if (r.outcome == fetch::Outcome::ok) FUZZ_CHECK(r.status != 0, "a response without a status");
  for (const std::string* h : {&r.etag, &r.last_modified, &r.cache_control, &r.expires, &r.retry_after, &r.date,
                               &r.content_type}) {
    FUZZ_CHECK(no_line_break(*h), "a header value with a line break: " + *h);
  }
  for (const auto& [status, target] : r.redirects) {
    FUZZ_CHECK(no_line_break(target), "a redirect target with a line break: " + target);
    FUZZ_CHECK(status >= 300 && status <= 399, "a redirect with status " + std::to_string(status));
  }
  FUZZ_CHECK(r.redirects.size() <= static_cast<std::size_t>(kMaxRedirects),
             std::to_string(r.redirects.size()) + " redirects recorded");
  if (r.outcome == fetch::Outcome::ok && !r.redirects.empty()) {
    FUZZ_CHECK(r.redirects.back().second == r.effective_url,
               "redirected to " + r.redirects.back().second + ", fetched " + r.effective_url);
  }
  FUZZ_CHECK(r.body.size() <= kBodyCap, "body over the cap: " + std::to_string(r.body.size()));
  return 0;
}
