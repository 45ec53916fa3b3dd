// rpm's sqlite database, created here with Python's sqlite3 module (the real SQLite) holding rpm headers
// crafted in the layout rpm writes: many packages (interior b-tree pages), epochs, a pseudo-package without
// ARCH, and headers large enough to spill onto overflow pages.
#include "modules/pkg/rpm_database.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"
#include "modules/pkg/inventory.h"
#include "modules/pkg/rpm_header.h"
#include "modules/pkg/sqlite_table.h"

namespace mig::modules::pkg {
namespace {

constexpr const char* kMakeDatabase = R"PY(
import os, sqlite3, struct, sys
root, page_size = sys.argv[1], int(sys.argv[2])
os.makedirs(root + "/var/lib/rpm", exist_ok=True)
path = root + "/var/lib/rpm/rpmdb.sqlite"
if os.path.exists(path): os.remove(path)

def header(tags):
    index, data = b"", b""
    for tag, kind, value in tags:
        if kind == 4:  # INT32, aligned
            data += b"\0" * (-len(data) % 4)
            index += struct.pack(">IIII", tag, kind, len(data), 1)
            data += struct.pack(">I", value)
        elif kind == 6:  # STRING
            index += struct.pack(">IIII", tag, kind, len(data), 1)
            data += value.encode() + b"\0"
        else:  # BIN filler, the bulk of a real header (file lists, changelogs)
            index += struct.pack(">IIII", tag, kind, len(data), len(value))
            data += value
    return struct.pack(">II", len(tags), len(data)) + index + data

db = sqlite3.connect(path)
db.execute("PRAGMA page_size=%d" % page_size)
db.execute("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
expected = []
for i in range(400):
    name, version, release, arch = "pkg%03d" % i, "1.%d" % i, "%d.el9" % (i % 7), ["x86_64", "noarch", "i686"][i % 3]
    tags = [(1000, 6, name), (1001, 6, version), (1002, 6, release), (1022, 6, arch)]
    evr = "%s-%s" % (version, release)
    if i % 5 == 0:
        tags.append((1003, 4, i))
        evr = "%d:%s" % (i, evr)
    if i % 50 == 7:
        tags.append((1016, 7, os.urandom(200000 + i)))  # overflow pages
    tags.append((1004, 6, "summary of " + name))
    db.execute("INSERT INTO Packages (blob) VALUES (?)", (header(tags),))
    expected.append("%s\t%s\t%s" % (name, evr, arch))
db.execute("INSERT INTO Packages (blob) VALUES (?)", (header([(1000, 6, "gpg-pubkey"), (1001, 6, "fd431d51"), (1002, 6, "4ae0493b")]),))
expected.append("gpg-pubkey\tfd431d51-4ae0493b\t")
db.execute("DELETE FROM Packages WHERE hnum = 3")  # freed space and a gap in the rowids
expected.remove("pkg002\t1.2-2.el9\ti686")
db.commit()
db.close()
open(root + "/expected", "w").write("\n".join(expected) + "\n")
)PY";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MakeDatabase(const std::string& name, int page_size) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string root = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  std::string script = root + ".py";
  std::ofstream(script) << kMakeDatabase;
  std::string command = absl::StrCat("python3 '", script, "' '", root, "' ", page_size);
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  return root;
}

TEST_CASE("rpmdb.sqlite made by SQLite itself lists every package with its EVR and arch") {
  for (int page_size : {512, 4096, 65536}) {
    INFO("page size " << page_size);
    std::string root = MakeDatabase(absl::StrCat("rpmroot", page_size), page_size);
    std::set<std::string> expected;
    for (std::string_view line : absl::StrSplit(ReadFile(root + "/expected"), '\n', absl::SkipEmpty())) {
      expected.emplace(line);
    }
    REQUIRE(expected.size() == 400);
    Inventory inventory = ListInstalledPackages({.root = root});
    for (const std::string& e : inventory.errors) UNSCOPED_INFO(e);
    CHECK(inventory.errors.empty());
    std::set<std::string> ours;
    for (const InstalledPackage& p : inventory.packages) {
      CHECK(p.type == "rpm");
      CHECK(p.status == "installed");
      ours.insert(absl::StrCat(p.name, "\t", p.version, "\t", p.arch));
    }
    CHECK(ours == expected);
  }
}

TEST_CASE("A damaged rpm database is an error, never a crash") {
  std::string root = MakeDatabase("rpmroot_damaged", 1024);
  std::string path = root + "/var/lib/rpm/rpmdb.sqlite";
  std::string good = ReadFile(path);
  // Truncated, and with bytes flipped all over: each must give an error or a subset, never crash or hang.
  for (size_t cut : {size_t{50}, size_t{1024}, size_t{5000}, good.size() / 2}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << good.substr(0, cut);
    std::vector<std::string> errors;
    absl::StatusOr<std::vector<InstalledPackage>> packages = ReadRpmDatabase(root + "/var/lib/rpm", &errors);
    CHECK((!packages.ok() || packages->size() < 400));
  }
  for (size_t step : {size_t{97}, size_t{1021}, size_t{4093}}) {
    std::string damaged = good;
    for (size_t i = 100; i < damaged.size(); i += step) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
    std::vector<std::string> errors;
    (void)ReadRpmDatabase(root + "/var/lib/rpm", &errors);
  }
  CHECK_FALSE(PackageFromRpmHeader(std::string("\0\0\0\x01\0\0\0\x10", 8)).ok());
}

// Crafted from a real database (the fuzz corpus keeps them): interior pages whose cells all point at one
// child, three levels deep, so that 3 KiB reach the one leaf 246^3 times (this used to exhaust memory); and a
// leaf whose cell pointers all point at one cell.
TEST_CASE("class amplification: a damaged rpmdb.sqlite costs no more than its size") {
  struct Case {
    const char* file;
    const char* error;
  };
  constexpr Case kCases[] = {
      {"amplify_shared_pages.sqlite", "is reached twice"},
      {"amplify_overlapping_cells.sqlite", "cells hold more than the file"},
  };
  for (const Case& c : kCases) {
    INFO(c.file);
    std::string file = ReadFile(absl::StrCat("modules/pkg/testdata/fuzz/rpmdb_fuzzer/", c.file));
    REQUIRE(!file.empty());
    absl::StatusOr<std::vector<SqliteRow>> rows = ReadSqliteTable(file, "Packages");
    REQUIRE_FALSE(rows.ok());
    CHECK(std::string(rows.status().message()).find(c.error) != std::string::npos);
  }
}

TEST_CASE("Berkeley DB and ndb rpm databases are reported as unsupported") {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/rpm_bdb");
  mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/Packages") << "not read";
  std::vector<std::string> errors;
  absl::StatusOr<std::vector<InstalledPackage>> packages = ReadRpmDatabase(dir, &errors);
  REQUIRE_FALSE(packages.ok());
  CHECK(std::string(packages.status().message()).find("Berkeley DB database format is not supported") !=
        std::string::npos);
}

}  // namespace
}  // namespace mig::modules::pkg
