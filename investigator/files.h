// Reading the investigator's input files and writing its outputs without leaving half-written files.
//
//   MIG_ASSIGN_OR_RETURN(std::string text, ReadInputFile(path));   // "-" reads standard input
//   MIG_RETURN_IF_ERROR(WriteOutputFile(path, text));              // "-" or "" writes standard output
#ifndef MIG_INVESTIGATOR_FILES_H_
#define MIG_INVESTIGATOR_FILES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mig::investigator {

// Refuses inputs over `max_bytes` rather than reading without bound.
absl::StatusOr<std::string> ReadInputFile(const std::string& path, size_t max_bytes = 64 << 20);

// Writes `text` to a temporary file next to `path`, fsyncs it and renames it into place, so a reader (or a
// crash) sees the old file or the new one; `path` may be the file the input came from.
absl::Status WriteOutputFile(const std::string& path, std::string_view text);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_FILES_H_
