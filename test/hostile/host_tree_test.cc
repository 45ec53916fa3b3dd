// The host being searched is hostile: its owner chooses the names, the depth, the special files and what changes
// while a sweep reads. Each case builds such a tree and runs `mig file --local` over it, through the binary as an
// investigator would, and names the class of attack it guards against. Outside Bazel's sandbox and as root
// (CI's case): the test makes device nodes and drops to nobody for the unreadable-directory case.
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace {

using mig::test::Mig;
using mig::test::Result;
using mig::test::Run;

constexpr int kExitFound = 0;
constexpr int kExitNothingFound = 1;
constexpr int kExitIncomplete = 4;

// A directory in /tmp (short paths, and reachable by nobody when the test drops privileges).
std::string HostDir() {
  std::string dir = "/tmp/mig-hostile-XXXXXX";
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  REQUIRE(chmod(dir.c_str(), 0755) == 0);
  return dir;
}

void Write(const std::string& path, const std::string& contents) { mig::test::WriteFile(path, contents); }

// The `file` values of a result's elements, decoded from `filebytes` where the name is not UTF-8.
std::vector<std::string> FoundNames(const std::string& result_json) {
  std::vector<std::string> names;
  auto document = mig::json::JsonDocument::Parse(result_json, "result");
  REQUIRE(document.ok());
  simdjson::dom::object elements;
  REQUIRE((*document)->root()["elements"].get(elements) == simdjson::SUCCESS);
  for (auto search : elements) {
    for (simdjson::dom::element entry : simdjson::dom::array(search.value.get_array().value_unsafe())) {
      std::string_view file, bytes;
      if (entry["file"].get(file) != simdjson::SUCCESS || file.empty()) continue;
      std::string raw;
      if (entry["filebytes"].get(bytes) == simdjson::SUCCESS && absl::Base64Unescape(bytes, &raw)) {
        names.push_back(raw);
      } else {
        names.emplace_back(file);
      }
    }
  }
  return names;
}

TEST_CASE("class special-file: FIFOs, sockets, devices and links to them neither block a sweep nor count as files") {
  std::string dir = HostDir();
  Write(dir + "/plain.txt", "needle\n");
  REQUIRE(mkfifo((dir + "/fifo.txt").c_str(), 0644) == 0);
  REQUIRE(symlink("/dev/zero", (dir + "/zero.txt").c_str()) == 0);
  REQUIRE(symlink((dir + "/fifo.txt").c_str(), (dir + "/to-fifo.txt").c_str()) == 0);
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string socket_path = dir + "/socket.txt";
  memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  if (mknod((dir + "/device.txt").c_str(), S_IFCHR | 0644, makedev(1, 5)) != 0) {
    WARN("cannot make a device node here (" << strerror(errno) << "): the link to /dev/zero stands in for it");
  }
  // Every name matches and every content check reads: a FIFO opened for reading would block for ever, a
  // device would never end.
  Result r = Mig(absl::StrCat("file --local -path ", dir, " -name '\\.txt$' -content needle -render json"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == kExitFound);
  CHECK(FoundNames(r.out) == std::vector<std::string>{dir + "/plain.txt"});
  // -links own: the links to the FIFO and the device are reported as links, by lstat; nothing is opened.
  Result own = Mig(absl::StrCat("file --local -path ", dir, " -name '\\.txt$' -links own -render json"));
  INFO(own.out << own.err);
  CHECK(own.exit_code == kExitFound);
  std::vector<std::string> links = FoundNames(own.out);
  CHECK(std::find(links.begin(), links.end(), dir + "/zero.txt") != links.end());
  CHECK(std::find(links.begin(), links.end(), dir + "/to-fifo.txt") != links.end());
  CHECK(std::find(links.begin(), links.end(), dir + "/fifo.txt") == links.end());
  close(listener);
}

TEST_CASE("class link-loop: loops and long chains of links end the walk, and links to files are followed") {
  std::string dir = HostDir();
  Write(dir + "/target", "needle\n");
  REQUIRE(symlink("b", (dir + "/a").c_str()) == 0);
  REQUIRE(symlink("a", (dir + "/b").c_str()) == 0);
  REQUIRE(symlink(".", (dir + "/self").c_str()) == 0);
  REQUIRE(symlink(dir.c_str(), (dir + "/up").c_str()) == 0);
  std::string previous = "target";
  for (int i = 0; i < 30; ++i) {
    std::string name = absl::StrCat("chain", i);
    REQUIRE(symlink(previous.c_str(), (dir + "/" + name).c_str()) == 0);
    previous = name;
  }
  Result r = Mig(absl::StrCat("file --local -path ", dir, " -content needle -render json"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == kExitFound);
  std::vector<std::string> names = FoundNames(r.out);
  CHECK(std::find(names.begin(), names.end(), dir + "/target") != names.end());
  CHECK(std::find(names.begin(), names.end(), dir + "/chain29") != names.end());
  // The loops are errors (broken links), never a walk that does not end or a directory entered twice.
  for (const std::string& n : names) CHECK_FALSE(absl::StrContains(n, "/self/"));
  // -links own: every link is one entry of its own, loops included; nothing is entered or followed.
  Result own = Mig(absl::StrCat("file --local -path ", dir, " -name . -links own -render json"));
  INFO(own.out << own.err);
  CHECK(own.exit_code == kExitFound);
  std::vector<std::string> links = FoundNames(own.out);
  CHECK(links.size() == 35);  // target, a, b, self, up and 30 chain links
  for (const std::string& n : links) CHECK_FALSE(absl::StrContains(n, "/self/"));
  CHECK_THAT(own.out, Catch::Contains("\"openfailed\":0"));
}

TEST_CASE("class forged-output: a file name cannot add a line to the text output") {
  std::string dir = HostDir();
  const std::string forged =
      "a\n/etc/shadow [lastmodified:2020-01-01 00:00:00 +0000 UTC, mode:-rw-r-----, size:1] in "
      "search 's1'\nz\x1b[2K";
  // The name holds slashes, as in the issue's example: a chain of directories whose names, printed raw, would
  // read as a finding of /etc/shadow on a line of its own.
  std::string path = dir;
  for (std::string_view part : absl::StrSplit(forged, '/')) {
    path = absl::StrCat(path, "/", part);
    REQUIRE(mkdir(path.c_str(), 0755) == 0);
  }
  Write(path + "/x", "needle\n");
  Result r = Mig(absl::StrCat("file --local -path ", dir, " -name '^x$'"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == kExitFound);
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == 2);  // the finding, and the statistics
  CHECK_FALSE(absl::StartsWith(lines[0], "/etc/shadow"));
  CHECK_THAT(lines[0], Catch::Contains("/a\\n/etc/shadow [lastmodified:2020-01-01"));
  CHECK_THAT(lines[0], Catch::Contains("\\nz\\x1b[2K/x [lastmodified:"));
  CHECK(r.out.find('\x1b') == std::string::npos);
}

TEST_CASE("class invalid-utf8-name: names that are not UTF-8 are reported exactly and shown apart") {
  std::string dir = HostDir();
  Write(dir + "/bad\xff.txt", "needle\n");
  Write(dir + "/bad\xfe.txt", "needle\n");
  Result json = Mig(absl::StrCat("file --local -path ", dir, " -content needle -render json"));
  INFO(json.out << json.err);
  CHECK(json.exit_code == kExitFound);
  std::vector<std::string> names = FoundNames(json.out);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{dir + "/bad\xfe.txt", dir + "/bad\xff.txt"});
  Result text = Mig(absl::StrCat("file --local -path ", dir, " -content needle"));
  CHECK_THAT(text.out, Catch::Contains(dir + "/bad\\xff.txt ["));
  CHECK_THAT(text.out, Catch::Contains(dir + "/bad\\xfe.txt ["));
}

// Makes dir/seg/seg/.../seg (depth times) with openat, as no path of that length can be used at once.
std::string MakeDeepTree(const std::string& dir, const std::string& segment, int depth, const std::string& file) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::string path = dir;
  for (int i = 0; i < depth; ++i) {
    REQUIRE(mkdirat(fd, segment.c_str(), 0755) == 0);
    int next = openat(fd, segment.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(next >= 0);
    close(fd);
    fd = next;
    path += "/" + segment;
  }
  int out = openat(fd, file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(out >= 0);
  REQUIRE(write(out, "needle\n", 7) == 7);
  close(out);
  close(fd);
  return path + "/" + file;
}

TEST_CASE("class deep-path: a file deeper than PATH_MAX is found") {
  std::string dir = HostDir();
  std::string deep = MakeDeepTree(dir, std::string(200, 'd'), 30, "needle.txt");
  REQUIRE(deep.size() > PATH_MAX);
  Result r = Mig(absl::StrCat("file --local -path ", dir, " -name '^needle\\.txt$' -content needle -render json"));
  INFO(r.err);
  CHECK(r.exit_code == kExitFound);
  CHECK(FoundNames(r.out) == std::vector<std::string>{deep});
  Run(absl::StrCat("rm -rf ", dir));
}

TEST_CASE("class default-depth: a tree deeper than the default maxdepth is not a clean miss") {
  std::string dir = HostDir();
  std::string deep = MakeDeepTree(dir, "d", 1001, "needle.txt");
  Result r = Mig(absl::StrCat("file --local -path ", dir, " -name '^needle\\.txt$'"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == kExitIncomplete);
  CHECK_THAT(r.out, Catch::Contains("INCOMPLETE: directories deeper than the default maxdepth (1000 levels) were not "
                                    "searched"));
  Result deeper = Mig(absl::StrCat("file --local -path ", dir, " -name '^needle\\.txt$' -maxdepth 1100"));
  CHECK(deeper.exit_code == kExitFound);
  // A shallow search the investigator chose is complete as asked.
  Result shallow = Mig(absl::StrCat("file --local -path ", dir, " -name '^needle\\.txt$' -maxdepth 3"));
  CHECK(shallow.exit_code == kExitNothingFound);
  Run(absl::StrCat("rm -rf ", dir));
}

TEST_CASE("class changing-file: a file that grows for ever while it is read is read as it was") {
  std::string dir = HostDir();
  std::string path = dir + "/growing.log";
  Write(path, std::string(1 << 20, 'x'));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    std::string block(1 << 16, 'y');
    while (!stop.load() && write(fd, block.data(), block.size()) > 0) {
      // Keep the file bounded on disk: once past 64 MiB start over, still growing while mig reads.
      struct stat st;
      if (fstat(fd, &st) == 0 && st.st_size > (64 << 20)) (void)!ftruncate(fd, 1 << 20);
    }
    close(fd);
  });
  Result r = Mig(absl::StrCat("file --local -path ", path, " -content needle -sha2 ", std::string(64, '0')));
  stop = true;
  writer.join();
  INFO(r.out << r.err);
  CHECK(r.exit_code == kExitNothingFound);
  CHECK_THAT(r.out, Catch::Contains("Statistics: 1 files checked"));
}

TEST_CASE("class unreadable-directory: what could not be read makes the answer INCOMPLETE, not 'nothing found'") {
  if (geteuid() != 0) {
    WARN("not root: cannot make a directory that mig, dropped to nobody, cannot read");
    return;
  }
  std::string dir = HostDir();
  Write(dir + "/visible.txt", "nothing here\n");
  REQUIRE(mkdir((dir + "/closed").c_str(), 0700) == 0);
  Write(dir + "/closed/needle.txt", "needle\n");
  const std::string mig = "./mig";  // in the runfiles, where Run starts
  Result r = Run(absl::StrCat("setpriv --reuid=65534 --regid=65534 --clear-groups ", mig, " file --local -path ", dir,
                              " -content needle"));
  INFO(r.out << r.err);
  if (r.exit_code != kExitIncomplete && absl::StrContains(r.err, "setpriv")) {
    WARN("setpriv cannot drop privileges here: " << r.err);
    return;
  }
  CHECK(r.exit_code == kExitIncomplete);
  CHECK_THAT(r.out, Catch::Contains("INCOMPLETE: 1 directory could not be read"));
  Result json = Run(absl::StrCat("setpriv --reuid=65534 --regid=65534 --clear-groups ", mig, " file --local -path ",
                                 dir, " -content needle -render json"));
  CHECK_THAT(json.out, Catch::Contains(R"("incomplete":"1 directory could not be read")"));
}

}  // namespace
