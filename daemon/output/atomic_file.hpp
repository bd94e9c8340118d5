#pragma once
// Files readers may open at any moment are replaced whole: a temporary file in the same
// directory, written and fsync'd, renamed over the old one, then the directory fsync'd
// (the fsyncs only for Durability::durable).

#include <chrono>
#include <filesystem>
#include <string_view>

#include "common/result.hpp"

namespace feedd::output {

enum class WriteOutcome { written, unchanged };

// durable: the new content survives a crash or power loss once this returns (the file and
// its directory are fsync'd). visible: readers see the old file or the new one, never a
// part, but a power loss may bring the old one back: for files the process rewrites from
// its own memory anyway (feedd.prom), which need not cost the disk two flushes each time.
enum class Durability { durable, visible };

// Replaces `path` with `content` atomically, unless it already holds exactly that.
Result<WriteOutcome> write_atomically(const std::filesystem::path& path, std::string_view content,
                                      Durability durability = Durability::durable);

// Removes what writers killed mid-write left in `dir`: temporary files ".NAME.XXXXXX" not
// modified for `min_age` (a writer still at work keeps its file fresh). Returns how many.
std::size_t remove_stale_temporaries(const std::filesystem::path& dir,
                                     std::chrono::seconds min_age = std::chrono::seconds(60));

// fsync of a directory, so a rename or a new file in it survives a crash.
Status sync_directory(const std::filesystem::path& dir);

}  // namespace feedd::output
