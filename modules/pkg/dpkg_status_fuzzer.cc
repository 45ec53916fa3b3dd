// Fuzzes dpkg's status database parser: the input is a status file, then journal entries (updates/NNNN),
// separated by NUL bytes (which neither holds). Any bytes give packages or errors without crashing, and
// what comes out is what dpkg-query would list: one package per name and architecture, each named, never
// one that is not installed, with a one-word state.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "modules/pkg/dpkg_database.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  mig::modules::pkg::DpkgDatabase database;
  std::vector<std::string> errors;
  int file_number = 0;
  for (std::string_view text : absl::StrSplit(input, '\0')) {
    std::string source = file_number++ == 0 ? "status" : absl::StrCat("updates/", file_number - 1);
    for (const mig::modules::pkg::DpkgStanza& stanza : mig::modules::pkg::ParseDpkgStatus(text, source, &errors)) {
      if (stanza.package.empty() || stanza.status.empty() || stanza.status.find_first_of(" \t") != std::string::npos) {
        __builtin_trap();
      }
    }
    database.Apply(text, source, &errors);
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const mig::modules::pkg::InstalledPackage& package : std::move(database).Packages()) {
    if (package.name.empty() || package.status == "not-installed" || package.source_name.empty()) __builtin_trap();
    if (!seen.emplace(package.name, package.arch).second) __builtin_trap();
  }
  return 0;
}
