// Every inspection module through the mig binary, on this host: --help, a --local run that finds something
// the test put there (a listening socket, a key, a process holding a marker), MIG's exit codes, and
// --print-action. Each module's own tests check its parameters and results in depth; this checks the wiring.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace {

using mig::test::Mig;
using mig::test::ReadFile;
using mig::test::Result;
using mig::test::TempDir;

// A TCP socket listening on 127.0.0.1, on a port the kernel picks.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    REQUIRE(listen(fd_, 8) == 0);
    socklen_t length = sizeof(address);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_CASE("Every module has --help with examples and prints an unsigned action with -p") {
  for (const char* module : {"file", "netstat", "memory", "pkg", "sshkey", "ping", "timedrift", "scribe"}) {
    INFO(module);
    Result help = Mig(absl::StrCat(module, " --help"));
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("Examples:") || Catch::Contains("Example:"));
  }
  const std::pair<const char*, const char*> actions[] = {
      {"netstat", "-lp 22"},
      {"memory", "-name sshd"},
      {"pkg", "-name openssl"},
      {"sshkey", "-path /etc/ssh"},
      {"ping", "-d 127.0.0.1 --print-action"},
      {"timedrift", "-drift 5s"},
  };
  for (const auto& [module, args] : actions) {
    INFO(module);
    bool ping = std::string(module) == "ping";  // ping's own -p is its protocol
    Result printed = Mig(absl::StrCat(module, " ", args, ping ? "" : " -p"));
    INFO(printed.err);
    CHECK(printed.exit_code == 0);
    CHECK_THAT(printed.out, Catch::Contains(absl::StrCat("\"module\": \"", module, "\"")));
    CHECK_THAT(printed.out, Catch::Contains("\"signatures\": []"));
  }
}

TEST_CASE("netstat and ping find a socket the test listens on; a closed port is not found") {
  Listener listener;
  Result netstat = Mig(absl::StrCat("netstat --local -lp ", listener.port()));
  INFO(netstat.err);
  CHECK(netstat.exit_code == 0);
  CHECK_THAT(netstat.out, Catch::Contains(absl::StrCat("found listening port ", listener.port())));

  Result ping = Mig(absl::StrCat("ping --local -d 127.0.0.1 -dp ", listener.port(), " -p tcp -c 1"));
  INFO(ping.err);
  CHECK(ping.exit_code == 0);
  CHECK_THAT(ping.out, Catch::Contains("Target is reachable"));

  int closed_port;
  {
    Listener gone;
    closed_port = gone.port();
  }
  Result refused = Mig(absl::StrCat("ping --local -d 127.0.0.1 -dp ", closed_port, " -p tcp -c 1"));
  CHECK(refused.exit_code == 1);
  Result bad_port = Mig("netstat --local -lp 99999");
  CHECK(bad_port.exit_code == 2);
  CHECK_THAT(bad_port.err, Catch::Contains("99999"));
}

TEST_CASE("pkg finds dpkg itself; sshkey finds a key with ssh-keygen's fingerprint") {
  Result dpkg = Mig("pkg --local -name '^dpkg$'");
  CHECK(dpkg.exit_code == 0);
  CHECK_THAT(dpkg.out, Catch::Contains("pkgmatch name=dpkg version=") && Catch::Contains("type=dpkg"));
  CHECK(Mig("pkg --local -name '^no-such-package-here$'").exit_code == 1);

  std::string dir = TempDir();
  std::string key = dir + "/id_ed25519";
  REQUIRE(std::system(absl::StrCat("ssh-keygen -q -t ed25519 -N '' -C cli-test -f ", key).c_str()) == 0);
  REQUIRE(std::system(absl::StrCat("ssh-keygen -l -f ", key, ".pub > ", dir, "/fingerprint").c_str()) == 0);
  std::string fingerprint = ReadFile(dir + "/fingerprint");  // "256 SHA256:... cli-test (ED25519)"
  fingerprint = fingerprint.substr(fingerprint.find(' ') + 1);
  fingerprint = fingerprint.substr(0, fingerprint.find(' '));
  REQUIRE_THAT(fingerprint, Catch::StartsWith("SHA256:"));
  Result keys = Mig(absl::StrCat("sshkey --local -path ", dir));
  INFO(keys.err);
  CHECK(keys.exit_code == 0);
  CHECK_THAT(keys.out, Catch::Contains(fingerprint));
  CHECK_THAT(keys.out, Catch::Contains(key));
}

