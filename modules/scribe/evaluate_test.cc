// Evaluating scribe policies against crafted package lists and real file trees.
#include "modules/scribe/evaluate.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::modules::scribe {
namespace {

using pkg::InstalledPackage;

InstalledPackage Deb(std::string name, std::string version, std::string arch = "amd64", std::string source = "",
                     std::string source_version = "", std::string status = "installed") {
  InstalledPackage p{.name = name, .version = version, .type = "dpkg", .arch = arch, .status = status};
  p.source_name = source.empty() ? name : source;
  p.source_version = source_version.empty() ? version : source_version;
  return p;
}

InstalledPackage Rpm(std::string name, std::string version) {
  return {.name = name, .version = version, .type = "rpm", .arch = "x86_64", .status = "installed"};
}

const std::vector<InstalledPackage>& Host() {
  static const std::vector<InstalledPackage> packages = {
      Deb("libnss3", "2:3.19.1-1", "amd64"),
      Deb("libnss3", "2:3.19.1-1", "i386"),
      Deb("openssl", "3.0.11-1~deb12u2", "amd64"),
      Deb("libssl3", "3.0.11-1~deb12u2+b1", "amd64", "openssl", "3.0.11-1~deb12u2"),
      Deb("tool", "1.0~rc1-1"),
      Deb("removed", "1.0", "amd64", "", "", "config-files"),
      Deb("linux-image-6.1.0-10-amd64", "6.1.38-1"),
      Deb("linux-image-6.1.0-9-amd64", "6.1.27-1"),
      Deb("weird", "1:"),
      Rpm("kernel", "4.18.0-477.el8"),
      Rpm("kernel", "4.18.0-513.el8"),
      Rpm("git", "2.43.0^20240101-1"),
  };
  return packages;
}

struct Run {
  Policy policy;
  Evaluation evaluation;
  int inventory_reads = 0;

  const TestResult& Result(std::string_view id) const {
    for (const TestResult& r : evaluation.tests) {
      if (policy.tests[r.test].id == id) return r;
    }
    FAIL("no test " << id);
    return evaluation.tests.front();
  }
};

Run Evaluate(const std::string& text, RunContext context = {}) {
  Run run;
  absl::StatusOr<Policy> policy = ParsePolicyJson(text);
  INFO(policy.status().message());
  REQUIRE(policy.ok());
  run.policy = std::move(*policy);
  EvaluateOptions options;
  options.list_packages = [&run] {
    ++run.inventory_reads;
    return pkg::Inventory{.packages = Host()};
  };
  run.evaluation = scribe::Evaluate(run.policy, options, context);
  return run;
}

std::string PackageTest(const std::string& id, const std::string& package_json, const std::string& op,
                        const std::string& value) {
  return absl::StrCat(R"({"objects": [{"object": "o", "package": )", package_json, R"(}], "tests": [{"test": ")", id,
                      R"(", "object": "o", "evr": {"operation": ")", op, R"(", "value": ")", value, R"("}}]})");
}

struct VersionCase {
  std::string package;  // the package object
  std::string op;
  std::string value;
  bool expected;
  std::vector<std::string> identifiers;  // every value the object found
};

TEST_CASE("evr tests compare each package's version with its own package manager's rules") {
  std::vector<VersionCase> cases = {
      {R"({"name": "libnss3"})", "<", "2:3.19.2", true, {"libnss3", "libnss3"}},
      {R"({"name": "libnss3"})", "<", "2:3.19.1-1", false, {"libnss3", "libnss3"}},
      {R"({"name": "libnss3"})", "<=", "2:3.19.1-1", true, {"libnss3", "libnss3"}},
      {R"({"name": "libnss3"})", "=", "2:3.19.1-1", true, {"libnss3", "libnss3"}},
      {R"({"name": "libnss3"})", ">", "1:9.9", true, {"libnss3", "libnss3"}},  // epoch first
      {R"({"name": "libnss3"})", ">=", "3:0", false, {"libnss3", "libnss3"}},
      // The seed's form: dpkg -l's multi-arch name.
      {R"({"name": "libnss3:amd64"})", "<", "2:3.19.2", true, {"libnss3:amd64"}},
      {R"({"name": "libnss3:arm64"})", "<", "2:3.19.2", false, {}},
      // dpkg: ~ sorts before the end of the string, so a release candidate is older than the release.
      {R"({"name": "tool"})", "<", "1.0-1", true, {"tool"}},
      {R"({"name": "tool"})", "<", "1.0~rc1-1", false, {"tool"}},
      {R"({"name": "tool"})", ">", "1.0~beta-1", true, {"tool"}},
      // The binary's source package, at the source's version.
      {R"({"source": "openssl"})", "<", "3.0.11-1~deb12u3", true, {"libssl3", "openssl"}},
      {R"({"source": "openssl"})", "<", "3.0.11-1~deb12u2", false, {"libssl3", "openssl"}},
      // rpm: ^ sorts after the base version; several installed kernels are each a value.
      {R"({"name": "git"})", ">", "2.43.0-1", true, {"git"}},
      {R"({"name": "git"})", "<", "2.43.1-1", true, {"git"}},
      {R"({"name": "kernel"})", "<", "4.18.0-500.el8", true, {"kernel", "kernel"}},
      {R"({"name": "kernel", "onlynewest": true})", "<", "4.18.0-500.el8", false, {"kernel"}},
      {R"({"collectmatch": "^linux-image-"})",
       "<",
       "6.1.30-1",
       true,
       {"linux-image-6.1.0-10-amd64", "linux-image-6.1.0-9-amd64"}},
      // A package removed but for its configuration files has no code on the host.
      {R"({"name": "removed"})", "<", "2.0", false, {}},
      {R"({"name": "absent"})", "<", "2.0", false, {}},
  };
  for (const VersionCase& c : cases) {
    SECTION(c.package + " " + c.op + " " + c.value) {
      Run run = Evaluate(PackageTest("t", c.package, c.op, c.value));
      const TestResult& result = run.Result("t");
      INFO(result.error);
      CHECK_FALSE(result.is_error);
      CHECK(result.master_result == c.expected);
      std::vector<std::string> identifiers;
      for (const SubResult& sub : result.results) identifiers.push_back(sub.identifier);
      std::sort(identifiers.begin(), identifiers.end());
      CHECK(identifiers == c.identifiers);
    }
  }
}

