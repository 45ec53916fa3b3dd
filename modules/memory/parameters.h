// The memory module's parameters, in MIG's JSON shape:
//
//   {"searches": {"<label>": {"description": "...", "names": ["^/usr/sbin/sshd$"], "libraries": ["libssl"],
//     "contents": ["ssh-rsa AAAA"], "bytes": ["6d69672e6d6f7a696c6c612e6f7267"],
//     "options": {"offset": 0, "maxlength": 0, "logfailures": false, "matchall": true}}}}
//
//   MIG_ASSIGN_OR_RETURN(Parameters params, ParseParameters(json));   // validated
//   std::string json = ParametersToJson(params);
#ifndef MIG_MODULES_MEMORY_PARAMETERS_H_
#define MIG_MODULES_MEMORY_PARAMETERS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "re2/re2.h"

namespace mig::modules::memory {

// Above every user-space address on x86-64 (57-bit with five-level paging), and exact in a double.
inline constexpr uint64_t kMaxOffset = 1ull << 60;
inline constexpr uint64_t kMaxLength = 1ull << 60;
// A longer byte string could straddle two read chunks without fitting in their overlap.
inline constexpr size_t kMaxBytesPatternLength = 64 << 10;

struct SearchOptions {
  uint64_t offset = 0;        // first address of a process's memory to scan
  uint64_t max_length = 0;    // scan at most this many readable bytes from offset; 0: no limit
  bool log_failures = false;  // list memory regions that could not be read
  bool match_all = false;     // MIG's JSON default; the command line defaults to true
};

struct Search {
  std::string description;
  std::vector<std::string> names;      // regexes on the process's executable path
  std::vector<std::string> libraries;  // regexes on the paths of files mapped by the process
  std::vector<std::string> contents;   // regexes on the process's memory
  std::vector<std::string> bytes;      // hex byte strings searched in the process's memory
  SearchOptions options;

  size_t CheckCount() const { return names.size() + libraries.size() + contents.size() + bytes.size(); }
  bool ReadsMemory() const { return !contents.empty() || !bytes.empty(); }
};

struct Parameters {
  std::map<std::string, Search> searches;  // by label
};

// Parses and validates MIG's parameters JSON. Unknown fields and wrong types are errors naming the field.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// Validates parameters built in code (from flags): labels, regexes, byte strings, options.
absl::Status ValidateParameters(const Parameters& parameters);

// MIG's JSON for the parameters.
std::string ParametersToJson(const Parameters& parameters);

// How every regex of this module is compiled: Go's syntax, as MIG; errors kept, not logged; room for the
// DFA so that scanning megabytes of memory does not fall back to the slow NFA.
RE2::Options RegexOptions();

// "6d6967" -> "mig". Upper- and lower-case digits; an odd count or another character is an error naming
// the value.
absl::StatusOr<std::string> DecodeHex(std::string_view hex);

}  // namespace mig::modules::memory

#endif  // MIG_MODULES_MEMORY_PARAMETERS_H_
