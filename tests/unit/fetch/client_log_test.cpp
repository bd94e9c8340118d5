// What the fetch logger writes about a transfer.

#include <doctest/doctest.h>

#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "common/log.hpp"
#include "fetch/client.hpp"
#include "support/http_server.hpp"
#include "support/uv_test_loop.hpp"

namespace feedd {
namespace {

// Adds a sink that records the "fetch" logger's output at debug level, for one scope.
class CapturedLog {
 public:
  CapturedLog()
      : logger_(log::get("fetch")),
        level_(logger_->level()),
        sink_(std::make_shared<spdlog::sinks::ostream_sink_st>(text_)) {
    // Only the capture sees the debug lines: the usual sinks keep their level.
    for (const auto& sink : logger_->sinks()) {
      saved_.emplace_back(sink, sink->level());
      if (sink->level() < spdlog::level::info) sink->set_level(spdlog::level::info);
    }
    logger_->sinks().push_back(sink_);
    logger_->set_level(spdlog::level::debug);
  }
  ~CapturedLog() {
    logger_->sinks().pop_back();
    logger_->set_level(level_);
    for (const auto& [sink, level] : saved_) sink->set_level(level);
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> logger_;
  spdlog::level::level_enum level_;
  std::shared_ptr<spdlog::sinks::ostream_sink_st> sink_;
  std::vector<std::pair<spdlog::sink_ptr, spdlog::level::level_enum>> saved_;
};

}  // namespace

TEST_CASE("the fetch log names the transfer but never shows a password or the body") {
  test::HttpServer server;
  server.add_endpoint("/private", 200, {}, "BODY-SENTINEL-7f3a");
  test::UvTestLoop loop;
  fetch::Client client(loop.get());
  CapturedLog captured;
  fetch::Request request;
  request.url = "http://reader:s3cret-pw@127.0.0.1:" + std::to_string(server.port()) + "/private";
  std::optional<fetch::Response> got;

  client.start(request, [&](fetch::Response r) { got = std::move(r); });
  REQUIRE(loop.run_until([&] { return got.has_value(); }));

  REQUIRE(got->outcome == fetch::Outcome::ok);
  CHECK(got->body == "BODY-SENTINEL-7f3a");
  const auto seen = server.last_request("/private");
  REQUIRE(seen.has_value());
  CHECK(seen->header("Authorization").has_value());  // the password was used ...
  const std::string text = captured.text();
  INFO(text);
  CHECK(text.find("/private") != std::string::npos);  // ... the transfer was logged ...
  CHECK(text.find("reader:***@") != std::string::npos);
  CHECK(text.find(" status=200 http=1.1 ") != std::string::npos);
  CHECK(text.find("s3cret-pw") == std::string::npos);  // ... without the password
  CHECK(text.find("BODY-SENTINEL") == std::string::npos);
}

}  // namespace feedd
