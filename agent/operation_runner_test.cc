// Operations in child processes: the real mig binary runs a module; children that hang, flood their
// output, crash or exit badly are stopped and reported, and the parent carries on.
#include "agent/operation_runner.h"

#include <climits>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace mig::agent {
namespace {

std::string MigBinary() {
  char path[PATH_MAX];
  REQUIRE(realpath("mig", path) != nullptr);
  return path;
}

// A stand-in for the binary: a shell script doing one bad thing.
std::string Script(const std::string& name, const std::string& body) {
  std::string path = absl::StrCat(test::TempDir(), "/", name);
  test::WriteFile(path, absl::StrCat("#!/bin/sh\n", body, "\n"));
  REQUIRE(std::system(absl::StrCat("chmod +x ", path).c_str()) == 0);
  return path;
}

TEST_CASE("The real binary runs a module operation in a child and returns its result") {
  std::string dir = test::TempDir();
  test::WriteFile(dir + "/needle.txt", "x");
  std::string parameters = absl::StrCat(R"({"searches":{"s1":{"paths":[")", dir, R"("],"names":["^needle\\.txt$"]}}})");
  OperationOutcome outcome = RunOperation({.binary = MigBinary(),
                                           .module = "file",
                                           .parameters_json = parameters,
                                           .deadline = absl::Now() + absl::Seconds(30)});
  INFO(outcome.failure);
  REQUIRE(outcome.ok());
  CHECK(outcome.result_json.find("\"foundanything\":true") != std::string::npos);
  CHECK(outcome.result_json.find("needle.txt") != std::string::npos);

  OperationOutcome unknown = RunOperation({.binary = MigBinary(),
                                           .module = "nosuchmodule",
                                           .parameters_json = "{}",
                                           .deadline = absl::Now() + absl::Seconds(30)});
  CHECK(unknown.kind == OperationOutcome::Kind::kFailed);
  CHECK(unknown.failure.find("exited with status 2: mig module-run: unknown module 'nosuchmodule'") !=
        std::string::npos);
  // Invalid parameters are the module's to report, in its result.
  OperationOutcome invalid = RunOperation(
      {.binary = MigBinary(), .module = "file", .parameters_json = "{}", .deadline = absl::Now() + absl::Seconds(30)});
  REQUIRE(invalid.ok());
  CHECK(invalid.result_json.find("\"success\":false") != std::string::npos);
}

TEST_CASE("A child that hangs, floods, crashes or fails is stopped and the reason reported") {
  OperationOutcome hang = RunOperation({.binary = Script("hang", "exec sleep 60"),
                                        .module = "file",
                                        .parameters_json = "{}",
                                        .deadline = absl::Now() + absl::Milliseconds(500)});
  CHECK(hang.kind == OperationOutcome::Kind::kTimedOut);
  CHECK(hang.failure.find("timed out after") != std::string::npos);
  CHECK(hang.elapsed < absl::Seconds(10));

  OperationOutcome flood = RunOperation({.binary = Script("flood", "exec yes"),
                                         .module = "file",
                                         .parameters_json = "{}",
                                         .deadline = absl::Now() + absl::Seconds(30),
                                         .max_result_bytes = 1 << 20});
  CHECK(flood.kind == OperationOutcome::Kind::kTooLarge);
  CHECK(flood.failure.find("more than 1048576 bytes") != std::string::npos);

  OperationOutcome crash = RunOperation({.binary = Script("crash", "kill -SEGV $$"),
                                         .module = "file",
                                         .parameters_json = "{}",
                                         .deadline = absl::Now() + absl::Seconds(30)});
  CHECK(crash.kind == OperationOutcome::Kind::kFailed);
  CHECK(crash.failure.find("killed by signal 11") != std::string::npos);

  OperationOutcome fails = RunOperation({.binary = Script("fails", "echo 'disk on fire' >&2; exit 4"),
                                         .module = "file",
                                         .parameters_json = "{}",
                                         .deadline = absl::Now() + absl::Seconds(30)});
  CHECK(fails.failure == "module file exited with status 4: disk on fire");

  // A child that never reads its (large) parameters cannot block the parent either.
  OperationOutcome deaf = RunOperation({.binary = Script("deaf", "exit 0"),
                                        .module = "file",
                                        .parameters_json = std::string(8 << 20, ' '),
                                        .deadline = absl::Now() + absl::Seconds(30)});
  CHECK(deaf.failure == "module file wrote no result");

  OperationOutcome missing = RunOperation({.binary = "/nonexistent/mig",
                                           .module = "file",
                                           .parameters_json = "{}",
                                           .deadline = absl::Now() + absl::Seconds(30)});
  CHECK(missing.failure.find("cannot run /nonexistent/mig") != std::string::npos);
  OperationOutcome late = RunOperation(
      {.binary = MigBinary(), .module = "file", .parameters_json = "{}", .deadline = absl::Now() - absl::Seconds(1)});
  CHECK(late.kind == OperationOutcome::Kind::kTimedOut);
}

}  // namespace
}  // namespace mig::agent
