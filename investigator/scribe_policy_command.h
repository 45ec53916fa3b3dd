// `mig scribe policy`: makes a scribe policy out of vulnerability data (the Debian security tracker's JSON,
// OSV records, this host's apt lists), for `mig scribe` to run on every host.
//
//   CLI::App* scribe = app.add_subcommand("scribe", ...);
//   AddScribePolicyCommand(*scribe, &exit_code);
//   // mig scribe policy --debian-tracker tracker.json --release bookworm -o policy.json
#ifndef MIG_INVESTIGATOR_SCRIBE_POLICY_COMMAND_H_
#define MIG_INVESTIGATOR_SCRIBE_POLICY_COMMAND_H_

#include "CLI/CLI.hpp"

namespace mig::investigator {

// Adds the "policy" subcommand to `parent`; its callback sets *exit_code (0 written, 2 bad usage or bad
// input, 3 failure).
void AddScribePolicyCommand(CLI::App& parent, int* exit_code);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_SCRIBE_POLICY_COMMAND_H_
