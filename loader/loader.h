// The loader: installs the agent on a bare host, then keeps it up to date from signed releases without
// anyone's help, and never leaves a host without a working agent.
//
// An update (`mig loader`, run periodically by the service installed with --install):
//   1. fetch manifest.json from the update source; accept it only if `threshold` distinct release keys
//      signed it validly, it has not expired, it is for this platform and it moves the version forward
//      (or is a rollback signed as one, for exactly the installed version);
//   2. fetch the binary, check its size and SHA-256, write it next to the installed one as BINARY.new,
//      fsync it and its directory;
//   3. write the journal (STATEDIR/loader/journal.json: the manifest, both binaries' hashes), keep the
//      installed binary as BINARY.old (a hard link), rename BINARY.new over BINARY — one atomic step;
//   4. restart the agent and wait until it is healthy (service.h); then record the release as installed.
//      If it is not healthy: record the release as failed (never retried), put BINARY.old back the same
//      atomic way, restart the old agent, and report.
// At every instant BINARY is a whole binary, the old or the new. A loader killed between any two steps (or
// a power cut) leaves the journal behind, and the next run finishes the update or undoes it, from what
// BINARY's hash says.
//
//   LoaderOptions options{.config = config, .running_version = "0.1.0"};
//   MIG_ASSIGN_OR_RETURN(UpdateReport report, RunUpdate(options));
#ifndef MIG_LOADER_LOADER_H_
#define MIG_LOADER_LOADER_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "embedded_conf/config.h"
#include "loader/service.h"

namespace mig::loader {

inline constexpr char kDefaultBinary[] = "/usr/local/sbin/mig";

struct LoaderOptions {
  conf::Config config;
  std::string config_path;  // main's --config: handed on to the agent and the service files
  std::string root = "/";   // install under another root (an image, a test); the state dir is the config's
  std::string binary;       // default: ROOT/usr/local/sbin/mig
  std::string running_version;
  absl::Duration health_timeout = absl::Minutes(2);
  absl::Duration health_settle = absl::Seconds(5);
  // A run stops itself after this long (loader_command arms the watchdog); periodic runs get it too.
  absl::Duration run_deadline = absl::Minutes(30);
  // --install: flags the periodic loader runs get too (the health bounds given to --install).
  std::string periodic_flags;
};

enum class UpdateOutcome { kUpToDate, kUpdated, kRolledBack };

struct UpdateReport {
  UpdateOutcome outcome = UpdateOutcome::kUpToDate;
  std::string installed_version;  // after this run
  std::string message;            // one or more lines for the log
};

// One loader run. Errors: the configuration has no update source or keys (InvalidArgument), another
// loader runs (Unavailable), the release was refused (FailedPrecondition, the reason in the message: too
// few signatures, expired, a bad hash, ...), the source could not be reached, a disk error.
absl::StatusOr<UpdateReport> RunUpdate(const LoaderOptions& options);

// --install: this binary becomes BINARY, the service of `kind` is written and started, the agent runs.
absl::Status Install(const LoaderOptions& options, ServiceKind kind, std::ostream& out);
// --uninstall: stops the agent, removes the service, the binaries and the agent's state.
absl::Status Uninstall(const LoaderOptions& options, std::ostream& out);

}  // namespace mig::loader

#endif  // MIG_LOADER_LOADER_H_
