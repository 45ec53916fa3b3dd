// A module for tests only, never linked into mig: `{"try": "<what>"}` makes it do one of the things the
// sandbox and the limits must stop (write a file, exec a shell, open a TCP socket, ptrace or kill its parent,
// fork, allocate without bound, loop forever ignoring its deadline, print gigabytes), or "nothing", a normal
// result. //test:mig_with_hostile_module is mig with it.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/json/reader.h"
#include "modules/module.h"
#include "modules/result.h"

namespace mig::modules::testing {
namespace {

constexpr std::string_view kTries[] = {"nothing",     "write-file", "exec",     "tcp",  "ptrace",
                                       "kill-parent", "fork",       "allocate", "loop", "flood"};

absl::StatusOr<std::string> ParseTry(std::string_view parameters_json) {
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> doc = json::JsonDocument::Parse(parameters_json, "parameters");
  if (!doc.ok()) return doc.status();
  absl::StatusOr<simdjson::dom::object> root = json::AsObject((*doc)->root(), "");
  if (!root.ok()) return root.status();
  if (absl::Status keys = json::CheckKeys(*root, "", {"try", "path"}); !keys.ok()) return keys;
  std::string_view what;
  if ((*root)["try"].get(what) != simdjson::SUCCESS) return absl::InvalidArgumentError("try: missing");
  for (std::string_view known : kTries) {
    if (what == known) return std::string(what);
  }
  return absl::InvalidArgumentError(absl::StrCat("try: unknown '", what, "'"));
}

std::string PathParameter(std::string_view parameters_json) {
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> doc = json::JsonDocument::Parse(parameters_json, "parameters");
  std::string_view path = "/tmp/mig-hostile-module-was-here";
  // No "path": the default above.
  if (doc.ok() && (*doc)->root()["path"].get(path) != simdjson::SUCCESS) path = "/tmp/mig-hostile-module-was-here";
  return std::string(path);
}

class NoFlags : public CommandLine {
 public:
  void AddFlags(CLI::App&) override {}
  absl::StatusOr<std::string> ParametersJson(std::string_view) const override { return "{\"try\":\"nothing\"}"; }
};

class HostileModule : public Module {
 public:
  std::string_view name() const override { return "hostile"; }
  std::string_view summary() const override { return "tests only: tries what the sandbox forbids"; }
  std::string_view help() const override { return summary(); }
  absl::Status ValidateParameters(std::string_view parameters_json) const override {
    return ParseTry(parameters_json).status();
  }

  std::string Run(std::string_view parameters_json, const RunContext& context) const override {
    absl::StatusOr<std::string> what = ParseTry(parameters_json);
    if (!what.ok()) return FailedResult(what.status().message());
    std::string path = PathParameter(parameters_json);
    std::string outcome;
    if (*what == "write-file") {
      int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      outcome = fd >= 0 && write(fd, "pwned\n", 6) == 6 ? "wrote the file" : "could not write";
    } else if (*what == "exec") {
      std::string command = absl::StrCat("echo pwned > ", path);
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      outcome = "exec failed";
    } else if (*what == "tcp") {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      outcome = fd >= 0 ? "opened a TCP socket" : "no socket";
    } else if (*what == "ptrace") {
      outcome = ptrace(PTRACE_ATTACH, getppid(), nullptr, nullptr) == 0 ? "attached to the parent" : "no ptrace";
    } else if (*what == "kill-parent") {
      outcome = kill(getppid(), SIGTERM) == 0 ? "signalled the parent" : "no kill";
    } else if (*what == "fork") {
      pid_t pid = fork();
      if (pid == 0) _exit(0);
      outcome = pid > 0 ? "forked" : "no fork";
    } else if (*what == "allocate") {
      std::vector<std::vector<char>> hoard;
      for (;;) hoard.emplace_back(64 << 20, 'x');  // touched: really resident
    } else if (*what == "loop") {
      volatile uint64_t spin = 0;
      for (;;) spin = spin + 1;  // ignores the deadline
    } else if (*what == "flood") {
      std::string chunk(1 << 20, 'x');
      for (;;) {
        if (write(STDOUT_FILENO, chunk.data(), chunk.size()) < 0) break;
      }
      outcome = "flooded";
    } else {
      outcome = "did nothing";
    }
    return absl::StrCat(R"({"foundanything":true,"success":true,"elements":{"outcome":")", outcome,
                        R"("},"statistics":{},"errors":[]})");
  }

  std::unique_ptr<CommandLine> NewCommandLine() const override { return std::make_unique<NoFlags>(); }
  absl::StatusOr<std::string> RenderText(std::string_view result_json, const RenderOptions&) const override {
    return absl::StrCat(result_json, "\n");
  }
};

MIG_REGISTER_MODULE(HostileModule);

}  // namespace
}  // namespace mig::modules::testing
