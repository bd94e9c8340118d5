#pragma once
// Reading back what the program under test wrote.

#include <filesystem>
#include <string>

namespace feedd::test {

// The whole file, or "" if it cannot be read.
std::string read_file(const std::filesystem::path& path);

// SQLite's `PRAGMA integrity_check` on a database file, opened read-only: "ok" when intact.
std::string integrity_check(const std::filesystem::path& db);

}  // namespace feedd::test
