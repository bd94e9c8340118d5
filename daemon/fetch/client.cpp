#include "fetch/client.hpp"

#include <exception>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include <curl/curl.h>
#include <uv.h>

#include "common/log.hpp"
#include "fetch/curl_global.hpp"
#include "fetch/curl_handles.hpp"
#include "fetch/transfer.hpp"
#include "fetch/url_text.hpp"
#include "fetch/uv_handles.hpp"

namespace feedd::fetch {

const char* to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return "ok";
    case Outcome::transport: return "transport";
    case Outcome::timeout: return "timeout";
    case Outcome::too_large: return "too_large";
    case Outcome::redirects: return "redirects";
    case Outcome::cancelled: return "cancelled";
  }
  return "unknown";
}

struct Client::Impl {
  Impl(uv_loop_t* loop, ClientOptions options);
  ~Impl();

  void start(Request request, Callback done);
  void cancel_all();

  // libcurl -> us
  static int on_curl_socket(CURL* easy, curl_socket_t s, int what, void* self, void* socketp) noexcept;
  static int on_curl_timer(CURLM* multi, long timeout_ms, void* self) noexcept;
  // libuv -> us
  static void on_poll(uv_poll_t* handle, int status, int events) noexcept;
  static void on_timeout(uv_timer_t* handle) noexcept;
  static void on_deferred(uv_timer_t* handle) noexcept;

  void socket_action(curl_socket_t s, int events);
  void drain();
  void defer(std::unique_ptr<Transfer> transfer);
  void deliver(std::vector<std::unique_ptr<Transfer>> finished);

  uv_loop_t* loop;
  ClientOptions options;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // callbacks may destroy us
  bool closing = false;
  std::shared_ptr<std::size_t> receiving = std::make_shared<std::size_t>(0);  // Client::receiving_bytes()
  CurlMulti multi;
  UvTimer curl_timer;      // the one timeout libcurl asks for
  UvTimer deferred_timer;  // runs callbacks that must not run inside start()
  std::unordered_map<curl_socket_t, std::unique_ptr<UvSocketWatch>> sockets;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
  std::vector<std::unique_ptr<Transfer>> deferred;
};

Client::Impl::Impl(uv_loop_t* l, ClientOptions o)
    : loop(l),
      options(std::move(o)),
      log(log::get("fetch")),
      curl_timer(l, this),
      deferred_timer(l, this) {
  multi.reset(curl_multi_init());
  if (!multi) throw std::runtime_error("libcurl could not create a multi handle");
  CURLM* m = multi.get();
  const auto check = [](CURLMcode rc, const char* what) {
    if (rc != CURLM_OK) {
      throw std::runtime_error(std::string("curl_multi_setopt ") + what + ": " + curl_multi_strerror(rc));
    }
  };
  CURLMcode rc = curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, &Impl::on_curl_socket);
  check(rc, "SOCKETFUNCTION");
  rc = curl_multi_setopt(m, CURLMOPT_SOCKETDATA, static_cast<void*>(this));
  check(rc, "SOCKETDATA");
  rc = curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, &Impl::on_curl_timer);
  check(rc, "TIMERFUNCTION");
  rc = curl_multi_setopt(m, CURLMOPT_TIMERDATA, static_cast<void*>(this));
  check(rc, "TIMERDATA");
  rc = curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options.max_total_connections));
  check(rc, "MAX_TOTAL_CONNECTIONS");
  rc = curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_host_connections));
  check(rc, "MAX_HOST_CONNECTIONS");
  // Idle connections kept for the next poll: as many as may be open at once.
  if (options.max_total_connections > 0) {
    rc = curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_total_connections));
    check(rc, "MAXCONNECTS");
  }
}

// Shutdown order: transfers out of the multi, socket watches closed (before libcurl
// closes their sockets), multi cleaned up while the loop still exists, then the timers
// close as members. The loop's next run frees every handle in its close callback.
Client::Impl::~Impl() {
  *alive = false;
  closing = true;
  for (auto& [easy, transfer] : transfers) {
    const CURLMcode rc = curl_multi_remove_handle(multi.get(), easy);
    if (rc != CURLM_OK) log->warn("event=remove_handle error=\"{}\"", curl_multi_strerror(rc));
  }
  transfers.clear();
  deferred.clear();
  for (auto& [s, watch] : sockets) {
    const CURLMcode rc = curl_multi_assign(multi.get(), s, nullptr);
    if (rc != CURLM_OK) log->debug("event=unassign socket={} error=\"{}\"", s, curl_multi_strerror(rc));
  }
  sockets.clear();
  multi.reset();
  const int rc1 = curl_timer.stop();
  const int rc2 = deferred_timer.stop();
  if (rc1 != 0 || rc2 != 0) log->warn("event=timer_stop error=\"{}\"", uv_strerror(rc1 != 0 ? rc1 : rc2));
}

