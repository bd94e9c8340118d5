#pragma once
// A fresh directory under the system's temporary directory, removed with its contents
// when the object goes away.

#include <filesystem>
#include <string>
#include <string_view>

namespace feedd::test {

class TempDir {
 public:
  // Throws std::runtime_error if the directory cannot be created.
  explicit TempDir(std::string_view prefix = "feedd-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path() / name
  std::filesystem::path file(std::string_view name) const;
  // Writes `contents` to path() / name (binary) and returns the full path; throws on failure.
  std::filesystem::path write(std::string_view name, std::string_view contents) const;

 private:
  std::filesystem::path path_;
};

}  // namespace feedd::test
