// The module sandbox from the agent's side: mig with a test-only module that tries, on request, each thing a
// module must not do. Each attempt is stopped, the agent's RunOperation says what the module tried, by
// name, and nothing happened to the host; the limits (memory, time, output, CPU share) hold.
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/operation_runner.h"
#include "catch2/catch.hpp"
#include "test/cli_harness.h"

namespace mig::agent {
namespace {

std::string HostileMig() {
  char path[PATH_MAX];
  REQUIRE(realpath("test/mig_with_hostile_module", path) != nullptr);
  return path;
}

OperationOutcome Try(const std::string& what, const std::string& path = "", absl::Duration time = absl::Seconds(30),
                     OperationRequest request = {}) {
  request.binary = HostileMig();
  request.module = "hostile";
  request.parameters_json =
      absl::StrCat(R"({"try":")", what, R"(")", path.empty() ? "" : R"(,"path":")" + path + "\"", "}");
  request.deadline = absl::Now() + time;
  return RunOperation(request);
}

TEST_CASE("each forbidden thing is stopped, named, and leaves no trace") {
  std::string victim = test::TempDir() + "/victim";
  struct Row {
    std::string what;
    std::string reason;
  };
  std::vector<Row> rows = {
      {"write-file", absl::StrCat("\"", victim, "\" for writing")},
      {"exec", "forbidden system call execve \"/bin/sh\""},
      {"tcp", "forbidden system call socket (address family 2)"},
      {"ptrace", "forbidden system call ptrace on process"},
      {"kill-parent", "forbidden system call kill on process"},
      {"fork", ""},  // musl forks with every signal blocked: stopped, unnamed
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.what) {
      OperationOutcome outcome = Try(row.what, victim);
      INFO(outcome.failure);
      CHECK(outcome.kind == OperationOutcome::Kind::kStopped);
      CHECK(absl::StartsWith(outcome.failure, "module hostile was stopped by the sandbox: "));
      CHECK(absl::StrContains(outcome.failure, row.reason));
      CHECK(access(victim.c_str(), F_OK) != 0);
    }
  }
  // The same module unconfined does it: the rows above test the sandbox, not the module.
  OperationOutcome unconfined = Try("write-file", victim, absl::Seconds(30), {.sandbox = false});
  INFO(unconfined.failure);
  CHECK(unconfined.ok());
  CHECK(access(victim.c_str(), F_OK) == 0);
  OperationOutcome nothing = Try("nothing");
  CHECK(nothing.ok());
}

TEST_CASE("limits: memory, time, output and CPU share hold") {
#if !defined(MIG_SANITIZERS)
  OperationOutcome hoard = Try("allocate", "", absl::Seconds(30), {.memory_limit_bytes = uint64_t{256} << 20});
  INFO(hoard.failure);
  CHECK(hoard.kind == OperationOutcome::Kind::kStopped);
  CHECK(absl::StrContains(hoard.failure, "out of memory: the module reached its cap of 256 MiB"));
#endif
  OperationOutcome loop = Try("loop", "", absl::Seconds(3));
  CHECK(loop.kind == OperationOutcome::Kind::kTimedOut);

  OperationOutcome flood = Try("flood", "", absl::Seconds(30), {.max_result_bytes = 16 << 20});
  CHECK(flood.kind == OperationOutcome::Kind::kTooLarge);

  // Spinning for 3 s with a quarter of a CPU: at most about 0.75 s of CPU, however the child spins. What the cap
  // promises is the upper bound; how much CPU a niced child gets below it depends on what else the machine
  // runs (a loaded CI machine may give it little), so below it only "it ran" is checked.
  OperationOutcome capped = Try("loop", "", absl::Seconds(3), {.cpu_percent = 25});
  CHECK(capped.kind == OperationOutcome::Kind::kTimedOut);
  INFO("CPU " << absl::FormatDuration(capped.cpu_time) << " in " << absl::FormatDuration(capped.elapsed));
  CHECK(capped.cpu_time <= capped.elapsed * 0.25 * 1.4 + absl::Milliseconds(100));
  CHECK(capped.cpu_time > absl::ZeroDuration());
}

TEST_CASE("local runs are sandboxed too, unless --no-sandbox") {
  std::string dir = test::TempDir();
  std::string victim = dir + "/victim";
  auto action = [&](const std::string& what) {
    std::string path = absl::StrCat(dir, "/", what, ".json");
    test::WriteFile(path, absl::StrCat(R"({"operations":[{"module":"hostile","parameters":{"try":")", what,
                                       R"(","path":")", victim, R"("}}]})"));
    return path;
  };
  test::Result stopped = test::Run(absl::StrCat(HostileMig(), " run --local -i ", action("write-file")));
  INFO(stopped.out << stopped.err);
  CHECK(stopped.exit_code == 3);
  CHECK(absl::StrContains(stopped.err,
                          "mig hostile: module hostile was stopped by the sandbox: forbidden system call open"));
  CHECK(absl::StrContains(stopped.err, absl::StrCat("\"", victim, "\" for writing")));
  CHECK(access(victim.c_str(), F_OK) != 0);

  test::Result exec = test::Run(absl::StrCat(HostileMig(), " run --local -i ", action("exec")));
  CHECK(exec.exit_code == 3);
  CHECK(absl::StrContains(exec.err, "forbidden system call execve"));

  test::Result flood = test::Run(absl::StrCat(HostileMig(), " run --local -i ", action("flood")));
  CHECK(flood.exit_code == 3);
  CHECK(absl::StrContains(flood.err, "bytes besides its result: killed"));

  test::Result fine = test::Run(absl::StrCat(HostileMig(), " run --local -i ", action("nothing")));
  INFO(fine.err);
  CHECK(fine.exit_code == 0);
  CHECK(absl::StrContains(fine.out, "did nothing"));

  test::Result unconfined =
      test::Run(absl::StrCat(HostileMig(), " run --local --no-sandbox -i ", action("write-file")));
  INFO(unconfined.err);
  CHECK(unconfined.exit_code == 0);
  CHECK(access(victim.c_str(), F_OK) == 0);
}

TEST_CASE("local runs are held to the configuration's limits, and killed past their deadline") {
  std::string dir = test::TempDir();
  auto action = [&](const std::string& what) {
    std::string path = absl::StrCat(dir, "/", what, ".json");
    test::WriteFile(path,
                    absl::StrCat(R"({"operations":[{"module":"hostile","parameters":{"try":")", what, R"("}}]})"));
    return path;
  };
#if !defined(MIG_SANITIZERS)
  test::WriteFile(dir + "/small.conf", "[agent]\nmodulememory = 256MiB\n");
  test::Result hoard =
      test::Run(absl::StrCat(HostileMig(), " --config ", dir, "/small.conf run --local -i ", action("allocate")));
  INFO(hoard.err);
  CHECK(hoard.exit_code == 3);
  CHECK(absl::StrContains(hoard.err,
                          "module hostile was stopped by the sandbox: out of memory: the module reached "
                          "its cap of 256 MiB"));
#endif
  // The loop ignores its deadline: it is killed a little after it (--timeout 1s, then 2 s of grace).
  test::Result loop = test::Run(absl::StrCat(HostileMig(), " run --local --timeout 1s -i ", action("loop")));
  INFO(loop.err);
  CHECK(loop.exit_code == 3);
  CHECK(absl::StrContains(loop.err, "mig hostile: module hostile timed out after 3s: killed"));
}

}  // namespace
}  // namespace mig::agent
