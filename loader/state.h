// What the loader keeps about releases in the agent's state directory (STATEDIR/loader/), read by the loader
// itself and by the agent, which reports it in its heartbeats (environment migrelease, migreleasefailed) so
// that investigators see fleet-wide which release each agent runs and which release failed where.
//
//   installed.json  the manifest of the installed release (absent: the binary was installed by --install)
//   failed.json     {"version","sha256","reason","time"}: the release that failed its health check here
#ifndef MIG_LOADER_STATE_H_
#define MIG_LOADER_STATE_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "loader/manifest.h"

namespace mig::loader {

struct StatePaths {
  explicit StatePaths(const std::string& agent_state_dir);
  std::string directory;  // STATEDIR/loader
  std::string installed;
  std::string journal;
  std::string failed;
};

struct FailedRelease {
  std::string version;
  std::string sha256;  // of the binary, hex
  std::string reason;
};

// nullopt when nothing was installed by the loader; DataLoss when the file is damaged.
absl::StatusOr<std::optional<Manifest>> ReadInstalledRelease(const StatePaths& paths);
absl::Status WriteFailedRelease(const StatePaths& paths, const FailedRelease& failed);
// nullopt when no release failed (or the record cannot be read: it only ever stops a retry).
std::optional<FailedRelease> ReadFailedRelease(const StatePaths& paths);

}  // namespace mig::loader

#endif  // MIG_LOADER_STATE_H_
