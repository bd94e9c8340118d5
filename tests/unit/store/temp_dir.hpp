#pragma once
// The suite's TempDir, with `dir / "name"` for the store tests' brevity.

#include <filesystem>

#include "support/temp_dir.hpp"

namespace feedd::store::test {

class TempDir : public feedd::test::TempDir {
 public:
  TempDir() : feedd::test::TempDir("feedd-store-test") {}
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path() / name; }
};

}  // namespace feedd::store::test
