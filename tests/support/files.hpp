#pragma once
// Reading back what the program under test wrote.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace feedd::test {

// The whole file, or "" if it cannot be read.
std::string read_file(const std::filesystem::path& path);

// How often `what` occurs in `text` (overlapping occurrences count too).
std::size_t occurrences(std::string_view text, std::string_view what);

// SQLite's `PRAGMA integrity_check` on a database file, opened read-only: "ok" when intact.
std::string integrity_check(const std::filesystem::path& db);

}  // namespace feedd::test
