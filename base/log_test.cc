#include "base/log.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "catch2/catch.hpp"

namespace mig::log {
namespace {

std::string TempDir() {
  std::string dir = "/tmp/mig-log-test-XXXXXX";  // short: a socket's path must fit sun_path
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  return dir;
}

std::string Read(const std::string& path) { return ReadFileBounded(path, 1 << 20).value_or("<missing>"); }

TEST_CASE("class forged-log: a message cannot add a line to the log") {
  std::string dir = TempDir();
  REQUIRE(Configure({.sink = Sink::kFile, .file = dir + "/mig.log"}).ok());
  Info("agent", "file a\n2026-01-01T00:00:00.000Z error agent: forged\x1b[2K");
  std::string text = Read(dir + "/mig.log");
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::EndsWith(" info agent: file a\\n2026-01-01T00:00:00.000Z error agent: forged\\x1b[2K"));
  REQUIRE(Configure({}).ok());
}

TEST_CASE("[logging] mode = file: lines go to the file, rotated by size, keeping a number of old files") {
  std::string dir = TempDir();
  std::string path = dir + "/agent.log";
  REQUIRE(Configure({.level = Level::kDebug, .sink = Sink::kFile, .file = path, .max_file_bytes = 300, .keep_files = 2})
              .ok());
  for (int i = 0; i < 12; ++i) Info("agent", absl::StrCat("line ", i, " ", std::string(40, 'x')));
  Debug("agent", "debug shown at debug level");
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size <= 300);
  CHECK(stat((path + ".1").c_str(), &st) == 0);
  CHECK(stat((path + ".2").c_str(), &st) == 0);
  CHECK(stat((path + ".3").c_str(), &st) != 0);  // keep_files = 2
  std::string all = Read(path + ".2") + Read(path + ".1") + Read(path);
  CHECK_THAT(all, Catch::Contains("line 11 "));
  CHECK_THAT(Read(path), Catch::Contains("debug shown at debug level"));
  // No line is split between files.
  for (const std::string& file : {path, path + ".1", path + ".2"}) {
    for (std::string_view line : absl::StrSplit(Read(file), '\n', absl::SkipEmpty())) {
      CHECK_THAT(std::string(line), Catch::Contains(" agent: "));
    }
  }
  REQUIRE(Configure({}).ok());
}

TEST_CASE("class trusted-file: the log file is never a link someone planted, and must be absolute") {
  std::string dir = TempDir();
  REQUIRE(symlink("/etc/passwd", (dir + "/planted.log").c_str()) == 0);
  absl::Status planted = Configure({.sink = Sink::kFile, .file = dir + "/planted.log"});
  CHECK(absl::IsUnavailable(planted));
  CHECK_THAT(std::string(planted.message()), Catch::Contains("cannot open log file"));
  CHECK(absl::IsInvalidArgument(Configure({.sink = Sink::kFile, .file = "relative.log"})));
}

TEST_CASE("[logging] mode = syslog: RFC 3164 datagrams to the local socket, facility daemon") {
  std::string dir = TempDir();
  std::string socket_path = dir + "/log";
  int daemon = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  REQUIRE(bind(daemon, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(Configure({.sink = Sink::kSyslog, .syslog_socket = socket_path, .program = "mig-agent"}).ok());
  Warning("agent", "relay down\nforged line");
  char buffer[9000];
  ssize_t n = recv(daemon, buffer, sizeof(buffer), 0);
  REQUIRE(n > 0);
  std::string datagram(buffer, static_cast<size_t>(n));
  CHECK(absl::StartsWith(datagram, "<28>"));  // daemon (3) * 8 + warning (4)
  CHECK_THAT(datagram, Catch::Contains(absl::StrCat(" mig-agent[", getpid(), "]: agent: relay down\\nforged line")));
  CHECK(datagram.find('\n') == std::string::npos);
  Error("agent", std::string(20000, 'x'));
  n = recv(daemon, buffer, sizeof(buffer), 0);
  CHECK(n == 8000);
  close(daemon);
  // No daemon: refused when configuring, so that the caller can say so.
  unlink(socket_path.c_str());
  CHECK(absl::IsUnavailable(Configure({.sink = Sink::kSyslog, .syslog_socket = socket_path})));
  REQUIRE(Configure({}).ok());
}

}  // namespace
}  // namespace mig::log
