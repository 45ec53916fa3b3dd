#include "modules/pkg/sqlite_table.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace mig::modules::pkg {
namespace {

constexpr std::string_view kMagic{"SQLite format 3\0", 16};
// Bounds the recursion into a damaged file's b-tree (a real one is a few levels deep).
constexpr int kMaxTreeDepth = 64;

uint32_t Be(std::string_view data, size_t offset, int bytes) {
  uint32_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<uint8_t>(data[offset + i]);
  return value;
}

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(absl::StrCat("damaged SQLite database: ", what));
}

// SQLite's varint: 1 to 9 bytes, big-endian, 7 bits per byte except a full 9th byte.
absl::StatusOr<uint64_t> Varint(std::string_view data, size_t* offset) {
  uint64_t value = 0;
  for (int i = 0; i < 9; ++i) {
    if (*offset >= data.size()) return Corrupt("truncated varint");
    uint8_t byte = static_cast<uint8_t>(data[(*offset)++]);
    if (i == 8) return (value << 8) | byte;
    value = (value << 7) | (byte & 0x7f);
    if ((byte & 0x80) == 0) return value;
  }
  return value;
}

class Database {
 public:
  static absl::StatusOr<Database> Open(std::string_view file) {
    if (file.size() < 100 || file.substr(0, 16) != kMagic) return Corrupt("not an SQLite 3 file");
    uint32_t page_size = Be(file, 16, 2);
    if (page_size == 1) page_size = 65536;
    if (page_size < 512 || (page_size & (page_size - 1)) != 0) return Corrupt("invalid page size");
    uint32_t reserved = static_cast<uint8_t>(file[20]);
    if (reserved >= page_size - 480) return Corrupt("invalid reserved space");
    Database db;
    db.file_ = file;
    db.page_size_ = page_size;
    db.usable_ = page_size - reserved;
    db.visited_.assign(file.size() / page_size + 1, false);
    return db;
  }

  absl::StatusOr<std::string_view> Page(uint32_t number) const {
    if (number == 0 || static_cast<uint64_t>(number) * page_size_ > file_.size()) {
      return Corrupt(absl::StrCat("page ", number, " is outside the file"));
    }
    return file_.substr(static_cast<size_t>(number - 1) * page_size_, page_size_);
  }

  // Calls `row(rowid, payload)` for every row of the table b-tree rooted at `root`.
  template <typename RowFn>
  absl::Status WalkTable(uint32_t root, RowFn&& row, int depth = 0) {
    if (depth > kMaxTreeDepth) return Corrupt("b-tree too deep");
    MIG_ASSIGN_OR_RETURN(std::string_view page, VisitPage(root));
    size_t header = root == 1 ? 100 : 0;
    if (page.size() < header + 12) return Corrupt("short page");
    uint8_t type = static_cast<uint8_t>(page[header]);
    uint32_t cells = Be(page, header + 3, 2);
    bool interior = type == 0x05;
    if (!interior && type != 0x0d) return Corrupt(absl::StrCat("page ", root, " is not a table b-tree page"));
    size_t pointers = header + (interior ? 12 : 8);
    if (pointers + 2 * static_cast<size_t>(cells) > usable_) return Corrupt("too many cells");
    for (uint32_t i = 0; i < cells; ++i) {
      size_t cell = Be(page, pointers + 2 * i, 2);
      if (cell >= usable_) return Corrupt("cell outside its page");
      if (interior) {
        if (cell + 4 > usable_) return Corrupt("cell outside its page");
        MIG_RETURN_IF_ERROR(WalkTable(Be(page, cell, 4), row, depth + 1));
        continue;
      }
      size_t offset = cell;
      std::string_view usable = page.substr(0, usable_);
      MIG_ASSIGN_OR_RETURN(uint64_t payload_size, Varint(usable, &offset));
      MIG_ASSIGN_OR_RETURN(uint64_t rowid, Varint(usable, &offset));
      MIG_ASSIGN_OR_RETURN(std::string payload, Payload(usable, offset, payload_size));
      MIG_RETURN_IF_ERROR(row(static_cast<int64_t>(rowid), payload));
    }
    if (interior) MIG_RETURN_IF_ERROR(WalkTable(Be(page, header + 8, 4), row, depth + 1));
    return absl::OkStatus();
  }

 private:
  // A damaged file must not cost more than its size, whatever it claims: every page belongs to one b-tree
  // or one overflow chain, and every payload byte is a byte of the file, so a page reached twice (a cycle,
  // or pages shared to multiply the rows) or more payload than the file holds (cells that overlap) is
  // damage. Work and memory stay proportional to the file's size.
  absl::StatusOr<std::string_view> VisitPage(uint32_t number) {
    MIG_ASSIGN_OR_RETURN(std::string_view page, Page(number));
    if (visited_[number]) return Corrupt(absl::StrCat("page ", number, " is reached twice"));
    visited_[number] = true;
    return page;
  }

