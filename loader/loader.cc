#include "loader/loader.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "agent/state_directory/release_records.h"
#include "agent/state_directory/state_directory.h"
#include "base/errno_status.h"
#include "base/files.h"
#include "base/json/reader.h"
#include "base/json/writer.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/unique_fd.h"
#include "crypto/digest.h"
#include "crypto/ed25519.h"
#include "crypto/file_digest.h"
#include "loader/release_source.h"
#include "protocol/release/manifest.h"

namespace mig::loader {
namespace {

using state_directory::FailedRelease;

constexpr char kLog[] = "loader";

// A test hook: `MIG_LOADER_CRASH_AT=swapped mig loader` dies by SIGKILL right after that step, so that the
// tests can interrupt an update at each step in turn. It can only make the loader stop.
void CrashPoint(std::string_view step) {
  const char* at = std::getenv("MIG_LOADER_CRASH_AT");
  if (at != nullptr && step == at) raise(SIGKILL);
}

struct Paths {
  explicit Paths(const std::string& agent_state_dir) : release_state(agent_state_dir) {}
  std::string binary;
  std::string staged;  // BINARY.new
  std::string old;     // BINARY.old
  state_directory::StateDirectory release_state;
  // Shorthands into release_state.
  std::string state() const { return release_state.loader_dir(); }
  std::string installed() const { return release_state.installed_release_file(); }
  std::string journal() const { return release_state.release_journal_file(); }
  std::string failed() const { return release_state.failed_release_file(); }
};

Paths MakePaths(const LoaderOptions& o) {
  Paths p(o.config.agent.state_dir);
  p.binary = o.binary.empty() ? UnderRoot(o.root, kDefaultBinary) : o.binary;
  p.staged = p.binary + ".new";
  p.old = p.binary + ".old";
  return p;
}

ServiceSetup MakeSetup(const LoaderOptions& o, const Paths& p) {
  ServiceSetup setup;
  setup.root = o.root.empty() ? "/" : o.root;
  setup.binary = p.binary;
  setup.config_path = o.config_path;
  setup.state_dir = o.config.agent.state_dir;
  setup.log_file = UnderRoot(o.root, "/var/log/mig-loader.log");
  setup.stop_timeout = o.config.agent.module_timeout + absl::Seconds(30);
  setup.loader_flags = o.periodic_flags;
  setup.run_deadline = o.run_deadline;
  return setup;
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

absl::Status RemoveIfPresent(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("remove", path, errno);
  return absl::OkStatus();
}

// SHA-256 of a file, streamed; nullopt when it does not exist.
absl::StatusOr<std::optional<std::string>> Sha256OfFile(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::nullopt;
    return ErrnoError("read", path, errno);
  }
  MIG_ASSIGN_OR_RETURN(crypto::StreamedDigest streamed, crypto::DigestFd(crypto::DigestAlgorithm::kSha256, fd.get(),
                                                                         path, std::numeric_limits<uint64_t>::max()));
  return streamed.digest.ToHex();
}

std::string HexOf(const std::array<uint8_t, 32>& bytes) {
  return absl::BytesToHexString(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Writes `contents` as `path` (a new file, not yet in place) with `mode`, durably.
absl::Status WriteStaged(const std::string& path, std::string_view contents, mode_t mode) {
  MIG_RETURN_IF_ERROR(RemoveIfPresent(path));
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoError("create", path, errno);
  absl::Status status = WriteAll(fd.get(), contents, path);
  if (status.ok() && fchmod(fd.get(), mode) != 0) status = ErrnoError("chmod", path, errno);
  if (status.ok() && fsync(fd.get()) != 0) status = ErrnoError("fsync", path, errno);
  if (close(fd.release()) != 0 && status.ok()) status = ErrnoError("close", path, errno);
  if (!status.ok()) {
    unlink(path.c_str());  // a disk full must not leave half a binary behind
    return status;
  }
  return SyncDirectory(ParentDirectory(path));
}

// Makes `to` another name of `from`'s file, replacing `to` atomically.
absl::Status LinkOver(const std::string& from, const std::string& to) {
  std::string temporary = to + ".tmp";
  MIG_RETURN_IF_ERROR(RemoveIfPresent(temporary));
  if (link(from.c_str(), temporary.c_str()) != 0)
    return ErrnoError(absl::StrCat("link ", from, " to"), temporary, errno);
  if (rename(temporary.c_str(), to.c_str()) != 0) {
    absl::Status error = ErrnoError(absl::StrCat("rename ", temporary, " to"), to, errno);
    unlink(temporary.c_str());
    return error;
  }
  return SyncDirectory(ParentDirectory(to));
}

// --- the journal of an update in progress ---

struct Journal {
  std::string manifest_json;
  std::string old_sha256;
  std::string new_sha256;
  std::string old_version;
  bool require_heartbeat = false;
};

absl::Status WriteJournal(const Paths& p, const Journal& j) {
  json::JsonWriter w(2);
  w.BeginObject();
  w.Field("manifest", j.manifest_json);
  w.Field("oldsha256", j.old_sha256);
  w.Field("newsha256", j.new_sha256);
  w.Field("oldversion", j.old_version);
  w.Field("requireheartbeat", j.require_heartbeat);
  w.EndObject();
  return WriteFileAtomically(p.journal(), std::move(w).Take() + "\n", 0600);
}

absl::StatusOr<std::optional<Journal>> ReadJournal(const Paths& p) {
  absl::StatusOr<std::string> text = ReadFileBounded(p.journal(), 4 * release::kMaxManifestBytes);
  if (!text.ok() && absl::IsNotFound(text.status())) return std::nullopt;
  if (!text.ok()) return text.status();
  MIG_ASSIGN_OR_RETURN(auto doc, json::JsonDocument::Parse(*text, p.journal(), 4 * release::kMaxManifestBytes));
  MIG_ASSIGN_OR_RETURN(simdjson::dom::object root, json::AsObject(doc->root(), ""));
  MIG_RETURN_IF_ERROR(
      json::CheckKeys(root, "", {"manifest", "oldsha256", "newsha256", "oldversion", "requireheartbeat"}));
  Journal j;
  for (auto [key, value] : root) {
    if (key == "manifest") {
      MIG_ASSIGN_OR_RETURN(j.manifest_json, json::AsString(value, "manifest"));
    } else if (key == "oldsha256") {
      MIG_ASSIGN_OR_RETURN(j.old_sha256, json::AsString(value, "oldsha256"));
    } else if (key == "newsha256") {
      MIG_ASSIGN_OR_RETURN(j.new_sha256, json::AsString(value, "newsha256"));
    } else if (key == "oldversion") {
      MIG_ASSIGN_OR_RETURN(j.old_version, json::AsString(value, "oldversion"));
    } else if (key == "requireheartbeat") {
      MIG_ASSIGN_OR_RETURN(j.require_heartbeat, json::AsBool(value, "requireheartbeat"));
    }
  }
  return j;
}

// --- the update ---

class Updater {
 public:
  Updater(const LoaderOptions& options)
      : options_(options),
        paths_(MakePaths(options)),
        service_(InstalledServiceKind(options.root.empty() ? "/" : options.root), MakeSetup(options, paths_)) {}

  absl::StatusOr<UpdateReport> Run() {
    const conf::LoaderConfig& loader = options_.config.loader;
    if (loader.update_source.empty()) {
      return absl::InvalidArgumentError(
          "the configuration names no update source ([loader] source): this binary cannot update itself");
    }
    if (loader.release_keys.empty()) {
      return absl::InvalidArgumentError(
          "the configuration names no release keys ([loader] releasekey): no release could be verified");
    }
    MIG_RETURN_IF_ERROR(MakeDirectories(paths_.state(), 0700));
    MIG_RETURN_IF_ERROR(Lock());

    MIG_ASSIGN_OR_RETURN(std::optional<Journal> journal, ReadJournal(paths_));
    if (journal) {
      MIG_ASSIGN_OR_RETURN(std::optional<UpdateReport> recovered, Recover(*journal));
      if (recovered) return *recovered;
    }
    if (!Exists(paths_.binary)) {
      return absl::FailedPreconditionError(
          absl::StrCat("no agent is installed at ", paths_.binary, ": run `mig loader --install` first"));
    }
    MIG_RETURN_IF_ERROR(service_.EnsureRunning().status());
    MIG_ASSIGN_OR_RETURN(std::string installed_version, InstalledVersion());

    MIG_ASSIGN_OR_RETURN(ReleaseSource source,
                         ReleaseSource::Open(loader.update_source, options_.config.certs.ca.contents));
    MIG_ASSIGN_OR_RETURN(std::string manifest_text, source.Fetch(kManifestName, release::kMaxManifestBytes));
    std::string manifest_url = absl::StrCat(source.url(), kManifestName);
    absl::StatusOr<release::Manifest> manifest = release::ParseManifest(manifest_text);
    if (!manifest.ok()) return Refused(manifest_url, manifest.status().message());
    std::vector<crypto::Ed25519PublicKey> keys;
    for (const std::string& text : loader.release_keys) {
      MIG_ASSIGN_OR_RETURN(crypto::Ed25519PublicKey key, crypto::Ed25519PublicKey::Parse(text));
      keys.push_back(key);
    }
    absl::Status signed_well = release::VerifyManifestSignatures(*manifest, keys, loader.threshold);
    if (!signed_well.ok()) return Refused(manifest_url, signed_well.message());
    if (!manifest->rollback_from && release::CompareVersions(manifest->version, installed_version) <= 0) {
      UpdateReport report{.outcome = UpdateOutcome::kUpToDate, .installed_version = installed_version};
      report.message = release::CompareVersions(manifest->version, installed_version) == 0
                           ? absl::StrCat("up to date: ", installed_version)
                           : absl::StrCat("up to date: ", installed_version, " is installed; the source offers ",
                                          manifest->version, ", older, which is not installed");
      return report;
    }
    absl::Status installable = release::CheckInstallable(*manifest, installed_version, absl::Now());
    if (!installable.ok()) return Refused(manifest_url, installable.message());
    const release::ReleaseFile& file = release::BinaryFile(*manifest);
    std::string new_sha256 = HexOf(file.sha256);
    if (std::optional<FailedRelease> failed = ReadFailedRelease(paths_.release_state);
        failed && failed->version == manifest->version && failed->sha256 == new_sha256) {
      std::string first_line = failed->reason.substr(0, failed->reason.find('\n'));
      return absl::FailedPreconditionError(
          absl::StrCat("release ", manifest->version, " failed here before (", first_line,
                       "); it is not tried again: waiting for a newer release (", paths_.failed(), ")"));
    }

    log::Info(kLog, absl::StrCat("release ", manifest->version, " verified (installed: ", installed_version,
                                 "); fetching ", file.name, " (", file.size, " bytes)"));
    MIG_ASSIGN_OR_RETURN(std::string binary, source.Fetch(file.name, file.size));
    if (binary.size() != file.size) {
      return Refused(absl::StrCat(source.url(), file.name),
                     absl::StrCat("short download: ", binary.size(), " of ", file.size, " bytes"));
    }
    std::string got_sha256 = crypto::ComputeDigest(crypto::DigestAlgorithm::kSha256, binary).ToHex();
    if (got_sha256 != new_sha256) {
      return Refused(absl::StrCat(source.url(), file.name),
                     absl::StrCat("its SHA-256 is ", got_sha256, ", the manifest says ", new_sha256));
    }
    MIG_RETURN_IF_ERROR(WriteStaged(paths_.staged, binary, file.mode));
    binary.clear();
    binary.shrink_to_fit();
    CrashPoint("staged");

    MIG_ASSIGN_OR_RETURN(std::optional<std::string> old_sha256, Sha256OfFile(paths_.binary));
    Journal j{.manifest_json = release::ManifestToJson(*manifest, /*indent=*/false),
              .old_sha256 = old_sha256.value_or(""),
              .new_sha256 = new_sha256,
              .old_version = installed_version,
              .require_heartbeat = service_.WasHeartbeating(options_.config.agent.heartbeat_frequency)};
    MIG_RETURN_IF_ERROR(WriteJournal(paths_, j));
    CrashPoint("journaled");
    MIG_RETURN_IF_ERROR(LinkOver(paths_.binary, paths_.old));
    CrashPoint("kept-old");
    if (rename(paths_.staged.c_str(), paths_.binary.c_str()) != 0) {
      absl::Status error = ErrnoError(absl::StrCat("rename ", paths_.staged, " to"), paths_.binary, errno);
      (void)RemoveIfPresent(paths_.journal());
      return error;
    }
    MIG_RETURN_IF_ERROR(SyncDirectory(ParentDirectory(paths_.binary)));
    CrashPoint("swapped");
    log::Info(kLog, absl::StrCat(paths_.binary, " is now release ", manifest->version, "; restarting the agent"));
    return FinishSwap(j, *manifest);
  }

 private:
  absl::Status Lock() {
    std::string path = paths_.release_state.loader_lock_file();
    lock_fd_.reset(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock_fd_.valid()) return ErrnoError("open", path, errno);
    if (flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      return absl::UnavailableError(absl::StrCat("another mig loader is running (", path, " is locked)"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> InstalledVersion() {
    MIG_ASSIGN_OR_RETURN(std::optional<release::Manifest> installed, ReadInstalledRelease(paths_.release_state));
    if (installed) return installed->version;
    // Installed by --install: the binary is a copy of the one running (the service runs it).
    return options_.running_version;
  }

  absl::Status Refused(std::string_view what, std::string_view why) {
    return absl::FailedPreconditionError(absl::StrCat("release refused: ", what, ": ", why));
  }

  // The new binary is in place: restart, judge, record or roll back.
  absl::StatusOr<UpdateReport> FinishSwap(const Journal& j, const release::Manifest& manifest) {
    AgentService::HealthPolicy policy{
        .timeout = options_.health_timeout, .settle = options_.health_settle, .require_heartbeat = j.require_heartbeat};
    absl::Time since = absl::Now();
    absl::StatusOr<int> pid = service_.Restart();
    absl::Status healthy = pid.status();
    CrashPoint("restarted");
    if (healthy.ok()) healthy = service_.WaitHealthy(*pid, since, policy);
    if (healthy.ok()) {
      MIG_RETURN_IF_ERROR(WriteFileAtomically(paths_.installed(), release::ManifestToJson(manifest), 0600));
      CrashPoint("recorded");
      MIG_RETURN_IF_ERROR(RemoveIfPresent(paths_.failed()));
      MIG_RETURN_IF_ERROR(RemoveIfPresent(paths_.journal()));
      MIG_RETURN_IF_ERROR(SyncDirectory(paths_.state()));
      return UpdateReport{.outcome = UpdateOutcome::kUpdated,
                          .installed_version = manifest.version,
                          .message = absl::StrCat("updated from ", j.old_version, " to ", manifest.version,
                                                  "; the new agent is healthy")};
    }
    return RollBack(j, manifest, std::string(healthy.message()));
  }

  absl::StatusOr<UpdateReport> RollBack(const Journal& j, const release::Manifest& manifest,
                                        const std::string& reason) {
    log::Error(kLog, absl::StrCat("release ", manifest.version, " is not healthy: ", reason, "; rolling back to ",
                                  j.old_version));
    // Recorded first: whatever happens next, this release is not tried again.
    MIG_RETURN_IF_ERROR(WriteFailedRelease(paths_.release_state, {manifest.version, j.new_sha256, reason}));
    CrashPoint("failure-recorded");
    MIG_RETURN_IF_ERROR(LinkOver(paths_.old, paths_.binary));
    CrashPoint("restored");
    MIG_RETURN_IF_ERROR(RemoveIfPresent(paths_.journal()));
    MIG_RETURN_IF_ERROR(SyncDirectory(paths_.state()));
    return RestartOld(j, manifest.version, reason);
  }

  absl::StatusOr<UpdateReport> RestartOld(const Journal& j, const std::string& failed_version,
                                          const std::string& reason) {
    absl::Time since = absl::Now();
    absl::StatusOr<int> pid = service_.Restart();
    absl::Status old_healthy = pid.status();
    if (old_healthy.ok()) {
      old_healthy = service_.WaitHealthy(*pid, since,
                                         {.timeout = options_.health_timeout,
                                          .settle = options_.health_settle,
                                          .require_heartbeat = j.require_heartbeat});
    }
    if (!old_healthy.ok()) {
      // The previous binary fails the same check: the host or the relay is the trouble, not the release,
      // which is not blamed — the next run may try it again.
      MIG_RETURN_IF_ERROR(RemoveIfPresent(paths_.failed()));
    }
    UpdateReport report{.outcome = UpdateOutcome::kRolledBack, .installed_version = j.old_version};
    // The reason was logged in full when the release failed, and is kept in failed.json.
    report.message =
        absl::StrCat("release ", failed_version, " failed its health check; rolled back to ", j.old_version,
                     old_healthy.ok() ? ", which is running again"
                                      : absl::StrCat(", which is NOT healthy either (", old_healthy.message(),
                                                     "): the release will be tried again"));
    return report;
  }

  // A journal was left by a loader that stopped mid-update. Returns a report when the interrupted update is
  // settled by this, nullopt when the run should go on (the update had not swapped anything yet).
  absl::StatusOr<std::optional<UpdateReport>> Recover(const Journal& j) {
    MIG_ASSIGN_OR_RETURN(release::Manifest manifest, release::ParseManifest(j.manifest_json));
    MIG_ASSIGN_OR_RETURN(std::optional<std::string> current, Sha256OfFile(paths_.binary));
    if (!current && Exists(paths_.old)) {
      // Not a state this loader leaves, but the way back is known.
      MIG_RETURN_IF_ERROR(LinkOver(paths_.old, paths_.binary));
      MIG_ASSIGN_OR_RETURN(current, Sha256OfFile(paths_.binary));
    }
    if (current && *current == j.new_sha256) {
      MIG_ASSIGN_OR_RETURN(std::optional<release::Manifest> installed, ReadInstalledRelease(paths_.release_state));
      if (installed && installed->version == manifest.version) {
        log::Info(kLog, absl::StrCat("an earlier run installed ", manifest.version, " and stopped while tidying up"));
        MIG_RETURN_IF_ERROR(RemoveIfPresent(paths_.journal()));
        MIG_RETURN_IF_ERROR(service_.EnsureRunning().status());
        return std::nullopt;
      }
      if (std::optional<FailedRelease> failed = ReadFailedRelease(paths_.release_state);
          failed && failed->version == manifest.version && failed->sha256 == j.new_sha256) {
        log::Warning(kLog, absl::StrCat("an earlier run was rolling back ", manifest.version, "; finishing it"));
        return RollBack(j, manifest, failed->reason);
      }
      log::Warning(kLog, absl::StrCat("an earlier run stopped after installing ", manifest.version,
                                      " and before judging it; restarting the agent to judge it now"));
      return FinishSwap(j, manifest);
    }
    if (current && *current == j.old_sha256) {
      log::Warning(kLog, absl::StrCat("an earlier run stopped before replacing ", paths_.binary, " (update to ",
                                      manifest.version, "); ", j.old_version, " is in place"));
      MIG_RETURN_IF_ERROR(RemoveIfPresent(paths_.staged));
      MIG_RETURN_IF_ERROR(RemoveIfPresent(paths_.journal()));
      if (std::optional<FailedRelease> failed = ReadFailedRelease(paths_.release_state);
          failed && failed->version == manifest.version && failed->sha256 == j.new_sha256) {
        // Stopped mid-rollback: the agent running may still be the failed one.
        return RestartOld(j, manifest.version, failed->reason);
      }
      return std::nullopt;
    }
    return absl::DataLossError(absl::StrCat(
        paths_.binary, " is neither the binary an interrupted update replaced nor the one it installed (",
        paths_.journal(), " says ", j.old_sha256, " -> ", j.new_sha256, "); it is left alone: check the host"));
  }

  const LoaderOptions& options_;
  Paths paths_;
  AgentService service_;
  UniqueFd lock_fd_;  // held until the update is over
};

// Paths that go into unit files and crontabs unquoted.
absl::Status CheckServicePath(std::string_view what, std::string_view path) {
  for (char c : path) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c)) || c == '%' || c == '"' || c == '\'' || c == '\\' ||
        c == '$' || c == ';' || c == '`') {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " '", path, "' has a character that service files would misread"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRootPrivileges(const LoaderOptions& o) {
  if ((o.root.empty() || o.root == "/") && geteuid() != 0) {
    return absl::PermissionDeniedError("installing the agent into / needs root: run it with sudo");
  }
  return absl::OkStatus();
}

// Copies this very binary to `to` atomically.
absl::Status CopySelf(const std::string& to) {
  MIG_ASSIGN_OR_RETURN(std::string self, ReadFileBounded("/proc/self/exe", release::kMaxReleaseFileBytes));
  std::string staged = to + ".new";
  MIG_RETURN_IF_ERROR(WriteStaged(staged, self, 0755));
  if (rename(staged.c_str(), to.c_str()) != 0) {
    absl::Status error = ErrnoError(absl::StrCat("rename ", staged, " to"), to, errno);
    unlink(staged.c_str());
    return error;
  }
  return SyncDirectory(ParentDirectory(to));
}

}  // namespace

absl::StatusOr<UpdateReport> RunUpdate(const LoaderOptions& options) {
  Updater updater(options);
  return updater.Run();
}

absl::Status Install(const LoaderOptions& options, ServiceKind kind, std::ostream& out) {
  MIG_RETURN_IF_ERROR(CheckRootPrivileges(options));
  Paths paths = MakePaths(options);
  ServiceSetup setup = MakeSetup(options, paths);
  MIG_RETURN_IF_ERROR(CheckServicePath("the binary's path", setup.binary));
  MIG_RETURN_IF_ERROR(CheckServicePath("--config", setup.config_path));
  MIG_RETURN_IF_ERROR(CheckServicePath("--root", setup.root));
  if (options.config.agent.relay.empty()) {
    return absl::InvalidArgumentError(
        "this binary's configuration names no relay ([agent] relay): an agent installed from it could not join "
        "a fleet. Build mig with the site's configuration (README, \"A site's configuration\")");
  }
  MIG_RETURN_IF_ERROR(MakeDirectories(ParentDirectory(paths.binary), 0755));
  MIG_ASSIGN_OR_RETURN(std::optional<std::string> self_sha256, Sha256OfFile("/proc/self/exe"));
  MIG_ASSIGN_OR_RETURN(std::optional<std::string> installed_sha256, Sha256OfFile(paths.binary));
  MIG_RETURN_IF_ERROR(MakeDirectories(options.config.agent.state_dir, 0700));
  MIG_RETURN_IF_ERROR(MakeDirectories(paths.state(), 0700));
  if (installed_sha256 != self_sha256) {
    MIG_RETURN_IF_ERROR(CopySelf(paths.binary));
    // What installed.json described is gone; from now on this binary's own version is the installed one.
    MIG_RETURN_IF_ERROR(RemoveIfPresent(paths.installed()));
    MIG_RETURN_IF_ERROR(RemoveIfPresent(paths.journal()));
    out << "installed " << paths.binary << " (mig " << options.running_version << ")\n";
  } else {
    out << paths.binary << " is already this binary (mig " << options.running_version << ")\n";
  }
  MIG_RETURN_IF_ERROR(InstallServiceFiles(kind, setup));
  for (const ServiceFile& file : ServiceFiles(kind, setup)) out << "wrote " << file.path << "\n";
  bool live_root = options.root.empty() || options.root == "/";
  if (kind == ServiceKind::kSystemd) {
    out << (live_root ? "systemd runs the agent (mig-agent.service) and the loader every hour (mig-loader.timer)\n"
                      : "the units start at the next boot of that root's system\n");
    return absl::OkStatus();
  }
  AgentService service(kind, setup);
  absl::Time since = absl::Now();
  MIG_ASSIGN_OR_RETURN(int pid, service.Restart());
  MIG_RETURN_IF_ERROR(service.WaitHealthy(
      pid, since, {.timeout = options.health_timeout, .settle = options.health_settle, .require_heartbeat = false}));
  out << "the agent runs (pid " << pid << ", log " << options.config.agent.state_dir << "/agent.log)\n";
  if (kind == ServiceKind::kCron) {
    out << "cron runs the loader every 10 minutes and at boot: it installs verified releases and restarts the "
           "agent if it stops (log "
        << setup.log_file << ")\n";
  } else {
    out << "WARNING: nothing runs the loader periodically (no systemd, no cron): run `" << setup.binary
        << " loader` regularly by other means, or the agent will neither be updated nor restarted\n";
  }
  return absl::OkStatus();
}

absl::Status Uninstall(const LoaderOptions& options, std::ostream& out) {
  MIG_RETURN_IF_ERROR(CheckRootPrivileges(options));
  Paths paths = MakePaths(options);
  ServiceSetup setup = MakeSetup(options, paths);
  ServiceKind kind = InstalledServiceKind(setup.root);
  if (kind != ServiceKind::kSystemd) {
    AgentService service(kind, setup);
    MIG_RETURN_IF_ERROR(service.Stop());
  }
  MIG_RETURN_IF_ERROR(RemoveServiceFiles(setup));
  out << "stopped the agent and removed the " << ServiceKindName(kind) << " service\n";
  for (const std::string& path : {paths.binary, paths.old, paths.staged}) {
    if (Exists(path)) out << "removed " << path << "\n";
    MIG_RETURN_IF_ERROR(RemoveIfPresent(path));
  }
  // The agent's state: its identity, unsent results, replay cache, status and logs, and the loader's.
  const state_directory::StateDirectory& layout = paths.release_state;
  const std::string& state = layout.root();
  for (const std::string& file : layout.LoaderFiles()) MIG_RETURN_IF_ERROR(RemoveIfPresent(file));
  rmdir(layout.loader_dir().c_str());
  std::string outbox = layout.outbox_dir();
  if (UniqueDir dir(opendir(outbox.c_str())); dir != nullptr) {
    while (struct dirent* entry = readdir(dir.get())) {
      if (entry->d_name[0] == '.') continue;
      MIG_RETURN_IF_ERROR(RemoveIfPresent(absl::StrCat(outbox, "/", entry->d_name)));
    }
    dir.reset();
    rmdir(outbox.c_str());
  }
  for (const std::string& file : layout.AgentFiles()) MIG_RETURN_IF_ERROR(RemoveIfPresent(file));
  MIG_RETURN_IF_ERROR(RemoveIfPresent(setup.log_file));
  if (rmdir(state.c_str()) == 0) {
    out << "removed " << state << "\n";
  } else if (errno != ENOENT) {
    out << "left " << state << ": it holds files mig did not put there\n";
  }
  return absl::OkStatus();
}

}  // namespace mig::loader
