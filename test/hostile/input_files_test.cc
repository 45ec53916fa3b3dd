// Files mig is handed — its configuration and the files it names, keys, action files, policies, release
// manifests and binaries — as a careless investigator or someone with a little access could hand them: FIFOs
// nobody writes, devices that never end, directories, links, files others can change. Through the binary,
// each case names the class of attack it guards against. Outside Bazel's sandbox: as root, the test gives a
// file away to nobody.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace {

using mig::test::Mig;
using mig::test::Result;
using mig::test::Run;

constexpr int kExitUsage = 2;

// A directory only root can change (the rule for trusted files applies to every directory above them).
std::string PrivateDir() {
  std::string dir = "/tmp/mig-input-XXXXXX";
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  REQUIRE(chmod(dir.c_str(), 0700) == 0);
  return dir;
}

void Write(const std::string& path, const std::string& contents, mode_t mode = 0600) {
  mig::test::WriteFile(path, contents);
  REQUIRE(chmod(path.c_str(), mode) == 0);
}

// Every command that obeys a configuration refuses one that is not trustworthy, before anything else.
const char* const kConfiguredCommands[] = {"config show", "agent", "scheduler", "action verify -i /dev/null", "loader"};

void CheckEveryRoleRefuses(const std::string& config, const std::string& error) {
  for (const char* command : kConfiguredCommands) {
    INFO(command);
    Result r = Mig(absl::StrCat("--config ", config, " ", command));
    INFO(r.out << r.err);
    CHECK(r.exit_code == kExitUsage);
    CHECK_THAT(r.err, Catch::Contains(error));
  }
}

TEST_CASE("class trusted-file: a configuration others could change is refused by every role, saying why") {
  std::string dir = PrivateDir();
  const std::string adds_investigator =
      "[investigator \"eve\"]\n    pubkey = ed25519:8Pr6VFPNGVprhkZTeONT1UaQGwKJr3ILyFvzGn+L3JA=\n"
      "[acl \"default\"]\n    minimumweight = 1\n    investigator = eve:1\n";
  Write(dir + "/world.conf", adds_investigator, 0666);
  CheckEveryRoleRefuses(dir + "/world.conf", absl::StrCat("refusing ", dir, "/world.conf: it is writable by others"));

  Write(dir + "/nobody.conf", adds_investigator, 0644);
  if (chown((dir + "/nobody.conf").c_str(), 65534, 65534) == 0) {
    CheckEveryRoleRefuses(dir + "/nobody.conf", "it is owned by uid 65534 (mode 0644, owner uid 65534)");
  } else {
    WARN("cannot chown here: the owner case is not tried");
  }

  REQUIRE(mkdir((dir + "/open").c_str(), 0777) == 0);
  REQUIRE(chmod((dir + "/open").c_str(), 0777) == 0);
  Write(dir + "/open/mig.conf", adds_investigator, 0600);
  CheckEveryRoleRefuses(dir + "/open/mig.conf", absl::StrCat("the directory ", dir, "/open is writable by others"));

  // A file the configuration names counts as much as the configuration.
  Write(dir + "/ca.pem", "not even a certificate", 0666);
  Write(dir + "/names-ca.conf", "[certs]\n    ca = ca.pem\n", 0600);
  CheckEveryRoleRefuses(dir + "/names-ca.conf", absl::StrCat("refusing ", dir, "/ca.pem: it is writable by others"));

  // The same file, made safe, is taken.
  REQUIRE(chmod((dir + "/world.conf").c_str(), 0600) == 0);
  Result shown = Mig(absl::StrCat("--config ", dir, "/world.conf config show"));
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("investigator = eve:1"));
  Run(absl::StrCat("rm -rf ", dir));
}

TEST_CASE("class special-file: a configuration that is a directory, a device or a FIFO is refused at once") {
  std::string dir = PrivateDir();
  REQUIRE(mkfifo((dir + "/fifo.conf").c_str(), 0600) == 0);
  const std::pair<std::string, std::string> cases[] = {
      {dir, " is a directory, not a regular file"},
      {"/dev/zero", "/dev/zero is a character device, not a regular file"},
      {dir + "/fifo.conf", "fifo.conf is a FIFO, not a regular file"},
  };
  for (const auto& [config, error] : cases) CheckEveryRoleRefuses(config, error);
  Run(absl::StrCat("rm -rf ", dir));
}

TEST_CASE("class malformed-url: a URL in an override configuration is parsed strictly when it is loaded") {
  std::string dir = PrivateDir();
  const std::pair<std::string, std::string> cases[] = {
      {"[agent]\n    relay = amqp://[::1\n", "unterminated [IPv6 address]"},
      {"[agent]\n    relay = amqps://relay.example.net:0/mig\n", "'0' is not a port"},
      {"[scheduler]\n    api = https://sched uler/\n", "spaces, control characters"},
      {"[loader]\n    source = http://releases.example.net/\n", "the scheme must be https or file"},
  };
  for (const auto& [text, error] : cases) {
    INFO(text);
    Write(dir + "/bad.conf", text);
    CheckEveryRoleRefuses(dir + "/bad.conf", error);
  }
  Run(absl::StrCat("rm -rf ", dir));
}

// Inputs an investigator names: read whole, so each must be a regular file of bounded size, and a FIFO or a
// device must be refused at once rather than block the command or fill its memory.
TEST_CASE("class special-file: action files, keys, policies, manifests and binaries must be regular files") {
  std::string dir = PrivateDir();
  REQUIRE(mkfifo((dir + "/fifo").c_str(), 0600) == 0);
  // Real inputs beside the special one, so that each command gets as far as reading it.
  REQUIRE(Mig(absl::StrCat("key generate --name r --out ", dir, "/r.key --no-passphrase")).exit_code == 0);
  Result action = Mig("file -path /etc -name '^passwd$' -p");
  REQUIRE(action.exit_code == 0);
  Write(dir + "/action.json", action.out);
  for (const std::string& special : {dir + "/fifo", std::string("/dev/zero")}) {
    INFO(special);
    const std::string commands[] = {
        absl::StrCat("run --local -i ", special),
        absl::StrCat("action verify -i ", special),
        absl::StrCat("action show -i ", special),
        absl::StrCat("action sign -i ", dir, "/action.json --key ", special),
        absl::StrCat("scribe --local -path ", special),
        absl::StrCat("release verify -i ", special, " --pubkey ", dir, "/r.key.pub"),
        absl::StrCat("release show -i ", special),
        absl::StrCat("release create --binary ", special, " --version 1.0.0 --out ", dir, "/rel"),
    };
    for (const std::string& command : commands) {
      INFO(command);
      Result r = Mig(command);
      INFO(r.out << r.err);
      CHECK(r.exit_code != 0);
      CHECK_THAT(r.err, Catch::Contains(absl::StrCat(special, " is ")) && Catch::Contains(", not a regular file"));
    }
  }
  Run(absl::StrCat("rm -rf ", dir));
}

}  // namespace
