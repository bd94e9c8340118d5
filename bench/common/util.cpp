#include "util.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "common/time.hpp"

namespace fs = std::filesystem;

namespace feedd::bench {

namespace {

const char* const kWords[] = {"market",   "council", "minister", "river",   "election", "budget",    "storm",
                              "festival", "research", "energy",  "railway", "talks",    "court",     "harbour",
                              "school",   "vaccine", "league",   "museum",  "bridge",   "climate",   "satellite",
                              "report",   "village", "export",   "strike",  "summit",   "drought",   "software",
                              "orchestra", "archive", "police",  "forest"};

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

}  // namespace

std::string word(Rng& rng) { return kWords[rng.below(static_cast<int>(std::size(kWords)))]; }

std::string words(Rng& rng, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += ' ';
    out += kWords[rng.below(static_cast<int>(std::size(kWords)))];
  }
  return out;
}

std::string rfc822(std::int64_t t) { return format_rfc1123(Instant{std::chrono::seconds{t}}); }
std::string rfc3339(std::int64_t t) { return format_rfc3339(Instant{std::chrono::seconds{t}}); }

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

void replace_file(const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".tmp";
  write_file(tmp, text);
  fs::rename(tmp, p);
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  if (fd >= 0) close(fd);
  if (!ok) throw std::runtime_error("no free port");
  return ntohs(a.sin_port);
}

bool port_open(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const sockaddr_in a = loopback(port);
  const bool up = connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return up;
}

pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, const fs::path& log) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string self_dir() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : p.parent_path().string();
}

fs::path make_work_dir(const std::string& name) {
  std::string tmpl = "/tmp/feedd-bench-" + name + "-XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create " + tmpl + ": " + std::strerror(errno));
  const fs::path root = tmpl;
  fs::permissions(root, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  return root;
}

std::string Args::value() {
  if (i_ + 1 >= argc_) {
    std::cerr << flag_() << " needs a value\n";
    usage();
  }
  return argv_[++i_];
}

int Args::usage() const {
  std::cerr << "usage: " << usage_ << "\n";
  std::exit(2);
}

Nginx::Nginx(const fs::path& dir, const fs::path& docs, int port, bool access_log) : dir_(dir) {
  fs::create_directories(dir_);
  const auto at = [&](const char* name) { return (dir_ / name).string(); };
  write_file(dir_ / "nginx.conf",
             "daemon off;\nmaster_process on;\nworker_processes 2;\npid " + at("nginx.pid") + ";\nerror_log " +
                 at("error.log") + " warn;\nevents { worker_connections 4096; }\nhttp {\n  access_log " +
                 (access_log ? at("access.log") : std::string("off")) + ";\n  client_body_temp_path " +
                 at("body") + ";\n  proxy_temp_path " + at("proxy") + ";\n  fastcgi_temp_path " + at("fastcgi") +
                 ";\n  uwsgi_temp_path " + at("uwsgi") + ";\n  scgi_temp_path " + at("scgi") +
                 ";\n  types { application/rss+xml xml; }\n  etag on;\n"
                 "  keepalive_requests 100000;\n  server {\n    listen 127.0.0.1:" + std::to_string(port) +
                 ";\n    root " + docs.string() + ";\n  }\n}\n");
  pid_ = spawn({"nginx", "-p", dir_.string(), "-c", at("nginx.conf"), "-e", at("error.log")}, {},
               dir_ / "stdout.log");
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (port_open(port)) return;
  }
  stop();
  throw std::runtime_error("nginx did not start (see " + error_log().string() + ")");
}

Nginx::~Nginx() { stop(); }

void Nginx::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGQUIT);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace feedd::bench
