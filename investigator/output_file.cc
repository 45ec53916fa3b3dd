#include "investigator/output_file.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "investigator/exit_codes.h"

namespace mig::investigator {

std::ostream& OutputFile::stream() { return path_.empty() ? std::cout : buffer_; }

absl::Status OutputFile::Finish() {
  if (path_.empty()) return absl::OkStatus();
  absl::Status written = WriteFileAtomically(path_, buffer_.str(), 0600);
  if (!written.ok()) return absl::Status(written.code(), absl::StrCat("--output ", path_, ": ", written.message()));
  return absl::OkStatus();
}

int OutputFile::Close(std::string_view command, int exit_code) {
  if (absl::Status written = Finish(); !written.ok()) {
    std::cerr << "mig " << command << ": " << written.message() << "\n";
    return kExitFailed;
  }
  return exit_code;
}

}  // namespace mig::investigator
