#pragma once
// A read-only look into the database for `feedd feeds`: every feed's state and how many
// entries it carried. Opens the file read-only and never creates, migrates or writes it,
// so it is safe while the daemon runs.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"

namespace feedd::store {

struct FeedReport {
  FeedState state;
  std::int64_t entries = 0;  // entries this feed carried (an entry in two feeds counts in both)
};

// The feeds in the database, in the order they were added. An error names the path when
// the file cannot be read or its schema is not the one this feedd writes.
Result<std::vector<FeedReport>> inspect(const std::filesystem::path& database);

}  // namespace feedd::store
