#include "base/trusted_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "catch2/catch.hpp"

namespace mig {
namespace {

std::string PrivateTempDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp ? tmp : "/tmp", "/trusted-XXXXXX");
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  REQUIRE(chmod(pattern.c_str(), 0700) == 0);
  return pattern;
}

std::string Message(const absl::StatusOr<std::string>& read) { return std::string(read.status().message()); }

TEST_CASE("class trusted-file: the rule for one file or directory") {
  struct Case {
    uid_t owner;
    mode_t mode;
    uid_t user;
    bool trusted;
  };
  constexpr Case kCases[] = {
      {0, 0644, 0, true},
      {0, 0600, 1000, true},
      {1000, 0600, 1000, true},
      {1000, 0600, 0, false},
      {65534, 0644, 0, false},
      {0, 0664, 0, false},
      {0, 0646, 0, false},
      {0, 01666, 0, false},
      {0, 0755 | S_IFDIR, 0, true},
      {1000, 0700 | S_IFDIR, 1000, true},
      {0, 0775 | S_IFDIR, 1000, false},
      {0, 04755, 0, true},
      // A sticky directory (/tmp) is safe; a sticky directory someone else owns is not.
      {0, 01777 | S_IFDIR, 1000, true},
      {65534, 01777 | S_IFDIR, 0, false},
      {0, 0777 | S_IFDIR, 0, false},
  };
  for (const Case& c : kCases) {
    INFO("owner " << c.owner << " mode " << std::oct << c.mode << " user " << std::dec << c.user);
    CHECK(TrustedOwnerAndMode(c.owner, c.mode, c.user) == c.trusted);
  }
}

TEST_CASE("class trusted-file: a file anyone else could change is refused, naming the path, owner and mode") {
  std::string dir = PrivateTempDir();
  // The test's own temporary directory must itself be trusted, or every case below would be refused for it.
  REQUIRE(WriteFileAtomically(dir + "/good.conf", "[agent]\n", 0600).ok());
  absl::StatusOr<std::string> good = ReadTrustedFile(dir + "/good.conf", 1 << 10);
  REQUIRE(good.ok());
  CHECK(*good == "[agent]\n");

  REQUIRE(WriteFileAtomically(dir + "/world.conf", "x", 0666).ok());
  absl::StatusOr<std::string> world = ReadTrustedFile(dir + "/world.conf", 1 << 10);
  CHECK(absl::IsPermissionDenied(world.status()));
  CHECK_THAT(Message(world), Catch::Contains("refusing " + dir + "/world.conf: it is writable by others (mode 0666"));
  CHECK_THAT(Message(world), Catch::Contains("chmod go-w " + dir + "/world.conf"));

  REQUIRE(WriteFileAtomically(dir + "/group.conf", "x", 0620).ok());
  CHECK_THAT(Message(ReadTrustedFile(dir + "/group.conf", 1 << 10)), Catch::Contains("is writable by its group"));

  // A trusted file in a directory others can write: they can replace it.
  REQUIRE(mkdir((dir + "/open").c_str(), 0700) == 0);
  REQUIRE(chmod((dir + "/open").c_str(), 0777) == 0);
  REQUIRE(WriteFileAtomically(dir + "/open/f.conf", "x", 0600).ok());
  CHECK_THAT(Message(ReadTrustedFile(dir + "/open/f.conf", 1 << 10)),
             Catch::Contains("the directory " + dir + "/open is writable by others (mode 0777"));

  // Through a link: the directories where the file really is count too.
  REQUIRE(symlink((dir + "/open/f.conf").c_str(), (dir + "/link.conf").c_str()) == 0);
  CHECK_THAT(Message(ReadTrustedFile(dir + "/link.conf", 1 << 10)),
             Catch::Contains("the directory " + dir + "/open is writable by others"));
  // And a path through a directory link.
  REQUIRE(symlink((dir + "/open").c_str(), (dir + "/dirlink").c_str()) == 0);
  CHECK_THAT(Message(ReadTrustedFile(dir + "/dirlink/f.conf", 1 << 10)), Catch::Contains("writable by others"));

  REQUIRE(WriteFileAtomically(dir + "/nobody.conf", "x", 0644).ok());
  // Root, outside a user namespace that maps only itself (Bazel's sandbox), can give the file away.
  if (chown((dir + "/nobody.conf").c_str(), 65534, 65534) == 0) {
    absl::StatusOr<std::string> nobody = ReadTrustedFile(dir + "/nobody.conf", 1 << 10);
    CHECK_THAT(Message(nobody), Catch::Contains("it is owned by uid 65534 (mode 0644, owner uid 65534)"));
    CHECK_THAT(Message(nobody), Catch::Contains("changeable by root only"));
  } else {
    WARN("cannot chown here (not root, or a user namespace): the owner case is not tried");
  }
}

TEST_CASE("class special-file: a trusted file must be a regular file first") {
  std::string dir = PrivateTempDir();
  REQUIRE(mkfifo((dir + "/fifo.conf").c_str(), 0600) == 0);
  absl::StatusOr<std::string> fifo = ReadTrustedFile(dir + "/fifo.conf", 1 << 10);
  CHECK(absl::IsFailedPrecondition(fifo.status()));
  CHECK_THAT(Message(fifo), Catch::Contains("is a FIFO, not a regular file"));
  CHECK_THAT(Message(ReadTrustedFile(dir, 1 << 10)), Catch::Contains("is a directory, not a regular file"));
}

}  // namespace
}  // namespace mig
