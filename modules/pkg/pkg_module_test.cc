// The pkg module through the registry, on this host's real dpkg database, compared with dpkg-query.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/pkg/inventory.h"
#include "modules/result.h"
#include "test/shell.h"

namespace mig::modules::pkg {
namespace {

using ::mig::test::Shell;

// "name\tversion\tarch" of every package dpkg-query -W lists whose name matches the grep -E regex.
std::set<std::string> DpkgQuery(const std::string& name_regex, const std::string& version_filter = "") {
  std::string out =
      Shell(absl::StrCat("dpkg-query -W -f='${Package}\\t${Version}\\t${Architecture}\\n' | "
                         "awk -F'\\t' '$1 ~ /",
                         name_regex, "/", version_filter, "'"));
  std::set<std::string> lines;
  for (std::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) lines.emplace(line);
  return lines;
}

struct Found {
  ParsedResult result;
  std::set<std::string> packages;  // "name\tversion\tarch"
};

Found RunPkg(const std::string& parameters) {
  const Module* module = FindModule("pkg");
  REQUIRE(module != nullptr);
  std::string json = module->Run(parameters, RunContext{});
  absl::StatusOr<ParsedResult> result = ParseResult(json);
  INFO(json);
  REQUIRE(result.ok());
  Found found{std::move(*result), {}};
  simdjson::dom::array packages;
  REQUIRE(found.result.elements["packages"].get(packages) == simdjson::SUCCESS);
  for (simdjson::dom::element p : packages) {
    std::string_view name, version, type, arch;
    REQUIRE(p["name"].get(name) == simdjson::SUCCESS);
    REQUIRE(p["version"].get(version) == simdjson::SUCCESS);
    REQUIRE(p["type"].get(type) == simdjson::SUCCESS);
    REQUIRE(p["arch"].get(arch) == simdjson::SUCCESS);
    CHECK(type == "dpkg");
    found.packages.insert(absl::StrCat(name, "\t", version, "\t", arch));
  }
  return found;
}

struct Case {
  const char* parameters;
  const char* awk_name;     // the same name filter for awk on dpkg-query's output
  const char* awk_version;  // and the version filter, as an awk condition
};

TEST_CASE("pkg finds what dpkg-query -W lists on this host") {
  REQUIRE(!DpkgQuery("^dpkg$").empty());  // this test needs a Debian host
  const Case cases[] = {
      {R"({"pkgmatch":{"matches":["^dpkg$"]}})", "^dpkg$", ""},
      {R"({"pkgmatch":{"matches":["^lib"]}})", "^lib", ""},
      {R"({"pkgmatch":{"matches":["^libc6$","^bash$","^coreutils$"]}})", "^(libc6|bash|coreutils)$", ""},
      {R"({"pkgmatch":{"matches":["."]}})", ".", ""},
      {R"({"pkgmatch":{"matches":["ssl"]},"vermatch":"^3"})", "ssl", " && $2 ~ /^3/"},
      {R"({"pkgmatch":{"matches":["^lib"]},"vermatch":"!deb12"})", "^lib", " && $2 !~ /deb12/"},
      {R"({"pkgmatch":{"matches":["^lib","^libc"]}})", "^lib", ""},  // listed once even when two regexes match
  };
  for (const Case& c : cases) {
    INFO(c.parameters);
    Found found = RunPkg(c.parameters);
    CHECK(found.result.success);
    CHECK(found.result.errors.empty());
    std::set<std::string> expected = DpkgQuery(c.awk_name, c.awk_version);
    CHECK(found.packages == expected);
    CHECK(found.result.found_anything == !expected.empty());
  }
  Found all = RunPkg(R"({"pkgmatch":{"matches":["."]}})");
  simdjson::dom::array packages;
  REQUIRE(all.result.elements["packages"].get(packages) == simdjson::SUCCESS);
  CHECK(packages.size() == ListInstalledPackages().packages.size());
  CHECK(packages.size() == std::stoul(Shell("dpkg-query -W | wc -l")));
}

TEST_CASE("pkg reports nothing found, and refuses bad parameters") {
  Found none = RunPkg(R"({"pkgmatch":{"matches":["^no-such-package-here$"]}})");
  CHECK(none.result.success);
  CHECK_FALSE(none.result.found_anything);
  CHECK(none.packages.empty());

  const Module* module = FindModule("pkg");
  REQUIRE(module != nullptr);
  absl::StatusOr<ParsedResult> bad = ParseResult(module->Run(R"({"pkgmatch":{"matches":["(("]}})", RunContext{}));
  REQUIRE(bad.ok());
  CHECK_FALSE(bad->success);
  REQUIRE(bad->errors.size() == 1);
  CHECK(bad->errors[0].find("invalid regex '(('") != std::string::npos);
  CHECK_FALSE(module->ValidateParameters(R"({"pkgmatch":{"matches":["a"]},"extra":1})").ok());
}

TEST_CASE("pkg results render as MIG's client prints them") {
  const Module* module = FindModule("pkg");
  REQUIRE(module != nullptr);
  std::string result = R"({"foundanything":true,"success":true,"elements":{"packages":[
      {"name":"openssl","version":"3.0.11-1~deb12u2","type":"dpkg","arch":"amd64","status":"installed"},
      {"name":"old","version":"1:1.0","type":"dpkg","arch":"all","status":"config-files"},
      {"name":"bash","version":"5.1.8-6.el9","type":"rpm","arch":"x86_64"}]},
      "statistics":{"execruntime":"3.2ms"},"errors":["x: damaged"]})";
  absl::StatusOr<std::string> found = module->Render(result, {.show = Show::kFound});
  REQUIRE(found.ok());
  CHECK(*found ==
        "pkgmatch name=openssl version=3.0.11-1~deb12u2 type=dpkg arch=amd64\n"
        "pkgmatch name=old version=1:1.0 type=dpkg arch=all status=config-files\n"
        "pkgmatch name=bash version=5.1.8-6.el9 type=rpm arch=x86_64\n"
        "1 error (-show all lists them)\n"
        "Statistics: runtime 3.2ms\n");
  absl::StatusOr<std::string> all = module->Render(result, {.show = Show::kAll});
  REQUIRE(all.ok());
  CHECK(all->find("x: damaged\nStatistics") != std::string::npos);
  CHECK_FALSE(module
                  ->Render(R"({"foundanything":true,"success":true,"elements":{"packages":[{"name":1}]},
      "statistics":{},"errors":[]})",
                           {})
                  .ok());
}

}  // namespace
}  // namespace mig::modules::pkg
