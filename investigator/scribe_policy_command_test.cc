// `mig scribe policy` as the command line sees it: flags, exit codes, where the policy and the summary go,
// and that a refused input leaves no output file behind.
#include "investigator/scribe_policy_command.h"

#include <sys/stat.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "catch2/catch.hpp"
#include "modules/scribe/policy_sources/test_files.h"

namespace mig::investigator {
namespace {

using modules::scribe::policy_sources::NewTestDir;
using modules::scribe::policy_sources::ReadTestFile;
using modules::scribe::policy_sources::WriteTestFile;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Outcome RunPolicy(std::vector<std::string> args) {
  CLI::App app("test", "mig");
  CLI::App* scribe = app.add_subcommand("scribe", "scribe");
  Outcome outcome;
  outcome.exit_code = 0;
  AddScribePolicyCommand(*scribe, &outcome.exit_code);
  args.insert(args.begin(), {"mig", "scribe", "policy"});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    outcome.exit_code = app.exit(e, out, err) == 0 ? 0 : 2;
  }
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  outcome.out = out.str();
  outcome.err = err.str();
  return outcome;
}

constexpr char kTracker[] = R"({"openssl": {"CVE-2024-0727": {"releases": {
    "bookworm": {"status": "resolved", "fixed_version": "3.0.13-1~deb12u1", "urgency": "low"},
    "bullseye": {"status": "open", "urgency": "low"}}}}})";

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

TEST_CASE("A tracker file to a policy file, with a summary on stderr") {
  std::string dir = NewTestDir("cli");
  WriteTestFile(dir + "/tracker.json", kTracker);
  Outcome o = RunPolicy({"--debian-tracker", dir + "/tracker.json", "--release", "bookworm", "--release", "bullseye",
                         "-o", dir + "/policy.json"});
  INFO(o.err);
  CHECK(o.exit_code == 0);
  CHECK(o.out.empty());
  std::string policy = ReadTestFile(dir + "/policy.json");
  CHECK(absl::StrContains(policy, "\"test\": \"debian-tracker:bookworm:openssl:3.0.13-1~deb12u1\""));
  CHECK(o.err == absl::StrCat("mig scribe policy: Debian security tracker (", dir,
                              "/tracker.json), bookworm, bullseye: 1 test for 1 package, 1 CVE; skipped: 1 without a "
                              "fix yet (open or undetermined; --include-unfixed lists them)\n"
                              "mig scribe policy: wrote 1 vulnerability test (3 tests in all, with the release "
                              "gates), 3 objects, to ",
                              dir, "/policy.json\n"));
  struct stat st;
  REQUIRE(stat((dir + "/policy.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  // Standard output by default, with --include-unfixed.
  Outcome unfixed =
      RunPolicy({"--debian-tracker", dir + "/tracker.json", "--release", "bullseye", "--include-unfixed"});
  CHECK(unfixed.exit_code == 0);
  CHECK(absl::StrContains(unfixed.out, "\"test\": \"debian-tracker:bullseye:openssl\""));
  CHECK(absl::StrContains(unfixed.err, "to standard output\n"));
}

TEST_CASE("Usage and input errors exit 2, failures 3, and leave no output behind") {
  std::string dir = NewTestDir("cli_bad");
  WriteTestFile(dir + "/bad.json", R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": 7}}}}})");
  WriteTestFile(dir + "/tracker.json", kTracker);
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string err;  // what stderr starts with
  };
  const std::vector<Case> cases = {
      {{}, 2, "mig scribe policy: no source: give --debian-tracker, --osv or --from-apt (see --help)\n"},
      {{"--debian-tracker", dir + "/bad.json", "--release", "bookworm", "-o", dir + "/out.json"},
       2,
       absl::StrCat("mig scribe policy: ", dir,
                    "/bad.json: openssl.CVE-1.releases.bookworm.status: expected a string, got number\n")},
      {{"--debian-tracker", dir + "/missing.json", "--release", "bookworm", "-o", dir + "/out.json"},
       2,
       absl::StrCat("mig scribe policy: cannot read ", dir, "/missing.json: No such file or directory\n")},
      {{"--osv", dir, "-o", dir + "/out.json"}, 2, absl::StrCat("mig scribe policy: ", dir, "/bad.json: ")},
      {{"--from-apt", "--lists-dir", dir, "--release", "bookworm", "-o", dir + "/out.json"},
       2,
       absl::StrCat("mig scribe policy: ", dir, " has no Packages list of bookworm-security")},
      {{"--debian-tracker", dir + "/tracker.json", "--release", "bookworm", "-o", dir + "/no/such/dir/out.json"},
       3,
       "mig scribe policy: Debian security tracker"},
      {{"--no-such-flag"}, 2, "The following argument was not expected: --no-such-flag"},
  };
  for (const Case& c : cases) {
    INFO(absl::StrJoin(c.args, " "));
    Outcome o = RunPolicy(c.args);
    INFO(o.err);
    CHECK(o.exit_code == c.exit_code);
    CHECK(absl::StartsWith(o.err, c.err));
    CHECK_FALSE(Exists(dir + "/out.json"));
  }
}

TEST_CASE("The help names every source and gives examples") {
  Outcome o = RunPolicy({"--help"});
  CHECK(o.exit_code == 0);
  for (const char* text : {"--debian-tracker", "--osv", "--from-apt", "--lists-dir", "--doc-dir", "--release",
                           "--include-unfixed", "--output", "Examples:", "Exit status"}) {
    INFO(text);
    CHECK(absl::StrContains(o.out, text));
  }
}

}  // namespace
}  // namespace mig::investigator