TEST_CASE("memory finds a marker in a process the test starts; timedrift prints the local time") {
  std::string marker = absl::StrCat("mig-cli-marker-", getpid(), "-", std::rand());
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    setenv("MIG_CLI_TEST_MARKER", marker.c_str(), 1);
    execl("/bin/sleep", "sleep", "60", nullptr);
    _exit(127);
  }
  // Wait for exec to finish, so that the marker is in the new image's environment.
  std::string exe_link = absl::StrCat("/proc/", child, "/exe");
  bool execed = false;
  for (int tries = 0; tries < 1500 && !execed; ++tries) {
    char target[256] = {};
    ssize_t n = readlink(exe_link.c_str(), target, sizeof(target) - 1);
    execed = n > 0 && absl::EndsWith(std::string_view(target, static_cast<size_t>(n)), "sleep");
    if (!execed) usleep(20 * 1000);
  }
  REQUIRE(execed);
  Result found = Mig(absl::StrCat("memory --local -name 'sleep$' -content ", marker));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  INFO(found.err);
  CHECK(found.exit_code == 0);
  CHECK_THAT(found.out, Catch::Contains(absl::StrCat("[pid:", child, "]")));

  Result time = Mig("timedrift --local");
  CHECK(time.exit_code == 0);
  CHECK_THAT(time.out, Catch::Contains("local time is"));
}

}  // namespace

namespace {

void WriteText(const std::string& path, const std::string& text) {
  FILE* file = fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  REQUIRE(fwrite(text.data(), 1, text.size(), file) == text.size());
  REQUIRE(fclose(file) == 0);
}

TEST_CASE("scribe evaluates a policy file, refuses a bad one before running, and compares versions") {
  std::string dir = TempDir();
  WriteText(dir + "/policy.json", R"({"objects": [{"object": "dpkg", "package": {"name": "dpkg"}}],
    "tests": [{"test": "dpkg-old", "object": "dpkg", "evr": {"operation": "<", "value": "99:0"}},
              {"test": "dpkg-new", "object": "dpkg", "evr": {"operation": ">", "value": "99:0"}}]})");
  Result run = Mig(absl::StrCat("scribe --local -path ", dir, "/policy.json"));
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.out, Catch::Contains("master [true] name:\"dpkg-old\" id:\"dpkg-old\" hastrue:true"));
  CHECK_THAT(run.out, Catch::Contains("< 99:0: out of date"));
  CHECK_THAT(run.out, !Catch::Contains("dpkg-new"));  // -show found
  Result all = Mig(absl::StrCat("scribe --local -path ", dir, "/policy.json -show all -onlytrue"));
  CHECK_THAT(all.out, !Catch::Contains("dpkg-new"));

  WriteText(dir + "/none.json", R"({"objects": [{"object": "p", "package": {"name": "no-such-package-here"}}],
    "tests": [{"test": "t", "object": "p"}]})");
  CHECK(Mig(absl::StrCat("scribe --local -path ", dir, "/none.json")).exit_code == 1);

  WriteText(dir + "/bad.json", R"({"objects": [], "tests": [{"test": "t", "object": "ghost"}]})");
  Result bad = Mig(absl::StrCat("scribe --local -path ", dir, "/bad.json"));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("tests[0] (\"t\"): unknown object \"ghost\""));
  Result printed = Mig(absl::StrCat("scribe -path ", dir, "/policy.json -p"));
  CHECK(printed.exit_code == 0);
  CHECK_THAT(printed.out, Catch::Contains("\"module\": \"scribe\""));
  CHECK_THAT(printed.out, Catch::Contains("\"scribedoc\""));

  Result older = Mig("scribe evr 1:2.0~rc1-1 1:2.0-1");
  CHECK(older.exit_code == 0);
  CHECK(older.out == "<\n");
  CHECK(Mig("scribe evr -rpm 1.0^git1 1.0").out == ">\n");
  CHECK(Mig("scribe evr 1.0~rc1 lt 1.0").exit_code == 0);
  CHECK(Mig("scribe evr 1.0~rc1 gt 1.0").exit_code == 1);
  Result invalid = Mig("scribe evr 1: 2");
  CHECK(invalid.exit_code == 2);
  CHECK_THAT(invalid.err, Catch::Contains("nothing after colon"));
}

}  // namespace
