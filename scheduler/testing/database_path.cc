#include "scheduler/testing/database_path.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace mig::scheduler::testing {

std::string NewDatabasePath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove(absl::StrCat(path, suffix).c_str());
  return path;
}

}  // namespace mig::scheduler::testing
