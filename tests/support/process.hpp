#pragma once
// Runs the real feedd binary (or any program) as a child process for tests.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace feedd::test {

struct ProcessResult {
  int exit_code = -1;    // -1 if killed by a signal
  int signal = 0;        // the signal that ended it, if any
  std::string out;       // standard output
  std::string err;       // standard error
  bool timed_out = false;
};

// A child process with stdout and stderr captured into files in a temporary directory.
class Process {
 public:
  explicit Process(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signum) const;
  // Waits up to `timeout`; on timeout the child is killed with SIGKILL and timed_out is set.
  ProcessResult wait(std::chrono::milliseconds timeout);
  // What the child has written to stderr so far.
  std::string err_so_far() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
  bool reaped_ = false;
};

// Runs to completion (killed after `timeout`).
ProcessResult run(std::vector<std::string> argv,
                  std::chrono::milliseconds timeout = std::chrono::seconds(60),
                  std::vector<std::string> extra_env = {});

// The feedd binary built with this test suite.
std::string feedd_binary();

// Every line of `text` containing `needle`.
std::vector<std::string> lines_with(const std::string& text, const std::string& needle);

}  // namespace feedd::test
