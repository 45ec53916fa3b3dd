#include "modules/pkg/rpm_database.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "modules/pkg/rpm_header.h"
#include "modules/pkg/sqlite_table.h"

namespace mig::modules::pkg {
namespace {

// rpmdb.sqlite holds whole headers (file lists included): tens to hundreds of MiB on a large host.
constexpr size_t kMaxDatabaseBytes = 2ull << 30;

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

absl::StatusOr<std::vector<InstalledPackage>> ReadRpmDatabase(const std::string& rpm_dir,
                                                              std::vector<std::string>* errors) {
  std::string sqlite_path = absl::StrCat(rpm_dir, "/rpmdb.sqlite");
  if (!Exists(sqlite_path)) {
    for (const char* name : {"/Packages", "/Packages.db"}) {
      std::string path = absl::StrCat(rpm_dir, name);
      if (Exists(path)) {
        return absl::UnimplementedError(absl::StrCat(path, ": rpm's ", name[9] == '.' ? "ndb" : "Berkeley DB",
                                                     " database format is not supported (only rpmdb.sqlite)"));
      }
    }
    return absl::NotFoundError(absl::StrCat("no rpm database in ", rpm_dir));
  }
  struct stat wal;
  std::string wal_path = sqlite_path + "-wal";
  if (stat(wal_path.c_str(), &wal) == 0 && wal.st_size > 0) {
    // Said rather than ignored: packages installed since the last checkpoint live only in the log.
    errors->push_back(absl::StrCat(wal_path, ": the write-ahead log is not read; recent changes may be missing"));
  }
  absl::StatusOr<std::string> file = ReadFileBounded(sqlite_path, kMaxDatabaseBytes);
  if (!file.ok()) return absl::UnavailableError(file.status().message());
  absl::StatusOr<std::vector<SqliteRow>> rows = ReadSqliteTable(*file, "Packages");
  if (!rows.ok()) return absl::DataLossError(absl::StrCat(sqlite_path, ": ", rows.status().message()));
  std::vector<InstalledPackage> packages;
  for (const SqliteRow& row : *rows) {
    // CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)
    if (row.columns.size() < 2 || !row.columns[1].has_value()) {
      errors->push_back(absl::StrCat(sqlite_path, ": package ", row.rowid, " has no header"));
      continue;
    }
    absl::StatusOr<InstalledPackage> package = PackageFromRpmHeader(*row.columns[1]);
    if (!package.ok()) {
      errors->push_back(absl::StrCat(sqlite_path, ": package ", row.rowid, ": ", package.status().message()));
      continue;
    }
    packages.push_back(*std::move(package));
  }
  return packages;
}

}  // namespace mig::modules::pkg
