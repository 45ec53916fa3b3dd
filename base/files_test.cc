#include "base/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig {
namespace {

std::string TempDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp ? tmp : "/tmp", "/files-XXXXXX");
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

TEST_CASE("Atomic writes replace the file with exactly the mode asked, whatever the umask") {
  std::string dir = TempDir();
  std::string path = dir + "/f";
  mode_t old_umask = umask(077);
  REQUIRE(WriteFileAtomically(path, "one", 0644).ok());
  umask(old_umask);
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  REQUIRE(WriteFileAtomically(path, "two", 0600).ok());
  CHECK(*ReadFileBounded(path, 100) == "two");
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  absl::Status no_dir = WriteFileAtomically(dir + "/missing/f", "x", 0600);
  CHECK_THAT(std::string(no_dir.message()), Catch::Contains("cannot create " + dir + "/missing/f.tmp."));
}

TEST_CASE("Bounded reads refuse what is too large and name what is missing") {
  std::string dir = TempDir();
  REQUIRE(WriteFileAtomically(dir + "/big", std::string(200000, 'x'), 0600).ok());
  CHECK(ReadFileBounded(dir + "/big", 200000)->size() == 200000);
  absl::StatusOr<std::string> too_big = ReadFileBounded(dir + "/big", 199999);
  REQUIRE_FALSE(too_big.ok());
  CHECK_THAT(std::string(too_big.status().message()), Catch::Contains("/big is larger than 199999 bytes"));
  absl::StatusOr<std::string> missing = ReadFileBounded(dir + "/nope", 10);
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(std::string(missing.status().message()), Catch::Contains("cannot read " + dir + "/nope: No such file"));
}

}  // namespace
}  // namespace mig
