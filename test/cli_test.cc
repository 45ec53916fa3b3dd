// The mig binary end to end, as an investigator uses it: module commands with MIG's flags, local runs, text
// and JSON output, exit codes, errors on bad input, action files, configuration, and the binary itself being
// static (it runs in an empty chroot).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "json/reader.h"
#include "test/cli_harness.h"

namespace {

using mig::test::Mig;
using mig::test::ReadFile;
using mig::test::Result;
using mig::test::TempDir;
using mig::test::WriteFile;

class Fixture {
 public:
  Fixture() : root_(TempDir()) {
    WriteFile(root_ + "/a.txt", "hello world\nroot:x:0:0\n");
    chmod((root_ + "/a.txt").c_str(), 0644);
    mkdir((root_ + "/sub").c_str(), 0755);
    WriteFile(root_ + "/sub/b.conf", "LogLevel VERBOSE\n");
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

TEST_CASE("mig --help lists the commands; mig file --help explains every flag") {
  Result help = Mig("--help");
  CHECK(help.exit_code == 0);
  for (const char* command : {"file", "run", "action", "key", "config", "version", "agent", "loader", "scheduler"}) {
    CHECK_THAT(help.out, Catch::Contains(command));
  }
  Result file_help = Mig("file --help");
  CHECK(file_help.exit_code == 0);
  for (const char* flag : {"--path", "--name", "--content", "--size", "--mode", "--mtime", "--md5", "--sha1",
                           "--sha2", "--sha3", "--mismatch", "--maxdepth", "--maxerrors", "--matchlimit",
                           "--matchall", "--matchany", "--macroal", "--verbose", "--returnsha256", "--decompress",
                           "--local", "--render", "--show", "Examples:"}) {
    CHECK_THAT(file_help.out, Catch::Contains(flag));
  }
}

TEST_CASE("mig version names the embedded configuration") {
  Result version = Mig("version");
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::Contains("mig ") && Catch::Contains("default.conf"));
}

TEST_CASE("A local sweep prints MIG's lines and a statistics line") {
  Fixture f;
  Result r = Mig(absl::StrCat("file --local -path ", f.root(), " -name '^a\\.txt$'"));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains(absl::StrCat(f.root(), "/a.txt [lastmodified:")));
  CHECK_THAT(r.out, Catch::Contains(", mode:-rw-r--r--, size:23] in search 's1'"));
  CHECK_THAT(r.out, Catch::Contains("Statistics: 2 files checked, 0 failed to open, 1 matched, ran in "));

  Result any = Mig(absl::StrCat("file --local -path ", f.root(), " -name '^a\\.txt$' -content VERBOSE -matchany"));
  CHECK(any.exit_code == 0);
  CHECK_THAT(any.out, Catch::Contains("in search 's1' on checks name='^a\\.txt$'"));
  CHECK_THAT(any.out, Catch::Contains("b.conf [lastmodified:"));
  CHECK_THAT(any.out, Catch::Contains("on checks content='VERBOSE'"));
}

TEST_CASE("-render json prints the result JSON; -show notfound lists empty checks") {
  Fixture f;
  Result r = Mig(absl::StrCat("file --local -path ", f.root(), " -content root -render json"));
  CHECK(r.exit_code == 0);
  auto doc = mig::json::JsonDocument::Parse(r.out, "output");
  REQUIRE(doc.ok());
  bool found = false;
  CHECK((*doc)->root()["foundanything"].get(found) == simdjson::SUCCESS);
  CHECK(found);

  Result none = Mig(absl::StrCat("file --local -path ", f.root(), " -name nomatch -show notfound"));
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.out, Catch::Contains("0 match found in search 's1'"));
}

TEST_CASE("Values starting with a dash are values: -mode -rw-r--r--") {
  Fixture f;
  Result r = Mig(absl::StrCat("file --local -path ", f.root(), " -mode -rw-r--r-- -name a"));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("a.txt"));
}

struct BadInput {
  const char* args;
  const char* message;
};

TEST_CASE("Bad input gives a clear error naming the value and exit status 2") {
  Fixture f;
  const BadInput cases[] = {
      {"-name '(unclosed'", "invalid name regex '(unclosed'"},
      {"-size 10q", "invalid size '10q'"},
      {"-mtime 90d", "invalid mtime '90d'"},
      {"-md5 abc", "invalid md5 hash 'abc'"},
      {"-mismatch nam -name x", "invalid mismatch 'nam'"},
      {"-bogus x -name x", "bogus"},
      {"-maxdepth deep -name x", "maxdepth"},
      {"", "no check"},
  };
  for (const BadInput& c : cases) {
    INFO(c.args);
    Result r = Mig(absl::StrCat("file --local -path ", f.root(), " ", c.args));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
  }
  Result missing = Mig("file --local -path /does/not/exist -name x");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("-path /does/not/exist: No such file or directory"));
  Result no_local = Mig(absl::StrCat("file -path ", f.root(), " -name x"));
  CHECK(no_local.exit_code == 2);
  CHECK_THAT(no_local.err, Catch::Contains("--local"));
}

