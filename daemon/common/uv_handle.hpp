#pragma once
// One owner per libuv handle. The handle's memory is released only in its uv_close
// callback, as libuv requires; closing is idempotent.

#include <uv.h>

#include <utility>

namespace feedd {

template <class Handle>
class UvHandle {
 public:
  UvHandle() = default;
  // Allocates and initializes: UvHandle<uv_timer_t>::make(loop, uv_timer_init).
  template <class Init, class... Args>
  static UvHandle make(uv_loop_t* loop, Init init, Args&&... args) {
    UvHandle h;
    h.handle_ = new Handle{};
    const int rc = init(loop, h.handle_, std::forward<Args>(args)...);
    if (rc != 0) {
      delete h.handle_;
      h.handle_ = nullptr;
    }
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
  Handle* handle_ = nullptr;
};

}  // namespace feedd
