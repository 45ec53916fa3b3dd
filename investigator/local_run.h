// Running modules on this host with no server (`--local`): the same module code an agent runs, with
// progress on a terminal, Ctrl-C returning what was found so far, and MIG's text or the result JSON.
#ifndef MIG_INVESTIGATOR_LOCAL_RUN_H_
#define MIG_INVESTIGATOR_LOCAL_RUN_H_

#include <atomic>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "investigator/exit_codes.h"
#include "modules/module.h"

namespace mig::investigator {

enum class Render { kText, kJson };

struct LocalRunOptions {
  Render render = Render::kText;
  modules::Show show = modules::Show::kFound;
  int threads = 0;
  absl::Duration timeout = absl::InfiniteDuration();
  bool progress = true;  // shown only when stderr is a terminal
  // The module runs in a forked child that enters the module's sandbox (sandbox/) after lowering its
  // priority and capping its memory, as on an agent; --no-sandbox runs it in this process, unconfined.
  bool sandbox = true;
  // The configuration's limits for module processes ([agent] modulememory, modulecpu: 0 is no cap).
  uint64_t memory_limit_bytes = uint64_t{1} << 30;
  uint64_t cpu_percent = 0;
  // One operation of several (`mig run`): JSON output is {"operation": index, "module", "result"}, one
  // document per operation, so that a script knows which is which. -1: a single module's result, as is.
  int operation = -1;
};

// Runs `module` with `parameters_json` here and prints its result to `out`. Returns the exit code.
int RunModuleLocally(const modules::Module& module, std::string_view parameters_json, const LocalRunOptions& options,
                     std::ostream& out, std::ostream& err);

// Prints a result the way the options ask; returns whether the module found anything (or an error).
absl::StatusOr<bool> PrintResult(const modules::Module& module, std::string_view result_json,
                                 const LocalRunOptions& options, std::ostream& out);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_LOCAL_RUN_H_
