#pragma once
// One thread that runs jobs in the order they were posted, beside a libuv loop. A job
// returns what the loop thread runs once it is done (its completion), so the job's
// results come back to the thread that owns the rest of the state.
//
// The daemon gives it everything that touches the database or the output files: a
// commit, an fdatasync or a WAL checkpoint then never stalls the transfers on the loop,
// and the two cores work at once (one fetches and parses, the other stores).
//
// Jobs and completions are never concurrent with each other in a way that matters to
// the poster: a job runs alone on the worker, and a completion runs on the loop thread.
// What a job reads must not be written by the loop thread while the job may run;
// settle() gives the loop thread a moment when no job runs.

#include <uv.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/uv_handle.hpp"

namespace feedd {

class SerialWorker {
 public:
  using Completion = std::function<void()>;
  using Job = std::function<Completion()>;
  // Called on the loop thread with what a job or a completion threw.
  using OnError = std::function<void(std::exception_ptr)>;

  // Throws std::runtime_error if libuv cannot make the wake-up handle. A non-empty name
  // (up to 15 bytes: the kernel's limit) names the thread, so that `top -H`, `ps -T`
  // and a debugger tell it from the loop thread.
  SerialWorker(uv_loop_t* loop, OnError on_error, std::string name = {});
  // close(), if not done yet.
  ~SerialWorker();
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  // Queues a job (loop thread only). Its completion runs on the loop thread, from the
  // loop or from settle(); a null completion is allowed.
  void post(Job job);

  // Blocks until every posted job has run, and runs the completions, including jobs that
  // completions posted. Afterwards no job runs until the next post(): the loop thread
  // may use what jobs use.
  void settle();

  // True while a posted job has not had its completion run.
  bool busy() const { return outstanding_ > 0; }

  // settle(), then ends the thread and closes the handle (the loop frees it when it runs
  // next). Idempotent.
  void close();

 private:
  static void on_async(uv_async_t* handle) noexcept;
  void work(const std::string& name);
  // Runs the completions that are ready.
  void run_completions();

  OnError on_error_;
  UvHandle<uv_async_t> async_;
  std::thread thread_;
  std::size_t outstanding_ = 0;  // loop thread only

  std::mutex mutex_;
  std::condition_variable wake_;     // the worker: a job, or the end
  std::condition_variable drained_;  // settle(): a completion is ready
  std::deque<Job> jobs_;
  std::deque<std::pair<Completion, std::exception_ptr>> done_;
  bool ending_ = false;
  bool closed_ = false;
};

}  // namespace feedd
