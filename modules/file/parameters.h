// The file module's parameters, in MIG's JSON shape:
//
//   {"searches": {"<label>": {"paths": ["/etc"], "names": ["^passwd$"], "contents": ["^root:"],
//     "sizes": ["<10m"], "modes": ["^-rw"], "mtimes": ["<90d"], "md5": [...], "sha1": [...], "sha2": [...],
//     "sha3": [...], "options": {"maxdepth": 3, "matchall": true, "macroal": false, "mismatch": ["content"],
//     "matchlimit": 1000, "maxerrors": 0, "returnsha256": false, "decompress": false, "links": "follow"}}}}
//
//   MIG_ASSIGN_OR_RETURN(Parameters params, ParseParameters(json));   // validated
//   std::string json = ParametersToJson(params);
#ifndef MIG_MODULES_FILE_PARAMETERS_H_
#define MIG_MODULES_FILE_PARAMETERS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mig::modules::file {

// MIG's defaults for options left at zero.
inline constexpr uint64_t kDefaultMaxDepth = 1000;
inline constexpr uint64_t kDefaultMatchLimit = 1000;

struct SearchOptions {
  uint64_t max_depth = 0;  // 0: kDefaultMaxDepth
  bool remote_fs = false;  // accepted for MIG compatibility; MIG ignores it too
  bool match_all = false;
  bool macroal = false;               // every content regex must match every line
  std::vector<std::string> mismatch;  // check kinds whose result is inverted
  uint64_t match_limit = 0;           // 0: kDefaultMatchLimit
  std::string debug;                  // MIG's "print"; accepted, has no effect on results
  bool return_sha256 = false;
  bool decompress = false;  // inspect gzip files' decompressed content
  uint64_t max_errors = 0;  // stop the search after this many errors; 0: never stop for errors
  // "links": how a symbolic link found in the walk is judged. Follow (MIG's way, the default): a link to a
  // regular file is that file — its metadata, content and hashes — and links to anything else are skipped.
  // Own: the link itself, by lstat — its own mode (L...), size and mtime, whatever it points to (a directory,
  // nothing); content and hash checks never match it. New links are how persistence is added (a timer in
  // timers.target.wants/), and their targets are old files: -mtime with follow cannot see them.
  bool links_own = false;

  uint64_t EffectiveMaxDepth() const { return max_depth == 0 ? kDefaultMaxDepth : max_depth; }
  uint64_t EffectiveMatchLimit() const { return match_limit == 0 ? kDefaultMatchLimit : match_limit; }
  bool HasMismatch(std::string_view kind) const;
};

struct Search {
  std::string description;
  std::vector<std::string> paths;
  std::vector<std::string> contents;
  std::vector<std::string> names;
  std::vector<std::string> sizes;
  std::vector<std::string> modes;
  std::vector<std::string> mtimes;
  std::vector<std::string> md5;
  std::vector<std::string> sha1;
  std::vector<std::string> sha2;
  std::vector<std::string> sha3;
  SearchOptions options;

  size_t CheckCount() const;
};

struct Parameters {
  std::map<std::string, Search> searches;  // by label
};

// Parses and validates MIG's parameters JSON. Unknown fields are errors (a misspelled option must not be
// silently ignored); the error names the field or value and why it is wrong.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// Validates parameters built in code (from flags): labels, paths, regexes, sizes, mtimes, hashes, options.
absl::Status ValidateParameters(const Parameters& parameters);

// MIG's JSON for the parameters.
std::string ParametersToJson(const Parameters& parameters);

// Lexically cleans an absolute path as Go's filepath.Clean: no repeated or trailing slashes, no "." or "..".
std::string CleanPath(std::string_view path);

// Size filter "<10m", ">1g", "4096": inclusive bounds in bytes, powers of 1024.
struct SizeRange {
  uint64_t min = 0;
  uint64_t max = 0;
};
absl::StatusOr<SizeRange> ParseSize(std::string_view size);

// Mtime filter "<90d" (modified within the last 90 days), ">1h" (modified more than an hour ago); units d, h, m.
struct MtimeFilter {
  bool newer_than;  // '<'
  int64_t seconds;
};
absl::StatusOr<MtimeFilter> ParseMtime(std::string_view mtime);

}  // namespace mig::modules::file

#endif  // MIG_MODULES_FILE_PARAMETERS_H_
