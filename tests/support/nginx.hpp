#pragma once
// nginx (Debian package nginx) run by a test: in the foreground, one process, as a child
// of the test, with its configuration, logs and temporary files in a directory of the
// test's own, listening on 127.0.0.1.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "support/process.hpp"

namespace feedd::test {

// Where Debian installs nginx.
inline constexpr const char* kNginxBinary = "/usr/sbin/nginx";

class Nginx {
 public:
  // Writes prefix/nginx.conf with `http` as the body of its http block (the server blocks
  // and what they need; temporary paths are set already), starts nginx and waits until
  // 127.0.0.1:port accepts connections. Throws std::runtime_error naming the cause, with
  // nginx's error log, if nginx is not installed or does not come up.
  Nginx(const std::filesystem::path& prefix, std::uint16_t port, const std::string& http);
  ~Nginx();  // stop(), if not done
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  std::uint16_t port() const { return port_; }
  std::string error_log() const;
  // A graceful stop (SIGQUIT); false if nginx had to be killed.
  bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  std::filesystem::path prefix_;
  std::uint16_t port_;
  std::unique_ptr<Process> process_;
};

// True once something accepts a TCP connection on 127.0.0.1:port.
bool accepts_connections(std::uint16_t port);

}  // namespace feedd::test