TEST_CASE("A true evr test says in one line what is out of date, with the installed version") {
  Run run = Evaluate(PackageTest("nss", R"({"name": "libnss3:amd64"})", "<", "2:3.19.2"));
  const TestResult& result = run.Result("nss");
  REQUIRE(result.results.size() == 1);
  CHECK(result.results[0].value == "2:3.19.1-1");
  CHECK(result.messages == std::vector<std::string>{"libnss3:amd64 2:3.19.1-1 < 2:3.19.2: out of date"});

  Run source = Evaluate(PackageTest("ssl", R"({"source": "openssl"})", "<", "3.0.11-1~deb12u3"));
  CHECK(source.Result("ssl").messages ==
        std::vector<std::string>{"openssl 3.0.11-1~deb12u2 < 3.0.11-1~deb12u3: out of date",
                                 "libssl3 (source openssl) 3.0.11-1~deb12u2 < 3.0.11-1~deb12u3: out of date"});
}

TEST_CASE("An installed version the package manager would refuse makes the test an error, not a guess") {
  Run run = Evaluate(PackageTest("t", R"({"name": "weird"})", "<", "2.0"));
  const TestResult& result = run.Result("t");
  CHECK(result.is_error);
  CHECK(result.error.find("weird: installed version '1:' has bad syntax: nothing after colon") != std::string::npos);
}

TEST_CASE("if: a test is true only when its dependencies are; a failed dependency fails it") {
  Run run = Evaluate(R"({
    "objects": [{"object": "nss", "package": {"name": "libnss3"}}, {"object": "weird", "package": {"name": "weird"}},
                {"object": "none", "package": {"name": "absent"}}],
    "tests": [
      {"test": "old-nss", "object": "nss", "evr": {"operation": "<", "value": "3:0"}, "if": ["has-nss"]},
      {"test": "has-nss", "object": "nss"},
      {"test": "gated-off", "object": "nss", "evr": {"operation": "<", "value": "3:0"}, "if": ["has-none"]},
      {"test": "has-none", "object": "none"},
      {"test": "bad", "object": "weird", "evr": {"operation": "<", "value": "2"}},
      {"test": "after-bad", "object": "nss", "if": ["bad"]}
    ]})");
  CHECK(run.Result("old-nss").master_result);
  CHECK(run.Result("has-nss").master_result);
  CHECK_FALSE(run.Result("has-none").master_result);
  CHECK(run.Result("has-none").results.empty());
  const TestResult& gated = run.Result("gated-off");
  CHECK_FALSE(gated.master_result);
  CHECK(gated.has_true_results);
  CHECK(run.Result("bad").is_error);
  CHECK(run.Result("after-bad").is_error);
  CHECK(run.Result("after-bad").error == "a test dependency failed (\"bad\")");
  // Results keep the policy's order.
  CHECK(run.policy.tests[run.evaluation.tests[0].test].id == "old-nss");
}

TEST_CASE("The package list is read once per run, and not at all without package objects") {
  std::string tests;
  std::string objects;
  for (int i = 0; i < 50; ++i) {
    absl::StrAppend(&objects, i ? "," : "", R"({"object": "o)", i, R"(", "package": {"name": "libnss3"}})");
    absl::StrAppend(&tests, i ? "," : "", R"({"test": "t)", i, R"(", "object": "o)", i,
                    R"(", "evr": {"operation": "<", "value": "2:3.)", i, R"("}})");
  }
  Run run = Evaluate(absl::StrCat(R"({"objects": [)", objects, R"(], "tests": [)", tests, "]}"));
  CHECK(run.inventory_reads == 1);
  CHECK(run.evaluation.packages == Host().size());

  Run raw = Evaluate(R"({"objects": [{"object": "r", "raw": {"identifiers": [{"identifier": "a", "value": "1.2"}]}}],
                         "tests": [{"test": "t", "object": "r", "evr": {"operation": "<", "value": "1.10"}}]})");
  CHECK(raw.inventory_reads == 0);
  CHECK(raw.Result("t").master_result);  // 1.2 < 1.10: numbers, not strings
  CHECK(raw.Result("t").results[0].value == "1.2");
}

