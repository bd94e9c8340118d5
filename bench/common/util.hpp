#pragma once
// What the benchmarks that run whole programs share: a seeded generator of feed-like text,
// files, free ports, child processes and an nginx serving a directory on 127.0.0.1.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace feedd::bench {

// xorshift64*: a fixed seed gives the same corpus on every machine.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed ? seed : 1) {}
  std::uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 2685821657736338717ULL;
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }

 private:
  std::uint64_t s_;
};

// n words of news-like vocabulary, separated by spaces; one word.
std::string words(Rng& rng, int n);
std::string word(Rng& rng);

// Dates as feeds write them (seconds since the epoch), through the daemon's formatters.
std::string rfc822(std::int64_t t);
std::string rfc3339(std::int64_t t);

// Writes the whole file; throws on failure. replace_file writes a temporary beside it and
// renames it over, so a server reading the file meanwhile sees the old or the new one.
void write_file(const std::filesystem::path& p, const std::string& text);
void replace_file(const std::filesystem::path& p, const std::string& text);

int free_port();  // a TCP port on 127.0.0.1 nothing listens on (now)
bool port_open(int port);

// fork + exec in a process group of its own, standard output and error appended to log,
// env added to this process's environment.
pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
            const std::filesystem::path& log);

double median(std::vector<double> v);
std::string self_dir();  // the directory of the running executable

// nginx serving `docs` on 127.0.0.1:port with ETags, its files under `dir`; stopped (and
// waited for) by stop() or the destructor.
class Nginx {
 public:
  Nginx(const std::filesystem::path& dir, const std::filesystem::path& docs, int port, bool access_log);
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;
  void stop();
  std::filesystem::path error_log() const { return dir_ / "error.log"; }

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace feedd::bench
