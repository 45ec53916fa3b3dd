#include "loader/loader_command.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "embedded_conf/load.h"
#include "loader/loader.h"

namespace mig::loader {
namespace {

struct LoaderFlags {
  bool install = false;
  bool uninstall = false;
  std::string service = "auto";
  std::string root = "/";
  std::string binary;
  std::string health_timeout = "2m";
  std::string health_settle = "5s";
  std::string deadline = "30m";
};

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFailed = 3;

// The message the watchdog writes, built before it is armed: a signal handler may only write(2) and _exit(2).
char deadline_message[256];
size_t deadline_message_length = 0;

void DeadlinePassed(int) {
  (void)!write(STDERR_FILENO, deadline_message, deadline_message_length);
  _exit(kExitFailed);
}

// Nothing may keep the loader, and its lock, forever: a source that answers one byte a minute, a FIFO where a
// file should be, a hung disk. At the deadline the process ends as if killed; the next run finds the journal
// and finishes or undoes the update (loader.h), as after a power cut. Timers set by alarm(2) are not inherited
// by forked children, so the agent the loader starts is not affected.
void ArmDeadline(absl::Duration deadline) {
  std::string message = absl::StrCat("mig loader: the run did not finish within ", absl::FormatDuration(deadline),
                                     ": stopped (the next run resumes from the journal)\n");
  deadline_message_length = std::min(message.size(), sizeof(deadline_message));
  memcpy(deadline_message, message.data(), deadline_message_length);
  struct sigaction action {};
  action.sa_handler = DeadlinePassed;
  sigaction(SIGALRM, &action, nullptr);
  alarm(static_cast<unsigned>(std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(deadline, absl::Seconds(1))))));
}

int Fail(std::string_view what, const absl::Status& status) {
  std::cerr << "mig loader: " << what << status.message() << "\n";
  if (absl::IsInvalidArgument(status) || absl::IsPermissionDenied(status)) return kExitUsage;
  if (absl::IsFailedPrecondition(status)) return kExitRefused;
  return kExitFailed;
}

int Run(const LoaderFlags& flags, const std::string& config_path, const char* version) {
  absl::Duration deadline;
  if (!absl::ParseDuration(flags.deadline, &deadline) || deadline <= absl::ZeroDuration() ||
      deadline > absl::Hours(24)) {
    return Fail("", absl::InvalidArgumentError(
                        absl::StrCat("--deadline '", flags.deadline, "' is not a duration like 30m (at most 24h)")));
  }
  ArmDeadline(deadline);
  absl::StatusOr<conf::Config> config = conf::LoadConfig(config_path);
  if (!config.ok()) return Fail("", absl::InvalidArgumentError(config.status().message()));
  if (absl::Status logging = conf::ConfigureLogging(config->logging, "mig-loader"); !logging.ok()) {
    return Fail("", absl::InvalidArgumentError(logging.message()));
  }
  LoaderOptions options{.config = *config, .root = flags.root, .binary = flags.binary, .running_version = version};
  options.run_deadline = deadline;
  // The services run from another working directory: they need the configuration's absolute path.
  if (!config_path.empty()) {
    char absolute[PATH_MAX];
    if (realpath(config_path.c_str(), absolute) == nullptr) {
      return Fail("", absl::InvalidArgumentError(absl::StrCat("--config ", config_path, ": cannot resolve it")));
    }
    options.config_path = absolute;
  }
  if (!absl::ParseDuration(flags.health_timeout, &options.health_timeout) ||
      options.health_timeout <= absl::ZeroDuration()) {
    return Fail("", absl::InvalidArgumentError(
                        absl::StrCat("--health-timeout '", flags.health_timeout, "' is not a duration like 2m")));
  }
  if (!absl::ParseDuration(flags.health_settle, &options.health_settle) ||
      options.health_settle < absl::ZeroDuration()) {
    return Fail("", absl::InvalidArgumentError(
                        absl::StrCat("--health-settle '", flags.health_settle, "' is not a duration like 5s")));
  }
  if (flags.install) {
    // Re-spelled from the parsed durations: what goes into the service files is known to be harmless text.
    options.periodic_flags = absl::StrCat("--health-timeout ", absl::FormatDuration(options.health_timeout),
                                          " --health-settle ", absl::FormatDuration(options.health_settle));
    ServiceKind kind = DefaultServiceKind(options.root);
    if (flags.service != "auto") {
      absl::StatusOr<ServiceKind> parsed = ParseServiceKind(flags.service);
      if (!parsed.ok()) return Fail("--service: ", absl::InvalidArgumentError(parsed.status().message()));
      kind = *parsed;
    }
    absl::Status installed = Install(options, kind, std::cout);
    if (!installed.ok()) return Fail("install: ", installed);
    return 0;
  }
  if (flags.uninstall) {
    absl::Status removed = Uninstall(options, std::cout);
    if (!removed.ok()) return Fail("uninstall: ", removed);
    return 0;
  }
  absl::StatusOr<UpdateReport> report = RunUpdate(options);
  if (!report.ok()) return Fail("", report.status());
  if (report->outcome == UpdateOutcome::kRolledBack) {
    log::Error("loader", report->message);
    return kExitRefused;
  }
  log::Info("loader", report->message);
  return 0;
}

}  // namespace

