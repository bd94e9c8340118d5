#pragma once
// One owner per libuv handle. The handle's memory is released only in its uv_close
// callback, as libuv requires; closing is idempotent.

#include <uv.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace feedd {

template <class Handle>
class UvHandle {
 public:
  UvHandle() = default;
  // Allocates and initializes: UvHandle<uv_timer_t>::make(loop, uv_timer_init). Empty
  // when libuv refuses.
  template <class Init, class... Args>
  static UvHandle make(uv_loop_t* loop, Init init, Args&&... args) {
    UvHandle h;
    init_into(h, loop, init, std::forward<Args>(args)...);
    return h;
  }
  // The same, throwing std::runtime_error ("what: libuv's message") when libuv refuses.
  template <class Init, class... Args>
  static UvHandle make_or_throw(const char* what, uv_loop_t* loop, Init init, Args&&... args) {
    UvHandle h;
    const int rc = init_into(h, loop, init, std::forward<Args>(args)...);
    if (rc != 0) throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
    return h;
  }
  ~UvHandle() { close(); }
  UvHandle(UvHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  UvHandle& operator=(UvHandle&& other) noexcept {
    if (this != &other) {
      close();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;

  Handle* get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

  void close() {
    if (handle_ == nullptr) return;
    auto* h = reinterpret_cast<uv_handle_t*>(std::exchange(handle_, nullptr));
    if (!uv_is_closing(h)) {
      uv_close(h, [](uv_handle_t* closed) { delete reinterpret_cast<Handle*>(closed); });
    }
  }

 private:
  template <class Init, class... Args>
  static int init_into(UvHandle& h, uv_loop_t* loop, Init init, Args&&... args) {
    h.handle_ = new Handle{};
    const int rc = init(loop, h.handle_, std::forward<Args>(args)...);
    if (rc != 0) {
      delete h.handle_;  // never initialized: nothing for the loop to close
      h.handle_ = nullptr;
    }
    return rc;
  }

  Handle* handle_ = nullptr;
};

}  // namespace feedd
