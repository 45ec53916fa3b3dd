#include "investigator/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "base/files.h"

namespace mig::investigator {

absl::StatusOr<std::string> ReadInputFile(const std::string& path, size_t max_bytes) {
  if (path == "-") return ReadFdBounded(STDIN_FILENO, max_bytes, "standard input");
  return ReadFileBounded(path, max_bytes);
}

absl::Status WriteOutputFile(const std::string& path, std::string_view text) {
  if (path.empty() || path == "-") {
    std::cout << text << std::flush;
    if (!std::cout) return absl::UnavailableError("writing standard output failed");
    return absl::OkStatus();
  }
  // The output keeps the mode of the file it replaces, if any.
  mode_t mode = 0644;
  struct stat st;
  if (stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  return WriteFileAtomically(path, text, mode);
}

}  // namespace mig::investigator
