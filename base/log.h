// Log lines of the daemons (agent, scheduler) on stderr, one write per line so lines from threads never mix:
//
//   2026-11-29T13:40:00.123Z info agent: connected to localhost:5671 (TLSv1.2 ...)
//
//   log::Info("agent", absl::StrCat("connected to ", peer));
//   log::SetLevel(log::Level::kDebug);   // from the configuration's [logging] level
#ifndef MIG_BASE_LOG_H_
#define MIG_BASE_LOG_H_

#include <string_view>

namespace mig::log {

enum class Level { kDebug, kInfo, kWarning, kError };

// Lines below `level` are dropped. Default: kInfo.
void SetLevel(Level level);
// "debug", "info", "warning", "error"; false for anything else.
bool ParseLevel(std::string_view name, Level* level);

void Write(Level level, std::string_view component, std::string_view message);
inline void Debug(std::string_view component, std::string_view message) { Write(Level::kDebug, component, message); }
inline void Info(std::string_view component, std::string_view message) { Write(Level::kInfo, component, message); }
inline void Warning(std::string_view component, std::string_view message) {
  Write(Level::kWarning, component, message);
}
inline void Error(std::string_view component, std::string_view message) { Write(Level::kError, component, message); }

}  // namespace mig::log

#endif  // MIG_BASE_LOG_H_