void AddLoaderCommand(CLI::App& app, int* exit_code, const std::string* config_path, const char* version) {
  auto flags = std::make_shared<LoaderFlags>();
  CLI::App* command =
      app.add_subcommand("loader", "installs the agent, then keeps it updated from signed releases (run periodically)");
  CLI::Option* install = command->add_flag(
      "--install", flags->install,
      "install on this host (as root): this binary as /usr/local/sbin/mig, a service that runs the agent and the "
      "loader periodically, and start the agent");
  command
      ->add_flag("--uninstall", flags->uninstall,
                 "stop the agent and remove the service, the binaries and the agent's state")
      ->excludes(install);
  command
      ->add_option("--service", flags->service,
                   "with --install: systemd, cron, none, or auto (systemd if it runs, else cron if /etc/cron.d "
                   "exists, else none)")
      ->capture_default_str();
  command
      ->add_option("--root", flags->root,
                   "install under this directory instead of / (an image being built, a test); the state "
                   "directory is the configuration's [agent] statedir")
      ->capture_default_str();
  command->add_option("--binary", flags->binary, "where the agent's binary lives (default ROOT/usr/local/sbin/mig)");
  command
      ->add_option("--deadline", flags->deadline,
                   "the whole run stops after this long, whatever it waits for (the next run resumes)")
      ->capture_default_str();
  command
      ->add_option("--health-timeout", flags->health_timeout,
                   "how long a restarted agent has to prove healthy before the update is rolled back")
      ->capture_default_str();
  command
      ->add_option("--health-settle", flags->health_settle,
                   "when the agent was not heartbeating before, how long the new one must stay up")
      ->capture_default_str();
  command->footer(
      "Without --install/--uninstall, one update: fetch manifest.json from [loader] source (https:// with the\n"
      "server's certificate checked against [certs] ca, or file:// for removable media); accept it only if\n"
      "[loader] threshold distinct release keys signed it, it has not expired and it is newer than what is\n"
      "installed (or a rollback signed as such); fetch the binary and check its size and SHA-256; swap it in\n"
      "atomically (the previous binary stays as .old); restart the agent; if it is not healthy within\n"
      "--health-timeout, put the previous binary back, restart it, and never try that release again.\n"
      "A loader stopped at any point (or a power cut) leaves a whole binary in place; the next run finishes or\n"
      "undoes the update. State: STATEDIR/loader/ (installed.json, journal.json, failed.json).\n"
      "Exit status: 0 up to date or updated, 1 release refused or rolled back, 2 usage, 3 failure.\n"
      "Examples:\n"
      "  sudo mig loader --install\n"
      "  sudo mig loader                    # what the timer/cron runs\n"
      "  sudo mig loader --uninstall");
  command->callback([flags, exit_code, config_path, version] { *exit_code = Run(*flags, *config_path, version); });
}

}  // namespace mig::loader
