#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/display_text.h"
#include "base/unique_fd.h"

namespace mig::log {
namespace {

constexpr std::string_view kNames[] = {"debug", "info", "warning", "error"};
// syslog severities for debug, info, warning, error; facility daemon (3).
constexpr int kSeverities[] = {7, 6, 4, 3};
constexpr int kFacilityDaemon = 3;
// A syslog datagram larger than this is cut (rsyslog's default maximum is 8 KiB).
constexpr size_t kMaxSyslogBytes = 8000;

std::atomic<int> minimum_level{static_cast<int>(Level::kInfo)};

// The sink every line goes to. Lines are written whole under the lock, so lines of threads never mix.
class Logger {
 public:
  absl::Status Configure(const Options& options) ABSL_LOCKS_EXCLUDED(mu_) {
    UniqueFd fd;
    if (options.sink == Sink::kFile) {
      if (options.file.empty() || options.file[0] != '/') {
        return absl::InvalidArgumentError(absl::StrCat("log file '", options.file, "' is not an absolute path"));
      }
      absl::StatusOr<UniqueFd> opened = OpenLogFile(options.file);
      if (!opened.ok()) return opened.status();
      fd = *std::move(opened);
    } else if (options.sink == Sink::kSyslog) {
      absl::StatusOr<UniqueFd> connected = ConnectSyslog(options.syslog_socket);
      if (!connected.ok()) return connected.status();
      fd = *std::move(connected);
    }
    absl::MutexLock lock(&mu_);
    options_ = options;
    fd_ = std::move(fd);
    minimum_level.store(static_cast<int>(options.level));
    return absl::OkStatus();
  }

  void Write(Level level, std::string_view component, std::string_view message) ABSL_LOCKS_EXCLUDED(mu_) {
    // Messages carry file names, peers' reasons, errors from the host: one event, one line.
    std::string text = absl::StrCat(EscapeControls(component), ": ", EscapeControls(message));
    absl::MutexLock lock(&mu_);
    switch (options_.sink) {
      case Sink::kStderr:
        WriteLine(STDERR_FILENO, TimestampedLine(level, text));
        break;
      case Sink::kFile:
        WriteToFile(TimestampedLine(level, text));
        break;
      case Sink::kSyslog:
        SendToSyslog(level, text);
        break;
    }
  }

 private:
  static std::string TimestampedLine(Level level, std::string_view text) {
    return absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
                        kNames[static_cast<int>(level)], " ", text, "\n");
  }

  static bool WriteLine(int fd, std::string_view line) {
    // One write(2) per line: a pipe keeps writes up to PIPE_BUF whole, a file opened O_APPEND keeps them
    // whole between processes.
    while (!line.empty()) {
      ssize_t n = ::write(fd, line.data(), line.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      line.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  static absl::StatusOr<UniqueFd> OpenLogFile(const std::string& path) {
    UniqueFd fd(
        open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600));
    if (!fd.valid()) {
      return absl::UnavailableError(absl::StrCat("cannot open log file ", path, ": ", strerror(errno)));
    }
    struct stat st;
    if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return absl::UnavailableError(absl::StrCat("log file ", path, " is not a regular file"));
    }
    return fd;
  }

  static absl::StatusOr<UniqueFd> ConnectSyslog(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) {
      return absl::InvalidArgumentError(absl::StrCat("syslog socket path ", path, " is too long"));
    }
    memcpy(address.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid() || connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      return absl::UnavailableError(absl::StrCat("cannot reach the syslog daemon at ", path, ": ", strerror(errno)));
    }
    return fd;
  }

  void WriteToFile(const std::string& line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    struct stat st;
    if (fd_.valid() && fstat(fd_.get(), &st) == 0 &&
        static_cast<uint64_t>(st.st_size) + line.size() > options_.max_file_bytes) {
      Rotate(st);
    }
    if (!fd_.valid() || !WriteLine(fd_.get(), line)) WriteLine(STDERR_FILENO, line);  // never lose a line
  }

  // FILE -> FILE.1 -> ... -> FILE.keep_files (the oldest dropped), then a new FILE. Another process may have
  // rotated already (the path is no longer the file written to): then only reopen.
  void Rotate(const struct stat& current) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    struct stat on_disk;
    const std::string& path = options_.file;
    if (lstat(path.c_str(), &on_disk) == 0 && on_disk.st_ino == current.st_ino && on_disk.st_dev == current.st_dev) {
      for (int i = options_.keep_files - 1; i >= 1; --i) {
        rename(absl::StrCat(path, ".", i).c_str(), absl::StrCat(path, ".", i + 1).c_str());
      }
      if (options_.keep_files >= 1) {
        rename(path.c_str(), absl::StrCat(path, ".1").c_str());
      } else {
        unlink(path.c_str());
      }
    }
    absl::StatusOr<UniqueFd> reopened = OpenLogFile(path);
    if (reopened.ok()) fd_ = *std::move(reopened);
  }

  void SendToSyslog(Level level, std::string_view text) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // RFC 3164 as syslog(3) sends it: <PRI>Mmm dd hh:mm:ss program[pid]: text
    std::string datagram = absl::StrCat("<", kFacilityDaemon * 8 + kSeverities[static_cast<int>(level)], ">",
                                        absl::FormatTime("%b %e %H:%M:%S", absl::Now(), absl::LocalTimeZone()), " ",
                                        options_.program, "[", getpid(), "]: ", text);
    if (datagram.size() > kMaxSyslogBytes) datagram.resize(kMaxSyslogBytes);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (fd_.valid() && send(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL) >= 0) return;
      // The daemon restarted (ECONNREFUSED, a new socket): connect again once.
      absl::StatusOr<UniqueFd> reconnected = ConnectSyslog(options_.syslog_socket);
      if (!reconnected.ok()) break;
      fd_ = *std::move(reconnected);
    }
    WriteLine(STDERR_FILENO, TimestampedLine(level, text));  // never lose a line
  }

  absl::Mutex mu_;
  Options options_ ABSL_GUARDED_BY(mu_);
  UniqueFd fd_ ABSL_GUARDED_BY(mu_);  // the file or the syslog socket
};

Logger& TheLogger() {
  static auto* logger = new Logger();
  return *logger;
}

}  // namespace

absl::Status Configure(const Options& options) { return TheLogger().Configure(options); }

void SetLevel(Level level) { minimum_level.store(static_cast<int>(level)); }

bool ParseLevel(std::string_view name, Level* level) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) {
      *level = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

bool ParseSink(std::string_view name, Sink* sink) {
  constexpr std::pair<std::string_view, Sink> kSinks[] = {
      {"stderr", Sink::kStderr}, {"file", Sink::kFile}, {"syslog", Sink::kSyslog}};
  for (const auto& [sink_name, value] : kSinks) {
    if (sink_name == name) {
      *sink = value;
      return true;
    }
  }
  return false;
}

void Write(Level level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) < minimum_level.load()) return;
  TheLogger().Write(level, component, message);
}

}  // namespace mig::log