TEST_CASE("mig run --local runs every operation of a MIG action file") {
  Fixture f;
  std::string action = absl::StrCat(R"({"name":"example","target":"status='online'","syntaxversion":2,
    "operations":[{"module":"file","parameters":{"searches":{
      "verbose":{"paths":[")", f.root(), R"("],"contents":["(?i)^loglevel verbose$"]},
      "root":{"paths":[")", f.root(), R"("],"contents":["^root:"]}}}}]})");
  std::string path = TempDir() + "/action.json";
  WriteFile(path, action);
  Result r = Mig(absl::StrCat("run --local -i ", path));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("b.conf [lastmodified:") && Catch::Contains("in search 'verbose'"));
  CHECK_THAT(r.out, Catch::Contains("a.txt [lastmodified:") && Catch::Contains("in search 'root'"));
  Result from_stdin = Mig("run --local -i - -render json", path);
  CHECK(from_stdin.exit_code == 0);
  CHECK_THAT(from_stdin.out, Catch::Contains("\"foundanything\":true"));

  WriteFile(path, R"({"operations":[{"module":"nosuchmodule","parameters":{}}]})");
  Result unknown = Mig(absl::StrCat("run --local -i ", path));
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("unknown module 'nosuchmodule'"));
  WriteFile(path, R"({"operations":[{"module":"file","parameters":{"searches":{"s":{"paths":["/"],"sizes":["x"]}}}}]})");
  Result invalid = Mig(absl::StrCat("run --local -i ", path));
  CHECK(invalid.exit_code == 2);
  CHECK_THAT(invalid.err, Catch::Contains("operation 0 (file): search 's': invalid size 'x'"));
}

TEST_CASE("mig config show prints the effective configuration; an override file changes it") {
  Result shown = Mig("config show");
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("# effective configuration: embedded:default.conf"));
  CHECK_THAT(shown.out, Catch::Contains("moduletimeout = 5m"));
  std::string dir = TempDir();
  WriteFile(dir + "/override.conf", "[agent]\nmoduletimeout = 90s\ntag = site:lab\n");
  Result overridden = Mig(absl::StrCat("--config ", dir, "/override.conf config show"));
  CHECK(overridden.exit_code == 0);
  CHECK_THAT(overridden.out, Catch::Contains("moduletimeout = 1m30s"));
  CHECK_THAT(overridden.out, Catch::Contains("tag = site:lab"));
  WriteFile(dir + "/bad.conf", "[agent]\nmoduletimeout = soon\n");
  Result bad = Mig(absl::StrCat("--config ", dir, "/bad.conf config show"));
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("bad.conf:2: 'soon' is not a positive duration"));
}

TEST_CASE("Roles that are not implemented yet say so and fail") {
  Result loader = Mig("loader");
  CHECK(loader.exit_code == 3);
  CHECK_THAT(loader.err, Catch::Contains("not implemented yet"));
}

TEST_CASE("Fleet roles without a fleet say what is missing") {
  // The default configuration names no relay: an agent built from it cannot join a fleet.
  Result agent = Mig("agent");
  CHECK(agent.exit_code == 2);
  CHECK_THAT(agent.err, Catch::Contains("names no relay ([agent] relay)"));
  Result scheduler = Mig("scheduler");
  CHECK(scheduler.exit_code == 2);
  CHECK_THAT(scheduler.err, Catch::Contains("[scheduler] relay"));
  // An investigator without ~/.migrc is told how to write one.
  std::string missing = TempDir() + "/migrc";
  setenv("MIGRC", missing.c_str(), 1);
  Result no_migrc = Mig("file -path /etc -name passwd");
  unsetenv("MIGRC");
  CHECK(no_migrc.exit_code == 2);
  CHECK_THAT(no_migrc.err, Catch::Contains("cannot read " + missing));
  CHECK_THAT(no_migrc.err, Catch::Contains("[api]"));
  CHECK_THAT(no_migrc.err, Catch::Contains("--local"));
}

TEST_CASE("The binary is static: it runs in an empty chroot") {
#if defined(MIG_SANITIZERS)
  WARN("sanitizer builds link glibc dynamically; the static binary is checked in the default build");
#else
  if (geteuid() != 0) {
    WARN("chroot needs root; skipped");
    return;
  }
  std::string jail = TempDir();
  REQUIRE(std::system(absl::StrCat("cp ./mig ", jail, "/mig").c_str()) == 0);
  std::string out = jail + "/chroot.out";
  int status = std::system(absl::StrCat("/usr/sbin/chroot ", jail, " /mig file --local -path / -name '^mig$' > ", out).c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(ReadFile(out), Catch::Contains("/mig [lastmodified:"));
  std::string file_output = absl::StrCat(jail, "/file.out");
  REQUIRE(std::system(absl::StrCat("file -L ./mig > ", file_output).c_str()) == 0);
  CHECK_THAT(ReadFile(file_output), Catch::Contains("statically linked"));
#endif
}

}  // namespace
