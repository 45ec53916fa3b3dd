// A minimal read-only reader of SQLite 3 database files, enough to list the rows of one table: the file
// header, table b-tree pages (interior and leaf), overflow pages and the record format. No SQL, no indexes,
// no write-ahead log (rows only in an unchecked-pointed -wal file are not seen). Used for rpm's
// rpmdb.sqlite, whose Packages table holds one header blob per package.
//
//   MIG_ASSIGN_OR_RETURN(std::vector<SqliteRow> rows, ReadSqliteTable(file_bytes, "Packages"));
//   rows[0].rowid; rows[0].columns[1];   // the values of the row's columns, as bytes
#ifndef MIG_MODULES_PKG_SQLITE_TABLE_H_
#define MIG_MODULES_PKG_SQLITE_TABLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mig::modules::pkg {

struct SqliteRow {
  int64_t rowid = 0;
  // Each column's value: text and blobs as their bytes, integers as decimal text, NULL as nullopt.
  std::vector<std::optional<std::string>> columns;
};

// Every row of table `table` in the database `file` (the whole file's bytes), in rowid order.
absl::StatusOr<std::vector<SqliteRow>> ReadSqliteTable(std::string_view file, std::string_view table);

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_SQLITE_TABLE_H_