  // A cell's payload: what fits in the page, then the chain of overflow pages (file format section 1.6).
  absl::StatusOr<std::string> Payload(std::string_view page, size_t offset, uint64_t size) {
    if (size > file_.size() - payload_bytes_) return Corrupt("cells hold more than the file");
    payload_bytes_ += size;
    uint64_t max_local = usable_ - 35;
    uint64_t local = size;
    if (size > max_local) {
      uint64_t min_local = (static_cast<uint64_t>(usable_ - 12) * 32 / 255) - 23;
      local = min_local + (size - min_local) % (usable_ - 4);
      if (local > max_local) local = min_local;
    }
    if (offset + local > page.size()) return Corrupt("payload outside its page");
    std::string payload(page.substr(offset, local));
    if (local == size) return payload;
    if (offset + local + 4 > page.size()) return Corrupt("overflow pointer outside its page");
    uint32_t next = Be(page, offset + local, 4);
    while (payload.size() < size) {
      MIG_ASSIGN_OR_RETURN(std::string_view overflow, VisitPage(next));
      size_t take = std::min<uint64_t>(usable_ - 4, size - payload.size());
      payload.append(overflow.substr(4, take));
      next = Be(overflow, 0, 4);
    }
    return payload;
  }

  std::string_view file_;
  uint32_t page_size_ = 0;
  uint32_t usable_ = 0;
  std::vector<bool> visited_;   // by page number
  uint64_t payload_bytes_ = 0;  // at most the file's size
};

// The record format (file format section 2.1): a header of serial types, then the values.
absl::StatusOr<std::vector<std::optional<std::string>>> DecodeRecord(std::string_view record) {
  size_t offset = 0;
  MIG_ASSIGN_OR_RETURN(uint64_t header_size, Varint(record, &offset));
  if (header_size > record.size() || header_size < offset) return Corrupt("record header");
  std::vector<uint64_t> types;
  while (offset < header_size) {
    MIG_ASSIGN_OR_RETURN(uint64_t type, Varint(record.substr(0, header_size), &offset));
    types.push_back(type);
  }
  std::vector<std::optional<std::string>> values;
  size_t body = header_size;
  for (uint64_t type : types) {
    static constexpr int kIntegerBytes[] = {0, 1, 2, 3, 4, 6, 8};
    if (type == 0) {
      values.emplace_back(std::nullopt);
    } else if (type <= 6) {
      int bytes = kIntegerBytes[type];
      if (body + bytes > record.size()) return Corrupt("record value outside the record");
      int64_t value = static_cast<int8_t>(record[body]);  // sign from the first byte
      for (int i = 1; i < bytes; ++i) value = (value << 8) | static_cast<uint8_t>(record[body + i]);
      values.emplace_back(absl::StrCat(value));
      body += bytes;
    } else if (type == 7) {
      if (body + 8 > record.size()) return Corrupt("record value outside the record");
      values.emplace_back(std::string(record.substr(body, 8)));  // a float: not used here, kept raw
      body += 8;
    } else if (type == 8 || type == 9) {
      values.emplace_back(type == 8 ? "0" : "1");
    } else if (type >= 12) {
      uint64_t length = (type - 12) / 2;
      if (length > record.size() - body) return Corrupt("record value outside the record");
      values.emplace_back(std::string(record.substr(body, length)));
      body += length;
    } else {
      return Corrupt("reserved serial type");
    }
  }
  return values;
}

}  // namespace

absl::StatusOr<std::vector<SqliteRow>> ReadSqliteTable(std::string_view file, std::string_view table) {
  MIG_ASSIGN_OR_RETURN(Database db, Database::Open(file));
  // sqlite_schema (page 1): type, name, tbl_name, rootpage, sql.
  uint32_t root = 0;
  MIG_RETURN_IF_ERROR(db.WalkTable(1, [&](int64_t, std::string_view payload) -> absl::Status {
    MIG_ASSIGN_OR_RETURN(auto columns, DecodeRecord(payload));
    if (columns.size() >= 4 && columns[0] == "table" && columns[1] == std::string(table) && columns[3].has_value()) {
      root = static_cast<uint32_t>(std::strtoul(columns[3]->c_str(), nullptr, 10));
    }
    return absl::OkStatus();
  }));
  if (root == 0) return absl::NotFoundError(absl::StrCat("no table '", table, "' in the database"));
  std::vector<SqliteRow> rows;
  MIG_RETURN_IF_ERROR(db.WalkTable(root, [&](int64_t rowid, std::string_view payload) -> absl::Status {
    MIG_ASSIGN_OR_RETURN(auto columns, DecodeRecord(payload));
    rows.push_back({rowid, std::move(columns)});
    return absl::OkStatus();
  }));
  return rows;
}

}  // namespace mig::modules::pkg
