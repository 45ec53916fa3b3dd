// Parsing and checking scribe policies: every way a policy can be wrong is refused before anything runs,
// with an error naming the test or object.
#include "modules/scribe/policy.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::modules::scribe {
namespace {

constexpr char kPackageObject[] = R"({"object": "p", "package": {"name": "openssl"}})";

std::string WithTests(const std::string& tests, const std::string& objects = kPackageObject) {
  return absl::StrCat(R"({"objects": [)", objects, R"(], "tests": [)", tests, "]}");
}

TEST_CASE("A policy in scribe's format parses with every part of its vocabulary") {
  std::string text = R"json({
    "variables": [{"key": "root", "value": "/etc"}],
    "objects": [
      {"object": "libnss", "package": {"name": "libnss3:amd64"}},
      {"object": "kernels", "package": {"collectmatch": "^linux-image-", "onlynewest": true}},
      {"object": "ssl-src", "package": {"source": "openssl"}},
      {"object": "conf", "filecontent": {"path": "${root}", "file": "^app\\.conf$", "expression": "v=(\\d+)\\.(\\d+)",
                                          "concat": ".", "import-chain": ["minor"]}},
      {"object": "minor", "filecontent": {"path": "${chain_root}", "file": "^minor$", "expression": "m=(\\d+)"}},
      {"object": "name", "filename": {"path": "${root}", "file": "^(os-release)$"}},
      {"object": "line", "hasline": {"path": "/etc/ssh", "file": "^sshd_config$", "expression": "^PermitRootLogin no"}},
      {"object": "raw", "raw": {"identifiers": [{"identifier": "a", "value": "1.0"}]}}
    ],
    "tests": [
      {"test": "nss", "name": "libnss3 test", "description": "d", "object": "libnss",
       "evr": {"operation": "<", "value": "2:3.19.2"}, "tags": [{"key": "cve", "value": "CVE-2015-1"}],
       "if": ["has-name"], "expectedresult": true},
      {"test": "has-name", "object": "name"},
      {"test": "re", "object": "conf", "regexp": {"value": "^1\\."}},
      {"test": "exact", "object": "raw", "exactmatch": {"value": "1.0"}},
      {"test": "le", "object": "kernels", "evr": {"operation": "<=", "value": "6.1.0", "scheme": "dpkg"}},
      {"test": "src", "object": "ssl-src", "evr": {"operation": ">=", "value": "3.0.0"}, "if": ["nss", "le"]},
      {"test": "line", "object": "line", "exactmatch": {"value": "true"}, "expecterror": false}
    ]})json";
  absl::StatusOr<Policy> policy = ParsePolicyJson(text);
  INFO(policy.status().message());
  REQUIRE(policy.ok());
  REQUIRE(policy->objects.size() == 8);
  REQUIRE(policy->tests.size() == 7);
  CHECK(policy->objects[0].package.name == "libnss3:amd64");
  CHECK(policy->objects[1].package.only_newest);
  CHECK(policy->objects[2].package.source == "openssl");
  CHECK(policy->objects[3].file.path == "/etc");  // ${root} expanded
  CHECK(policy->objects[3].file.import_chain == std::vector<size_t>{4});
  CHECK(policy->objects[4].is_chain);
  CHECK(policy->objects[5].kind == SourceKind::kFileName);
  CHECK(policy->objects[6].kind == SourceKind::kHasLine);
  CHECK(policy->objects[7].raw.size() == 1);
  const Test& nss = policy->tests[0];
  CHECK(nss.evaluator == EvaluatorKind::kEvr);
  CHECK(nss.operation == EvrOperation::kLess);
  CHECK(nss.value == "2:3.19.2");
  CHECK(nss.tags.size() == 1);
  CHECK(nss.expected_result);
  CHECK(nss.if_tests == std::vector<size_t>{1});
  CHECK(policy->tests[1].evaluator == EvaluatorKind::kNoop);
  CHECK(policy->tests[2].evaluator == EvaluatorKind::kRegexp);
  CHECK(policy->tests[3].evaluator == EvaluatorKind::kExactMatch);
  CHECK(policy->tests[4].scheme == VersionScheme::kDpkg);
  // Dependencies come first in the evaluation order.
  std::vector<size_t> order = policy->evaluation_order;
  REQUIRE(order.size() == 7);
  auto position = [&](size_t test) { return std::find(order.begin(), order.end(), test) - order.begin(); };
  CHECK(position(1) < position(0));
  CHECK(position(0) < position(5));
  CHECK(position(4) < position(5));
}