// Failures here are logged and reported as success: returning -1 would make libcurl
// abort every transfer of the multi handle, while the one affected transfer still ends
// at its own timeout.
int Client::Impl::on_curl_socket(CURL*, curl_socket_t s, int what, void* self, void* socketp) noexcept {
  auto* impl = static_cast<Impl*>(self);
  auto* watch = static_cast<UvSocketWatch*>(socketp);
  try {
    if (what == CURL_POLL_REMOVE) {
      // Close the watch now: libcurl may close the socket and the number be reused at once.
      if (watch != nullptr) {
        const CURLMcode rc = curl_multi_assign(impl->multi.get(), s, nullptr);
        if (rc != CURLM_OK) impl->log->debug("event=unassign socket={} error=\"{}\"", s, curl_multi_strerror(rc));
        impl->sockets.erase(s);
      }
      return 0;
    }
    if (impl->closing) return 0;
    if (watch == nullptr) {
      auto owned = std::make_unique<UvSocketWatch>(impl->loop, s, impl);
      watch = owned.get();
      impl->sockets[s] = std::move(owned);
      const CURLMcode rc = curl_multi_assign(impl->multi.get(), s, watch);
      if (rc != CURLM_OK) {
        impl->log->error("event=assign socket={} error=\"{}\"", s, curl_multi_strerror(rc));
        impl->sockets.erase(s);
        return 0;
      }
    }
    int events = 0;
    if ((what & CURL_POLL_IN) != 0) events |= UV_READABLE;
    if ((what & CURL_POLL_OUT) != 0) events |= UV_WRITABLE;
    const int rc = watch->start(events, &Impl::on_poll);
    if (rc != 0) impl->log->error("event=poll_start socket={} error=\"{}\"", s, uv_strerror(rc));
    return 0;
  } catch (const std::exception& e) {
    impl->log->error("event=socket_callback error=\"{}\"", e.what());
    return 0;
  } catch (...) {
    return 0;
  }
}

// libcurl wants to be called after timeout_ms (-1: never). It must not be called from here.
int Client::Impl::on_curl_timer(CURLM*, long timeout_ms, void* self) noexcept {
  auto* impl = static_cast<Impl*>(self);
  if (impl->closing) return 0;
  const int rc = timeout_ms < 0 ? impl->curl_timer.stop()
                                : impl->curl_timer.start(&Impl::on_timeout, static_cast<std::uint64_t>(timeout_ms));
  if (rc != 0) {
    // Without its timer nothing drives libcurl: let it fail the transfers.
    impl->log->error("event=timer error=\"{}\"", uv_strerror(rc));
    return -1;
  }
  return 0;
}

void Client::Impl::on_poll(uv_poll_t* handle, int status, int events) noexcept {
  auto* impl = static_cast<Impl*>(handle->data);
  uv_os_fd_t fd = -1;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(handle), &fd) != 0) return;
  int flags = 0;
  if (status < 0) {
    flags = CURL_CSELECT_ERR;
  } else {
    if ((events & UV_READABLE) != 0) flags |= CURL_CSELECT_IN;
    if ((events & UV_WRITABLE) != 0) flags |= CURL_CSELECT_OUT;
  }
  impl->socket_action(static_cast<curl_socket_t>(fd), flags);
}

void Client::Impl::on_timeout(uv_timer_t* handle) noexcept {
  static_cast<Impl*>(handle->data)->socket_action(CURL_SOCKET_TIMEOUT, 0);
}

void Client::Impl::on_deferred(uv_timer_t* handle) noexcept {
  auto* impl = static_cast<Impl*>(handle->data);
  try {
    impl->deliver(std::exchange(impl->deferred, {}));
  } catch (...) {
    // deliver() catches what callbacks throw; nothing else here can throw but bad_alloc.
  }
}

void Client::Impl::socket_action(curl_socket_t s, int events) {
  try {
    int running = 0;
    const CURLMcode rc = curl_multi_socket_action(multi.get(), s, events, &running);
    if (rc != CURLM_OK) log->error("event=socket_action error=\"{}\"", curl_multi_strerror(rc));
    drain();
  } catch (const std::exception& e) {
    log->error("event=socket_action error=\"{}\"", e.what());
  } catch (...) {
    log->error("event=socket_action error=unknown");
  }
}

