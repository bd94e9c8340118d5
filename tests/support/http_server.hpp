#pragma once
// A scriptable HTTP/1.1 server on 127.0.0.1 for tests: real sockets, an ephemeral port,
// its own threads (one accepting, one per connection), keep-alive, and counters a test
// can assert on. Endpoints match the request path (the query is ignored).
//
//   test::HttpServer server;
//   server.add_endpoint("/feed", 200, {{"ETag", "\"v1\""}}, "<rss/>");
//   client.start({.url = server.url("/feed")}, ...);
//   CHECK(server.requests("/feed") == 1);

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace feedd::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;
  std::string target;  // as sent: path and query
  std::string path;    // without the query
  Headers headers;     // in order, names as sent
  std::string body;

  // The first header of that name (case-insensitive), if any.
  std::optional<std::string> header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  Headers headers;   // Content-Length is added unless present or send_content_length is false
  std::string body;  // bytes as sent (pre-compressed when Content-Encoding says so)

  std::chrono::milliseconds delay{0};    // wait before sending anything
  std::size_t trickle_bytes = 0;         // if > 0: send the body this many bytes at a time ...
  std::chrono::milliseconds trickle_interval{0};  // ... with this pause between pieces
  bool send_content_length = true;       // false: no length, the connection closes after the body
  bool close_without_response = false;   // read the request, then close the connection
  bool close_after = false;              // "Connection: close" and close after this response
};

// A response with just these; set the other fields on the result.
HttpResponse response(int status, Headers headers = {}, std::string body = {});

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Listens on 127.0.0.1:0; throws std::runtime_error if it cannot.
  HttpServer();
  // Stops accepting, wakes and joins every connection thread.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT" + path
  std::string url(std::string_view path) const;

  void add_endpoint(std::string path, int status, Headers headers, std::string body);
  void add_endpoint(std::string path, HttpResponse response);
  // The handler runs on a connection thread for every request to `path`.
  void add_handler(std::string path, Handler handler);
  // Unknown paths get this (default: 404 with a short body).
  void set_fallback(Handler handler);

  // Counters (all thread-safe).
  std::size_t requests(std::string_view path) const;
  std::size_t total_requests() const;
  std::optional<HttpRequest> last_request(std::string_view path) const;
  std::size_t connections_accepted() const { return accepted_.load(); }
  std::size_t open_connections() const { return open_.load(); }
  std::size_t max_concurrent_connections() const { return max_open_.load(); }

 private:
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void accept_loop();
  void serve(Connection* connection);
  HttpResponse respond(const HttpRequest& request);
  // Sleeps for `d` unless the server stops first; false if it stopped.
  bool pause(std::chrono::milliseconds d);
  void reap_finished();

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable stop_cv_;
  std::map<std::string, Handler, std::less<>> handlers_;
  Handler fallback_;
  std::map<std::string, std::size_t, std::less<>> counts_;
  std::map<std::string, HttpRequest, std::less<>> last_;
  std::size_t total_ = 0;
  std::vector<std::unique_ptr<Connection>> connections_;

  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> max_open_{0};
};

// gzip-compresses `data` with the system's gzip program (a test-time helper, no library).
// Throws std::runtime_error if gzip cannot be run.
std::string gzip(std::string_view data);

// Adds 127.0.0.1, localhost and the .invalid domain to no_proxy (once per process), so
// libcurl reaches test servers and the resolver directly even if a proxy is configured.
// HttpServer's constructor calls it.
void bypass_proxies_for_tests();

// A port on 127.0.0.1 where nothing listens (bound, then released).
std::uint16_t unused_port();

}  // namespace feedd::test
