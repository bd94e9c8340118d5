#pragma once
// HTTP(S) client on the libuv loop: libcurl's multi-socket API, no threads,
// no curl_easy_perform. Conditional GET, capped bodies, timeouts, redirect limits.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"

struct uv_loop_s;

namespace feedd::fetch {

struct Limits {
  std::size_t max_body_bytes = std::size_t{16} << 20;  // counted after decompression
  std::chrono::milliseconds connect_timeout{15'000};
  std::chrono::milliseconds total_timeout{60'000};
  long low_speed_bytes_per_second = 64;                 // abort below this rate ...
  std::chrono::seconds low_speed_time{30};              // ... sustained this long
  long max_redirects = 5;
};

struct ClientOptions {
  std::string user_agent;             // default: feedd/VERSION (+URL)
  std::size_t max_total_connections = 32;
  std::size_t max_host_connections = 2;
};

struct Request {
  std::string url;
  std::string etag;           // sent as If-None-Match, exactly as stored
  std::string last_modified;  // sent as If-Modified-Since, exactly as stored
  std::string user_agent;     // overrides ClientOptions::user_agent when set
  std::vector<std::string> headers;  // extra "Name: value" lines
  bool allow_file = false;    // file:// permitted (only for feeds configured as file URLs)
  // PEM file of the CA certificates that verify https servers, instead of the system's
  // store (for feeds behind a private CA); empty: the system's. Per request, not per
  // client, so a reloaded config applies to the next poll; libcurl reuses a connection
  // only for requests with the same CA file.
  std::string ca_file;
  Limits limits;
};

enum class Outcome {
  ok,            // a final HTTP status arrived (any status, including 304 and errors)
  transport,     // connection refused, DNS, TLS, reset, ...
  timeout,       // connect/total timeout or low-speed abort
  too_large,     // body cap exceeded
  redirects,     // redirect limit exceeded or redirect to a refused protocol
  cancelled,     // Client::cancel_all
};

// "ok", "transport", "timeout", "too_large", "redirects", "cancelled": for logs and metrics.
const char* to_string(Outcome outcome);

struct Response {
  Outcome outcome = Outcome::transport;
  long status = 0;               // final HTTP status (0 without one; 200 for a file:// read)
  std::string error;             // human-readable cause when outcome != ok
  std::string effective_url;     // after redirects
  std::string body;              // decompressed
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string cache_control;
  std::string expires;
  std::string retry_after;       // raw header value
  std::string date;              // raw Date header: the server's clock, for Expires
  // HTTP version the transfer last spoke, as after "HTTP/" in a status line: "1.0",
  // "1.1", "2" or "3"; "" when no HTTP response came (refused, TLS failure, file://).
  std::string http_version;
  // Every redirect in the chain, in order: status and target. A redirect libcurl followed
  // has the URL it then fetched as its target (so the last is effective_url when the
  // transfer ended well); one it did not follow (the limit, a refused protocol), its
  // Location resolved against the URL that answered with it.
  std::vector<std::pair<long, std::string>> redirects;
  std::uint64_t bytes_received = 0;  // body bytes on the wire
  std::chrono::milliseconds elapsed{0};
};

using Callback = std::function<void(Response)>;

class Client {
 public:
  Client(uv_loop_s* loop, ClientOptions options = {});
  // Drops transfers still in flight without calling back (cancel_all first to be told).
  // The handles are freed by their close callbacks: run the loop once more afterwards,
  // then uv_loop_close succeeds. A callback may destroy its Client.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts a transfer; `done` runs on the loop when it ends (never from inside start()).
  void start(Request request, Callback done);
  // Aborts every transfer; each callback runs with Outcome::cancelled, from inside this call.
  void cancel_all();
  std::size_t active() const;
  // Body bytes (decompressed) the transfers in flight have received and hold, all
  // together: memory the daemon counts before it starts more.
  std::size_t receiving_bytes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace feedd::fetch
