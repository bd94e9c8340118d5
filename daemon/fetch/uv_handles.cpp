#include "fetch/uv_handles.hpp"

#include <stdexcept>
#include <string>

namespace feedd::fetch {
namespace {

template <class Handle>
void close_and_free(Handle* handle) noexcept {
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) noexcept { delete reinterpret_cast<Handle*>(h); });
}

[[noreturn]] void fail(const char* what, int rc) {
  throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
}

}  // namespace

UvTimer::UvTimer(uv_loop_t* loop, void* data) : handle_(new uv_timer_t) {
  const int rc = uv_timer_init(loop, handle_);
  if (rc != 0) {
    delete handle_;  // never initialized: nothing for the loop to close
    fail("uv_timer_init", rc);
  }
  handle_->data = data;
}

UvTimer::~UvTimer() { close_and_free(handle_); }

int UvTimer::start(uv_timer_cb cb, std::uint64_t timeout_ms) {
  return uv_timer_start(handle_, cb, timeout_ms, 0);
}

int UvTimer::stop() { return uv_timer_stop(handle_); }

UvSocketWatch::UvSocketWatch(uv_loop_t* loop, uv_os_sock_t socket, void* data)
    : handle_(new uv_poll_t), socket_(socket) {
  const int rc = uv_poll_init_socket(loop, handle_, socket);
  if (rc != 0) {
    delete handle_;
    fail("uv_poll_init_socket", rc);
  }
  handle_->data = data;
}

UvSocketWatch::~UvSocketWatch() { close_and_free(handle_); }

int UvSocketWatch::start(int events, uv_poll_cb cb) { return uv_poll_start(handle_, events, cb); }

}  // namespace feedd::fetch
