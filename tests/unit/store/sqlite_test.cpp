// The RAII layer over SQLite: transactions and read transactions on a real file.

#include <doctest/doctest.h>

#include "store/sqlite.hpp"
#include "unit/store/store_fixture.hpp"
#include "unit/store/temp_dir.hpp"

namespace feedd::store::sql {
namespace {

constexpr int kOpen = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

std::int64_t rows(Db& db) { return db.query_int("SELECT count(*) FROM t"); }

TEST_CASE("a read transaction sees one snapshot while another connection writes") {
  test::TempDir dir;
  const auto path = dir / "x.db";
  Db db(path, kOpen);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("CREATE TABLE t (v INTEGER)");
  db.exec("INSERT INTO t VALUES (1)");
  TransactionStatements tx(db);
  {
    ReadTransaction snapshot(db, tx);
    CHECK(rows(db) == 1);
    CHECK(sqlite3_get_autocommit(db.get()) == 0);
    test::exec_outside(path, "INSERT INTO t VALUES (2)");
    CHECK(rows(db) == 1);  // statement by statement, this one would see 2
  }
  CHECK(sqlite3_get_autocommit(db.get()) != 0);
  CHECK(rows(db) == 2);
}

TEST_CASE("a read transaction inside a write transaction leaves it to commit") {
  test::TempDir dir;
  Db db(dir / "x.db", kOpen);
  db.exec("CREATE TABLE t (v INTEGER)");
  TransactionStatements tx(db);
  {
    Transaction write(db, tx);
    db.exec("INSERT INTO t VALUES (1)");
    {
      ReadTransaction snapshot(db, tx);
      CHECK(rows(db) == 1);
    }
    CHECK(sqlite3_get_autocommit(db.get()) == 0);  // still the write transaction's
    db.exec("INSERT INTO t VALUES (2)");
    write.commit();
  }
  CHECK(rows(db) == 2);
}

}  // namespace
}  // namespace feedd::store::sql
