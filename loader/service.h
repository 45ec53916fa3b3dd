// How the agent runs as a service, and how the loader starts, stops and judges it.
//
// Three kinds, chosen at install time and recognised afterwards from the files installed:
//   systemd  mig-agent.service (Restart=always) plus mig-loader.service and mig-loader.timer running the
//            loader periodically; the loader restarts the agent with systemctl.
//   cron     /etc/cron.d/mig runs the loader every 10 minutes and at boot; the loader is then also the
//            agent's supervisor: it starts the agent (detached, logging to STATEDIR/agent.log) when none runs.
//   none     nothing runs the loader periodically; it starts the agent like cron does when it is run.
//
// Health: an agent is healthy once its status file (agent/state_directory/agent_status.h) comes from the new process
// and, if the agent it replaced was heartbeating to the relay, once the new one has published a heartbeat too — so an
// outage of the relay does not pass for a broken release, and a release that cannot reach the relay does
// not pass for a good one. Without a relay connection before, the new process must stay up for `settle`.
#ifndef MIG_LOADER_SERVICE_H_
#define MIG_LOADER_SERVICE_H_

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace mig::loader {

enum class ServiceKind { kSystemd, kCron, kNone };
std::string_view ServiceKindName(ServiceKind kind);
absl::StatusOr<ServiceKind> ParseServiceKind(std::string_view name);

struct ServiceSetup {
  std::string root = "/";    // where service files go; not "/" when installing into an image or a test root
  std::string binary;        // the installed binary, absolute (under root)
  std::string config_path;   // given to every command as --config; empty: the embedded configuration
  std::string state_dir;     // the agent's [agent] statedir
  std::string log_file;      // cron's loader log
  std::string loader_flags;  // handed on to the periodic loader runs ("--health-settle 10s")
  absl::Duration stop_timeout = absl::Minutes(5);  // how long an agent may take to finish its action on stop
  // The periodic loader stops itself after this long (--deadline); the service manager (TimeoutStartSec=) or
  // cron's command (timeout(1)) stops it a minute later whatever happens, so that nothing — a hostile update
  // source, a hung disk — can hold the loader's lock and stop every later update.
  absl::Duration run_deadline = absl::Minutes(30);
};

// `path` (absolute) inside `root`: "/r/usr/local/sbin/mig" for "/r"; the path itself for "/" or "".
std::string UnderRoot(const std::string& root, std::string_view path);

// The kind whose files are installed under `root` (kNone when neither unit nor cron file is there).
ServiceKind InstalledServiceKind(const std::string& root);
// What --install picks by default: systemd when it runs this system (and root is "/"), else cron when
// ROOT/etc/cron.d exists, else none.
ServiceKind DefaultServiceKind(const std::string& root);

// The files a kind installs, with their contents (for tests and --install's summary).
struct ServiceFile {
  std::string path;
  std::string contents;
};
std::vector<ServiceFile> ServiceFiles(ServiceKind kind, const ServiceSetup& setup);

absl::Status InstallServiceFiles(ServiceKind kind, const ServiceSetup& setup);
// Removes the files of every kind, after disabling the systemd units when they were installed.
absl::Status RemoveServiceFiles(const ServiceSetup& setup);

// Starting, stopping and judging the agent.
class AgentService {
 public:
  AgentService(ServiceKind kind, ServiceSetup setup) : kind_(kind), setup_(std::move(setup)) {}

  // The pid of the running agent, 0 when none runs. A pid from the status file counts only if that process
  // runs one of our binaries (the pid may have been reused).
  absl::StatusOr<int> RunningPid() const;
  // Stops the agent (SIGTERM, then SIGKILL after stop_timeout); OK when none was running.
  absl::Status Stop();
  // Starts the agent; its pid (0 when systemd has not reported one yet).
  absl::StatusOr<int> Start();
  // Stop then start (systemd: systemctl restart).
  absl::StatusOr<int> Restart();
  // cron/none: starts the agent if none runs, and returns its pid; systemd: nothing (it supervises), 0.
  absl::StatusOr<int> EnsureRunning();

  struct HealthPolicy {
    absl::Duration timeout = absl::Minutes(2);
    absl::Duration settle = absl::Seconds(5);
    bool require_heartbeat = false;
  };
  // After Start/Restart at `since` (pid as returned, or 0): OK once healthy; FailedPrecondition naming why
  // not (exited with status N and the end of its log, no heartbeat within the timeout, ...).
  absl::Status WaitHealthy(int pid, absl::Time since, const HealthPolicy& policy);

  // Whether the running agent was heartbeating lately: then its successor must heartbeat too.
  bool WasHeartbeating(absl::Duration heartbeat_frequency) const;

  ServiceKind kind() const { return kind_; }

 private:
  absl::StatusOr<int> StartDetached();
  ServiceKind kind_;
  ServiceSetup setup_;
  int child_ = 0;        // an agent this process started and has not reaped
  off_t log_start_ = 0;  // the agent log's size when that agent started: what it logged comes after
};

// The unit of the agent, for systemctl.
inline constexpr char kAgentUnit[] = "mig-agent.service";

}  // namespace mig::loader

#endif  // MIG_LOADER_SERVICE_H_
