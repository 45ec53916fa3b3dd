// The scribe module through the registry, as the agent and `mig scribe --local` reach it: MIG's parameters
// in, MIG's result envelope out, and MIG's three text renderings.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/result.h"
#include "test/shell.h"

namespace mig::modules {
namespace {

using ::mig::test::Shell;

const Module& Scribe() {
  const Module* module = FindModule("scribe");
  REQUIRE(module != nullptr);
  return *module;
}

constexpr char kPolicy[] = R"({
  "objects": [
    {"object": "dpkg", "package": {"name": "dpkg"}},
    {"object": "raw", "raw": {"identifiers": [{"identifier": "app", "value": "2.4.1"}]}}
  ],
  "tests": [
    {"test": "dpkg-is-installed", "name": "dpkg present", "object": "dpkg",
     "evr": {"operation": ">=", "value": "1.0"}, "tags": [{"key": "cve", "value": "CVE-0000-0001"}]},
    {"test": "dpkg-from-the-future", "object": "dpkg", "evr": {"operation": ">", "value": "99:0"}},
    {"test": "app-old", "description": "app before 2.5", "object": "raw", "evr": {"operation": "<", "value": "2.5"}}
  ]})";

std::string Parameters(bool only_true, bool human, bool json_output) {
  return absl::StrCat(R"({"scribedoc": )", kPolicy, R"(, "onlytrue": )", only_true ? "true" : "false",
                      R"(, "humanoutput": )", human ? "true" : "false", R"(, "jsonoutput": )",
                      json_output ? "true" : "false", "}");
}

TEST_CASE("The scribe module evaluates a policy on this host and answers in MIG's shapes") {
  std::string result_json = Scribe().Run(Parameters(false, false, false), {});
  absl::StatusOr<ParsedResult> result = ParseResult(result_json);
  INFO(result_json);
  REQUIRE(result.ok());
  CHECK(result->success);
  CHECK(result->found_anything);
  CHECK(result->errors.empty());
  simdjson::dom::array tests = result->elements["results"].get_array().value_unsafe();
  REQUIRE(tests.size() == 3);
  simdjson::dom::element dpkg = tests.at(0).value_unsafe();
  CHECK(std::string_view(dpkg["testid"].get_string().value_unsafe()) == "dpkg-is-installed");
  CHECK(dpkg["masterresult"].get_bool().value_unsafe());
  // The installed version travels with the result: the same dpkg-query reports.
  std::string installed = Shell("dpkg-query -W -f='${Version}' dpkg");
  simdjson::dom::array subs = dpkg["results"].get_array().value_unsafe();
  REQUIRE(subs.size() >= 1);
  CHECK(std::string_view(subs.at(0)["value"].get_string().value_unsafe()) == installed);
  CHECK_FALSE(tests.at(1)["masterresult"].get_bool().value_unsafe());
  CHECK(std::string_view(tests.at(2)["messages"].at(0).get_string().value_unsafe()) == "app 2.4.1 < 2.5: out of date");
  CHECK(result->statistics["tests"].get_uint64().value_unsafe() == 3);
  CHECK(result->statistics["truetests"].get_uint64().value_unsafe() == 2);
  CHECK(result->statistics["packages"].get_uint64().value_unsafe() > 10);

  SECTION("MIG's line output") {
    absl::StatusOr<std::string> text = Scribe().Render(result_json, {.show = Show::kAll});
    REQUIRE(text.ok());
    CHECK(text->find("master [true] name:\"dpkg present\" id:\"dpkg-is-installed\" hastrue:true error:\"\"\n") !=
          std::string::npos);
    CHECK(text->find(absl::StrCat("sub [true] name:\"dpkg present\" id:\"dpkg-is-installed\" identifier:\"dpkg\" "
                                  "value:\"",
                                  installed, "\"\n")) != std::string::npos);
    CHECK(text->find("master [false] name:\"dpkg-from-the-future\"") != std::string::npos);
    CHECK(text->find("info id:\"app-old\" app 2.4.1 < 2.5: out of date\n") != std::string::npos);
    CHECK(text->find("Statistics: runtime ") != std::string::npos);
    CHECK(text->find(", 3 tests, 2 true, 0 errors\n") != std::string::npos);

    absl::StatusOr<std::string> found = Scribe().Render(result_json, {.show = Show::kFound});
    REQUIRE(found.ok());
    CHECK(found->find("dpkg-from-the-future") == std::string::npos);
    absl::StatusOr<std::string> not_found = Scribe().Render(result_json, {.show = Show::kNotFound});
    REQUIRE(not_found.ok());
    CHECK(not_found->find("dpkg-from-the-future") != std::string::npos);
    CHECK(not_found->find("app-old") == std::string::npos);
  }
}

