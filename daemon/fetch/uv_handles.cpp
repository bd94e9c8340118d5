#include "fetch/uv_handles.hpp"

namespace feedd::fetch {

UvTimer::UvTimer(uv_loop_t* loop, void* data)
    : handle_(UvHandle<uv_timer_t>::make_or_throw("uv_timer_init", loop, uv_timer_init)) {
  handle_.get()->data = data;
}

int UvTimer::start(uv_timer_cb cb, std::uint64_t timeout_ms) {
  return uv_timer_start(handle_.get(), cb, timeout_ms, 0);
}

int UvTimer::stop() { return uv_timer_stop(handle_.get()); }

UvSocketWatch::UvSocketWatch(uv_loop_t* loop, uv_os_sock_t socket, void* data)
    : handle_(UvHandle<uv_poll_t>::make_or_throw("uv_poll_init_socket", loop, uv_poll_init_socket, socket)),
      socket_(socket) {
  handle_.get()->data = data;
}

int UvSocketWatch::start(int events, uv_poll_cb cb) { return uv_poll_start(handle_.get(), events, cb); }

}  // namespace feedd::fetch
