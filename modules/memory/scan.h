// Scanning processes for the memory module's searches: every process in /proc except this one, in
// parallel; name and library checks first, then one walk over the memory of each process for all the
// content and byte checks that still apply to it, stopping as soon as nothing more can change the verdicts.
//
//   MIG_ASSIGN_OR_RETURN(Parameters parameters, ParseParameters(json));
//   ScanOutcome outcome = Scan(parameters, context);
//   std::string result_json = ResultJson(parameters, outcome);
#ifndef MIG_MODULES_MEMORY_SCAN_H_
#define MIG_MODULES_MEMORY_SCAN_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "modules/memory/parameters.h"
#include "modules/memory/process_memory.h"
#include "modules/module.h"

namespace mig::modules::memory {

// At most this many failure messages are kept in a result; the rest are counted.
inline constexpr size_t kMaxFailureMessages = 1000;

struct ScanOptions {
  WalkOptions walk;
  // This process, and any other running the same executable (an agent holding the action, another scan),
  // hold the search's own patterns in memory: they would always match.
  bool skip_self = true;
  // Scan only these processes instead of all of /proc (tests).
  std::optional<std::vector<pid_t>> only_pids;
  // Called before each window of a process's memory is searched (tests: end the process mid-scan).
  std::function<void(pid_t, const Window&)> before_window;
};

struct MatchedProcess {
  pid_t pid = 0;
  std::string name;
};

struct SearchOutcome {
  // With matchall: the processes every check matched. Otherwise, for each check in CheckOrder: the
  // processes it matched. Sorted by pid.
  std::vector<MatchedProcess> processes;
  std::vector<std::vector<MatchedProcess>> per_check;
};

struct ScanOutcome {
  std::vector<SearchOutcome> searches;  // in the order of Parameters::searches
  uint64_t process_count = 0;           // processes inspected
  uint64_t memory_read = 0;             // bytes
  uint64_t processes_gone = 0;          // exited before or while being inspected
  uint64_t failure_count = 0;           // every failure, listed or not
  std::vector<std::string> failures;    // capped at kMaxFailureMessages
  std::vector<std::string> errors;
  absl::Duration exec_time;
  bool incomplete = false;  // stopped at the deadline or cancelled
};

// A search's checks in MIG's order: names, libraries, contents, bytes.
enum class CheckKind { kName, kLibrary, kContent, kBytes };
struct CheckRef {
  CheckKind kind;
  const std::string* value;
};
std::vector<CheckRef> CheckOrder(const Search& search);

ScanOutcome Scan(const Parameters& parameters, const RunContext& context, const ScanOptions& options = {});

// MIG's result JSON.
std::string ResultJson(const Parameters& parameters, const ScanOutcome& outcome);

}  // namespace mig::modules::memory

#endif  // MIG_MODULES_MEMORY_SCAN_H_