TEST_CASE("onlytrue, human and json outputs") {
  std::string only_true = Scribe().Run(Parameters(true, true, false), {});
  absl::StatusOr<ParsedResult> result = ParseResult(only_true);
  REQUIRE(result.ok());
  CHECK(result->elements["results"].get_array().value_unsafe().size() == 2);
  absl::StatusOr<std::string> human = Scribe().Render(only_true, {.show = Show::kAll});
  REQUIRE(human.ok());
  CHECK(human->find("result for \"dpkg present\" (dpkg-is-installed)\n\tmaster result: true\n"
                    "\ttag: cve: CVE-0000-0001\n\t[true] identifier: \"dpkg\" (") != std::string::npos);
  CHECK(human->find("result for \"app-old\"\n\tdescription: app before 2.5\n") != std::string::npos);
  CHECK(human->find("\tapp 2.4.1 < 2.5: out of date\n") != std::string::npos);

  std::string json_mode = Scribe().Run(Parameters(true, false, true), {});
  absl::StatusOr<std::string> lines = Scribe().Render(json_mode, {.show = Show::kFound});
  REQUIRE(lines.ok());
  CHECK(lines->find("{\"testid\":\"dpkg-is-installed\",") == 0);
}

TEST_CASE("Nothing true: foundanything is false") {
  std::string parameters = R"({"scribedoc": {"objects": [{"object": "p", "package": {"name": "no-such-package-here"}}],
                                 "tests": [{"test": "t", "object": "p"}]}})";
  absl::StatusOr<ParsedResult> result = ParseResult(Scribe().Run(parameters, {}));
  REQUIRE(result.ok());
  CHECK(result->success);
  CHECK_FALSE(result->found_anything);
}

TEST_CASE("Bad parameters fail before anything runs, naming the problem") {
  struct Case {
    const char* parameters;
    const char* error_part;
  };
  for (
      const Case& c : std::initializer_list<Case>{
          {R"({})", "scribedoc: no policy"},
          {R"({"scribedoc": {"tests": [{"test": "t", "object": "x"}]}})", "scribedoc.tests[0] (\"t\"): unknown object"},
          {R"({"scribedoc": {"tests": []}, "onlytrue": "yes"})", "the policy has no tests"},
          {R"({"scribedoc": {"objects": [{"object": "p", "package": {"name": "a"}}], "tests": [{"test": "t", "object": "p"}]},
                "onlytrue": "yes"})",
           "onlytrue: expected true or false"},
          {R"({"scribedoc": {"objects": [{"object": "p", "package": {"name": "a"}}], "tests": [{"test": "t", "object": "p"}]},
                "humanoutput": true, "jsonoutput": true})",
           "choose one output mode"},
          {R"({"scribedoc": {}, "extra": 1})", "extra"},
      }) {
    INFO(c.parameters);
    absl::Status valid = Scribe().ValidateParameters(c.parameters);
    REQUIRE_FALSE(valid.ok());
    INFO(valid.message());
    CHECK(valid.message().find(c.error_part) != std::string_view::npos);
    absl::StatusOr<ParsedResult> result = ParseResult(Scribe().Run(c.parameters, {}));
    REQUIRE(result.ok());
    CHECK_FALSE(result->success);
  }
}

}  // namespace
}  // namespace mig::modules
