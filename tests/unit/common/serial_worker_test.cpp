// SerialWorker: jobs in order on one other thread, completions on the loop's thread.

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/serial_worker.hpp"
#include "support/uv_test_loop.hpp"

namespace feedd {
namespace {

using namespace std::chrono_literals;

TEST_CASE("serial worker: jobs run in order off the loop thread, completions on it") {
  test::UvTestLoop loop;
  SerialWorker worker(loop.get(), nullptr);
  const auto loop_thread = std::this_thread::get_id();

  std::vector<int> ran;  // written by jobs only: one at a time
  std::vector<int> completed;
  std::atomic<int> jobs_on_loop_thread{0};
  int completions_off_loop_thread = 0;
  for (int i = 0; i < 100; ++i) {
    worker.post([&, i]() -> SerialWorker::Completion {
      if (std::this_thread::get_id() == loop_thread) ++jobs_on_loop_thread;
      ran.push_back(i);
      return [&, i] {
        if (std::this_thread::get_id() != loop_thread) ++completions_off_loop_thread;
        completed.push_back(i);
      };
    });
  }
  CHECK(worker.busy());
  REQUIRE(loop.run_until([&] { return completed.size() == 100; }));
  CHECK_FALSE(worker.busy());
  CHECK(jobs_on_loop_thread == 0);
  CHECK(completions_off_loop_thread == 0);
  for (int i = 0; i < 100; ++i) {
    CHECK(ran[static_cast<std::size_t>(i)] == i);
    CHECK(completed[static_cast<std::size_t>(i)] == i);
  }
  worker.close();
  CHECK(loop.close() == 0);
}

TEST_CASE("serial worker: settle() waits for slow jobs and runs their completions, also those posted by completions") {
  test::UvTestLoop loop;
  SerialWorker worker(loop.get(), nullptr);
  std::vector<std::string> events;
  worker.post([&]() -> SerialWorker::Completion {
    std::this_thread::sleep_for(50ms);
    return [&] {
      events.push_back("first done");
      // A completion that posts more work: settle() waits for that too.
      worker.post([&]() -> SerialWorker::Completion {
        std::this_thread::sleep_for(20ms);
        return [&] { events.push_back("second done"); };
      });
    };
  });
  worker.post([]() -> SerialWorker::Completion { return nullptr; });  // no completion at all
  worker.settle();  // without running the loop
  CHECK(events == std::vector<std::string>{"first done", "second done"});
  CHECK_FALSE(worker.busy());
  worker.close();
  CHECK(loop.close() == 0);
}

TEST_CASE("serial worker: a completion may settle() while others wait behind it") {
  test::UvTestLoop loop;
  SerialWorker worker(loop.get(), nullptr);
  std::vector<int> order;
  worker.post([&]() -> SerialWorker::Completion {
    return [&] {
      order.push_back(1);
      worker.settle();  // the next job's completion runs here, inside this one
      order.push_back(3);
    };
  });
  worker.post([&]() -> SerialWorker::Completion { return [&] { order.push_back(2); }; });
  // Both jobs are done before the loop hears of the first.
  std::this_thread::sleep_for(50ms);
  REQUIRE(loop.run_until([&] { return order.size() == 3; }));
  CHECK(order == std::vector<int>{1, 2, 3});
  worker.close();
  CHECK(loop.close() == 0);
}

TEST_CASE("serial worker: what a job or a completion throws reaches the error handler on the loop thread") {
  test::UvTestLoop loop;
  std::vector<std::string> errors;
  const auto loop_thread = std::this_thread::get_id();
  bool handler_on_loop_thread = true;
  SerialWorker worker(loop.get(), [&](std::exception_ptr e) {
    handler_on_loop_thread = handler_on_loop_thread && std::this_thread::get_id() == loop_thread;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      errors.emplace_back(ex.what());
    }
  });
  bool after_ran = false;
  worker.post([]() -> SerialWorker::Completion { throw std::runtime_error("job failed"); });
  worker.post([]() -> SerialWorker::Completion { return [] { throw std::runtime_error("completion failed"); }; });
  worker.post([&]() -> SerialWorker::Completion { return [&] { after_ran = true; }; });
  REQUIRE(loop.run_until([&] { return after_ran; }));
  CHECK(errors == std::vector<std::string>{"job failed", "completion failed"});
  CHECK(handler_on_loop_thread);
  worker.close();
  CHECK(loop.close() == 0);
}

TEST_CASE("serial worker: close() runs what is still queued, then the loop closes cleanly") {
  test::UvTestLoop loop;
  int jobs = 0;
  int completions = 0;
  {
    SerialWorker worker(loop.get(), nullptr);
    for (int i = 0; i < 10; ++i) {
      worker.post([&]() -> SerialWorker::Completion {
        std::this_thread::sleep_for(2ms);
        ++jobs;
        return [&] { ++completions; };
      });
    }
    worker.close();
    CHECK(jobs == 10);
    CHECK(completions == 10);
    worker.close();  // twice is harmless
  }  // the destructor after close() does nothing more
  CHECK(loop.close() == 0);
}

TEST_CASE("serial worker: a name names its thread, cut to the kernel's 15 bytes") {
  test::UvTestLoop loop;
  // What `ps -T` and `top -H` show: the thread's comm.
  const auto comm = [] {
    std::ifstream in("/proc/thread-self/comm");
    std::string name;
    std::getline(in, name);
    return name;
  };
  const std::string loop_name = comm();
  SerialWorker named(loop.get(), nullptr, "feedd-store");
  SerialWorker long_name(loop.get(), nullptr, "a-name-longer-than-fifteen");
  SerialWorker unnamed(loop.get(), nullptr);
  std::string seen_named, seen_long, seen_unnamed;
  named.post([&]() -> SerialWorker::Completion {
    seen_named = comm();
    return nullptr;
  });
  long_name.post([&]() -> SerialWorker::Completion {
    seen_long = comm();
    return nullptr;
  });
  unnamed.post([&]() -> SerialWorker::Completion {
    seen_unnamed = comm();
    return nullptr;
  });
  named.settle();
  long_name.settle();
  unnamed.settle();
  CHECK(seen_named == "feedd-store");
  CHECK(seen_long == "a-name-longer-t");
  CHECK(seen_unnamed == loop_name);  // a thread inherits its creator's name
  CHECK(comm() == loop_name);        // the loop thread keeps its own
  named.close();
  long_name.close();
  unnamed.close();
  CHECK(loop.close() == 0);
}

}  // namespace
}  // namespace feedd
