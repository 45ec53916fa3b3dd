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
#include "base/json/reader.h"
#include "catch2/catch.hpp"
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
  for (const char* command :
       {"file", "run", "action", "key", "release", "config", "version", "agent", "loader", "scheduler"}) {
    CHECK_THAT(help.out, Catch::Contains(command));
  }
  Result file_help = Mig("file --help");
  CHECK(file_help.exit_code == 0);
  for (const char* flag : {"--path",         "--name",       "--content",  "--size",     "--mode",     "--mtime",
                           "--md5",          "--sha1",       "--sha2",     "--sha3",     "--mismatch", "--maxdepth",
                           "--maxerrors",    "--matchlimit", "--matchall", "--matchany", "--macroal",  "--verbose",
                           "--returnsha256", "--decompress", "--local",    "--render",   "--show",     "Examples:"}) {
    CHECK_THAT(file_help.out, Catch::Contains(flag));
  }
}

TEST_CASE("mig version names the embedded configuration") {
  Result version = Mig("version");
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::Contains("mig ") && Catch::Contains("default.conf"));
  Result flag = Mig("--version");
  CHECK(flag.exit_code == 0);
  CHECK(flag.out == version.out);
}

TEST_CASE("The command line as people type it: typos are named, with the nearest spelling") {
  Fixture f;
  struct Case {
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"bogus", "mig: unknown command 'bogus'; `mig --help` lists the commands"},
      {"fiel --local -path /etc -name x", "unknown command 'fiel' (did you mean 'file'?)"},
      // Go's flag syntax has no clusters of short flags: -pth is a mistyped -path, not -p -t h.
      {absl::StrCat("file --local -pth ", f.root(), " -name x"), "unknown flag -pth for `file` (did you mean -path?)"},
      {absl::StrCat("file --local -path ", f.root(), " -nmae x"),
       "unknown flag -nmae for `file` (did you mean -name?)"},
      {"action list --mnie", "unknown flag --mnie for `list` (did you mean -mine?)"},
  };
  for (const Case& c : cases) {
    INFO(c.args);
    Result r = Mig(c.args);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
  }
}

TEST_CASE("Completion scripts and the man page come from the same definitions as --help") {
  Result bash = Mig("completion bash");
  CHECK(bash.exit_code == 0);
  CHECK_THAT(bash.out, Catch::Contains("complete -o default -F _mig mig"));
  CHECK_THAT(bash.out, Catch::Contains("\"file\") echo '") && Catch::Contains("--path"));
  CHECK_THAT(bash.out, Catch::Contains("\"action list\") echo '") && Catch::Contains("--mine"));
  // The script works: bash completes `mig fi` to file, and `mig file --pa` to --path.
  std::string script = TempDir() + "/mig.bash";
  WriteFile(script, bash.out);
  Result completed = mig::test::Run(
      absl::StrCat("bash -c 'source ", script, "; COMP_WORDS=(mig fi); COMP_CWORD=1; _mig; echo ${COMPREPLY[*]}; ",
                   "COMP_WORDS=(mig file --pa); COMP_CWORD=2; _mig; echo ${COMPREPLY[*]}'"));
  INFO(completed.err);
  CHECK(completed.out == "file\n--path\n");
  CHECK_THAT(Mig("completion zsh").out, Catch::Contains("bashcompinit"));
  CHECK(Mig("completion fish").exit_code == 2);

  Result man = Mig("help --man");
  CHECK(man.exit_code == 0);
  CHECK_THAT(man.out, Catch::StartsWith(".TH MIG 1 "));
  CHECK_THAT(man.out, Catch::Contains(".SS mig file\n") && Catch::Contains(".SH EXIT STATUS"));
  Result one = Mig("help action list");
  CHECK(one.exit_code == 0);
  CHECK_THAT(one.out, Catch::Contains("--running"));
  CHECK(Mig("help nothing").exit_code == 2);
}

