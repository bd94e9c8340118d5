#include "support/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "support/temp_dir.hpp"

namespace feedd::test {
namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

bool has_header(const Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

// Sends all of `data`; false if the peer went away.
bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads more bytes into `buffer`; false on end of stream or error.
bool receive(int fd, std::string& buffer) {
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

// Parses the head of a request ("GET /x HTTP/1.1\r\nName: value\r\n...").
bool parse_head(std::string_view head, HttpRequest& request, std::string& version) {
  std::size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  request.method = line.substr(0, sp1);
  request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  version = line.substr(sp2 + 1);
  request.path = request.target.substr(0, request.target.find('?'));
  while (line_end != std::string_view::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view header = head.substr(start, line_end == std::string_view::npos ? head.npos : line_end - start);
    if (header.empty()) break;
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos) return false;
    request.headers.emplace_back(std::string(trim(header.substr(0, colon))),
                                 std::string(trim(header.substr(colon + 1))));
  }
  return true;
}

}  // namespace

HttpResponse response(int status, Headers headers, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return std::nullopt;
}

HttpServer::HttpServer() {
  bypass_proxies_for_tests();
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  if (::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("setsockopt: ") + std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(listen_fd_);
    throw std::runtime_error(std::string("cannot listen on 127.0.0.1: ") + std::strerror(error));
  }
  port_ = ntohs(address.sin_port);
  fallback_ = [](const HttpRequest&) { return response(404, {}, "not found\n"); };
  acceptor_ = std::thread([this] { accept_loop(); });
}

HttpServer::~HttpServer() {
  stopping_ = true;
  {
    std::lock_guard lock(mutex_);
    stop_cv_.notify_all();
  }
  (void)::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (acceptor_.joinable()) acceptor_.join();
  (void)::close(listen_fd_);
  {
    std::lock_guard lock(mutex_);
    for (auto& c : connections_) {
      if (c->fd >= 0) (void)::shutdown(c->fd, SHUT_RDWR);  // wakes recv()/send()
    }
  }
  // Only the acceptor adds connections, and it has stopped.
  for (auto& c : connections_) {
    if (c->thread.joinable()) c->thread.join();
  }
}

std::string HttpServer::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void HttpServer::add_endpoint(std::string path, int status, Headers headers, std::string body) {
  add_endpoint(std::move(path), response(status, std::move(headers), std::move(body)));
}

void HttpServer::add_endpoint(std::string path, HttpResponse response) {
  add_handler(std::move(path), [response = std::move(response)](const HttpRequest&) { return response; });
}

void HttpServer::add_handler(std::string path, Handler handler) {
  std::lock_guard lock(mutex_);
  handlers_[std::move(path)] = std::move(handler);
}

void HttpServer::set_fallback(Handler handler) {
  std::lock_guard lock(mutex_);
  fallback_ = std::move(handler);
}

std::size_t HttpServer::requests(std::string_view path) const {
  std::lock_guard lock(mutex_);
  const auto it = counts_.find(path);
  return it == counts_.end() ? 0 : it->second;
}

std::size_t HttpServer::total_requests() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::optional<HttpRequest> HttpServer::last_request(std::string_view path) const {
  std::lock_guard lock(mutex_);
  const auto it = last_.find(path);
  if (it == last_.end()) return std::nullopt;
  return it->second;
}

void HttpServer::reap_finished() {
  std::lock_guard lock(mutex_);
  for (auto it = connections_.begin(); it != connections_.end();) {
    if ((*it)->done.load()) {
      if ((*it)->thread.joinable()) (*it)->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void HttpServer::accept_loop() {
  while (!stopping_) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down (EINVAL) or broken
    }
    if (stopping_) {
      (void)::close(fd);
      return;
    }
    ++accepted_;
    const std::size_t now_open = ++open_;
    std::size_t seen = max_open_.load();
    while (now_open > seen && !max_open_.compare_exchange_weak(seen, now_open)) {
    }
    reap_finished();
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    Connection* raw = connection.get();
    std::lock_guard lock(mutex_);
    connections_.push_back(std::move(connection));
    raw->thread = std::thread([this, raw] { serve(raw); });
  }
}

bool HttpServer::pause(std::chrono::milliseconds d) {
  if (d.count() <= 0) return !stopping_;
  std::unique_lock lock(mutex_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

HttpResponse HttpServer::respond(const HttpRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    ++counts_[request.path];
    ++total_;
    last_[request.path] = request;
    const auto it = handlers_.find(request.path);
    handler = it != handlers_.end() ? it->second : fallback_;
  }
  return handler(request);
}

void HttpServer::serve(Connection* connection) {
  const int fd = connection->fd;
  std::string buffer;
  bool open = true;
  bool counted = true;  // in open_: the connection is still served
  while (open && !stopping_) {
    std::size_t head_end = std::string::npos;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (buffer.size() > kMaxHeaderBytes || !receive(fd, buffer)) {
        open = false;
        break;
      }
    }
    if (!open) break;
    HttpRequest request;
    std::string version;
    if (!parse_head(std::string_view(buffer).substr(0, head_end + 2), request, version)) break;
    buffer.erase(0, head_end + 4);
    std::size_t content_length = 0;
    if (const auto cl = request.header("Content-Length")) {
      const auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), content_length);
      if (ec != std::errc{}) break;
    }
    while (buffer.size() < content_length) {
      if (!receive(fd, buffer)) {
        open = false;
        break;
      }
    }
    if (!open) break;
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);

