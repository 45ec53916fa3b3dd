// Fuzzes the configuration file parser (a `--config` override, the site's file): any bytes are parsed or
// refused with an error naming the line, and what parses is written back losslessly: each section header
// and each value quoted by QuoteIniValue() reads back as the same entries.
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "embedded_conf/ini.h"

namespace {

std::string Header(std::string_view section, std::string_view subsection) {
  if (subsection.empty()) return absl::StrCat("[", section, "]\n");
  return absl::StrCat("[", section, " \"", subsection, "\"]\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<mig::conf::IniFile> file = mig::conf::ParseIni(text, "fuzz.conf");
  if (!file.ok()) return 0;

  std::string written;
  const mig::conf::IniEntry* previous = nullptr;
  for (const mig::conf::IniEntry& entry : file->entries) {
    if (previous == nullptr || previous->section != entry.section || previous->subsection != entry.subsection) {
      written += Header(entry.section, entry.subsection);
    }
    absl::StrAppend(&written, entry.key, " = ", mig::conf::QuoteIniValue(entry.value), "\n");
    previous = &entry;
  }
  absl::StatusOr<mig::conf::IniFile> again = mig::conf::ParseIni(written, "written.conf");
  if (!again.ok() || again->entries.size() != file->entries.size()) __builtin_trap();
  for (size_t i = 0; i < file->entries.size(); ++i) {
    const mig::conf::IniEntry& a = file->entries[i];
    const mig::conf::IniEntry& b = again->entries[i];
    if (a.section != b.section || a.subsection != b.subsection || a.key != b.key || a.value != b.value) {
      __builtin_trap();
    }
  }
  return 0;
}
