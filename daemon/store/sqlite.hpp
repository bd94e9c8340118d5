#pragma once
// A thin RAII layer over the SQLite C API, used only inside store/.
// Every sqlite3* and sqlite3_stmt* is owned by exactly one object here. A failing call
// throws SqlError carrying SQLite's result code; the Store turns it into an Error value
// at its public boundary, so nothing of this file leaks to callers.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "common/time.hpp"

namespace feedd::store::sql {

class SqlError : public std::runtime_error {
 public:
  SqlError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }
  // The primary result code (SQLITE_FULL, SQLITE_CORRUPT, ...), extended bits dropped.
  int primary() const { return code_ & 0xff; }

 private:
  int code_;
};

// An open connection. Move-only; closes in its destructor.
class Db {
 public:
  // flags: SQLITE_OPEN_* bits. Throws SqlError naming `path` on failure.
  Db(const std::filesystem::path& path, int flags);
  Db(Db&&) noexcept = default;
  Db& operator=(Db&&) noexcept = default;

  sqlite3* get() const { return db_.get(); }
  // Runs a statement that returns no rows (or whose rows are ignored).
  void exec(std::string_view sql);
  // Runs a statement and returns its first column of its first row as an integer.
  std::int64_t query_int(std::string_view sql);
  std::string message() const;
  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  struct Close {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Close> db_;
};

// A prepared statement, prepared once and reused: bind, step, and reset after each use
// (Stmt::Use resets it at the end of a scope, so no statement keeps a read open).
class Stmt {
 public:
  Stmt(const Db& db, std::string_view sql);
  Stmt(Stmt&&) noexcept = default;
  Stmt& operator=(Stmt&&) noexcept = default;

  // Binds refer to the caller's memory until the statement is reset: bind, step, reset,
  // all within one scope.
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, std::string_view text);
  // A temporary string would be gone before the statement steps: refused at compile time.
  Stmt& bind(int index, std::string&& text) = delete;
  Stmt& bind(int index, std::optional<Instant> t);
  Stmt& bind(int index, std::optional<std::int64_t> value);  // NULL when empty
  Stmt& bind_null(int index);
  // NULL for empty text: a column where "nothing" is NULL, not ''.
  Stmt& bind_text_or_null(int index, std::string_view text);
  Stmt& bind_text_or_null(int index, std::string&& text) = delete;

  // true: a row is ready; false: done. Any other outcome throws.
  bool step();
  // Steps a statement expected to return no row.
  void run();
  void reset() noexcept;

  bool is_null(int column) const;
  std::int64_t integer(int column) const;
  std::string text(int column) const;
  std::optional<Instant> instant(int column) const;

  // Resets the statement when the scope ends, whatever happens in it.
  class Use {
   public:
    explicit Use(Stmt& s) : s_(s) {}
    ~Use() { s_.reset(); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    Stmt* operator->() { return &s_; }
    Stmt& operator*() { return s_; }

   private:
    Stmt& s_;
  };

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  void check_bind(int rc, int index);
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
};

// The statements transactions need, prepared once per connection.
struct TransactionStatements {
  explicit TransactionStatements(const Db& db)
      : begin(db, "BEGIN IMMEDIATE"), begin_read(db, "BEGIN DEFERRED"), commit(db, "COMMIT"),
        rollback(db, "ROLLBACK") {}
  Stmt begin;
  Stmt begin_read;
  Stmt commit;
  Stmt rollback;
};

// BEGIN IMMEDIATE at construction; ROLLBACK in the destructor unless commit() succeeded.
// SQLite may already have rolled back by itself (disk full, I/O error): the destructor
// checks and does not roll back twice.
class Transaction {
 public:
  Transaction(const Db& db, TransactionStatements& statements);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  const Db& db_;
  TransactionStatements& s_;
  bool done_ = false;
};

// One read transaction around several reads: they see one snapshot, and the connection
// takes its WAL read lock once instead of once per statement (two fcntl calls each).
// Inside a transaction already, it does nothing. Ends with ROLLBACK: nothing was written.
class ReadTransaction {
 public:
  ReadTransaction(const Db& db, TransactionStatements& statements);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  const Db& db_;
  TransactionStatements& s_;
  bool began_ = false;
};

}  // namespace feedd::store::sql