    HttpResponse response;
    try {
      response = respond(request);
    } catch (const std::exception& e) {
      response = test::response(500, {}, std::string("handler threw: ") + e.what() + "\n");
    }
    if (response.close_without_response) break;
    if (!pause(response.delay)) break;

    const auto connection_header = request.header("Connection");
    const bool keep_alive = version == "HTTP/1.1" && !response.close_after && response.send_content_length &&
                            !(connection_header && iequals(*connection_header, "close"));
    const bool bodyless = response.status == 204 || response.status == 304 ||
                          (response.status >= 100 && response.status < 200) || request.method == "HEAD";
    std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    if (response.send_content_length && !bodyless && !has_header(response.headers, "Content-Length")) {
      head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    }
    if (!keep_alive) {
      head += "Connection: close\r\n";
      // The last response on this connection: no longer counted as open before it goes,
      // since a client that has read it may connect again before this thread closes.
      std::lock_guard lock(mutex_);
      --open_;
      counted = false;
    }
    head += "\r\n";
    const std::string_view body = bodyless ? std::string_view() : std::string_view(response.body);
    if (response.trickle_bytes == 0) {
      if (!send_all(fd, head + std::string(body))) break;
    } else {
      if (!send_all(fd, head)) break;
      bool sent = true;
      for (std::size_t offset = 0; offset < body.size() && sent; offset += response.trickle_bytes) {
        if (offset > 0 && !pause(response.trickle_interval)) sent = false;
        if (sent) sent = send_all(fd, body.substr(offset, response.trickle_bytes));
      }
      if (!sent) break;
    }
    if (!keep_alive) break;
  }
  std::lock_guard lock(mutex_);
  if (counted) --open_;
  (void)::close(fd);
  connection->fd = -1;
  connection->done = true;
}

std::string gzip(std::string_view data) {
  const TempDir dir("feedd-gzip");
  const std::string input = dir.write("data", data).string();
  const std::string command = "gzip -c -n '" + input + "'";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run gzip");
  std::string out;
  char chunk[65536];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) out.append(chunk, n);
  const int status = ::pclose(pipe);
  if (status != 0 || out.empty()) throw std::runtime_error("gzip failed");
  return out;
}

void bypass_proxies_for_tests() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* existing = std::getenv("no_proxy");
    std::string value = existing != nullptr ? existing : "";
    if (!value.empty()) value += ",";
    value += "127.0.0.1,localhost,invalid";
    if (::setenv("no_proxy", value.c_str(), 1) != 0) throw std::runtime_error("setenv no_proxy failed");
  });
}

std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    (void)::close(fd);
    throw std::runtime_error("bind failed");
  }
  (void)::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace feedd::test
