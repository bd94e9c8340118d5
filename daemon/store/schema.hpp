#pragma once
// The database schema and its migrations. PRAGMA user_version holds the version; each
// migration takes the database from version N-1 to N, and they run in order from
// whatever version the file is at, all in one transaction. Version 0 is an empty file.

#include "store/sqlite.hpp"

namespace feedd::store::schema {

inline constexpr int kCurrentVersion = 12;

int version(sql::Db& db);

// Applies the migrations after the database's version up to `target` (tests stop early to
// build databases as older releases left them). Throws sql::SqlError; a failed migration
// leaves the database as it was.
void migrate(sql::Db& db, int target = kCurrentVersion);

}  // namespace feedd::store::schema
