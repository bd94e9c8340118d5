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

// A new directory /tmp/feedd-bench-NAME-XXXXXX that nginx's workers (another user) may
// read; throws if it cannot be made.
std::filesystem::path make_work_dir(const std::string& name);

// The command line as "--flag [value]" pairs: while (args.next()) { if (args.is("--n"))
// n = std::stoi(args.value()); ... else return args.usage(); }. A flag missing its value,
// or an unknown one, ends the program with status 2 and the usage line.
class Args {
 public:
  Args(std::string usage, int argc, char** argv) : usage_(std::move(usage)), argc_(argc), argv_(argv) {}
  bool next() { return ++i_ < argc_; }
  bool is(const char* flag) const { return flag_() == flag; }
  std::string value();
  [[noreturn]] int usage() const;

 private:
  std::string flag_() const { return argv_[i_]; }
  std::string usage_;
  int argc_;
  char** argv_;
  int i_ = 0;
};

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
