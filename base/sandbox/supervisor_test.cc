// The supervisor against real children: each way a confined child can end is reported in its own words.
#include "base/sandbox/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "base/sandbox/limits.h"
#include "base/sandbox/seccomp.h"
#include "catch2/catch.hpp"

namespace mig::sandbox {
namespace {

void WriteString(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Forks a child that runs `body(input_fd, result_fd, output_fd)` then exits 0, and supervises it.
ChildOutcome RunChild(const std::function<void(int, int, int)>& body, std::string_view input,
                      SupervisionLimits limits) {
  int in[2], result[2], output[2];
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(pipe2(result, O_CLOEXEC) == 0);
  REQUIRE(pipe2(output, O_CLOEXEC) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child dies of its own signals, not of the handlers the test framework and the sanitizers installed
    // in this process (they would turn a SIGSEGV into their report and an abort).
    for (int signal_number : {SIGSEGV, SIGABRT, SIGILL, SIGFPE, SIGBUS, SIGTERM, SIGINT, SIGSYS}) {
      signal(signal_number, SIG_DFL);
    }
    close(in[1]);
    close(result[0]);
    close(output[0]);
    body(in[0], result[1], output[1]);
    _exit(0);
  }
  close(in[0]);
  close(result[1]);
  close(output[1]);
  return Supervise({.pid = pid, .input = UniqueFd(in[1]), .result = UniqueFd(result[0]), .output = UniqueFd(output[0])},
                   input, limits);
}

TEST_CASE("each way a child ends has its kind and its words") {
  using Kind = ChildOutcome::Kind;
  struct Case {
    const char* name;
    std::function<void(int, int, int)> body;
    SupervisionLimits limits;
    Kind kind;
    std::string failure;  // the start of it
  };
  const std::string big(1 << 20, 'x');
  const Case kCases[] = {
      {"a result", [](int, int r, int) { WriteString(r, "{\"ok\":true}\n\n"); }, {}, Kind::kCompleted, ""},
      {"the input echoed",
       [](int in, int r, int) {
         char buffer[64];
         ssize_t n = read(in, buffer, sizeof(buffer));
         if (n > 0) WriteString(r, std::string_view(buffer, static_cast<size_t>(n)));
       },
       {},
       Kind::kCompleted,
       ""},
      {"no result", [](int, int, int) {}, {}, Kind::kFailed, "wrote no result"},
      {"an exit status and a reason",
       [](int, int, int o) {
         WriteString(o, "starting\ndisk on fire\n");
         _exit(4);
       },
       {},
       Kind::kFailed,
       "exited with status 4: disk on fire"},
      {"a crash", [](int, int, int) { raise(SIGSEGV); }, {}, Kind::kFailed, "was killed by signal 11"},
      {"the sandbox's word",
       [](int, int, int o) {
         WriteString(o, "sandbox: forbidden system call open \"/etc/shadow\" for writing\n");
         _exit(kViolationExitStatus);
       },
       {},
       Kind::kStopped,
       "was stopped by the sandbox: forbidden system call open"},
      {"the violation status without the sandbox's word",
       [](int, int, int o) {
         WriteString(o, "just a module\n");
         _exit(kViolationExitStatus);
       },
       {},
       Kind::kFailed,
       "exited with status 97: just a module"},
      {"SIGSYS", [](int, int, int) { raise(SIGSYS); }, {}, Kind::kStopped, "was stopped by the sandbox: a forbidden"},
      {"a hang",
       [](int, int, int) { pause(); },
       {.deadline = absl::Now() + absl::Milliseconds(300)},
       Kind::kTimedOut,
       "timed out after"},
      {"a flood of result",
       [&big](int, int r, int) {
         for (;;) WriteString(r, big);
       },
       {.max_result_bytes = 4 << 20},
       Kind::kTooLarge,
       "wrote more than 4194304 bytes of result: killed, result dropped"},
      {"a flood of output",
       [&big](int, int, int o) {
         for (;;) WriteString(o, big);
       },
       {.max_output_bytes = 4 << 20},
       Kind::kTooLarge,
       "wrote more than 4194304 bytes besides its result: killed"},
  };
  for (const Case& c : kCases) {
    DYNAMIC_SECTION(c.name) {
      SupervisionLimits limits = c.limits;
      if (limits.deadline == absl::InfiniteFuture()) limits.deadline = absl::Now() + absl::Seconds(30);
      ChildOutcome outcome = RunChild(c.body, "{\"parameters\":1}", limits);
      INFO(outcome.failure);
      CHECK(outcome.kind == c.kind);
      CHECK(absl::StartsWith(outcome.failure, c.failure));
      if (c.kind == Kind::kCompleted) CHECK(outcome.result.back() != '\n');
    }
  }
}

TEST_CASE("what the child was given comes back whole, and the output kept is its end") {
  std::string input(3 << 20, 'p');
  ChildOutcome echoed = RunChild(
      [](int in, int r, int o) {
        char buffer[64 << 10];
        ssize_t n;
        while ((n = read(in, buffer, sizeof(buffer))) > 0) WriteString(r, std::string_view(buffer, n));
        for (int i = 0; i < 5000; ++i) WriteString(o, "noise noise noise noise\n");
        WriteString(o, "the last word\n");
      },
      input, {.deadline = absl::Now() + absl::Seconds(30)});
  REQUIRE(echoed.ok());
  CHECK(echoed.result == input);
  CHECK(echoed.output_tail.size() <= kKeptOutputBytes);
  CHECK(absl::EndsWith(echoed.output_tail, "the last word\n"));
}

}  // namespace
}  // namespace mig::sandbox