struct BadPolicy {
  std::string name;
  std::string text;
  std::string error_part;
};

TEST_CASE("Bad policies are refused with an error naming the test, object or field") {
  std::vector<BadPolicy> cases = {
      {"not JSON", "{", "scribe policy"},
      {"not an object", "[]", "expected an object"},
      {"unknown top-level field", R"({"tests": [], "rules": []})", "rules"},
      {"no tests", R"({"objects": []})", "no \"tests\""},
      {"empty tests", WithTests(""), "the policy has no tests"},
      {"test without id", WithTests(R"({"object": "p"})"), "tests[0]: a test needs an identifier"},
      {"duplicate test id", WithTests(R"({"test": "a", "object": "p"}, {"test": "a", "object": "p"})"),
       "tests[1] (\"a\"): another test has the same identifier"},
      {"unknown object", WithTests(R"({"test": "t1", "object": "nope"})"),
       "tests[0] (\"t1\"): unknown object \"nope\""},
      {"test without object", WithTests(R"({"test": "t1"})"), "tests[0] (\"t1\"): a test needs an \"object\""},
      {"unknown test field", WithTests(R"({"test": "t1", "object": "p", "evrr": {}})"), "evrr"},
      {"unknown if", WithTests(R"({"test": "t1", "object": "p", "if": ["ghost"]})"),
       "(\"t1\"): \"if\" names an unknown test \"ghost\""},
      {"self dependency", WithTests(R"({"test": "t1", "object": "p", "if": ["t1"]})"), "cannot depend on itself"},
      {"if cycle", WithTests(R"({"test": "a", "object": "p", "if": ["b"]}, {"test": "b", "object": "p", "if": ["c"]},
                   {"test": "c", "object": "p", "if": ["a"]}, {"test": "d", "object": "p"})"),
       "form a cycle"},
      {"bad operation", WithTests(R"({"test": "t1", "object": "p", "evr": {"operation": "<<", "value": "1"}})"),
       "(\"t1\").evr: operation '<<' is not one of <, <=, =, >=, >"},
      {"empty version", WithTests(R"({"test": "t1", "object": "p", "evr": {"operation": "<", "value": ""}})"),
       "(\"t1\").evr: version '' has bad syntax: version string is empty"},
      {"version with a space",
       WithTests(R"({"test": "t1", "object": "p", "evr": {"operation": "<", "value": "1.0 2"}})"),
       "version '1.0 2' has bad syntax"},
      {"bad epoch",
       WithTests(R"({"test": "t1", "object": "p", "evr": {"operation": "<", "value": "1x:1.0", "scheme": "dpkg"}})"),
       "(\"t1\").evr: version '1x:1.0' has bad syntax: epoch in version is not number"},
      {"bad scheme",
       WithTests(R"({"test": "t1", "object": "p", "evr": {"operation": "<", "value": "1", "scheme": "apk"}})"),
       "scheme 'apk' is not dpkg or rpm"},
      {"bad test regexp", WithTests(R"({"test": "t1", "object": "p", "regexp": {"value": "(unclosed"}})"),
       "(\"t1\").regexp.value: invalid regex '(unclosed'"},
      {"two evaluators",
       WithTests(R"({"test": "t1", "object": "p", "regexp": {"value": "a"}, "exactmatch": {"value": "a"}})"),
       "at most one of evr, regexp and exactmatch"},
      {"object without id", WithTests(R"({"test": "t", "object": "p"})", R"({"package": {"name": "x"}})"),
       "objects[0]: an object needs an identifier"},
      {"duplicate object id", WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p", "package": {"name": "x"}},
                                                      {"object": "p", "package": {"name": "y"}})"),
       "objects[1] (\"p\"): another object has the same identifier"},
      {"object with two sources",
       WithTests(
           R"({"test": "t", "object": "p"})",
           R"({"object": "p", "package": {"name": "x"}, "raw": {"identifiers": [{"identifier": "a", "value": "b"}]}})"),
       "exactly one of package"},
      {"object with no source", WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p"})"),
       "exactly one of package"},
      {"package without name", WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p", "package": {}})"),
       "needs \"name\", \"collectmatch\" or \"source\""},
      {"bad collectmatch",
       WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p", "package": {"collectmatch": "[z-a]"}})"),
       "objects[0] (\"p\").package.collectmatch: invalid regex"},
      {"bad file regex",
       WithTests(R"({"test": "t", "object": "p"})",
                 R"({"object": "p", "filecontent": {"path": "/etc", "file": "*", "expression": "x"}})"),
       "(\"p\").filecontent.file: invalid regex"},
      {"bad expression",
       WithTests(R"({"test": "t", "object": "p"})",
                 R"({"object": "p", "hasline": {"path": "/etc", "file": "x", "expression": "a{2,1}"}})"),
       "(\"p\").hasline.expression: invalid regex"},
      {"filecontent without expression",
       WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p", "filecontent": {"path": "/etc", "file": "x"}})"),
       "\"expression\" must be set"},
      {"relative path",
       WithTests(R"({"test": "t", "object": "p"})",
                 R"json({"object": "p", "filename": {"path": "etc", "file": "(x)"}})json"),
       "'etc' is not an absolute path"},
      {"filename without a group",
       WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p", "filename": {"path": "/etc", "file": "x"}})"),
       "needs a capture group"},
      {"unknown package field",
       WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p", "package": {"name": "x", "version": "1"}})"),
       "version"},
      {"raw without identifiers", WithTests(R"({"test": "t", "object": "p"})", R"({"object": "p", "raw": {}})"),
       "needs \"identifiers\""},
      {"unknown chain object",
       WithTests(R"({"test": "t", "object": "p"})",
                 R"({"object": "p", "filecontent": {"path": "/etc", "file": "x", "expression": "y",
                                                    "import-chain": ["ghost"]}})"),
       "import-chain names an unknown object \"ghost\""},
      {"chain object without chain_root",
       WithTests(
           R"({"test": "t", "object": "p"})",
           R"({"object": "p", "filecontent": {"path": "/etc", "file": "x", "expression": "y", "import-chain": ["q"]}},
                    {"object": "q", "filecontent": {"path": "/etc", "file": "x", "expression": "y"}})"),
       "has no ${chain_root} in its path"},
      {"chain loop",
       WithTests(
           R"({"test": "t", "object": "p"})",
           R"({"object": "p", "filecontent": {"path": "/etc", "file": "x", "expression": "y", "import-chain": ["q"]}},
                    {"object": "q", "filecontent": {"path": "${chain_root}", "file": "x", "expression": "y",
                                                    "import-chain": ["r"]}},
                    {"object": "r", "filecontent": {"path": "${chain_root}", "file": "x", "expression": "y",
                                                    "import-chain": ["q"]}})"),
       "import-chain loops back"},
      {"test on a chain object",
       WithTests(R"({"test": "t", "object": "q"})",
                 R"({"object": "q", "filecontent": {"path": "${chain_root}", "file": "x", "expression": "y"}})"),
       "it only runs from an import-chain"},
      {"wrong type", WithTests(R"({"test": "t", "object": "p", "if": "x"})"), "(\"t\").if: expected an array"},
      {"variable without key", R"({"variables": [{"value": "x"}], "tests": []})", "variables[0]: a variable needs"},
  };
  for (const BadPolicy& c : cases) {
    SECTION(c.name) {
      absl::StatusOr<Policy> policy = ParsePolicyJson(c.text);
      REQUIRE_FALSE(policy.ok());
      INFO(policy.status().message());
      CHECK(absl::IsInvalidArgument(policy.status()));
      CHECK(policy.status().message().find(c.error_part) != std::string_view::npos);
    }
  }
}

}  // namespace
}  // namespace mig::modules::scribe
