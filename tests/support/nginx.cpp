#include "support/nginx.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/files.hpp"

namespace feedd::test {
namespace {

// A child that has exited but is not reaped yet is a zombie: state 'Z' in /proc.
bool exited(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return false;  // no /proc: the caller's deadline decides
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(") ");
  return paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] == 'Z';
}

}  // namespace

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  (void)::close(fd);
  return connected;
}

Nginx::Nginx(const std::filesystem::path& prefix, std::uint16_t port, const std::string& http)
    : prefix_(prefix), port_(port) {
  if (!std::filesystem::exists(kNginxBinary)) {
    throw std::runtime_error(std::string("nginx is not installed at ") + kNginxBinary +
                             " (Debian package nginx; scripts/install-deps installs it)");
  }
  std::filesystem::create_directories(prefix_ / "tmp");
  const std::string p = prefix_.string();
  const std::string conf =
      "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + p + "/nginx.pid;\n"
      "error_log " + p + "/error.log;\nevents { worker_connections 64; }\n"
      "http {\n  client_body_temp_path " + p + "/tmp/body;\n"
      "  proxy_temp_path " + p + "/tmp/proxy;\n  fastcgi_temp_path " + p + "/tmp/fastcgi;\n"
      "  uwsgi_temp_path " + p + "/tmp/uwsgi;\n  scgi_temp_path " + p + "/tmp/scgi;\n" + http + "}\n";
  std::ofstream(prefix_ / "nginx.conf", std::ios::binary) << conf;
  process_ = std::make_unique<Process>(
      std::vector<std::string>{kNginxBinary, "-p", p, "-e", p + "/error.log", "-c", p + "/nginx.conf"});

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts_connections(port_)) {
    if (exited(process_->pid()) || std::chrono::steady_clock::now() >= deadline) {
      const auto result = process_->wait(std::chrono::milliseconds(100));
      throw std::runtime_error("nginx did not start on 127.0.0.1:" + std::to_string(port_) + ": " +
                               error_log() + result.err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Nginx::~Nginx() {
  if (process_) stop();
}

std::string Nginx::error_log() const { return read_file(prefix_ / "error.log"); }

bool Nginx::stop(std::chrono::milliseconds timeout) {
  if (!process_) return true;
  process_->signal(SIGQUIT);
  const bool stopped = !process_->wait(timeout).timed_out;
  process_.reset();
  return stopped;
}

}  // namespace feedd::test
