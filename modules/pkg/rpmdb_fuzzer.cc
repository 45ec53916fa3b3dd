// Fuzzes the rpm database reader: any bytes read as rpmdb.sqlite (a file on the host being searched) are
// listed or refused without crashing, in time and memory bounded by the file's size, and every row's header
// parses or is refused.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modules/pkg/rpm_header.h"
#include "modules/pkg/sqlite_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<mig::modules::pkg::SqliteRow>> rows = mig::modules::pkg::ReadSqliteTable(file, "Packages");
  if (!rows.ok()) return 0;
  for (const mig::modules::pkg::SqliteRow& row : *rows) {
    if (row.columns.size() < 2 || !row.columns[1].has_value()) continue;
    (void)mig::modules::pkg::PackageFromRpmHeader(*row.columns[1]);
  }
  return 0;
}
