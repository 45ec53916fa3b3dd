// Fuzzes the memory module's reader of /proc/<pid>/maps, whose paths name files any user can create (with
// spaces, "(deleted)", "[brackets]"): any bytes give mappings or an error naming the line, without
// crashing; every mapping is a range with four permission letters, and the libraries listed from them are
// each listed once.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "modules/memory/process_memory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view maps(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<mig::modules::memory::Mapping>> mappings = mig::modules::memory::ParseMaps(maps);
  if (!mappings.ok()) return 0;
  for (const mig::modules::memory::Mapping& mapping : *mappings) {
    if (mapping.end < mapping.start || mapping.permissions.size() != 4) __builtin_trap();
    (void)mig::modules::memory::IsScannable(mapping);
  }
  std::vector<std::string> libraries = mig::modules::memory::LoadedLibraries(*mappings, "/usr/sbin/sshd");
  std::set<std::string> distinct(libraries.begin(), libraries.end());
  if (distinct.size() != libraries.size() || distinct.count("/usr/sbin/sshd") != 0) __builtin_trap();
  return 0;
}