TEST_CASE("-o writes the results to a file, 0600, whole") {
  Fixture f;
  std::string out = TempDir() + "/results.json";
  Result r = Mig(absl::StrCat("file --local -path ", f.root(), " -name '^a\\.txt$' -render json -o ", out));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK_THAT(ReadFile(out), Catch::Contains("\"foundanything\":true"));
  struct stat st;
  REQUIRE(stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  Result nowhere = Mig(absl::StrCat("file --local -path ", f.root(), " -name a -o /nonexistent/dir/out"));
  CHECK(nowhere.exit_code == 3);
  CHECK_THAT(nowhere.err, Catch::Contains("--output /nonexistent/dir/out"));
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
  // A module's -render json keeps MIG's shape, placeholder entry included.
  CHECK_THAT(Mig(absl::StrCat("file --local -path ", f.root(), " -name nomatch -render json")).out,
             Catch::Contains("\"file\":\"\""));
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
      "verbose":{"paths":[")",
                                    f.root(), R"("],"contents":["(?i)^loglevel verbose$"]},
      "root":{"paths":[")",
                                    f.root(), R"("],"contents":["^root:"]}}}}]})");
  std::string path = TempDir() + "/action.json";
  WriteFile(path, action);
  Result r = Mig(absl::StrCat("run --local -i ", path));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("b.conf [lastmodified:") && Catch::Contains("in search 'verbose'"));
  CHECK_THAT(r.out, Catch::Contains("a.txt [lastmodified:") && Catch::Contains("in search 'root'"));
  // MIG's rule for an action file without "matchall" is said before the run.
  CHECK_THAT(r.err, Catch::Contains("operation 0 (file), search 'verbose': a match needs only one of its 1 checks"));
  Result from_stdin = Mig("run --local -i - -render json", path);
  CHECK(from_stdin.exit_code == 0);
  // One document per operation, with its index and module.
  CHECK_THAT(from_stdin.out, Catch::StartsWith("{\"operation\":0,\"module\":\"file\",\"result\":{"));
  CHECK_THAT(from_stdin.out, Catch::Contains("\"foundanything\":true"));
  // Scripts: RFC 3339 times beside MIG's, and the options the search ran with.
  size_t mtime = from_stdin.out.find("\"mtime\":\"");
  REQUIRE(mtime != std::string::npos);
  CHECK_THAT(from_stdin.out.substr(mtime + 8, 22),
             Catch::Matches("\"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\""));
  CHECK_THAT(from_stdin.out, Catch::Contains("\"maxdepth\":1000") && Catch::Contains("\"matchlimit\":1000"));

  WriteFile(path, R"({"operations":[{"module":"nosuchmodule","parameters":{}}]})");
  Result unknown = Mig(absl::StrCat("run --local -i ", path));
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("unknown module 'nosuchmodule'"));
  WriteFile(path,
            R"({"operations":[{"module":"file","parameters":{"searches":{"s":{"paths":["/"],"sizes":["x"]}}}}]})");
  Result invalid = Mig(absl::StrCat("run --local -i ", path));
  CHECK(invalid.exit_code == 2);
  CHECK_THAT(invalid.err, Catch::Contains("operation 0 (file): search 's': invalid size 'x'"));
}

TEST_CASE("mig module-run: a result to a regular file, and MIG's module input envelope") {
  Fixture f;
  std::string dir = TempDir();
  std::string parameters = absl::StrCat(R"({"searches":{"s1":{"paths":[")", f.root(), R"("],"names":["^a\\.txt$"]}}})");
  WriteFile(dir + "/bare.json", parameters);
  WriteFile(dir + "/envelope.json", absl::StrCat(R"({"class":"parameters","parameters":)", parameters, "}"));
  for (const char* input : {"bare.json", "envelope.json"}) {
    INFO(input);
    // Sandboxed, with standard output a regular file (the harness's; the sandbox once stopped that with
    // RLIMIT_FSIZE 0: exit 153, nothing written).
    Result r = Mig("module-run file", absl::StrCat(dir, "/", input));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("\"foundanything\":true") && Catch::Contains("/a.txt\""));
  }
  WriteFile(dir + "/stop.json", R"({"class":"stop"})");
  Result stop = Mig(absl::StrCat("module-run file"), dir + "/stop.json");
  CHECK(stop.exit_code == 2);
  CHECK_THAT(stop.err, Catch::Contains("a message of class 'stop'; only \"parameters\" is taken"));
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

