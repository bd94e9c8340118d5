#pragma once
// Starts one request on a fetch::Client and runs the test loop until its callback ran.

#include <optional>
#include <utility>

#include <doctest/doctest.h>

#include "fetch/client.hpp"
#include "support/uv_test_loop.hpp"

namespace feedd::test {

inline fetch::Response fetch_one(UvTestLoop& loop, fetch::Client& client, fetch::Request request) {
  std::optional<fetch::Response> got;
  client.start(std::move(request), [&](fetch::Response r) { got = std::move(r); });
  REQUIRE(loop.run_until([&] { return got.has_value(); }));
  return std::move(*got);
}

}  // namespace feedd::test
