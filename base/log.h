// Log lines of the daemons (agent, loader, scheduler): one line per event, whatever the message holds (control
// characters are escaped: messages carry file names and peers' words), to stderr, to a file rotated by size, or
// to the local syslog daemon.
//
//   2026-11-29T13:40:00.123Z info agent: connected to localhost:5671 (TLSv1.2 ...)
//
//   log::Info("agent", absl::StrCat("connected to ", peer));
//   MIG_RETURN_IF_ERROR(log::Configure({.level = log::Level::kDebug, .sink = log::Sink::kFile,
//                                       .file = "/var/log/mig/agent.log"}));   // from [logging]
#ifndef MIG_BASE_LOG_H_
#define MIG_BASE_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace mig::log {

enum class Level { kDebug, kInfo, kWarning, kError };
enum class Sink { kStderr, kFile, kSyslog };

struct Options {
  Level level = Level::kInfo;
  Sink sink = Sink::kStderr;
  // kFile: an absolute path, created 0600 if missing, never followed if it is a symbolic link. When a line would
  // take it past max_file_bytes it is renamed to FILE.1 (FILE.1 to FILE.2 ..., keeping keep_files of them) and a
  // new FILE is started.
  std::string file;
  uint64_t max_file_bytes = 10 << 20;
  int keep_files = 5;
  // kSyslog: the local syslog socket (RFC 3164 datagrams, facility daemon), and the name lines carry.
  std::string syslog_socket = "/dev/log";
  std::string program = "mig";
};

// Switches every later line to `options`. InvalidArgument for a relative file path; Unavailable when the file
// cannot be opened or the syslog socket reached — the previous sink is kept then, and the caller decides.
absl::Status Configure(const Options& options);

// Lines below `level` are dropped. Default: kInfo.
void SetLevel(Level level);
// "debug", "info", "warning", "error"; false for anything else.
bool ParseLevel(std::string_view name, Level* level);
// "stderr", "file", "syslog"; false for anything else.
bool ParseSink(std::string_view name, Sink* sink);

void Write(Level level, std::string_view component, std::string_view message);
inline void Debug(std::string_view component, std::string_view message) { Write(Level::kDebug, component, message); }
inline void Info(std::string_view component, std::string_view message) { Write(Level::kInfo, component, message); }
inline void Warning(std::string_view component, std::string_view message) {
  Write(Level::kWarning, component, message);
}
inline void Error(std::string_view component, std::string_view message) { Write(Level::kError, component, message); }

}  // namespace mig::log

#endif  // MIG_BASE_LOG_H_
