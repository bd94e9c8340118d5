#pragma once
// Reading the parser's fixtures (tests/fixtures/feed) in tests.

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "feed/parser.hpp"

namespace feedd::feed::test {

inline std::string fixture(const std::string& name) {
  const std::string path = std::string(FEEDD_FIXTURES) + "/feed/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline Feed parse_fixture(const std::string& name, ParseOptions options = {}) {
  auto result = parse(fixture(name), options);
  REQUIRE_MESSAGE(result.ok(), name << ": " << (result.ok() ? "" : result.error().message));
  return std::move(result).value();
}

inline std::string parse_error(std::string_view bytes, ParseOptions options = {}) {
  auto result = parse(bytes, options);
  REQUIRE_FALSE(result.ok());
  return result.error().message;
}

}  // namespace feedd::feed::test
