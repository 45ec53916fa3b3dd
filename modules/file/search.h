// Running the file module's searches over the file system: one parallel walk shared by all searches, each
// file's metadata checked first, and its content read at most once for every content and digest check that
// still applies to it.
//
//   std::vector<CompiledSearch> searches = CompileSearches(parameters, context.now);
//   RunOutcome outcome = RunSearches(searches, context);
//   std::string json = ResultJson(searches, outcome);
#ifndef MIG_MODULES_FILE_SEARCH_H_
#define MIG_MODULES_FILE_SEARCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "modules/file/checks.h"
#include "modules/module.h"

namespace mig::modules::file {

// At most this many error messages are kept in a result; the rest are counted.
inline constexpr size_t kMaxErrorMessages = 1000;

struct FileInfo {
  uint64_t size = 0;
  std::string mode;           // Go's FileMode string, "-rw-r--r--"
  std::string last_modified;  // Go's UTC time string (MIG's "lastmodified")
  std::string mtime;          // the same instant in RFC 3339, whole seconds, UTC: what jq's fromdateiso8601 reads
  std::string sha256;         // uppercase hex, with returnsha256
};

struct Match {
  std::string path;
  FileInfo info;
};

struct SearchOutcome {
  // With matchall: the files that every check kept. Otherwise: for each check (as in CompiledSearch::checks),
  // the files it kept.
  std::vector<Match> files;
  std::vector<std::vector<Match>> per_check;
  uint64_t matched_files = 0;
  bool stopped = false;  // matchlimit or maxerrors reached
};

struct RunOutcome {
  std::vector<SearchOutcome> searches;  // parallel to the compiled searches
  uint64_t files_count = 0;
  uint64_t open_failed = 0;
  absl::Duration exec_time;
  std::vector<std::string> errors;
  bool incomplete = false;  // stopped at the deadline or cancelled
  // Why the answer may miss files: stopped, directories or files that could not be read, the default depth.
  std::vector<std::string> incomplete_reasons;
};

RunOutcome RunSearches(const std::vector<CompiledSearch>& searches, const RunContext& context);

// MIG's result JSON for a run.
std::string ResultJson(const std::vector<CompiledSearch>& searches, const RunOutcome& outcome);

}  // namespace mig::modules::file

#endif  // MIG_MODULES_FILE_SEARCH_H_