TEST_CASE("The loader without an update source, or installing a binary that cannot join a fleet, says why") {
  // The default configuration has no [loader] source and no relay.
  Result update = Mig("loader");
  CHECK(update.exit_code == 2);
  CHECK_THAT(update.err, Catch::Contains("names no update source ([loader] source)"));
  std::string root = TempDir();
  Result install = Mig(absl::StrCat("loader --install --root ", root));
  CHECK(install.exit_code == 2);
  CHECK_THAT(install.err, Catch::Contains("names no relay ([agent] relay)"));
  Result both = Mig("loader --install --uninstall");
  CHECK(both.exit_code == 2);
  Result bad_timeout = Mig("loader --health-timeout soon");
  CHECK(bad_timeout.exit_code == 2);
  CHECK_THAT(bad_timeout.err, Catch::Contains("--health-timeout 'soon' is not a duration"));
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

// A release of this very binary, signed by two release keys: one sealed with a passphrase, one not.
class Release {
 public:
  Release() : dir_(TempDir()) {
    setenv("MIG_PASSPHRASE", "release passphrase", 1);
    Result r1 = Mig(absl::StrCat("key generate --kdf interactive --name release1 --out ", path("r1.key")));
    INFO(r1.err);
    REQUIRE(r1.exit_code == 0);
    Result r2 = Mig(absl::StrCat("key generate --no-passphrase --name release2 --out ", path("r2.key")));
    INFO(r2.err);
    REQUIRE(r2.exit_code == 0);
  }
  std::string path(std::string_view name) const { return absl::StrCat(dir_, "/", name); }
  std::string manifest() const { return path("rel/manifest.json"); }
  std::string VerifyArgs() const {
    return absl::StrCat("release verify -i ", manifest(), " --pubkey ", path("r1.key.pub"), " --pubkey ",
                        path("r2.key.pub"), " --threshold 2");
  }

 private:
  std::string dir_;
};

TEST_CASE("mig release: create, sign twice, verify; a missing signature or a changed binary is refused") {
  Release rel;
  Result created = Mig(absl::StrCat("release create --binary ./mig --version 0.2.0 --out ", rel.path("rel")));
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  CHECK_THAT(created.out, Catch::Contains("mig release sign -i " + rel.manifest()));
  struct stat st;
  REQUIRE(stat(rel.path("rel/mig-0.2.0").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(ReadFile(rel.path("rel/mig-0.2.0")) == ReadFile("./mig"));
  CHECK_THAT(ReadFile(rel.manifest()), Catch::Contains("\"name\": \"mig-0.2.0\"") &&
                                           Catch::Contains("\"mode\": \"0755\"") &&
                                           Catch::Contains("\"signatures\": []"));
  Result again = Mig(absl::StrCat("release create --binary ./mig --version 0.2.0 --out ", rel.path("rel")));
  CHECK(again.exit_code == 2);
  CHECK_THAT(again.err, Catch::Contains("manifest.json already exists") && Catch::Contains("--force"));
  Result bad_version = Mig(absl::StrCat("release create --binary ./mig --version v2 --out ", rel.path("v2")));
  CHECK(bad_version.exit_code == 2);
  CHECK_THAT(bad_version.err, Catch::Contains("--version: 'v2' is not a version"));

  Result unsigned_verify = Mig(rel.VerifyArgs());
  CHECK(unsigned_verify.exit_code == 1);
  CHECK_THAT(unsigned_verify.out, Catch::Contains("REFUSED: signatures: 0 valid signatures"));

  for (const char* key : {"r1.key", "r2.key"}) {
    Result signed_by = Mig(absl::StrCat("release sign -i ", rel.manifest(), " --key ", rel.path(key)));
    INFO(signed_by.err);
    REQUIRE(signed_by.exit_code == 0);
    CHECK_THAT(signed_by.err, Catch::Contains("signing release 0.2.0 for linux-x86_64"));
  }
  Result twice = Mig(absl::StrCat("release sign -i ", rel.manifest(), " --key ", rel.path("r2.key")));
  CHECK(twice.exit_code == 2);
  CHECK_THAT(twice.err, Catch::Contains("already signed by release2"));

  Result verified = Mig(rel.VerifyArgs());
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK_THAT(verified.out, Catch::Contains("(release1): valid") && Catch::Contains("(release2): valid"));
  CHECK_THAT(verified.out, Catch::Contains("file mig-0.2.0: ok"));
  CHECK_THAT(verified.out, Catch::Contains("VERIFIED against the given 2 release keys"));
  Result not_newer = Mig(absl::StrCat(rel.VerifyArgs(), " --installed 0.2.0"));
  CHECK(not_newer.exit_code == 1);
  CHECK_THAT(not_newer.out, Catch::Contains("REFUSED: release 0.2.0 is not newer than the installed 0.2.0"));
  Result shown = Mig(absl::StrCat("release show -i ", rel.manifest()));
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.out, Catch::Contains("version:     0.2.0") && Catch::Contains("signatures:  2"));

  // One signature removed: 1 of the 2 needed.
  const std::string two_signatures = ReadFile(rel.manifest());
  size_t second = two_signatures.find("},\n    {");
  size_t end = two_signatures.find("\n  ]", second);
  REQUIRE(second != std::string::npos);
  REQUIRE(end != std::string::npos);
  WriteFile(rel.manifest(), two_signatures.substr(0, second + 1) + two_signatures.substr(end));
  Result one_signature = Mig(rel.VerifyArgs());
  INFO(one_signature.out);
  CHECK(one_signature.exit_code == 1);
  CHECK_THAT(one_signature.out, Catch::Contains("REFUSED: signatures: 1 valid signature by distinct release keys, "
                                                "2 needed"));
  WriteFile(rel.manifest(), two_signatures);
  REQUIRE(Mig(rel.VerifyArgs()).exit_code == 0);

  // A changed manifest: neither signature verifies any more.
  std::string tampered_manifest = two_signatures;
  size_t size_at = tampered_manifest.find("\"size\": ");
  REQUIRE(size_at != std::string::npos);
  size_at += 8;
  size_t size_end = tampered_manifest.find(',', size_at);
  const uint64_t size = std::stoull(tampered_manifest.substr(size_at, size_end - size_at));
  tampered_manifest.replace(size_at, size_end - size_at, std::to_string(size - 1));
  WriteFile(rel.manifest(), tampered_manifest);
  Result changed = Mig(rel.VerifyArgs());
  CHECK(changed.exit_code == 1);
  CHECK_THAT(changed.out, Catch::Contains("(release1): DOES NOT VERIFY"));
  WriteFile(rel.manifest(), two_signatures);

  // A changed binary of the same size: its hash gives it away.
  std::string binary = ReadFile(rel.path("rel/mig-0.2.0"));
  binary[binary.size() / 2] = static_cast<char>(binary[binary.size() / 2] ^ 1);
  WriteFile(rel.path("rel/mig-0.2.0"), binary);
  Result tampered = Mig(rel.VerifyArgs());
  INFO(tampered.out);
  CHECK(tampered.exit_code == 1);
  CHECK_THAT(tampered.out, Catch::Contains("(release1): valid"));
  CHECK_THAT(tampered.out, Catch::Contains("REFUSED: ") && Catch::Contains("mig-0.2.0 has SHA-256 ") &&
                               Catch::Contains(", the manifest lists "));
  unsetenv("MIG_PASSPHRASE");
}

TEST_CASE("mig release verify: the configuration's release keys and threshold by default; bad usage exits 2") {
  Release rel;
  REQUIRE(Mig(absl::StrCat("release create --binary ./mig --version 1.0.0-rc.1 --expires 2h --out ", rel.path("rel")))
              .exit_code == 0);
  REQUIRE(Mig(absl::StrCat("release sign -i ", rel.manifest(), " --key ", rel.path("r2.key"))).exit_code == 0);
  // The embedded configuration names no release keys.
  Result no_keys = Mig(absl::StrCat("release verify -i ", rel.manifest()));
  CHECK(no_keys.exit_code == 2);
  CHECK_THAT(no_keys.err, Catch::Contains("names no release keys ([loader] releasekey)"));
  std::string r2_line = ReadFile(rel.path("r2.key.pub"));
  std::string r1_line = ReadFile(rel.path("r1.key.pub"));
  std::string conf = rel.path("site.conf");
  WriteFile(conf, absl::StrCat("[loader]\nreleasekey = ", r1_line.substr(0, r1_line.find(' ')),
                               "\nreleasekey = ", r2_line.substr(0, r2_line.find(' ')), "\nthreshold = 1\n"));
  Result configured = Mig(absl::StrCat("--config ", conf, " release verify -i ", rel.manifest(), " --installed 0.9.9"));
  INFO(configured.out << configured.err);
  CHECK(configured.exit_code == 0);
  CHECK_THAT(configured.out, Catch::Contains("VERIFIED against the configured release keys"));
  Result stricter = Mig(absl::StrCat("--config ", conf, " release verify -i ", rel.manifest(), " --threshold 2"));
  CHECK(stricter.exit_code == 1);
  const std::pair<std::string, std::string> usage[] = {
      {" --threshold 0", "a threshold of 0"},
      {" --threshold 3", "a threshold of 3 with 2 distinct release keys"},
      {" --installed latest", "--installed: 'latest' is not a version"},
  };
  for (const auto& [args, message] : usage) {
    INFO(args);
    Result r = Mig(absl::StrCat("--config ", conf, " release verify -i ", rel.manifest(), args));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(message));
  }
  WriteFile(rel.manifest(), "{\"format\": \"mig-release-v1\", \"version\": 1}");
  Result malformed = Mig(absl::StrCat("--config ", conf, " release verify -i ", rel.manifest()));
  CHECK(malformed.exit_code == 1);
  CHECK_THAT(malformed.out, Catch::Contains("REFUSED: ") && Catch::Contains("version: expected a string"));
  unsetenv("MIG_PASSPHRASE");
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
  int status =
      std::system(absl::StrCat("/usr/sbin/chroot ", jail, " /mig file --local -path / -name '^mig$' > ", out).c_str());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(ReadFile(out), Catch::Contains("/mig [lastmodified:"));
  std::string file_output = absl::StrCat(jail, "/file.out");
  REQUIRE(std::system(absl::StrCat("file -L ./mig > ", file_output).c_str()) == 0);
  CHECK_THAT(ReadFile(file_output), Catch::Contains("statically linked"));
#endif
}

}  // namespace
