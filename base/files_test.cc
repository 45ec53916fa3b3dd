#include "base/files.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
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
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(absl::IsResourceExhausted(too_big.status()));
}

// Whatever a path names, a read returns at once: a FIFO nobody writes to, a socket, a device, a directory
// are refused for what they are, and a link is refused where links are not followed.
TEST_CASE("class special-file: reads refuse anything but a regular file, without blocking") {
  std::string dir = TempDir();
  REQUIRE(mkfifo((dir + "/fifo").c_str(), 0600) == 0);
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // A socket's path must fit sun_path (108 bytes), which the test's own temporary directory does not.
  std::string socket_dir = "/tmp/mig-files-test-XXXXXX";
  REQUIRE(mkdtemp(socket_dir.data()) != nullptr);
  std::string socket_path = socket_dir + "/socket";
  memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(WriteFileAtomically(dir + "/file", "contents", 0600).ok());
  REQUIRE(symlink((dir + "/file").c_str(), (dir + "/link").c_str()) == 0);
  REQUIRE(symlink((dir + "/fifo").c_str(), (dir + "/link-to-fifo").c_str()) == 0);

  struct Case {
    std::string path;
    FollowLinks follow;
    std::string error;  // empty: read
  };
  const Case cases[] = {
      {dir + "/fifo", FollowLinks::kYes, "/fifo is a FIFO, not a regular file"},
      {dir + "/link-to-fifo", FollowLinks::kYes, "/link-to-fifo is a FIFO, not a regular file"},
      {socket_path, FollowLinks::kYes, "/socket is a socket, not a regular file"},
      {"/dev/zero", FollowLinks::kYes, "/dev/zero is a character device, not a regular file"},
      {"/dev/null", FollowLinks::kYes, "/dev/null is a character device, not a regular file"},
      {dir, FollowLinks::kYes, " is a directory, not a regular file"},
      {dir + "/link", FollowLinks::kNo, "/link is a symbolic link, not a regular file"},
      {dir + "/link", FollowLinks::kYes, ""},
      {dir + "/file", FollowLinks::kNo, ""},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    absl::StatusOr<std::string> read = ReadFileBounded(c.path, 1 << 20, c.follow);
    if (c.error.empty()) {
      REQUIRE(read.ok());
      CHECK(*read == "contents");
    } else {
      CHECK(absl::IsFailedPrecondition(read.status()));
      CHECK_THAT(std::string(read.status().message()), Catch::Contains(c.error));
    }
  }
  close(listener);
  unlink(socket_path.c_str());
  rmdir(socket_dir.c_str());
}

// /proc files say size 0 and still have contents: the size check must not take them for empty or refuse them.
TEST_CASE("Files of /proc read whole, within the bound") {
  absl::StatusOr<std::string> status = ReadFileBounded("/proc/self/status", 1 << 20);
  REQUIRE(status.ok());
  CHECK_THAT(*status, Catch::Contains("Pid:"));
  CHECK(absl::IsResourceExhausted(ReadFileBounded("/proc/self/status", 10).status()));
}

}  // namespace
}  // namespace mig
