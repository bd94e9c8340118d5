#include "common/serial_worker.hpp"

#include <pthread.h>

#include <utility>

namespace feedd {

SerialWorker::SerialWorker(uv_loop_t* loop, OnError on_error, std::string name) : on_error_(std::move(on_error)) {
  async_ = UvHandle<uv_async_t>::make_or_throw("cannot create the worker's wake-up handle", loop, uv_async_init,
                                               on_async);
  async_.get()->data = this;
  thread_ = std::thread([this, name = std::move(name)] { work(name); });
}

SerialWorker::~SerialWorker() { close(); }

void SerialWorker::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  ++outstanding_;
  wake_.notify_one();
}

void SerialWorker::work(const std::string& name) {
  // Best effort: a name longer than the kernel takes is cut, not refused.
  if (!name.empty()) pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return ending_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // ending, and nothing left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    Completion completion;
    std::exception_ptr error;
    try {
      completion = job();
    } catch (...) {
      error = std::current_exception();
    }
    job = nullptr;  // what it captured goes on this thread, before the loop hears of it
    lock.lock();
    done_.emplace_back(std::move(completion), error);
    drained_.notify_all();
    if (async_) uv_async_send(async_.get());
  }
}

void SerialWorker::run_completions() {
  // One at a time, so that a completion may itself settle() (or post) safely.
  for (;;) {
    std::pair<Completion, std::exception_ptr> next;
    {
      std::lock_guard lock(mutex_);
      if (done_.empty()) return;
      next = std::move(done_.front());
      done_.pop_front();
    }
    --outstanding_;
    try {
      if (next.second) std::rethrow_exception(next.second);
      if (next.first) next.first();
    } catch (...) {
      if (on_error_) on_error_(std::current_exception());
    }
  }
}

void SerialWorker::settle() {
  while (outstanding_ > 0) {
    {
      std::unique_lock lock(mutex_);
      drained_.wait(lock, [this] { return !done_.empty(); });
    }
    run_completions();
  }
}

void SerialWorker::on_async(uv_async_t* handle) noexcept {
  try {
    static_cast<SerialWorker*>(handle->data)->run_completions();
  } catch (...) {
    // on_error itself threw: nothing sensible is left to tell.
  }
}

void SerialWorker::close() {
  if (closed_) return;
  settle();
  {
    std::lock_guard lock(mutex_);
    ending_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  closed_ = true;
  async_.close();
}

}  // namespace feedd
