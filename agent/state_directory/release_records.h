// What the loader keeps about releases in the agent's state directory (STATEDIR/loader/), read by the loader
// itself and by the agent, which reports it in its heartbeats (environment migrelease, migreleasefailed) so
// that investigators see fleet-wide which release each agent runs and which release failed where.
//
//   installed.json  the manifest of the installed release (absent: the binary was installed by --install)
//   failed.json     {"version","sha256","reason","time"}: the release that failed its health check here
#ifndef MIG_AGENT_STATE_DIRECTORY_RELEASE_RECORDS_H_
#define MIG_AGENT_STATE_DIRECTORY_RELEASE_RECORDS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agent/state_directory/state_directory.h"
#include "protocol/release/manifest.h"

namespace mig::state_directory {

struct FailedRelease {
  std::string version;
  std::string sha256;  // of the binary, hex
  std::string reason;
};

// nullopt when nothing was installed by the loader; DataLoss when the file is damaged.
absl::StatusOr<std::optional<release::Manifest>> ReadInstalledRelease(const StateDirectory& state);
absl::Status WriteFailedRelease(const StateDirectory& state, const FailedRelease& failed);
// nullopt when no release failed (or the record cannot be read: it only ever stops a retry).
std::optional<FailedRelease> ReadFailedRelease(const StateDirectory& state);

}  // namespace mig::state_directory

#endif  // MIG_AGENT_STATE_DIRECTORY_RELEASE_RECORDS_H_
