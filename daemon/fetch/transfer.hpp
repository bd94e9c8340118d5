#pragma once
// One HTTP transfer: the easy handle and its options, what the header and write
// callbacks collect, and the mapping of libcurl's result to a Response.

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <curl/curl.h>

#include "fetch/client.hpp"
#include "fetch/curl_handles.hpp"

namespace feedd::fetch {

class Transfer {
 public:
  // `receiving`, when given, counts the body bytes this transfer holds while it holds
  // them (Client::receiving_bytes): until take_response() or its end. Shared, because a
  // callback may destroy the client while other finished transfers still exist.
  Transfer(Request request, Callback done, std::shared_ptr<std::size_t> receiving = nullptr);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Creates and configures the easy handle. Returns "" or a one-line reason the
  // request cannot be made (the transfer then fails without touching the network).
  std::string setup(const ClientOptions& options);

  CURL* easy() const { return easy_.get(); }
  const Request& request() const { return request_; }

  // Fills the response from libcurl's result; call after removing the handle from the multi.
  void finish(CURLcode result);
  // Fills the response for a transfer that never ran or was aborted.
  void fail(Outcome outcome, std::string error);

  // Hands over the callback and the response (the transfer is spent afterwards).
  Callback take_callback() { return std::move(done_); }
  Response take_response();
  const Response& response() const { return response_; }

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self) noexcept;
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self) noexcept;
  void header_line(std::string_view line);
  void note_redirects();
  void set_elapsed();
  std::string timeout_text() const;
  void uncount();

  Request request_;
  Callback done_;
  Response response_;
  // The header list and error buffer are used by the easy handle: declared first, they
  // outlive it.
  CurlSlist headers_;
  std::array<char, CURL_ERROR_SIZE> error_buffer_{};
  CurlEasy easy_;
  std::chrono::steady_clock::time_point started_;

  // What the header callback has seen of the response being received.
  long answered_ = 0;  // the status libcurl read last, for the redirect it may follow
  // The next header line is the first of a response's header block: its status line. Not
  // after the body began (a trailer) nor within a block.
  bool block_start_ = true;
  // A header line of the response to the last request sent (past any redirects) arrived.
  bool hop_answered_ = false;
  bool body_too_large_ = false;
  std::shared_ptr<std::size_t> receiving_;
  std::size_t counted_ = 0;  // of the body, added to *receiving_
};

}  // namespace feedd::fetch
