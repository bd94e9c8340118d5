#include "store/sqlite.hpp"

#include <limits>
#include <string>

#include "common/log.hpp"

namespace feedd::store::sql {

namespace {

// Once, before SQLite's first use in the process: no global count of SQLite's memory,
// which every allocation would otherwise update under one process-wide mutex (feedd
// never reads it). When something opened a database first, SQLite refuses the change,
// and that is harmless.
void configure_sqlite() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

}  // namespace

Db::Db(const std::filesystem::path& path, int flags) {
  configure_sqlite();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // owned even on failure: sqlite3_open_v2 may allocate a handle anyway
  if (rc != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw SqlError(rc, message);
  }
  const int ext = sqlite3_extended_result_codes(raw, 1);
  if (ext != SQLITE_OK) fail(ext, "extended result codes");
}

std::string Db::message() const { return sqlite3_errmsg(db_.get()); }

void Db::fail(int rc, std::string_view what) const {
  std::string message(what);
  message += ": ";
  message += sqlite3_errmsg(db_.get());
  throw SqlError(rc, message);
}

void Db::exec(std::string_view sql) {
  Stmt s(*this, sql);
  while (s.step()) {
  }
}

std::int64_t Db::query_int(std::string_view sql) {
  Stmt s(*this, sql);
  if (!s.step()) fail(SQLITE_ERROR, "no row");
  return s.integer(0);
}

Stmt::Stmt(const Db& db, std::string_view sql) : db_(db.get()) {
  sqlite3_stmt* raw = nullptr;
  if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw SqlError(SQLITE_TOOBIG, "statement too long");
  }
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) throw SqlError(rc, db.message());
}

void Stmt::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) {
    throw SqlError(rc, "bind parameter " + std::to_string(index) + ": " + sqlite3_errmsg(db_));
  }
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_.get(), index, value), index);
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view text) {
  // SQLITE_STATIC: the caller keeps `text` alive until reset (see the header).
  // A null data pointer would bind NULL; an empty view is an empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  const int rc = sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_STATIC,
                                     SQLITE_UTF8);
  check_bind(rc, index);
  return *this;
}

Stmt& Stmt::bind(int index, std::optional<Instant> t) {
  if (!t) return bind_null(index);
  return bind(index, static_cast<std::int64_t>(t->time_since_epoch().count()));
}

Stmt& Stmt::bind(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Stmt& Stmt::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_.get(), index), index);
  return *this;
}

Stmt& Stmt::bind_text_or_null(int index, std::string_view text) {
  return text.empty() ? bind_null(index) : bind(index, text);
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw SqlError(rc, sqlite3_errmsg(db_));
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() noexcept {
  // sqlite3_reset repeats the last step's error, already reported by step().
  static_cast<void>(sqlite3_reset(stmt_.get()));
  static_cast<void>(sqlite3_clear_bindings(stmt_.get()));
}

bool Stmt::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::int64_t Stmt::integer(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

std::string Stmt::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

std::optional<Instant> Stmt::instant(int column) const {
  if (is_null(column)) return std::nullopt;
  return Instant{std::chrono::seconds{integer(column)}};
}

Transaction::Transaction(const Db& db, TransactionStatements& statements)
    : db_(db), s_(statements) {
  Stmt::Use use(s_.begin);
  use->run();
}

void Transaction::commit() {
  Stmt::Use use(s_.commit);
  use->run();
  done_ = true;
}

namespace {

// Ends the connection's open transaction, if it still has one (after SQLITE_FULL or an
// I/O error SQLite may have rolled back already). From destructors: a failure is logged.
void roll_back(const Db& db, TransactionStatements& s, const char* event) noexcept {
  if (sqlite3_get_autocommit(db.get()) != 0) return;
  try {
    Stmt::Use use(s.rollback);
    use->run();
  } catch (const std::exception& e) {
    log::get("store")->error("event={} error=\"{}\"", event, e.what());
  }
}

}  // namespace

Transaction::~Transaction() {
  if (!done_) roll_back(db_, s_, "rollback-failed");
}

ReadTransaction::ReadTransaction(const Db& db, TransactionStatements& statements)
    : db_(db), s_(statements) {
  if (sqlite3_get_autocommit(db_.get()) == 0) return;
  Stmt::Use use(s_.begin_read);
  use->run();
  began_ = true;
}

ReadTransaction::~ReadTransaction() {
  if (began_) roll_back(db_, s_, "read-end-failed");
}

}  // namespace feedd::store::sql