// Collects every finished transfer (always, not only while some are running), takes it
// out of the multi, then runs the callbacks.
void Client::Impl::drain() {
  std::vector<std::unique_ptr<Transfer>> finished;
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode result = message->data.result;  // `message` dies with remove_handle
    auto it = transfers.find(easy);
    if (it == transfers.end()) continue;
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    transfers.erase(it);
    const CURLMcode rc = curl_multi_remove_handle(multi.get(), easy);
    if (rc != CURLM_OK) log->warn("event=remove_handle error=\"{}\"", curl_multi_strerror(rc));
    transfer->finish(result);
    finished.push_back(std::move(transfer));
  }
  deliver(std::move(finished));
}

void Client::Impl::deliver(std::vector<std::unique_ptr<Transfer>> finished) {
  const std::weak_ptr<bool> still_here = alive;
  for (auto& transfer : finished) {
    const Response& r = transfer->response();
    if (still_here.expired()) {
      transfer.reset();
      continue;
    }
    if (r.outcome == Outcome::ok) {
      log->debug("url={} status={} http={} bytes={} ms={} redirects={}", redact_url(transfer->request().url),
                 r.status, r.http_version.empty() ? "-" : r.http_version, r.bytes_received, r.elapsed.count(),
                 r.redirects.size());
    } else {
      log->debug("url={} outcome={} error=\"{}\" ms={}", redact_url(transfer->request().url),
                 to_string(r.outcome), r.error, r.elapsed.count());
    }
    Callback done = transfer->take_callback();
    Response response = transfer->take_response();
    transfer.reset();
    if (!done) continue;
    try {
      done(std::move(response));
    } catch (const std::exception& e) {
      if (!still_here.expired()) log->error("event=callback_threw error=\"{}\"", e.what());
    } catch (...) {
      if (!still_here.expired()) log->error("event=callback_threw error=unknown");
    }
  }
}

void Client::Impl::defer(std::unique_ptr<Transfer> transfer) {
  deferred.push_back(std::move(transfer));
  const int rc = deferred_timer.start(&Impl::on_deferred, 0);
  if (rc != 0) log->error("event=defer error=\"{}\"", uv_strerror(rc));
}

void Client::Impl::start(Request request, Callback done) {
  auto transfer = std::make_unique<Transfer>(std::move(request), std::move(done), receiving);
  const std::string problem = transfer->setup(options);
  if (!problem.empty()) {
    transfer->fail(Outcome::transport, problem);
    defer(std::move(transfer));
    return;
  }
  CURL* easy = transfer->easy();
  transfers.emplace(easy, std::move(transfer));
  // libcurl answers by asking for a timeout of 0 ms: the transfer begins on the loop.
  const CURLMcode rc = curl_multi_add_handle(multi.get(), easy);
  if (rc != CURLM_OK) {
    auto it = transfers.find(easy);
    std::unique_ptr<Transfer> failed = std::move(it->second);
    transfers.erase(it);
    failed->fail(Outcome::transport, std::string("libcurl refused the transfer: ") + curl_multi_strerror(rc));
    defer(std::move(failed));
  }
}

void Client::Impl::cancel_all() {
  std::vector<std::unique_ptr<Transfer>> cancelled;
  for (auto& [easy, transfer] : transfers) {
    const CURLMcode rc = curl_multi_remove_handle(multi.get(), easy);
    if (rc != CURLM_OK) log->warn("event=remove_handle error=\"{}\"", curl_multi_strerror(rc));
    cancelled.push_back(std::move(transfer));
  }
  transfers.clear();
  for (auto& transfer : deferred) cancelled.push_back(std::move(transfer));
  deferred.clear();
  for (auto& transfer : cancelled) transfer->fail(Outcome::cancelled, "cancelled");
  deliver(std::move(cancelled));
}

Client::Client(uv_loop_s* loop, ClientOptions options) {
  global_init();
  impl_ = std::make_unique<Impl>(loop, std::move(options));
}

Client::~Client() = default;

void Client::start(Request request, Callback done) { impl_->start(std::move(request), std::move(done)); }

void Client::cancel_all() { impl_->cancel_all(); }

std::size_t Client::active() const { return impl_->transfers.size() + impl_->deferred.size(); }

std::size_t Client::receiving_bytes() const { return *impl_->receiving; }

}  // namespace feedd::fetch