std::string TempTree(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
  REQUIRE(std::system(absl::StrCat("mkdir -p '", dir, "'").c_str()) == 0);
  return dir;
}

void Write(const std::string& path, const std::string& text) {
  REQUIRE(std::system(absl::StrCat("mkdir -p \"$(dirname '", path, "')\"").c_str()) == 0);
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

TEST_CASE("File objects: filecontent with concat and import-chain, hasline, filename; file values stay home") {
  std::string root = TempTree("scribe_files");
  Write(root + "/app1/__init__.py", "# app\nVERSION = (1, 4, 2, 'final')\n");
  Write(root + "/deep/a/app2/__init__.py", "VERSION = (1, 6, 0, 'final')\r\n");
  Write(root + "/app1/minor", "minor = 7\n");
  Write(root + "/etc/sshd_config", "Port 22\nPermitRootLogin no\n");
  Write(root + "/etc2/sshd_config", "PermitRootLogin yes\n");
  Write(root + "/app1/app1.conf", "");
  Write(root + "/deep/app2.conf", "");
  Write(root + "/deep/app3.conf.bak", "");
  // Level 11 below the root: beyond scribe's 10 levels.
  Write(root + "/1/2/3/4/5/6/7/8/9/10/__init__.py", "VERSION = (0, 1, 0, 'final')\n");
  REQUIRE(symlink((root + "/app1/__init__.py").c_str(), (root + "/link-to-file.py").c_str()) == 0);

  Run run = Evaluate(absl::StrCat(R"json({
    "variables": [{"key": "root", "value": ")json",
                                  root, R"json("}],
    "objects": [
      {"object": "django", "filecontent": {"path": "${root}", "file": "^__init__\\.py$",
                                           "expression": "^VERSION = \\((\\d+), (\\d+), (\\d+),", "concat": "."}},
      {"object": "chained", "filecontent": {"path": "${root}/app1", "file": "^__init__\\.py$",
                                            "expression": "^VERSION = \\((\\d+), (\\d+)", "concat": ".",
                                            "import-chain": ["minor"]}},
      {"object": "minor", "filecontent": {"path": "${chain_root}", "file": "^minor$", "expression": "minor = (\\d+)"}},
      {"object": "root-login", "hasline": {"path": "${root}", "file": "^sshd_config$",
                                           "expression": "^PermitRootLogin no"}},
      {"object": "names", "filename": {"path": "${root}", "file": "^(app\\d)\\.conf$"}},
      {"object": "linked", "filename": {"path": "${root}", "file": "^(link-to-file)\\.py$"}}
    ],
    "tests": [
      {"test": "old-django", "object": "django", "evr": {"operation": "<", "value": "1.5"}},
      {"test": "any-django", "object": "django"},
      {"test": "chain", "object": "chained", "exactmatch": {"value": "1.4.7"}},
      {"test": "no-root-login", "object": "root-login", "exactmatch": {"value": "true"}},
      {"test": "names", "object": "names", "regexp": {"value": "^app[12]$"}},
      {"test": "linked", "object": "linked"}
    ]})json"));
  const TestResult& old = run.Result("old-django");
  CHECK(old.master_result);
  REQUIRE(old.results.size() == 2);  // the level-11 file is not looked at
  CHECK(old.results[0].identifier == root + "/app1/__init__.py");
  CHECK(old.results[0].result);
  CHECK(old.results[1].identifier == root + "/deep/a/app2/__init__.py");
  CHECK_FALSE(old.results[1].result);   // 1.6.0, read through a CRLF line ending
  CHECK(old.results[0].value.empty());  // file content is never reported
  CHECK(old.messages == std::vector<std::string>{root + "/app1/__init__.py < 1.5: out of date"});
  CHECK(run.Result("chain").master_result);  // 1.4 from the file, .7 from its directory's "minor"
  const TestResult& login = run.Result("no-root-login");
  REQUIRE(login.results.size() == 2);
  CHECK(login.results[0].result);
  CHECK_FALSE(login.results[1].result);
  const TestResult& names = run.Result("names");
  REQUIRE(names.results.size() == 2);
  CHECK(names.results[0].result);
  CHECK(names.results[1].result);
  CHECK(run.Result("linked").master_result);  // a symlink to a regular file counts
  CHECK(run.evaluation.files >= 4);
}

TEST_CASE("A run stopped at its deadline marks the tests it did not evaluate") {
  RunContext context;
  context.deadline = absl::InfinitePast();
  Run run = Evaluate(PackageTest("t", R"({"name": "libnss3"})", "<", "3:0"), context);
  CHECK(run.evaluation.incomplete);
  CHECK(run.Result("t").is_error);
  CHECK(run.Result("t").error.find("not evaluated") != std::string::npos);
}

}  // namespace
}  // namespace mig::modules::scribe
