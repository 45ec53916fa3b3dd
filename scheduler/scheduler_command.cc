#include "scheduler/scheduler_command.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/amqp/relay_url.h"
#include "base/files.h"
#include "base/http/server.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/stop_signals.h"
#include "base/url.h"
#include "embedded_conf/load.h"
#include "scheduler/api.h"
#include "scheduler/relay_workers.h"

namespace mig::scheduler {
namespace {

constexpr std::string_view kLog = "scheduler";

// File descriptors the scheduler needs besides the API's connections: the database and its journal, the
// broker connections, logs, and what the libraries open.
constexpr rlim_t kReservedFileDescriptors = 64;

// Raises the soft RLIMIT_NOFILE to the hard limit (each API connection is a descriptor), and returns how many
// API connections that allows: max_connections, or fewer, logged, when the hard limit is too low, so that
// a flood of connections cannot take the descriptors the database and the broker need.
int ApiConnectionLimit(int max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::Warning(kLog, absl::StrCat("getrlimit(RLIMIT_NOFILE): ", strerror(errno)));
    return max_connections;
  }
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    } else {
      log::Warning(kLog, absl::StrCat("raising RLIMIT_NOFILE to ", limit.rlim_max, ": ", strerror(errno)));
    }
  }
  const rlim_t needed = static_cast<rlim_t>(max_connections) + kReservedFileDescriptors;
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) return max_connections;
  const int allowed =
      static_cast<int>(std::max<rlim_t>(limit.rlim_cur, kReservedFileDescriptors + 16) - kReservedFileDescriptors);
  log::Warning(kLog, absl::StrCat("the file descriptor limit (RLIMIT_NOFILE) is ", limit.rlim_cur, ": the API takes ",
                                  allowed, " connections at most instead of ", max_connections,
                                  "; raise the hard limit to ", needed, " (LimitNOFILE= in a systemd unit)"));
  return allowed;
}

struct SchedulerFlags {
  std::string listen;
  std::string database;
  std::string port_file;
};

// "127.0.0.1:8393", "[::1]:8393"; port 0 picks a free one.
absl::StatusOr<std::pair<std::string, int>> ParseListen(std::string_view listen) {
  absl::StatusOr<HostPort> parsed = ParseHostPort(listen, PortZero::kAnyPortAllowed);
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat("listen: ", parsed.status().message()));
  return std::make_pair(parsed->host, parsed->port);
}

absl::Status Run(const conf::Config& config, const SchedulerFlags& flags, const std::atomic<bool>& stop) {
  if (config.scheduler.relay.empty()) {
    return absl::FailedPreconditionError("the configuration names no relay for the scheduler ([scheduler] relay)");
  }
  std::optional<amqp::TlsOptions> tls;
  if (!config.certs.ca.contents.empty()) {
    tls = amqp::TlsOptions{.ca_pem = config.certs.ca.contents,
                           .cert_pem = config.certs.cert.contents,
                           .key_pem = config.certs.key.contents};
  }
  MIG_ASSIGN_OR_RETURN(amqp::ConnectionOptions relay, amqp::ConnectionOptionsFromRelayUrl(config.scheduler.relay, tls));
  relay.heartbeat = absl::Seconds(30);
  std::vector<api::Investigator> investigators;
  for (const conf::Investigator& i : config.investigators) {
    MIG_ASSIGN_OR_RETURN(crypto::Ed25519PublicKey key, crypto::Ed25519PublicKey::Parse(i.public_key));
    investigators.push_back({i.name, key});
  }
  if (investigators.empty()) log::Warning(kLog, "no investigators are configured: every API request will be refused");
  std::string database = flags.database.empty() ? config.scheduler.database : flags.database;
  MIG_ASSIGN_OR_RETURN(auto listen, ParseListen(flags.listen.empty() ? config.scheduler.listen : flags.listen));

  MIG_ASSIGN_OR_RETURN(std::unique_ptr<RelayWorkers> workers,
                       RelayWorkers::Start({.database = database, .relay = relay}));
  RelayWorkers* workers_ptr = workers.get();
  MIG_ASSIGN_OR_RETURN(
      std::unique_ptr<Api> api,
      Api::Open({.database = database, .investigators = investigators, .commands_created = [workers_ptr] {
                   workers_ptr->CommandsCreated();
                 }}));
  Api* api_ptr = api.get();
  // The server's defaults are the scheduler's: deadlines and per-address limits hold slow clients off; only
  // the connection limit depends on the descriptors this process may open.
  http::ServerOptions server_options{.host = listen.first, .port = listen.second};
  server_options.max_connections = ApiConnectionLimit(server_options.max_connections);
  MIG_ASSIGN_OR_RETURN(std::unique_ptr<http::Server> server,
                       http::Server::Start(server_options, [api_ptr](const http::Request& request) {
                         return api_ptr->Handle(request);
                       }));
  log::Info(kLog,
            absl::StrCat("API listening on ", listen.first, ":", server->port(), "; database ", database, "; relay ",
                         relay.host, ":", relay.port, "; ", investigators.size(), " investigator(s)"));
  if (!flags.port_file.empty()) {
    MIG_RETURN_IF_ERROR(WriteFileAtomically(flags.port_file, absl::StrCat(server->port(), "\n"), 0644));
  }
  while (!stop.load()) absl::SleepFor(absl::Milliseconds(100));
  log::Info(kLog, "stopping");
  server->Stop();
  workers->Stop();
  log::Info(kLog, absl::StrCat("stopped; ", workers->commands_published(), " command(s) published, ",
                               workers->results_recorded(), " result(s) and ", workers->heartbeats_recorded(),
                               " heartbeat(s) recorded"));
  return absl::OkStatus();
}

}  // namespace

void AddSchedulerCommand(CLI::App& app, int* exit_code, const std::string* config_path) {
  auto flags = std::make_shared<SchedulerFlags>();
  CLI::App* command = app.add_subcommand(
      "scheduler",
      "the fleet's scheduler: agent registry, actions fanned out as commands, results, investigators' API");
  command->add_option("--listen", flags->listen, "where the API listens (default [scheduler] listen, 127.0.0.1:8393)");
  command->add_option("--database", flags->database,
                      "the SQLite database file (default [scheduler] database, /var/lib/mig/scheduler.db)");
  command->add_option("--port-file", flags->port_file, "write the API's port there once listening (for --listen :0)");
  command->footer(
      "The scheduler logs in to [scheduler] relay with [certs]'s certificate (CN scheduler), knows the\n"
      "investigators of [investigator \"name\"] by their public keys only, and serves its API on loopback:\n"
      "put a TLS proxy in front of it to serve investigators elsewhere (README, \"Deploying the scheduler\").\n"
      "Results are acknowledged to the broker only once committed to the database. SIGTERM stops it.\n"
      "Example: mig --config /etc/mig/scheduler.conf scheduler");
  command->callback([flags, exit_code, config_path] {
    absl::StatusOr<conf::Config> config = conf::LoadConfig(*config_path);
    if (!config.ok()) {
      std::cerr << "mig scheduler: " << config.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    if (absl::Status logging = conf::ConfigureLogging(config->logging, "mig-scheduler"); !logging.ok()) {
      std::cerr << "mig scheduler: " << logging.message() << "\n";
      *exit_code = 2;
      return;
    }
    absl::Status done = Run(*config, *flags, InstallStopSignals());
    if (!done.ok()) {
      std::cerr << "mig scheduler: " << done.message() << "\n";
      *exit_code = absl::IsFailedPrecondition(done) || absl::IsInvalidArgument(done) ? 2 : 3;
    }
  });
}

}  // namespace mig::scheduler
